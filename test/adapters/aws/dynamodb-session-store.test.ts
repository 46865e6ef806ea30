// DynamoDbSessionStore: the SessionStore contract against a real in-memory dynalite, and the
// failure paths DynamoDB can produce (throttling, lost conditional writes) with a mocked client.
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { jest } from '@jest/globals';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { DynamoDbSessionStore } from '../../../lambdas/adapters/aws/dynamodb-session-store.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lambdas/adapters/local/aws-stand-ins.js';
import { RecordingUnavailableError } from '../../../lambdas/core/errors.js';
import type { Principal } from '../../../lambdas/core/identity/principal.js';
import type { SessionOwner } from '../../../lambdas/core/ports.js';
import {
  type ChainHead,
  type EventDraft,
  GENESIS,
  type SessionEvent,
} from '../../../lambdas/core/recording/events.js';
import { chainEvent, verifyChain } from '../../../lambdas/core/recording/hash-chain.js';
import { SessionRecorder } from '../../../lambdas/core/recording/session-recorder.js';
import { startTestDynamo, type TestDynamo } from '../../support/aws-stand-ins.js';

const TABLE = 'dynamodb-session-store-test';
const AT = '2026-11-01T00:00:00.000Z';
const ALICE: SessionOwner = { sub: 'alice', issuer: 'https://issuer.example' };
const MALLORY: SessionOwner = { sub: 'mallory', issuer: 'https://issuer.example' };
const OBJECT_KEY = 'recordings/2026-11-01/batch-1.ndjson';
const OTHER_OBJECT_KEY = 'recordings/2026-11-01/batch-2.ndjson';

const draft = (n: number, data: EventDraft['data'] = {}): EventDraft => ({
  type: 'request.received',
  requestId: `request-${n}`,
  at: new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toISOString(),
  data: { sql: `select ${n}`, ...data },
});

/** `count` real chained events of `sessionId`, attached after `from`. */
const chainOf = (sessionId: string, count: number, from: ChainHead = GENESIS, data?: EventDraft['data']) => {
  const events: SessionEvent[] = [];
  let head = from;
  for (let i = 1; i <= count; i++) {
    const event = chainEvent(sessionId, head, draft(head.seq + 1, data));
    events.push(event);
    head = { seq: event.seq, hash: event.hash };
  }
  return events;
};

const principal = (owner: SessionOwner): Principal => ({
  ...owner,
  groups: [],
  tokenId: undefined,
  actsFor: undefined,
});

