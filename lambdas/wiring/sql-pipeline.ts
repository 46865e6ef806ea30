// The SQL function's pipeline, assembled from adapters: shared by the Lambda and local composition
// roots, so both serve the same routes with the same core. The MySQL parts (its grammar, its
// driver) load only when a MySQL connection is first asked for.

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDbConnectionStore } from '../adapters/aws/dynamodb-connection-store.js';
import { DynamoDbPolicyStore } from '../adapters/aws/dynamodb-policy-store.js';
import { compilePolicyFolder } from '../adapters/config/policy-files.js';
import { jitteredBackoff } from '../adapters/timing/backoff.js';
import type { ApprovalDeps } from '../core/approval/deps.js';
import { runApprovalTask } from '../core/approval/tasks.js';
import type { ApprovalTask } from '../core/approval/workflow-definition.js';
import { writeConnections } from '../core/approval/write-connections.js';
import type { Connection } from '../core/config/connection.js';
import { type StoredConnectionStore, storedConnectionStore } from '../core/config/stored-connection-store.js';
import { cachedKey } from '../core/masking/mask-output.js';
import type { PipelineDeps } from '../core/pipeline/admit.js';
import { storedPolicyProvider } from '../core/policy/stored-policy-provider.js';
import type {
  ArchiveLedger,
  Clock,
  ConnectionStore,
  ExportFiles,
  ExportJobStore,
  ExportRunner,
  IdentityVerifier,
  IdGenerator,
  Logger,
  Metrics,
  PolicyProvider,
  SessionStore,
} from '../core/ports.js';
import { protocolUnits } from '../core/protocols/protocol-unit.js';
import { createSqlUnit } from '../core/protocols/sql/sql-unit.js';
import { SessionRecorder } from '../core/recording/session-recorder.js';
import { RelationResolver } from '../core/sql/relation-resolver.js';
import type { SqlExecutor } from '../core/sql/sql-executor.js';
import { createApprovalsHandler } from '../handlers/approvals-handler.js';
import { createConnectionsHandler } from '../handlers/connections-handler.js';
import { createEvidenceHandler } from '../handlers/evidence-handler.js';
import { createSessionsHandler } from '../handlers/sessions-handler.js';
import { createSqlHandler } from '../handlers/sql-handler.js';
import { randomIds, systemClock } from './runtime.js';

type Middleware = middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

export interface SqlPipelineDeps {
  readonly identity: IdentityVerifier;
  readonly connections: ConnectionStore;
  readonly policies: PolicyProvider;
  /** The executor of each SQL kind, created on first use. */
  readonly executors: {
    readonly postgres: () => Promise<SqlExecutor>;
    readonly mysql: () => Promise<SqlExecutor>;
  };
  readonly sessions: SessionStore;
  /** The archive's ledger: its session index answers `GET /v1/sessions`. */
  readonly ledger: ArchiveLedger;
  /** Evidence export jobs: where they are kept, where bundles go, what runs them. */
  readonly exports?: {
    readonly jobs: ExportJobStore;
    readonly files: ExportFiles;
    readonly runner: ExportRunner;
  };
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** Key of the deterministic masking tokens, fetched on first use. */
  readonly maskingKey: () => Promise<Uint8Array | string>;
  readonly middlewares?: readonly Middleware[];
  readonly metrics?: Metrics;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  /** Holding requests for approval (the store, the sealer, the workflow, the events). */
  readonly approvals: ApprovalDeps;
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

/** The pipeline's dependencies: the SQL units loaded lazily, by kind. */
export const sqlPipeline = async (deps: SqlPipelineDeps): Promise<PipelineDeps> => {
  const clock = deps.clock ?? systemClock;
  const resolver = new RelationResolver(clock);
  const tokenKey = cachedKey(deps.maskingKey);
  // PostgreSQL's grammar loads at cold start: most requests need it, and its WASM takes ~50 ms.
  const { postgresAnalyzer } = await import('../core/sql/analyze-postgres.js');
  await postgresAnalyzer.load();
  const units = protocolUnits({
    postgres: async () =>
      createSqlUnit({
        kind: 'postgres',
        analyzer: postgresAnalyzer,
        executor: await deps.executors.postgres(),
        resolver,
        tokenKey,
      }),
    mysql: async () => {
      const { mysqlAnalyzer } = await import('../core/sql/analyze-mysql.js');
      await mysqlAnalyzer.load();
      return createSqlUnit({
        kind: 'mysql',
        analyzer: mysqlAnalyzer,
        executor: await deps.executors.mysql(),
        resolver,
        tokenKey,
      });
    },
  });
  return {
    identity: deps.identity,
    connections: deps.connections,
    policies: deps.policies,
    units,
    recorder: new SessionRecorder(deps.sessions, { backoff: jitteredBackoff }),
    clock,
    ids: deps.ids ?? randomIds,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    approvals: deps.approvals,
    // The recorded digests of exact SQL are keyed with the masking key: nobody without it can
    // guess a masked value back from its digest.
    digestKey: tokenKey,
  };
};

/**
 * The approval workflow's tasks on a pipeline: the executor sees every connection with its
 * write credential (`writeTarget`) in place of its read one.
 */
export const approvalTaskRunner = (pipeline: PipelineDeps, approvals: ApprovalDeps) => {
  const writer: PipelineDeps = { ...pipeline, connections: writeConnections(pipeline.connections) };
  return (task: ApprovalTask) => runApprovalTask(writer, approvals, task);
};

/** The SQL function's routes: the SQL route, discovery, the approval and recording routes, on one pipeline. */
export const buildSqlRoutes = async (deps: SqlPipelineDeps) => {
  const pipeline = await sqlPipeline(deps);
  const common = {
    ...pipeline,
    logger: deps.logger,
    ...(deps.middlewares ? { middlewares: deps.middlewares } : {}),
  };
  return {
    pipeline,
    sql: createSqlHandler({ ...common, maxBodyBytes: deps.maxBodyBytes }),
    connections: createConnectionsHandler(common),
    approvals: createApprovalsHandler({
      ...common,
      approvals: deps.approvals,
      maxBodyBytes: deps.maxBodyBytes,
    }),
    sessions: createSessionsHandler({
      ...common,
      sessions: deps.sessions,
      ledger: deps.ledger,
    }),
    evidence: deps.exports
      ? createEvidenceHandler({ ...common, ...deps.exports, maxBodyBytes: deps.maxBodyBytes })
      : undefined,
  };
};
