// SqlExecutor for MySQL and MariaDB over mysql2: every request runs in one transaction (READ ONLY
// and always rolled back for reads; read-write and committed only if every statement succeeded
// for writes), then the connection is reset; a server-side statement timeout and a driver-side
// deadline (which kills the query from a second connection); a row cap and a byte budget enforced
// on the stream. Relation names resolve in the database the statements run in, with the server's
// own case rules.
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
//   statement timeout (MariaDB `max_statement_time` in seconds, MySQL `max_execution_time` in ms,
//   which MySQL applies to SELECT only: its writes are bounded by the driver-side deadline). The
//   flavour is detected once per pool. COM_RESET_CONNECTION at the end rolls back and drops user
//   variables, temporary tables, prepared statements, named locks (GET_LOCK) and table locks.
// - The reset keeps the default database, and `USE` can be prepared: a connection whose database
//   is no longer the one it opened with is dropped, never reused, so every request and every
//   resolution runs in the connection's own database.
// - After each statement without a result set, the server's status must still say "in
//   transaction": DDL commits implicitly, and COMMIT can be prepared. Nothing runs after either.
// - LOAD DATA LOCAL is disabled on the client, and several statements in one text are refused by
//   the driver (`multipleStatements: false`), whatever the resolver returns.
import type { EventEmitter } from 'node:events';
import type { FieldPacket, ResultSetHeader } from 'mysql2';
import mysql from 'mysql2/promise';
import type { MysqlConnection, SqlConnection } from '../../core/config/connection.js';
import {
  BlastRadiusExceededError,
  TargetError,
  TargetRejectedError,
  type TargetRejection,
  TargetTimeoutError,
  TollgateError,
} from '../../core/errors.js';
import type { ResultColumn, ResultSet } from '../../core/ports.js';
import { snapshotVolatility } from '../../core/sql/function-allowlist.js';
import {
  distinctRefs,
  type RelationRef,
  type ResolvedRelation,
  type SqlExecutor,
  type SqlRunRequest,
  type Volatility,
} from '../../core/sql/sql-executor.js';
import { meaningOfMysqlError } from './mysql-errno.js';
import { columnType, jsonSafe } from './mysql-types.js';
import { gatewaySideFailure } from './target-failures.js';

/** Resolves how to reach a connection's database; credentials stay inside the adapter. */
export type MysqlTargetResolver = (connection: MysqlConnection) => Promise<mysql.PoolOptions>;

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
const SERVER_STATUS_IN_TRANS = 0x0001;

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
/** A statement ended the gateway's transaction (DDL's implicit commit, COMMIT, ROLLBACK). */
class TransactionEnded extends Error {}

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

/** What the executor learns once per pool, on its first connection, before any statement ran on it. */
interface ServerFacts {
  readonly flavour: Flavour;
  /** The database connections open in (the resolver's options or URL), null when none. */
  readonly home: string | null;
  /** `@@lower_case_table_names`: 0 compares names as stored, 1 and 2 in lower case. */
  readonly lowerCaseTableNames: number;
  /** information_schema.VIEW_TABLE_USAGE exists (MySQL 8.0.13+); MariaDB 10.11 has none. */
  readonly viewTableUsage: boolean;
}

interface PoolEntry {
  readonly pool: mysql.Pool;
  readonly config: mysql.PoolOptions;
  facts?: Promise<ServerFacts>;
}

interface Fetched {
  readonly result: ResultSet;
  /** The server is still sending rows: the connection cannot be reused. */
  readonly abandoned: boolean;
  /** The OK packet of a statement without a result set. */
  readonly header: ResultSetHeader | undefined;
}

type Mode = 'read' | 'write';

interface SessionState {
  /** The request failed (the deadline, say) while `work` still runs: it must send nothing more. */
  gaveUp: boolean;
  /** The server is still sending rows nobody will read: destroy the connection. */
  abandoned: boolean;
  /** COMMIT was sent and not yet answered: a lost answer leaves the outcome unknown. */
  committing: boolean;
}

/** Stops `work` from sending anything once the request has been given up. */
const stillWanted = (state: SessionState) => {
  if (state.gaveUp) throw new Deadline();
};

interface SessionLimits {
  readonly mode: Mode;
  readonly timeoutMs: number;
  /** Bytes the server may send; unlimited when undefined (resolution reads a bounded catalog answer). */
  readonly maxResultBytes?: number;
}

