// Decisions: what the policy engine concluded about one request, and why.
import type { Connection } from '../config/connection.js';
import type { Principal } from '../identity/principal.js';
import type { SqlFacts } from '../sql/facts.js';

/** `allow` runs; `block` refuses with a reason. Approval outcomes arrive with the approvals work. */
export type DecisionOutcome = 'allow' | 'block';

export interface Decision {
  readonly outcome: DecisionOutcome;
  /** Stable id of the rule that determined the outcome, e.g. `read-only.write-statement`. */
  readonly rule: string;
  /** One sentence an agent can act on: what was refused and why. */
  readonly reason: string;
  /** What would be allowed instead, when there is something. */
  readonly hint: string | undefined;
  /** The policies that determined the outcome. */
  readonly policyIds: readonly string[];
  /** Version of the policy set that decided. */
  readonly policyVersion: string;
}

export interface DecisionInput {
  readonly principal: Principal;
  readonly connection: Connection;
  readonly facts: SqlFacts & { parseOk: true };
}
