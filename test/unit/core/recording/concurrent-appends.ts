// Shared by the concurrency tests of SessionRecorder (in-memory and dynalite): many appends to one
// session started at once, and a summary of the chain they leave.
import type { EventDraft, SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { type ChainVerdict, verifyChain } from '../../../../lambdas/core/recording/hash-chain.js';
import type { SessionRecorder } from '../../../../lambdas/core/recording/session-recorder.js';

/** The parallel tool calls of the reported defect. */
export const PARALLEL = 40;

const STEPS = ['request.received', 'request.decided', 'request.completed'] as const;

/** The `step`-th event of one request. */
export const requestDraft = (requestId: string, step = 0): EventDraft => ({
  type: STEPS[step % STEPS.length]!,
  requestId,
  at: '2026-11-01T00:00:00.000Z',
  data: { step },
});

/**
 * Starts `perRecorder` appends of `eventsPerAppend` events on every recorder at once, as parallel
 * tool calls would; settles when all have. Request ids are `r<recorder>-<n>`.
 */
export const appendAllAtOnce = (
  recorders: readonly SessionRecorder[],
  sessionId: string,
  perRecorder: number,
  eventsPerAppend = 1,
): Promise<PromiseSettledResult<SessionEvent[]>[]> =>
  Promise.allSettled(
    recorders.flatMap((recorder, r) =>
      Array.from({ length: perRecorder }, (_, n) =>
        recorder.append(
          sessionId,
          Array.from({ length: eventsPerAppend }, (_, step) => requestDraft(`r${r}-${n}`, step)),
        ),
      ),
    ),
  );

/**
 * Starts `perRecorder` requests on every recorder at once, each recording as the SQL use case
 * does: its received and decided events in one append, then its completed event in another.
 * Settles when all have; request ids are `r<recorder>-<n>`.
 */
export const requestsAllAtOnce = (
  recorders: readonly SessionRecorder[],
  sessionId: string,
  perRecorder: number,
): Promise<PromiseSettledResult<SessionEvent[]>[]> =>
  Promise.allSettled(
    recorders.flatMap((recorder, r) =>
      Array.from({ length: perRecorder }, async (_, n) => {
        const requestId = `r${r}-${n}`;
        const admitted = await recorder.append(sessionId, [
          requestDraft(requestId, 0),
          requestDraft(requestId, 1),
        ]);
        return [...admitted, ...(await recorder.append(sessionId, [requestDraft(requestId, 2)]))];
      }),
    ),
  );

/** The reasons of the appends that failed (empty when none did). */
export const rejections = (results: readonly PromiseSettledResult<unknown>[]): unknown[] =>
  results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));

export interface ChainSummary {
  readonly seqs: number[];
  readonly verdict: ChainVerdict;
  /** Request ids in chain order, one entry per run of consecutive events of the same request. */
  readonly runs: string[];
  /** The event types of each request, in chain order. */
  readonly requests: Record<string, string[]>;
}

export const summarise = (events: readonly SessionEvent[]): ChainSummary => ({
  seqs: events.map((e) => e.seq),
  verdict: verifyChain(events),
  runs: events.flatMap((e, i) => (i > 0 && events[i - 1]!.requestId === e.requestId ? [] : [e.requestId])),
  requests: events.reduce<Record<string, string[]>>((requests, e) => {
    requests[e.requestId] = [...(requests[e.requestId] ?? []), e.type];
    return requests;
  }, {}),
});

/** 1..count. */
export const seqsUpTo = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);

/** Every request id `appendAllAtOnce` uses, sorted. */
export const requestIdsOf = (recorders: number, perRecorder: number): string[] =>
  Array.from({ length: recorders }, (_, r) => Array.from({ length: perRecorder }, (_, n) => `r${r}-${n}`))
    .flat()
    .sort();

/** What `requestsAllAtOnce` leaves when every request is recorded completely, in order. */
export const completeRequests = (recorders: number, perRecorder: number): Record<string, string[]> =>
  Object.fromEntries(requestIdsOf(recorders, perRecorder).map((id) => [id, [...STEPS]]));
