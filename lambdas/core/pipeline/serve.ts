// A request from start to answer, for routes that answer at once (REST, MCP): ADMIT, then RUN
// on the policy's grant, or hold it for approval (202) when the decision asks for one.
import { type HeldAnswer, hold } from '../approval/hold.js';
import { TollgateError } from '../errors.js';
import { type AdmitInput, admit, type PipelineDeps } from './admit.js';
import { RequestTrail } from './request-trail.js';
import { run } from './run.js';

interface DecisionSummary {
  readonly rule: string;
  readonly policyIds: readonly string[];
  readonly policyVersion: string;
}

/** The request ran: its masked output (for SQL, `SqlOutput`'s fields). */
export interface CompletedAnswer {
  readonly status: 'completed';
  readonly requestId: string;
  readonly sessionId: string;
  readonly decision: DecisionSummary;
  readonly [field: string]: unknown;
}

export type Answer = CompletedAnswer | HeldAnswer;

/** Counts the request by outcome (and deciding rule), and the values masked by class. */
const observe = (deps: PipelineDeps, outcome: string, rule: string | undefined, output?: unknown) => {
  deps.metrics?.count('requests', 1, rule === undefined ? { outcome } : { outcome, rule });
  const masking = (output as { masking?: { detected?: Record<string, number>; maskedColumns?: unknown[] } })
    ?.masking;
  for (const [dataClass, n] of Object.entries(masking?.detected ?? {}))
    deps.metrics?.count('maskedValues', n, { dataClass });
  if (masking?.maskedColumns?.length) deps.metrics?.count('maskedColumns', masking.maskedColumns.length);
};

/** Serves one request. Throws a TollgateError (recorded, carrying the session id) for every refusal. */
export const serve = async (deps: PipelineDeps, input: AdmitInput): Promise<Answer> => {
  try {
    const answer = await serveOnce(deps, input);
    observe(deps, answer.status, answer.decision.rule, answer);
    return answer;
  } catch (error) {
    const rule = error instanceof TollgateError ? error.details?.rule : undefined;
    observe(
      deps,
      error instanceof TollgateError ? error.code : 'internal_error',
      typeof rule === 'string' ? rule : undefined,
    );
    throw error;
  }
};

const serveOnce = async (deps: PipelineDeps, input: AdmitInput): Promise<Answer> => {
  const admission = await admit(deps, input);
  const { admitted } = admission;
  const decision = {
    rule: admitted.decision.rule,
    policyIds: admitted.decision.policyIds,
    policyVersion: admitted.decision.policyVersion,
  };
  if (admission.status === 'approval_required') {
    // Fail closed: without the means to hold it, a request that needs an approval is refused
    // (recorded, like every refusal).
    if (!deps.approvals) {
      const trail = new RequestTrail(deps.recorder, deps.clock, admitted.sessionId, admitted.requestId);
      return trail.guard(async () => {
        throw new TollgateError(
          'approval_unavailable',
          'Approvals are not available here; the request did not run.',
        );
      });
    }
    return hold(deps, deps.approvals, admission.admitted, input.justification);
  }
  const { output } = await run(deps, admitted, { kind: 'policy', decision: admission.admitted.decision });
  return {
    status: 'completed',
    requestId: admitted.requestId,
    sessionId: admitted.sessionId,
    ...(output as Record<string, unknown>),
    decision,
  };
};
