// The local archiver, dynalite's stand-in for the DynamoDB Stream and the checkpoint schedule:
// sessions that receive events through its store are archived to s3rver on flush, on its timer and
// at stop, and retried on failure; signed checkpoints follow on their own timer, on demand and at stop.
import { generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import { DynamoDbArchiveLedger } from '../../../lambdas/adapters/aws/dynamodb-archive-ledger.js';
import { DynamoDbSessionStore } from '../../../lambdas/adapters/aws/dynamodb-session-store.js';
import { S3RecordingArchive } from '../../../lambdas/adapters/aws/s3-recording-archive.js';
import { createLocalArchiver, type LocalArchiver } from '../../../lambdas/adapters/local/local-archiver.js';
import { LocalSigner } from '../../../lambdas/adapters/local/local-signer.js';
import type { Logger, RecordingArchive, RecordingBatch, Signer } from '../../../lambdas/core/ports.js';
import { canonicalJson } from '../../../lambdas/core/recording/canonical-json.js';
import { type Checkpoint, checkpointKey, signedText } from '../../../lambdas/core/recording/checkpoint.js';
import { type ChainHead, GENESIS, type SessionEvent } from '../../../lambdas/core/recording/events.js';
import { chainEvent } from '../../../lambdas/core/recording/hash-chain.js';
import { startTestDynamo, startTestS3, type TestDynamo, type TestS3 } from '../../support/aws-stand-ins.js';

const TABLE = 'local-archiver-test';
const BUCKET = 'local-archiver-test';
const OWNER = { sub: 'alice', issuer: 'tollgate-local' };
const AT = '2026-11-01T00:00:00.000Z';
/** Long enough that only explicit flushes archive, unless a test says otherwise. */
const NEVER_MS = 3_600_000;

const chainOf = (sessionId: string, count: number, from: ChainHead = GENESIS): SessionEvent[] => {
  const events: SessionEvent[] = [];
  let head = from;
  for (let i = 0; i < count; i++) {
    const event = chainEvent(sessionId, head, {
      type: 'request.received',
      requestId: `request-${head.seq + 1}`,
      at: AT,
      data: { sql: `select ${head.seq + 1}` },
    });
    events.push(event);
    head = { seq: event.seq, hash: event.hash };
  }
  return events;
};

/** A RecordingArchive that records the segments it is given and fails the first `failures` of them. */
const observedArchive = (inner: RecordingArchive, failures = 0) => {
  const batches: RecordingBatch[] = [];
  const keys: string[] = [];
  let failuresLeft = failures;
  return {
    batches,
    keys,
    async putBatch(batch: RecordingBatch) {
      batches.push(batch);
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error('S3 is unavailable');
      }
      await inner.putBatch(batch);
      keys.push(batch.key);
    },
    putCheckpoint: (key: string, body: string) => inner.putCheckpoint(key, body),
    list: (prefix: string) => inner.list(prefix),
    get: (key: string) => inner.get(key),
  } satisfies RecordingArchive & { batches: RecordingBatch[]; keys: string[] };
};

const silentLogger = () => {
  const warn = jest.fn<Logger['warn']>();
  return { logger: { info: jest.fn(), warn, error: jest.fn() } satisfies Logger, warn };
};

