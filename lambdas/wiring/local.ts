// Composition root for local mode: one process, no Docker, no AWS. The AWS adapters run against
// wire-compatible stand-ins (dynalite, s3rver); identity comes from the development issuer;
// the demo database is real PostgreSQL (PGlite) behind a socket.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parse } from 'yaml';
import { DynamoDbApprovalStore } from '../adapters/aws/dynamodb-approval-store.js';
import { DynamoDbArchiveLedger } from '../adapters/aws/dynamodb-archive-ledger.js';
import { DynamoDbConnectionStore } from '../adapters/aws/dynamodb-connection-store.js';
import { DynamoDbExportJobStore } from '../adapters/aws/dynamodb-export-job-store.js';
import { DynamoDbPolicyStore } from '../adapters/aws/dynamodb-policy-store.js';
import { DynamoDbSessionStore } from '../adapters/aws/dynamodb-session-store.js';
import { S3ExportFiles } from '../adapters/aws/s3-export-files.js';
import { S3RecordingArchive } from '../adapters/aws/s3-recording-archive.js';
import {
  createJwtIdentityVerifier,
  type IdentityConfig,
} from '../adapters/identity/jwt-identity-verifier.js';
import {
  ENDPOINTS_FILE,
  ensureBucket,
  ensureTable,
  LOCAL_BUCKET,
  LOCAL_TABLE,
  localDynamoDbClient,
  localS3Client,
  startDynalite,
  startS3rver,
} from '../adapters/local/aws-stand-ins.js';
import { acquireDataDirLock } from '../adapters/local/data-dir-lock.js';
import { startDemoPostgres } from '../adapters/local/demo-postgres.js';
import { LOCAL_AUDIENCE, LOCAL_GROUPS_CLAIM, loadDevIssuer } from '../adapters/local/dev-issuer.js';
import { LocalApprovalWorkflow } from '../adapters/local/local-approval-workflow.js';
import { createLocalArchiver } from '../adapters/local/local-archiver.js';
import { LocalSealer, loadOrCreateSealingKey } from '../adapters/local/local-sealer.js';
import { LocalSigner, loadOrCreateSigningKey, SIGNING_KEY_FILE } from '../adapters/local/local-signer.js';
import { fanOutPublisher } from '../adapters/notifications/fan-out-publisher.js';
import { WebhookPublisher } from '../adapters/notifications/webhook-publisher.js';
import type { FlushableMetrics } from '../adapters/observability/emf-metrics.js';
import {
  inInvocationScope,
  observabilityMiddlewares,
} from '../adapters/observability/observability-middlewares.js';
import type { ObservedLogger } from '../adapters/observability/powertools-logger.js';
import { type ClosableExecutor, perTargetExecutor } from '../adapters/targets/per-target-executor.js';
import type { PostgresExecutorOptions } from '../adapters/targets/postgres-executor.js';
import { pause } from '../adapters/timing/backoff.js';
import type { ApprovalDeps } from '../core/approval/deps.js';
import { type ApprovalTask, approvalWorkflowDefinition } from '../core/approval/workflow-definition.js';
import type { Connection } from '../core/config/connection.js';
import { CONFIG_AUDIT_SESSION } from '../core/config/versioned-push.js';
import { type ExportWorkDeps, runExportJob } from '../core/evidence/exports.js';
import type { EventPublisher, ExportRunner, Logger } from '../core/ports.js';
import type { CheckpointRun } from '../core/recording/checkpoint.js';
import { ACCESS_AUDIT_SESSION } from '../core/recording/events.js';
import { createFallbackHandler } from '../handlers/fallback-handler.js';
import { createHealthHandler } from '../handlers/health-handler.js';
import { createOpenApiHandler } from '../handlers/openapi-handler.js';
import { createLocalServer, type HttpHandler } from '../local/server.js';
import { loadLocalConfig } from './local-config.js';
import { randomIds, systemClock, VERSION } from './runtime.js';
import {
  approvalTaskRunner,
  buildSqlRoutes,
  type SqlPipelineDeps,
  sqlPipeline,
  storedConnections,
  storedPolicies,
} from './sql-pipeline.js';

export { LOCAL_BUCKET, LOCAL_TABLE } from '../adapters/local/aws-stand-ins.js';

