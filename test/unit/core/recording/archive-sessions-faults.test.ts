// archiveSessions as a fault injector sees it: a crash right after every effect in turn (the
// ledger note, the object, each mark, each index entry, the closing note), then a retry; two
// crashes in a row; new events and other sessions between the crash and the retry; a run paused
// midway while another one runs. After the last run, every stored event is in exactly one archive
// object, every mark is at its session's head, every object's bytes are what the store rebuilds,
// and the session index counts every request once.
import { createHash } from 'node:crypto';
import type { ArchiveDeps } from '../../../../lambdas/core/recording/archive-sessions.js';
import {
  archiveSessions,
  BATCH_MAX_EVENTS,
  segmentBody,
  segmentKey,
} from '../../../../lambdas/core/recording/archive-sessions.js';
import {
  type ChainHead,
  type EventDraft,
  GENESIS,
  type SessionEvent,
} from '../../../../lambdas/core/recording/events.js';
import { chainEvent } from '../../../../lambdas/core/recording/hash-chain.js';
import { FaultInjector, InjectedCrash } from '../../../support/fault-injection.js';
import { InMemoryArchiveLedger } from '../../../support/in-memory-archive-ledger.js';
import { InMemoryRecordingArchive } from '../../../support/in-memory-recording-archive.js';
import { InMemorySessionStore } from '../../../support/in-memory-session-store.js';

const OWNER = { sub: 'alice', issuer: 'https://issuer.example' };
const CREATED = '2026-11-01T09:00:00.000Z';
const BASE_MS = Date.parse('2026-11-01T10:00:00.000Z');

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The draft of event `seq`: requests (with who and where) and decisions alternate. */
const draftOf = (seq: number): EventDraft => {
  const at = new Date(BASE_MS + seq * 1000).toISOString();
  return seq % 2 === 1
    ? {
        type: 'request.received',
        requestId: `request-${seq}`,
        at,
        data: { principal: { sub: 'agent-7', actsFor: 'alice' }, connection: 'orders', sql: `select ${seq}` },
      }
    : {
        type: 'request.decided',
        requestId: `request-${seq - 1}`,
        at,
        data: { outcome: seq % 4 === 0 ? 'deny' : 'allow' },
      };
};

/** `count` events of `sessionId` chained after `after`: the same arguments, the same events. */
const chainOf = (sessionId: string, count: number, after: ChainHead = GENESIS): SessionEvent[] => {
  const events: SessionEvent[] = [];
  let head = after;
  for (let i = 0; i < count; i++) {
    const event = chainEvent(sessionId, head, draftOf(head.seq + 1));
    events.push(event);
    head = { seq: event.seq, hash: event.hash };
  }
  return events;
};

interface World {
  readonly store: InMemorySessionStore;
  readonly ledger: InMemoryArchiveLedger;
  readonly archive: InMemoryRecordingArchive;
  readonly faults: FaultInjector;
  /** The ports as archiveSessions sees them, every effect counted as a step. */
  readonly deps: ArchiveDeps;
}

const worldOf = async (sessions: Readonly<Record<string, number>>): Promise<World> => {
  const store = new InMemorySessionStore();
  const ledger = new InMemoryArchiveLedger();
  const archive = new InMemoryRecordingArchive();
  const faults = new FaultInjector();
  for (const [sessionId, count] of Object.entries(sessions)) await addSession({ store }, sessionId, count);
  return {
    store,
    ledger,
    archive,
    faults,
    deps: {
      sessions: faults.wrap('sessions', store, { markArchived: (sessionId: string) => sessionId }),
      archive: faults.wrap('archive', archive, { putBatch: true }),
      ledger: faults.wrap('ledger', ledger, {
        intend: true,
        index: (entry: { sessionId: string }) => entry.sessionId,
        archived: true,
      }),
    },
  };
};

/** Chains already built, by session and length: a backlog is hashed once, not once per test. */
const built = new Map<string, SessionEvent[]>();

const addSession = async (w: Pick<World, 'store'>, sessionId: string, count: number) => {
  await w.store.claimSession(sessionId, OWNER, CREATED);
  const key = `${sessionId}:${count}`;
  if (!built.has(key)) built.set(key, chainOf(sessionId, count));
  // Straight into the store's map (the events are in order): putEvent re-sorts on every insert.
  w.store.events.set(sessionId, [...built.get(key)!]);
};

/** Stores `count` more events of the session, as the gateway would between two runs. */
const append = async (w: Pick<World, 'store'>, sessionId: string, count: number) => {
  const head = (await w.store.head(sessionId)) ?? GENESIS;
  for (const event of chainOf(sessionId, count, head)) await w.store.putEvent(event);
};

