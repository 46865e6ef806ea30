// ArchiveLedger on DynamoDB, in the metadata table: segment notes and the checkpoint head under
// the `ARCHIVE` partition, the session index under one partition per day of creation. Single-item
// conditional writes only (dynalite, the local stand-in, has no transactions).
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  ArchiveLedger,
  CheckpointHead,
  IndexedSession,
  SegmentRecord,
  SessionIndexEntry,
  SessionOwner,
} from '../../core/ports.js';
import { isConditionFailure } from './dynamodb-conditions.js';

const LEDGER = 'ARCHIVE';
const SEGMENT = 'SEGMENT#';
const HEAD = 'CHECKPOINT#HEAD';
const LEASE = 'CHECKPOINT#LEASE';
const DAY = 'SESSIONS#';

const conditional = async (write: () => Promise<unknown>): Promise<boolean> => {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
};

/** A listing cursor: the day being read and the last key answered in it. */
interface Cursor {
  readonly day: string;
  readonly after?: string;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

/** Undefined for a cursor this adapter did not write. */
export const decodeCursor = (text: string): Cursor | undefined => {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof value.day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value.day)) return undefined;
    if (value.after !== undefined && typeof value.after !== 'string') return undefined;
    return { day: value.day, ...(value.after ? { after: value.after } : {}) };
  } catch {
    return undefined;
  }
};

/**
 * An owner's own index partition, under the day index's prefix (`SESSIONS#`) so the archiver's
 * grant covers both; `OWNER#` can never be read as a day.
 */
const ownerKey = (owner: SessionOwner) =>
  `${DAY}OWNER#${encodeURIComponent(owner.issuer)}#${encodeURIComponent(owner.sub)}`;

const encodeOwnCursor = (after: string) =>
  Buffer.from(JSON.stringify({ mine: after }), 'utf8').toString('base64url');

/** The sort key to continue after, or null for a cursor this adapter did not write. */
const decodeOwnCursor = (text: string): string | null => {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { mine?: unknown };
    return typeof value.mine === 'string' ? value.mine : null;
  } catch {
    return null;
  }
};

const previousDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

const listOf = (value: unknown): string[] =>
  value instanceof Set ? [...value].map(String).sort() : Array.isArray(value) ? value.map(String) : [];

const indexed = (item: Record<string, unknown>): IndexedSession => ({
  sessionId: String(item.sessionId),
  owner: { sub: String(item.ownerSub), issuer: String(item.ownerIssuer) },
  createdAt: String(item.createdAt),
  lastAt: String(item.lastAt),
  lastSeq: Number(item.lastSeq),
  requests: Number(item.requests ?? 0),
  principals: listOf(item.principals),
  actsFor: listOf(item.actsFor),
  connections: listOf(item.connections),
  outcomes: listOf(item.outcomes),
});

export interface DynamoDbArchiveLedgerOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