const EMPTY: ResultSet = { columns: [], rows: [], rowCount: 0, truncated: false };

/** What the server's refusal means; `mode` matters for a write refused as read-only. */
export const mysqlRejection = (error: MysqlError, mode: Mode): TargetRejection => {
  const serverMessage = error.sqlMessage ?? error.message ?? '';
  let meaning = meaningOfMysqlError(error.sqlState, error.errno, serverMessage);
  // A read that writes is the statement's doing; an approved write refused as read-only is the
  // target's (a read-only server or transaction default).
  if (error.errno === READ_ONLY_TRANSACTION && mode === 'write') meaning = { ...meaning, fault: 'target' };
  return { sqlState: error.sqlState ?? null, serverMessage, ...meaning };
};

const kindOf = (tableType: string): ResolvedRelation['kind'] => {
  if (tableType === 'BASE TABLE' || tableType === 'TEMPORARY') return 'table';
  if (tableType === 'VIEW') return 'view';
  return 'other'; // SYSTEM VIEW (information_schema), SEQUENCE (MariaDB)
};

/**
 * `column` equals the parameter the way the server compares names: as stored when
 * lower_case_table_names is 0, in lower case otherwise. The plain `=` lets the server look the
 * name up instead of scanning every table (information_schema's collation ignores case).
 */
const sameName = (column: string, lowerCaseTableNames: number) =>
  lowerCaseTableNames === 0
    ? `${column} = ? AND CAST(${column} AS BINARY) = CAST(? AS BINARY)`
    : `${column} = ? AND CAST(LOWER(${column}) AS BINARY) = CAST(LOWER(?) AS BINARY)`;

/**
 * Two branches per ref, each on one information_schema table with constants only: its type
 * (position 0), then its columns. A join between TABLES and COLUMNS would make the server read
 * the columns of every table of every database (seen on MariaDB 10.11: ~50 ms for one ref).
 */
const describeBranches = (ord: number, lowerCaseTableNames: number) => {
  const where = `${sameName('TABLE_SCHEMA', lowerCaseTableNames)} AND ${sameName('TABLE_NAME', lowerCaseTableNames)}`;
  return `
  SELECT ${ord} AS ord, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, NULL, 0 AS pos
    FROM information_schema.TABLES WHERE ${where}
  UNION ALL
  SELECT ${ord}, TABLE_SCHEMA, TABLE_NAME, NULL, COLUMN_NAME, ORDINAL_POSITION
    FROM information_schema.COLUMNS WHERE ${where}`;
};

/** Tables and views of the connection's database, by name (as stored), at most `limit`, and their columns. */
const listSql = (limit: number) => `
  (SELECT TABLE_NAME AS ord, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, NULL, 0 AS pos
     FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
    ORDER BY CAST(TABLE_NAME AS BINARY) LIMIT ${limit})
  UNION ALL
  (SELECT TABLE_NAME, TABLE_SCHEMA, TABLE_NAME, NULL, COLUMN_NAME, ORDINAL_POSITION
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE())
  ORDER BY CAST(ord AS BINARY), pos`;

/** Every relation the given views read, through other views (MySQL 8.0.13+). */
const viewReadsSql = (views: number) => `
  WITH RECURSIVE reads (root_schema, root_name, s, n) AS (
    SELECT VIEW_SCHEMA, VIEW_NAME, TABLE_SCHEMA, TABLE_NAME FROM information_schema.VIEW_TABLE_USAGE
     WHERE ${Array.from({ length: views }, () => '(VIEW_SCHEMA = ? AND VIEW_NAME = ?)').join(' OR ')}
    UNION DISTINCT
    SELECT r.root_schema, r.root_name, u.TABLE_SCHEMA, u.TABLE_NAME
      FROM reads r JOIN information_schema.VIEW_TABLE_USAGE u ON u.VIEW_SCHEMA = r.s AND u.VIEW_NAME = r.n
  )
  SELECT r.root_schema, r.root_name, r.s, r.n, t.TABLE_TYPE AS kind
    FROM reads r LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = r.s AND t.TABLE_NAME = r.n`;

/**
 * Stored functions named by each candidate, one branch per candidate (like describeBranches):
 * in the named database, or the current one when unqualified (none selected: nothing matches,
 * and the server would refuse the call). Function names are case-insensitive on the server;
 * database names are compared that way too, which can only over-match.
 */
