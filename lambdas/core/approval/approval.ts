// Approvals: a request held for people's decision, the rules a decision must pass, and the states
// a held request moves through until it has run (at most once) or will never run.
//
//   pending_approval ──approve × quorum──▶ approved ──claim──▶ executing ──▶ executed
//        │   │                                │                    ├──────▶ failed
//        │   └──deny──▶ denied                └──expire──▶ expired  └──────▶ outcome_unknown
//        └──expire──▶ expired
//   (failed also: the workflow could not start, or the request no longer passes when it would run)
//
// Every transition is a conditional write on the record's revision: two reviewers, two executor
// tasks or an expiry racing a decision cannot both win.
import { createHash } from 'node:crypto';
import type { Connection } from '../config/connection.js';
import { TollgateError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import { canonicalJson, type JsonValue } from '../recording/canonical-json.js';

export const REQUEST_STATUSES = [
  'pending_approval',
  'approved',
  'executing',
  'executed',
  'denied',
  'expired',
  'failed',
  'outcome_unknown',
] as const;

export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** States after which nothing more happens to the request. */
export const FINAL_STATUSES: ReadonlySet<RequestStatus> = new Set([
  'executed',
  'denied',
  'expired',
  'failed',
  'outcome_unknown',
]);

/** Who a record names: never a token, only what the identity said. */
export interface PersonRef {
  readonly sub: string;
  readonly issuer: string;
  readonly groups: readonly string[];
}

export interface ReviewDecision {
  readonly reviewer: PersonRef;
  readonly verdict: 'approve' | 'deny';
  readonly reason: string;
  readonly at: string;
  /** Its `approval.decided` event is in the recording: only then does it count. */
  readonly recorded: boolean;
}

/** What the target's planner expects the request to touch (PostgreSQL: plain EXPLAIN). */
export interface ImpactPreview {
  /** The planner's estimate of rows written, summed over the statements; null when unknown. */
  readonly estimatedRows: number | null;
  readonly tablesWritten: readonly string[];
}

/** How a held request ended, once it has. */
export interface RequestOutcome {
  readonly at: string;
  /** The masked output (for SQL: columns, rows, rowCount, masking), when it ran. */
  readonly result?: JsonValue;
  /** Why it failed or is unknown: a stable code and a safe message. */
  readonly code?: string;
  readonly message?: string;
  readonly details?: { readonly [k: string]: JsonValue };
}

/** What reviewers see of the request: never the raw SQL or parameter values. */
export interface HeldRequestView {
  readonly kind: 'sql';
  /** The SQL text with the literals the detectors recognise masked. */
  readonly sql: string;
  readonly paramCount: number;
  /** The parameters, each with detected values masked (numbers and booleans as they are). */
  readonly params: readonly (string | number | boolean | null)[];
  /** The analysis facts the decision was taken on (statement kinds, tables, functions). */
  readonly facts: JsonValue;
}

export interface ApprovalRecord {
  readonly approvalId: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly connection: string;
  readonly requester: PersonRef & { readonly actsFor: string | null };
  /** Groups whose members may decide (any one of them). */
  readonly groups: readonly string[];
  /** Distinct approving reviewers needed. */
  readonly quorum: number;
  readonly ttlSeconds: number;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly status: RequestStatus;
  readonly decisions: readonly ReviewDecision[];
  /** SHA-256 of the canonical form of the exact request (see `fingerprintOf`). */
  readonly fingerprint: string;
  /** The decision that held it. */
  readonly rule: string;
  readonly reason: string;
  readonly policyIds: readonly string[];
  readonly policyVersion: string;
  readonly justification: string | null;
  readonly request: HeldRequestView;
  readonly preview: ImpactPreview | null;
  /**
   * Rows the approved request may change; more, and it is rolled back. Null when the target
   * cannot count what it changes (TRUNCATE, DDL, COPY): reviewers are shown it is not bounded.
   */
  readonly maxAffectedRows: number | null;
  /** The bound is the policy's (`@approvalMaxRows`), not derived from the preview. */
  readonly boundAnnotated: boolean;
  readonly outcome: RequestOutcome | null;
  /**
   * The workflow was sent the decision (SendTaskSuccess/Failure). Set by a conditional write
   * before sending: of a reviewer and the waiting task racing to resume it, one sends.
   */
  readonly resumed?: boolean;
  /** 1 when created; every stored change adds 1 (the condition of the next write). */
  readonly revision: number;
}

/** The exact request as stored for the executor (sealed at rest). */
export interface CanonicalRequest {
  readonly connection: string;
  /** What the connection was (`connectionDigest`): an approval holds for that target only. */
  readonly connectionDigest: string;
  readonly kind: 'sql';
  readonly sql: string;
  readonly params: readonly (string | number | boolean | null)[];
  /** The analysis summary the decision was taken on: a re-analysis must yield the same. */
  readonly facts: JsonValue;
}

/** `sha256:<hex>` of the canonical JSON of the request. */
export const fingerprintOf = (request: CanonicalRequest): string =>
  `sha256:${createHash('sha256')
    .update(canonicalJson(request as unknown as JsonValue), 'utf8')
    .digest('hex')}`;

/**
 * The connection as an approved write would use it: every field, its write target in place of
 * its target (the executor sees it so). A push that changes anything of it voids the approval.
 */
export const connectionDigest = (connection: Connection): string =>
  `sha256:${createHash('sha256')
    .update(
      canonicalJson({
        ...connection,
        target: connection.writeTarget ?? connection.target,
      } as unknown as JsonValue),
      'utf8',
    )
    .digest('hex')}`;

export const personOf = (p: Principal): PersonRef => ({
  sub: p.sub,
  issuer: p.issuer,
  groups: [...p.groups],
});

export const samePerson = (a: { sub: string; issuer: string }, b: { sub: string; issuer: string }) =>
  a.sub === b.sub && a.issuer === b.issuer;

/** The default blast-radius bound: a small multiple of the planner's estimate, with a floor. */
export const DEFAULT_AFFECTED_FLOOR = 10;
export const DEFAULT_AFFECTED_MULTIPLE = 2;

/** Statements whose changed rows the targets count (a write in a CTE is a `select`). */
export const COUNTED_KINDS: ReadonlySet<string> = new Set(['select', 'insert', 'update', 'delete', 'merge']);

export const affectedBound = (preview: ImpactPreview | null, annotated: number | undefined): number => {
  if (annotated !== undefined) return annotated;
  const estimate = preview?.estimatedRows ?? 0;
  return Math.max(DEFAULT_AFFECTED_FLOOR, Math.ceil(estimate * DEFAULT_AFFECTED_MULTIPLE));
};

/** Refusals of a review, each with its own stable code. */
export class ReviewError extends TollgateError {}

const refuse = (
  code: 'not_a_reviewer' | 'self_approval' | 'approval_conflict' | 'approval_expired',
  message: string,
) => new ReviewError(code, message);

/** Whether `reviewer` may see the approval at all (a member of a deciding group). */
export const mayReview = (record: ApprovalRecord, reviewer: Principal): boolean =>
  record.groups.some((g) => reviewer.groups.includes(g));

/**
 * Takes one reviewer's verdict: the next record, or the refusal. Rules: the reviewer is in a
 * deciding group; is neither the requester nor the person the requesting agent acts for; the
 * approval is pending and not expired; each reviewer decides once. The decision counts once it
 * is recorded (`confirm`): then quorum distinct approvals approve, one denial denies.
 */
export const review = (
  record: ApprovalRecord,
  reviewer: Principal,
  verdict: 'approve' | 'deny',
  reason: string,
  now: Date,
): ApprovalRecord => {
  if (!mayReview(record, reviewer)) {
    throw refuse('not_a_reviewer', `Only members of ${record.groups.join(' or ')} may decide this request.`);
  }
  // A decision is a person's: an agent holding a delegated token decides nothing, whoever it acts for.
  if (reviewer.actsFor !== undefined) {
    throw refuse(
      'not_a_reviewer',
      'A token that acts for someone else (delegation) cannot decide approvals.',
    );
  }
  if (samePerson(reviewer, record.requester)) {
    throw refuse('self_approval', 'You made this request; someone else must decide it.');
  }
  if (record.requester.actsFor !== null && reviewer.sub === record.requester.actsFor) {
    throw refuse(
      'self_approval',
      'The agent that made this request acts for you; someone else must decide it.',
    );
  }
  if (record.status !== 'pending_approval') {
    throw refuse('approval_conflict', `The request is already ${record.status.replace('_', ' ')}.`);
  }
  if (now.getTime() >= Date.parse(record.expiresAt)) {
    throw refuse('approval_expired', `The approval expired at ${record.expiresAt}.`);
  }
  if (record.decisions.some((d) => samePerson(d.reviewer, reviewer) && d.recorded)) {
    throw refuse('approval_conflict', 'You have already decided this request.');
  }
  // A decision of theirs that never counted (its recording or confirmation failed) is retried.
  const decisions = [
    ...record.decisions.filter((d) => !samePerson(d.reviewer, reviewer)),
    { reviewer: personOf(reviewer), verdict, reason, at: now.toISOString(), recorded: false },
  ];
  return { ...record, decisions, revision: record.revision + 1 };
};

/** Approving decisions that count: those in the recording. */
export const countedApprovals = (record: ApprovalRecord): number =>
  record.decisions.filter((d) => d.verdict === 'approve' && d.recorded).length;

/**
 * The record once `reviewer`'s decision is in the recording: it counts, and a pending approval
 * is settled by the decisions that count (one denial denies; a quorum approves).
 */
export const confirm = (
  record: ApprovalRecord,
  reviewer: { sub: string; issuer: string },
  at: string,
): ApprovalRecord => {
  const decisions = record.decisions.map((d) =>
    samePerson(d.reviewer, reviewer) ? { ...d, recorded: true } : d,
  );
  const next = { ...record, decisions, revision: record.revision + 1 };
  if (record.status !== 'pending_approval') return next;
  if (decisions.some((d) => d.verdict === 'deny' && d.recorded)) {
    return {
      ...next,
      status: 'denied',
      outcome: { at, code: 'denied', message: 'A reviewer denied the request; it did not run.' },
    };
  }
  return countedApprovals(next) >= record.quorum ? { ...next, status: 'approved' } : next;
};

/** The record moved to `status`, with its outcome when it ended. */
export const transition = (
  record: ApprovalRecord,
  status: RequestStatus,
  outcome?: RequestOutcome,
): ApprovalRecord => ({
  ...record,
  status,
  ...(outcome ? { outcome } : {}),
  revision: record.revision + 1,
});
