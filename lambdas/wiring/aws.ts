// Composition root for AWS Lambda: reads the environment once per cold start, creates SDK
// clients once, and builds the handler a function needs. Environment variables are set by the
// CDK stack (lib/tollgate-stack.ts); docs/configuration.md lists them.

import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSessionStore } from '../adapters/aws/dynamodb-session-store.js';
import { S3RecordingArchive } from '../adapters/aws/s3-recording-archive.js';
import { SecretsManagerCredentials } from '../adapters/aws/secrets-manager-credentials.js';
import { compilePolicyFolder } from '../adapters/config/policy-files.js';
import { staticConnectionStore } from '../adapters/config/static-connection-store.js';
import {
  createJwtIdentityVerifier,
  type IdentityConfig,
} from '../adapters/identity/jwt-identity-verifier.js';
import { createJsonLogger } from '../adapters/logging/json-logger.js';
import { PostgresExecutor } from '../adapters/targets/postgres-executor.js';
import { connectionsSchema } from '../core/config/connection.js';
import { createCedarPolicyEngine } from '../core/policy/cedar-policy-engine.js';
import { staticPolicyProvider } from '../core/policy/static-policy-provider.js';
import {
  buildArchiverHandler,
  buildFallbackHandler,
  buildHealthHandler,
  buildSqlHandler,
} from './gateway.js';

type Env = Readonly<Record<string, string | undefined>>;

const bundledPolicyDir = () => fileURLToPath(new URL('./policies', import.meta.url));

const required = (env: Env, name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`Environment variable ${name} is required`);
  return value;
};

export const identityConfigFromEnv = (env: Env): IdentityConfig => {
  const groupsClaim = env.TOLLGATE_GROUPS_CLAIM || 'groups';
  if (env.TOLLGATE_COGNITO_USER_POOL_ID) {
    return {
      kind: 'cognito',
      userPoolId: env.TOLLGATE_COGNITO_USER_POOL_ID,
      clientId: required(env, 'TOLLGATE_COGNITO_CLIENT_ID'),
      groupsClaim: env.TOLLGATE_GROUPS_CLAIM || 'cognito:groups',
    };
  }
  return {
    kind: 'oidc',
    issuer: required(env, 'TOLLGATE_ISSUER'),
    audience: required(env, 'TOLLGATE_AUDIENCE'),
    jwksUri: required(env, 'TOLLGATE_JWKS_URI'),
    groupsClaim,
  };
};

export const connectionsFromEnv = (env: Env) => {
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

const logger = createJsonLogger({ base: { service: 'tollgate' } });

const sessionStore = (env: Env) =>
  new DynamoDbSessionStore({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    tableName: required(env, 'TOLLGATE_TABLE'),
  });

export const awsSqlHandler = (env: Env) => {
  const credentials = new SecretsManagerCredentials(new SecretsManagerClient({}));
  const executor = new PostgresExecutor({
    maxPoolSize: 1, // one request at a time per Lambda environment
    resolve: async (connection) => {
      if (!('secretArn' in connection.target)) {
        throw new Error(`connection ${connection.name}: on AWS a target must be a Secrets Manager ARN`);
      }
      const c = await credentials.get(connection.target.secretArn);
      // TLS to the database, verified against Node's CAs plus NODE_EXTRA_CA_CERTS (e.g. the RDS bundle).
      return {
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        database: c.database,
        ssl: true,
      };
    },
  });
  return buildSqlHandler({
    identity: createJwtIdentityVerifier(identityConfigFromEnv(env), logger),
    connections: staticConnectionStore(connectionsFromEnv(env)),
    // The policy folder ships beside the bundle (lib/constructs/gateway-function.ts copies it).
    policies: staticPolicyProvider(
      createCedarPolicyEngine(compilePolicyFolder(env.TOLLGATE_POLICY_DIR || bundledPolicyDir())),
    ),
    executors: { postgres: executor },
    sessions: sessionStore(env),
    logger,
    maxBodyBytes: Number(env.TOLLGATE_MAX_BODY_BYTES || 262_144),
  });
};

export const awsHealthHandler = () => buildHealthHandler(logger);
export const awsFallbackHandler = () => buildFallbackHandler(logger);
export const awsArchiverHandler = (env: Env) =>
  buildArchiverHandler({
    sessions: sessionStore(env),
    archive: new S3RecordingArchive({
      client: new S3Client({}),
      bucket: required(env, 'TOLLGATE_RECORDINGS_BUCKET'),
    }),
    logger,
  });
