// A request's trail in its session's recording: the one mechanism by which every step, refusal
// and failure of a request is recorded before the caller hears of it. A phase throws; the trail
// records what was thrown (once), then lets it through.
import type { Decision } from '../decision/decision.js';
import { RecordingUnavailableError, TollgateError } from '../errors.js';
import type { Clock, Metrics } from '../ports.js';
import type { JsonValue } from '../recording/canonical-json.js';
import type { EventDraft, SessionEventType } from '../recording/events.js';
import type { SessionRecorder } from '../recording/session-recorder.js';

type Data = { readonly [k: string]: JsonValue };

/** What a recording keeps of a decision. */
export const decisionRecord = (d: Decision): { [k: string]: JsonValue } => ({
  outcome: d.outcome,
  rule: d.rule,
  reason: d.reason,
  hint: d.hint ?? null,
  policyIds: [...d.policyIds],
  policyVersion: d.policyVersion,
  ...(d.outcome === 'approval_required' ? { approval: { ...d.approval } } : {}),
});

/** Details of a refusal that recordings keep: codes only (a SQLSTATE, a condition name). */
const auditDetails = (error: TollgateError): Data => {
  const kept: { [k: string]: JsonValue } = {};
  for (const key of ['sqlState', 'condition', 'rule'] as const) {
    const value = error.details?.[key];
    if (typeof value === 'string') kept[key] = value;
  }
  return kept;
};

export class RequestTrail {
  private pending: EventDraft | undefined;
  private readonly recorded = new WeakSet<object>();

  constructor(
    private readonly recorder: SessionRecorder,
    private readonly clock: Clock,
    readonly sessionId: string,
    readonly requestId: string,
    private readonly metrics?: Metrics,
  ) {}

  private draft(type: SessionEventType, data: Data): EventDraft {
    return { type, requestId: this.requestId, at: this.clock.now().toISOString(), data };
  }

  /** Notes the received request; it is written with the next event (one round trip less). */
  received(data: Data): void {
    this.note('request.received', data);
  }

  /** Changes fields of the noted `request.received`, if it is not written yet (what analysis established). */
  amendReceived(data: Data): void {
    if (this.pending?.type === 'request.received')
      this.pending = { ...this.pending, data: { ...this.pending.data, ...data } };
  }

  /** Notes an event to be written with the next one (one round trip less). */
  note(type: SessionEventType, data: Data): void {
    this.pending = this.draft(type, data);
  }

  /** Appends events, the pending `request.received` first; resolves once they are durable. */
  async record(...events: ReadonlyArray<{ type: SessionEventType; data: Data }>): Promise<void> {
    const drafts = events.map((e) => this.draft(e.type, e.data));
    const all = this.pending ? [this.pending, ...drafts] : drafts;
    const started = this.clock.now().getTime();
    await this.recorder.append(this.sessionId, all);
    this.metrics?.durationMs('recordingLatency', this.clock.now().getTime() - started);
    this.pending = undefined;
  }

  /** Records a refusal as the decision that refused it, then returns the error to throw. */
  async refusedBy(decision: Data, error: TollgateError): Promise<TollgateError> {
    await this.record({ type: 'request.decided', data: decision });
    this.recorded.add(error);
    return error;
  }

  /** Marks a refusal the recording already holds (a recorded deny or block decision). */
  settled(error: TollgateError): TollgateError {
    this.recorded.add(error);
    return error;
  }

  /**
   * Runs a phase. Whatever it throws is recorded as `request.failed` (unless already recorded)
   * before it reaches the caller: a refusal keeps its code and safe message; anything else is
   * an internal error, its cause kept for the server log only. If that record cannot be written,
   * the caller gets 503 recording_unavailable instead: nothing is answered unrecorded.
   */
  async guard<T>(phase: () => Promise<T>, extra?: () => Data): Promise<T> {
    try {
      return await phase();
    } catch (thrown) {
      const error =
        thrown instanceof TollgateError
          ? thrown
          : new TollgateError('internal_error', 'The gateway failed; the request was not completed.', {
              cause: thrown,
            });
      if (!this.recorded.has(error) && error.code !== 'recording_unavailable') {
        this.recorded.add(error);
        try {
          await this.record({
            type: 'request.failed',
            data: {
              code: error.code,
              message: error.auditMessage,
              ...auditDetails(error),
              ...(extra?.() ?? {}),
            },
          });
        } catch (unrecorded) {
          // Nothing reaches the caller unrecorded, a refusal's text included: 503.
          const unavailable =
            unrecorded instanceof TollgateError ? unrecorded : new RecordingUnavailableError(unrecorded);
          unavailable.sessionId ??= this.sessionId;
          throw unavailable;
        }
      }
      error.sessionId ??= this.sessionId;
      throw error;
    }
  }
}
