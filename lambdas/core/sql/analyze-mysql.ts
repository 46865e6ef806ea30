// Analysis of MySQL / MariaDB text with node-sql-parser's MySQL grammar (a PEG parser in plain
// JavaScript; the per-dialect build only).
//
// Choices, each made to fail closed:
//
// - Grammar: the MySQL grammar, not the MariaDB one. Over a corpus of everyday MariaDB 10.11 text it
//   parses more (`LOCK IN SHARE MODE`, `->`/`->>`, `STRAIGHT_JOIN`, `WINDOW`, `UPDATE/DELETE ...
//   LIMIT`, `CREATE TABLE ... AS SELECT`); the MariaDB grammar adds only `RETURNING` and
//   `DISTINCTROW`, which are refused as unparseable here.
// - Lexing is ours, with the server's rules, before the parser sees anything. The parser's idea of
//   comments differs from the server's: it reads `--x` as a comment where the server reads two minus
//   signs (`SELECT 1 --x, load_file('/etc/passwd')` runs load_file), ends `#` and `-- ` comments at
//   a carriage return where the server reads on to the line feed, and knows PostgreSQL operators
//   such as `#-` that the server reads as a comment. So every comment the server would skip is blanked to spaces
//   (offsets unchanged) and the parser analyses only what the server executes; `--` that the server
//   would not read as a comment is refused.
// - Executable comments (`/*! ... */`, `/*M! ... */`) are executed by the server and ignored by the
//   parser: any text containing one is refused, even inside a string literal.
// - One statement per request. node-sql-parser gives no statement offsets, and re-serialising an AST
//   (`sqlify`) would run text other than what was analysed. The lexer finds top-level semicolons
//   with the server's rules, so a request holds one statement (plus, optionally, a trailing
//   semicolon and comments); anything more is refused. The statement's text is the request's own
//   text, trimmed, without the semicolon: exactly what was analysed, comments included.
// - The lexer assumes the server's default lexical modes (backslash escapes in strings, `"` quoting
//   strings); the executor fixes the session's sql_mode accordingly (no ANSI_QUOTES,
//   NO_BACKSLASH_ESCAPES or ORACLE), or the analysed and executed tokens could differ.
import mysqlGrammar from 'node-sql-parser/build/mysql.js';
import type { SqlAnalyzer } from '../ports.js';
import type {
  DangerCategory,
  DangerousCall,
  LiteralSpan,
  SqlFacts,
  StatementFacts,
  StatementKind,
} from './facts.js';
import {
  identifier,
  isNode,
  MAX_NODES,
  mysqlColumnUses,
  type Node,
  relationOf,
} from './mysql-column-uses.js';
import { type RelationRef, relationRefKey } from './sql-executor.js';

const parser = new mysqlGrammar.Parser();
const PARSE_OPTIONS = { database: 'MySQL', trimQuery: false } as const;

export const MULTIPLE_STATEMENTS = 'multiple statements are not supported for mysql connections';

/** Functions that act beyond a plain read, by their own lower-case name. */
const DANGEROUS_FUNCTIONS: ReadonlyMap<string, DangerCategory> = new Map([
  ['load_file', 'file-access'],
  ['sleep', 'sleep'],
  ['benchmark', 'sleep'], // burns CPU for as long as it is told to
  ['master_pos_wait', 'sleep'],
  ['source_pos_wait', 'sleep'],
  ['master_gtid_wait', 'sleep'],
  ['wait_for_executed_gtid_set', 'sleep'],
  ['wait_until_sql_thread_after_gtids', 'sleep'],
  ['get_lock', 'advisory-lock'],
  ['release_lock', 'advisory-lock'],
  ['release_all_locks', 'advisory-lock'],
  ['is_free_lock', 'advisory-lock'],
  ['is_used_lock', 'advisory-lock'],
  ['sys_exec', 'executes-sql'], // lib_mysqludf_sys: runs shell commands
  ['sys_eval', 'executes-sql'],
  ['nextval', 'sequence-write'], // MariaDB sequences
  ['setval', 'sequence-write'],
  ['lastval', 'sequence-write'],
]);

const DML: Readonly<Record<string, StatementKind>> = {
  insert: 'insert',
  replace: 'insert',
  update: 'update',
  delete: 'delete',
};