const userFunctionsSql = (count: number) =>
  Array.from(
    { length: count },
    (_, i) => `
  SELECT ${i} AS ord FROM information_schema.ROUTINES
   WHERE ROUTINE_TYPE = 'FUNCTION'
     AND (ROUTINE_SCHEMA = COALESCE(?, DATABASE()) OR LOWER(ROUTINE_SCHEMA) = LOWER(COALESCE(?, DATABASE())))
     AND (ROUTINE_NAME = ? OR LOWER(ROUTINE_NAME) = LOWER(?))`,
  ).join('\nUNION DISTINCT');

/** How a name the analysis gives (`db.name`, lower-case) can be read: a quoted part may hold a dot. */
const functionCandidates = (name: string): Array<{ schema: string | null; name: string }> => [
  { schema: null, name },
  ...[...name.matchAll(/\./g)].map((m) => ({
    schema: name.slice(0, m.index),
    name: name.slice(m.index + 1),
  })),
];

const mysqlOnly = (connection: SqlConnection): MysqlConnection => {
  if (connection.kind !== 'mysql') {
    throw new TargetError(`Connection ${connection.name} is not a MySQL connection.`);
  }
  return connection;
};

type Row = readonly unknown[];
const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value));

/** InnoDB refreshes the INNODB_TRX cache at most every 100 ms (when nobody read it for that long). */
const TRX_CACHE_MS = 150;

/** Row operations of this session, by every engine and trigger: no cache, no privilege. */
const handlerRows = async (conn: mysql.PoolConnection): Promise<number> => {
  const [rows] = await conn.query({
    sql: "SELECT SUM(VARIABLE_VALUE) FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME IN ('HANDLER_WRITE', 'HANDLER_UPDATE', 'HANDLER_DELETE')",
    rowsAsArray: true,
  });
  return Number((rows as unknown[][])[0]?.[0] ?? 0);
};

/**
 * Rows this transaction has changed, counted twice and the larger kept:
 * - the session's handler counters (written, updated, deleted rows; triggers included, cached
 *   by nothing), as a difference from `before`;
 * - InnoDB's `INNODB_TRX.trx_rows_modified`, which also sees rows a foreign key cascaded to.
 *   That table is a cache, refreshed only when nobody read it for 100 ms: the read waits that
 *   long, and a transaction that changed rows but is missing from it is not counted at all, so
 *   nothing runs (a busy reader of the table can keep the cache stale).
 * Reading INNODB_TRX takes the PROCESS privilege; without it no bound can be held either.
 */
const rowsModified = async (conn: mysql.PoolConnection, before: number): Promise<number> => {
  const handled = (await handlerRows(conn)) - before;
  await new Promise((resolve) => setTimeout(resolve, TRX_CACHE_MS));
  let rows: unknown[][];
  try {
    [rows] = (await conn.query({
      sql: 'SELECT trx_rows_modified FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()',
      rowsAsArray: true,
    })) as unknown as [unknown[][]];
  } catch (error) {
    throw new TargetError(
      'The target does not let the gateway count the rows a transaction changes (the write role needs the PROCESS privilege to read INNODB_TRX), so the approved bound cannot be held; nothing was committed.',
      { cause: error },
    );
  }
  const counted = rows[0]?.[0];
  if (counted === undefined && handled > 0) {
    throw new TargetError(
      "The target's count of the rows this transaction changed is not current (INNODB_TRX is cached), so the approved bound cannot be held; nothing was committed. Retry the approval.",
    );
  }
  return Math.max(handled, Number(counted ?? 0));
};

/**
 * Tables among `names` (as statements write them, `table` or `db.table`) in an engine that cannot
 * roll back (MyISAM, Aria, MEMORY...): a bound over them could be found exceeded, not undone.
 */
const untransactional = async (conn: mysql.PoolConnection, names: readonly string[]): Promise<string[]> => {
  if (names.length === 0) return [];
  const pairs = names.map((n) => (n.includes('.') ? n.split('.', 2) : [null, n]) as [string | null, string]);
  const [rows] = await conn.query({
    sql: `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND ENGINE <> 'InnoDB' AND (${pairs.map(() => '(TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?)').join(' OR ')})`,
    values: pairs.flat(),
    rowsAsArray: true,
  });
  return (rows as unknown[][]).map(([schema, name]) => `${String(schema)}.${String(name)}`);
};