const parse = (body: string) =>
  body
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as SessionEvent);

const idOf = (e: SessionEvent) => `${e.sessionId}#${e.seq}`;

/**
 * The invariants after the last run: each stored event in exactly one object, byte for byte as
 * stored; every mark at its head; nothing left noted; one archived note per object, whose bytes the
 * store rebuilds and whose key is their digest; the index counting each request once.
 */
const expectArchivedExactlyOnce = async (w: World) => {
  const objects = [...w.archive.under('recordings/')].map(([key, body]) => ({
    key,
    body,
    events: parse(body),
  }));
  const copies = new Map<string, number>();
  for (const object of objects)
    for (const event of object.events) copies.set(idOf(event), (copies.get(idOf(event)) ?? 0) + 1);
  const stored = new Map(w.store.all().map((e) => [idOf(e), e]));
  expect({
    twice: [...copies].filter(([, n]) => n > 1).map(([id]) => id),
    missing: [...stored.keys()].filter((id) => !copies.has(id)),
    unknown: [...copies.keys()].filter((id) => !stored.has(id)),
  }).toEqual({ twice: [], missing: [], unknown: [] });
  for (const object of objects)
    expect(object.body).toBe(segmentBody(object.events.map((e) => stored.get(idOf(e))!)));

  const marks = Object.fromEntries(
    await Promise.all(
      [...w.store.events.keys()].map(async (id) => [id, await w.store.archivedSeq(id)] as const),
    ),
  );
  const heads = Object.fromEntries([...w.store.events].map(([id, events]) => [id, events.at(-1)!.seq]));
  expect(marks).toEqual(heads);

  expect(await w.ledger.intended()).toEqual([]);
  const notes = await w.ledger.uncheckpointed();
  expect(notes.map((n) => n.key).sort()).toEqual(objects.map((o) => o.key).sort());
  for (const note of notes) {
    const rebuilt = segmentBody(
      note.sessions.flatMap((s) =>
        w.store.events.get(s.sessionId)!.filter((e) => e.seq >= s.firstSeq && e.seq <= s.lastSeq),
      ),
    );
    expect(w.archive.objects.get(note.key)).toBe(rebuilt);
    expect({ key: note.key, sha256: note.sha256, events: note.events }).toEqual({
      key: segmentKey(note.sessions[0]!.firstAt, sha256(rebuilt)),
      sha256: sha256(rebuilt),
      events: parse(rebuilt).length,
    });
  }

  const indexed = [...w.ledger.sessions.values()];
  for (const [sessionId, events] of w.store.events) {
    const entries = indexed.filter((s) => s.sessionId === sessionId);
    expect(
      entries.map((s) => ({ lastSeq: s.lastSeq, requests: s.requests, createdAt: s.createdAt })),
    ).toEqual([
      {
        lastSeq: events.at(-1)!.seq,
        requests: events.filter((e) => e.type === 'request.received').length,
        createdAt: CREATED,
      },
    ]);
  }
};

/** Runs archiveSessions with a crash right after the n-th effect; the crash must surface. */
const crashingRun = async (w: World, sessionIds: readonly string[], n: number) => {
  w.faults.crashAfter(n);
  await expect(archiveSessions(w.deps, sessionIds)).rejects.toBeInstanceOf(InjectedCrash);
};

/** The effects of one segment: its note, its object, each session's mark and index entry, the closing note. */
const segmentSteps = (...sessionIds: string[]) => [
  'ledger.intend',
  'archive.putBatch',
  ...sessionIds.flatMap((id) => [`sessions.markArchived(${id})`, `ledger.index(${id})`]),
  'ledger.archived',
];

const TWO_SESSIONS = { 'session-a': 3, 'session-b': 2 };
const ONE_SEGMENT = segmentSteps('session-a', 'session-b');
/** `session-a` has more than one object holds: two segments, the second one shared with `session-b`. */
const BACKLOG = { 'session-a': BATCH_MAX_EVENTS + 2, 'session-b': 3 };
const TWO_SEGMENTS = [...segmentSteps('session-a'), ...segmentSteps('session-a', 'session-b')];

const numbered = (steps: readonly string[]) => steps.map((step, i) => [i + 1, step] as const);

