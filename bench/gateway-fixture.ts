// The local gateway in this process, with one PostgreSQL connection and no demo database, and a
// token it accepts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadDevIssuer } from '../lambdas/adapters/local/dev-issuer.js';
import type { Logger } from '../lambdas/core/ports.js';
import { type LocalGateway, startLocalGateway } from '../lambdas/wiring/local.js';

/** The only connection the bench gateway declares. */
export const BENCH_CONNECTION = 'bench-postgres';
/** Its row limit: the 1,000-row SELECT must come back whole. */
export const BENCH_ROW_LIMIT = 1000;
export const BENCH_STATEMENT_TIMEOUT_MS = 10_000;

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** A running bench gateway. */
export interface BenchGateway {
  /** `POST` here to run SQL on the bench connection. */
  readonly sqlUrl: string;
  /** A bearer token for `bench` in group `agents`, valid for an hour. */
  readonly token: string;
  /** The gateway itself, for its stand-ins' endpoints. */
  readonly gateway: LocalGateway;
  /** Archives recorded sessions now (the bench calls it between timed rounds). */
  flush(): Promise<void>;
}

/**
 * Starts the gateway in a temp data dir against `targetUrl`. Archiving runs only when `flush` is
 * called, so it never overlaps a timed request (on AWS it is another function). `onStarted`
 * receives the teardown as soon as there is something to tear down.
 */
export const startBenchGateway = async (
  targetUrl: string,
  onStarted: (stop: () => Promise<void>) => void,
): Promise<BenchGateway> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  let gateway: LocalGateway | undefined;
  onStarted(async () => {
    try {
      await gateway?.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  const configFile = join(dataDir, 'tollgate.yaml');
  const config = {
    connections: [
      {
        name: BENCH_CONNECTION,
        kind: 'postgres',
        allowGroups: ['agents'],
        target: { url: targetUrl },
        limits: { rowLimit: BENCH_ROW_LIMIT, statementTimeoutMs: BENCH_STATEMENT_TIMEOUT_MS },
      },
    ],
  };
  writeFileSync(configFile, stringify(config));
  gateway = await startLocalGateway({
    dataDir,
    configFile,
    port: 0,
    logger: silentLogger,
    env: {},
    archiveIntervalMs: 3_600_000,
  });
  const token = loadDevIssuer(join(dataDir, 'issuer')).signToken({
    sub: 'bench',
    groups: ['agents'],
    ttlSeconds: 3600,
  });
  const started = gateway;
  return {
    sqlUrl: `${started.url}/v1/connections/${BENCH_CONNECTION}/sql`,
    token,
    gateway: started,
    flush: () => started.flushRecordings(),
  };
};
