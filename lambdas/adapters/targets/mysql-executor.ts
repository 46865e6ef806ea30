// TargetExecutor for MySQL and MariaDB over mysql2: every request runs in a READ ONLY transaction
// that is always rolled back, then the connection is reset; a server-side statement timeout and a
// driver-side deadline (which kills the query from a second connection); a row cap and a byte
// budget enforced on the stream.
//
// Choices:
// - `execute` (binary protocol, server-side prepared statements), never `query`: parameters are
//   bound by the server, so the text that runs is exactly the text that was analysed. `query` would
//   splice escaped values into the text on the client (`?` inside string literals included, objects
//   expanded to `key = value` lists), and its escaping depends on the session's sql_mode. A prepared
//   statement is also one statement, whatever the text holds. Each connection's prepared statements
//   are dropped by the reset that ends every request, so they never pile up on the server.
// - Rows are streamed (mysql2's row events): at rowLimit + 1 rows the result is complete and the
//   connection, still receiving, is destroyed rather than drained. The user's SQL is never wrapped.
// - Each request starts by fixing the session: utf8mb4, a known sql_mode (the analyzer lexes with
//   backslash escapes and `"` strings: no ANSI_QUOTES, NO_BACKSLASH_ESCAPES or ORACLE mode), and the
//   statement timeout (MariaDB `max_statement_time` in seconds, MySQL `max_execution_time` in ms;
//   the flavour is detected once per pool). COM_RESET_CONNECTION at the end drops user variables,
//   temporary tables, prepared statements, named locks (GET_LOCK) and table locks.
// - LOAD DATA LOCAL is disabled on the client, and several statements in one text are refused by
//   the driver (`multipleStatements: false`), whatever the resolver returns.
import type { EventEmitter } from 'node:events';
import type { FieldPacket } from 'mysql2';
import mysql from 'mysql2/promise';
import type { Connection } from '../../core/config/connection.js';
import { TargetError, TargetTimeoutError } from '../../core/errors.js';
import type { ReadRequest, ResultColumn, ResultSet, TargetExecutor } from '../../core/ports.js';
import { columnType, jsonSafe } from './mysql-types.js';

/** Resolves how to reach a connection's database; credentials stay inside the adapter. */
export type MysqlTargetResolver = (connection: Connection) => Promise<mysql.PoolOptions>;

export interface MysqlExecutorOptions {
  readonly resolve: MysqlTargetResolver;
  /** Connections per pool; Lambda serves one request at a time, so 1–2 is plenty there. */
  readonly maxPoolSize?: number;
  readonly connectTimeoutMs?: number;
}

export type Flavour = 'mariadb' | 'mysql';

/** The lexical modes the analyzer assumes, valid on MySQL 5.7/8 and MariaDB alike. */
const SQL_MODE = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

const READ_ONLY_TRANSACTION = 1792; // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, SQLSTATE 25006
const TIMED_OUT = new Set([
  1969, // MariaDB ER_STATEMENT_TIMEOUT (max_statement_time)
  3024, // MySQL ER_QUERY_TIMEOUT (max_execution_time)
  1317, // ER_QUERY_INTERRUPTED (KILL QUERY)
]);

/** Options that belong to the pool, not to a single connection (mysql2 warns about them). */
const POOL_ONLY = [
  'connectionLimit',
  'maxIdle',
  'idleTimeout',
  'queueLimit',
  'waitForConnections',
  'resetOnRelease',
];

interface MysqlError {
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  message?: string;
  fatal?: boolean;
}

const isServerError = (error: unknown): error is MysqlError =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as MysqlError).sqlState === 'string' &&
  typeof (error as MysqlError).errno === 'number' &&
  !(error as MysqlError).fatal;

class Deadline extends Error {}
class BudgetExceeded extends Error {}

/** The parts of mysql2's callback-style connection the executor drives directly. */
interface CoreConnection extends EventEmitter {
  stream: NodeJS.ReadableStream & { destroy(): void };
  execute(options: { sql: string; values?: unknown[]; rowsAsArray?: boolean }): EventEmitter;
}

/** Counts the bytes the server sends and drops the connection past the budget. */
const watchBytes = (stream: CoreConnection['stream'], maxBytes: number) => {
  let received = 0;
  const state = {
    exceeded: false,
    stop: () => stream.removeListener('data', onData),
  };
  function onData(chunk: Buffer) {
    received += chunk.length;
    if (received > maxBytes && !state.exceeded) {
      state.exceeded = true;
      stream.destroy();
    }
  }
  // First in line: the flag is set before mysql2 parses the chunk that crossed the budget.
  stream.prependListener('data', onData);
  return state;
};