describe('local archiver on dynalite and s3rver', () => {
  let dynamo: TestDynamo;
  let s3: TestS3;
  let sessions: DynamoDbSessionStore;
  let archive: S3RecordingArchive;
  let ledger: DynamoDbArchiveLedger;
  let signer: LocalSigner;
  const archivers: LocalArchiver[] = [];

  beforeAll(async () => {
    [dynamo, s3] = await Promise.all([startTestDynamo(TABLE), startTestS3(BUCKET)]);
    sessions = new DynamoDbSessionStore({ client: dynamo.documentClient, tableName: TABLE });
    archive = new S3RecordingArchive({ client: s3.client, bucket: BUCKET });
    ledger = new DynamoDbArchiveLedger({ client: dynamo.documentClient, tableName: TABLE });
    signer = new LocalSigner(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  });

  afterEach(async () => {
    for (const archiver of archivers.splice(0)) await archiver.stop();
  });

  afterAll(async () => {
    await Promise.all([dynamo.stop(), s3.stop()]);
  });

  const archiverWith = (
    options: {
      archive?: RecordingArchive;
      logger?: Logger;
      intervalMs?: number;
      checkpointIntervalMs?: number;
      signer?: Signer;
      systemSessions?: readonly string[];
    } = {},
  ) => {
    const archiver = createLocalArchiver({
      sessions,
      archive: options.archive ?? archive,
      ledger,
      signer: options.signer ?? signer,
      clock: { now: () => new Date() },
      ids: { newId: randomUUID },
      logger: options.logger ?? silentLogger().logger,
      intervalMs: options.intervalMs ?? NEVER_MS,
      checkpointIntervalMs: options.checkpointIntervalMs ?? NEVER_MS,
      ...(options.systemSessions ? { systemSessions: options.systemSessions } : {}),
    });
    archivers.push(archiver);
    return archiver;
  };

  /** Claims a session and stores `count` events through the archiver's store. */
  const recordThrough = async (archiver: LocalArchiver, count: number) => {
    const sessionId = randomUUID();
    await archiver.sessions.claimSession(sessionId, OWNER, AT);
    const events = chainOf(sessionId, count);
    for (const event of events) await archiver.sessions.putEvent(event);
    return { sessionId, events };
  };

  const bodyOf = async (key: string) => {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return object.Body!.transformToString('utf8');
  };

  const ndjson = (events: readonly SessionEvent[]) => `${events.map(canonicalJson).join('\n')}\n`;

  it('archives events stored through its session store on flush', async () => {
    // Prepare
    const observed = observedArchive(archive);
    const archiver = archiverWith({ archive: observed });
    const { sessionId, events } = await recordThrough(archiver, 3);

    // Act
    await archiver.flush();

    // Assess
    expect(observed.keys).toHaveLength(1);
    expect(await bodyOf(observed.keys[0]!)).toBe(ndjson(events));
    expect(await sessions.archivedSeq(sessionId)).toBe(3);
  });

  it('archives nothing before a flush', async () => {
    // Prepare
    const observed = observedArchive(archive);
    const archiver = archiverWith({ archive: observed });

    // Act
    const { sessionId } = await recordThrough(archiver, 2);

    // Assess
    expect(observed.batches).toHaveLength(0);
    expect(await sessions.archivedSeq(sessionId)).toBe(0);
  });

  it('archives pending sessions when stopped', async () => {
    // Prepare
    const observed = observedArchive(archive);
    const archiver = archiverWith({ archive: observed });
    const { sessionId, events } = await recordThrough(archiver, 2);

    // Act
    await archiver.stop();

    // Assess
    expect(await bodyOf(observed.keys[0]!)).toBe(ndjson(events));
    expect(await sessions.archivedSeq(sessionId)).toBe(2);
  });

  it('archives on its interval without an explicit flush', async () => {
    // Prepare
    const archiver = archiverWith({ intervalMs: 20 });

    // Act
    const { sessionId } = await recordThrough(archiver, 2);

    // Assess
    const deadline = Date.now() + 5_000;
    while ((await sessions.archivedSeq(sessionId)) < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await sessions.archivedSeq(sessionId)).toBe(2);
  });

  it('writes one object for all sessions pending at a flush', async () => {
    // Prepare
    const observed = observedArchive(archive);
    const archiver = archiverWith({ archive: observed });
    const first = await recordThrough(archiver, 2);
    const second = await recordThrough(archiver, 1);

    // Act
    await archiver.flush();

    // Assess
    expect(observed.keys).toHaveLength(1);
    expect(await bodyOf(observed.keys[0]!)).toBe(ndjson(first.events) + ndjson(second.events));
  });

  it('leaves alone sessions without new events', async () => {
    // Prepare
    const observed = observedArchive(archive);
    const archiver = archiverWith({ archive: observed });
    await recordThrough(archiver, 2);
    await archiver.flush();

    // Act
    await archiver.flush();

    // Assess
    expect(observed.batches).toHaveLength(1);
  });

  it('does not count an event it lost to a conflict as new', async () => {
    // Prepare: the event is stored behind the archiver's back, then offered through it.
    const observed = observedArchive(archive);
    const archiver = archiverWith({ archive: observed });
    const [event] = chainOf(randomUUID(), 1);
    await sessions.putEvent(event!);
    const outcome = await archiver.sessions.putEvent(event!);

    // Act
    await archiver.flush();

    // Assess
    expect(outcome).toBe('conflict');
    expect(observed.batches).toHaveLength(0);
  });

  it('keeps sessions whose archiving failed pending and archives them on the next flush', async () => {
    // Prepare
    const observed = observedArchive(archive, 1);
    const archiver = archiverWith({ archive: observed });
    const { sessionId, events } = await recordThrough(archiver, 3);
    await archiver.flush();
    const afterFailure = await sessions.archivedSeq(sessionId);

    // Act
    await archiver.flush();

    // Assess: two attempts, the first one failed.
    expect(afterFailure).toBe(0);
    expect(observed.batches).toHaveLength(2);
    expect(observed.keys).toHaveLength(1);
    expect(await bodyOf(observed.keys[0]!)).toBe(ndjson(events));
    expect(await sessions.archivedSeq(sessionId)).toBe(3);
  });

  it('logs a failed archive with its reason', async () => {
    // Prepare
    const { logger, warn } = silentLogger();
    const archiver = archiverWith({ archive: observedArchive(archive, 1), logger });
    await recordThrough(archiver, 1);

    // Act
    await archiver.flush();

    // Assess
    expect(warn).toHaveBeenCalledWith('archiving failed; will retry', { error: 'S3 is unavailable' });
  });

  it('keeps archiving after a failed flush', async () => {
    // Prepare: a failure must not leave the flush queue rejected.
    const observed = observedArchive(archive, 1);
    const archiver = archiverWith({ archive: observed });
    const first = await recordThrough(archiver, 1);
    await archiver.flush();
    const { sessionId } = await recordThrough(archiver, 2);

    // Act
    await archiver.flush();

    // Assess: the failed segment is completed as noted (same key), then the new events follow.
    expect(observed.batches.map((b) => b.sessions.map((s) => s.sessionId))).toEqual([
      [first.sessionId],
      [first.sessionId],
      [sessionId],
    ]);
    expect(observed.keys).toEqual([observed.batches[0]!.key, observed.batches[2]!.key]);
    expect(await sessions.archivedSeq(first.sessionId)).toBe(1);
    expect(await sessions.archivedSeq(sessionId)).toBe(2);
  });

  /** The checkpoint the ledger's head names, as stored. */
  const headCheckpoint = async () => {
    const head = await ledger.checkpointHead();
    const text = head ? await archive.get(checkpointKey(head.number)) : undefined;
    return text === undefined ? undefined : (JSON.parse(text) as Checkpoint);
  };
  const sessionsOf = (checkpoint: Checkpoint | undefined) =>
    checkpoint?.sessions.map((s) => s.sessionId) ?? [];

  it('archives what is pending on checkpoint, then signs a checkpoint over it', async () => {
    // Prepare
    const archiver = archiverWith();
    const { sessionId, events } = await recordThrough(archiver, 2);

    // Act
    const run = await archiver.checkpoint();

    // Assess
    expect(run.status).toBe('written');
    const checkpoint = await headCheckpoint();
    expect(checkpoint!.sessions).toEqual([
      { sessionId, lastSeq: 2, lastHash: events[1]!.hash, lastAt: events[1]!.at },
    ]);
    const { signature, ...unsigned } = checkpoint!;
    const publicKey = await archive.get(`keys/${checkpoint!.key.fingerprint}.pem`);
    expect(
      verify('sha256', Buffer.from(signedText(unsigned)), publicKey!, Buffer.from(signature, 'base64')),
    ).toBe(true);
    expect(await ledger.uncheckpointed()).toEqual([]);
  });

  it('writes an empty checkpoint when forced with nothing new, and none when not forced', async () => {
    // Prepare
    const archiver = archiverWith();
    await recordThrough(archiver, 1);
    await archiver.checkpoint();
    const before = await ledger.checkpointHead();

    // Act
    const unforced = await archiver.checkpoint();
    const forced = await archiver.checkpoint({ force: true });

    // Assess
    expect(unforced).toEqual({ status: 'nothing-new' });
    expect(forced.status).toBe('written');
    expect(await headCheckpoint()).toMatchObject({ number: before!.number + 1, segments: [], sessions: [] });
  });

  it('writes a checkpoint over what it archived when stopped', async () => {
    // Prepare
    const archiver = archiverWith();
    const { sessionId } = await recordThrough(archiver, 2);

    // Act
    await archiver.stop();

    // Assess
    expect(sessionsOf(await headCheckpoint())).toEqual([sessionId]);
    expect(await sessions.archivedSeq(sessionId)).toBe(2);
  });

  it('writes checkpoints on its own interval', async () => {
    // Prepare
    const archiver = archiverWith({ checkpointIntervalMs: 20 });

    // Act
    const { sessionId } = await recordThrough(archiver, 1);

    // Assess
    const deadline = Date.now() + 5_000;
    while (!sessionsOf(await headCheckpoint()).includes(sessionId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sessionsOf(await headCheckpoint())).toEqual([sessionId]);
  });

  it('archives the system sessions on every flush, though their events were not stored through it', async () => {
    // Prepare: the CLI writes the configuration audit trail straight to the table.
    const systemSession = `tollgate:test-${randomUUID()}`;
    const observed = observedArchive(archive);
    const archiver = archiverWith({ archive: observed, systemSessions: [systemSession] });
    await sessions.claimSession(systemSession, OWNER, AT);
    for (const event of chainOf(systemSession, 2)) await sessions.putEvent(event);

    // Act
    await archiver.flush();

    // Assess
    expect(observed.batches.map((b) => b.sessions.map((s) => s.sessionId))).toEqual([[systemSession]]);
    expect(await sessions.archivedSeq(systemSession)).toBe(2);
  });

  it('rejects a checkpoint whose signing failed, and the next one lists what it left', async () => {
    // Prepare
    let failures = 1;
    const flaky: Signer = {
      keyId: signer.keyId,
      publicKey: () => signer.publicKey(),
      sign: async (message) => {
        if (failures-- > 0) throw new Error('the key is unavailable');
        return signer.sign(message);
      },
    };
    const archiver = archiverWith({ signer: flaky });
    const { sessionId } = await recordThrough(archiver, 1);
    await expect(archiver.checkpoint()).rejects.toThrow('the key is unavailable');

    // Act
    const run = await archiver.checkpoint();

    // Assess
    expect(run.status).toBe('written');
    expect(sessionsOf(await headCheckpoint())).toEqual([sessionId]);
  });
});
