// S3RecordingArchive against s3rver, and the archive use case end to end over the real session
// store and ledger (dynalite) and archive (s3rver); S3 outages with a mocked client.
import { createHash, randomUUID } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { DynamoDbArchiveLedger } from '../../../lambdas/adapters/aws/dynamodb-archive-ledger.js';
import { DynamoDbSessionStore } from '../../../lambdas/adapters/aws/dynamodb-session-store.js';
import { S3RecordingArchive } from '../../../lambdas/adapters/aws/s3-recording-archive.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lambdas/adapters/local/aws-stand-ins.js';
import type { ArchiveLedger, RecordingBatch } from '../../../lambdas/core/ports.js';
import { archiveSessions, segmentKey } from '../../../lambdas/core/recording/archive-sessions.js';
import { canonicalJson } from '../../../lambdas/core/recording/canonical-json.js';
import { type ChainHead, GENESIS, type SessionEvent } from '../../../lambdas/core/recording/events.js';
import { chainEvent, verifyChain } from '../../../lambdas/core/recording/hash-chain.js';
import { startTestDynamo, startTestS3, type TestDynamo, type TestS3 } from '../../support/aws-stand-ins.js';
import { InMemoryArchiveLedger } from '../../support/in-memory-archive-ledger.js';

const TABLE = 's3-recording-archive-test';
const BUCKET = 's3-recording-archive-test';
const OWNER = { sub: 'alice', issuer: 'https://issuer.example' };
const AT = '2026-11-01T00:00:00.000Z';
/** Events are dated 2026-11-01, so their objects land in this folder. */
const DAY_PREFIX = 'recordings/2026-11-01/';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** `count` real chained events of `sessionId`, attached after `from`. */
const chainOf = (sessionId: string, count: number, from: ChainHead = GENESIS): SessionEvent[] => {
  const events: SessionEvent[] = [];
  let head = from;
  for (let i = 0; i < count; i++) {
    const seq = head.seq + 1;
    const event = chainEvent(sessionId, head, {
      type: 'request.received',
      requestId: `request-${seq}`,
      at: new Date(Date.UTC(2026, 10, 1, 0, 0, 0, seq)).toISOString(),
      data: { sql: `select ${seq}`, note: 'naïve ✓' },
    });
    events.push(event);
    head = { seq: event.seq, hash: event.hash };
  }
  return events;
};

const ndjson = (events: readonly SessionEvent[]) => events.map((e) => `${canonicalJson(e)}\n`).join('');
/** Where the segment holding exactly these bytes lives: the day of its first event, the digest of its bytes. */
const keyOf = (body: string) =>
  segmentKey((JSON.parse(body.split('\n')[0]!) as SessionEvent).at, sha256(body));
const headOf = (events: readonly SessionEvent[]): ChainHead => {
  const last = events.at(-1)!;
  return { seq: last.seq, hash: last.hash };
};
const parseLines = (body: string) =>
  body
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as SessionEvent);

