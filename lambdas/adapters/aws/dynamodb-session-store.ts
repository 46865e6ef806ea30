// SessionStore on DynamoDB: one item per session (owner, archive mark) and one per event, in a
// single table keyed pk/sk. Every write is a single-item conditional write, so it needs neither
// transactions nor TTL (which dynalite, the local stand-in, lacks).
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SessionInfo, SessionOwner, SessionStore } from '../../core/ports.js';
import { canonicalJson } from '../../core/recording/canonical-json.js';
import { type ChainHead, type SessionEvent, SYSTEM_SESSION_PREFIX } from '../../core/recording/events.js';
import { isConditionFailure } from './dynamodb-conditions.js';

const SESSION_PARTITION = 'SESSION#';
const SYSTEM_PARTITION = 'SYSTEM#';

/**
 * The partition of a session. System sessions (the configuration audit trail) have partitions of
 * their own, so the SQL function, which may write only `SESSION#` partitions, cannot forge them.
 */
export const sessionKey = (sessionId: string) =>
  `${sessionId.startsWith(SYSTEM_SESSION_PREFIX) ? SYSTEM_PARTITION : SESSION_PARTITION}${sessionId}`;

/** The session id of a partition key, or undefined for items that are not sessions. */
export const sessionIdOfKey = (pk: string): string | undefined =>
  pk.startsWith(SESSION_PARTITION)
    ? pk.slice(SESSION_PARTITION.length)
    : pk.startsWith(SYSTEM_PARTITION)
      ? pk.slice(SYSTEM_PARTITION.length)
      : undefined;
const META = 'META';
const EVENT_PREFIX = 'EVENT#';
const eventKey = (seq: number) => `${EVENT_PREFIX}${String(seq).padStart(12, '0')}`;
const LAST_EVENT_KEY = `${EVENT_PREFIX}999999999999`;
const ARCHIVE_PREFIX = 'ARCHIVE#';
const archiveKey = (firstSeq: number) => `${ARCHIVE_PREFIX}${String(firstSeq).padStart(12, '0')}`;

export interface DynamoDbSessionStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

export class DynamoDbSessionStore implements SessionStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbSessionStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async claimSession(sessionId: string, owner: SessionOwner, at: string): Promise<SessionOwner> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: sessionKey(sessionId),
            sk: META,
            ownerSub: owner.sub,
            ownerIssuer: owner.issuer,
            createdAt: at,
            archivedSeq: 0,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return owner;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const meta = await this.meta(sessionId);
    if (!meta) throw new Error(`session ${sessionId} vanished`);
    return { sub: String(meta.ownerSub), issuer: String(meta.ownerIssuer) };
  }

  async head(sessionId: string): Promise<ChainHead | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': sessionKey(sessionId), ':prefix': EVENT_PREFIX },
        ProjectionExpression: 'seq, #hash',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const last = Items?.[0];
    return last ? { seq: Number(last.seq), hash: String(last.hash) } : undefined;
  }

  async putEvent(event: SessionEvent): Promise<'stored' | 'conflict'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: sessionKey(event.sessionId),
            sk: eventKey(event.seq),
            seq: event.seq,
            hash: event.hash,
            type: event.type,
            at: event.at,
            // The exact canonical text, so the archive re-reads byte for byte what was hashed.
            event: canonicalJson(event),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'stored';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  async listEvents(sessionId: string, afterSeq: number, limit: number): Promise<SessionEvent[]> {
    const events: SessionEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': sessionKey(sessionId),
            ':from': eventKey(afterSeq + 1),
            ':to': LAST_EVENT_KEY,
          },
          ProjectionExpression: 'event',
          ConsistentRead: true,
          Limit: limit - events.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) events.push(JSON.parse(String(item.event)) as SessionEvent);
      startKey = page.LastEvaluatedKey;
    } while (startKey && events.length < limit);
    return events;
  }

  async archivedSeq(sessionId: string): Promise<number> {
    return Number((await this.meta(sessionId))?.archivedSeq ?? 0);
  }

  async sessionInfo(sessionId: string): Promise<SessionInfo | undefined> {
    const meta = await this.meta(sessionId);
    return meta
      ? {
          owner: { sub: String(meta.ownerSub), issuer: String(meta.ownerIssuer) },
          createdAt: String(meta.createdAt),
          archivedSeq: Number(meta.archivedSeq ?? 0),
        }
      : undefined;
  }

  async markArchived(sessionId: string, fromSeq: number, toSeq: number, objectKey: string): Promise<boolean> {
    // The pointer first, first writer wins: a racing archiver with a stale mark cannot replace
    // it, and if the mark then fails to move, the object it names does hold these events (a
    // retry's object holds them too). Pointers are items of their own, so a long session never
    // outgrows the 400 KB item limit.
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: sessionKey(sessionId),
            sk: archiveKey(fromSeq + 1),
            objectKey,
            firstSeq: fromSeq + 1,
            lastSeq: toSeq,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: sessionKey(sessionId), sk: META },
          UpdateExpression: 'SET archivedSeq = :to',
          ConditionExpression: 'archivedSeq = :from',
          ExpressionAttributeValues: { ':from': fromSeq, ':to': toSeq },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Where the session's archived events are: one entry per archive object, in order. */
  async archiveObjects(
    sessionId: string,
  ): Promise<Array<{ objectKey: string; firstSeq: number; lastSeq: number }>> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': sessionKey(sessionId), ':prefix': ARCHIVE_PREFIX },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((i) => ({
      objectKey: String(i.objectKey),
      firstSeq: Number(i.firstSeq),
      lastSeq: Number(i.lastSeq),
    }));
  }

  private async meta(sessionId: string) {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: sessionKey(sessionId), sk: META },
        ProjectionExpression: 'ownerSub, ownerIssuer, createdAt, archivedSeq',
        ConsistentRead: true,
      }),
    );
    return Item;
  }
}
