// Composition root of the archiver on AWS Lambda: the table's stream → archive objects in the
// Object Lock bucket, the schedule → signed checkpoints, and evidence export jobs. Loads DynamoDB,
// S3 and KMS only.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbArchiveLedger } from '../adapters/aws/dynamodb-archive-ledger.js';
import { DynamoDbConnectionStore } from '../adapters/aws/dynamodb-connection-store.js';
import { DynamoDbExportJobStore } from '../adapters/aws/dynamodb-export-job-store.js';
import { DynamoDbPolicyStore } from '../adapters/aws/dynamodb-policy-store.js';
import { DynamoDbSessionStore } from '../adapters/aws/dynamodb-session-store.js';
import { KmsSigner } from '../adapters/aws/kms-signer.js';
import { S3ExportFiles } from '../adapters/aws/s3-export-files.js';
import { S3RecordingArchive } from '../adapters/aws/s3-recording-archive.js';
import { createArchiverHandler } from '../handlers/archiver-handler.js';
import { lambdaObservability } from './aws-observability.js';
import { type Env, required } from './env.js';
import { randomIds, systemClock } from './runtime.js';

export const awsArchiverHandler = (env: Env) => {
  const { logger, middlewares } = lambdaObservability(env);
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const tableName = required(env, 'TOLLGATE_TABLE');
  const bucket = required(env, 'TOLLGATE_RECORDINGS_BUCKET');
  const s3 = new S3Client({});
  const kms = new KMSClient({});
  const archive = new S3RecordingArchive({ client: s3, bucket });
  return createArchiverHandler({
    sessions: new DynamoDbSessionStore({ client: documentClient, tableName }),
    ledger: new DynamoDbArchiveLedger({ client: documentClient, tableName }),
    archive,
    signer: new KmsSigner({ client: kms, keyId: required(env, 'TOLLGATE_SIGNING_KEY_ARN') }),
    clock: systemClock,
    ids: randomIds,
    logger,
    exports: {
      jobs: new DynamoDbExportJobStore({ client: documentClient, tableName }),
      files: new S3ExportFiles({ client: s3, bucket }),
      archive,
      // Manifests are signed with the evidence key; checkpoints with the checkpoint key.
      signer: new KmsSigner({ client: kms, keyId: required(env, 'TOLLGATE_EVIDENCE_KEY_ARN') }),
      config: {
        policies: new DynamoDbPolicyStore({ client: documentClient, tableName }),
        connections: new DynamoDbConnectionStore({ client: documentClient, tableName }),
      },
      clock: systemClock,
    },
  }).use(middlewares);
};
