// ExportJobStore on DynamoDB: one item per evidence export job in the metadata table. A finished
// job (completed or failed) is never written again.
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ExportJob, ExportJobStore } from '../../core/ports.js';
import { isConditionFailure } from './dynamodb-conditions.js';

const PARTITION = 'EXPORT#';
const SK = 'JOB';

export interface DynamoDbExportJobStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

export class DynamoDbExportJobStore implements ExportJobStore {
  constructor(private readonly options: DynamoDbExportJobStoreOptions) {}

  async create(job: ExportJob): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { pk: `${PARTITION}${job.exportId}`, sk: SK, status: job.status, job: JSON.stringify(job) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(exportId: string): Promise<ExportJob | undefined> {
    const { Item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: `${PARTITION}${exportId}`, sk: SK },
        ConsistentRead: true,
      }),
    );
    return Item ? (JSON.parse(String(Item.job)) as ExportJob) : undefined;
  }

  async update(job: ExportJob): Promise<boolean> {
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { pk: `${PARTITION}${job.exportId}`, sk: SK, status: job.status, job: JSON.stringify(job) },
          ConditionExpression: '#status = :queued OR #status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':queued': 'queued', ':running': 'running' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
