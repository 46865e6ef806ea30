// The SQL target port: runs analysed statements on a PostgreSQL or MySQL connection and resolves
// relation names exactly as that server resolves them (search_path, the connection's database,
// the server's case rules). Adapters: lambdas/adapters/targets/{postgres,mysql}-executor.ts.
import type { SqlConnection } from '../config/connection.js';
import type { ResultSet } from '../ports.js';

/**
 * A relation as a statement names it, each part as the server's parser yields it: unquoted
 * identifiers already folded the server's way, quoted ones kept exactly. `schema` is absent when
 * the text does not qualify the name (the server then searches its path / uses the current
 * database).
 */
export interface RelationRef {
  readonly schema?: string;
  readonly name: string;
}

/** The key a RelationRef is answered under: `schema\0name`, or `\0name` when unqualified. */
export const relationRefKey = (ref: RelationRef): string => `${ref.schema ?? ''}\u0000${ref.name}`;

/**
 * The refs worth asking a server about, one per key: an empty name or one with a NUL byte names
 * nothing a server can hold, so it is left unresolved (and callers treat it as unknown).
 */
export const distinctRefs = (refs: readonly RelationRef[]): Map<string, RelationRef> => {
  const askable = (part: string | undefined) => part !== '' && !(part?.includes('\u0000') ?? false);
  const unique = new Map<string, RelationRef>();
  for (const ref of refs) if (askable(ref.name) && askable(ref.schema)) unique.set(relationRefKey(ref), ref);
  return unique;
};

/** A relation the server found, named as the server stores it. */
export interface ResolvedRelation {
  readonly schema: string;
  readonly name: string;
  /** `view` includes materialized views; `other` is anything else that can be selected from (sequences, foreign tables...). */
  readonly kind: 'table' | 'view' | 'other';
  /** Column names in order. */
  readonly columns: readonly string[];
  /**
   * For views: every base relation the view reads, transitively (through other views), or
   * `undefined` when the server cannot say, or when the view (or a view it reads) calls a user
   * function, operator or type (callers then treat the view as reading anything).
   * Empty for tables.
   */
  readonly dependsOn: ReadonlyArray<{ readonly schema: string; readonly name: string }> | undefined;
  /**
   * The tables this one inherits from or is a partition of, transitively (PostgreSQL
   * `pg_inherits`): a child's rows are its parent's data, and so are its columns' classes.
   * Empty when none (and on MySQL).
   */
  readonly ancestors: ReadonlyArray<{ readonly schema: string; readonly name: string }>;
}

/** How a function's result may change: PostgreSQL's pg_proc.provolatile (i, s, v). */
export type Volatility = 'immutable' | 'stable' | 'volatile';

export interface SqlRunRequest {
  /**
   * `read`: a READ ONLY transaction that is always rolled back. `write`: one read-write
   * transaction, committed only when every statement succeeded (approved writes).
   */
  readonly mode: 'read' | 'write';
  /** Statements in order; each was analysed and admitted. The last one's rows are returned. */
  readonly statements: readonly string[];
  /** Bind parameters; only with a single statement. */
  readonly params: readonly unknown[];
  readonly rowLimit: number;
  readonly timeoutMs: number;
  /** Bytes the target may send for the whole request. */
  readonly maxResultBytes: number;
  /**
   * Writes only: the most rows the statements may change together. More, and the transaction is
   * rolled back and BlastRadiusExceededError thrown: nothing is committed.
   */
  readonly maxAffectedRows?: number;
  /** Writes only: which statements change rows (from the analysis), counted against the bound. */
  readonly writes?: readonly boolean[];
  /** Writes only: the tables the statements write (`table` or `schema.table`, from the analysis). */
  readonly tablesWritten?: readonly string[];
}

/**
 * Runs statements on a SQL target with a statement timeout, a row cap and a byte budget; the
 * connection's name resolution (PostgreSQL `search_path`) is pinned inside every transaction.
 * Throws TargetRejectedError (the server refused the statement), TargetTimeoutError, or
 * TargetError (the target failed or is unreachable).
 */
export interface SqlExecutor {
  run(connection: SqlConnection, request: SqlRunRequest): Promise<ResultSet>;
  /**
   * Resolves each ref as the server would in a request on this connection (same pinned
   * search_path / database, same case rules). The answer is keyed by `relationRefKey`; a ref the
   * server does not find is absent.
   */
  resolveRelations(
    connection: SqlConnection,
    refs: readonly RelationRef[],
  ): Promise<ReadonlyMap<string, ResolvedRelation>>;
  /**
   * The relations a request on this connection can name unqualified or in its schemas: for
   * PostgreSQL the tables and views of the schemas on the pinned search_path, for MySQL those of
   * the connection's database; at most `limit`, ordered by schema and name (discovery).
   */
  listRelations(connection: SqlConnection, limit: number): Promise<ResolvedRelation[]>;
  /**
   * Of the functions a statement calls (names as the analysis gives them: lower-case, with the
   * schema when the text qualifies it), those that may run code the target's users defined:
   * any function of that name, resolved as the server would, outside the server's own catalogs
   * (`pg_catalog`, `information_schema`; MySQL: a stored function). Such a function can read
   * any table, so masking treats its result as opaque. An entry `operator:<symbol>` (optionally
   * `operator:schema.<symbol>`) names an operator: it counts when an operator of that name lives
   * outside the catalogs on the path or in the named schema, or is implemented by such a function
   * (MySQL has no user operators).
   */
  userFunctions(connection: SqlConnection, names: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * The volatility of each named function as the server resolves the name (search_path, quoting,
   * overloads: the most volatile overload); a name the server has no function for is absent from
   * the map. Names as for `userFunctions`: `operator:<symbol>` counts by the functions behind
   * every operator of that name in scope (implementation and planner estimators), `type:<name>` by
   * the functions a cast to that type can run (pg_cast, the type's input and typmod functions, a
   * domain's constraints). Code the target's users wrote counts as volatile whatever it declares.
   * MySQL has no volatility catalogue: a stored function is volatile, a built-in is as the
   * bundled list (builtin-functions/mysql.ts) says.
   */
  functionVolatility(
    connection: SqlConnection,
    names: readonly string[],
  ): Promise<ReadonlyMap<string, Volatility>>;
  /**
   * The planner's estimate of the rows each statement would change, without running it
   * (PostgreSQL: plain EXPLAIN in a read-only transaction; never ANALYZE), in order; null where
   * the target cannot say (MySQL, a statement that is not a write).
   */
  estimateWrites(
    connection: SqlConnection,
    request: { readonly statements: readonly string[]; readonly params: readonly unknown[] },
  ): Promise<(number | null)[]>;
  close(): Promise<void>;
}
