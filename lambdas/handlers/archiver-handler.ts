// DynamoDB Stream consumer: archives the new events of every session in the stream batch into
// ONE archive object, so S3 PUTs scale with stream batches rather than with requests.
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { Logger } from '../core/ports.js';
import { type ArchiveDeps, archiveSessions } from '../core/recording/archive-sessions.js';

const SESSION_PREFIX = 'SESSION#';

export const sessionsInBatch = (event: DynamoDBStreamEvent): string[] => {
  const sessions = new Set<string>();
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.pk?.S;
    const sk = record.dynamodb?.Keys?.sk?.S;
    if (record.eventName === 'INSERT' && pk?.startsWith(SESSION_PREFIX) && sk?.startsWith('EVENT#')) {
      sessions.add(pk.slice(SESSION_PREFIX.length));
    }
  }
  return [...sessions];
};

export const createArchiverHandler = (deps: ArchiveDeps & { readonly logger: Logger }) =>
  middy<DynamoDBStreamEvent, void>().handler(async (event) => {
    const sessionIds = sessionsInBatch(event);
    if (sessionIds.length === 0) return;
    // Unique per attempt: a retried batch writes a new object rather than replacing one that
    // sessions already point at (readers de-duplicate events by sessionId and seq).
    const batchId = `${event.Records[0]?.dynamodb?.SequenceNumber ?? Date.now()}-${randomUUID()}`;
    // Any failure throws: the stream retries the batch; archiving is idempotent per session mark.
    const run = await archiveSessions(deps, sessionIds, batchId);
    deps.logger.info('sessions archived', { sessions: sessionIds.length, ...run });
  });
