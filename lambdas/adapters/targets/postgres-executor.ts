// TargetExecutor for PostgreSQL over `pg`: every request runs in a READ ONLY transaction that is
// always rolled back, with a server-side statement_timeout, a driver-side deadline as backstop,
// and a row cap read through a cursor (the target never streams more than cap + 1 rows).
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Connection } from '../../core/config/connection.js';
import { TargetError, TargetTimeoutError } from '../../core/errors.js';
import type { ReadRequest, ResultColumn, ResultSet, TargetExecutor } from '../../core/ports.js';
import { gatewayTypes, jsonSafe, typeName } from './postgres-types.js';

/** Resolves how to reach a connection's database; credentials stay inside the adapter. */
export type PostgresTargetResolver = (connection: Connection) => Promise<pg.PoolConfig>;

export interface PostgresExecutorOptions {
  readonly resolve: PostgresTargetResolver;
  /** Connections per pool; Lambda serves one request at a time, so 1–2 is plenty there. */
  readonly maxPoolSize?: number;
  readonly connectTimeoutMs?: number;
}

const QUERY_CANCELED = '57014';
const READ_ONLY_TRANSACTION = '25006';

interface PgError {
  code?: string;
  message?: string;
  position?: string;
  severity?: string;
}

const isServerError = (error: unknown): error is PgError =>
  typeof error === 'object' && error !== null && typeof (error as PgError).severity === 'string';

class Deadline extends Error {}

interface Internals {
  processID?: number;
  connection?: { stream?: NodeJS.ReadableStream & { destroy(): void } };
}

/**
 * Counts the bytes the server sends while a request runs and drops the connection past the
 * budget, before the driver can assemble an oversized message (which would exhaust memory or
 * throw outside any promise). Reads the driver's socket: pg exposes no byte-level hook.
 */
const watchBytes = (client: pg.PoolClient, maxBytes: number) => {
  const stream = (client as unknown as Internals).connection?.stream;
  let received = 0;
  const state = {
    exceeded: false,
    stop: () => stream?.removeListener('data', onData),
  };
  function onData(chunk: Buffer) {
    received += chunk.length;
    if (received > maxBytes && !state.exceeded) {
      state.exceeded = true;
      stream?.destroy();
    }
  }
  stream?.on('data', onData);
  return state;
};

/** Asks the server, on a second connection, to cancel what `client` is running. Best effort. */
export const cancelBackend = async (config: pg.PoolConfig, client: pg.Client): Promise<void> => {
  const pid = (client as unknown as Internals).processID;
  if (pid === undefined) return;
  const canceller = new pg.Client({ ...config, connectionTimeoutMillis: 2000, query_timeout: 2000 });
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // The connection is dropped anyway; the server's own statement_timeout remains.
  } finally {
    await canceller.end().catch(() => undefined);
  }
};

export class PostgresExecutor implements TargetExecutor {
  private readonly pools = new Map<string, Promise<{ pool: pg.Pool; config: pg.PoolConfig }>>();

  constructor(private readonly options: PostgresExecutorOptions) {}