export class MysqlExecutor implements SqlExecutor {
  private readonly pools = new Map<string, Promise<PoolEntry>>();

  constructor(private readonly options: MysqlExecutorOptions) {}

  async run(connection: SqlConnection, request: SqlRunRequest): Promise<ResultSet> {
    return this.session(mysqlOnly(connection), request, async (conn, core, budget, state) => {
      await conn.query(
        request.mode === 'read' ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION READ WRITE',
      );
      const params = request.params.map(bindable);
      let result = EMPTY;
      const bounded = request.mode === 'write' && request.maxAffectedRows !== undefined;
      if (bounded) {
        const unsafe = await untransactional(conn, request.tablesWritten ?? []);
        if (unsafe.length > 0) {
          throw new TargetError(
            `The write changes ${unsafe.join(', ')}, in an engine that cannot roll back, so the approved bound cannot be held; nothing ran.`,
          );
        }
      }
      const before = bounded ? await handlerRows(conn) : 0;
      for (const [index, statement] of request.statements.entries()) {
        stillWanted(state);
        // Rows of all but the last statement are read and dropped (the byte budget still applies).
        const last = index === request.statements.length - 1;
        const fetched = await this.fetch(
          core,
          statement,
          params,
          last ? request.rowLimit : undefined,
          budget,
          request.mode,
        );
        if (fetched.abandoned) state.abandoned = true;
        if (fetched.header && (fetched.header.serverStatus & SERVER_STATUS_IN_TRANS) === 0) {
          throw new TransactionEnded();
        }
        result = fetched.result;
      }
      if (request.mode === 'write' && request.maxAffectedRows !== undefined) {
        // Before COMMIT: the transaction is rolled back when the session ends.
        const changed = await rowsModified(conn, before);
        if (changed > request.maxAffectedRows)
          throw new BlastRadiusExceededError(changed, request.maxAffectedRows);
      }
      if (request.mode === 'write') {
        stillWanted(state);
        state.committing = true;
        await conn.query('COMMIT');
        state.committing = false;
      }
      return result;
    });
  }

  /**
   * No estimate: MariaDB refuses EXPLAIN of a write in a READ ONLY transaction, and a read-write
   * one could run what the planner evaluates before anyone decided. The preview says unknown.
   */
  async estimateWrites(
    _connection: SqlConnection,
    request: { readonly statements: readonly string[] },
  ): Promise<(number | null)[]> {
    return request.statements.map(() => null);
  }

  async resolveRelations(
    connection: SqlConnection,
    refs: readonly RelationRef[],
  ): Promise<ReadonlyMap<string, ResolvedRelation>> {
    const target = mysqlOnly(connection);
    const unique = distinctRefs(refs);
    const resolved = new Map<string, ResolvedRelation>();
    if (unique.size === 0) return resolved;
    const limits = { mode: 'read' as const, timeoutMs: target.limits.statementTimeoutMs };
    return this.session(target, limits, async (conn, _core, _budget, state, facts) => {
      // The database unqualified names mean: the one this connection's statements run in.
      const [current] = await conn.query<mysql.RowDataPacket[]>({
        sql: 'SELECT DATABASE()',
        rowsAsArray: true,
      });
      const database = (current as unknown as Row[])[0]?.[0];
      const asked = [...unique.entries()].flatMap(([key, ref]) => {
        const schema = ref.schema ?? (typeof database === 'string' ? database : undefined);
        return schema === undefined ? [] : [{ key, schema, name: ref.name }];
      });
      if (asked.length === 0) return resolved;
      stillWanted(state);
      const sql = `${asked.map((_, i) => describeBranches(i, facts.lowerCaseTableNames)).join('\nUNION ALL')}
        ORDER BY ord, pos`;
      const values = asked.flatMap((a) => {
        const one = [a.schema, a.schema, a.name, a.name];
        return [...one, ...one];
      });
      const [rows] = await conn.execute<mysql.RowDataPacket[]>({ sql, values, rowsAsArray: true });
      const found = await this.describe(conn, rows as unknown as Row[], facts, state);
      for (const [ord, relation] of found) resolved.set(asked[Number(ord)]!.key, relation);
      return resolved;
    });
  }

