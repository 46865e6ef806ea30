// Composition root of the SQL function on AWS Lambda: parsers, the Cedar engine with the policy
// folder bundled beside the function, Secrets Manager credentials, PostgreSQL.
import { fileURLToPath } from 'node:url';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerCredentials } from '../adapters/aws/secrets-manager-credentials.js';
import { createJwtIdentityVerifier } from '../adapters/identity/jwt-identity-verifier.js';
import { MysqlExecutor, type MysqlExecutorOptions } from '../adapters/targets/mysql-executor.js';
import { perTargetExecutor } from '../adapters/targets/per-target-executor.js';
import { PostgresExecutor, type PostgresExecutorOptions } from '../adapters/targets/postgres-executor.js';
import type { Connection } from '../core/config/connection.js';
import {
  connectionsFromEnv,
  documentClient,
  type Env,
  identityConfigFromEnv,
  logger,
  required,
  sessionStore,
} from './aws.js';
import { buildSqlHandler, storedConnections, storedPolicies } from './sql-route.js';

const bundledPolicyDir = () => fileURLToPath(new URL('./policies', import.meta.url));

export const awsSqlHandler = async (env: Env) => {
  const credentials = new SecretsManagerCredentials(new SecretsManagerClient({}));
  /** A connection's secret (RDS JSON format); on AWS every target is a Secrets Manager ARN. */
  const secretOf = async (connection: Connection) => {
    if (!('secretArn' in connection.target)) {
      throw new Error(`connection ${connection.name}: on AWS a target must be a Secrets Manager ARN`);
    }
    const { host, port, user, password, database } = await credentials.get(connection.target.secretArn);
    return { host, port, user, password, database };
  };
  // One request at a time per Lambda environment: one connection per pool. TLS is verified
  // against Node's CAs plus NODE_EXTRA_CA_CERTS (the runtime's bundle, RDS CAs included).
  const postgres: PostgresExecutorOptions = {
    maxPoolSize: 1,
    resolve: async (connection) => ({ ...(await secretOf(connection)), ssl: true }),
  };
  const mysql: MysqlExecutorOptions = {
    maxPoolSize: 1,
    resolve: async (connection) => ({ ...(await secretOf(connection)), ssl: { rejectUnauthorized: true } }),
  };
  // One executor per connection and target: a push that moves a connection gets fresh pools.
  const executors = {
    postgres: perTargetExecutor(() => new PostgresExecutor(postgres)),
    mysql: perTargetExecutor(() => new MysqlExecutor(mysql)),
  };
  const secrets = new SecretsManagerClient({});
  const maskingKeyArn = required(env, 'TOLLGATE_MASKING_KEY_SECRET_ARN');
  return buildSqlHandler({
    // Read on the first result to mask, then cached; if it cannot be read, results are withheld.
    maskingKey: async () => {
      const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: maskingKeyArn }));
      if (!SecretString) throw new Error('the masking key secret is empty');
      return SecretString;
    },
    identity: createJwtIdentityVerifier(identityConfigFromEnv(env), logger),
    // Pushed versions from the table (`tollgate connection push`); before the first push, the
    // connections the stack declared (TOLLGATE_CONNECTIONS).
    connections: storedConnections({
      client: documentClient(),
      tableName: required(env, 'TOLLGATE_TABLE'),
      fallback: connectionsFromEnv(env),
      aws: true,
      logger,
      ttlMs: 30_000,
    }),
    // Pushed versions from the table; before the first push, the policy folder shipped beside
    // the bundle (lib/constructs/gateway-function.ts copies it).
    policies: storedPolicies({
      client: documentClient(),
      tableName: required(env, 'TOLLGATE_TABLE'),
      policyDir: env.TOLLGATE_POLICY_DIR || bundledPolicyDir(),
      logger,
      ttlMs: 30_000,
    }),
    executors,
    sessions: sessionStore(env),
    logger,
    maxBodyBytes: Number(env.TOLLGATE_MAX_BODY_BYTES || 262_144),
  });
};