export class DynamoDbArchiveLedger implements ArchiveLedger {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbArchiveLedgerOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async intend(segment: SegmentRecord): Promise<void> {
    // The same note twice is the same segment (its key is its digest): the first one stays.
    await conditional(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: LEDGER,
            sk: `${SEGMENT}${segment.key}`,
            status: 'intended',
            segment: JSON.stringify(segment),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  intended(): Promise<SegmentRecord[]> {
    return this.segments('intended');
  }

  async archived(key: string): Promise<void> {
    await conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: LEDGER, sk: `${SEGMENT}${key}` },
          UpdateExpression: 'SET #status = :archived',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':archived': 'archived' },
        }),
      ),
    );
  }

  uncheckpointed(): Promise<SegmentRecord[]> {
    return this.segments('archived');
  }

  async checkpointed(keys: readonly string[]): Promise<void> {
    for (const key of keys)
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: { pk: LEDGER, sk: `${SEGMENT}${key}` } }),
      );
  }

  async checkpointHead(): Promise<CheckpointHead | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: LEDGER, sk: HEAD }, ConsistentRead: true }),
    );
    return Item ? { number: Number(Item.number), hash: String(Item.hash) } : undefined;
  }

  advanceCheckpoint(from: CheckpointHead | undefined, to: CheckpointHead): Promise<boolean> {
    return conditional(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: LEDGER, sk: HEAD, number: to.number, hash: to.hash },
          ...(from
            ? {
                ConditionExpression: '#number = :number AND #hash = :hash',
                ExpressionAttributeNames: { '#number': 'number', '#hash': 'hash' },
                ExpressionAttributeValues: { ':number': from.number, ':hash': from.hash },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      ),
    );
  }

  lease(holder: string, now: string, until: string): Promise<boolean> {
    return conditional(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: LEDGER, sk: LEASE, holder, until },
          ConditionExpression: 'attribute_not_exists(pk) OR #until < :now OR holder = :holder',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now, ':holder': holder },
        }),
      ),
    );
  }

  async release(holder: string): Promise<void> {
    await conditional(() =>
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: LEDGER, sk: LEASE },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      ),
    );
  }

  async index(entry: SessionIndexEntry): Promise<void> {
    const sets: Array<[string, readonly string[]]> = [
      ['principals', entry.principals],
      ['actsFor', entry.actsFor],
      ['connections', entry.connections],
      ['outcomes', entry.outcomes],
    ];
    const added = sets.filter(([, values]) => values.length > 0);
    const values: Record<string, unknown> = {
      ':sessionId': entry.sessionId,
      ':ownerSub': entry.owner.sub,
      ':ownerIssuer': entry.owner.issuer,
      ':createdAt': entry.createdAt,
      ':lastAt': entry.lastAt,
      ':lastSeq': entry.lastSeq,
      ':requests': entry.requests,
    };
    for (const [name, list] of added) values[`:${name}`] = new Set(list);
    // Applied once per archived range: a retry of the same range finds lastSeq already there. The
    // same entry goes to the day's index (auditors) and to the owner's (everyone else).
    for (const pk of [`${DAY}${entry.createdAt.slice(0, 10)}`, ownerKey(entry.owner)])
      await this.mergeIndexEntry(pk, entry, added, values);
  }

  private async mergeIndexEntry(
    pk: string,
    entry: SessionIndexEntry,
    added: ReadonlyArray<[string, readonly string[]]>,
    values: Record<string, unknown>,
  ): Promise<void> {
    await conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk, sk: `${entry.createdAt}#${entry.sessionId}` },
          UpdateExpression: [
            'SET sessionId = :sessionId, ownerSub = :ownerSub, ownerIssuer = :ownerIssuer, createdAt = :createdAt, lastAt = :lastAt, lastSeq = :lastSeq',
            `ADD requests :requests${added.map(([name]) => `, ${name} :${name}`).join('')}`,
          ].join(' '),
          ConditionExpression: 'attribute_not_exists(lastSeq) OR lastSeq < :lastSeq',
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async listSessions(query: {
    readonly from: string;
    readonly to: string;
    readonly limit: number;
    readonly cursor?: string;
    readonly owner?: SessionOwner;
  }): Promise<{ sessions: IndexedSession[]; cursor?: string }> {
    if (!Number.isInteger(query.limit) || query.limit < 1)
      throw new RangeError('limit must be a whole number of at least 1');
    if (query.owner) return this.listOwnSessions({ ...query, owner: query.owner });
    const first = query.from.slice(0, 10);
    const last = query.to.slice(0, 10);
    const start = query.cursor ? decodeCursor(query.cursor) : { day: last };
    // A cursor from elsewhere (or forged) naming a later day would have the loop below query every
    // day from it back to the period, and a start key outside the period DynamoDB refuses.
    const fits =
      start !== undefined &&
      start.day <= last &&
      (start.after === undefined ||
        (start.after.startsWith(start.day) && start.after >= query.from && start.after <= `${query.to}~`));
    if (!start || !fits) throw new RangeError('invalid cursor');
    const sessions: IndexedSession[] = [];
    let day = start.day;
    let after = start.after;
    while (day >= first) {
      let startKey: Record<string, unknown> | undefined = after
        ? { pk: `${DAY}${day}`, sk: after }
        : undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': `${DAY}${day}`, ':from': query.from, ':to': `${query.to}~` },
            ScanIndexForward: false,
            Limit: query.limit - sessions.length,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) sessions.push(indexed(item));
        startKey = page.LastEvaluatedKey;
        if (sessions.length >= query.limit) {
          const last = sessions.at(-1)!;
          const cursor: Cursor = startKey
            ? { day, after: `${last.createdAt}#${last.sessionId}` }
            : { day: previousDay(day) };
          return { sessions, ...(cursor.day >= first ? { cursor: encodeCursor(cursor) } : {}) };
        }
      } while (startKey);
      day = previousDay(day);
      after = undefined;
    }
    return { sessions };
  }

  /** One owner's sessions: one partition, its own cursor (the last sort key it answered). */
  private async listOwnSessions(query: {
    readonly from: string;
    readonly to: string;
    readonly limit: number;
    readonly cursor?: string;
    readonly owner: SessionOwner;
  }): Promise<{ sessions: IndexedSession[]; cursor?: string }> {
    const pk = ownerKey(query.owner);
    const after = query.cursor === undefined ? undefined : decodeOwnCursor(query.cursor);
    if (after === null || (after !== undefined && (after < query.from || after > `${query.to}~`)))
      throw new RangeError('invalid cursor');
    const sessions: IndexedSession[] = [];
    let startKey: Record<string, unknown> | undefined = after ? { pk, sk: after } : undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': query.from, ':to': `${query.to}~` },
          ScanIndexForward: false,
          Limit: query.limit - sessions.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) sessions.push(indexed(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && sessions.length < query.limit);
    const last = sessions.at(-1);
    return startKey && last
      ? { sessions, cursor: encodeOwnCursor(`${last.createdAt}#${last.sessionId}`) }
      : { sessions };
  }

  private async segments(status: 'intended' | 'archived'): Promise<SegmentRecord[]> {
    const found: SegmentRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :segment)',
          FilterExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pk': LEDGER, ':segment': SEGMENT, ':status': status },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) found.push(JSON.parse(String(item.segment)) as SegmentRecord);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }
}
