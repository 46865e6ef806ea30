// Composition root for AWS Lambda: reads the environment once per cold start, creates SDK
// clients once, and builds the handler a function needs. The SQL function's root is aws-sql.ts,
// so the other functions do not load the SQL parser and the policy engine. Environment variables
// are set by the CDK stack (lib/tollgate-stack.ts); docs/configuration.md lists them.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSessionStore } from '../adapters/aws/dynamodb-session-store.js';
import { S3RecordingArchive } from '../adapters/aws/s3-recording-archive.js';
import type { IdentityConfig } from '../adapters/identity/jwt-identity-verifier.js';
import { createJsonLogger } from '../adapters/logging/json-logger.js';
import { connectionsSchema } from '../core/config/connection.js';
import { buildArchiverHandler, buildFallbackHandler, buildHealthHandler } from './gateway.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const required = (env: Env, name: string): string => {
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

export const logger = createJsonLogger({ base: { service: 'tollgate' } });

let client: DynamoDBDocumentClient | undefined;
/** One DynamoDB client per cold start, shared by the stores. */
export const documentClient = () => {
  client ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return client;
};

export const sessionStore = (env: Env) =>
  new DynamoDbSessionStore({ client: documentClient(), tableName: required(env, 'TOLLGATE_TABLE') });

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
