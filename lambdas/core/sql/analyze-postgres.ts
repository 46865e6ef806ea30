// Analysis of PostgreSQL text with PostgreSQL's own grammar (libpg-query, the server's parser
// compiled to WASM): exact statement kinds, nested writes, tables, functions, locking.
import { loadModule, parseSync } from 'libpg-query';
import type { SqlAnalyzer } from '../ports.js';
import type { SqlFacts, StatementFacts, StatementKind } from './facts.js';

type Node = Record<string, unknown>;

const DML: Readonly<Record<string, StatementKind>> = {
  InsertStmt: 'insert',
  UpdateStmt: 'update',
  DeleteStmt: 'delete',
  MergeStmt: 'merge',
};

const DCL = new Set([
  'GrantStmt',
  'GrantRoleStmt',
  'AlterDefaultPrivilegesStmt',
  'CreateRoleStmt',
  'AlterRoleStmt',
  'AlterRoleSetStmt',
  'DropRoleStmt',
  'ReassignOwnedStmt',
  'DropOwnedStmt',
  'AlterOwnerStmt',
]);

const SESSION = new Set(['VariableSetStmt', 'VariableShowStmt', 'DiscardStmt', 'ConstraintsSetStmt']);
const PROCEDURAL = new Set(['DoStmt', 'CallStmt']);
const DDL_PREFIXES = ['Create', 'Alter', 'Drop', 'Rename', 'Define', 'Comment', 'SecLabel', 'Import'];
const DDL = new Set([
  'IndexStmt',
  'ViewStmt',
  'TruncateStmt',
  'RuleStmt',
  'RefreshMatViewStmt',
  'CompositeTypeStmt',
]);

/** Kind of a top-level node; anything not recognised is `utility`, which is never read-only. */
const kindOf = (nodeType: string, node: Node): StatementKind => {
  if (nodeType === 'SelectStmt') return node.intoClause ? 'ddl' : 'select';
  const dml = DML[nodeType];
  if (dml) return dml;
  if (nodeType === 'ExplainStmt') return 'explain';
  if (nodeType === 'TransactionStmt') return 'transaction';
  if (nodeType === 'CopyStmt') return 'copy';
  if (SESSION.has(nodeType)) return 'session';
  if (PROCEDURAL.has(nodeType)) return 'procedural';
  if (DCL.has(nodeType)) return 'dcl';
  if (DDL.has(nodeType) || DDL_PREFIXES.some((p) => nodeType.startsWith(p))) return 'ddl';
  return 'utility';
};

interface Walk {
  tables: Set<string>;
  cteNames: Set<string>;
  functions: Set<string>;
  nestedWrites: Set<StatementKind>;
  locking: boolean;
  selectInto: boolean;
}

const names = (list: unknown): string[] =>
  Array.isArray(list)
    ? list
        .map((n) => ((n as Node).String as Node | undefined)?.sval)
        .filter((s): s is string => typeof s === 'string')
    : [];

/** Nodes visited per statement at most: beyond it the request is refused as unanalysable. */
const MAX_NODES = 200_000;

class TooComplex extends Error {}

/**
 * Visits every node below `root`, collecting what the decision needs. Iterative, with an
 * explicit stack: a deeply nested expression cannot overflow the call stack.
 */
const walk = (root: unknown, acc: Walk): void => {
  const stack: unknown[] = [root];
  let visited = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    if (++visited > MAX_NODES) throw new TooComplex();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]); // keep text order
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    const object = value as Node;
    // A RangeVar: wrapped as { RangeVar: {...} } in lists, bare in fields such as DeleteStmt.relation.
    if (typeof object.relname === 'string') {
      acc.tables.add(object.schemaname ? `${object.schemaname}.${object.relname}` : object.relname);
    }
    const children: unknown[] = [];
    for (const [key, child] of Object.entries(object)) {
      const node = child as Node;
      switch (key) {
        case 'CommonTableExpr':
          acc.cteNames.add(String(node.ctename));
          break;
        case 'FuncCall':
          acc.functions.add(names(node.funcname).join('.'));
          break;
        case 'lockingClause':
          acc.locking = true;
          break;
        case 'intoClause':
        case 'CreateTableAsStmt':
          acc.selectInto = true;
          break;
        default: {
          const dml = DML[key];
          if (dml) acc.nestedWrites.add(dml);
        }
      }
      children.push(child);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Cuts a statement's text; libpg-query reports offsets in UTF-8 bytes. */
const statementText = (
  bytes: Uint8Array,
  location: number | undefined,
  length: number | undefined,
): string => {
  const start = location ?? 0;
  const end = length === undefined || length === 0 ? bytes.length : start + length;
  return decoder.decode(bytes.subarray(start, end)).trim();
};

const analyzeStatement = (stmt: Node, text: string): StatementFacts => {
  const [nodeType, body] = Object.entries(stmt)[0] as [string, Node];
  const acc: Walk = {
    tables: new Set(),
    cteNames: new Set(),
    functions: new Set(),
    nestedWrites: new Set(),
    locking: false,
    selectInto: false,
  };
  walk(body, acc);
  const kind = kindOf(nodeType, body);
  for (const cte of acc.cteNames) acc.tables.delete(cte);
  // EXPLAIN is a read only when it explains a SELECT: EXPLAIN ANALYZE executes what it explains.
  const explained =
    nodeType === 'ExplainStmt' ? Object.keys((body.query as Node | undefined) ?? {})[0] : undefined;
  const readsOnly =
    (kind === 'select' || (kind === 'explain' && explained === 'SelectStmt')) &&
    acc.nestedWrites.size === 0 &&
    !acc.selectInto;
  return {
    nodeType,
    kind,
    text,
    readOnly: readsOnly,
    nestedWrites: [...acc.nestedWrites],
    tables: [...acc.tables],
    functions: [...acc.functions],
    locking: acc.locking,
  };
};

const unparseable = (error: string, position?: number): SqlFacts => ({
  parseOk: false,
  dialect: 'postgres',
  error,
  position,
});

/** The PostgreSQL analyzer. Call `load()` once per process before `analyze`. */
export const postgresAnalyzer: SqlAnalyzer = {
  dialect: 'postgres',
  load: loadModule,
  analyze(sql: string): SqlFacts {
    // libpg-query reads C strings: a NUL would end the text it analyses but not the text we run.
    if (sql.includes('\u0000')) return unparseable('the text contains a NUL character');
    let tree: { stmts?: Array<{ stmt: Node; stmt_location?: number; stmt_len?: number }> };
    try {
      tree = parseSync(sql) as unknown as typeof tree;
    } catch (error) {
      const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
      return unparseable(
        error instanceof Error ? error.message : 'the statement could not be parsed',
        details?.cursorPosition === undefined ? undefined : details.cursorPosition + 1,
      );
    }
    try {
      const bytes = encoder.encode(sql);
      const statements = (tree.stmts ?? []).map((s) =>
        analyzeStatement(s.stmt, statementText(bytes, s.stmt_location, s.stmt_len)),
      );
      return { parseOk: true, dialect: 'postgres', statements };
    } catch (error) {
      // Fail closed: what cannot be analysed completely is refused like unparseable text.
      return unparseable(
        error instanceof TooComplex || error instanceof RangeError
          ? 'the statement is too complex to analyse'
          : 'the statement could not be analysed',
      );
    }
  },
};