const DDL = new Set(['create', 'alter', 'drop', 'truncate', 'rename']);
const USER_OBJECTS = new Set(['user', 'role']);
const SESSION = new Set(['set', 'use', 'show', 'desc']);

/** Kind of a top-level node; anything not recognised is `utility`, which is never read-only. */
const kindOf = (node: Node): StatementKind => {
  const type = String(node.type);
  if (type === 'select') return 'select';
  const dml = DML[type];
  if (dml) return dml;
  if (type === 'explain') return 'explain';
  if (type === 'transaction') return 'transaction';
  if (type === 'grant' || type === 'revoke') return 'dcl';
  if (DDL.has(type)) return USER_OBJECTS.has(String(node.keyword).toLowerCase()) ? 'dcl' : 'ddl';
  if (SESSION.has(type)) return 'session';
  if (type === 'call' || type === 'do') return 'procedural';
  return 'utility'; // LOCK/UNLOCK TABLES, LOAD DATA, ...
};

// ---------------------------------------------------------------------------------------------
// Lexing with the server's rules

type Refusal = { readonly error: string; readonly position: number | undefined };

interface Lexed {
  /** The text with every comment blanked to spaces (line feeds kept); offsets unchanged. */
  readonly masked: string;
  /** Each statement's range, between top-level semicolons. */
  readonly pieces: ReadonlyArray<{ readonly start: number; readonly end: number }>;
  /** `?` placeholders outside quotes and comments. */
  readonly placeholders: number;
  /** Quoted strings (`'…'`, `"…"`) and numbers outside quotes and comments. */
  readonly literals: LiteralSpan[];
}

/** `--` starts a comment only before a space or a control character (or at the end). */
const startsDashComment = (sql: string, i: number): boolean => {
  if (i + 2 >= sql.length) return true;
  const next = sql.charCodeAt(i + 2);
  return next <= 0x20 || next === 0x7f;
};

/** End of a quoted string or identifier starting at `i`, or -1 when it is not closed. */
const quoteEnd = (sql: string, i: number): number => {
  const quote = sql[i];
  const backslashEscapes = quote !== '`';
  let j = i + 1;
  while (j < sql.length) {
    const c = sql[j];
    if (c === '\\' && backslashEscapes) j += 2;
    else if (c === quote) {
      if (sql[j + 1] === quote) j += 2;
      else return j + 1;
    } else j++;
  }
  return -1;
};

const lex = (sql: string): Lexed | Refusal => {
  const blanks: Array<[number, number]> = [];
  const pieces: Array<{ start: number; end: number }> = [];
  let start = 0;
  let placeholders = 0;
  const literals: LiteralSpan[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const end = quoteEnd(sql, i);
      if (end < 0) return { error: 'unterminated quoted string or identifier', position: i + 1 };
      if (c !== '`') literals.push({ start: i, end });
      i = end;
    } else if (c >= '0' && c <= '9' && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
      // A number, not the digits of a name (t1, $1x).
      let end = i;
      while (end < sql.length && /[\w.]/.test(sql[end]!)) end++;
      literals.push({ start: i, end });
      i = end;
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-')) {
      if (c === '-' && !startsDashComment(sql, i)) {
        return {
          error:
            'the server reads "--" followed by anything but a space as two minus signs, not as a comment: ' +
            'add a space after "--"',
          position: i + 1,
        };
      }
      // The server ends line comments at a line feed only (the parser also at a carriage return).
      const newline = sql.indexOf('\n', i);
      const end = newline < 0 ? sql.length : newline;
      blanks.push([i, end]);
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) return { error: 'unterminated comment', position: i + 1 };
      blanks.push([i, close + 2]);
      i = close + 2;
    } else if (c === ';') {
      pieces.push({ start, end: i });
      start = i + 1;
      i++;
    } else {
      if (c === '?') placeholders++;
      i++;
    }
  }
  pieces.push({ start, end: sql.length });
  let masked = '';
  let from = 0;
  for (const [s, e] of blanks) {
    masked += sql.slice(from, s) + sql.slice(s, e).replace(/[^\n]/g, ' ');
    from = e;
  }
  masked += sql.slice(from);
  return { masked, pieces, placeholders, literals };
};

// ---------------------------------------------------------------------------------------------
// Walking the AST