  async read(connection: Connection, request: ReadRequest): Promise<ResultSet> {
    const { pool, config } = await this.pool(connection);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      this.pools.delete(connection.name); // re-resolve (e.g. rotated credentials) next time
      throw new TargetError('The target database is unreachable.', { cause: error });
    }
    const budget = watchBytes(client, request.maxResultBytes);
    let broken = false;
    let timer: NodeJS.Timeout | undefined;
    // Backstop for servers that do not enforce statement_timeout: give up on the connection.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Deadline()), request.timeoutMs + 1000);
    });
    try {
      return await Promise.race([this.run(client, request), deadline]);
    } catch (error) {
      broken = error instanceof Deadline || budget.exceeded || !isServerError(error);
      // Dropping the socket does not stop the server's work: cancel it first.
      if (error instanceof Deadline) await cancelBackend(config, client);
      if (budget.exceeded) {
        throw new TargetError(
          `The result exceeds ${request.maxResultBytes} bytes; select fewer rows or columns.`,
          { cause: error },
        );
      }
      throw this.translate(error, request.timeoutMs);
    } finally {
      clearTimeout(timer);
      budget.stop();
      if (!broken) {
        try {
          // Locks taken at session level survive ROLLBACK; none may outlive the request.
          await client.query('ROLLBACK; SELECT pg_advisory_unlock_all()');
        } catch {
          broken = true;
        }
      }
      client.release(broken ? true : undefined);
    }
  }

  async describe(
    connection: Connection,
    tables: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    const columns = new Map<string, string[]>();
    if (tables.length === 0) return columns;
    const { pool } = await this.pool(connection);
    const qualified = tables.map((t) => (t.includes('.') ? t : `public.${t}`));
    const { rows } = await pool.query<{ table_schema: string; table_name: string; column_name: string }>(
      `SELECT table_schema, table_name, column_name FROM information_schema.columns
        WHERE table_schema || '.' || table_name = ANY($1::text[]) ORDER BY table_schema, table_name, ordinal_position`,
      [qualified],
    );
    for (const row of rows) {
      const key = `${row.table_schema}.${row.table_name}`;
      columns.set(key, [...(columns.get(key) ?? []), row.column_name]);
    }
    return columns;
  }

  /** Closes every pool. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map(async (p) => (await p).pool.end()));
  }

  private async run(client: pg.PoolClient, request: ReadRequest): Promise<ResultSet> {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.trunc(request.timeoutMs)}`);
    let result: ResultSet = { columns: [], rows: [], rowCount: 0, truncated: false };
    for (const statement of request.statements) {
      result = await this.fetch(client, statement, request.params, request.rowLimit);
    }
    return result;
  }

  private fetch(client: pg.PoolClient, text: string, params: readonly unknown[], rowLimit: number) {
    const cursor = client.query(
      new Cursor(text, params.length > 0 ? [...params] : undefined, {
        rowMode: 'array',
        types: gatewayTypes,
      }),
    );
    return new Promise<ResultSet>((resolve, reject) => {
      cursor.read(rowLimit + 1, (error, rows, result) => {
        if (error) return reject(error);
        const truncated = rows.length > rowLimit;
        const kept = (truncated ? rows.slice(0, rowLimit) : rows) as unknown[][];
        const columns: ResultColumn[] = (result?.fields ?? []).map((f) => ({
          name: f.name,
          type: typeName(f.dataTypeID),
        }));
        cursor.close(() =>
          resolve({
            columns,
            rows: kept.map((row) => row.map(jsonSafe)),
            rowCount: kept.length,
            truncated,
          }),
        );
      });
    });
  }

  private translate(error: unknown, timeoutMs: number): Error {
    if (error instanceof Deadline) return new TargetTimeoutError(timeoutMs);
    if (!isServerError(error))
      return new TargetError('The target database connection failed.', { cause: error });
    if (error.code === QUERY_CANCELED) return new TargetTimeoutError(timeoutMs, error);
    if (error.code === READ_ONLY_TRANSACTION) {
      return new TargetError('The target refused a write: requests run in a read-only transaction.', {
        cause: error,
        details: { sqlState: error.code },
      });
    }
    // The server's text goes to the caller only: it can quote parameter or column values, so
    // recordings and logs keep the SQLSTATE.
    return new TargetError(`The target rejected the statement: ${error.message ?? 'unknown error'}`, {
      cause: error,
      details: { sqlState: error.code ?? null },
      auditMessage: `The target rejected the statement (SQLSTATE ${error.code ?? 'unknown'}).`,
    });
  }

  private pool(connection: Connection): Promise<{ pool: pg.Pool; config: pg.PoolConfig }> {
    let pool = this.pools.get(connection.name);
    if (!pool) {
      pool = this.options.resolve(connection).then(
        (resolved) => {
          const config: pg.PoolConfig = {
            max: this.options.maxPoolSize ?? 4,
            connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
            idleTimeoutMillis: 60_000,
            application_name: 'tollgate',
            ...resolved,
          };
          const created = new pg.Pool(config);
          // A client's error (the server restarted, or the byte budget dropped the socket) must
          // not crash the process: the pending query rejects and the client is discarded.
          created.on('error', () => undefined);
          created.on('connect', (client) => client.on('error', () => undefined));
          return { pool: created, config };
        },
        (error: unknown) => {
          this.pools.delete(connection.name);
          throw new TargetError('The target credentials could not be resolved.', { cause: error });
        },
      );
      this.pools.set(connection.name, pool);
    }
    return pool;
  }
}