/** The API description served at /openapi.json (the repository's openapi.yaml). */
const OPENAPI_FILE = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

export interface LocalGatewayOptions {
  readonly dataDir: string;
  readonly configFile: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly logger: Logger;
  /**
   * Logs with per-request keys and EMF metrics, as on Lambda (`tollgate start` passes the
   * Powertools logger): the same middlewares, each request in its own invocation scope.
   * @default - the plain logger, no metrics
   */
  readonly observability?: { readonly logger: ObservedLogger; readonly metrics: FlushableMetrics };
  /** Seed for `target: { demo: true }` connections. */
  readonly demoSeedFile?: string;
  /** How often sessions are archived to the S3 stand-in. */
  readonly archiveIntervalMs?: number;
  /** How often a signed checkpoint is written over what was archived. */
  readonly checkpointIntervalMs?: number;
  /** The Cedar policy folder (`*.cedar` + `tollgate.cedarschema`); default `./policies`. */
  readonly policyDir?: string;
  /** Environment for `urlEnv` targets. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LocalGateway {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The connections served at start (the active pushed version, else tollgate.yaml's). */
  readonly connections: readonly Connection[];
  /** Version of the connection list in force: `v<N>`, or `connections:<digest>` of tollgate.yaml's. */
  connectionVersion(): Promise<string>;
  /** Version of the policy set in force. */
  policyVersion(): Promise<string>;
  /** Archives all pending session events now. */
  flushRecordings(): Promise<void>;
  /** Archives, then writes a signed checkpoint now (even over nothing new). */
  checkpoint(): Promise<CheckpointRun>;
  /** Endpoints of the stand-ins, for inspection and tests. */
  readonly endpoints: { dynamodb: string; s3: string; demoPostgres: string | undefined };
  stop(): Promise<void>;
}

/** The function name the local engine's task states carry (it calls the task code in-process). */
const LOCAL_APPROVAL_TASKS_ARN =
  'arn:aws:lambda:us-east-1:000000000000:function:tollgate-local-approval-tasks';

/** Approval events in the log: what happened to which approval (no request text). */
const logPublisher = (logger: Logger): EventPublisher => ({
  publish: async (event) =>
    logger.info('approval event', {
      type: event.type,
      approvalId: event.approvalId,
      requestId: event.requestId,
      connection: event.connection,
      status: event.status,
    }),
});

/**
 * Restarts the workflow of every approval still waiting, for the rest of its TTL; one past its
 * expiry is expired now. An approved one whose execution was lost is left to expire: it did not
 * start running (a started one is `executing`), and running it late is not what was approved.
 */
const resumeOpenApprovals = async (
  store: DynamoDbApprovalStore,
  workflow: LocalApprovalWorkflow,
  runTask: (task: ApprovalTask) => Promise<unknown>,
  logger: Logger,
): Promise<void> => {
  const now = Date.now();
  for (const status of ['pending_approval', 'approved', 'executing'] as const) {
    for (const record of await store.list(status, 1000)) {
      const left = Math.floor((Date.parse(record.expiresAt) - now) / 1000);
      try {
        if (status === 'executing')
          await runTask({ task: 'fail', approvalId: record.approvalId, error: 'GatewayRestarted' });
        else if (status === 'approved' || left < 1)
          await runTask({ task: 'expire', approvalId: record.approvalId });
        else {
          // The last process's task token names a task that is gone: the new one stores its own.
          await store.saveTaskToken(record.approvalId, '');
          await workflow.start({ approvalId: record.approvalId, ttlSeconds: left });
        }
      } catch (error) {
        logger.error('approval not resumed', {
          approvalId: record.approvalId,
          error: error instanceof Error ? error.message : 'unknown',
        });
      }
    }
  }
};

/** The local masking key: 32 random bytes generated once into the data dir (mode 0600). */
const loadOrCreateKey = (file: string): Uint8Array => {
  if (!existsSync(file)) writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  return readFileSync(file);
};

