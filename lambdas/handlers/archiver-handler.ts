// DynamoDB Stream consumer: archives the sessions that received events in this batch, one
// segment per session, so S3 PUTs scale with active sessions rather than with requests.
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { Logger } from '../core/ports.js';
import { type ArchiveDeps, archiveSession } from '../core/recording/archive-session.js';

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
    // Any failure throws: the stream retries the batch; archiving is idempotent.
    for (const sessionId of sessionsInBatch(event)) {
      const archived = await archiveSession(deps, sessionId);
      deps.logger.info('session archived', { sessionId, events: archived });
    }
  });