const connectionOptions = (config: mysql.PoolOptions): mysql.ConnectionOptions => {
  const options: Record<string, unknown> = { ...config };
  for (const key of POOL_ONLY) delete options[key];
  return options as mysql.ConnectionOptions;
};

/** Asks the server, on a second connection, to stop what thread `threadId` is running. Best effort. */
export const killQuery = async (config: mysql.PoolOptions, threadId: number): Promise<void> => {
  let killer: mysql.Connection | undefined;
  try {
    killer = await mysql.createConnection({ ...connectionOptions(config), connectTimeout: 2000 });
    killer.on('error', () => undefined);
    await killer.query(`KILL QUERY ${Math.trunc(threadId)}`);
  } catch {
    // The connection is dropped anyway; the server's own statement timeout remains.
  } finally {
    killer?.destroy();
  }
};

/** Session settings for one request, in one statement. */
const sessionSettings = (flavour: Flavour, timeoutMs: number): string => {
  const ms = Math.max(1, Math.trunc(timeoutMs));
  const timeout =
    flavour === 'mariadb'
      ? `SESSION max_statement_time = ${(ms / 1000).toFixed(3)}`
      : `SESSION max_execution_time = ${ms}`;
  return `SET NAMES utf8mb4, SESSION sql_mode = '${SQL_MODE}', ${timeout}`;
};

/** Parameters as the server should bind them: objects and arrays as JSON text. */
const bindable = (value: unknown): unknown => {
  if (value === undefined) return null;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return value;
};

interface PoolEntry {
  readonly pool: mysql.Pool;
  readonly config: mysql.PoolOptions;
  flavour?: Promise<Flavour>;
}

interface Fetched {
  readonly result: ResultSet;
  /** The server is still sending rows: the connection cannot be reused. */
  readonly abandoned: boolean;
}

const EMPTY: ResultSet = { columns: [], rows: [], rowCount: 0, truncated: false };

export class MysqlExecutor implements TargetExecutor {
  private readonly pools = new Map<string, Promise<PoolEntry>>();

  constructor(private readonly options: MysqlExecutorOptions) {}

