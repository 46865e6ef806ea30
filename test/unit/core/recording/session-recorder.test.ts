// SessionRecorder basics (chain across instances, session ownership, store failures) and archiveSessions.
import { createHash } from 'node:crypto';
import type { RecordingArchive, RecordingBatch } from '../../../../lambdas/core/ports.js';
import { archiveSessions } from '../../../../lambdas/core/recording/archive-sessions.js';
import type { EventDraft, SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { verifyChain } from '../../../../lambdas/core/recording/hash-chain.js';
import { SessionRecorder } from '../../../../lambdas/core/recording/session-recorder.js';
import { principal } from '../../../support/core-fixtures.js';
import { InMemoryArchiveLedger } from '../../../support/in-memory-archive-ledger.js';
import { InMemoryRecordingArchive } from '../../../support/in-memory-recording-archive.js';
import { InMemorySessionStore } from '../../../support/in-memory-session-store.js';

const draft = (n: number): EventDraft => ({
  type: 'request.received',
  requestId: `r${n}`,
  at: '2026-01-01T00:00:00.000Z',
  data: { n },
});

describe('SessionRecorder', () => {
  it('keeps one linear chain when two gateway instances write to the same session', async () => {
    const store = new InMemorySessionStore();
    const a = new SessionRecorder(store);
    const b = new SessionRecorder(store);
    for (let i = 0; i < 5; i++) {
      await a.append('s-00000001', [draft(i)]);
      await b.append('s-00000001', [draft(100 + i)]); // b's cached head is stale after a writes
    }
    const events = store.events.get('s-00000001')!;
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(verifyChain(events)).toMatchObject({ ok: true });
  });

  it('binds a session to its first principal', async () => {
    const recorder = new SessionRecorder(new InMemorySessionStore());
    await recorder.open('s-00000001', principal('alice'), 't');
    await expect(recorder.open('s-00000001', principal('alice'), 't')).resolves.toBeUndefined();
    await expect(recorder.open('s-00000001', principal('bob'), 't')).rejects.toMatchObject({
      code: 'session_forbidden',
    });
  });

  it('turns a store failure into recording_unavailable', async () => {
    const store = new InMemorySessionStore();
    store.failWith = new Error('throttled');
    await expect(new SessionRecorder(store).append('s-00000001', [draft(1)])).rejects.toMatchObject({
      code: 'recording_unavailable',
    });
  });
});

describe('archiveSessions', () => {
  const setup = () => {
    const store = new InMemorySessionStore();
    const archive = new InMemoryRecordingArchive();
    const ledger = new InMemoryArchiveLedger();
    const batches: RecordingBatch[] = [];
    // Every put the use case makes, whether or not the object was there already.
    const observed: RecordingArchive = Object.assign(Object.create(archive) as RecordingArchive, {
      putBatch: async (b: RecordingBatch) => {
        batches.push(b);
        await archive.putBatch(b);
      },
    });
    const recorder = new SessionRecorder(store);
    /** Claims the session (as the gateway does on a request) and appends to it. */
    const record = async (sessionId: string, drafts: EventDraft[]) => {
      await recorder.open(sessionId, principal('alice'), '2026-01-01T00:00:00.000Z');
      return recorder.append(sessionId, drafts);
    };
    return { store, archive, ledger, batches, deps: { sessions: store, archive: observed, ledger }, record };
  };
  const linesOf = (batches: RecordingBatch[]): SessionEvent[] =>
    batches.flatMap((b) =>
      b.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as SessionEvent),
    );

  it('writes the new events of many sessions into one archive object', async () => {
    const { deps, batches, record, store } = setup();
    for (let i = 1; i <= 3; i++) await record(`session-0${i}`, [draft(i), draft(10 + i)]);
    expect(await archiveSessions(deps, ['session-01', 'session-02', 'session-03'])).toEqual({
      objects: 1,
      events: 6,
      broken: [],
    });
    expect(batches).toHaveLength(1);
    expect(batches[0]!.sessions.map((s) => [s.sessionId, s.firstSeq, s.lastSeq])).toEqual([
      ['session-01', 1, 2],
      ['session-02', 1, 2],
      ['session-03', 1, 2],
    ]);
    expect(store.archiveObjects.get('session-02')).toEqual([batches[0]!.key]);
  });

  it('names the object by the day of its first event and the SHA-256 of its bytes', async () => {
    const { deps, batches, record } = setup();
    await record('session-01', [draft(1)]);
    await archiveSessions(deps, ['session-01']);
    const digest = createHash('sha256').update(batches[0]!.body, 'utf8').digest('hex');
    expect(batches[0]!.key).toBe(`recordings/2026-01-01/${digest}.ndjson`);
  });

  it('archives only what is new, so consecutive objects continue each chain', async () => {
    const { deps, batches, record } = setup();
    await record('session-01', [draft(1), draft(2)]);
    await archiveSessions(deps, ['session-01']);
    expect(await archiveSessions(deps, ['session-01'])).toEqual({ objects: 0, events: 0, broken: [] });
    await record('session-01', [draft(3)]);
    await archiveSessions(deps, ['session-01']);

    expect(batches.map((b) => b.sessions.map((s) => [s.firstSeq, s.lastSeq]))).toEqual([[[1, 2]], [[3, 3]]]);
    expect(verifyChain(linesOf(batches))).toMatchObject({ ok: true, head: { seq: 3 } });
  });

  it('leaves the archive mark in place when the archive fails, so a retry archives the same object', async () => {
    const { store, record, archive, batches, deps } = setup();
    await record('session-01', [draft(1)]);
    archive.failWith = new Error('S3 down');
    await expect(archiveSessions(deps, ['session-01'])).rejects.toThrow('S3 down');
    expect(await store.archivedSeq('session-01')).toBe(0);
    archive.failWith = undefined;
    await archiveSessions(deps, ['session-01']);
    expect(await store.archivedSeq('session-01')).toBe(1);
    // The retry wrote the segment the failed run had noted, under the same key: one object in all.
    expect(batches.map((b) => b.key)).toEqual([batches[0]!.key, batches[0]!.key]);
    expect([...archive.under('recordings/').keys()]).toEqual([batches[0]!.key]);
  });

  it('refuses to archive events that do not continue the chain, and reports the session', async () => {
    const { deps, batches, record, store } = setup();
    await record('session-01', [draft(1)]);
    await archiveSessions(deps, ['session-01']);
    await record('session-01', [draft(2), draft(3)]);
    await record('session-02', [draft(4)]);
    // Tamper with an unarchived event, as a principal with write access to the table could.
    const events = store.events.get('session-01')!;
    events[2] = { ...events[2]!, data: { n: 999 } };

    const run = await archiveSessions(deps, ['session-01', 'session-02']);

    expect(run.broken).toEqual([{ sessionId: 'session-01', seq: 3, problem: 'hash does not match content' }]);
    expect(batches.at(-1)!.sessions.map((s) => s.sessionId)).toEqual(['session-02']);
    expect(await store.archivedSeq('session-01')).toBe(1);
  });

  it("indexes each archived session under its owner and creation time, with its requests' facts", async () => {
    const { deps, ledger, record } = setup();
    await record('session-01', [draft(1), draft(2)]);
    await archiveSessions(deps, ['session-01']);
    expect([...ledger.sessions.values()]).toEqual([
      expect.objectContaining({
        sessionId: 'session-01',
        owner: { sub: 'alice', issuer: principal('alice').issuer },
        createdAt: '2026-01-01T00:00:00.000Z',
        lastSeq: 2,
        requests: 2,
      }),
    ]);
  });
});
