import type { RecordingSegment } from '../../../../lambdas/core/ports.js';
import { archiveSession } from '../../../../lambdas/core/recording/archive-session.js';
import type { EventDraft } from '../../../../lambdas/core/recording/events.js';
import { verifyChain } from '../../../../lambdas/core/recording/hash-chain.js';
import { SessionRecorder } from '../../../../lambdas/core/recording/session-recorder.js';
import { principal } from '../../../support/core-fixtures.js';
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

describe('archiveSession', () => {
  it('archives new events as consecutive segments that verify as one chain', async () => {
    const store = new InMemorySessionStore();
    const segments: RecordingSegment[] = [];
    const deps = {
      sessions: store,
      archive: { putSegment: async (s: RecordingSegment) => void segments.push(s) },
    };
    const recorder = new SessionRecorder(store);
    await recorder.append('s-00000001', [draft(1), draft(2)]);
    expect(await archiveSession(deps, 's-00000001')).toBe(2);
    expect(await archiveSession(deps, 's-00000001')).toBe(0);
    await recorder.append('s-00000001', [draft(3)]);
    expect(await archiveSession(deps, 's-00000001')).toBe(1);

    expect(segments.map((s) => [s.firstSeq, s.lastSeq])).toEqual([
      [1, 2],
      [3, 3],
    ]);
    const lines = segments.flatMap((s) =>
      s.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
    expect(verifyChain(lines)).toMatchObject({ ok: true, head: { seq: 3 } });
    expect(segments[1]!.firstPrevHash).toBe(segments[0]!.lastHash);
  });

  it('leaves the archive mark in place when the archive fails, so a retry archives again', async () => {
    const store = new InMemorySessionStore();
    await new SessionRecorder(store).append('s-00000001', [draft(1)]);
    const failing = { putSegment: async () => Promise.reject(new Error('S3 down')) };
    await expect(archiveSession({ sessions: store, archive: failing }, 's-00000001')).rejects.toThrow(
      'S3 down',
    );
    expect(await store.archivedSeq('s-00000001')).toBe(0);
  });
});
