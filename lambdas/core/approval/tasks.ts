// The approval workflow's tasks (workflow-definition.ts): each one a conditional transition of the
// record, so a retried or duplicated task changes nothing twice. `execute` resumes the stored,
// admitted request at the pipeline's RUN phase: the same analysis, policy, masking and recording
// as any request, in one transaction bounded by the approved blast radius.
import type { ApprovalDecision } from '../decision/decision.js';
import { BlockedError, TollgateError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import { type Admission, judge, type PipelineDeps } from '../pipeline/admit.js';
import { RequestTrail } from '../pipeline/request-trail.js';
import { run } from '../pipeline/run.js';
import type { JsonValue } from '../recording/canonical-json.js';
import {
  type ApprovalRecord,
  affectedBound,
  type CanonicalRequest,
  connectionDigest,
  fingerprintOf,
  type ImpactPreview,
  type RequestOutcome,
  type RequestStatus,
  transition,
} from './approval.js';
import { type ApprovalDeps, sealContext } from './deps.js';
import { approvalEvent, publish, resumeOnce } from './review.js';
import type { ApprovalTask } from './workflow-definition.js';

/** A stored record stays under this (a DynamoDB item holds 400 KB): past it, the result loses its rows. */
const MAX_RECORD_BYTES = 350 * 1024;

const load = async (approvals: ApprovalDeps, approvalId: string): Promise<ApprovalRecord> => {
  const record = await approvals.store.get(approvalId);
  if (!record) throw new Error(`approval ${approvalId} is not in the store`);
  return record;
};

/**
 * Moves the record with `change` (re-read and re-applied on a conflicting write) while `when`
 * holds; returns the stored record, or undefined when `when` no longer holds.
 */
const move = async (
  approvals: ApprovalDeps,
  approvalId: string,
  when: (r: ApprovalRecord) => boolean,
  change: (r: ApprovalRecord) => ApprovalRecord,
): Promise<ApprovalRecord | undefined> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const record = await load(approvals, approvalId);
    if (!when(record)) return undefined;
    const next = change(record);
    if ((await approvals.store.update(next)) === 'stored') return next;
  }
  throw new Error(`approval ${approvalId}: the record kept changing`);
};

const trailOf = (deps: PipelineDeps, record: ApprovalRecord) =>
  new RequestTrail(deps.recorder, deps.clock, record.sessionId, record.requestId, deps.metrics);

/** Ends a held request that will not run: the record, its recording, the sealed request, the event. */
const end = async (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  approvalId: string,
  status: 'expired' | 'failed' | 'denied' | 'outcome_unknown',
  from: readonly RequestStatus[],
  outcome: Omit<RequestOutcome, 'at'>,
): Promise<{ status: RequestStatus }> => {
  const at = deps.clock.now().toISOString();
  const ended = await move(
    approvals,
    approvalId,
    (r) => from.includes(r.status),
    (r) => transition(r, status, { at, ...outcome }),
  );
  if (ended) {
    if (status !== 'denied') {
      await trailOf(deps, ended).record({
        type: status === 'expired' ? 'approval.expired' : 'approval.failed',
        data: { approvalId, status, code: outcome.code ?? null, message: outcome.message ?? null },
      });
    }
    const type = status === 'expired' ? 'approval.expired' : status === 'denied' ? null : 'request.failed';
    if (type)
      await publish(approvals, approvalEvent(type, ended, at, outcome.code ? { code: outcome.code } : {}));
  }
  await approvals.store.dropSealedRequest(approvalId);
  return { status: ended?.status ?? (await load(approvals, approvalId)).status };
};

/** The held request, opened from its seal (only this function's credentials can). */
const openRequest = async (approvals: ApprovalDeps, record: ApprovalRecord): Promise<CanonicalRequest> => {
  const sealed = await approvals.store.sealedRequest(record.approvalId);
  if (sealed === undefined)
    throw new TollgateError('internal_error', 'The held request is no longer stored.');
  return JSON.parse(await approvals.sealer.open(sealed, sealContext(record))) as CanonicalRequest;
};

/**
 * The target's estimate of what the request would change (PostgreSQL: plain EXPLAIN in a read-only
 * transaction, with the write credential EXPLAIN of a write needs); null when it cannot say.
 */
