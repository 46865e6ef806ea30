import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { LogEntry, RecordingBatch } from '../../lambdas/core/ports.js';
import { SessionRecorder } from '../../lambdas/core/recording/session-recorder.js';
import {
  createArchiverHandler,
  sessionsInBatch,
  tamperedEvents,
} from '../../lambdas/handlers/archiver-handler.js';
import { lambdaContext } from '../support/api-gateway-events.js';
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

  it('writes one archive object for the batch and logs what it did', async () => {
    // Prepare
    const sessions = new InMemorySessionStore();
    const recorder = new SessionRecorder(sessions);
    const draft = {
      type: 'request.received' as const,
      requestId: 'r',
      at: '2026-11-26T10:00:00.000Z',
      data: {},
    };
    await recorder.append('run-1', [draft]);
    await recorder.append('run-2', [draft]);
    const batches: RecordingBatch[] = [];
    const lines: Array<{ message: string; entry?: LogEntry }> = [];
    const log = (message: string, entry?: LogEntry) => lines.push({ message, entry });
    const handler = createArchiverHandler({
      sessions,
      archive: {
        putBatch: async (b) => {
          batches.push(b);
          return `k/${b.batchId}`;
        },
      },
      logger: { info: log, warn: log, error: log },
    });
    // Act
    await handler(
      stream(
        record('INSERT', 'SESSION#run-1', 'EVENT#000000000001'),
        record('INSERT', 'SESSION#run-2', 'EVENT#000000000001'),
      ),
      lambdaContext,
    );
    // Assess
    expect(batches).toHaveLength(1);
    expect(batches[0]!.sessions.map((s) => s.sessionId)).toEqual(['run-1', 'run-2']);
    expect(lines).toEqual([{ message: 'sessions archived', entry: { sessions: 2, objects: 1, events: 2 } }]);
  });
});
