// Decisions: what the policy engine concluded about one request, and why.
import type { Connection } from '../config/connection.js';
import type { Principal } from '../identity/principal.js';

/**
 * `allow` runs; `approval_required` waits for a person's approval; `deny` (no policy permits)
 * and `block` (a policy forbids) refuse. Ordered from least to most restrictive.
 */
export type DecisionOutcome = Decision['outcome'];

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
  /** `@approvalJustification("required")`: a request without a justification is refused (400). */
  readonly justificationRequired?: boolean;
  /** `@approvalMaxRows`: the blast radius approved; default a small multiple of the preview. */
  readonly maxAffectedRows?: number;
}

interface DecisionBase {
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
  /** 1-based index of the part (statement) that determined the outcome, in a multi-part request. */
  readonly statementIndex?: number;
}

export interface AllowDecision extends DecisionBase {
  readonly outcome: 'allow';
}

export interface ApprovalDecision extends DecisionBase {
  readonly outcome: 'approval_required';
  /** Who must approve: an approval decision always carries it. */
  readonly approval: ApprovalRequirement;
}

export interface RefusalDecision extends DecisionBase {
  readonly outcome: 'deny' | 'block';
}

/** A discriminated union on `outcome`. */
export type Decision = AllowDecision | ApprovalDecision | RefusalDecision;

/** A value Cedar's context can hold. */
export type ContextValue =
  | string
  | number
  | boolean
  | readonly ContextValue[]
  | { readonly [k: string]: ContextValue };

/**
 * One authorization question, the shape every protocol asks in: may `principal` do `action`
 * on `resource` given `context`? (Cedar's request, with Tollgate's entities.)
 */
export interface AuthorizationQuestion {
  readonly principal: Principal;
  /** A Cedar action id, e.g. `sql:read`, `sql:write`. */
  readonly action: string;
  readonly resource: Connection;
  readonly context: Readonly<Record<string, ContextValue>>;
  /** How reasons name what is asked, e.g. `DROP`, `EXPLAIN ANALYZE DELETE`. */
  readonly label: string;
}

/** Ends a sentence with where it applies: `... is blocked (statement 2).` */
const located = (text: string, where: string) => `${text.replace(/\.$/, '')}${where}.`;

/**
 * Two parts of one request that each need an approval: one approval that satisfies both (the
 * larger quorum, the shorter TTL, the smaller blast radius, a justification if either asks), or a
 * block when they need different groups (one approval cannot stand for two groups' decisions).
 */
const bothApproved = (a: ApprovalDecision, b: ApprovalDecision): Decision => {
  if (a.approval.group !== b.approval.group) {
    return {
      outcome: 'block',
      rule: 'approvals-of-several-groups',
      reason: `The statements need approvals from different groups (${a.approval.group}, ${b.approval.group}).`,
      hint: 'Send the statements as separate requests, each approved by its own group.',
      policyIds: [...new Set([...a.policyIds, ...b.policyIds])],
      policyVersion: a.policyVersion,
    };
  }
  const bounds = [a.approval.maxAffectedRows, b.approval.maxAffectedRows].filter((n) => n !== undefined);
  return {
    ...a,
    policyIds: [...new Set([...a.policyIds, ...b.policyIds])],
    approval: {
      group: a.approval.group,
      quorum: Math.max(a.approval.quorum, b.approval.quorum),
      ttlSeconds: Math.min(a.approval.ttlSeconds, b.approval.ttlSeconds),
      justificationRequired:
        (a.approval.justificationRequired ?? false) || (b.approval.justificationRequired ?? false),
      ...(bounds.length > 0 ? { maxAffectedRows: Math.min(...bounds) } : {}),
    },
  };
};

/**
 * The decision of a request made of several parts (statements): the most restrictive answer
 * wins, and its reason names the part when there is more than one. No part: denied.
 */
export const decideAll = (
  questions: readonly AuthorizationQuestion[],
  decide: (question: AuthorizationQuestion) => Decision,
  policyVersion: string,
): Decision => {
  let worst: Decision | undefined;
  for (const [index, question] of questions.entries()) {
    const answer = decide(question);
    const where = questions.length > 1 ? ` (statement ${index + 1})` : '';
    const decision: Decision = {
      ...answer,
      reason: located(answer.reason, where),
      statementIndex: index + 1,
    };
    if (worst?.outcome === 'approval_required' && decision.outcome === 'approval_required')
      worst = bothApproved(worst, decision);
    else if (!worst || OUTCOME_SEVERITY[decision.outcome] > OUTCOME_SEVERITY[worst.outcome]) worst = decision;
    if (worst.outcome === 'block') break;
  }
  return (
    worst ?? {
      outcome: 'deny',
      rule: 'default-deny',
      reason: 'The request holds no statement.',
      hint: undefined,
      policyIds: [],
      policyVersion,
    }
  );
};