  async listRelations(connection: SqlConnection, limit: number): Promise<ResolvedRelation[]> {
    const target = mysqlOnly(connection);
    const count = Math.max(0, Math.trunc(limit));
    if (count === 0) return [];
    const limits = { mode: 'read' as const, timeoutMs: target.limits.statementTimeoutMs };
    return this.session(target, limits, async (conn, _core, _budget, state, facts) => {
      stillWanted(state);
      // The connection's own database, the one its unqualified names mean.
      const [rows] = await conn.execute<mysql.RowDataPacket[]>({ sql: listSql(count), rowsAsArray: true });
      return [...(await this.describe(conn, rows as unknown as Row[], facts, state)).values()];
    });
  }

  /**
   * MySQL keeps no volatility: a stored function of the name (in the named database, or the
   * current one) counts as volatile, whatever it declares (DETERMINISTIC is the definer's word);
   * otherwise a built-in is as the bundled, reviewed list says, and any other name is absent.
   * The server resolves an unqualified built-in's name to the built-in first; a stored function
   * of the same name still wins the answer here (the most volatile reading).
   */
  async functionVolatility(
    connection: SqlConnection,
    names: readonly string[],
  ): Promise<ReadonlyMap<string, Volatility>> {
    const stored = await this.userFunctions(connection, names);
    const builtin = snapshotVolatility('mysql', names);
    const found = new Map<string, Volatility>();
    for (const name of new Set(names)) {
      if (name.includes('\u0000')) continue; // names nothing: absent, so a call of it is unknown
      const volatility = stored.has(name) ? 'volatile' : builtin.get(name);
      if (volatility !== undefined) found.set(name, volatility);
    }
    return found;
  }

  async userFunctions(connection: SqlConnection, names: readonly string[]): Promise<ReadonlySet<string>> {
    const target = mysqlOnly(connection);
    const unique = [...new Set(names)];
    const flagged = new Set<string>();
    const asked = unique.flatMap((name) => {
      // MySQL has no user-defined operators, so an operator entry (`operator:<symbol>`) is only
      // asked as a function's name: it counts only when a stored function is spelt that way.
      // Text the server cannot hold names nothing it can be asked about: count it, unasked.
      if (name.includes('\u0000')) {
        flagged.add(name);
        return [];
      }
      return functionCandidates(name).map((candidate) => ({ name, candidate }));
    });
    if (asked.length === 0) return flagged;
    const limits = { mode: 'read' as const, timeoutMs: target.limits.statementTimeoutMs };
    return this.session(target, limits, async (conn, _core, _budget, state) => {
      stillWanted(state);
      const [rows] = await conn.execute<mysql.RowDataPacket[]>({
        sql: userFunctionsSql(asked.length),
        values: asked.flatMap(({ candidate }) => [
          candidate.schema,
          candidate.schema,
          candidate.name,
          candidate.name,
        ]),
        rowsAsArray: true,
      });
      for (const [ord] of rows as unknown as Row[]) flagged.add(asked[Number(ord)]!.name);
      return flagged;
    });
  }

  /**
   * Relations from rows of (key, schema, name, TABLE_TYPE or null, column or null) sorted by key
   * and position, in the rows' order; views with what they read where the server can say.
   */
  private async describe(
    conn: mysql.PoolConnection,
    rows: readonly Row[],
    facts: ServerFacts,
    state: SessionState,
  ): Promise<Map<string, ResolvedRelation>> {
    const seen = new Map<string, { schema: string; name: string; kind?: string; columns: string[] }>();
    for (const [key, schema, name, kind, column] of rows) {
      let entry = seen.get(text(key));
      if (!entry) {
        entry = { schema: text(schema), name: text(name), columns: [] };
        seen.set(text(key), entry);
      }
      if (kind !== null && kind !== undefined) entry.kind = text(kind);
      if (column !== null && column !== undefined) entry.columns.push(text(column));
    }
    // Only what TABLES lists exists (columns of a table past the listing's limit are dropped).
    const found = new Map<string, { schema: string; name: string; kind: string; columns: string[] }>();
    for (const [key, entry] of seen) {
      if (entry.kind !== undefined) found.set(key, { ...entry, kind: entry.kind });
    }
    const views = [...found.values()].filter((r) => kindOf(r.kind) === 'view');
    const reads =
      views.length > 0 && facts.viewTableUsage ? await this.viewReads(conn, views, state) : undefined;
    const described = new Map<string, ResolvedRelation>();
    for (const [key, entry] of found) {
      const kind = kindOf(entry.kind);
      described.set(key, {
        schema: entry.schema,
        name: entry.name,
        kind,
        columns: entry.columns,
        dependsOn: kind === 'view' ? reads?.get(`${entry.schema}\u0000${entry.name}`) : [],
        ancestors: [], // MySQL has no table inheritance; a partition is not a table of its own
      });
    }
    return described;
  }

