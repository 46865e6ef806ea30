// Composition roots of the SQL function (the SQL route, discovery, approvals) and of the
// approval-tasks function, which share one pipeline on AWS Lambda: parsers, the
// Cedar engine with the policy folder bundled beside the function, Secrets Manager credentials,
// the executors (each kind's driver loaded on first use). Built once per cold start.
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbApprovalStore } from '../adapters/aws/dynamodb-approval-store.js';
import { DynamoDbArchiveLedger } from '../adapters/aws/dynamodb-archive-ledger.js';
import { DynamoDbExportJobStore } from '../adapters/aws/dynamodb-export-job-store.js';
import { DynamoDbSessionStore } from '../adapters/aws/dynamodb-session-store.js';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher.js';
import { KmsSealer } from '../adapters/aws/kms-sealer.js';
import { LambdaExportRunner } from '../adapters/aws/lambda-export-runner.js';
import { S3ExportFiles } from '../adapters/aws/s3-export-files.js';
import { SecretsManagerCredentials } from '../adapters/aws/secrets-manager-credentials.js';
import { SfnApprovalWorkflow } from '../adapters/aws/sfn-approval-workflow.js';
import { createJwtIdentityVerifier } from '../adapters/identity/jwt-identity-verifier.js';
import { observabilityMiddlewares } from '../adapters/observability/observability-middlewares.js';
import { sharedTracer, traceAwsClient } from '../adapters/observability/powertools-tracer.js';
import { perTargetExecutor } from '../adapters/targets/per-target-executor.js';
import { pause } from '../adapters/timing/backoff.js';
import type { ApprovalDeps } from '../core/approval/deps.js';
import { type Connection, connectionsSchema } from '../core/config/connection.js';
import { UnauthenticatedError } from '../core/errors.js';
import type { IdentityVerifier, Logger } from '../core/ports.js';
import { lambdaObservability } from './aws-observability.js';
import { type Env, identityConfigFromEnv, maxBodyBytesFrom, required } from './env.js';
import {
  approvalTaskRunner,
  buildSqlRoutes,
  type SqlPipelineDeps,
  sqlPipeline,
  storedConnections,
  storedPolicies,
} from './sql-pipeline.js';

const bundledPolicyDir = () => fileURLToPath(new URL('./policies', import.meta.url));

/** The connections the stack declared (served until the first `tollgate connection push`). */
const connectionsFromEnv = (env: Env) => {
  let json: unknown;
  try {
    json = JSON.parse(env.TOLLGATE_CONNECTIONS || '[]');
  } catch {
    throw new Error('TOLLGATE_CONNECTIONS is not valid JSON');
  }
  const parsed = connectionsSchema.safeParse(json);
  if (!parsed.success) throw new Error(`TOLLGATE_CONNECTIONS is invalid: ${parsed.error.message}`);
  return parsed.data;
};

/** Approvals on AWS: the table, the KMS key that seals held requests, Step Functions, EventBridge. */
const awsApprovals = (
  env: Env,
  client: DynamoDBDocumentClient,
  tableName: string,
  tracer: ReturnType<typeof sharedTracer>,
  logger: Logger,
): ApprovalDeps => ({
  store: new DynamoDbApprovalStore({ client, tableName }),
  sealer: new KmsSealer({
    client: traceAwsClient(new KMSClient({}), tracer),
    keyId: required(env, 'TOLLGATE_SEALING_KEY_ARN'),
  }),
  workflow: new SfnApprovalWorkflow({
    client: traceAwsClient(new SFNClient({}), tracer),
    stateMachineArn: required(env, 'TOLLGATE_APPROVAL_STATE_MACHINE_ARN'),
  }),
  events: new EventBridgePublisher({
    client: traceAwsClient(new EventBridgeClient({}), tracer),
    eventBusName: required(env, 'TOLLGATE_EVENT_BUS_NAME'),
  }),
  logger,
  pause,
});

/** The SQL function's routes (SQL, discovery, approvals, recordings). */
export const awsSqlRoutes = async (env: Env) => buildSqlRoutes(await awsSqlDeps(env));

/**
 * The approval workflow's tasks (the approval-tasks function): the same pipeline, its
 * connections seen with their write credentials. It verifies no tokens: the workflow invokes it.
 */
export const awsApprovalTasks = async (env: Env) => {
  const deps = await awsSqlDeps(env, { verifiesTokens: false });
  const pipeline = await sqlPipeline(deps);
  return { logger: deps.logger, run: approvalTaskRunner(pipeline, deps.approvals) };
};

const refuseTokens: IdentityVerifier = {
  verify: async () => {
    throw new UnauthenticatedError();
  },
};