interface Walk {
  tables: Set<string>;
  relations: Map<string, RelationRef>;
  tablesWritten: Set<string>;
  cteNames: Set<string>;
  functions: Set<string>;
  dangerousCalls: DangerousCall[];
  nestedWrites: Set<StatementKind>;
  dmlWithoutWhere: boolean;
  locking: boolean;
  selectInto: boolean;
  assigns: boolean;
}

// Beyond MAX_NODES visited per statement the request is refused as unanalysable.
class TooComplex extends Error {}

const qualified = (db: unknown, name: string): string => {
  const schema = identifier(db);
  return schema ? `${schema}.${name}` : name;
};

/** A table reference (FROM item, DML target, DDL object), not a column. */
const tableOf = (node: Node): string | undefined => {
  const ref = relationOf(node);
  return ref ? qualified(ref.schema, ref.name) : undefined;
};

const functionName = (node: Node): string | undefined => {
  if (node.type === 'aggr_func') return typeof node.name === 'string' ? node.name.toLowerCase() : undefined;
  const name = node.name as Node | undefined;
  if (!isNode(name) || !Array.isArray(name.name)) return undefined;
  const parts = name.name.map(identifier).filter((p): p is string => typeof p === 'string');
  if (parts.length === 0) return undefined;
  const schema = identifier(name.schema);
  return (schema ? [schema, ...parts] : parts).join('.').toLowerCase();
};

/** Tables by alias and by name, from a DML statement's FROM/JOIN list. */
const aliases = (items: unknown): Map<string, string> => {
  const map = new Map<string, string>();
  if (!Array.isArray(items)) return map;
  for (const item of items) {
    if (!isNode(item)) continue;
    const table = tableOf(item);
    if (!table) continue;
    map.set(table, table);
    if (typeof item.as === 'string' && item.as) map.set(item.as, table);
    else if (typeof item.table === 'string' && !map.has(item.table)) map.set(item.table, table);
  }
  return map;
};

/** Targets of a DELETE (aliases resolved) or UPDATE (by the SET list's qualifiers). */
const dmlTargets = (node: Node): string[] => {
  const type = node.type;
  const targets = Array.isArray(node.table)
    ? node.table.filter(isNode)
    : isNode(node.table)
      ? [node.table]
      : [];
  if (type === 'delete') {
    const byAlias = aliases(node.from);
    return targets.map((t) => {
      const name = tableOf(t);
      return (name && !t.db && byAlias.get(String(t.table))) || name || '';
    });
  }
  if (type === 'update') {
    const byAlias = aliases(node.table);
    const all = [...new Set(byAlias.values())];
    if (all.length <= 1) return all;
    const written = new Set<string>();
    for (const item of Array.isArray(node.set) ? node.set.filter(isNode) : []) {
      const qualifier = identifier(item.table);
      const table = qualifier ? byAlias.get(qualifier) : undefined;
      for (const t of table ? [table] : all) written.add(t); // unqualified: any of them
    }
    return [...written];
  }
  // INSERT, REPLACE, LOAD DATA
  return targets.map(tableOf).filter((t): t is string => typeof t === 'string');
};

type Value = number | string | null;

/** The value of a constant expression, or undefined when it depends on the row. */
const constant = (node: unknown): Value | undefined => {
  if (!isNode(node)) return undefined;
  switch (node.type) {
    case 'number': {
      const n = Number(node.value);
      return Number.isNaN(n) ? undefined : n;
    }
    case 'bool':
    case 'boolean':
      return node.value ? 1 : 0;
    case 'null':
      return null;
    case 'single_quote_string':
    case 'double_quote_string':
    case 'string':
    case 'natural_string':
      return typeof node.value === 'string' ? node.value : undefined;
    case 'unary_expr': {
      const v = constant(node.expr);
      if (v === undefined) return undefined;
      if (node.operator === 'NOT' || node.operator === '!') return v === null ? null : truthy(v) ? 0 : 1;
      if (node.operator === '-') return v === null ? null : -toNumber(v);
      return undefined;
    }
    case 'binary_expr':
      return binary(node);
    default:
      return undefined;
  }
};

/** MySQL's string-to-number conversion: the leading numeric part, or 0. */
const toNumber = (v: number | string): number => {
  if (typeof v === 'number') return v;
  const n = Number.parseFloat(v);
  return Number.isNaN(n) ? 0 : n;
};