  /** Closes every pool. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map(async (p) => (await p).pool.end()));
  }

  /**
   * The base relations each view reads, keyed `schema\0name`. A view is left out (the server
   * cannot say) when it shows no usage at all or reads something the login cannot see: its
   * usage rows may be hidden by privileges, and "reads nothing" must never be a guess.
   */
  private async viewReads(
    conn: mysql.PoolConnection,
    views: ReadonlyArray<{ schema: string; name: string }>,
    state: SessionState,
  ): Promise<Map<string, Array<{ schema: string; name: string }>>> {
    stillWanted(state);
    const [rows] = await conn.execute<mysql.RowDataPacket[]>({
      sql: viewReadsSql(views.length),
      values: views.flatMap((v) => [v.schema, v.name]),
      rowsAsArray: true,
    });
    const bases = new Map<string, Array<{ schema: string; name: string }>>();
    const unknown = new Set<string>();
    for (const [rootSchema, rootName, schema, name, kind] of rows as unknown as Row[]) {
      const root = `${text(rootSchema)}\u0000${text(rootName)}`;
      if (kind === null || kind === undefined) unknown.add(root);
      else if (text(kind) !== 'VIEW') {
        const list = bases.get(root) ?? [];
        if (!list.some((b) => b.schema === text(schema) && b.name === text(name))) {
          list.push({ schema: text(schema), name: text(name) });
        }
        bases.set(root, list);
      } else if (!bases.has(root)) bases.set(root, []);
    }
    for (const root of unknown) bases.delete(root);
    return bases;
  }

