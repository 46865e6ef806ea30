// The SQL route, assembled from adapters: shared by the Lambda and local composition roots.

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbConnectionStore } from '../adapters/aws/dynamodb-connection-store.js';
import { DynamoDbPolicyStore } from '../adapters/aws/dynamodb-policy-store.js';
import { compilePolicyFolder } from '../adapters/config/policy-files.js';
import type { Connection } from '../core/config/connection.js';
import { type StoredConnectionStore, storedConnectionStore } from '../core/config/stored-connection-store.js';
import { CatalogCache, cachedKey } from '../core/masking/mask-output.js';
import { storedPolicyProvider } from '../core/policy/stored-policy-provider.js';
import type {
  Clock,
  ConnectionStore,
  IdentityVerifier,
  IdGenerator,
  Logger,
  PolicyProvider,
  SessionStore,
  TargetExecutor,
} from '../core/ports.js';
import { SessionRecorder } from '../core/recording/session-recorder.js';
import { mysqlAnalyzer } from '../core/sql/analyze-mysql.js';
import { postgresAnalyzer } from '../core/sql/analyze-postgres.js';
import { createSqlHandler } from '../handlers/sql-handler.js';
import { randomIds, systemClock } from './gateway.js';

export interface SqlRouteDeps {
  readonly identity: IdentityVerifier;
  readonly connections: ConnectionStore;
  readonly policies: PolicyProvider;
  readonly executors: Readonly<Partial<Record<'postgres' | 'mysql', TargetExecutor>>>;
  readonly sessions: SessionStore;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** Key of the deterministic masking tokens, fetched on first use. */
  readonly maskingKey: () => Promise<Uint8Array | string>;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
}

/**
 * Policies in force: the active version pushed to the table (`tollgate policy push`), or, before
 * the first push, the policy folder (the default pack). Re-read at most every `ttlMs`.
 */
export const storedPolicies = (options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  policyDir: string;
  logger: Logger;
  ttlMs: number;
}): PolicyProvider =>
  storedPolicyProvider({
    store: new DynamoDbPolicyStore({ client: options.client, tableName: options.tableName }),
    fallback: compilePolicyFolder(options.policyDir),
    clock: systemClock,
    logger: options.logger,
    ttlMs: options.ttlMs,
  });

/**
 * Connections in force: the active version pushed to the table (`tollgate connection push`), or,
 * before the first push, `fallback` (tollgate.yaml, TOLLGATE_CONNECTIONS). Re-read at most every
 * `ttlMs`. With `aws`, a stored version must also pass the AWS rules (Secrets Manager targets).
 */
export const storedConnections = (options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  fallback: readonly Connection[];
  aws: boolean;
  logger: Logger;
  ttlMs: number;
}): StoredConnectionStore =>
  storedConnectionStore({
    store: new DynamoDbConnectionStore({ client: options.client, tableName: options.tableName }),
    fallback: options.fallback,
    rules: { aws: options.aws },
    clock: systemClock,
    logger: options.logger,
    ttlMs: options.ttlMs,
  });

/** The SQL route's handler. Loads the SQL parsers first (once per process). */
export const buildSqlHandler = async (deps: SqlRouteDeps) => {
  await postgresAnalyzer.load();
  return createSqlHandler({
    ...deps,
    analyzers: { postgres: postgresAnalyzer, mysql: mysqlAnalyzer },
    recorder: new SessionRecorder(deps.sessions),
    masking: { tokenKey: cachedKey(deps.maskingKey), catalogs: new CatalogCache(deps.clock ?? systemClock) },
    clock: deps.clock ?? systemClock,
    ids: deps.ids ?? randomIds,
  });
};
