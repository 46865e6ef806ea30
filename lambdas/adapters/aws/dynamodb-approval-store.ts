// ApprovalStore on DynamoDB, in the metadata table. Per approval, one partition:
//   APPROVAL#<id> / RECORD   the record reviewers and the requester read (JSON), with its revision
//   APPROVAL#<id> / SEALED   the sealed exact request; overwritten by a tombstone when it ends
//   APPROVAL#<id> / TOKEN    the workflow's task token: no route ever reads this item
// and two pointers: REQUEST#<requestId> / APPROVAL (status by request id), and a day's list,
// APPROVALS#<yyyy-mm-dd> / <createdAt>#<id> (listing, newest first). Every write is a single-item
// conditional put: no transactions, no deletes, no index (none of which the stand-in or the
// table's grants have); a sealed request's tombstone and DynamoDB TTL (`expiresAtEpoch`) forget it.
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ApprovalRecord, RequestStatus } from '../../core/approval/approval.js';
import type { ApprovalStore } from '../../core/ports.js';
import { isConditionFailure } from './dynamodb-conditions.js';

const approvalKey = (approvalId: string) => `APPROVAL#${approvalId}`;
const requestKey = (requestId: string) => `REQUEST#${requestId}`;
const dayKey = (iso: string) => `APPROVALS#${iso.slice(0, 10)}`;
const RECORD = 'RECORD';
const SEALED = 'SEALED';
const TOKEN = 'TOKEN';

/** Approvals live at most 7 days (@approvalTtl): a listing reads that many days back, and one more. */
const LISTED_DAYS = 8;
/** Records read for one listing, at most. */
const MAX_SCANNED = 1000;
/** How long an ended approval's items are kept before DynamoDB TTL removes them. */
const KEEP_SECONDS = 90 * 86_400;

export interface DynamoDbApprovalStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export class DynamoDbApprovalStore implements ApprovalStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbApprovalStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  private put(
    item: Record<string, unknown>,
    condition?: { expression: string; values?: Record<string, unknown> },
  ) {
    return this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ...(condition
          ? {
              ConditionExpression: condition.expression,
              ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
            }
          : {}),
      }),
    );
  }

  private recordItem(record: ApprovalRecord) {
    return {
      pk: approvalKey(record.approvalId),
      sk: RECORD,
      status: record.status,
      revision: record.revision,
      record: JSON.stringify(record),
      expiresAtEpoch: epochSeconds(record.expiresAt) + KEEP_SECONDS,
    };
  }

  async create(record: ApprovalRecord, sealedRequest: string): Promise<void> {
    const keep = epochSeconds(record.expiresAt) + KEEP_SECONDS;
    // The sealed request first: a record never points at a request that is not stored.
    await this.put(
      {
        pk: approvalKey(record.approvalId),
        sk: SEALED,
        sealed: sealedRequest,
        expiresAtEpoch: epochSeconds(record.expiresAt),
      },
      { expression: 'attribute_not_exists(pk)' },
    );
    await this.put(this.recordItem(record), { expression: 'attribute_not_exists(pk)' });
    await this.put({
      pk: requestKey(record.requestId),
      sk: 'APPROVAL',
      approvalId: record.approvalId,
      expiresAtEpoch: keep,
    });
    await this.put({
      pk: dayKey(record.createdAt),
      sk: `${record.createdAt}#${record.approvalId}`,
      approvalId: record.approvalId,
      expiresAtEpoch: keep,
    });
  }

  async get(approvalId: string): Promise<ApprovalRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: approvalKey(approvalId), sk: RECORD },
        ConsistentRead: true,
      }),
    );
    return Item ? (JSON.parse(String(Item.record)) as ApprovalRecord) : undefined;
  }

  async byRequest(requestId: string): Promise<ApprovalRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: requestKey(requestId), sk: 'APPROVAL' },
        ConsistentRead: true,
      }),
    );
    return Item ? this.get(String(Item.approvalId)) : undefined;
  }

  async list(status: RequestStatus, limit: number): Promise<ApprovalRecord[]> {
    const found: ApprovalRecord[] = [];
    let scanned = 0;
    const today = Date.now();
    for (let day = 0; day < LISTED_DAYS && found.length < limit && scanned < MAX_SCANNED; day++) {
      const iso = new Date(today - day * 86_400_000).toISOString();
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': dayKey(iso) },
            ProjectionExpression: 'approvalId',
            ScanIndexForward: false,
            Limit: 100,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        const ids = (page.Items ?? []).map((i) => String(i.approvalId));
        scanned += ids.length;
        for (const record of await this.records(ids)) if (record.status === status) found.push(record);
        startKey = page.LastEvaluatedKey;
      } while (startKey && found.length < limit && scanned < MAX_SCANNED);
    }
    return found
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.approvalId.localeCompare(a.approvalId))
      .slice(0, limit);
  }

  /** The records of `ids` (one BatchGet per 100), in no particular order. */
  private async records(ids: readonly string[]): Promise<ApprovalRecord[]> {
    const records: ApprovalRecord[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = ids
        .slice(i, i + 100)
        .map((id) => ({ pk: approvalKey(id), sk: RECORD }));
      for (let attempt = 0; keys && keys.length > 0 && attempt < 5; attempt++) {
        const answer = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ProjectionExpression: '#record',
                ExpressionAttributeNames: { '#record': 'record' },
              },
            },
          }),
        );
        for (const item of answer.Responses?.[this.tableName] ?? [])
          records.push(JSON.parse(String(item.record)) as ApprovalRecord);
        keys = answer.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return records;
  }

  async update(next: ApprovalRecord): Promise<'stored' | 'conflict'> {
    try {
      await this.put(this.recordItem(next), {
        expression: 'revision = :previous',
        values: { ':previous': next.revision - 1 },
      });
      return 'stored';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  async sealedRequest(approvalId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: approvalKey(approvalId), sk: SEALED },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.sealed === 'string' ? Item.sealed : undefined;
  }

  async dropSealedRequest(approvalId: string): Promise<void> {
    // A tombstone in its place: the table's grants include no DeleteItem.
    await this.put({
      pk: approvalKey(approvalId),
      sk: SEALED,
      dropped: true,
      expiresAtEpoch: Math.floor(Date.now() / 1000) + KEEP_SECONDS,
    });
  }

  async saveTaskToken(approvalId: string, taskToken: string): Promise<void> {
    await this.put({
      pk: approvalKey(approvalId),
      sk: TOKEN,
      taskToken,
      expiresAtEpoch: Math.floor(Date.now() / 1000) + KEEP_SECONDS,
    });
  }

  async taskToken(approvalId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: approvalKey(approvalId), sk: TOKEN },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.taskToken === 'string' ? Item.taskToken : undefined;
  }
}
