// DynamoDB Stream consumer: archives the new events of every session in the stream batch into
// ONE archive object, so S3 PUTs scale with stream batches rather than with requests; and, on its
// schedule, the checkpoint writer; and the runner of evidence export jobs the API starts.
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { sessionIdOfKey } from '../adapters/aws/dynamodb-session-store.js';
import { type ExportWorkDeps, runExportJob } from '../core/evidence/exports.js';
import type { Logger } from '../core/ports.js';
import { type ArchiveDeps, archiveSessions } from '../core/recording/archive-sessions.js';
import { type CheckpointDeps, writeCheckpoint } from '../core/recording/checkpoint.js';

/** Events are written once: a change or removal of one is tampering, or an operator's mistake. */
export const tamperedEvents = (event: DynamoDBStreamEvent) =>
  event.Records.filter((r) => r.eventName !== 'INSERT' && r.dynamodb?.Keys?.sk?.S?.startsWith('EVENT#')).map(
    (r) => ({ change: r.eventName, pk: r.dynamodb?.Keys?.pk?.S, sk: r.dynamodb?.Keys?.sk?.S }),
  );

export const sessionsInBatch = (event: DynamoDBStreamEvent): string[] => {
  const sessions = new Set<string>();
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.pk?.S;
    const sk = record.dynamodb?.Keys?.sk?.S;
    const sessionId = pk === undefined ? undefined : sessionIdOfKey(pk);
    if (record.eventName === 'INSERT' && sessionId !== undefined && sk?.startsWith('EVENT#'))
      sessions.add(sessionId);
  }
  return [...sessions];
};

/** The schedule's input (an EventBridge Scheduler target): write a checkpoint. */
export interface CheckpointRequest {
  readonly action: 'checkpoint';
  /** Write one even when nothing new was archived. */
  readonly force?: boolean;
}

/** The API's asynchronous invocation: run an evidence export job. */
export interface ExportRequest {
  readonly action: 'export';
  readonly exportId: string;
}

const isCheckpointRequest = (event: unknown): event is CheckpointRequest =>
  typeof event === 'object' && event !== null && (event as { action?: unknown }).action === 'checkpoint';

const isExportRequest = (event: unknown): event is ExportRequest =>
  typeof event === 'object' &&
  event !== null &&
  (event as { action?: unknown }).action === 'export' &&
  typeof (event as { exportId?: unknown }).exportId === 'string';

export type ArchiverHandlerDeps = ArchiveDeps &
  Omit<CheckpointDeps, 'ledger' | 'archive'> & {
    readonly logger: Logger;
    /** Evidence export jobs, which need the archive's read and the evidence key's sign grants. */
    readonly exports?: ExportWorkDeps;
  };

/**
 * The archiver: the table's stream (archive the batch's sessions) and the checkpoint schedule
 * (sign what was archived since the last checkpoint). One function, so kms:Sign is granted to it
 * alone.
 */
export const createArchiverHandler = (deps: ArchiverHandlerDeps) =>
  middy<DynamoDBStreamEvent | CheckpointRequest | ExportRequest, void>().handler(async (event) => {
    if (isExportRequest(event)) {
      if (!deps.exports) throw new Error('this archiver runs no evidence exports');
      await runExportJob(deps.exports, event.exportId);
      deps.logger.info('evidence export finished', { exportId: event.exportId });
      return;
    }
    if (isCheckpointRequest(event)) {
      const run = await writeCheckpoint(deps, { force: event.force === true });
      if (run.status === 'written')
        deps.logger.info('checkpoint written', {
          number: run.checkpoint.number,
          segments: run.checkpoint.segments.length,
          sessions: run.checkpoint.sessions.length,
        });
      else deps.logger.info('no checkpoint written', { status: run.status });
      return;
    }
    if (!Array.isArray((event as Partial<DynamoDBStreamEvent> | null)?.Records))
      throw new TypeError(
        'the archiver takes a DynamoDB Stream batch or {"action":"checkpoint"}, not this event',
      );
    for (const change of tamperedEvents(event))
      deps.logger.error('recorded event changed or removed', change);
    const sessionIds = sessionsInBatch(event);
    if (sessionIds.length === 0) return;
    // Any failure throws: the stream retries the batch, and the retry first completes the
    // segment this attempt noted (no event lost, none archived twice).
    const run = await archiveSessions(deps, sessionIds);
    for (const problem of run.broken)
      deps.logger.error('recording chain broken; session not archived', problem);
    deps.logger.info('sessions archived', {
      sessions: sessionIds.length,
      objects: run.objects,
      events: run.events,
    });
  });
