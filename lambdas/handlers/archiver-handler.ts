// DynamoDB Stream consumer: archives the new events of every session in the stream batch into
// ONE archive object, so S3 PUTs scale with stream batches rather than with requests.
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { sessionIdOfKey } from '../adapters/aws/dynamodb-session-store.js';
import type { Logger } from '../core/ports.js';
import { type ArchiveDeps, archiveSessions } from '../core/recording/archive-sessions.js';

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

export const createArchiverHandler = (deps: ArchiveDeps & { readonly logger: Logger }) =>
  middy<DynamoDBStreamEvent, void>().handler(async (event) => {
    for (const change of tamperedEvents(event))
      deps.logger.error('recorded event changed or removed', change);
    const sessionIds = sessionsInBatch(event);
    if (sessionIds.length === 0) return;
    // Unique per attempt: a retried batch writes a new object rather than replacing one that
    // sessions already point at (readers de-duplicate events by sessionId and seq).
    const batchId = `${event.Records[0]?.dynamodb?.SequenceNumber ?? Date.now()}-${randomUUID()}`;
    // Any failure throws: the stream retries the batch; archiving is idempotent per session mark.
    const run = await archiveSessions(deps, sessionIds, batchId);
    for (const problem of run.broken)
      deps.logger.error('recording chain broken; session not archived', problem);
    deps.logger.info('sessions archived', {
      sessions: sessionIds.length,
      objects: run.objects,
      events: run.events,
    });
  });
