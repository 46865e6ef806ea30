// The reviewer's side and the requester's: list and read approvals, decide one, read a held
// request's status (long-polled). Every decision is recorded in the request's own session.
import { BadRequestError, TollgateError, UnauthenticatedError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import { maskFreeText } from '../masking/sql-text.js';
import { fromStore, type PipelineDeps } from '../pipeline/admit.js';
import { RequestTrail } from '../pipeline/request-trail.js';
import type { ApprovalEvent } from '../ports.js';
import type { JsonValue } from '../recording/canonical-json.js';
import {
  type ApprovalRecord,
  confirm,
  countedApprovals,
  FINAL_STATUSES,
  mayReview,
  REQUEST_STATUSES,
  type RequestStatus,
  ReviewError,
  review,
  samePerson,
} from './approval.js';
import { type ApprovalDeps, AUDITORS } from './deps.js';
import { approvalView, requestView, statusAt } from './views.js';

type View = { [k: string]: JsonValue };

export const MAX_REASON_LENGTH = 1000;
/** The longest `?waitSeconds=` (under API Gateway's 29 s). */
export const MAX_WAIT_SECONDS = 25;
const POLL_INTERVAL_MS = 500;
const LIST_LIMIT = 100;
/** Records of a status read for one listing, before the reviewer's filter. */
const SCANNED_LIMIT = 1000;

const STATUSES: readonly RequestStatus[] = REQUEST_STATUSES;

const principalOf = async (deps: PipelineDeps, token: string | undefined): Promise<Principal> => {
  if (!token) throw new UnauthenticatedError();
  return deps.identity.verify(token);
};

const isAuditor = (p: Principal) => p.groups.includes(AUDITORS);

/** Ids the gateway issues (UUIDs): anything else names nothing, and is not looked up. */
const ID = /^[A-Za-z0-9-]{1,64}$/;

const notFound = (approvalId: string) =>
  new TollgateError('approval_not_found', `No approval ${approvalId} that you may see.`);

/** A store read or write; its failure is 503 `approval_unavailable`. */
const stored = <T>(operation: () => Promise<T>): Promise<T> =>
  fromStore(operation, 'approval_unavailable', 'The approvals are unavailable; retry shortly.');

/** The event a state change publishes: what a notification shows, no raw values, no token. */
export const approvalEvent = (
  type: ApprovalEvent['type'],
  record: ApprovalRecord,
  at: string,
  extra: Pick<ApprovalEvent, 'decidedBy' | 'code'> = {},
): ApprovalEvent => ({
  type,
  at,
  approvalId: record.approvalId,
  requestId: record.requestId,
  connection: record.connection,
  status: record.status,
  requester: { sub: record.requester.sub, actsFor: record.requester.actsFor },
  groups: record.groups,
  quorum: record.quorum,
  expiresAt: record.expiresAt,
  justification: record.justification,
  request: record.request.sql,
  preview: record.preview,
  path: `/v1/approvals/${record.approvalId}`,
  ...extra,
});

/** Publishes; a failure is logged, never undoes the state change it reports. */
export const publish = async (approvals: ApprovalDeps, event: ApprovalEvent): Promise<void> => {
  try {
    await approvals.events.publish(event);
  } catch (error) {
    approvals.logger.error('approval event not published', {
      type: event.type,
      approvalId: event.approvalId,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
};

/** `GET /v1/approvals?status=`: what this reviewer may decide (auditors: every one). */
export const listApprovals = async (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  input: { token: string | undefined; status: string | undefined },
): Promise<{ approvals: View[] }> => {
  const principal = await principalOf(deps, input.token);
  const wanted = (
    input.status === undefined || input.status === 'pending' ? 'pending_approval' : input.status
  ) as RequestStatus | string;
  if (!STATUSES.includes(wanted as RequestStatus)) {
    throw new BadRequestError(`status must be one of pending, ${STATUSES.join(', ')}.`);
  }
  const now = deps.clock.now();
  // The store's page is filtered for this reviewer before it is cut: other groups' approvals
  // must not crowd theirs out.
  const records = await stored(() => approvals.store.list(wanted as RequestStatus, SCANNED_LIMIT));
  return {
    approvals: records
      .filter((r) => mayReview(r, principal) || isAuditor(principal))
      // A pending approval past its expiry is stale: the workflow is about to record it expired.
      .filter((r) => statusAt(r, now) === wanted)
      .slice(0, LIST_LIMIT)
      .map((r) => approvalView(r, now)),
  };
};

/** `GET /v1/approvals/{approvalId}`: reviewers of its groups and auditors; anyone else 404. */
export const getApproval = async (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  input: { token: string | undefined; approvalId: string },
): Promise<{ approval: View }> => {
  const principal = await principalOf(deps, input.token);
  const record = ID.test(input.approvalId)
    ? await stored(() => approvals.store.get(input.approvalId))
    : undefined;
  if (!record || !(mayReview(record, principal) || isAuditor(principal))) throw notFound(input.approvalId);
  return { approval: approvalView(record, deps.clock.now()) };
};

const validReason = (reason: unknown): string => {
  if (typeof reason !== 'string' || reason.trim().length === 0) {
    throw new BadRequestError('A decision needs a reason: {"reason": "..."}.');
  }
  if (reason.length > MAX_REASON_LENGTH) {
    throw new BadRequestError(`The reason is longer than ${MAX_REASON_LENGTH} characters.`);
  }
  return reason.trim();
};

/**
 * Sends the workflow the decision that settles the approval, once: the sender first marks the
 * record `resumed` with a conditional write, so a reviewer's request and the waiting task (which
 * stores the token, then looks for a decision taken before it could) never both send. Without a
 * token yet, nothing is sent: the waiting task sends it once it has stored its token.
 */
export const resumeOnce = async (approvals: ApprovalDeps, approvalId: string): Promise<void> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const record = await approvals.store.get(approvalId);
    if (!record || record.resumed || (record.status !== 'approved' && record.status !== 'denied')) return;
    const token = await approvals.store.taskToken(approvalId);
    if (!token) return;
    const marked = { ...record, resumed: true, revision: record.revision + 1 };
    if ((await approvals.store.update(marked)) === 'conflict') continue;
    if (record.status === 'approved') await approvals.workflow.approved(token);
    else await approvals.workflow.denied(token);
    return;
  }
  throw new Error(`approval ${approvalId}: the record kept changing`);
};

const ATTEMPTS = 3;

/**
 * Removes `reviewer`'s decision again while it is unrecorded (its recording failed). An
 * unrecorded decision never counted (see `confirm`): removing it changes nothing else.
 */
const takeBack = async (approvals: ApprovalDeps, approvalId: string, reviewer: Principal): Promise<void> => {
  const mine = (d: ApprovalRecord['decisions'][number]) => samePerson(d.reviewer, reviewer) && !d.recorded;
  for (let attempt = 0; attempt < 5; attempt++) {
    const record = await approvals.store.get(approvalId);
    if (!record?.decisions.some(mine)) return;
    const undone = {
      ...record,
      decisions: record.decisions.filter((d) => !mine(d)),
      revision: record.revision + 1,
    };
    if ((await approvals.store.update(undone)) === 'stored') return;
  }
};

/** Marks `reviewer`'s decision recorded (re-read and re-applied on a conflicting write). */
const confirmed = async (
  approvals: ApprovalDeps,
  approvalId: string,
  reviewer: Principal,
  at: string,
): Promise<ApprovalRecord> => {
  for (let attempt = 0; attempt < 10; attempt++) {
    const record = await approvals.store.get(approvalId);
    if (!record) break;
    const next = confirm(record, reviewer, at);
    if ((await approvals.store.update(next)) === 'stored') return next;
  }
  throw new Error(`approval ${approvalId}: the record kept changing`);
};

/**
 * `POST /v1/approvals/{approvalId}/approve|deny`. The decision is a conditional write: of two
 * reviewers deciding at once, the second re-reads and decides on what the first left (a quorum
 * of 2 counts both; a decided approval answers 409).
 */
export const decideApproval = async (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  input: {
    token: string | undefined;
    approvalId: string;
    verdict: 'approve' | 'deny';
    reason: unknown;
  },
): Promise<{ approval: View }> => {
  const principal = await principalOf(deps, input.token);
  const reason = maskFreeText(validReason(input.reason));
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const record = ID.test(input.approvalId)
      ? await stored(() => approvals.store.get(input.approvalId))
      : undefined;
    // Whoever holds the id learns only that they may not decide it (403 not_a_reviewer).
    if (!record) throw notFound(input.approvalId);
    const now = deps.clock.now();
    const next = review(record, principal, input.verdict, reason, now);
    if ((await stored(() => approvals.store.update(next))) === 'conflict') continue;
    // Recorded before it counts: a decision whose recording fails is taken back, and none that
    // is not in the recording settles the approval or resumes the workflow.
    const trail = new RequestTrail(
      deps.recorder,
      deps.clock,
      record.sessionId,
      record.requestId,
      deps.metrics,
    );
    try {
      await trail.record({
        type: 'approval.decided',
        data: {
          approvalId: record.approvalId,
          reviewer: { sub: principal.sub, issuer: principal.issuer, groups: [...principal.groups] },
          group: record.groups.find((g) => principal.groups.includes(g)) ?? null,
          verdict: input.verdict,
          reason,
          approvals: countedApprovals(next) + (input.verdict === 'approve' ? 1 : 0),
          quorum: next.quorum,
        },
      });
    } catch (error) {
      await takeBack(approvals, record.approvalId, principal).catch(() => undefined);
      throw error;
    }
    const settled = await stored(() => confirmed(approvals, record.approvalId, principal, now.toISOString()));
    try {
      await resumeOnce(approvals, record.approvalId);
    } catch (error) {
      approvals.logger.error('approval decision not sent to the workflow', {
        approvalId: record.approvalId,
        error: error instanceof Error ? error.name : 'unknown',
      });
      throw new TollgateError(
        'approval_unavailable',
        'Your decision is recorded, but the workflow could not be resumed; the request will not run before an operator looks at it, and expires otherwise.',
        { cause: error },
      );
    }
    if (settled.status !== record.status) {
      const type = settled.status === 'approved' ? 'approval.approved' : 'approval.denied';
      await publish(
        approvals,
        approvalEvent(type, settled, now.toISOString(), { decidedBy: { sub: principal.sub, reason } }),
      );
    }
    return { approval: approvalView(settled, now) };
  }
  throw new ReviewError('approval_conflict', 'Other reviewers are deciding this request right now; retry.');
};

const waitSecondsOf = (raw: string | undefined): number => {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) > MAX_WAIT_SECONDS) {
    throw new BadRequestError(`waitSeconds must be a whole number from 0 to ${MAX_WAIT_SECONDS}.`);
  }
  return Number(raw);
};

