// A Cedar policy set as Tollgate uses it: policies keyed by their @id, with the annotations that
// turn a Cedar decision into an answer (@reason, @hint, @approval, @approvalTtl, @approvalQuorum).
import {
  checkParseSchema,
  policySetTextToParts,
  policyToJson,
  validate,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { ApprovalRequirement } from '../decision/decision.js';

export interface PolicySource {
  /** Where the text came from, for error messages (e.g. `policies/default.cedar`). */
  readonly name: string;
  readonly text: string;
}

export interface PolicyMeta {
  readonly id: string;
  readonly effect: 'permit' | 'forbid';
  readonly reason: string | undefined;
  readonly hint: string | undefined;
  readonly approval: ApprovalRequirement | undefined;
}

export interface CompiledPolicySet {
  /** Version label: the store's version, or a digest of the text for local files. */
  readonly version: string;
  /** Cedar text of each policy, keyed by @id. */
  readonly policies: Readonly<Record<string, string>>;
  readonly meta: ReadonlyMap<string, PolicyMeta>;
  readonly schema: string;
}

export class PolicySetError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The policy set is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PolicySetError';
  }
}

const DURATION = /^(\d+)([smhd])$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

const parseApproval = (
  id: string,
  a: Record<string, string>,
  problems: string[],
): ApprovalRequirement | undefined => {
  if (a.approval === undefined) return undefined;
  const ttl = DURATION.exec(a.approvalTtl ?? '1h');
  const quorum = Number(a.approvalQuorum ?? '1');
  if (!a.approval) problems.push(`${id}: @approval needs the approving group`);
  if (!ttl) problems.push(`${id}: @approvalTtl must look like 30m, 1h or 2d`);
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > 10)
    problems.push(`${id}: @approvalQuorum must be 1 to 10`);
  const justification = a.approvalJustification ?? 'optional';
  if (justification !== 'required' && justification !== 'optional')
    problems.push(`${id}: @approvalJustification must be "required" or "optional"`);
  // Digits only: Number() would read "1e3" as 1000 and "" as 0.
  const maxRows =
    a.approvalMaxRows === undefined
      ? undefined
      : /^\d{1,9}$/.test(a.approvalMaxRows)
        ? Number(a.approvalMaxRows)
        : Number.NaN;
  if (maxRows !== undefined && Number.isNaN(maxRows))
    problems.push(`${id}: @approvalMaxRows must be a whole number of rows`);
  if (!ttl) return undefined;
  const seconds = Number(ttl[1]) * UNIT_SECONDS[ttl[2]!]!;
  // A task token outlives no approval: Step Functions waits at most a year.
  if (seconds < 60 || seconds > 7 * 86_400) problems.push(`${id}: @approvalTtl must be 1m to 7d`);
  return {
    group: a.approval,
    ttlSeconds: seconds,
    quorum,
    justificationRequired: justification === 'required',
    ...(maxRows === undefined ? {} : { maxAffectedRows: maxRows }),
  };
};

/**
 * Parses and validates policy files against the schema (Cedar's strict validation), requiring a
 * unique @id on every policy. Throws PolicySetError listing every problem.
 */
export const compilePolicySet = (
  sources: readonly PolicySource[],
  schema: string,
  version: string,
): CompiledPolicySet => {
  const problems: string[] = [];
  const schemaCheck = checkParseSchema(schema);
  if (schemaCheck.type === 'failure') {
    throw new PolicySetError(schemaCheck.errors.map((e) => `schema: ${e.message}`));
  }
  const policies: Record<string, string> = {};
  const meta = new Map<string, PolicyMeta>();
  for (const source of sources) {
    const parts = policySetTextToParts(source.text);
    if (parts.type === 'failure') {
      problems.push(...parts.errors.map((e) => `${source.name}: ${e.message}`));
      continue;
    }
    if (parts.policy_templates.length > 0) problems.push(`${source.name}: templates are not supported`);
    for (const text of parts.policies) {
      const json = policyToJson(text);
      if (json.type === 'failure') {
        problems.push(...json.errors.map((e) => `${source.name}: ${e.message}`));
        continue;
      }
      const annotations = (json.json.annotations ?? {}) as Record<string, string>;
      const id = annotations.id;
      if (!id) {
        problems.push(`${source.name}: every policy needs an @id("...") annotation: ${text.slice(0, 60)}…`);
        continue;
      }
      if (policies[id] !== undefined) problems.push(`${source.name}: duplicate policy id ${id}`);
      policies[id] = text;
      meta.set(id, {
        id,
        effect: json.json.effect,
        reason: annotations.reason,
        hint: annotations.hint,
        approval: parseApproval(id, annotations, problems),
      });
    }
  }
  if (problems.length === 0) {
    const validation = validate({
      schema,
      policies: { staticPolicies: policies },
      validationSettings: { mode: 'strict' },
    });
    if (validation.type === 'failure') problems.push(...validation.errors.map((e) => e.message));
    else problems.push(...validation.validationErrors.map((e) => `${e.policyId}: ${e.error.message}`));
  }
  if (problems.length > 0) throw new PolicySetError(problems);
  return { version, policies, meta, schema };
};