const truthy = (v: Value): boolean => v !== null && toNumber(v) !== 0;

const compare = (op: string, a: Value, b: Value): Value | undefined => {
  if (a === null || b === null) return op === '<=>' ? (a === b ? 1 : 0) : null;
  let order: number;
  if (typeof a === 'string' && typeof b === 'string') {
    // String order depends on the collation (case, accents, padding): only identity is known.
    if (a !== b) return undefined;
    order = 0;
  } else {
    const [x, y] = [toNumber(a), toNumber(b)];
    order = x === y ? 0 : x < y ? -1 : 1;
  }
  switch (op) {
    case '=':
    case '<=>':
      return order === 0 ? 1 : 0;
    case '!=':
    case '<>':
      return order !== 0 ? 1 : 0;
    case '<':
      return order < 0 ? 1 : 0;
    case '>':
      return order > 0 ? 1 : 0;
    case '<=':
      return order <= 0 ? 1 : 0;
    case '>=':
      return order >= 0 ? 1 : 0;
    default:
      return undefined;
  }
};

const ARITHMETIC = new Set(['+', '-', '*', '/', 'DIV', '%', 'MOD']);

const binary = (node: Node): Value | undefined => {
  const op = String(node.operator).toUpperCase();
  if (op === 'OR' || op === '||') {
    const [l, r] = [constant(node.left), constant(node.right)];
    if ((l !== undefined && truthy(l)) || (r !== undefined && truthy(r))) return 1;
    return l === undefined || r === undefined ? undefined : l === null || r === null ? null : 0;
  }
  if (op === 'AND' || op === '&&') {
    const [l, r] = [constant(node.left), constant(node.right)];
    if (l === undefined || r === undefined) return undefined;
    return truthy(l) && truthy(r) ? 1 : 0;
  }
  const [l, r] = [constant(node.left), constant(node.right)];
  if (ARITHMETIC.has(op)) {
    if (l === undefined || r === undefined) return undefined;
    if (l === null || r === null) return null;
    const [x, y] = [toNumber(l), toNumber(r)];
    switch (op) {
      case '+':
        return x + y;
      case '-':
        return x - y;
      case '*':
        return x * y;
      case '/':
        return y === 0 ? null : x / y;
      case 'DIV':
        return y === 0 ? null : Math.trunc(x / y);
      default: // % and MOD
        return y === 0 ? null : x % y;
    }
  }
  if (op === 'IS' || op === 'IS NOT') {
    // IS [NOT] NULL / TRUE / FALSE: never NULL itself.
    if (l === undefined || r === undefined) return undefined;
    const same = r === null ? l === null : l !== null && truthy(l) === truthy(r);
    return (op === 'IS') === same ? 1 : 0;
  }
  if (l === undefined || r === undefined) return undefined;
  return compare(op, l, r);
};

/** True when no column is referenced anywhere below `node` (subqueries included). */
const rowIndependent = (node: unknown): boolean => {
  const stack: unknown[] = [node];
  let visited = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    if (++visited > MAX_NODES) throw new TooComplex();
    if (Array.isArray(value)) for (const item of value) stack.push(item);
    else if (isNode(value)) {
      if (value.type === 'column_ref') return false;
      for (const item of Object.values(value)) stack.push(item);
    }
  }
  return true;
};

/**
 * Whether a WHERE clause lets an UPDATE or DELETE touch every row: absent; not depending on the row
 * (`WHERE 1`, `WHERE 1=1`, `WHERE TRUE`, `WHERE ?`, `WHERE RAND() < 2`) unless provably false; a
 * column compared with itself; or an OR with such a branch. Row-independent predicates that cannot be
 * evaluated count as true: fail closed.
 */
const touchesEveryRow = (where: unknown): boolean => {
  if (where === null || where === undefined) return true;
  if (!isNode(where)) return false;
  if (rowIndependent(where)) {
    const value = constant(where);
    return value === undefined || truthy(value);
  }
  if (where.type === 'binary_expr') {
    const op = String(where.operator).toUpperCase();
    if (op === 'OR' || op === '||') {
      return touchesEveryRow(where.left) || touchesEveryRow(where.right);
    }
    if (op === 'AND' || op === '&&') return touchesEveryRow(where.left) && touchesEveryRow(where.right);
    const { left, right } = where;
    if (
      ['=', '<=>', '>=', '<=', 'LIKE'].includes(op) &&
      isNode(left) &&
      left.type === 'column_ref' &&
      JSON.stringify(left) === JSON.stringify(right)
    ) {
      return true;
    }
  }
  return false;
};