/**
 * `GET /v1/requests/{requestId}?waitSeconds=N`: the requester (same subject and issuer) and
 * auditors; anyone else 404. With waitSeconds, answers when the status changes, or at the end.
 */
export const getRequest = async (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  input: { token: string | undefined; requestId: string; waitSeconds: string | undefined },
): Promise<View> => {
  const principal = await principalOf(deps, input.token);
  const wait = waitSecondsOf(input.waitSeconds);
  const read = async () => {
    const record = ID.test(input.requestId)
      ? await stored(() => approvals.store.byRequest(input.requestId))
      : undefined;
    const mine = record !== undefined && (samePerson(record.requester, principal) || isAuditor(principal));
    if (!mine) throw new TollgateError('request_not_found', `No held request ${input.requestId} of yours.`);
    return record;
  };
  let record = await read();
  const seen = statusAt(record, deps.clock.now());
  const deadline = deps.clock.now().getTime() + wait * 1000;
  while (
    !FINAL_STATUSES.has(statusAt(record, deps.clock.now())) &&
    statusAt(record, deps.clock.now()) === seen
  ) {
    const left = deadline - deps.clock.now().getTime();
    if (left <= 0) break;
    await approvals.pause(Math.min(POLL_INTERVAL_MS, left));
    record = await read();
  }
  return requestView(record, deps.clock.now());
};
