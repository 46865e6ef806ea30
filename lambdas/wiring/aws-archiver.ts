// Composition root of the archiver on AWS Lambda: the table's stream → archive objects in the
// Object Lock bucket. Loads DynamoDB and S3 only.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSessionStore } from '../adapters/aws/dynamodb-session-store.js';
import { S3RecordingArchive } from '../adapters/aws/s3-recording-archive.js';
import { createArchiverHandler } from '../handlers/archiver-handler.js';
import { lambdaObservability } from './aws-observability.js';
import { type Env, required } from './env.js';

export const awsArchiverHandler = (env: Env) => {
  const { logger, middlewares } = lambdaObservability(env);
  return createArchiverHandler({
    sessions: new DynamoDbSessionStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      tableName: required(env, 'TOLLGATE_TABLE'),
    }),
    archive: new S3RecordingArchive({
      client: new S3Client({}),
      bucket: required(env, 'TOLLGATE_RECORDINGS_BUCKET'),
    }),
    logger,
  }).use(middlewares);
};
