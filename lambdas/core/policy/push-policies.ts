// Pushing a policy set: compile it (an invalid set never reaches the store), then record the
// change in the hash-chained `config-audit` session and make it the active version, in that
// order (versioned-push.ts).
import { policySetTextToParts, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import {
  type Actor,
  pushVersion,
  type VersionedPushDeps,
  type VersionedPushResult,
} from '../config/versioned-push.js';
import type { StoredPolicyVersion } from '../ports.js';
import { canonicalJson } from '../recording/canonical-json.js';
import type { SessionEventType } from '../recording/events.js';
import { compilePolicySet, type PolicySource } from './policy-set.js';

export { actorName, CONFIG_AUDIT_SESSION, SYSTEM_PRINCIPAL } from '../config/versioned-push.js';

export const POLICY_CHANGED: SessionEventType = 'policy.changed';
export const POLICY_CHANGE_FAILED: SessionEventType = 'policy.change-failed';

/** What a push changes, by policy @id. */
export interface PolicyDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Same @id, different policy (effect, scope, conditions or annotations). */
  readonly changed: readonly string[];
  readonly schemaChanged: boolean;
}

export interface PolicyText {
  /** The policy as written, annotations included. */
  readonly text: string;
  /** Canonical JSON of Cedar's form of it: equal when the policies are equal, layout aside. */
  readonly canonical: string;
}

/**
 * The policies of some sources by @id, for comparison. Lenient: text that does not parse and
 * policies without an @id are skipped (compilePolicySet is what judges validity).
 */
export const policiesById = (sources: readonly PolicySource[]): Map<string, PolicyText> => {
  const policies = new Map<string, PolicyText>();
  for (const source of sources) {
    const parts = policySetTextToParts(source.text);
    if (parts.type === 'failure') continue;
    for (const text of parts.policies) {
      const json = policyToJson(text);
      if (json.type === 'failure') continue;
      const id = (json.json.annotations as Record<string, string> | undefined)?.id;
      if (id) policies.set(id, { text, canonical: canonicalJson(json.json) });
    }
  }
  return policies;
};

interface PolicyFiles {
  readonly sources: readonly PolicySource[];
  readonly schema: string;
}

/** Policies added, removed and changed from `before` (undefined: nothing) to `after`. */
export const diffPolicySets = (before: PolicyFiles | undefined, after: PolicyFiles): PolicyDiff => {
  const old = policiesById(before?.sources ?? []);
  const next = policiesById(after.sources);
  const sorted = (ids: Iterable<string>) => [...ids].sort();
  return {
    added: sorted([...next.keys()].filter((id) => !old.has(id))),
    removed: sorted([...old.keys()].filter((id) => !next.has(id))),
    changed: sorted(
      [...next.keys()].filter((id) => old.has(id) && old.get(id)!.canonical !== next.get(id)!.canonical),
    ),
    schemaChanged: before !== undefined && before.schema !== after.schema,
  };
};

export type PushPoliciesDeps = VersionedPushDeps<StoredPolicyVersion>;

export interface PushPoliciesInput {
  readonly sources: readonly PolicySource[];
  readonly schema: string;
  /** The folder's digest, as readPolicyFolder computes it. */
  readonly digest: string;
  /** Who pushes: a verified principal (recorded as `sub@issuer`) or a name such as `operator:alice`. */
  readonly actor: Actor;
  readonly comment?: string;
}

export type PushPoliciesResult =
  | Exclude<VersionedPushResult<StoredPolicyVersion, PolicyDiff>, { outcome: 'activated' }>
  | {
      readonly outcome: 'activated';
      readonly version: StoredPolicyVersion;
      /** 0 before the first push. */
      readonly previousVersion: number;
      readonly diff: PolicyDiff;
    };

/**
 * Validates and activates a policy set. Throws PolicySetError (listing every problem) for an
 * invalid set and RecordingUnavailableError when the change cannot be recorded — in both cases
 * nothing is activated. Store failures propagate after the failure is recorded.
 */
export const pushPolicies = async (
  deps: PushPoliciesDeps,
  input: PushPoliciesInput,
): Promise<PushPoliciesResult> => {
  compilePolicySet(input.sources, input.schema, input.digest);
  const result = await pushVersion(deps, {
    kind: 'policy',
    events: { changed: POLICY_CHANGED, failed: POLICY_CHANGE_FAILED },
    digest: input.digest,
    actor: input.actor,
    comment: input.comment,
    content: {
      sources: input.sources.map((s) => ({ name: s.name, text: s.text })),
      schema: input.schema,
    },
    change: (active) => {
      const diff = diffPolicySets(active, input);
      return {
        change: diff,
        data: {
          added: [...diff.added],
          removed: [...diff.removed],
          changed: [...diff.changed],
          schemaChanged: diff.schemaChanged,
          policyCount: policiesById(input.sources).size,
        },
      };
    },
  });
  if (result.outcome !== 'activated') return result;
  const { change, ...rest } = result;
  return { ...rest, diff: change };
};
