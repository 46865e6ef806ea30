// Composition root of the SQL function on AWS Lambda: parsers, the Cedar engine with the policy
// folder bundled beside the function, Secrets Manager credentials, PostgreSQL.
import { fileURLToPath } from 'node:url';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerCredentials } from '../adapters/aws/secrets-manager-credentials.js';
import { staticConnectionStore } from '../adapters/config/static-connection-store.js';
import { createJwtIdentityVerifier } from '../adapters/identity/jwt-identity-verifier.js';
import { PostgresExecutor } from '../adapters/targets/postgres-executor.js';
import {
  connectionsFromEnv,
  documentClient,
  type Env,
  identityConfigFromEnv,
  logger,
  required,
  sessionStore,
} from './aws.js';
import { buildSqlHandler, storedPolicies } from './sql-route.js';

const bundledPolicyDir = () => fileURLToPath(new URL('./policies', import.meta.url));

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
    // Pushed versions from the table; before the first push, the policy folder shipped beside
    // the bundle (lib/constructs/gateway-function.ts copies it).
    policies: storedPolicies({
      client: documentClient(),
      tableName: required(env, 'TOLLGATE_TABLE'),
      policyDir: env.TOLLGATE_POLICY_DIR || bundledPolicyDir(),
      logger,
      ttlMs: 30_000,
    }),
    executors: { postgres: executor },
    sessions: sessionStore(env),
    logger,
    maxBodyBytes: Number(env.TOLLGATE_MAX_BODY_BYTES || 262_144),
  });
};
