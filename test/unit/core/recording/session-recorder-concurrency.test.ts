// SessionRecorder under concurrency on the in-memory store: parallel appends to one session in one
// process (the per-session queue), several processes on one store (the conditional put), and
// stores that fail or never accept.
import { RecordingUnavailableError } from '../../../../lambdas/core/errors.js';
import type { ChainHead, SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { SessionRecorder } from '../../../../lambdas/core/recording/session-recorder.js';
import { InMemorySessionStore } from '../../../support/in-memory-session-store.js';
import {
  appendAllAtOnce,
  completeRequests,
  PARALLEL,
  rejections,
  requestDraft,
  requestIdsOf,
  requestsAllAtOnce,
  seqsUpTo,
  summarise,
} from './concurrent-appends.js';

const SESSION = 's-concurrent-1';

/**
 * An in-memory store whose every operation takes a turn of the event loop, as a network round trip
 * does, so concurrent writers really interleave (without it most races resolve within one tick).
 */
class NetworkedStore extends InMemorySessionStore {
  override async head(sessionId: string): Promise<ChainHead | undefined> {
    await roundTrip();
    return super.head(sessionId);
  }

  override async putEvent(event: SessionEvent): Promise<'stored' | 'conflict'> {
    await roundTrip();
    return super.putEvent(event);
  }
}
const roundTrip = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

/** An in-memory store that counts its calls and can be told how its next puts go wrong. */
class ScriptedStore extends NetworkedStore {
  heads = 0;
  puts = 0;
  conflicts = 0;
  /** How the next puts go wrong, in order: `error` stores nothing, `stored-then-error` loses the answer. */
  readonly nextPuts: Array<'error' | 'stored-then-error' | 'conflict'> = [];

  override async head(sessionId: string): Promise<ChainHead | undefined> {
    this.heads++;
    return super.head(sessionId);
  }

  override async putEvent(event: SessionEvent): Promise<'stored' | 'conflict'> {
    this.puts++;
    const fault = this.nextPuts.shift();
    if (fault === 'error') throw new Error('connection reset');
    if (fault === 'conflict') {
      this.conflicts++;
      return 'conflict';
    }
    const outcome = await super.putEvent(event);
    if (outcome === 'conflict') this.conflicts++;
    if (fault === 'stored-then-error') throw new Error('socket hang up');
    return outcome;
  }
}

/** A store that never accepts an event, as a broken or hostile table would behave. */
class AlwaysConflictingStore extends InMemorySessionStore {
  puts = 0;

  override async putEvent(): Promise<'conflict'> {
    this.puts++;
    return 'conflict';
  }
}

describe('SessionRecorder with parallel appends in one process', () => {
  it('records 40 parallel requests to one session as one gapless, verifiable chain', async () => {
    // Prepare
    const store = new NetworkedStore();
    const recorder = new SessionRecorder(store);

    // Act
    const results = await requestsAllAtOnce([recorder], SESSION, PARALLEL);

    // Assess
    expect(rejections(results)).toEqual([]);
    const chain = summarise(store.events.get(SESSION)!);
    expect(chain.seqs).toEqual(seqsUpTo(3 * PARALLEL));
    expect(chain.verdict).toMatchObject({ ok: true, head: { seq: 3 * PARALLEL } });
    expect(chain.requests).toEqual(completeRequests(1, PARALLEL));
  });

  it('never lets two appends of one process race each other on the store', async () => {
    // Prepare
    const store = new ScriptedStore();
    const recorder = new SessionRecorder(store);

    // Act
    await appendAllAtOnce([recorder], SESSION, PARALLEL);

    // Assess: one put per event, and the head read once, for the first.
    expect(store.conflicts).toBe(0);
    expect(store.puts).toBe(PARALLEL);
    expect(store.heads).toBe(1);
  });

  it('keeps the events of one append next to each other in the chain', async () => {
    // Prepare
    const store = new NetworkedStore();
    const recorder = new SessionRecorder(store);

    // Act: each call appends a request's received, decided and completed events.
    const results = await appendAllAtOnce([recorder], SESSION, PARALLEL, 3);

    // Assess: each request id forms exactly one run of three events.
    expect(rejections(results)).toEqual([]);
    const chain = summarise(store.events.get(SESSION)!);
    expect(chain.seqs).toEqual(seqsUpTo(3 * PARALLEL));
    expect(chain.verdict.ok).toBe(true);
    expect([...chain.runs].sort()).toEqual(requestIdsOf(1, PARALLEL));
  });

  it('resolves each append with the events it stored, in the order given', async () => {
    // Prepare
    const recorder = new SessionRecorder(new NetworkedStore());

    // Act
    const results = await appendAllAtOnce([recorder], SESSION, 5, 2);

    // Assess
    for (const result of results) {
      expect(result.status).toBe('fulfilled');
      const events = (result as PromiseFulfilledResult<SessionEvent[]>).value;
      expect(events.map((e) => e.type)).toEqual(['request.received', 'request.decided']);
      expect(events[1]!.seq).toBe(events[0]!.seq + 1);
      expect(events[1]!.prevHash).toBe(events[0]!.hash);
    }
  });

  it('runs the appends queued behind a failed one, continuing the chain', async () => {
    // Prepare: the first put fails and stores nothing.
    const store = new ScriptedStore();
    store.nextPuts.push('error');
    const recorder = new SessionRecorder(store);

    // Act
    const results = await appendAllAtOnce([recorder], SESSION, 3);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(rejections(results)[0]).toBeInstanceOf(RecordingUnavailableError);
    const chain = summarise(store.events.get(SESSION)!);
    expect(chain.seqs).toEqual([1, 2]);
    expect(chain.verdict.ok).toBe(true);
    expect(chain.runs).toEqual(['r0-1', 'r0-2']);
  });

  it('re-reads the head after a put whose answer was lost, so the next append attaches to what was stored', async () => {
    // Prepare: one event stored (head cached), then a put that is stored but answers with an error.
    const store = new ScriptedStore();
    const recorder = new SessionRecorder(store);
    await recorder.append(SESSION, [requestDraft('first')]);
    store.nextPuts.push('stored-then-error');
    await expect(recorder.append(SESSION, [requestDraft('lost-answer')])).rejects.toBeInstanceOf(
      RecordingUnavailableError,
    );

    // Act
    const [next] = await recorder.append(SESSION, [requestDraft('next')]);

    // Assess: attached after the stored event at once, not after a lost race on its seq.
    expect(next!.seq).toBe(3);
    expect(store.conflicts).toBe(0);
    const chain = summarise(store.events.get(SESSION)!);
    expect(chain.runs).toEqual(['first', 'lost-answer', 'next']);
    expect(chain.verdict.ok).toBe(true);
  });

  it('forgets the queue of a session once its appends have settled, whether they succeeded or failed', async () => {
    // Prepare
    const store = new ScriptedStore();
    store.nextPuts.push('error');
    const recorder = new SessionRecorder(store);

    // Act
    const running = [
      appendAllAtOnce([recorder], 's-concurrent-a', 5),
      appendAllAtOnce([recorder], 's-concurrent-b', 5),
    ];
    const whileRunning = recorder.queuedSessions;
    await Promise.all(running);

    // Assess
    expect(whileRunning).toBe(2);
    expect(recorder.queuedSessions).toBe(0);
  });
});

describe('SessionRecorder with several processes on one store', () => {
  it('keeps one chain when two recorders each record 20 parallel requests', async () => {
    // Prepare: two recorders, as two gateway processes, each with its own queue and head cache.
    const store = new NetworkedStore();
    const recorders = [new SessionRecorder(store), new SessionRecorder(store)];

    // Act
    const results = await requestsAllAtOnce(recorders, SESSION, PARALLEL / 2);

    // Assess
    expect(rejections(results)).toEqual([]);
    const chain = summarise(store.events.get(SESSION)!);
    expect(chain.seqs).toEqual(seqsUpTo(3 * PARALLEL));
    expect(chain.verdict.ok).toBe(true);
    expect(chain.requests).toEqual(completeRequests(2, PARALLEL / 2));
  });

  it('keeps one chain when 40 recorders, one per Lambda instance, each record a request at once', async () => {
    // Prepare
    const store = new NetworkedStore();
    const recorders = Array.from({ length: PARALLEL }, () => new SessionRecorder(store));

    // Act
    const results = await requestsAllAtOnce(recorders, SESSION, 1);

    // Assess
    expect(rejections(results)).toEqual([]);
    const chain = summarise(store.events.get(SESSION)!);
    expect(chain.seqs).toEqual(seqsUpTo(3 * PARALLEL));
    expect(chain.verdict.ok).toBe(true);
    expect(chain.requests).toEqual(completeRequests(PARALLEL, 1));
  });

  it('pauses through the given backoff before each retry after a lost race', async () => {
    // Prepare
    const store = new ScriptedStore();
    store.nextPuts.push('conflict', 'conflict', 'conflict');
    const pauses: number[] = [];
    const recorder = new SessionRecorder(store, { backoff: async (attempt) => void pauses.push(attempt) });

    // Act
    const [event] = await recorder.append(SESSION, [requestDraft('patient')]);

    // Assess
    expect(event!.seq).toBe(1);
    expect(pauses).toEqual([1, 2, 3]);
  });

  it('fails closed with recording_unavailable when the store never accepts the event', async () => {
    // Prepare
    const store = new AlwaysConflictingStore();
    const recorder = new SessionRecorder(store);

    // Act
    const appending = recorder.append(SESSION, [requestDraft('refused')]);

    // Assess
    await expect(appending).rejects.toBeInstanceOf(RecordingUnavailableError);
    await expect(appending).rejects.toMatchObject({ code: 'recording_unavailable' });
  });

  it('gives up after the configured number of attempts', async () => {
    // Prepare
    const store = new AlwaysConflictingStore();
    const recorder = new SessionRecorder(store, { maxAttempts: 5 });

    // Act
    const appending = recorder.append(SESSION, [requestDraft('refused')]);

    // Assess
    await expect(appending).rejects.toBeInstanceOf(RecordingUnavailableError);
    expect(store.puts).toBe(5);
  });

  it('serves the next append of the session after one gave up', async () => {
    // Prepare: the first append meets only conflicts until it gives up.
    const store = new ScriptedStore();
    store.nextPuts.push(...Array.from({ length: 3 }, () => 'conflict' as const));
    const recorder = new SessionRecorder(store, { maxAttempts: 3 });

    // Act
    const results = await appendAllAtOnce([recorder], SESSION, 2);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(store.events.get(SESSION)!.map((e) => e.requestId)).toEqual(['r0-1']);
  });
});