  /**
   * Runs `work` on a pooled connection under the session settings, the deadline and the byte
   * budget; resets the connection after, and drops it if it left its database.
   */
  private async session<R>(
    connection: MysqlConnection,
    limits: SessionLimits,
    work: (
      conn: mysql.PoolConnection,
      core: CoreConnection,
      budget: { exceeded: boolean },
      state: SessionState,
      facts: ServerFacts,
    ) => Promise<R>,
  ): Promise<R> {
    const entry = await this.pool(connection);
    let conn: mysql.PoolConnection;
    try {
      conn = await entry.pool.getConnection();
    } catch (error) {
      this.pools.delete(connection.name); // re-resolve (e.g. rotated credentials) next time
      throw new TargetError('The target database is unreachable.', { cause: error });
    }
    const core = (conn as unknown as { connection: CoreConnection }).connection;
    const budget =
      limits.maxResultBytes === undefined
        ? { exceeded: false, stop: () => undefined }
        : watchBytes(core.stream, limits.maxResultBytes);
    const state: SessionState = { gaveUp: false, abandoned: false, committing: false };
    let broken = false;
    let timer: NodeJS.Timeout | undefined;
    // Backstop for a server that does not stop in time: give up on the connection.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Deadline()), limits.timeoutMs + 1000);
    });
    let facts: ServerFacts | undefined;
    try {
      return await Promise.race([
        (async () => {
          facts = await this.facts(entry, conn);
          await conn.query(sessionSettings(facts.flavour, limits.timeoutMs));
          stillWanted(state);
          return work(conn, core, budget, state, facts);
        })(),
        deadline,
      ]);
    } catch (error) {
      state.gaveUp = true;
      // A write over its bound is rolled back by the reset below; the session itself is sound.
      broken =
        !(error instanceof BlastRadiusExceededError) &&
        (error instanceof Deadline ||
          error instanceof TransactionEnded ||
          budget.exceeded ||
          !isServerError(error));
      // Dropping the socket does not stop the server's work: kill the query first.
      if (error instanceof Deadline) await killQuery(entry.config, conn.threadId);
      throw this.translate(error, limits, state, budget.exceeded);
    } finally {
      clearTimeout(timer);
      budget.stop();
      if (!broken && !state.abandoned) {
        try {
          // Rolls back, and drops what survives ROLLBACK (user variables, temporary tables,
          // GET_LOCK locks, LOCK TABLES, prepared statements): none may outlive the request.
          await conn.reset();
          const [rows] = await conn.query({ sql: 'SELECT DATABASE()', rowsAsArray: true });
          const database = (rows as unknown as Row[])[0]?.[0] ?? null;
          if (facts === undefined || database !== facts.home) broken = true;
        } catch {
          broken = true;
        }
      }
      if (broken || state.abandoned) conn.destroy();
      else conn.release();
    }
  }

  /** Streams a statement's rows, keeping at most `rowLimit` (none when undefined) and one more to know. */
  private fetch(
    core: CoreConnection,
    sql: string,
    params: readonly unknown[],
    rowLimit: number | undefined,
    budget: { exceeded: boolean },
    mode: Mode,
  ): Promise<Fetched> {
    return new Promise<Fetched>((resolve, reject) => {
      let fields: FieldPacket[] = [];
      let header: ResultSetHeader | undefined;
      const rows: unknown[][] = [];
      let settled = false;
      const finish = (truncated: boolean, abandoned: boolean) => {
        if (settled) return;
        settled = true;
        core.removeListener('error', fail);
        if (budget.exceeded) return reject(new BudgetExceeded());
        const columns: ResultColumn[] = fields.map((f) => ({ name: f.name, type: columnType(f) }));
        // A write without a result set (UPDATE, INSERT) reports the rows it changed.
        const affected = header && mode === 'write' ? Number(header.affectedRows) : undefined;
        resolve({
          result: {
            columns,
            rows: rows.map((row) => row.map((value, i) => jsonSafe(value, fields[i] ?? {}))),
            rowCount: affected ?? rows.length,
            truncated,
            ...(affected === undefined ? {} : { affectedRows: affected }),
          },
          abandoned,
          header,
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
      command.on('fields', (received: FieldPacket[] | undefined, index: number) => {
        if (index === 0 && received) fields = received;
      });
      command.on('result', (row: unknown, index: number | undefined) => {
        if (settled) return;
        // mysql2 hands a statement's OK packet over as a result without an index.
        if (index === undefined && !Array.isArray(row)) {
          header ??= row as ResultSetHeader;
          return;
        }
        if (index !== 0 || !Array.isArray(row) || rowLimit === undefined) return;
        rows.push(row);
        if (rows.length > rowLimit) {
          rows.pop();
          finish(true, true);
        }
      });
      command.on('end', () => finish(false, false));
    });
  }

  /** What the pool's server is, asked once per pool on a connection no statement has used yet. */
  private facts(entry: PoolEntry, conn: mysql.PoolConnection): Promise<ServerFacts> {
    if (!entry.facts) {
      entry.facts = conn
        .query({
          sql: `SELECT VERSION(), DATABASE(), @@lower_case_table_names,
                       (SELECT COUNT(*) FROM information_schema.TABLES
                         WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'VIEW_TABLE_USAGE')`,
          rowsAsArray: true,
        })
        .then(
          ([rows]) => {
            const [version, database, lowerCase, usage] = (rows as unknown as Row[])[0] ?? [];
            return {
              flavour: /mariadb/i.test(String(version ?? '')) ? 'mariadb' : 'mysql',
              home: typeof database === 'string' ? database : null,
              lowerCaseTableNames: Number(lowerCase ?? 0),
              viewTableUsage: Number(usage ?? 0) > 0,
            } satisfies ServerFacts;
          },
          (error: unknown) => {
            entry.facts = undefined;
            throw error;
          },
        );
    }
    return entry.facts;
  }

  private translate(error: unknown, limits: SessionLimits, state: SessionState, exceeded: boolean): Error {
    // Refusals the session work itself made (the blast radius, no counting) pass as they are.
    if (error instanceof TollgateError) return error;
    const ours = gatewaySideFailure(error, {
      mode: limits.mode,
      maxResultBytes: limits.maxResultBytes,
      timeoutMs: limits.timeoutMs,
      commitUnconfirmed: state.committing && !isServerError(error),
      budgetExceeded: exceeded,
      deadline: error instanceof Deadline,
      transactionEnded: error instanceof TransactionEnded,
      endedBy: 'DDL commits implicitly',
    });
    if (ours) return ours;
    if (!isServerError(error)) {
      return new TargetError('The target database connection failed.', { cause: error });
    }
    if (error.errno !== undefined && TIMED_OUT.has(error.errno))
      return new TargetTimeoutError(limits.timeoutMs, error);
    return new TargetRejectedError(mysqlRejection(error, limits.mode), { cause: error });
  }

  private pool(connection: MysqlConnection): Promise<PoolEntry> {
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
