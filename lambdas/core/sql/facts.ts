// Facts about a SQL request, as the analysis established them. The decision reads only these.
import type { NamedColumnUse } from './column-uses.js';
import type { RelationRef } from './sql-executor.js';

export type Dialect = 'postgres' | 'mysql';

/** What a statement does, coarse enough for policy and exact enough to never under-state. */
export type StatementKind =
  | 'select'
  | 'insert'
  | 'update'
  | 'delete'
  | 'merge'
  | 'ddl'
  | 'dcl'
  | 'transaction'
  | 'session'
  | 'copy'
  | 'procedural'
  | 'explain'
  | 'utility';

/** Why a function is in the dangerous catalogue (lambdas/core/sql/dangerous-functions.ts). */
export type DangerCategory =
  | 'file-access'
  | 'large-object'
  | 'network'
  | 'backend-signal'
  | 'server-admin'
  | 'settings'
  | 'sequence-write'
  | 'advisory-lock'
  | 'executes-sql'
  | 'sleep'
  | 'transaction-id';

export interface DangerousCall {
  /** The function as written, lower-case, with its qualification (e.g. `pg_catalog.pg_sleep`). */
  readonly name: string;
  readonly category: DangerCategory;
}

export interface StatementFacts {
  /** Top-level node type from the parser, e.g. `SelectStmt` (PostgreSQL) or `select` (MySQL). */
  readonly nodeType: string;
  readonly kind: StatementKind;
  /** The statement's own text, cut from the request at the parser's offsets. */
  readonly text: string;
  /** True when the statement, including every nested CTE and sub-statement, only reads. */
  readonly readOnly: boolean;
  /** Writes found anywhere in the statement (e.g. DML inside a CTE), as statement kinds. */
  readonly nestedWrites: readonly StatementKind[];
  /** Tables referenced (read or written), schema-qualified when the text qualifies them. */
  readonly tables: readonly string[];
  /**
   * The same relations as the parser names them (CTE references excluded), for resolving them
   * the way the server does (`SqlExecutor.resolveRelations`): masking never guesses a schema.
   */
  readonly relations: readonly RelationRef[];
  /** Tables written by DML anywhere in the statement (INSERT/UPDATE/DELETE/MERGE targets). */
  readonly tablesWritten: readonly string[];
  /**
   * True when an UPDATE, DELETE or MERGE anywhere in the statement touches every row: no WHERE,
   * or one that reads no column of the target or holds for every row as written.
   */
  readonly dmlWithoutWhere: boolean;
  /** Functions called, lower-case, with the schema when the text gives one. */
  readonly functions: readonly string[];
  /**
   * Everything that may call code when the statement runs: the functions called, field
   * selections that may be functional notation (`x.f` is `f(x)`), operators (`operator:<symbol>`),
   * types cast to (`type:<name>`: a cast to a user type can run a user function).
   * Masking asks the target which of these are user-defined (`SqlExecutor.userFunctions`).
   */
  readonly codeCandidates: readonly string[];
  /** Calls to functions in the dangerous catalogue, resolved through qualification and quoting. */
  readonly dangerousCalls: readonly DangerousCall[];
  /** A row-locking clause (FOR UPDATE/SHARE) is present: it takes locks even in a read. */
  readonly locking: boolean;
  /** EXPLAIN ANALYZE: the explained statement is executed. */
  readonly explainAnalyze: boolean;
  /** EXPLAIN: the explained statement's node type (e.g. `DeleteStmt`), for answers that name it. */
  readonly explainedNodeType?: string;
  /**
   * MySQL: how the statement uses columns to choose, order and count rows, by name
   * (PostgreSQL derives them from resolved lineage at masking time instead).
   */
  readonly columnUses?: readonly NamedColumnUse[];
}

/** A literal's place in the text: `start` inclusive, `end` exclusive, in UTF-16 characters. */
export interface LiteralSpan {
  readonly start: number;
  readonly end: number;
}

export type SqlFacts =
  | {
      readonly parseOk: true;
      readonly dialect: Dialect;
      readonly statements: readonly StatementFacts[];
      /**
       * MySQL: the `?` placeholders of the text. The server ignores extra bind parameters
       * (PostgreSQL refuses a mismatch itself), so the unit checks the count.
       */
      readonly placeholders?: number;
      /**
       * Where the text's literals (strings and numbers) are, in characters, as the dialect's own
       * lexer finds them: what may be masked when people are shown the text (masking anything
       * else could make the text read as another statement).
       */
      readonly literals?: readonly LiteralSpan[];
    }
  | {
      readonly parseOk: false;
      readonly dialect: Dialect;
      /** The parser's message, e.g. `syntax error at or near "selec"`. */
      readonly error: string;
      /** 1-based character position of the error, when the parser gives one. */
      readonly position: number | undefined;
    };
