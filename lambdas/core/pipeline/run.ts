// RUN, the second phase: execute an admitted request on its target, mask the result, record the
// outcome. The same code runs a policy-allowed request at once and an approved one later.
import type { AllowDecision } from '../decision/decision.js';
import { BlockedError, TollgateError } from '../errors.js';
import type { Clock, Metrics } from '../ports.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import type { AdmittedRequest } from './admit.js';
import { RequestTrail } from './request-trail.js';

/** Why a request may run: the policy allowed it, or reviewers approved this exact request. */
export type Grant =
  | { readonly kind: 'policy'; readonly decision: AllowDecision }
  | {
      readonly kind: 'approval';
      readonly approvalId: string;
      readonly approvedBy: readonly string[];
      /** The blast radius approved: more rows changed, and the write is rolled back (null: not bounded). */
      readonly maxAffectedRows: number | null;
    };

export interface RunDeps {
  readonly recorder: SessionRecorder;
  readonly clock: Clock;
  readonly metrics?: Metrics;
}

export interface RunResult {
  readonly output: unknown;
  /** What the recording kept (counts, column names: no values). */
  readonly summary: Readonly<Record<string, unknown>>;
}

/** RUN. Throws a TollgateError for every failure, recorded first. */
export const run = async (deps: RunDeps, admitted: AdmittedRequest, grant: Grant): Promise<RunResult> => {
  const trail = new RequestTrail(
    deps.recorder,
    deps.clock,
    admitted.sessionId,
    admitted.requestId,
    deps.metrics,
  );
  const started = deps.clock.now().getTime();
  const elapsed = () => deps.clock.now().getTime() - started;
  const context = {
    principal: admitted.principal,
    connection: admitted.connection,
    request: admitted.request,
    analysis: admitted.analysis,
    engine: admitted.engine,
  };
  // A policy's allow runs reads only, whatever the policy says: a custom pack that permits writes
  // must not smuggle a COMMIT or SET TRANSACTION into the read-only transaction. Writes run once
  // approved, in their own transaction.
  if (grant.kind === 'policy' && !admitted.readOnly) {
    await trail.guard(async () => {
      throw new BlockedError('The request is not a plain read; only reads run without an approval.', {
        rule: 'executor-reads-only',
        policyIds: [],
        policyVersion: grant.decision.policyVersion,
      });
    });
  }
  const raw = await trail.guard(
    () =>
      grant.kind !== 'approval'
        ? admitted.unit.execute(context, 'read')
        : grant.maxAffectedRows === null
          ? admitted.unit.execute(context, 'write')
          : admitted.unit.execute(context, 'write', { maxAffectedRows: grant.maxAffectedRows }),
    () => ({ durationMs: elapsed() }),
  );
  const masked = await trail.guard(async () => {
    try {
      return await admitted.unit.mask(context, raw);
    } catch (error) {
      // Fail closed: a result that cannot be masked is withheld, never returned raw.
      throw new TollgateError('internal_error', 'The result could not be masked, so it was withheld.', {
        cause: error,
      });
    }
  });
  await trail.guard(() =>
    trail.record({ type: 'request.completed', data: { ...masked.summary, durationMs: elapsed() } }),
  );
  return { output: masked.output, summary: masked.summary };
};
