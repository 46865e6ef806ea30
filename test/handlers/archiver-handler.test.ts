import { generateKeyPairSync, verify } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LocalSigner } from '../../lambdas/adapters/local/local-signer.js';
import type { LogEntry } from '../../lambdas/core/ports.js';
import { type Checkpoint, signedText } from '../../lambdas/core/recording/checkpoint.js';
import { SessionRecorder } from '../../lambdas/core/recording/session-recorder.js';
import {
  createArchiverHandler,
  sessionsInBatch,
  tamperedEvents,
} from '../../lambdas/handlers/archiver-handler.js';
import { lambdaContext } from '../support/api-gateway-events.js';
import { principal } from '../support/core-fixtures.js';
import { InMemoryArchiveLedger } from '../support/in-memory-archive-ledger.js';
import { InMemoryRecordingArchive } from '../support/in-memory-recording-archive.js';
import { InMemorySessionStore } from '../support/in-memory-session-store.js';

const record = (
  eventName: DynamoDBRecord['eventName'],
  pk: string,
  sk: string,
  sequence = '1',
): DynamoDBRecord => ({
  eventName,
  dynamodb: { Keys: { pk: { S: pk }, sk: { S: sk } }, SequenceNumber: sequence },
});
const stream = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

describe('archiver handler', () => {
  it('archives the sessions whose events were inserted, user and system sessions alike', () => {
    const batch = stream(
      record('INSERT', 'SESSION#run-1', 'EVENT#000000000001'),
      record('INSERT', 'SESSION#run-1', 'EVENT#000000000002'),
      record('INSERT', 'SYSTEM#tollgate:config-audit', 'EVENT#000000000001'),
      record('INSERT', 'SESSION#run-2', 'META'),
      record('INSERT', 'POLICYSET#default', 'ACTIVE'),
    );
    expect(sessionsInBatch(batch)).toEqual(['run-1', 'tollgate:config-audit']);
  });

  it('reports changes and removals of recorded events, which are written once', () => {
    const batch = stream(
      record('MODIFY', 'SESSION#run-1', 'EVENT#000000000001'),
      record('REMOVE', 'SESSION#run-1', 'EVENT#000000000002'),
      record('MODIFY', 'SESSION#run-1', 'META'),
    );
    expect(tamperedEvents(batch).map((t) => t.change)).toEqual(['MODIFY', 'REMOVE']);
  });

  describe('as a function', () => {
    const draft = {
      type: 'request.received' as const,
      requestId: 'r',
      at: '2026-11-26T10:00:00.000Z',
      data: {},
    };
    const insertsOf = (...sessionIds: string[]) =>
      stream(...sessionIds.map((id) => record('INSERT', `SESSION#${id}`, 'EVENT#000000000001')));

    const setup = async (...sessionIds: string[]) => {
      const sessions = new InMemorySessionStore();
      const recorder = new SessionRecorder(sessions);
      for (const sessionId of sessionIds) {
        await recorder.open(sessionId, principal('alice'), draft.at);
        await recorder.append(sessionId, [draft]);
      }
      const archive = new InMemoryRecordingArchive();
      const ledger = new InMemoryArchiveLedger();
      const lines: Array<{ message: string; entry?: LogEntry }> = [];
      const log = (message: string, entry?: LogEntry) => lines.push({ message, entry });
      let ids = 0;
      const signer = new LocalSigner(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
      const handler = createArchiverHandler({
        sessions,
        archive,
        ledger,
        signer,
        clock: { now: () => new Date('2026-11-26T10:05:00.000Z') },
        ids: { newId: () => `invocation-${++ids}` },
        logger: { info: log, warn: log, error: log },
      });
      return { sessions, archive, ledger, lines, signer, handler };
    };

    it('writes one archive object for the batch and logs what it did', async () => {
      // Prepare
      const { archive, ledger, lines, handler } = await setup('run-1', 'run-2');

      // Act
      await handler(insertsOf('run-1', 'run-2'), lambdaContext);

      // Assess
      const objects = [...archive.under('recordings/').keys()];
      expect(objects).toHaveLength(1);
      expect((await ledger.uncheckpointed()).map((s) => s.sessions.map((x) => x.sessionId))).toEqual([
        ['run-1', 'run-2'],
      ]);
      expect(lines).toEqual([
        { message: 'sessions archived', entry: { sessions: 2, objects: 1, events: 2 } },
      ]);
    });

    it('throws when archiving fails, and its retry of the same batch writes the same one object', async () => {
      // Prepare: the stream retries a batch whose invocation threw.
      const { archive, sessions, handler } = await setup('run-1');
      archive.failWith = new Error('S3 is unavailable');
      await expect(handler(insertsOf('run-1'), lambdaContext)).rejects.toThrow('S3 is unavailable');
      archive.failWith = undefined;

      // Act
      await handler(insertsOf('run-1'), lambdaContext);

      // Assess
      expect(archive.under('recordings/').size).toBe(1);
      expect(await sessions.archivedSeq('run-1')).toBe(1);
    });

    it('writes a signed checkpoint over what was archived when the schedule asks', async () => {
      // Prepare
      const { archive, ledger, lines, signer, handler } = await setup('run-1', 'run-2');
      await handler(insertsOf('run-1', 'run-2'), lambdaContext);
      lines.length = 0;

      // Act
      await handler({ action: 'checkpoint' }, lambdaContext);

      // Assess
      const [key, ...others] = archive.under('checkpoints/').keys();
      expect({ key, others }).toEqual({ key: 'checkpoints/000000000001.json', others: [] });
      const { signature, ...unsigned } = JSON.parse(archive.objects.get(key!)!) as Checkpoint;
      expect(
        verify(
          'sha256',
          Buffer.from(signedText(unsigned)),
          await signer.publicKey(),
          Buffer.from(signature, 'base64'),
        ),
      ).toBe(true);
      expect(await ledger.uncheckpointed()).toEqual([]);
      expect(lines).toEqual([
        { message: 'checkpoint written', entry: { number: 1, segments: 1, sessions: 2 } },
      ]);
    });

    it('writes no checkpoint on schedule when nothing new was archived, and an empty one when forced', async () => {
      // Prepare
      const { archive, lines, handler } = await setup();

      // Act
      await handler({ action: 'checkpoint' }, lambdaContext);
      await handler({ action: 'checkpoint', force: true }, lambdaContext);

      // Assess
      expect([...archive.under('checkpoints/').keys()]).toEqual(['checkpoints/000000000001.json']);
      expect(lines).toEqual([
        { message: 'no checkpoint written', entry: { status: 'nothing-new' } },
        { message: 'checkpoint written', entry: { number: 1, segments: 0, sessions: 0 } },
      ]);
    });

    it('refuses an event that is neither a stream batch nor a checkpoint request, with a clear error', async () => {
      // Prepare
      const { archive, handler } = await setup('run-1');

      // Act
      const bad = handler({ action: 'rotate' } as unknown as DynamoDBStreamEvent, lambdaContext);

      // Assess
      await expect(bad).rejects.toThrow(
        'the archiver takes a DynamoDB Stream batch or {"action":"checkpoint"}, not this event',
      );
      expect(archive.objects.size).toBe(0);
    });
  });
});
