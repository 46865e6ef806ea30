// Facts about a SQL request, as the analysis established them. The decision reads only these.

export type Dialect = 'postgres';

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

export interface StatementFacts {
  /** Top-level node type from the parser, e.g. `SelectStmt`. */
  readonly nodeType: string;
  readonly kind: StatementKind;
  /** The statement's own text, cut from the request at the parser's offsets. */
  readonly text: string;
  /** True when the statement, including every nested CTE and sub-statement, only reads. */
  readonly readOnly: boolean;
  /** Writes found anywhere in the statement (e.g. DML inside a CTE), as statement kinds. */
  readonly nestedWrites: readonly StatementKind[];
  /** Tables referenced, schema-qualified when the text qualifies them. */
  readonly tables: readonly string[];
  /** Functions called, lower-case, with the schema when the text gives one. */
  readonly functions: readonly string[];
  /** A row-locking clause (FOR UPDATE/SHARE) is present: it takes locks even in a read. */
  readonly locking: boolean;
}

export type SqlFacts =
  | {
      readonly parseOk: true;
      readonly dialect: Dialect;
      readonly statements: readonly StatementFacts[];
    }
  | {
      readonly parseOk: false;
      readonly dialect: Dialect;
      /** The parser's message, e.g. `syntax error at or near "selec"`. */
      readonly error: string;
      /** 1-based character position of the error, when the parser gives one. */
      readonly position: number | undefined;
    };
