// DynamoDbArchiveLedger on dynalite, and the in-memory ledger the core tests use held to the same
// contract: segment notes (the first note of a key stays; archived and forgotten notes never come
// back), the checkpoint head's conditions, the lease, the session index (a range applied once, sets
// merged) and its listing (newest first across days, every session once over a cursor's pages).
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { DynamoDbArchiveLedger } from '../../../lambdas/adapters/aws/dynamodb-archive-ledger.js';
import { ensureTable } from '../../../lambdas/adapters/local/aws-stand-ins.js';
import type {
  ArchiveLedger,
  IndexedSession,
  SegmentRecord,
  SessionIndexEntry,
} from '../../../lambdas/core/ports.js';
import { startTestDynamo, type TestDynamo } from '../../support/aws-stand-ins.js';
import { InMemoryArchiveLedger } from '../../support/in-memory-archive-ledger.js';

const OWNER = { sub: 'alice', issuer: 'https://issuer.example' };
const HASH = (c: string) => c.repeat(64);

const segment = (name: string, sessions = 1): SegmentRecord => ({
  key: `recordings/2026-11-01/${name}.ndjson`,
  sha256: HASH('a'),
  events: sessions * 2,
  sessions: Array.from({ length: sessions }, (_, i) => ({
    sessionId: `${name}-session-${String(i).padStart(4, '0')}-${randomUUID()}`,
    firstSeq: 1,
    lastSeq: 2,
    lastHash: HASH('b'),
    firstAt: '2026-11-01T10:00:00.000Z',
    lastAt: '2026-11-01T10:00:01.000Z',
  })),
});

const entry = (overrides: Partial<SessionIndexEntry> = {}): SessionIndexEntry => ({
  sessionId: 'session-1',
  owner: OWNER,
  createdAt: '2026-11-01T09:00:00.000Z',
  lastSeq: 2,
  lastAt: '2026-11-01T10:00:00.000Z',
  requests: 1,
  principals: ['agent-7'],
  actsFor: [],
  connections: ['orders'],
  outcomes: ['allow'],
  ...overrides,
});

/** Every page of a listing, following its cursors. */
const allPages = async (
  ledger: ArchiveLedger,
  query: { from: string; to: string; limit: number },
): Promise<IndexedSession[][]> => {
  const pages: IndexedSession[][] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.listSessions({ ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page.sessions);
    cursor = page.cursor;
    if (pages.length > 100) throw new Error('the cursor never ends');
  } while (cursor);
  return pages;
};

let dynamo: TestDynamo;
let tables = 0;

beforeAll(async () => {
  dynamo = await startTestDynamo('archive-ledger-test');
});

afterAll(async () => {
  await dynamo.stop();
});

/** A ledger on a table of its own: the ledger's notes live under one fixed partition. */
const dynamoLedger = async (): Promise<ArchiveLedger> => {
  const tableName = `archive-ledger-${++tables}`;
  await ensureTable(dynamo.client, tableName);
  return new DynamoDbArchiveLedger({ client: dynamo.documentClient, tableName });
};
const memoryLedger = async (): Promise<ArchiveLedger> => new InMemoryArchiveLedger();

describe('DynamoDbArchiveLedger cursors', () => {
  const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const PERIOD = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-03T23:59:59.999Z', limit: 5 };

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('answers nothing, without a query, for a cursor naming a day before the period', async () => {
    // Prepare
    const ledger = await dynamoLedger();
    const send = jest.spyOn(dynamo.documentClient, 'send');

    // Act
    const listing = await ledger.listSessions({ ...PERIOD, cursor: cursorOf({ day: '2026-10-31' }) });

    // Assess
    expect(listing).toEqual({ sessions: [] });
    expect(send).not.toHaveBeenCalled();
  });

  it.each([
    ['a day after the period (it would walk every day back to it)', { day: '9999-12-31' }],
    ['a start key outside the period', { day: '2026-11-02', after: 'zzz' }],
    ['a start key in another day', { day: '2026-11-02', after: '2026-11-03T10:00:00.000Z#s' }],
    ['a day that is not a date', { day: 'yesterday' }],
  ])('refuses a forged cursor naming %s, before any query', async (_, forged) => {
    // Prepare
    const ledger = await dynamoLedger();
    const send = jest.spyOn(dynamo.documentClient, 'send');

    // Act
    const listing = ledger.listSessions({ ...PERIOD, cursor: cursorOf(forged) });

    // Assess
    await expect(listing).rejects.toThrow(new RangeError('invalid cursor'));
    expect(send).not.toHaveBeenCalled();
  });
});