const previewOf = async (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  record: ApprovalRecord,
): Promise<ImpactPreview | null> => {
  try {
    const held = await openRequest(approvals, record);
    const connection = await deps.connections.get(held.connection);
    const unit = connection && (await deps.units.unitFor(connection.kind));
    if (!connection || !unit?.preview) return null;
    const request = { kind: held.kind, sql: held.sql, params: held.params };
    const analysed = unit.analyse(connection, request);
    if (!analysed.ok) return null;
    const engine = await deps.policies.current();
    return await unit.preview({
      principal: principalOf(record),
      connection,
      request,
      analysis: analysed.analysis,
      engine,
    });
  } catch (error) {
    approvals.logger.warn('impact preview unavailable', {
      approvalId: record.approvalId,
      code: error instanceof TollgateError ? error.code : 'internal_error',
    });
    return null;
  }
};

/**
 * The waiting task started: keep its token (server-side only), estimate the impact, then tell
 * reviewers.
 */
const notify = async (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  approvalId: string,
  taskToken: string,
  at: string,
): Promise<{ status: RequestStatus }> => {
  await approvals.store.saveTaskToken(approvalId, taskToken);
  const held = await load(approvals, approvalId);
  const preview = held.status === 'pending_approval' ? await previewOf(deps, approvals, held) : null;
  // The bound follows the estimate, unless the policy set it or a reviewer already decided on it.
  if (preview)
    await move(
      approvals,
      approvalId,
      (r) => r.status === 'pending_approval' && r.decisions.length === 0,
      (r) => ({
        ...r,
        preview,
        maxAffectedRows:
          r.boundAnnotated || r.maxAffectedRows === null
            ? r.maxAffectedRows
            : affectedBound(preview, undefined),
        revision: r.revision + 1,
      }),
    );
  // A reviewer may have decided before the token was stored: resume now, as they could not.
  await resumeOnce(approvals, approvalId);
  const record = await load(approvals, approvalId);
  if (record.status === 'pending_approval')
    await publish(approvals, approvalEvent('approval.requested', record, at));
  return { status: record.status };
};

const principalOf = (record: ApprovalRecord): Principal => ({
  sub: record.requester.sub,
  issuer: record.requester.issuer,
  groups: record.requester.groups,
  tokenId: undefined,
  actsFor: record.requester.actsFor ?? undefined,
});

/** The outcome kept for the requester: the masked result, without its rows when the record would be too large. */
const keptOutcome = (
  record: ApprovalRecord,
  status: RequestStatus,
  outcome: RequestOutcome,
): RequestOutcome => {
  const bytes = (o: RequestOutcome) =>
    new TextEncoder().encode(JSON.stringify({ ...record, status, outcome: o })).length;
  if (outcome.result === undefined || bytes(outcome) <= MAX_RECORD_BYTES) return outcome;
  const { rows: _rows, ...rest } = outcome.result as { rows?: unknown };
  return { ...outcome, result: { ...(rest as { [k: string]: JsonValue }), rowsOmitted: true } };
};

/**
 * The approval still covers the request as the policy now judges it: the policy may now allow it
 * outright, or still ask for an approval these reviewers' group and number satisfy.
 */
const stillCovered = (record: ApprovalRecord, admission: Admission): boolean => {
  if (admission.status === 'admitted') return true;
  const needed = (admission.admitted.decision as ApprovalDecision).approval;
  const approvers = record.decisions.filter((d) => d.verdict === 'approve' && d.recorded);
  return (
    record.groups.includes(needed.group) &&
    approvers.filter((d) => d.reviewer.groups.includes(needed.group)).length >= needed.quorum &&
    // A justification the policy now asks for must have been given.
    !(needed.justificationRequired && record.justification === null)
  );
};

/** The bound approved, or the policy's own now if it became smaller. */
const boundNow = (record: ApprovalRecord, admission: Admission): number | null => {
  const policy =
    admission.status === 'approval_required'
      ? (admission.admitted.decision as ApprovalDecision).approval.maxAffectedRows
      : undefined;
  // Not bounded stays not bounded: the counters cannot see what such statements change.
  if (policy === undefined || record.maxAffectedRows === null) return record.maxAffectedRows;
  return Math.min(record.maxAffectedRows, policy);
};

