// Decisions: what the policy engine concluded about one request, and why.
import type { Connection } from '../config/connection.js';
import type { Principal } from '../identity/principal.js';
import type { SqlFacts } from '../sql/facts.js';

/**
 * `allow` runs; `approval_required` waits for a person's approval; `deny` (no policy permits)
 * and `block` (a policy forbids) refuse. Ordered from least to most restrictive.
 */
export type DecisionOutcome = 'allow' | 'approval_required' | 'deny' | 'block';

export const OUTCOME_SEVERITY: Readonly<Record<DecisionOutcome, number>> = {
  allow: 0,
  approval_required: 1,
  deny: 2,
  block: 3,
};

/** Who must approve, for how long the approval holds, and how many approvers are needed. */
export interface ApprovalRequirement {
  readonly group: string;
  readonly ttlSeconds: number;
  readonly quorum: number;
}

export interface Decision {
  readonly outcome: DecisionOutcome;
  /** Stable id of the rule that determined the outcome (the policy's @id), e.g. `ddl-blocked`. */
  readonly rule: string;
  /** One sentence an agent can act on: what was refused and why. */
  readonly reason: string;
  /** What would be allowed instead, when there is something. */
  readonly hint: string | undefined;
  /** The policies that determined the outcome. */
  readonly policyIds: readonly string[];
  /** Version of the policy set that decided. */
  readonly policyVersion: string;
  /** For `approval_required`: who must approve. */
  readonly approval?: ApprovalRequirement;
  /** 1-based index of the statement that determined the outcome, in a multi-statement request. */
  readonly statementIndex?: number;
}

export interface DecisionInput {
  readonly principal: Principal;
  readonly connection: Connection;
  readonly facts: SqlFacts & { parseOk: true };
}
