// What the approval routes answer: views of a record for reviewers and for the requester. A view
// never holds the raw request, the sealed request or the task token (they are not in the record).
import type { JsonValue } from '../recording/canonical-json.js';
import { type ApprovalRecord, countedApprovals, type RequestStatus } from './approval.js';

/** The status as of `now`: a pending approval past its expiry is expired, whether or not recorded yet. */
export const statusAt = (record: ApprovalRecord, now: Date): RequestStatus =>
  record.status === 'pending_approval' && now.getTime() >= Date.parse(record.expiresAt)
    ? 'expired'
    : record.status;

const decisionsOf = (record: ApprovalRecord) =>
  record.decisions.map((d) => ({ reviewer: d.reviewer.sub, verdict: d.verdict, reason: d.reason, at: d.at }));

/** A reviewer's view (`GET /v1/approvals/{approvalId}`). */
export const approvalView = (record: ApprovalRecord, now: Date): { [k: string]: JsonValue } => ({
  approvalId: record.approvalId,
  requestId: record.requestId,
  sessionId: record.sessionId,
  status: statusAt(record, now),
  connection: record.connection,
  requester: { sub: record.requester.sub, actsFor: record.requester.actsFor },
  groups: [...record.groups],
  quorum: record.quorum,
  approvals: countedApprovals(record),
  decisions: decisionsOf(record),
  justification: record.justification,
  request: { ...record.request },
  preview: record.preview ? { ...record.preview, tablesWritten: [...record.preview.tablesWritten] } : null,
  maxAffectedRows: record.maxAffectedRows,
  createdAt: record.createdAt,
  expiresAt: record.expiresAt,
  decision: {
    rule: record.rule,
    reason: record.reason,
    policyIds: [...record.policyIds],
    policyVersion: record.policyVersion,
  },
  outcome: record.outcome ? summaryOf(record) : null,
});

/**
 * The outcome without the result rows or the message (reviewers see what happened, not the data:
 * a target's message can quote a parameter's value); the code and its details say what happened.
 */
const summaryOf = (record: ApprovalRecord): JsonValue => {
  const { result, message: _message, ...rest } = record.outcome!;
  const rowCount = (result as { rowCount?: JsonValue } | undefined)?.rowCount;
  return { ...rest, ...(rowCount === undefined ? {} : { rowCount }) } as JsonValue;
};

/** The requester's view (`GET /v1/requests/{requestId}`): with the masked result once executed. */
export const requestView = (record: ApprovalRecord, now: Date): { [k: string]: JsonValue } => ({
  requestId: record.requestId,
  approvalId: record.approvalId,
  sessionId: record.sessionId,
  status: statusAt(record, now),
  connection: record.connection,
  groups: [...record.groups],
  quorum: record.quorum,
  decisions: decisionsOf(record),
  createdAt: record.createdAt,
  expiresAt: record.expiresAt,
  ...(record.outcome?.result === undefined ? {} : { result: record.outcome.result }),
  ...(record.outcome?.code === undefined
    ? {}
    : {
        error: {
          code: record.outcome.code,
          message: record.outcome.message ?? null,
          ...(record.outcome.details ?? {}),
        },
      }),
});