/**
 * Visits every node below `root`, collecting what the decision needs. Iterative, with an explicit
 * stack: a deeply nested expression cannot overflow the call stack.
 */
const walk = (root: Node, acc: Walk): void => {
  const stack: unknown[] = [root];
  let visited = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    if (++visited > MAX_NODES) throw new TooComplex();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]); // keep text order
      continue;
    }
    if (!isNode(value)) continue;
    const node = value;
    const type = typeof node.type === 'string' ? node.type : undefined;
    let skip: string | undefined;

    const table = tableOf(node);
    if (table) acc.tables.add(table);
    const ref = relationOf(node);
    if (ref) acc.relations.set(relationRefKey(ref), ref);
    if (type && (DML[type] || type === 'load_data')) {
      for (const t of dmlTargets(node)) {
        if (!t) continue;
        acc.tablesWritten.add(t);
        if (type === 'delete') acc.tables.add(t); // other targets are visited as table references
      }
      if (node !== root && DML[type]) acc.nestedWrites.add(DML[type]!);
      if ((type === 'update' || type === 'delete') && touchesEveryRow(node.where)) acc.dmlWithoutWhere = true;
      if (type === 'delete') skip = 'table'; // targets may be aliases: resolved above
      if (type === 'load_data') {
        acc.dangerousCalls.push({ name: 'load data infile', category: 'file-access' });
      }
    }
    if (type === 'function' || type === 'aggr_func') {
      const name = functionName(node);
      if (name && name !== 'exists') {
        acc.functions.add(name);
        // The server folds some non-ASCII letters into ASCII ones (the Kelvin sign into k): look up
        // a compatibility-normalised name, which over-matches rather than under-matches.
        const own = name
          .slice(name.lastIndexOf('.') + 1)
          .normalize('NFKC')
          .toLowerCase();
        const category = DANGEROUS_FUNCTIONS.get(own);
        if (category) acc.dangerousCalls.push({ name, category });
      }
    }
    if (type === 'assign' || (type === 'binary_expr' && node.operator === ':=')) acc.assigns = true;
    if (node.locking_read) acc.locking = true;
    const into = node.into;
    if (isNode(into) && into.keyword) {
      acc.selectInto = true;
      const keyword = String(into.keyword).toLowerCase();
      if (keyword === 'outfile' || keyword === 'dumpfile') {
        acc.dangerousCalls.push({ name: `into ${keyword}`, category: 'file-access' });
      }
    }
    if (Array.isArray(node.with)) {
      for (const cte of node.with) {
        const name = isNode(cte) ? identifier(cte.name) : undefined;
        if (name) acc.cteNames.add(name);
      }
    }
    const children = Object.entries(node)
      .filter(([key]) => key !== skip)
      .map(([, child]) => child);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
};

const analyzeStatement = (root: Node, text: string, masked: string): StatementFacts => {
  const acc: Walk = {
    tables: new Set(),
    relations: new Map(),
    tablesWritten: new Set(),
    cteNames: new Set(),
    functions: new Set(),
    dangerousCalls: [],
    nestedWrites: new Set(),
    dmlWithoutWhere: false,
    locking: false,
    selectInto: false,
    assigns: false,
  };
  walk(root, acc);
  for (const cte of acc.cteNames) {
    acc.tables.delete(cte);
    acc.relations.delete(relationRefKey({ name: cte }));
  }
  // SELECT … INTO @v / := set session variables, INTO OUTFILE writes a server file: as for
  // PostgreSQL's SELECT INTO, the action is the most restrictive of what the statement does.
  if (acc.selectInto || acc.assigns) acc.nestedWrites.add('session');
  const kind = kindOf(root);
  // The grammar refuses EXPLAIN ANALYZE and MariaDB's ANALYZE statement; should it ever accept
  // them, the explained statement runs.
  const explainAnalyze = kind === 'explain' && /^\s*(explain|describe|desc)\s+analy[sz]e\b/i.test(masked);
  const explained = kind === 'explain' && isNode(root.expr) ? root.expr.type : undefined;
  const readOnly =
    (kind === 'select' || (kind === 'explain' && explained === 'select' && !explainAnalyze)) &&
    acc.nestedWrites.size === 0 &&
    !acc.selectInto &&
    !acc.assigns &&
    !acc.locking;
  return {
    nodeType: String(root.type),
    kind,
    text,
    readOnly,
    nestedWrites: [...acc.nestedWrites],
    tables: [...acc.tables],
    relations: [...acc.relations.values()],
    tablesWritten: [...acc.tablesWritten],
    dmlWithoutWhere: acc.dmlWithoutWhere,
    functions: [...acc.functions],
    codeCandidates: [...acc.functions],
    dangerousCalls: acc.dangerousCalls,
    locking: acc.locking,
    explainAnalyze,
    columnUses: mysqlColumnUses(root),
  };
};