/** Runs the approved request, at most once. */
const execute = async (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  approvalId: string,
): Promise<{ status: RequestStatus }> => {
  const current = await load(approvals, approvalId);
  // Another execution holds it (a retried task while the first still runs): it ends it.
  if (current.status !== 'approved') return { status: current.status };
  // The claim: of two executions, one moves approved → executing; the other finds it taken.
  const claimed = transition(current, 'executing');
  if ((await approvals.store.update(claimed)) === 'conflict')
    return { status: (await load(approvals, approvalId)).status };
  const trail = trailOf(deps, claimed);
  const approvedBy = claimed.decisions
    .filter((d) => d.verdict === 'approve' && d.recorded)
    .map((d) => d.reviewer.sub);
  trail.note('request.executing', {
    approvalId,
    fingerprint: claimed.fingerprint,
    approvedBy,
    // What reviewers approved; a smaller bound of the policy in force applies when it has one.
    approvedMaxAffectedRows: claimed.maxAffectedRows,
  });
  let status: RequestStatus;
  let outcome: RequestOutcome;
  try {
    const canonical = await trail.guard(() => openRequest(approvals, claimed));
    // The policy in force now decides again, on a fresh analysis of the stored request.
    const admission = await trail.guard(() =>
      judge(deps, trail, principalOf(claimed), canonical.connection, {
        kind: canonical.kind,
        sql: canonical.sql,
        params: canonical.params,
      }),
    );
    await trail.guard(async () => {
      const now = fingerprintOf({
        ...canonical,
        connectionDigest: connectionDigest(admission.admitted.connection),
        facts: admission.admitted.summary,
      });
      if (now !== claimed.fingerprint) {
        throw new BlockedError('What would run is not what was approved; nothing ran.', {
          rule: 'approved-request-changed',
          policyIds: [],
          policyVersion: admission.admitted.engine.version,
        });
      }
      if (!stillCovered(claimed, admission)) {
        throw new BlockedError(
          'The policy in force now needs another approval for this request; nothing ran.',
          {
            rule: 'approval-no-longer-sufficient',
            policyIds: [...admission.admitted.decision.policyIds],
            policyVersion: admission.admitted.engine.version,
          },
        );
      }
    });
    const { output } = await run(deps, admission.admitted, {
      kind: 'approval',
      approvalId,
      approvedBy,
      maxAffectedRows: boundNow(claimed, admission),
    });
    status = 'executed';
    outcome = { at: deps.clock.now().toISOString(), result: output as JsonValue };
  } catch (error) {
    const failure =
      error instanceof TollgateError
        ? error
        : new TollgateError('internal_error', 'The execution failed.', { cause: error });
    // A commit the target never confirmed may have applied: say so, and never retry it.
    status = failure.details?.outcome === 'unknown' ? 'outcome_unknown' : 'failed';
    const details: { [k: string]: JsonValue } = {};
    for (const [key, value] of Object.entries(failure.details ?? {}))
      if (['rule', 'affectedRows', 'maxAffectedRows', 'sqlState', 'condition'].includes(key))
        details[key] = value as JsonValue;
    outcome = { at: deps.clock.now().toISOString(), code: failure.code, message: failure.message, details };
  }
  const finished = await move(
    approvals,
    approvalId,
    (r) => r.status === 'executing',
    (r) => transition(r, status, keptOutcome(r, status, outcome)),
  );
  await approvals.store.dropSealedRequest(approvalId);
  if (finished) {
    await publish(
      approvals,
      approvalEvent(status === 'executed' ? 'request.executed' : 'request.failed', finished, outcome.at, {
        ...(outcome.code ? { code: outcome.code } : {}),
      }),
    );
  }
  return { status };
};

/** Runs one task of the workflow. Throws when the task must fail (the workflow then records it). */
export const runApprovalTask = async (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  task: ApprovalTask,
): Promise<{ status: RequestStatus }> => {
  const at = deps.clock.now().toISOString();
  switch (task.task) {
    case 'notify':
      return notify(deps, approvals, task.approvalId, task.taskToken, at);
    case 'execute':
      return execute(deps, approvals, task.approvalId);
    case 'denied':
      return end(deps, approvals, task.approvalId, 'denied', ['pending_approval'], { code: 'denied' });
    case 'expire':
      return end(deps, approvals, task.approvalId, 'expired', ['pending_approval', 'approved'], {
        code: 'approval_expired',
        message: 'No decision was taken before the approval expired; the request did not run.',
      });
    case 'fail': {
      // Interrupted while executing: the target may have run it. Never retried by itself.
      const record = await load(approvals, task.approvalId);
      if (record.status === 'executing') {
        return end(deps, approvals, task.approvalId, 'outcome_unknown', ['executing'], {
          code: 'outcome_unknown',
          message:
            'The execution was interrupted; the write may or may not have been applied. It is not retried.',
        });
      }
      return end(deps, approvals, task.approvalId, 'failed', ['pending_approval', 'approved'], {
        code: 'workflow_failed',
        message: `The approval workflow failed (${task.error}); the request did not run.`,
      });
    }
  }
};
