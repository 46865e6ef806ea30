// S3RecordingArchive against s3rver, and the archive use case end to end over the real session
// store (dynalite) and archive (s3rver); S3 outages with a mocked client.
import { randomUUID } from 'node:crypto';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { DynamoDbSessionStore } from '../../../lambdas/adapters/aws/dynamodb-session-store.js';
import { batchKey, S3RecordingArchive } from '../../../lambdas/adapters/aws/s3-recording-archive.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lambdas/adapters/local/aws-stand-ins.js';
import type { RecordingBatch } from '../../../lambdas/core/ports.js';
import { archiveSessions } from '../../../lambdas/core/recording/archive-sessions.js';
import { canonicalJson } from '../../../lambdas/core/recording/canonical-json.js';
import { type ChainHead, GENESIS, type SessionEvent } from '../../../lambdas/core/recording/events.js';
import { chainEvent, verifyChain } from '../../../lambdas/core/recording/hash-chain.js';
import { startTestDynamo, startTestS3, type TestDynamo, type TestS3 } from '../../support/aws-stand-ins.js';

const TABLE = 's3-recording-archive-test';
const BUCKET = 's3-recording-archive-test';
const OWNER = { sub: 'alice', issuer: 'https://issuer.example' };
const AT = '2026-11-01T00:00:00.000Z';
/** Events are dated 2026-11-01, so their objects land in this folder. */
const DAY_PREFIX = 'recordings/2026-11-01/';

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

  beforeAll(async () => {
    [s3, dynamo] = await Promise.all([startTestS3(BUCKET), startTestDynamo(TABLE)]);
    archive = new S3RecordingArchive({ client: s3.client, bucket: BUCKET });
    sessions = new DynamoDbSessionStore({ client: dynamo.documentClient, tableName: TABLE });
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

  const objectOf = (batchId: string) => `${DAY_PREFIX}${batchId}.ndjson`;

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

  const batchOf = (batchId: string, ...runs: SessionEvent[][]): RecordingBatch => ({
    batchId,
    at: runs[0]![0]!.at,
    body: runs.map(ndjson).join(''),
    sessions: runs.map((events) => ({
      sessionId: events[0]!.sessionId,
      firstSeq: events[0]!.seq,
      lastSeq: events.at(-1)!.seq,
      lastHash: events.at(-1)!.hash,
    })),
  });

  describe('putBatch', () => {
    it('writes the exact body under recordings/<day of its first event>/<batchId>.ndjson', async () => {
      // Prepare
      const batchId = randomUUID();
      const batch = batchOf(batchId, chainOf(randomUUID(), 3), chainOf(randomUUID(), 2));

      // Act
      await archive.putBatch(batch);

      // Assess
      expect(await keysStartingWith(`recordings/2026-11-01/${batchId}`)).toEqual([
        `recordings/2026-11-01/${batchId}.ndjson`,
      ]);
      expect((await getObject(`recordings/2026-11-01/${batchId}.ndjson`)).body).toBe(batch.body);
    });

    it('returns the key it wrote', async () => {
      // Prepare
      const batch = batchOf(randomUUID(), chainOf(randomUUID(), 1));

      // Act
      const key = await archive.putBatch(batch);

      // Assess
      expect(key).toBe(batchKey(batch));
      expect((await getObject(key)).body).toBe(batch.body);
    });

    it('counts its sessions and events in the object metadata', async () => {
      // Prepare
      const batch = batchOf(randomUUID(), chainOf(randomUUID(), 3), chainOf(randomUUID(), 5).slice(1));

      // Act
      const key = await archive.putBatch(batch);

      // Assess
      const { object } = await getObject(key);
      expect(object.Metadata).toEqual({ 'tollgate-sessions': '2', 'tollgate-events': '7' });
    });

    it('labels the object as NDJSON', async () => {
      // Prepare
      const batch = batchOf(randomUUID(), chainOf(randomUUID(), 1));

      // Act
      const key = await archive.putBatch(batch);

      // Assess
      const { object } = await getObject(key);
      expect(object.ContentType).toBe('application/x-ndjson');
    });
  });

  describe('archiveSessions', () => {
    it('archives the new events of every given session into one object', async () => {
      // Prepare
      const first = await sessionWith(3);
      const second = await sessionWith(2);
      const batchId = randomUUID();

      // Act
      const run = await archiveSessions({ sessions, archive }, [first.sessionId, second.sessionId], batchId);

      // Assess
      expect(run).toEqual({ objects: 1, events: 5, broken: [] });
      expect((await getObject(objectOf(batchId))).body).toBe(ndjson(first.events) + ndjson(second.events));
    });

    it("moves each session's mark to its last archived event", async () => {
      // Prepare
      const first = await sessionWith(3);
      const second = await sessionWith(2);

      // Act
      await archiveSessions({ sessions, archive }, [first.sessionId, second.sessionId], randomUUID());

      // Assess
      expect(await sessions.archivedSeq(first.sessionId)).toBe(3);
      expect(await sessions.archivedSeq(second.sessionId)).toBe(2);
    });

    it('archives a session named twice once', async () => {
      // Prepare
      const { sessionId, events } = await sessionWith(2);
      const batchId = randomUUID();

      // Act
      const run = await archiveSessions({ sessions, archive }, [sessionId, sessionId], batchId);

      // Assess
      expect(run.events).toBe(2);
      expect((await getObject(objectOf(batchId))).body).toBe(ndjson(events));
    });

    it('writes nothing when no event is new', async () => {
      // Prepare
      const { sessionId } = await sessionWith(3);
      await archiveSessions({ sessions, archive }, [sessionId], randomUUID());
      const batchId = randomUUID();

      // Act
      const run = await archiveSessions({ sessions, archive }, [sessionId], batchId);

      // Assess
      expect(run).toEqual({ objects: 0, events: 0, broken: [] });
      expect(await keysStartingWith(`${DAY_PREFIX}${batchId}`)).toEqual([]);
    });

    it('archives later events in a new object that continues the chain', async () => {
      // Prepare
      const { sessionId, events } = await sessionWith(3);
      const [firstBatch, secondBatch] = [randomUUID(), randomUUID()];
      await archiveSessions({ sessions, archive }, [sessionId], firstBatch);
      const later = await appendTo(sessionId, events, 2);

      // Act
      const run = await archiveSessions({ sessions, archive }, [sessionId], secondBatch);

      // Assess
      expect(run).toEqual({ objects: 1, events: 2, broken: [] });
      const before = parseLines((await getObject(objectOf(firstBatch))).body);
      const after = parseLines((await getObject(objectOf(secondBatch))).body);
      expect(after).toEqual(later);
      expect(after[0]!.prevHash).toBe(before.at(-1)!.hash);
    });

    it("produces objects whose lines, taken per session, verify as each session's whole chain", async () => {
      // Prepare
      const first = await sessionWith(2);
      const second = await sessionWith(3);
      const ids = [first.sessionId, second.sessionId];
      const [firstBatch, secondBatch] = [randomUUID(), randomUUID()];
      await archiveSessions({ sessions, archive }, ids, firstBatch);
      const firstLater = await appendTo(first.sessionId, first.events, 3);
      const secondLater = await appendTo(second.sessionId, second.events, 1);

      // Act
      await archiveSessions({ sessions, archive }, ids, secondBatch);

      // Assess
      const lines = [
        ...parseLines((await getObject(objectOf(firstBatch))).body),
        ...parseLines((await getObject(objectOf(secondBatch))).body),
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
      const batchId = randomUUID();

      // Act
      const run = await archiveSessions({ sessions, archive }, [empty, busy.sessionId], batchId);

      // Assess
      expect(run).toEqual({ objects: 1, events: 2, broken: [] });
      expect((await getObject(objectOf(batchId))).body).toBe(ndjson(busy.events));
    });
  });

  describe('archiveSessions when S3 fails', () => {
    let s3Mock: AwsClientStub<S3Client>;
    let failingArchive: S3RecordingArchive;
    const unavailable = new S3ServiceException({
      name: 'ServiceUnavailable',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
      message: 'Please reduce your request rate.',
    });

    beforeAll(() => {
      // Created here, not at collection time: the class-wide stub must not reach s3rver tests.
      s3Mock = mockClient(S3Client);
      failingArchive = new S3RecordingArchive({
        client: new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
        bucket: BUCKET,
      });
    });

    afterEach(() => {
      s3Mock.reset();
    });

    afterAll(() => {
      s3Mock.restore();
    });

    it('rejects with the S3 error', async () => {
      // Prepare
      const { sessionId } = await sessionWith(2);
      s3Mock.on(PutObjectCommand).rejects(unavailable);

      // Act
      const archiving = archiveSessions({ sessions, archive: failingArchive }, [sessionId], randomUUID());

      // Assess
      await expect(archiving).rejects.toBe(unavailable);
    });

    it('leaves every archive mark where it was', async () => {
      // Prepare
      const first = await sessionWith(2);
      const second = await sessionWith(1);
      s3Mock.on(PutObjectCommand).rejects(unavailable);

      // Act
      const archiving = archiveSessions(
        { sessions, archive: failingArchive },
        [first.sessionId, second.sessionId],
        randomUUID(),
      );

      // Assess
      await expect(archiving).rejects.toBe(unavailable);
      expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
      expect(await sessions.archivedSeq(first.sessionId)).toBe(0);
      expect(await sessions.archivedSeq(second.sessionId)).toBe(0);
    });

    it('archives the same events again when retried after a failed write', async () => {
      // Prepare
      const { sessionId, events } = await sessionWith(2);
      s3Mock.on(PutObjectCommand).rejectsOnce(unavailable).resolves({});
      await expect(
        archiveSessions({ sessions, archive: failingArchive }, [sessionId], randomUUID()),
      ).rejects.toBe(unavailable);

      // Act
      const run = await archiveSessions({ sessions, archive: failingArchive }, [sessionId], randomUUID());

      // Assess
      expect(run).toEqual({ objects: 1, events: 2, broken: [] });
      const [failed, retried] = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
      expect(failed!.Body).toBe(ndjson(events));
      expect(retried!.Body).toBe(ndjson(events));
      expect(await sessions.archivedSeq(sessionId)).toBe(2);
    });
  });
});