const awsSqlDeps = async (env: Env, options = { verifiesTokens: true }): Promise<SqlPipelineDeps> => {
  const { logger, metrics } = lambdaObservability(env);
  // The SQL function traces its AWS calls (DynamoDB, Secrets Manager) and its handler.
  const tracer = sharedTracer();
  const tableName = required(env, 'TOLLGATE_TABLE');
  const maskingKeyArn = required(env, 'TOLLGATE_MASKING_KEY_SECRET_ARN');
  const maxBodyBytes = maxBodyBytesFrom(env);
  const client = DynamoDBDocumentClient.from(traceAwsClient(new DynamoDBClient({}), tracer));
  const secrets = traceAwsClient(new SecretsManagerClient({}), tracer);
  const credentials = new SecretsManagerCredentials(secrets);
  /** A connection's secret (RDS JSON format); on AWS every target is a Secrets Manager ARN. */
  const secretOf = async (connection: Connection) => {
    if (!('secretArn' in connection.target)) {
      throw new Error(`connection ${connection.name}: on AWS a target must be a Secrets Manager ARN`);
    }
    const { host, port, user, password, database } = await credentials.get(connection.target.secretArn);
    return { host, port, user, password, database };
  };
  let identity = refuseTokens;
  if (options.verifiesTokens) {
    const verifier = createJwtIdentityVerifier(identityConfigFromEnv(env), logger);
    // The signing keys are fetched at cold start; if that fails, the first token fetches them.
    await verifier.hydrate().catch((error: unknown) =>
      logger.warn('JWKS not loaded at start; fetched at the first token', {
        error: error instanceof Error ? error.message : 'unknown',
      }),
    );
    identity = verifier;
  }
  return {
    approvals: awsApprovals(env, client, tableName, tracer, logger),
    metrics,
    middlewares: observabilityMiddlewares({ logger, metrics, tracer }),
    // Read on the first result to mask, then cached; if it cannot be read, results are withheld.
    maskingKey: async () => {
      const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: maskingKeyArn }));
      if (!SecretString) throw new Error('the masking key secret is empty');
      return SecretString;
    },
    identity,
    // Pushed versions from the table (`tollgate connection push`); before the first push, the
    // connections the stack declared (TOLLGATE_CONNECTIONS).
    connections: storedConnections({
      client,
      tableName,
      fallback: connectionsFromEnv(env),
      aws: true,
      logger,
      ttlMs: 30_000,
    }),
    // Pushed versions from the table; before the first push, the policy folder shipped beside
    // the bundle (lib/constructs/gateway-function.ts copies it).
    policies: storedPolicies({
      client,
      tableName,
      policyDir: env.TOLLGATE_POLICY_DIR || bundledPolicyDir(),
      logger,
      ttlMs: 30_000,
    }),
    // One request at a time per Lambda environment: one connection per pool. TLS is verified
    // against Node's CAs plus NODE_EXTRA_CA_CERTS (the runtime's bundle, RDS CAs included). One
    // executor per connection and target: a push that moves a connection gets fresh pools.
    executors: {
      postgres: async () => {
        const { PostgresExecutor } = await import('../adapters/targets/postgres-executor.js');
        return perTargetExecutor(
          () =>
            new PostgresExecutor({
              maxPoolSize: 1,
              resolve: async (connection) => ({ ...(await secretOf(connection)), ssl: true }),
            }),
        );
      },
      mysql: async () => {
        const { MysqlExecutor } = await import('../adapters/targets/mysql-executor.js');
        return perTargetExecutor(
          () =>
            new MysqlExecutor({
              maxPoolSize: 1,
              resolve: async (connection) => ({
                ...(await secretOf(connection)),
                ssl: { rejectUnauthorized: true },
              }),
            }),
        );
      },
    },
    sessions: new DynamoDbSessionStore({ client, tableName }),
    ledger: new DynamoDbArchiveLedger({ client, tableName }),
    // The API function starts evidence exports; the approval executor never does.
    ...(options.verifiesTokens
      ? {
          exports: {
            jobs: new DynamoDbExportJobStore({ client, tableName }),
            files: new S3ExportFiles({
              client: traceAwsClient(new S3Client({}), tracer),
              bucket: required(env, 'TOLLGATE_RECORDINGS_BUCKET'),
            }),
            runner: new LambdaExportRunner({
              client: traceAwsClient(new LambdaClient({}), tracer),
              functionName: required(env, 'TOLLGATE_ARCHIVER_FUNCTION'),
            }),
          },
        }
      : {}),
    logger,
    maxBodyBytes,
  };
};
