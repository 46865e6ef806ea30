// Test fixtures over the local AWS stand-ins: a dynalite with one table and an s3rver with one
// bucket, each on a free port, plus the SDK clients the adapters take.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  ensureBucket,
  ensureTable,
  localDynamoDbClient,
  localS3Client,
  startDynalite,
  startS3rver,
} from '../../lambdas/adapters/local/aws-stand-ins.js';

export interface TestDynamo {
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  stop(): Promise<void>;
}

/** An in-memory dynalite holding `tableName`, created as the stack defines it. */
export const startTestDynamo = async (tableName: string): Promise<TestDynamo> => {
  const standIn = await startDynalite(undefined);
  const client = localDynamoDbClient(standIn.endpoint);
  await ensureTable(client, tableName);
  return {
    client,
    documentClient: DynamoDBDocumentClient.from(client),
    tableName,
    async stop() {
      client.destroy();
      await standIn.stop();
    },
  };
};

export interface TestS3 {
  readonly client: S3Client;
  readonly bucket: string;
  stop(): Promise<void>;
}

/** An s3rver over a fresh temporary directory, holding `bucket`; the directory goes at stop. */
export const startTestS3 = async (bucket: string): Promise<TestS3> => {
  const directory = mkdtempSync(join(tmpdir(), 'tollgate-s3-'));
  const standIn = await startS3rver(directory);
  const client = localS3Client(standIn.endpoint);
  await ensureBucket(client, bucket);
  return {
    client,
    bucket,
    async stop() {
      client.destroy();
      await standIn.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
};
