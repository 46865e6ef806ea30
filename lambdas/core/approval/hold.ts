// Holding a request for approval: the exact request sealed at rest with its fingerprint, the
// record reviewers read, the workflow started. The agent gets 202 with where to read the outcome.
import type { ApprovalDecision } from '../decision/decision.js';
import { TollgateError } from '../errors.js';
import { maskFreeText } from '../masking/sql-text.js';
import { type AdmittedRequest, fromStore, type PipelineDeps } from '../pipeline/admit.js';
import { RequestTrail } from '../pipeline/request-trail.js';
import {
  type ApprovalRecord,
  affectedBound,
  type CanonicalRequest,
  COUNTED_KINDS,
  connectionDigest,
  fingerprintOf,
  personOf,
  transition,
} from './approval.js';
import { type ApprovalDeps, sealContext } from './deps.js';

export const MAX_JUSTIFICATION_LENGTH = 2000;

/** The 202 answer: held, not run. */
export interface HeldAnswer {
  readonly status: 'pending_approval';
  readonly requestId: string;
  readonly sessionId: string;
  readonly approvalId: string;
  readonly reason: string;
  readonly hint: string | undefined;
  readonly groups: readonly string[];
  readonly quorum: number;
  readonly expiresAt: string;
  /** `GET` it (with `?waitSeconds=25`) for the status and, once run, the masked result. */
  readonly statusUrl: string;
  readonly decision: { rule: string; policyIds: readonly string[]; policyVersion: string };
}

/** Whether the target can count the rows the request changes (its statements' kinds say). */
const countable = (admitted: AdmittedRequest): boolean => {
  const statements = (admitted.summary as { statements?: { kind?: string }[] }).statements ?? [];
  return statements.every((s) => COUNTED_KINDS.has(s.kind ?? ''));
};

/** Nothing waits for a decision: the record (if stored) says so, and the sealed request goes. */
const giveUp = async (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  record: ApprovalRecord,
  message: string,
) => {
  const failed = transition(record, 'failed', {
    at: deps.clock.now().toISOString(),
    code: 'approval_unavailable',
    message,
  });
  await approvals.store.update(failed).catch(() => undefined);
  await approvals.store.dropSealedRequest(record.approvalId).catch(() => undefined);
};

/** A parameter as reviewers see it: detected values masked, a number too (a card number as an integer). */
const shownParam = (p: string | number | boolean | null): string | number | boolean | null => {
  if (typeof p === 'string') return maskFreeText(p);
  if (typeof p !== 'number') return p;
  const masked = maskFreeText(String(p));
  return masked === String(p) ? p : masked;
};

/** An operation of the approval stores: its failure is 503 `approval_unavailable`. */
const unavailable = <T>(operation: () => Promise<T>): Promise<T> =>
  fromStore(
    operation,
    'approval_unavailable',
    'The approval workflow is unavailable; the request was not held and will not run.',
  );

/** Holds an admitted request that needs approval. Throws a recorded TollgateError on failure. */
export const hold = (
  deps: PipelineDeps,
  approvals: ApprovalDeps,
  admitted: AdmittedRequest & { readonly decision: ApprovalDecision },
  justification: string | undefined,
): Promise<HeldAnswer> => {
  const trail = new RequestTrail(
    deps.recorder,
    deps.clock,
    admitted.sessionId,
    admitted.requestId,
    deps.metrics,
  );
  return trail.guard(async () => {
    const { decision, request, connection } = admitted;
    const requirement = decision.approval;
    const given = justification?.trim() || undefined;
    if (requirement.justificationRequired && given === undefined) {
      throw new TollgateError(
        'justification_required',
        `${decision.rule} asks for a justification: send the X-Tollgate-Justification header or a "justification" field saying why.`,
      );
    }
    if (given !== undefined && given.length > MAX_JUSTIFICATION_LENGTH) {
      throw new TollgateError(
        'bad_request',
        `The justification is longer than ${MAX_JUSTIFICATION_LENGTH} characters.`,
      );
    }
    const canonical: CanonicalRequest = {
      connection: connection.name,
      connectionDigest: connectionDigest(connection),
      kind: request.kind,
      sql: request.sql,
      params: [...request.params],
      facts: admitted.summary,
    };
    const now = deps.clock.now();
    const approvalId = deps.ids.newId();
    const record: ApprovalRecord = {
      approvalId,
      requestId: admitted.requestId,
      sessionId: admitted.sessionId,
      connection: connection.name,
      requester: { ...personOf(admitted.principal), actsFor: admitted.principal.actsFor ?? null },
      groups: [requirement.group],
      quorum: requirement.quorum,
      ttlSeconds: requirement.ttlSeconds,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + requirement.ttlSeconds * 1000).toISOString(),
      status: 'pending_approval',
      decisions: [],
      fingerprint: fingerprintOf(canonical),
      rule: decision.rule,
      reason: decision.reason,
      policyIds: [...decision.policyIds],
      policyVersion: decision.policyVersion,
      justification: given === undefined ? null : maskFreeText(given),
      request: {
        kind: request.kind,
        sql: admitted.display,
        paramCount: request.params.length,
        params: request.params.map(shownParam),
        facts: admitted.summary,
      },
      // The executor estimates it (it holds the credential EXPLAIN of a write needs) before
      // reviewers are told; until then the bound is the floor.
      preview: null,
      maxAffectedRows: countable(admitted) ? affectedBound(null, requirement.maxAffectedRows) : null,
      boundAnnotated: requirement.maxAffectedRows !== undefined,
      outcome: null,
      revision: 1,
    };
    const sealed = await unavailable(() =>
      approvals.sealer.seal(JSON.stringify(canonical), sealContext(record)),
    );
    // The hold is in the recording before anyone can decide on it.
    await trail.record({
      type: 'approval.requested',
      data: {
        approvalId,
        fingerprint: record.fingerprint,
        groups: [...record.groups],
        quorum: record.quorum,
        expiresAt: record.expiresAt,
        justification: record.justification,
        maxAffectedRows: record.maxAffectedRows,
      },
    });
    try {
      await unavailable(() => approvals.store.create(record, sealed));
    } catch (error) {
      // Some of its items may be stored: none may look held.
      await giveUp(deps, approvals, record, 'The approval could not be stored.');
      throw error;
    }
    try {
      await approvals.workflow.start({ approvalId, ttlSeconds: record.ttlSeconds });
    } catch (error) {
      await giveUp(deps, approvals, record, 'The approval workflow could not be started.');
      throw new TollgateError(
        'approval_unavailable',
        'The approval workflow could not be started; the request was not held and will not run.',
        { cause: error },
      );
    }
    return {
      status: 'pending_approval',
      requestId: record.requestId,
      sessionId: record.sessionId,
      approvalId,
      reason: decision.reason,
      hint: decision.hint,
      groups: record.groups,
      quorum: record.quorum,
      expiresAt: record.expiresAt,
      statusUrl: `/v1/requests/${record.requestId}`,
      decision: { rule: decision.rule, policyIds: decision.policyIds, policyVersion: decision.policyVersion },
    };
  });
};