  async read(connection: Connection, request: ReadRequest): Promise<ResultSet> {
    const entry = await this.pool(connection);
    let conn: mysql.PoolConnection;
    try {
      conn = await entry.pool.getConnection();
    } catch (error) {
      this.pools.delete(connection.name); // re-resolve (e.g. rotated credentials) next time
      throw new TargetError('The target database is unreachable.', { cause: error });
    }
    const core = (conn as unknown as { connection: CoreConnection }).connection;
    const budget = watchBytes(core.stream, request.maxResultBytes);
    const state = { abandoned: false };
    let broken = false;
    let timer: NodeJS.Timeout | undefined;
    // Backstop for a server that does not stop in time: give up on the connection.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Deadline()), request.timeoutMs + 1000);
    });
    try {
      return await Promise.race([this.run(entry, conn, core, request, budget, state), deadline]);
    } catch (error) {
      broken = error instanceof Deadline || budget.exceeded || !isServerError(error);
      // Dropping the socket does not stop the server's work: kill the query first.
      if (error instanceof Deadline) await killQuery(entry.config, conn.threadId);
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
      if (!broken && !state.abandoned) {
        try {
          await conn.query('ROLLBACK');
          // Session state survives ROLLBACK (user variables, temporary tables, GET_LOCK locks,
          // LOCK TABLES): none may outlive the request.
          await conn.reset();
        } catch {
          broken = true;
        }
      }
      if (broken || state.abandoned) conn.destroy();
      else conn.release();
    }
  }

  /** Closes every pool. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map(async (p) => (await p).pool.end()));
  }

  private async run(
    entry: PoolEntry,
    conn: mysql.PoolConnection,
    core: CoreConnection,
    request: ReadRequest,
    budget: { exceeded: boolean },
    state: { abandoned: boolean },
  ): Promise<ResultSet> {
    const flavour = await this.flavour(entry, conn);
    await conn.query(sessionSettings(flavour, request.timeoutMs));
    await conn.query('START TRANSACTION READ ONLY');
    const params = request.params.map(bindable);
    let result = EMPTY;
    for (const [index, statement] of request.statements.entries()) {
      // Rows of all but the last statement are read and dropped (the byte budget still applies).
      const last = index === request.statements.length - 1;
      const fetched = await this.fetch(core, statement, params, last ? request.rowLimit : undefined, budget);
      if (fetched.abandoned) state.abandoned = true;
      result = fetched.result;
    }
    return result;
  }

  /** Streams a statement's rows, keeping at most `rowLimit` (none when undefined) and one more to know. */
  private fetch(
    core: CoreConnection,
    sql: string,
    params: readonly unknown[],
    rowLimit: number | undefined,
    budget: { exceeded: boolean },
  ): Promise<Fetched> {
    return new Promise<Fetched>((resolve, reject) => {
      let fields: FieldPacket[] = [];
      const rows: unknown[][] = [];
      let settled = false;
      const finish = (truncated: boolean, abandoned: boolean) => {
        if (settled) return;
        settled = true;
        core.removeListener('error', fail);
        if (budget.exceeded) return reject(new BudgetExceeded());
        const columns: ResultColumn[] = fields.map((f) => ({ name: f.name, type: columnType(f) }));
        resolve({
          result: {
            columns,
            rows: rows.map((row) => row.map((value, i) => jsonSafe(value, fields[i] ?? {}))),
            rowCount: rows.length,
            truncated,
          },
          abandoned,
        });
      };
      function fail(error: unknown) {
        if (settled) return;
        settled = true;
        core.removeListener('error', fail);
        reject(error);
      }
      // Connection-level failures (a dropped socket) reach the connection, not the command.
      core.on('error', fail);
      const command = core.execute({
        sql,
        values: params.length > 0 ? [...params] : undefined,
        rowsAsArray: true,
      });
      command.on('error', fail);
      command.on('fields', (received: FieldPacket[], index: number) => {
        if (index === 0) fields = received;
      });
      command.on('result', (row: unknown, index: number) => {
        if (settled || index !== 0 || !Array.isArray(row) || rowLimit === undefined) return;
        rows.push(row);
        if (rows.length > rowLimit) {
          rows.pop();
          finish(true, true);
        }
      });
      command.on('end', () => finish(false, false));
    });
  }

  /** The server's flavour, asked once per pool. */
  private flavour(entry: PoolEntry, conn: mysql.PoolConnection): Promise<Flavour> {
    if (!entry.flavour) {
      entry.flavour = conn.query({ sql: 'SELECT VERSION()', rowsAsArray: true }).then(
        ([rows]) => {
          const version = String((rows as unknown as unknown[][])[0]?.[0] ?? '');
          return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
        },
        (error: unknown) => {
          entry.flavour = undefined;
          throw error;
        },
      );
    }
    return entry.flavour;
  }

  private translate(error: unknown, timeoutMs: number): Error {
    if (error instanceof Deadline) return new TargetTimeoutError(timeoutMs);
    if (!isServerError(error)) {
      return new TargetError('The target database connection failed.', { cause: error });
    }
    const details = { sqlState: error.sqlState ?? null, errno: error.errno ?? null };
    if (error.errno !== undefined && TIMED_OUT.has(error.errno))
      return new TargetTimeoutError(timeoutMs, error);
    if (error.errno === READ_ONLY_TRANSACTION) {
      return new TargetError('The target refused a write: requests run in a read-only transaction.', {
        cause: error,
        details,
      });
    }
    // The server's text goes to the caller only: it can quote parameter or column values, so
    // recordings and logs keep the SQLSTATE and error number.
    return new TargetError(
      `The target rejected the statement: ${error.sqlMessage ?? error.message ?? 'unknown error'}`,
      {
        cause: error,
        details,
        auditMessage: `The target rejected the statement (SQLSTATE ${error.sqlState}, error ${error.errno}).`,
      },
    );
  }

  private pool(connection: Connection): Promise<PoolEntry> {
    let pool = this.pools.get(connection.name);
    if (!pool) {
      pool = this.options.resolve(connection).then(
        (resolved) => {
          const config: mysql.PoolOptions = {
            connectionLimit: this.options.maxPoolSize ?? 4,
            connectTimeout: this.options.connectTimeoutMs ?? 5000,
            idleTimeout: 60_000,
            maxIdle: this.options.maxPoolSize ?? 4,
            connectAttributes: { program_name: 'tollgate' },
            ...resolved,
            // What the executor's guarantees rest on; the resolver cannot change it.
            multipleStatements: false,
            flags: ['-LOCAL_FILES', '-MULTI_STATEMENTS'],
            infileStreamFactory: undefined,
            dateStrings: true,
            supportBigNumbers: true,
            bigNumberStrings: true,
            decimalNumbers: false,
            jsonStrings: false,
            typeCast: true,
            rowsAsArray: true,
            namedPlaceholders: false,
            resetOnRelease: false,
            waitForConnections: true,
            queueLimit: 0,
          };
          const created = mysql.createPool(config);
          // A connection's error (the server restarted, or the byte budget dropped the socket) must
          // not crash the process: the pending statement fails and the connection is discarded.
          created.on('connection', (c) => {
            (c as unknown as EventEmitter).on('error', () => undefined);
          });
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