describe('DynamoDbSessionStore on dynalite', () => {
  let dynamo: TestDynamo;
  let store: DynamoDbSessionStore;

  beforeAll(async () => {
    dynamo = await startTestDynamo(TABLE);
    store = new DynamoDbSessionStore({ client: dynamo.documentClient, tableName: TABLE });
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  const storeAll = async (events: readonly SessionEvent[]) => {
    for (const event of events) expect(await store.putEvent(event)).toBe('stored');
  };

  describe('claimSession', () => {
    it('creates a new session and returns the claiming owner', async () => {
      // Prepare
      const sessionId = randomUUID();

      // Act
      const owner = await store.claimSession(sessionId, ALICE, AT);

      // Assess
      expect(owner).toEqual(ALICE);
      expect(await store.archivedSeq(sessionId)).toBe(0);
    });

    it('returns the first owner when another owner claims a claimed session', async () => {
      // Prepare
      const sessionId = randomUUID();
      await store.claimSession(sessionId, ALICE, AT);

      // Act
      const owner = await store.claimSession(sessionId, MALLORY, AT);

      // Assess
      expect(owner).toEqual(ALICE);
    });

    it('tells apart owners with the same sub from different issuers', async () => {
      // Prepare
      const sessionId = randomUUID();
      await store.claimSession(sessionId, ALICE, AT);

      // Act
      const owner = await store.claimSession(sessionId, { ...ALICE, issuer: 'https://other.example' }, AT);

      // Assess
      expect(owner).toEqual(ALICE);
    });
  });

  describe('head', () => {
    it('is undefined for a session without events', async () => {
      // Prepare
      const sessionId = randomUUID();
      await store.claimSession(sessionId, ALICE, AT);

      // Act
      const head = await store.head(sessionId);

      // Assess
      expect(head).toBeUndefined();
    });

    it('returns the seq and hash of the last event', async () => {
      // Prepare
      const sessionId = randomUUID();
      await store.claimSession(sessionId, ALICE, AT);
      const events = chainOf(sessionId, 12);
      await storeAll(events);

      // Act
      const head = await store.head(sessionId);

      // Assess
      expect(head).toEqual({ seq: 12, hash: events[11]!.hash });
    });
  });

  describe('putEvent', () => {
    it('answers stored for a free seq', async () => {
      // Prepare
      const sessionId = randomUUID();
      const [event] = chainOf(sessionId, 1);

      // Act
      const outcome = await store.putEvent(event!);

      // Assess
      expect(outcome).toBe('stored');
    });

    it('answers conflict for a seq already taken and keeps the first event', async () => {
      // Prepare
      const sessionId = randomUUID();
      const [first] = chainOf(sessionId, 1);
      const rival = chainEvent(sessionId, GENESIS, { ...draft(1), requestId: 'rival' });
      await store.putEvent(first!);

      // Act
      const outcome = await store.putEvent(rival);

      // Assess
      expect(outcome).toBe('conflict');
      expect(await store.listEvents(sessionId, 0, 10)).toEqual([first]);
    });
  });

  describe('listEvents', () => {
    it('returns the events after a seq in ascending order', async () => {
      // Prepare
      const sessionId = randomUUID();
      const events = chainOf(sessionId, 10);
      // Stored out of order: order comes from the keys, not from arrival.
      await storeAll([...events].reverse());

      // Act
      const listed = await store.listEvents(sessionId, 4, 100);

      // Assess
      expect(listed.map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    });

    it('returns at most limit events', async () => {
      // Prepare
      const sessionId = randomUUID();
      await storeAll(chainOf(sessionId, 10));

      // Act
      const listed = await store.listEvents(sessionId, 2, 3);

      // Assess
      expect(listed.map((e) => e.seq)).toEqual([3, 4, 5]);
    });

    it('returns nothing after the last event', async () => {
      // Prepare
      const sessionId = randomUUID();
      await storeAll(chainOf(sessionId, 3));

      // Act
      const listed = await store.listEvents(sessionId, 3, 10);

      // Assess
      expect(listed).toEqual([]);
    });

    it('excludes the session item and other sessions', async () => {
      // Prepare
      const sessionId = randomUUID();
      const neighbour = `${sessionId}-neighbour`;
      await store.claimSession(sessionId, ALICE, AT);
      await storeAll(chainOf(sessionId, 2));
      await storeAll(chainOf(neighbour, 2));

      // Act
      const listed = await store.listEvents(sessionId, 0, 10);

      // Assess
      expect(listed.map((e) => [e.sessionId, e.seq])).toEqual([
        [sessionId, 1],
        [sessionId, 2],
      ]);
    });

    it('follows query pages past the 1 MB page size', async () => {
      // Prepare: 8 events of ~150 kB exceed one 1 MB query page.
      const sessionId = randomUUID();
      const events = chainOf(sessionId, 8, GENESIS, { blob: 'x'.repeat(150_000) });
      await storeAll(events);
      const send = jest.spyOn(dynamo.documentClient, 'send');

      // Act
      const listed = await store.listEvents(sessionId, 0, 100);

      // Assess
      const queries = send.mock.calls.filter(([command]) => command instanceof QueryCommand);
      send.mockRestore();
      expect(queries.length).toBeGreaterThan(1);
      expect(listed.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('stops at limit across query pages', async () => {
      // Prepare
      const sessionId = randomUUID();
      await storeAll(chainOf(sessionId, 8, GENESIS, { blob: 'y'.repeat(150_000) }));

      // Act
      const listed = await store.listEvents(sessionId, 1, 7);

      // Assess
      expect(listed.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    });

    it('returns events deep-equal to those stored', async () => {
      // Prepare: values canonical JSON must carry exactly.
      const sessionId = randomUUID();
      const events = chainOf(sessionId, 3, GENESIS, {
        unicode: 'naïve – 日本 – 🦆',
        quote: 'a "quoted" \\ back\nslash',
        numbers: [0, -1, 1.5, 1e21, 2 ** 53 - 1],
        flags: [true, false, null],
        nested: { z: 1, a: { list: [] }, empty: '' },
      });
      await storeAll(events);

      // Act
      const listed = await store.listEvents(sessionId, 0, 10);

      // Assess
      expect(listed).toEqual(events);
    });

    it('returns events that verify as a hash chain', async () => {
      // Prepare
      const sessionId = randomUUID();
      await storeAll(
        chainOf(sessionId, 5, GENESIS, {
          rows: [
            [1, 'a'],
            [2, 'b'],
          ],
        }),
      );

      // Act
      const listed = await store.listEvents(sessionId, 0, 10);

      // Assess
      expect(verifyChain(listed)).toEqual({ ok: true, head: { seq: 5, hash: listed[4]!.hash } });
    });
  });

  describe('archive mark', () => {
    it('is 0 for a new session', async () => {
      // Prepare
      const sessionId = randomUUID();
      await store.claimSession(sessionId, ALICE, AT);

      // Act
      const mark = await store.archivedSeq(sessionId);

      // Assess
      expect(mark).toBe(0);
    });

    it('moves when markArchived starts from the current mark', async () => {
      // Prepare
      const sessionId = randomUUID();
      await store.claimSession(sessionId, ALICE, AT);

      // Act
      const moved = await store.markArchived(sessionId, 0, 7, OBJECT_KEY);

      // Assess
      expect(moved).toBe(true);
      expect(await store.archivedSeq(sessionId)).toBe(7);
    });

    it('stays put when markArchived starts from a stale mark', async () => {
      // Prepare
      const sessionId = randomUUID();
      await store.claimSession(sessionId, ALICE, AT);
      await store.markArchived(sessionId, 0, 7, OBJECT_KEY);

      // Act
      const moved = await store.markArchived(sessionId, 0, 3, OTHER_OBJECT_KEY);

      // Assess
      expect(moved).toBe(false);
      expect(await store.archivedSeq(sessionId)).toBe(7);
    });

    it('notes in the session each archive object and the events it holds', async () => {
      // Prepare
      const sessionId = randomUUID();
      await store.claimSession(sessionId, ALICE, AT);
      await store.markArchived(sessionId, 0, 7, OBJECT_KEY);

      // Act
      await store.markArchived(sessionId, 7, 9, OTHER_OBJECT_KEY);

      // Assess
      expect(await store.archiveObjects(sessionId)).toEqual([
        { objectKey: OBJECT_KEY, firstSeq: 1, lastSeq: 7 },
        { objectKey: OTHER_OBJECT_KEY, firstSeq: 8, lastSeq: 9 },
      ]);
    });

    it('notes no archive object when markArchived starts from a stale mark', async () => {
      // Prepare
      const sessionId = randomUUID();
      await store.claimSession(sessionId, ALICE, AT);
      await store.markArchived(sessionId, 0, 7, OBJECT_KEY);

      // Act
      await store.markArchived(sessionId, 0, 3, OTHER_OBJECT_KEY);

      // Assess
      expect(await store.archiveObjects(sessionId)).toEqual([
        { objectKey: OBJECT_KEY, firstSeq: 1, lastSeq: 7 },
      ]);
    });

    it('is not created by markArchived on an unclaimed session', async () => {
      // Prepare
      const sessionId = randomUUID();

      // Act
      const moved = await store.markArchived(sessionId, 0, 3, OTHER_OBJECT_KEY);

      // Assess
      expect(moved).toBe(false);
      expect(await store.archivedSeq(sessionId)).toBe(0);
    });
  });

  describe('under SessionRecorder', () => {
    it('keeps one complete chain when two recorders append to a session concurrently', async () => {
      // Prepare: two recorders, as two gateway processes, each with its own head cache.
      const sessionId = randomUUID();
      const first = new SessionRecorder(store);
      const second = new SessionRecorder(store);
      await first.open(sessionId, principal(ALICE), AT);
      await second.open(sessionId, principal(ALICE), AT);

      // Act: 20 rounds in which both race for the same seq.
      for (let round = 0; round < 20; round++) {
        await Promise.all([
          first.append(sessionId, [{ ...draft(round), requestId: `first-${round}` }]),
          second.append(sessionId, [{ ...draft(round), requestId: `second-${round}` }]),
        ]);
      }

      // Assess
      const events = await store.listEvents(sessionId, 0, 100);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(events.filter((e) => e.requestId.startsWith('first-'))).toHaveLength(20);
      expect(verifyChain(events).ok).toBe(true);
    });

    it('refuses a session to a principal other than its owner', async () => {
      // Prepare
      const sessionId = randomUUID();
      await new SessionRecorder(store).open(sessionId, principal(ALICE), AT);

      // Act
      const opening = new SessionRecorder(store).open(sessionId, principal(MALLORY), AT);

      // Assess
      await expect(opening).rejects.toMatchObject({ code: 'session_forbidden' });
    });
  });
});

describe('DynamoDbSessionStore when DynamoDB fails', () => {
  let ddbMock: AwsClientStub<DynamoDBDocumentClient>;
  let store: DynamoDbSessionStore;
  const sessionId = 'session-under-failure';
  const [event] = chainOf(sessionId, 1);
  const throughputExceeded = new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded.',
    $metadata: {},
  });
  const throttled = new ThrottlingException({
    message: 'Rate of requests exceeds the allowed throughput.',
    $metadata: {},
  });
  const conditionFailed = new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
  });

  beforeAll(() => {
    // Created here, not at collection time: the class-wide stub must not reach the dynalite tests.
    ddbMock = mockClient(DynamoDBDocumentClient);
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    );
    store = new DynamoDbSessionStore({ client, tableName: TABLE });
  });

  afterEach(() => {
    ddbMock.reset();
  });

  afterAll(() => {
    ddbMock.restore();
  });

  it('putEvent propagates ProvisionedThroughputExceededException', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejects(throughputExceeded);

    // Act
    const putting = store.putEvent(event!);

    // Assess
    await expect(putting).rejects.toBe(throughputExceeded);
  });

  it('putEvent propagates ThrottlingException', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejects(throttled);

    // Act
    const putting = store.putEvent(event!);

    // Assess
    await expect(putting).rejects.toBe(throttled);
  });

  it('putEvent answers conflict on ConditionalCheckFailedException', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejects(conditionFailed);

    // Act
    const outcome = await store.putEvent(event!);

    // Assess
    expect(outcome).toBe('conflict');
  });

  it('putEvent writes the event only if its key is free', async () => {
    // Prepare
    ddbMock.on(PutCommand).resolves({});

    // Act
    await store.putEvent(event!);

    // Assess
    const [call] = ddbMock.commandCalls(PutCommand);
    expect(call!.args[0].input).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { seq: 1, hash: event!.hash },
    });
  });

  it('claimSession propagates a failure other than a lost condition', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejects(throttled);

    // Act
    const claiming = store.claimSession(sessionId, ALICE, AT);

    // Assess
    await expect(claiming).rejects.toBe(throttled);
  });

  it('markArchived answers false on ConditionalCheckFailedException', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(conditionFailed);

    // Act
    const moved = await store.markArchived(sessionId, 0, 1, OBJECT_KEY);

    // Assess
    expect(moved).toBe(false);
  });

  it('markArchived propagates throttling', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(throughputExceeded);

    // Act
    const marking = store.markArchived(sessionId, 0, 1, OBJECT_KEY);

    // Assess
    await expect(marking).rejects.toBe(throughputExceeded);
  });

  it('makes SessionRecorder.append fail with RecordingUnavailableError when a put is throttled', async () => {
    // Prepare
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(PutCommand).rejects(throughputExceeded);
    const recorder = new SessionRecorder(store);

    // Act
    const appending = recorder.append(sessionId, [draft(1)]);

    // Assess
    await expect(appending).rejects.toBeInstanceOf(RecordingUnavailableError);
    await expect(appending).rejects.toMatchObject({
      code: 'recording_unavailable',
      cause: throughputExceeded,
    });
  });

  it('makes SessionRecorder.append fail with RecordingUnavailableError when the head cannot be read', async () => {
    // Prepare
    ddbMock.on(QueryCommand).rejects(throttled);
    const recorder = new SessionRecorder(store);

    // Act
    const appending = recorder.append(sessionId, [draft(1)]);

    // Assess
    await expect(appending).rejects.toMatchObject({ code: 'recording_unavailable', cause: throttled });
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('makes SessionRecorder.open fail with RecordingUnavailableError when the claim fails', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejects(throttled);
    const recorder = new SessionRecorder(store);

    // Act
    const opening = recorder.open(sessionId, principal(ALICE), AT);

    // Assess
    await expect(opening).rejects.toMatchObject({ code: 'recording_unavailable' });
  });
});