describe.each([
  ['DynamoDbArchiveLedger on dynalite', dynamoLedger],
  ['InMemoryArchiveLedger', memoryLedger],
])('%s', (_, ledgerOf) => {
  let ledger: ArchiveLedger;

  beforeEach(async () => {
    ledger = await ledgerOf();
  });

  describe('segment notes', () => {
    it('keeps the first note of a key when the same key is noted again', async () => {
      // Prepare
      const first = segment('s1');
      await ledger.intend(first);

      // Act
      await ledger.intend({ ...first, events: 99, sessions: [] });

      // Assess
      expect(await ledger.intended()).toEqual([first]);
    });

    it('keeps an archived note archived when its key is noted again', async () => {
      // Prepare
      const first = segment('s1');
      await ledger.intend(first);
      await ledger.archived(first.key);

      // Act
      await ledger.intend(first);

      // Assess
      expect(await ledger.intended()).toEqual([]);
      expect(await ledger.uncheckpointed()).toEqual([first]);
    });

    it('moves a note from intended to uncheckpointed when archived, and forgets it when checkpointed', async () => {
      // Prepare
      const [a, b] = [segment('s1'), segment('s2')];
      await ledger.intend(a);
      await ledger.intend(b);

      // Act
      await ledger.archived(a.key);
      const afterArchived = {
        intended: await ledger.intended(),
        uncheckpointed: await ledger.uncheckpointed(),
      };
      await ledger.checkpointed([a.key]);

      // Assess
      expect(afterArchived).toEqual({ intended: [b], uncheckpointed: [a] });
      expect(await ledger.uncheckpointed()).toEqual([]);
      expect(await ledger.intended()).toEqual([b]);
    });

    it('does not bring a forgotten note back when it is archived or forgotten again', async () => {
      // Prepare
      const a = segment('s1');
      await ledger.intend(a);
      await ledger.archived(a.key);
      await ledger.checkpointed([a.key]);

      // Act
      await ledger.archived(a.key);
      await ledger.checkpointed([a.key]);
      await ledger.archived('recordings/2026-11-01/never-noted.ndjson');

      // Assess
      expect(await ledger.intended()).toEqual([]);
      expect(await ledger.uncheckpointed()).toEqual([]);
    });

    it('answers notes in key order', async () => {
      // Prepare
      for (const name of ['s3', 's1', 's2']) await ledger.intend(segment(name));

      // Act
      const keys = (await ledger.intended()).map((s) => s.key);

      // Assess
      expect(keys).toEqual(['s1', 's2', 's3'].map((n) => `recordings/2026-11-01/${n}.ndjson`));
    });

    it('answers every note when they fill more than one page of the table', async () => {
      // Prepare: six notes of a thousand sessions each exceed a 1 MB query page.
      const notes = Array.from({ length: 6 }, (_, i) => segment(`big-${i}`, 1000));
      for (const note of notes) await ledger.intend(note);

      // Act
      const intended = await ledger.intended();

      // Assess
      expect(intended.map((s) => [s.key, s.sessions.length])).toEqual(notes.map((s) => [s.key, 1000]));
    });
  });

  describe('checkpoint head', () => {
    const h1 = { number: 1, hash: HASH('1') };
    const h2 = { number: 2, hash: HASH('2') };

    it('has no head before the first checkpoint', async () => {
      expect(await ledger.checkpointHead()).toBeUndefined();
    });

    it('moves from nothing to the first checkpoint once only', async () => {
      // Act
      const first = await ledger.advanceCheckpoint(undefined, h1);
      const again = await ledger.advanceCheckpoint(undefined, { number: 1, hash: HASH('f') });

      // Assess
      expect({ first, again }).toEqual({ first: true, again: false });
      expect(await ledger.checkpointHead()).toEqual(h1);
    });

    it('moves only from where it is: a stale number or a different hash is refused', async () => {
      // Prepare
      await ledger.advanceCheckpoint(undefined, h1);

      // Act
      const wrongHash = await ledger.advanceCheckpoint({ number: 1, hash: HASH('f') }, h2);
      const moved = await ledger.advanceCheckpoint(h1, h2);
      const stale = await ledger.advanceCheckpoint(h1, { number: 2, hash: HASH('e') });

      // Assess
      expect({ wrongHash, moved, stale }).toEqual({ wrongHash: false, moved: true, stale: false });
      expect(await ledger.checkpointHead()).toEqual(h2);
    });
  });

  describe('lease', () => {
    const T0 = '2026-11-01T10:00:00.000Z';
    const T1 = '2026-11-01T10:01:00.000Z';
    const T2 = '2026-11-01T10:02:00.000Z';
    const T3 = '2026-11-01T10:03:00.000Z';

    it('refuses a second holder while the first holder’s lease runs', async () => {
      // Act
      const first = await ledger.lease('writer-a', T0, T2);
      const second = await ledger.lease('writer-b', T1, T3);

      // Assess
      expect({ first, second }).toEqual({ first: true, second: false });
    });

    it('lets the same holder take it again (extend it)', async () => {
      // Prepare
      await ledger.lease('writer-a', T0, T1);

      // Act
      const again = await ledger.lease('writer-a', T0, T3);

      // Assess
      expect(again).toBe(true);
      expect(await ledger.lease('writer-b', T2, T3)).toBe(false);
    });

    it('gives an expired lease to another holder', async () => {
      // Prepare
      await ledger.lease('writer-a', T0, T1);

      // Act
      const taken = await ledger.lease('writer-b', T2, T3);

      // Assess
      expect(taken).toBe(true);
      expect(await ledger.lease('writer-a', T2, T3)).toBe(false);
    });

    it('is released by its holder only', async () => {
      // Prepare
      await ledger.lease('writer-a', T0, T3);

      // Act
      await ledger.release('writer-b');
      const whileHeld = await ledger.lease('writer-c', T1, T3);
      await ledger.release('writer-a');
      const afterRelease = await ledger.lease('writer-c', T1, T3);

      // Assess
      expect({ whileHeld, afterRelease }).toEqual({ whileHeld: false, afterRelease: true });
    });

    it('releases harmlessly when nobody holds it', async () => {
      await expect(ledger.release('writer-a')).resolves.toBeUndefined();
    });
  });

  describe('session index', () => {
    const listed = async () =>
      (await ledger.listSessions({ from: '2026-11-01', to: '2026-11-01T23:59:59.999Z', limit: 10 })).sessions;

    it('lists an indexed session with its facts', async () => {
      // Act
      await ledger.index(entry());

      // Assess
      expect(await listed()).toEqual([
        {
          sessionId: 'session-1',
          owner: OWNER,
          createdAt: '2026-11-01T09:00:00.000Z',
          lastAt: '2026-11-01T10:00:00.000Z',
          lastSeq: 2,
          requests: 1,
          principals: ['agent-7'],
          actsFor: [],
          connections: ['orders'],
          outcomes: ['allow'],
        },
      ]);
    });

    it('counts a range applied twice (a retry) once', async () => {
      // Prepare
      await ledger.index(entry());

      // Act
      await ledger.index(entry());

      // Assess
      expect((await listed()).map((s) => s.requests)).toEqual([1]);
    });

    it('adds later ranges, merging their sets and keeping the newest seq and time', async () => {
      // Prepare
      await ledger.index(entry());

      // Act
      await ledger.index(
        entry({
          lastSeq: 5,
          lastAt: '2026-11-01T11:00:00.000Z',
          requests: 2,
          principals: ['agent-9', 'agent-7'].sort(),
          actsFor: ['bob'],
          connections: ['orders', 'billing'].sort(),
          outcomes: ['deny'],
        }),
      );

      // Assess
      expect(await listed()).toEqual([
        expect.objectContaining({
          lastSeq: 5,
          lastAt: '2026-11-01T11:00:00.000Z',
          requests: 3,
          principals: ['agent-7', 'agent-9'],
          actsFor: ['bob'],
          connections: ['billing', 'orders'],
          outcomes: ['allow', 'deny'],
        }),
      ]);
    });

    it('ignores a range older than what it has (a late retry)', async () => {
      // Prepare
      await ledger.index(entry({ lastSeq: 5, requests: 3 }));

      // Act
      await ledger.index(entry({ lastSeq: 3, requests: 7, principals: ['late'] }));

      // Assess
      expect((await listed()).map((s) => [s.lastSeq, s.requests, s.principals])).toEqual([
        [5, 3, ['agent-7']],
      ]);
    });

    it('indexes a range with no requests and empty sets', async () => {
      // Act
      await ledger.index(entry({ requests: 0, principals: [], connections: [], outcomes: [] }));

      // Assess
      expect((await listed()).map((s) => [s.requests, s.principals, s.connections, s.outcomes])).toEqual([
        [0, [], [], []],
      ]);
    });
  });

  describe('listSessions', () => {
    /** Seven sessions over three days, two of them created at the same instant. */
    const created = [
      ['d1-early', '2026-11-01T08:00:00.000Z'],
      ['d1-late', '2026-11-01T20:00:00.000Z'],
      ['d2-a', '2026-11-02T12:00:00.000Z'],
      ['d2-b', '2026-11-02T12:00:00.000Z'],
      ['d2-late', '2026-11-02T23:59:59.999Z'],
      ['d4-only', '2026-11-04T00:00:00.000Z'],
      ['d5-outside', '2026-11-05T01:00:00.000Z'],
    ] as const;
    const WHOLE = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-04T23:59:59.999Z' };
    const NEWEST_FIRST = ['d4-only', 'd2-late', 'd2-b', 'd2-a', 'd1-late', 'd1-early'];

    beforeEach(async () => {
      for (const [sessionId, createdAt] of created) await ledger.index(entry({ sessionId, createdAt }));
    });

    it('lists sessions created in the period, newest first across days', async () => {
      // Act
      const { sessions } = await ledger.listSessions({ ...WHOLE, limit: 50 });

      // Assess
      expect(sessions.map((s) => s.sessionId)).toEqual(NEWEST_FIRST);
    });

    it('keeps to the times of the period, not only its days', async () => {
      // Act
      const { sessions } = await ledger.listSessions({
        from: '2026-11-01T12:00:00.000Z',
        to: '2026-11-02T12:00:00.000Z',
        limit: 50,
      });

      // Assess
      expect(sessions.map((s) => s.sessionId)).toEqual(['d2-b', 'd2-a', 'd1-late']);
    });

    it.each([1, 2, 3, 4, 5, 6])('gives every session once, in order, over pages of %i', async (limit) => {
      // Act
      const pages = await allPages(ledger, { ...WHOLE, limit });

      // Assess
      expect(pages.flat().map((s) => s.sessionId)).toEqual(NEWEST_FIRST);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(limit);
    });

    it('refuses a cursor it did not write', async () => {
      // Act
      const garbage = ledger.listSessions({ ...WHOLE, limit: 2, cursor: 'not-a-cursor' });
      const forged = ledger.listSessions({
        ...WHOLE,
        limit: 2,
        cursor: Buffer.from(JSON.stringify({ day: 7 })).toString('base64url'),
      });

      // Assess
      await expect(garbage).rejects.toThrow(new RangeError('invalid cursor'));
      await expect(forged).rejects.toThrow(new RangeError('invalid cursor'));
    });

    it('refuses a cursor from another period', async () => {
      // Prepare: a cursor into 2 November, then a period that ends before it.
      const { cursor } = await ledger.listSessions({ ...WHOLE, limit: 2 });

      // Act
      const elsewhere = ledger.listSessions({
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-01T23:59:59.999Z',
        limit: 2,
        cursor: cursor!,
      });

      // Assess
      await expect(elsewhere).rejects.toThrow(new RangeError('invalid cursor'));
    });

    it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %p', async (limit) => {
      await expect(ledger.listSessions({ ...WHOLE, limit })).rejects.toThrow(
        new RangeError('limit must be a whole number of at least 1'),
      );
    });

    it('lists nothing for a period with no sessions', async () => {
      expect(
        await ledger.listSessions({
          from: '2026-10-01T00:00:00.000Z',
          to: '2026-10-03T00:00:00.000Z',
          limit: 5,
        }),
      ).toEqual({ sessions: [] });
    });
  });
});