export const startLocalGateway = async (options: LocalGatewayOptions): Promise<LocalGateway> => {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const { logger } = options;
  const config = loadLocalConfig(options.configFile);
  // One gateway per data dir: a second one exits with a message naming the first (pid), before
  // it touches the stand-ins' files.
  const lock = acquireDataDirLock(dataDir);
  const stops: Array<() => Promise<void>> = [async () => lock.release()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };

  try {
    const [dynamo, s3] = await Promise.all([
      startDynalite(join(dataDir, 'dynamodb')),
      startS3rver(join(dataDir, 's3')),
    ]);
    stops.push(dynamo.stop, s3.stop);
    const dynamoClient = localDynamoDbClient(dynamo.endpoint);
    const s3Client = localS3Client(s3.endpoint);
    await Promise.all([ensureTable(dynamoClient, LOCAL_TABLE), ensureBucket(s3Client, LOCAL_BUCKET)]);
    // dynalite holds its folder's lock: the CLI (`tollgate policy push`, `tollgate evidence export`)
    // reaches the stand-ins over HTTP instead.
    const endpointsFile = join(dataDir, ENDPOINTS_FILE);
    writeFileSync(endpointsFile, JSON.stringify({ dynamodb: dynamo.endpoint, s3: s3.endpoint }), {
      mode: 0o600,
    });
    stops.push(async () => rmSync(endpointsFile, { force: true }));

    // Pushed versions (`tollgate connection push`) take effect within 2 s; before any, the file's.
    const connections = storedConnections({
      client: DynamoDBDocumentClient.from(dynamoClient),
      tableName: LOCAL_TABLE,
      fallback: config.connections,
      aws: false,
      logger,
      ttlMs: 2000,
    });
    const served = (await connections.current().catch(() => undefined))?.connections ?? config.connections;

    // The demo database runs when the file or the served version has a demo connection.
    const demo = [...config.connections, ...served].some((c) => 'demo' in c.target)
      ? await startDemoPostgres({
          dataDir: join(dataDir, 'demo-postgres'),
          seedFile: options.demoSeedFile ?? resolve('db/seed/demo-postgres.sql'),
          // A statement over its timeout replaces the demo's worker: say so in the log.
          onEvent: (event) => {
            if (event.type === 'worker-stopped')
              logger.warn('demo database worker replaced', { reason: event.reason });
            if (event.type === 'worker-failed')
              logger.error('demo database did not restart', { error: event.message });
          },
        })
      : undefined;
    if (demo) stops.push(demo.stop);

    /** The URL of a connection's target in local mode; credentials never leave the adapters. */
    const targetUrl = (connection: Connection): string => {
      const target = connection.target;
      if ('url' in target) return target.url;
      if ('urlEnv' in target) {
        const url = options.env?.[target.urlEnv];
        if (!url) throw new Error(`environment variable ${target.urlEnv} is not set`);
        return url;
      }
      if ('demo' in target && demo && connection.kind === 'postgres')
        return target.role === 'writer' ? demo.writerUrl : demo.url;
      if ('demo' in target) {
        throw new Error(
          `connection ${connection.name}: the demo database is PostgreSQL and runs only when a demo connection is served at start`,
        );
      }
      throw new Error(`connection ${connection.name}: Secrets Manager targets need AWS`);
    };
    const postgres: PostgresExecutorOptions = {
      resolve: async (connection) =>
        // PGlite has one backend session shared by all sockets: one connection at a time.
        'demo' in connection.target
          ? { connectionString: targetUrl(connection), max: 1 }
          : { connectionString: targetUrl(connection) },
    };
    // One executor per connection and target: a push that moves a connection gets fresh pools.
    // Each kind's driver loads on first use, as on Lambda.
    const opened: ClosableExecutor[] = [];
    const opening = <T extends ClosableExecutor>(create: () => Promise<T>) => {
      let executor: Promise<T> | undefined;
      return () => {
        executor ??= create().then((e) => {
          opened.push(e);
          return e;
        });
        return executor;
      };
    };
    const sqlExecutors = () => ({
      postgres: opening(async () => {
        const { PostgresExecutor } = await import('../adapters/targets/postgres-executor.js');
        return perTargetExecutor(() => new PostgresExecutor(postgres));
      }),
      mysql: opening(async () => {
        const { MysqlExecutor } = await import('../adapters/targets/mysql-executor.js');
        return perTargetExecutor(() => new MysqlExecutor({ resolve: async (c) => ({ uri: targetUrl(c) }) }));
      }),
    });
    const executors = sqlExecutors();
    const closeExecutors = async () => {
      await Promise.all(opened.splice(0).map((e) => e.close()));
    };
    stops.push(closeExecutors);

    const signer = new LocalSigner(loadOrCreateSigningKey(join(dataDir, SIGNING_KEY_FILE)));
    const ledger = new DynamoDbArchiveLedger({
      client: DynamoDBDocumentClient.from(dynamoClient),
      tableName: LOCAL_TABLE,
    });
    const archiver = createLocalArchiver({
      sessions: new DynamoDbSessionStore({
        client: DynamoDBDocumentClient.from(dynamoClient),
        tableName: LOCAL_TABLE,
      }),
      archive: new S3RecordingArchive({ client: s3Client, bucket: LOCAL_BUCKET }),
      ledger,
      signer,
      clock: systemClock,
      ids: randomIds,
      logger,
      intervalMs: options.archiveIntervalMs ?? 2000,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 60_000,
      systemSessions: [CONFIG_AUDIT_SESSION, ACCESS_AUDIT_SESSION],
    });
    stops.push(() => archiver.stop());

    const { server, attach, drain } = createLocalServer({ maxBodyBytes: config.maxBodyBytes, logger });
    await new Promise<void>((ready, fail) => {
      server.once('error', fail);
      server.listen(options.port, host, () => ready());
    });
    stops.push(
      () =>
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;
    const url = `http://${host}:${port}`;

    // Only `start` creates the development issuer; `tollgate token` refuses without one.
    const issuer = loadDevIssuer(join(dataDir, 'issuer'), { create: true });
    const identity: IdentityConfig = config.identity
      ? { kind: 'oidc', ...config.identity }
      : {
          kind: 'oidc',
          issuer: issuer.issuer,
          audience: LOCAL_AUDIENCE,
          jwksUri: `${url}/.well-known/jwks.json`,
          groupsClaim: LOCAL_GROUPS_CLAIM,
          allowInsecureJwksUri: true,
        };

    // Pushed versions (`tollgate policy push`) take effect within 2 s; before any, the folder.
    const policyDir = options.policyDir ?? resolve('policies');
    const policies = storedPolicies({
      client: DynamoDBDocumentClient.from(dynamoClient),
      tableName: LOCAL_TABLE,
      policyDir,
      logger,
      ttlMs: 2000,
    });
    const verifier = createJwtIdentityVerifier(identity, logger);
    const observed = options.observability;
    const middlewares = observed ? observabilityMiddlewares(observed) : [];
    // Each request is its own invocation for the logger's keys: the local server runs them concurrently.
    const scoped = <H extends HttpHandler>(handler: H): HttpHandler =>
      observed ? inInvocationScope(observed.logger, handler) : handler;
    // Approvals: the stack's state machine definition run in this process, held requests sealed
    // with a key in the data dir, events to the log and the configured webhook.
    const approvalStore = new DynamoDbApprovalStore({
      client: DynamoDBDocumentClient.from(dynamoClient),
      tableName: LOCAL_TABLE,
    });
    let runTask: ((task: ApprovalTask) => Promise<unknown>) | undefined;
    const workflow = new LocalApprovalWorkflow({
      definition: approvalWorkflowDefinition(LOCAL_APPROVAL_TASKS_ARN),
      runTask: (task) => {
        if (!runTask) throw new Error('the gateway is not started');
        return runTask(task);
      },
      logger,
    });
    stops.push(async () => workflow.stop());
    const webhookUrl = config.notifications?.webhookUrl;
    const approvals: ApprovalDeps = {
      store: approvalStore,
      sealer: new LocalSealer(loadOrCreateSealingKey(join(dataDir, 'sealing-key'))),
      workflow,
      events: fanOutPublisher([
        logPublisher(logger),
        ...(webhookUrl
          ? [new WebhookPublisher({ url: webhookUrl, gatewayUrl: config.notifications?.gatewayUrl ?? url })]
          : []),
      ]),
      logger,
      pause,
    };
    // Evidence exports run in this process, as the archiver runs them on AWS, after archiving
    // what is pending and checkpointing now; bundles go to the S3 stand-in under exports/.
    const exportJobs = new DynamoDbExportJobStore({
      client: DynamoDBDocumentClient.from(dynamoClient),
      tableName: LOCAL_TABLE,
    });
    const exportFiles = new S3ExportFiles({ client: s3Client, bucket: LOCAL_BUCKET });
    const running = new Set<Promise<void>>();
    const exportWork: ExportWorkDeps = {
      jobs: exportJobs,
      files: exportFiles,
      archive: new S3RecordingArchive({ client: s3Client, bucket: LOCAL_BUCKET }),
      signer,
      config: {
        policies: new DynamoDbPolicyStore({
          client: DynamoDBDocumentClient.from(dynamoClient),
          tableName: LOCAL_TABLE,
        }),
        connections: new DynamoDbConnectionStore({
          client: DynamoDBDocumentClient.from(dynamoClient),
          tableName: LOCAL_TABLE,
        }),
      },
      clock: systemClock,
      beforeExport: async () => {
        await archiver.checkpoint({ force: true });
      },
    };
    const exportRunner: ExportRunner = {
      async start(exportId) {
        const run = runExportJob(exportWork, exportId).catch((error: unknown) => {
          logger.error('evidence export failed', { exportId, error: (error as Error).message });
        });
        running.add(run);
        void run.finally(() => running.delete(run));
      },
    };
    stops.push(async () => {
      await Promise.all(running);
    });
    const sqlDeps: SqlPipelineDeps = {
      approvals,
      exports: { jobs: exportJobs, files: exportFiles, runner: exportRunner },
      maskingKey: async () => loadOrCreateKey(join(dataDir, 'masking-key')),
      identity: verifier,
      connections,
      policies,
      executors,
      sessions: archiver.sessions,
      ledger,
      logger,
      maxBodyBytes: config.maxBodyBytes,
      middlewares,
      ...(observed ? { metrics: observed.metrics } : {}),
    };
    const routes = await buildSqlRoutes(sqlDeps);
    const { evidence } = routes;
    if (!evidence) throw new Error('the local gateway serves evidence exports');
    // The approval tasks run as the approval-tasks function does on AWS: executors of their own,
    // their connections' write credentials; one recorder, so a session's appends stay in order.
    const tasksPipeline = await sqlPipeline({ ...sqlDeps, executors: sqlExecutors() });
    runTask = approvalTaskRunner({ ...tasksPipeline, recorder: routes.pipeline.recorder }, approvals);
    // Executions lived in the last process: open approvals wait again for what is left of their
    // TTL, before any request or decision is taken.
    await resumeOpenApprovals(approvalStore, workflow, runTask, logger);
    attach({
      routes: {
        sql: scoped(routes.sql),
        connections: scoped(routes.connections),
        connection: scoped(routes.connections),
        request: scoped(routes.approvals),
        approvals: scoped(routes.approvals),
        approval: scoped(routes.approvals),
        approve: scoped(routes.approvals),
        deny: scoped(routes.approvals),
        sessions: scoped(routes.sessions),
        session: scoped(routes.sessions),
        exports: scoped(evidence),
        export: scoped(evidence),
        health: scoped(createHealthHandler({ logger, version: VERSION }).use(middlewares)),
        openapi: scoped(
          createOpenApiHandler({ logger, document: parse(readFileSync(OPENAPI_FILE, 'utf8')) }).use(
            middlewares,
          ),
        ),
      },
      fallback: scoped(createFallbackHandler({ logger }).use(middlewares)),
      jwks: issuer.jwks,
    });

    // The signing keys, fetched once the server serves them; a failure is logged and the first
    // token fetches them again.
    await verifier.hydrate().catch((error: unknown) =>
      logger.warn('JWKS not loaded at start; fetched at the first token', {
        error: error instanceof Error ? error.message : 'unknown',
      }),
    );

    return {
      url,
      port,
      dataDir,
      connections: served,
      connectionVersion: async () => (await connections.current()).version,
      policyVersion: async () => (await policies.current()).version,
      flushRecordings: () => archiver.flush(),
      checkpoint: () => archiver.checkpoint({ force: true }),
      endpoints: { dynamodb: dynamo.endpoint, s3: s3.endpoint, demoPostgres: demo?.url },
      // Ctrl-C: stop taking requests, let in-flight ones finish (their outcome is recorded), then
      // close the target pools, which fails what is still running (and records that), then the rest.
      stop: async () => {
        const { stillRunning } = await drain(10_000);
        if (stillRunning > 0) logger.warn('stopping with requests still running', { stillRunning });
        await closeExecutors();
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};