describe('S3RecordingArchive and archiveSessions on s3rver and dynalite', () => {
  let s3: TestS3;
  let dynamo: TestDynamo;
  let archive: S3RecordingArchive;
  let sessions: DynamoDbSessionStore;
  let ledger: DynamoDbArchiveLedger;

  beforeAll(async () => {
    [s3, dynamo] = await Promise.all([startTestS3(BUCKET), startTestDynamo(TABLE)]);
    archive = new S3RecordingArchive({ client: s3.client, bucket: BUCKET });
    sessions = new DynamoDbSessionStore({ client: dynamo.documentClient, tableName: TABLE });
    ledger = new DynamoDbArchiveLedger({ client: dynamo.documentClient, tableName: TABLE });
  });

  afterAll(async () => {
    await Promise.all([s3.stop(), dynamo.stop()]);
  });

  const getObject = async (key: string) => {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return { body: await object.Body!.transformToString('utf8'), object };
  };

  const keysStartingWith = async (prefix: string) => {
    const { Contents } = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (Contents ?? []).map((c) => c.Key!).sort();
  };

  const sessionWith = async (count: number) => {
    const sessionId = randomUUID();
    await sessions.claimSession(sessionId, OWNER, AT);
    const events = chainOf(sessionId, count);
    for (const event of events) await sessions.putEvent(event);
    return { sessionId, events };
  };

  const appendTo = async (sessionId: string, after: readonly SessionEvent[], count: number) => {
    const events = chainOf(sessionId, count, headOf(after));
    for (const event of events) await sessions.putEvent(event);
    return events;
  };

  const batchOf = (...runs: SessionEvent[][]): RecordingBatch => {
    const body = runs.map(ndjson).join('');
    return {
      key: keyOf(body),
      body,
      sessions: runs.map((events) => ({
        sessionId: events[0]!.sessionId,
        firstSeq: events[0]!.seq,
        lastSeq: events.at(-1)!.seq,
        lastHash: events.at(-1)!.hash,
        firstAt: events[0]!.at,
        lastAt: events.at(-1)!.at,
      })),
    };
  };

  describe('putBatch', () => {
    it('writes the exact body under its key', async () => {
      // Prepare
      const batch = batchOf(chainOf(randomUUID(), 3), chainOf(randomUUID(), 2));

      // Act
      await archive.putBatch(batch);

      // Assess
      expect(batch.key).toMatch(/^recordings\/2026-11-01\/[0-9a-f]{64}\.ndjson$/);
      expect(await keysStartingWith(batch.key)).toEqual([batch.key]);
      expect((await getObject(batch.key)).body).toBe(batch.body);
    });

    it('writes nothing when an object is under the key already (a retry of the same segment)', async () => {
      // Prepare: the key is taken; a second put under it, whatever its body, changes nothing.
      const batch = batchOf(chainOf(randomUUID(), 2));
      await archive.putBatch(batch);

      // Act
      await archive.putBatch({ ...batch, body: 'not the same bytes\n' });

      // Assess
      expect((await getObject(batch.key)).body).toBe(batch.body);
    });

    it('counts its sessions and events in the object metadata', async () => {
      // Prepare
      const batch = batchOf(chainOf(randomUUID(), 3), chainOf(randomUUID(), 5).slice(1));

      // Act
      await archive.putBatch(batch);

      // Assess
      const { object } = await getObject(batch.key);
      expect(object.Metadata).toEqual({ 'tollgate-sessions': '2', 'tollgate-events': '7' });
    });

    it('labels the object as NDJSON', async () => {
      // Prepare
      const batch = batchOf(chainOf(randomUUID(), 1));

      // Act
      await archive.putBatch(batch);

      // Assess
      const { object } = await getObject(batch.key);
      expect(object.ContentType).toBe('application/x-ndjson');
    });
  });

  describe('putCheckpoint, list and get', () => {
    it('writes a checkpoint as JSON under its key, and reads it back', async () => {
      // Prepare
      const key = `checkpoints/${randomUUID()}/000000000001.json`;

      // Act
      await archive.putCheckpoint(key, '{"number":1}');

      // Assess
      expect(await archive.get(key)).toBe('{"number":1}');
      expect((await getObject(key)).object.ContentType).toBe('application/json');
    });

    it('keeps the first checkpoint written under a number: a second writer changes nothing', async () => {
      // Prepare
      const key = `checkpoints/${randomUUID()}/000000000001.json`;
      await archive.putCheckpoint(key, '{"writer":"first"}');

      // Act
      await archive.putCheckpoint(key, '{"writer":"second"}');

      // Assess
      expect(await archive.get(key)).toBe('{"writer":"first"}');
    });

    it('answers undefined for a key with no object', async () => {
      expect(await archive.get(`checkpoints/${randomUUID()}.json`)).toBeUndefined();
    });

    it('lists the keys under a prefix in ascending order, and nothing outside it', async () => {
      // Prepare
      const prefix = `checkpoints/${randomUUID()}/`;
      for (const n of [3, 1, 2]) await archive.putCheckpoint(`${prefix}${n}.json`, '{}');
      await archive.putCheckpoint(`${prefix.slice(0, -1)}-other/1.json`, '{}');

      // Act
      const keys = await archive.list(prefix);

      // Assess
      expect(keys).toEqual([`${prefix}1.json`, `${prefix}2.json`, `${prefix}3.json`]);
    });
  });

  describe('archiveSessions', () => {
    it('archives the new events of every given session into one object', async () => {
      // Prepare
      const first = await sessionWith(3);
      const second = await sessionWith(2);
      const body = ndjson(first.events) + ndjson(second.events);

      // Act
      const run = await archiveSessions({ sessions, archive, ledger }, [first.sessionId, second.sessionId]);

      // Assess
      expect(run).toEqual({ objects: 1, events: 5, broken: [] });
      expect((await getObject(keyOf(body))).body).toBe(body);
    });

    it("moves each session's mark to its last archived event", async () => {
      // Prepare
      const first = await sessionWith(3);
      const second = await sessionWith(2);

      // Act
      await archiveSessions({ sessions, archive, ledger }, [first.sessionId, second.sessionId]);

      // Assess
      expect(await sessions.archivedSeq(first.sessionId)).toBe(3);
      expect(await sessions.archivedSeq(second.sessionId)).toBe(2);
    });

    it('archives a session named twice once', async () => {
      // Prepare
      const { sessionId, events } = await sessionWith(2);

      // Act
      const run = await archiveSessions({ sessions, archive, ledger }, [sessionId, sessionId]);

      // Assess
      expect(run.events).toBe(2);
      expect((await getObject(keyOf(ndjson(events)))).body).toBe(ndjson(events));
    });

    it('writes nothing when no event is new', async () => {
      // Prepare
      const { sessionId } = await sessionWith(3);
      await archiveSessions({ sessions, archive, ledger }, [sessionId]);
      const before = await keysStartingWith(DAY_PREFIX);

      // Act
      const run = await archiveSessions({ sessions, archive, ledger }, [sessionId]);

      // Assess
      expect(run).toEqual({ objects: 0, events: 0, broken: [] });
      expect(await keysStartingWith(DAY_PREFIX)).toEqual(before);
    });

    it('archives later events in a new object that continues the chain', async () => {
      // Prepare
      const { sessionId, events } = await sessionWith(3);
      await archiveSessions({ sessions, archive, ledger }, [sessionId]);
      const later = await appendTo(sessionId, events, 2);

      // Act
      const run = await archiveSessions({ sessions, archive, ledger }, [sessionId]);

      // Assess
      expect(run).toEqual({ objects: 1, events: 2, broken: [] });
      const before = parseLines((await getObject(keyOf(ndjson(events)))).body);
      const after = parseLines((await getObject(keyOf(ndjson(later)))).body);
      expect(after).toEqual(later);
      expect(after[0]!.prevHash).toBe(before.at(-1)!.hash);
    });

    it("produces objects whose lines, taken per session, verify as each session's whole chain", async () => {
      // Prepare
      const first = await sessionWith(2);
      const second = await sessionWith(3);
      const ids = [first.sessionId, second.sessionId];
      await archiveSessions({ sessions, archive, ledger }, ids);
      const firstLater = await appendTo(first.sessionId, first.events, 3);
      const secondLater = await appendTo(second.sessionId, second.events, 1);

      // Act
      await archiveSessions({ sessions, archive, ledger }, ids);

      // Assess
      const lines = [
        ...parseLines((await getObject(keyOf(ndjson(first.events) + ndjson(second.events)))).body),
        ...parseLines((await getObject(keyOf(ndjson(firstLater) + ndjson(secondLater)))).body),
      ];
      const chainOfSession = (id: string) => lines.filter((e) => e.sessionId === id);
      expect(chainOfSession(first.sessionId)).toEqual([...first.events, ...firstLater]);
      expect(verifyChain(chainOfSession(first.sessionId))).toEqual({ ok: true, head: headOf(firstLater) });
      expect(verifyChain(chainOfSession(second.sessionId))).toEqual({ ok: true, head: headOf(secondLater) });
    });

    it('skips sessions without new events', async () => {
      // Prepare
      const empty = randomUUID();
      await sessions.claimSession(empty, OWNER, AT);
      const busy = await sessionWith(2);

      // Act
      const run = await archiveSessions({ sessions, archive, ledger }, [empty, busy.sessionId]);

      // Assess
      expect(run).toEqual({ objects: 1, events: 2, broken: [] });
      expect((await getObject(keyOf(ndjson(busy.events)))).body).toBe(ndjson(busy.events));
    });

    it('notes each object in the ledger as archived, awaiting its checkpoint, with its digest and ranges', async () => {
      // Prepare
      const { sessionId, events } = await sessionWith(2);
      const body = ndjson(events);

      // Act
      await archiveSessions({ sessions, archive, ledger }, [sessionId]);

      // Assess
      const noted = (await ledger.uncheckpointed()).find((s) => s.key === keyOf(body));
      expect(noted).toEqual({
        key: keyOf(body),
        sha256: sha256(body),
        events: 2,
        sessions: [
          {
            sessionId,
            firstSeq: 1,
            lastSeq: 2,
            lastHash: events[1]!.hash,
            firstAt: events[0]!.at,
            lastAt: events[1]!.at,
          },
        ],
      });
      expect(await ledger.intended()).toEqual([]);
    });

    it('indexes each archived session under its owner and creation time from the session record', async () => {
      // Prepare
      const { sessionId } = await sessionWith(3);

      // Act
      await archiveSessions({ sessions, archive, ledger }, [sessionId]);

      // Assess
      const { sessions: listed } = await ledger.listSessions({ from: AT, to: AT, limit: 1000 });
      expect(listed.find((s) => s.sessionId === sessionId)).toMatchObject({
        owner: OWNER,
        createdAt: AT,
        lastSeq: 3,
        requests: 3,
      });
    });

    it('reports events of a session that has no record in the table, and archives the others, without spinning', async () => {
      // Prepare: events put straight into the table, with no session record whose mark could move.
      const stray = randomUUID();
      for (const event of chainOf(stray, 2)) await sessions.putEvent(event);
      const busy = await sessionWith(1);

      // Act
      const run = await archiveSessions({ sessions, archive, ledger }, [stray, busy.sessionId]);

      // Assess
      expect(run).toEqual({
        objects: 1,
        events: 1,
        broken: [{ sessionId: stray, seq: 1, problem: 'the session has no record in the store' }],
      });
      expect(await ledger.intended()).toEqual([]);
      expect(await sessions.archivedSeq(busy.sessionId)).toBe(1);
    });
  });

  describe('archiveSessions when S3 fails', () => {
    let s3Mock: AwsClientStub<S3Client>;
    let failingArchive: S3RecordingArchive;
    /** A fresh ledger per test: no test completes another's noted segment. */
    let memoryLedger: InMemoryArchiveLedger;
    const unavailable = new S3ServiceException({
      name: 'ServiceUnavailable',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
      message: 'Please reduce your request rate.',
    });
    const notFound = new S3ServiceException({
      name: 'NotFound',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
      message: 'Not Found',
    });

    beforeAll(() => {
      // Created here, not at collection time: the class-wide stub must not reach s3rver tests.
      s3Mock = mockClient(S3Client);
      failingArchive = new S3RecordingArchive({
        client: new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
        bucket: BUCKET,
      });
    });

    beforeEach(() => {
      memoryLedger = new InMemoryArchiveLedger();
      s3Mock.on(HeadObjectCommand).rejects(notFound);
    });

    afterEach(() => {
      s3Mock.reset();
    });

    afterAll(() => {
      s3Mock.restore();
    });

    const depsWith = (ledgerOf: ArchiveLedger = memoryLedger) => ({
      sessions,
      archive: failingArchive,
      ledger: ledgerOf,
    });

    it('rejects with the S3 error', async () => {
      // Prepare
      const { sessionId } = await sessionWith(2);
      s3Mock.on(PutObjectCommand).rejects(unavailable);

      // Act
      const archiving = archiveSessions(depsWith(), [sessionId]);

      // Assess
      await expect(archiving).rejects.toBe(unavailable);
    });

    it('leaves every archive mark where it was, and the segment noted for the retry', async () => {
      // Prepare
      const first = await sessionWith(2);
      const second = await sessionWith(1);
      s3Mock.on(PutObjectCommand).rejects(unavailable);

      // Act
      const archiving = archiveSessions(depsWith(), [first.sessionId, second.sessionId]);

      // Assess
      await expect(archiving).rejects.toBe(unavailable);
      expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
      expect(await sessions.archivedSeq(first.sessionId)).toBe(0);
      expect(await sessions.archivedSeq(second.sessionId)).toBe(0);
      expect((await memoryLedger.intended()).map((s) => s.sessions.map((x) => x.sessionId))).toEqual([
        [first.sessionId, second.sessionId],
      ]);
    });

    it('writes the same bytes under the same key when retried after a failed write', async () => {
      // Prepare
      const { sessionId, events } = await sessionWith(2);
      s3Mock.on(PutObjectCommand).rejectsOnce(unavailable).resolves({});
      await expect(archiveSessions(depsWith(), [sessionId])).rejects.toBe(unavailable);

      // Act
      const run = await archiveSessions(depsWith(), [sessionId]);

      // Assess
      expect(run).toEqual({ objects: 1, events: 2, broken: [] });
      const [failed, retried] = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
      expect(failed).toMatchObject({ Key: keyOf(ndjson(events)), Body: ndjson(events) });
      expect(retried).toMatchObject({ Key: failed!.Key, Body: failed!.Body });
      expect(await sessions.archivedSeq(sessionId)).toBe(2);
      expect(await memoryLedger.intended()).toEqual([]);
    });

    it('writes no second object when retried after the object was written but before the run ended', async () => {
      // Prepare: the put succeeds, then the ledger fails; on the retry S3 has the object.
      const { sessionId } = await sessionWith(2);
      s3Mock.on(PutObjectCommand).resolves({});
      const flaky = Object.assign(Object.create(memoryLedger) as InMemoryArchiveLedger, {
        index: async () => Promise.reject(new Error('DynamoDB is throttling')),
      });
      await expect(archiveSessions(depsWith(flaky), [sessionId])).rejects.toThrow('DynamoDB is throttling');
      s3Mock.on(HeadObjectCommand).resolves({});

      // Act
      const run = await archiveSessions(depsWith(), [sessionId]);

      // Assess
      expect(run).toEqual({ objects: 1, events: 0, broken: [] });
      expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
      expect(await sessions.archivedSeq(sessionId)).toBe(2);
      expect(await memoryLedger.intended()).toEqual([]);
    });

    it('fails when S3 cannot say whether the object is there, writing nothing', async () => {
      // Prepare
      const { sessionId } = await sessionWith(1);
      s3Mock.on(HeadObjectCommand).rejects(unavailable);

      // Act
      const archiving = archiveSessions(depsWith(), [sessionId]);

      // Assess
      await expect(archiving).rejects.toBe(unavailable);
      expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    });
  });

  describe('putCheckpoint when S3 answers a conditional write', () => {
    let s3Mock: AwsClientStub<S3Client>;
    let mocked: S3RecordingArchive;
    const notFound = new S3ServiceException({
      name: 'NotFound',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
      message: 'Not Found',
    });

    beforeAll(() => {
      s3Mock = mockClient(S3Client);
      mocked = new S3RecordingArchive({
        client: new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
        bucket: BUCKET,
      });
    });

    beforeEach(() => {
      s3Mock.on(HeadObjectCommand).rejects(notFound);
    });

    afterEach(() => {
      s3Mock.reset();
    });

    afterAll(() => {
      s3Mock.restore();
    });

    it('asks S3 to write only if no object is there (If-None-Match: *)', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});

      // Act
      await mocked.putCheckpoint('checkpoints/000000000001.json', '{}');

      // Assess
      expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
        Key: 'checkpoints/000000000001.json',
        IfNoneMatch: '*',
      });
    });

    it.each([
      ['412 Precondition Failed', 'PreconditionFailed', 412],
      ['409 ConditionalRequestConflict', 'ConditionalRequestConflict', 409],
    ])(
      'takes %s (another writer got there first) as done: the caller reads back whose it is',
      async (_, name, status) => {
        // Prepare
        s3Mock.on(PutObjectCommand).rejects(
          new S3ServiceException({
            name,
            $fault: 'client',
            $metadata: { httpStatusCode: status },
            message: name,
          }),
        );

        // Act
        const put = mocked.putCheckpoint('checkpoints/000000000001.json', '{}');

        // Assess
        await expect(put).resolves.toBeUndefined();
      },
    );

    it('rejects with any other S3 error', async () => {
      // Prepare
      const denied = new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      });
      s3Mock.on(PutObjectCommand).rejects(denied);

      // Act
      const put = mocked.putCheckpoint('checkpoints/000000000001.json', '{}');

      // Assess
      await expect(put).rejects.toBe(denied);
    });
  });
});