describe('archiveSessions under injected crashes', () => {
  it("notes the segment, writes its object, moves each session's mark and index entry, then closes the note", async () => {
    // Prepare
    const w = await worldOf(TWO_SESSIONS);

    // Act
    const run = await archiveSessions(w.deps, ['session-a', 'session-b']);

    // Assess
    expect(run).toEqual({ objects: 1, events: 5, broken: [] });
    expect(w.faults.steps).toEqual(ONE_SEGMENT);
    await expectArchivedExactlyOnce(w);
  });

  it.each(numbered(ONE_SEGMENT))(
    'after a crash right after step %i (%s), the retry archives every event exactly once, in the same object',
    async (n) => {
      // Prepare
      const reference = await worldOf(TWO_SESSIONS);
      await archiveSessions(reference.deps, ['session-a', 'session-b']);
      const w = await worldOf(TWO_SESSIONS);
      await crashingRun(w, ['session-a', 'session-b'], n);

      // Act
      const retry = await archiveSessions(w.deps, ['session-a', 'session-b']);

      // Assess
      expect(retry.broken).toEqual([]);
      await expectArchivedExactlyOnce(w);
      expect(w.archive.objects).toEqual(reference.archive.objects);
      expect(w.ledger.sessions).toEqual(reference.ledger.sessions);
      // The retry re-wrote no object: its put found the key taken, or it made the only one.
      expect(w.archive.writes.filter((x) => x.written)).toHaveLength(1);
    },
  );

  describe('over a backlog longer than one object', () => {
    let reference: World;

    beforeAll(async () => {
      reference = await worldOf(BACKLOG);
      await archiveSessions(reference.deps, ['session-a', 'session-b']);
    });

    it('writes two segments, one after the other', () => {
      expect(reference.faults.steps).toEqual(TWO_SEGMENTS);
      expect(reference.archive.objects.size).toBe(2);
    });

    it.each(numbered(TWO_SEGMENTS))(
      'after a crash right after step %i (%s), the retry archives every event exactly once',
      async (n) => {
        // Prepare
        const w = await worldOf(BACKLOG);
        await crashingRun(w, ['session-a', 'session-b'], n);

        // Act
        await archiveSessions(w.deps, ['session-a', 'session-b']);

        // Assess
        await expectArchivedExactlyOnce(w);
        expect(w.archive.objects).toEqual(reference.archive.objects);
      },
    );
  });

  it('after a crash at any step and new events before the retry, the retry still archives each event once', async () => {
    for (const [n] of numbered(ONE_SEGMENT)) {
      // Prepare
      const w = await worldOf(TWO_SESSIONS);
      await crashingRun(w, ['session-a', 'session-b'], n);
      await append(w, 'session-a', 2);
      await append(w, 'session-b', 1);
      await addSession(w, 'session-c', 2);

      // Act
      const retry = await archiveSessions(w.deps, ['session-a', 'session-b', 'session-c']);

      // Assess
      expect(retry.broken).toEqual([]);
      await expectArchivedExactlyOnce(w);
    }
  });

  it('after two crashes in a row, at every pair of steps, a clean run archives each event once', async () => {
    const pairs: Array<[number, number]> = [];
    for (const [first] of numbered(ONE_SEGMENT)) {
      // How many effects the first retry has, so that the second crash falls on each of them.
      const probe = await worldOf(TWO_SESSIONS);
      await crashingRun(probe, ['session-a', 'session-b'], first);
      probe.faults.reset();
      await archiveSessions(probe.deps, ['session-a', 'session-b']);
      for (let second = 1; second <= probe.faults.steps.length; second++) pairs.push([first, second]);
    }
    for (const [first, second] of pairs) {
      // Prepare
      const w = await worldOf(TWO_SESSIONS);
      await crashingRun(w, ['session-a', 'session-b'], first);
      await append(w, 'session-b', 1);
      await crashingRun(w, ['session-a', 'session-b'], second);

      // Act
      await archiveSessions(w.deps, ['session-a', 'session-b']);

      // Assess
      await expectArchivedExactlyOnce(w);
    }
    expect(pairs.length).toBeGreaterThan(ONE_SEGMENT.length);
  });

  it('completes the noted segment first even when the retry names other sessions', async () => {
    for (const [n] of numbered(ONE_SEGMENT)) {
      // Prepare: the retry comes from another stream batch, about another session.
      const w = await worldOf(TWO_SESSIONS);
      await crashingRun(w, ['session-a', 'session-b'], n);
      await addSession(w, 'session-c', 2);
      await archiveSessions(w.deps, ['session-c']);
      await append(w, 'session-a', 3);

      // Act
      await archiveSessions(w.deps, ['session-a']);

      // Assess
      await expectArchivedExactlyOnce(w);
    }
  });

  it('keeps each event once when a crashed run over some sessions is followed by runs over overlapping ones', async () => {
    for (const [n] of numbered(ONE_SEGMENT)) {
      // Prepare: run 1 over a and b crashes; run 2 over b and c (with new events in b) succeeds.
      const w = await worldOf(TWO_SESSIONS);
      await crashingRun(w, ['session-a', 'session-b'], n);
      await append(w, 'session-b', 2);
      await addSession(w, 'session-c', 1);
      await archiveSessions(w.deps, ['session-b', 'session-c']);
      await append(w, 'session-c', 1);

      // Act: run 3 over all three.
      await archiveSessions(w.deps, ['session-a', 'session-b', 'session-c']);

      // Assess
      await expectArchivedExactlyOnce(w);
    }
  });

  it.each(numbered(ONE_SEGMENT))(
    'when a run stalls right after step %i (%s) while another run completes, neither writes an event twice',
    async (n) => {
      // Prepare: run 1 stalls with its segment noted; run 2 (another batch, overlapping) runs to the end.
      const w = await worldOf(TWO_SESSIONS);
      const pause = w.faults.pauseAfter(n);
      const stalled = archiveSessions(w.deps, ['session-a', 'session-b']);
      await pause.reached;
      await append(w, 'session-b', 2);
      await addSession(w, 'session-c', 1);
      await archiveSessions(w.deps, ['session-b', 'session-c']);

      // Act
      pause.resume();
      const resumed = await stalled;

      // Assess
      expect(resumed.broken).toEqual([]);
      await expectArchivedExactlyOnce(w);
    },
  );

  it('reports a noted segment whose events changed in the store since, and writes no object for it', async () => {
    // Prepare: the run stops right after noting; someone then edits a noted event in the table.
    const w = await worldOf(TWO_SESSIONS);
    await crashingRun(w, ['session-a', 'session-b'], 1);
    const [noted] = await w.ledger.intended();
    const events = w.store.events.get('session-a')!;
    events[1] = { ...events[1]!, data: { outcome: 'allow', edited: true } };

    // Act
    const retry = await archiveSessions(w.deps, ['session-a', 'session-b']);

    // Assess: the edited chain stays in the store as evidence; the untouched session is archived alone.
    expect(retry.broken).toEqual([
      {
        sessionId: 'session-a',
        seq: 1,
        problem: `segment ${noted!.key} cannot be rebuilt: the stored events changed`,
      },
      { sessionId: 'session-a', seq: 2, problem: 'hash does not match content' },
    ]);
    expect(w.archive.objects.has(noted!.key)).toBe(false);
    expect(await w.store.archivedSeq('session-a')).toBe(0);
    expect(await w.store.archivedSeq('session-b')).toBe(2);
    expect([...w.archive.under('recordings/').values()].flatMap(parse).map(idOf)).toEqual([
      'session-b#1',
      'session-b#2',
    ]);
  });

  it('reports a session with no record in the store and archives the others (its mark could never move)', async () => {
    // Prepare: events written without the session's record, as a stray writer to the table could.
    const w = await worldOf({ 'session-a': 2 });
    for (const event of chainOf('session-stray', 2)) await w.store.putEvent(event);

    // Act
    const run = await archiveSessions(w.deps, ['session-stray', 'session-a']);
    const next = await archiveSessions(w.deps, ['session-a']);

    // Assess
    expect(run).toEqual({
      objects: 1,
      events: 2,
      broken: [{ sessionId: 'session-stray', seq: 1, problem: 'the session has no record in the store' }],
    });
    expect(next).toEqual({ objects: 0, events: 0, broken: [] });
    expect(await w.ledger.intended()).toEqual([]);
    expect([...w.archive.under('recordings/').values()].flatMap(parse).map(idOf)).toEqual([
      'session-a#1',
      'session-a#2',
    ]);
  });

  it('fails with a clear error, rather than spinning, when the store will not move a mark', async () => {
    // Prepare: a store that refuses every mark and never moves it (DynamoDB without the record).
    const w = await worldOf({ 'session-a': 2 });
    let refusals = 0;
    const stubborn = new Proxy(w.store, {
      get: (store, property) =>
        property === 'markArchived'
          ? async () => {
              if (++refusals > 100) throw new Error('spun on a mark that never moves');
              return false;
            }
          : (Reflect.get(store, property) as (...args: unknown[]) => unknown).bind(store),
    });

    // Act
    const run = archiveSessions({ ...w.deps, sessions: stubborn }, ['session-a']);

    // Assess
    await expect(run).rejects.toThrow('the archive mark of session session-a did not move from 0');
    expect(refusals).toBe(1);
  });
});