// ---------------------------------------------------------------------------------------------

const unparseable = (error: string, position?: number): SqlFacts => ({
  parseOk: false,
  dialect: 'mysql',
  error,
  position,
});

interface PegError {
  message: string;
  found?: string | null;
  location?: { start?: { offset?: number } };
}

/** The parser's complaint, short: its own messages list every token it expected. */
const syntaxError = (error: unknown, masked: string, base: number): SqlFacts => {
  const peg = error as PegError;
  const offset = peg?.location?.start?.offset;
  if (typeof offset !== 'number') {
    const message = error instanceof Error ? error.message.replace(/^Error: /, '') : '';
    return unparseable(message.slice(0, 300) || 'the statement could not be parsed');
  }
  const token = /^(?:[\p{L}\p{N}_$]+|\S)/u.exec(masked.slice(offset))?.[0];
  return unparseable(
    token ? `syntax error at or near "${token}"` : 'syntax error at end of input',
    base + offset + 1,
  );
};

const leadingSpace = (s: string) => s.length - s.trimStart().length;
const trailingSpace = (s: string) => s.length - s.trimEnd().length;

/** The MySQL / MariaDB analyzer. Pure JavaScript: `load()` has nothing to do. */
export const mysqlAnalyzer: SqlAnalyzer = {
  dialect: 'mysql',
  load: () => Promise.resolve(),
  analyze(sql: string): SqlFacts {
    if (sql.includes('\u0000')) return unparseable('the text contains a NUL character');
    const executable = /\/\*M?!/i.exec(sql);
    if (executable) {
      return unparseable(
        'executable comments (/*! ... */, /*M! ... */) are not supported: the server runs their content',
        executable.index + 1,
      );
    }
    const lexed = lex(sql);
    if ('error' in lexed) return unparseable(lexed.error, lexed.position);
    const { masked } = lexed;
    const pieces = lexed.pieces.filter((p) => masked.slice(p.start, p.end).trim() !== '');
    if (pieces.length === 0) return { parseOk: true, dialect: 'mysql', statements: [] };
    if (pieces.length > 1) {
      const second = pieces[1]!;
      return unparseable(
        MULTIPLE_STATEMENTS,
        second.start + leadingSpace(masked.slice(second.start, second.end)) + 1,
      );
    }
    const piece = pieces[0]!;
    // Trim by the text the server receives (comments at either end stay in it).
    const original = sql.slice(piece.start, piece.end);
    const start = piece.start + leadingSpace(original);
    const end = piece.end - trailingSpace(original);
    const text = sql.slice(start, end);
    const analysed = masked.slice(start, end);
    let ast: unknown;
    try {
      ast = parser.astify(analysed, PARSE_OPTIONS);
    } catch (error) {
      if (error instanceof RangeError) return unparseable('the statement is too complex to analyse');
      return syntaxError(error, analysed, start);
    }
    const list = Array.isArray(ast) ? ast : [ast];
    // `GO` separates batches in this grammar (the server knows no such thing).
    if (list.length > 1 || (isNode(list[0]) && ('go_next' in list[0] || 'go' in list[0]))) {
      return unparseable(MULTIPLE_STATEMENTS);
    }
    const root = list[0];
    if (!isNode(root) || typeof root.type !== 'string') {
      return unparseable('the statement could not be analysed');
    }
    try {
      return {
        parseOk: true,
        dialect: 'mysql',
        statements: [analyzeStatement(root, text, analysed)],
        placeholders: lexed.placeholders,
        literals: lexed.literals,
      };
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
