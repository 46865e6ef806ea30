// The ways one SELECT reaches PostgreSQL: directly over pg, through the gateway's executor alone,
// and through the whole gateway over HTTP (new session per request, or one fixed session).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PostgresExecutor } from '../lambdas/adapters/targets/postgres-executor.js';
import { type Connection, connectionSchema } from '../lambdas/core/config/connection.js';
import { BENCH_CONNECTION, BENCH_ROW_LIMIT, BENCH_STATEMENT_TIMEOUT_MS } from './gateway-fixture.js';

/** Stable ids, used as JSON keys. */
export type ScenarioId = 'direct' | 'executor' | 'gateway' | 'gatewayFixedSession';

/** One way to send a SQL text; `send` resolves to the number of rows received. */
export interface Scenario {
  readonly id: ScenarioId;
  readonly label: string;
  send(sql: string): Promise<number>;
}

/** The scenarios and how to close their connections. */
export interface ScenarioSet {
  readonly scenarios: readonly Scenario[];
  close(): Promise<void>;
}

interface GatewayTarget {
  readonly sqlUrl: string;
  readonly token: string;
}

const gatewayScenario = (
  id: ScenarioId,
  label: string,
  target: GatewayTarget,
  sessionId: string | undefined,
): Scenario => {
  const headers: Record<string, string> = {
    authorization: `Bearer ${target.token}`,
    'content-type': 'application/json',
    ...(sessionId ? { 'x-tollgate-session': sessionId } : {}),
  };
  return {
    id,
    label,
    async send(sql) {
      // Global fetch keeps connections alive between requests.
      const response = await fetch(target.sqlUrl, { method: 'POST', headers, body: JSON.stringify({ sql }) });
      const text = await response.text();
      if (response.status !== 200)
        throw new Error(`gateway answered ${response.status}: ${text.slice(0, 300)}`);
      return (JSON.parse(text) as { rowCount: number }).rowCount;
    },
  };
};

/** Opens one pg connection, one executor pool and the gateway scenarios. */
export const openScenarios = async (readerUrl: string, gateway: GatewayTarget): Promise<ScenarioSet> => {
  const client = new pg.Client({ connectionString: readerUrl, application_name: 'tollgate-bench' });
  await client.connect();
  const executor = new PostgresExecutor({
    resolve: async () => ({ connectionString: readerUrl }),
    maxPoolSize: 1,
  });
  const connection: Connection = connectionSchema.parse({
    name: BENCH_CONNECTION,
    kind: 'postgres',
    allowGroups: ['agents'],
    target: { url: readerUrl },
    limits: { rowLimit: BENCH_ROW_LIMIT, statementTimeoutMs: BENCH_STATEMENT_TIMEOUT_MS },
  });
  const scenarios: Scenario[] = [
    {
      id: 'direct',
      label: 'pg direct (1 query, 1 connection)',
      send: async (sql) => (await client.query(sql)).rowCount ?? 0,
    },
    {
      id: 'executor',
      label: "gateway's PostgresExecutor alone",
      // The request the use case builds: the connection's own limits.
      send: async (sql) =>
        (
          await executor.run(connection, {
            mode: 'read',
            statements: [sql],
            params: [],
            rowLimit: connection.limits.rowLimit,
            timeoutMs: connection.limits.statementTimeoutMs,
            maxResultBytes: connection.limits.maxResultBytes,
          })
        ).rowCount,
    },
    gatewayScenario('gateway', 'gateway HTTP, new session per request', gateway, undefined),
    gatewayScenario(
      'gatewayFixedSession',
      'gateway HTTP, fixed X-Tollgate-Session',
      gateway,
      `bench-${randomUUID()}`,
    ),
  ];
  return {
    scenarios,
    async close() {
      await Promise.allSettled([client.end(), executor.close()]);
    },
  };
};
