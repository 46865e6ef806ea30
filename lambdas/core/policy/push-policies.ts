// Pushing a policy set: compile it (an invalid set never reaches the store), record the change
// in the hash-chained `policy-audit` session, then make it the active version. The audit event is
// written BEFORE the store moves its ACTIVE pointer, so no activation is ever unrecorded; a push
// that then loses a race is recorded as failed.
import { policySetTextToParts, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Principal } from '../identity/principal.js';
import type { Clock, IdGenerator, PolicyStore, StoredPolicyVersion } from '../ports.js';
import { canonicalJson, type JsonValue } from '../recording/canonical-json.js';
import type { SessionEventType } from '../recording/events.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import { compilePolicySet, type PolicySource } from './policy-set.js';

/** The system session holding every policy change, in order. */
/** The system session holding policy changes; the `tollgate:` prefix is reserved for such sessions. */
export const POLICY_AUDIT_SESSION = 'tollgate:policy-audit';

/** Owner of system sessions: no token can carry this issuer. */
export const SYSTEM_PRINCIPAL: Principal = {
  sub: 'tollgate-system',
  issuer: 'tollgate',
  groups: [],
  tokenId: undefined,
  actsFor: undefined,
};

// TODO(events): drop the casts once SessionEventType lists both members.
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

export interface PushPoliciesDeps {
  readonly store: PolicyStore;
  readonly recorder: SessionRecorder;
  readonly clock: Clock;
  /** Request ids of the audit events; derived from the time and version when absent. */
  readonly ids?: IdGenerator;
}

export interface PushPoliciesInput {
  readonly sources: readonly PolicySource[];
  readonly schema: string;
  /** The folder's digest, as readPolicyFolder computes it. */
  readonly digest: string;
  /** Who pushes: a verified principal (recorded as `sub@issuer`) or a name such as `operator:alice`. */
  readonly actor: string | Pick<Principal, 'sub' | 'issuer'>;
  readonly comment?: string;
}

export type PushPoliciesResult =
  | {
      readonly outcome: 'activated';
      readonly version: StoredPolicyVersion;
      /** 0 before the first push. */
      readonly previousVersion: number;
      readonly diff: PolicyDiff;
    }
  /** The set is already the active version: nothing was stored or recorded. */
  | { readonly outcome: 'unchanged'; readonly version: number }
  /** Two pushes in a row lost to concurrent pushes; the caller may run again. */
  | { readonly outcome: 'conflict' };

const ATTEMPTS = 2;

export const actorName = (actor: PushPoliciesInput['actor']): string =>
  typeof actor === 'string' ? actor : `${actor.sub}@${actor.issuer}`;

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
  const createdBy = actorName(input.actor);
  const now = () => deps.clock.now().toISOString();
  await deps.recorder.open(POLICY_AUDIT_SESSION, SYSTEM_PRINCIPAL, now());

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const active = await deps.store.active();
    if (active?.digest === input.digest) return { outcome: 'unchanged', version: active.version };

    const previousVersion = active?.version ?? 0;
    const version = previousVersion + 1;
    const createdAt = now();
    const requestId = deps.ids?.newId() ?? `policy-push:${createdAt}:v${version}`;
    const diff = diffPolicySets(active, input);
    const facts: { [k: string]: JsonValue } = {
      version,
      previousVersion,
      digest: input.digest,
      previousDigest: active?.digest ?? null,
      actor: createdBy,
      comment: input.comment ?? null,
    };
    const record = (type: SessionEventType, data: { [k: string]: JsonValue }) =>
      deps.recorder.append(POLICY_AUDIT_SESSION, [
        { type, requestId, at: now(), data: { ...facts, ...data } },
      ]);

    // Recorded first: if this fails, nothing is activated.
    await record(POLICY_CHANGED, {
      added: [...diff.added],
      removed: [...diff.removed],
      changed: [...diff.changed],
      schemaChanged: diff.schemaChanged,
      policyCount: policiesById(input.sources).size,
    });

    let outcome: StoredPolicyVersion | 'conflict';
    try {
      outcome = await deps.store.push(
        {
          sources: input.sources.map((s) => ({ name: s.name, text: s.text })),
          schema: input.schema,
          digest: input.digest,
          createdAt,
          createdBy,
          comment: input.comment,
        },
        previousVersion,
      );
    } catch (error) {
      // Whether the pointer moved is unknown (the answer may be what was lost): the store's
      // ACTIVE version is the truth, and the audit says the outcome is unknown.
      await record(POLICY_CHANGE_FAILED, {
        reason: 'store-error',
        activation: 'unknown',
        error: error instanceof Error ? error.message : String(error),
      }).catch(() => undefined);
      throw error;
    }
    if (outcome !== 'conflict') return { outcome: 'activated', version: outcome, previousVersion, diff };
    await record(POLICY_CHANGE_FAILED, { reason: 'conflict' });
  }
  return { outcome: 'conflict' };
};
