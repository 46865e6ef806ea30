// Analysis of PostgreSQL text with PostgreSQL's own grammar (libpg-query, the server's parser
// compiled to WASM): exact statement kinds, nested writes, tables read and written, DML without
// WHERE, functions and dangerous calls, locking, EXPLAIN ANALYZE.
import { loadModule, parseSync, scanSync } from 'libpg-query';
import type { SqlAnalyzer } from '../ports.js';
import { dangerousCategory, dangerousWriteTarget } from './dangerous-functions.js';
import type { DangerCategory, LiteralSpan, SqlFacts, StatementFacts, StatementKind } from './facts.js';
import { type RelationRef, relationRefKey } from './sql-executor.js';

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

/** Nodes visited per statement at most: beyond it the request is refused as unanalysable. */
const MAX_NODES = 200_000;

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

/**
 * Whether a SELECT is a SELECT INTO, which creates a table. PostgreSQL takes the INTO of a set
 * operation (`SELECT * INTO t FROM a UNION SELECT * FROM b`) from its leftmost arm, down the
 * `larg` chain, as transformOptionalSelectInto does.
 */
const selectsInto = (select: Node): boolean => {
  let node: Node | undefined = select;
  for (let depth = 0; node !== undefined && depth < MAX_NODES; depth++) {
    if (node.intoClause) return true;
    if (node.op === undefined || node.op === 'SETOP_NONE') return false;
    node = node.larg as Node | undefined;
  }
  return false;
};

/** Kind of a top-level node; anything not recognised is `utility`, which is never read-only. */
const kindOf = (nodeType: string, node: Node): StatementKind => {
  if (nodeType === 'SelectStmt') return selectsInto(node) ? 'ddl' : 'select';
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
  relations: Map<string, RelationRef>;
  codeCandidates: Set<string>;
  tablesWritten: Set<string>;
  functions: Set<string>;
  /** Dangerous calls by the name as written. */
  dangerous: Map<string, DangerCategory>;
  nestedWrites: Set<StatementKind>;
  /** Every INSERT, UPDATE, DELETE and MERGE, judged for touching every row once the walk is done. */
  writes: Array<{ readonly kind: StatementKind; readonly body: Node }>;
  locking: boolean;
  selectInto: boolean;
}

const names = (list: unknown): string[] =>
  Array.isArray(list)
    ? list
        .map((n) => ((n as Node).String as Node | undefined)?.sval)
        .filter((s): s is string => typeof s === 'string')
    : [];

/** A RangeVar's name: `schema.relation` when the text qualifies it (a database part is dropped). */
const relationName = (rangeVar: Node): string =>
  rangeVar.schemaname ? `${rangeVar.schemaname}.${rangeVar.relname}` : String(rangeVar.relname);

/** A RangeVar as a reference the server resolves (names as the parser folded or kept them). */
const relationRef = (rangeVar: Node): RelationRef =>
  typeof rangeVar.schemaname === 'string'
    ? { schema: rangeVar.schemaname, name: String(rangeVar.relname) }
    : { name: String(rangeVar.relname) };

const TABLE_LIKE = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

// What PostgreSQL's boolean input accepts (boolin: unique prefixes of true/yes, on, 1 and their
// opposites), so a string literal in a WHERE clause is as true as `true`.
const TRUE_WORDS = new Set(['t', 'tr', 'tru', 'true', 'y', 'ye', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['f', 'fa', 'fal', 'fals', 'false', 'n', 'no', 'of', 'off', '0']);

/** Conditions are folded this deep at most; beyond it a condition is taken as matching every row. */
const MAX_FOLD_DEPTH = 64;

const isBoolType = (typeName: unknown): boolean => {
  const parts = names((typeName as Node | undefined)?.names);
  return (parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_catalog')) && parts.at(-1) === 'bool';
};

/** The constant a literal (optionally cast to boolean) stands for as a condition, or undefined. */
const constantTruth = (expr: Node): boolean | undefined => {
  const literal = (expr.A_Const ??
    (isBoolType((expr.TypeCast as Node | undefined)?.typeName)
      ? ((expr.TypeCast as Node).arg as Node | undefined)?.A_Const
      : undefined)) as Node | undefined;
  if (!literal) return undefined;
  if (literal.boolval) return (literal.boolval as Node).boolval === true;
  if (literal.sval) {
    const word = asciiLower(String((literal.sval as Node).sval ?? '').trim());
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return undefined;
  }
  // An integer is a condition only when cast to boolean: 1::bool is true, 0::bool false.
  if (literal.ival && expr.TypeCast) return ((literal.ival as Node).ival ?? 0) !== 0;
  return undefined;
};

/** A literal, or a literal with a cast; `withNull` admits NULL. */
const isConstant = (expr: unknown, withNull: boolean): boolean => {
  const node = expr as Node | undefined;
  const literal = (node?.A_Const ??
    ((node?.TypeCast as Node | undefined)?.arg as Node | undefined)?.A_Const) as Node | undefined;
  return literal !== undefined && (withNull || literal.isnull !== true);
};

const withoutLocations = (expr: unknown): string =>
  JSON.stringify(expr, (key, value) => (key === 'location' ? undefined : value));

/** Where the text put a node: not part of what it means. */
const POSITIONS = new Set(['location', 'rexpr_list_start', 'rexpr_list_end']);

/** Whether two expressions are the same as written, positions aside (iterative: any depth). */
const sameExpression = (a: unknown, b: unknown): boolean => {
  const pairs: Array<[unknown, unknown]> = [[a, b]];
  while (pairs.length > 0) {
    const [x, y] = pairs.pop()!;
    if (x === y) continue;
    if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const keys = Object.keys(x).filter((k) => !POSITIONS.has(k));
    if (keys.length !== Object.keys(y).filter((k) => !POSITIONS.has(k)).length) return false;
    for (const key of keys) {
      if (!Object.hasOwn(y, key)) return false;
      pairs.push([(x as Node)[key], (y as Node)[key]]);
    }
  }
  return true;
};

/** A built-in operator's symbol (unqualified or `OPERATOR(pg_catalog.…)`); undefined for others. */
const builtinOperator = (name: unknown): string | undefined => {
  const parts = names(name);
  return parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_catalog') ? parts.at(-1) : undefined;
};

/**
 * The exact value of a condition that reads no column: `true`, `'yes'`, `1::bool`, `1 = 1`,
 * `'a' = 'a'`, `NULL IS NULL`, `NOT false`, `true IS TRUE` (and their false counterparts).
 * Undefined when it is not folded: such a condition may be either.
 */
const truthOf = (expr: unknown, depth = 0): boolean | undefined => {
  if (expr === null || typeof expr !== 'object' || depth > MAX_FOLD_DEPTH) return undefined;
  const node = expr as Node;
  if (node.A_Const || node.TypeCast) return constantTruth(node);
  const aExpr = node.A_Expr as Node | undefined;
  if (aExpr) {
    // `=` is NULL when either side is; IS NOT DISTINCT FROM is true for two NULLs.
    const withNull = aExpr.kind === 'AEXPR_NOT_DISTINCT';
    const comparesConstants =
      (withNull || (aExpr.kind === 'AEXPR_OP' && builtinOperator(aExpr.name) === '=')) &&
      isConstant(aExpr.lexpr, withNull) &&
      isConstant(aExpr.rexpr, withNull);
    return comparesConstants && withoutLocations(aExpr.lexpr) === withoutLocations(aExpr.rexpr)
      ? true
      : undefined;
  }
  const boolExpr = node.BoolExpr as Node | undefined;
  if (boolExpr) {
    const args = Array.isArray(boolExpr.args) ? boolExpr.args : [];
    const truths = args.map((a) => truthOf(a, depth + 1));
    switch (boolExpr.boolop) {
      case 'OR_EXPR':
        if (truths.includes(true)) return true;
        return truths.every((t) => t === false) ? false : undefined;
      case 'AND_EXPR':
        if (truths.includes(false)) return false;
        return truths.every((t) => t === true) ? true : undefined;
      case 'NOT_EXPR':
        return truths.length === 1 && truths[0] !== undefined ? !truths[0] : undefined;
      default:
        return undefined;
    }
  }
  const nullTest = node.NullTest as Node | undefined;
  if (nullTest) {
    if (!isConstant(nullTest.arg, true)) return undefined;
    const isNull = !isConstant(nullTest.arg, false);
    return nullTest.nulltesttype === 'IS_NULL' ? isNull : !isNull;
  }
  const booleanTest = node.BooleanTest as Node | undefined;
  if (booleanTest) {
    const truth = truthOf(booleanTest.arg, depth + 1);
    if (truth === undefined) return undefined;
    switch (booleanTest.booltesttype) {
      case 'IS_TRUE':
      case 'IS_NOT_FALSE':
        return truth;
      case 'IS_FALSE':
      case 'IS_NOT_TRUE':
        return !truth;
      default:
        return undefined;
    }
  }
  return undefined;
};

/**
 * A write's target as its conditions see it: which nodes of the conditions read a column of the
 * row being written.
 */
type RowReads = WeakMap<object, boolean>;

/** Objects under `roots`, visited iteratively (conditions can nest deeper than the call stack). */
const eachObject = (roots: readonly unknown[], visit: (node: Node) => void): void => {
  const stack = [...roots];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (!Array.isArray(value)) visit(value as Node);
    for (const child of Object.values(value))
      if (child !== null && typeof child === 'object') stack.push(child);
  }
};

/**
 * Which nodes of a write's conditions read a column of the row being written. A column
 * reference may, unless it is qualified by the name of another range entry of the statement (a
 * table of UPDATE … FROM or DELETE … USING, the MERGE source, a subquery's own FROM): an
 * unqualified name may be a column of the target, and a qualifier that names the target (its
 * alias or its name) or nothing the statement declares (say, a composite column) may too.
 */
const rowReads = (body: Node, conditions: readonly unknown[]): RowReads => {
  const relation = body.relation as Node | undefined;
  const target = new Set<string>();
  const alias = (relation?.alias as Node | undefined)?.aliasname;
  if (typeof alias === 'string') target.add(alias);
  if (typeof relation?.relname === 'string') target.add(relation.relname);
  const others = new Set<string>();
  eachObject([body.fromClause, body.usingClause, body.sourceRelation, ...conditions], (node) => {
    const name = (node.alias as Node | undefined)?.aliasname ?? node.relname;
    if (typeof name === 'string') others.add(name);
  });
  const readsTarget = (columnRef: Node): boolean => {
    const fields = Array.isArray(columnRef.fields) ? (columnRef.fields as Node[]) : [];
    if (fields.length < 2) return true;
    const qualifier = (fields[fields.length - 2]?.String as Node | undefined)?.sval;
    return typeof qualifier !== 'string' || target.has(qualifier) || !others.has(qualifier);
  };
  // Post-order: a node reads the row when it is such a column reference or has a child that reads it.
  const reads: RowReads = new WeakMap();
  const isObject = (c: unknown): c is object => c !== null && typeof c === 'object';
  const stack: Array<{ node: object; children: object[] | undefined }> = conditions
    .filter(isObject)
    .map((node) => ({ node, children: undefined }));
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.children === undefined) {
      top.children = Object.values(top.node).filter(isObject);
      for (const node of top.children) stack.push({ node, children: undefined });
      continue;
    }
    stack.pop();
    const columnRef = (top.node as Node).ColumnRef as Node | undefined;
    reads.set(
      top.node,
      (columnRef !== undefined && readsTarget(columnRef)) || top.children.some((c) => reads.get(c) === true),
    );
  }
  return reads;
};

/** Operators true of any value compared with itself (NULL aside), and those never true of it. */
const REFLEXIVE = new Set(['=', '<=', '>=']);
const IRREFLEXIVE = new Set(['<>', '<', '>']); // the parser reads != as <>

/**
 * Whether a comparison has the same expression on both sides (`id = id`, `id IN (id, 5)`,
 * `lower(x) IS NOT DISTINCT FROM lower(x)`) and so holds (`hold`) or fails (`!hold`) for every
 * row whatever the row holds. NULLs aside: `id = id` is NULL for a NULL id, and a key has none.
 */
const comparesWithItself = (aExpr: Node, hold: boolean): boolean => {
  if (aExpr.lexpr === undefined) return false;
  const operator = builtinOperator(aExpr.name);
  switch (aExpr.kind) {
    case 'AEXPR_OP':
      return (
        operator !== undefined &&
        (hold ? REFLEXIVE : IRREFLEXIVE).has(operator) &&
        sameExpression(aExpr.lexpr, aExpr.rexpr)
      );
    case 'AEXPR_NOT_DISTINCT':
      return hold && sameExpression(aExpr.lexpr, aExpr.rexpr);
    case 'AEXPR_DISTINCT':
      return !hold && sameExpression(aExpr.lexpr, aExpr.rexpr);
    case 'AEXPR_IN': {
      // `x IN (…)` is named `=`, `x NOT IN (…)` is named `<>`.
      const items = ((aExpr.rexpr as Node | undefined)?.List as Node | undefined)?.items;
      return (
        operator === (hold ? '=' : '<>') &&
        Array.isArray(items) &&
        items.some((item) => sameExpression(aExpr.lexpr, item))
      );
    }
    default:
      return false;
  }
};

/**
 * Whether a condition may hold for every row of the write's target (`hold`), or fail for every
 * row (`!hold`: what a NOT turns into holding). A fail-closed approximation: it answers false
 * only for a condition that, as written, tells rows apart.
 *
 * - A part that reads no column of the row has one value for all rows: it may hold for every row
 *   unless it folds to false (`false`, `NOT true`, `'off'`), and fail for every row unless it
 *   folds to true. `x OR 2 > 1` is every row; `x OR false` is `x`.
 * - OR holds for every row when one of its arms may; AND when all of them may; NOT turns it round.
 * - The same expression on both sides of `=`, `<=`, `>=`, IS NOT DISTINCT FROM or IN holds for
 *   every row; of `<>`, `<`, `>`, IS DISTINCT FROM or NOT IN, fails for every row.
 * - IS TRUE / IS NOT FALSE follow their argument; IS FALSE / IS NOT TRUE turn it round.
 * - Anything else that reads the row (`id = 5`, `id > 0`, `email IS NULL`) is a real condition.
 */
const mayBeForEveryRow = (expr: unknown, hold: boolean, reads: RowReads, depth = 0): boolean => {
  if (expr === null || typeof expr !== 'object') return true;
  const node = expr as Node;
  if (reads.get(node) !== true) {
    const truth = truthOf(node);
    return truth === undefined || truth === hold;
  }
  if (depth > MAX_FOLD_DEPTH) return true;
  const next = (arg: unknown, h: boolean) => mayBeForEveryRow(arg, h, reads, depth + 1);
  const boolExpr = node.BoolExpr as Node | undefined;
  if (boolExpr) {
    const args: unknown[] = Array.isArray(boolExpr.args) ? boolExpr.args : [];
    switch (boolExpr.boolop) {
      case 'OR_EXPR':
        return hold ? args.some((a) => next(a, true)) : args.every((a) => next(a, false));
      case 'AND_EXPR':
        return hold ? args.every((a) => next(a, true)) : args.some((a) => next(a, false));
      case 'NOT_EXPR':
        return args.some((a) => next(a, !hold));
      default:
        return true;
    }
  }
  const aExpr = node.A_Expr as Node | undefined;
  if (aExpr) return comparesWithItself(aExpr, hold);
  const booleanTest = node.BooleanTest as Node | undefined;
  if (booleanTest) {
    switch (booleanTest.booltesttype) {
      case 'IS_TRUE':
      case 'IS_NOT_FALSE':
        return next(booleanTest.arg, hold);
      case 'IS_FALSE':
      case 'IS_NOT_TRUE':
        return next(booleanTest.arg, !hold);
      default:
        return false;
    }
  }
  return false;
};

/**
 * Whether a write condition (an UPDATE's or DELETE's WHERE, a MERGE WHEN clause's AND) lets the
 * write touch every row of its target:
 *
 * - no condition at all;
 * - a condition that reads no column of the target row (`WHERE 2 > 1`, `WHERE 'a' <> 'b'`,
 *   `WHERE 1 IN (1, 2)`, `WHERE EXISTS (SELECT 1 FROM customers)`, `UPDATE … FROM customers
 *   WHERE customers.vip`). It has one value for all rows, so the write touches all of them or
 *   none. Chosen deliberately, to fail closed and stay simple: it is taken as every row even when
 *   it plainly matches nothing (`WHERE false`, `WHERE 1 = 2`, `WHERE NULL = NULL`): such a write
 *   changes nothing, so refusing it costs nothing, and the analysis never has to prove a
 *   constant false;
 * - a condition that reads the row but holds for every row as written (`id = 5 OR 1 = 1`,
 *   `id = id`, `NOT (id <> id)`; see `mayBeForEveryRow`).
 *
 * `WHERE CURRENT OF cursor` is a real condition (one row).
 */
const touchesEveryRow = (condition: unknown, reads: () => RowReads): boolean => {
  if (condition === undefined || condition === null) return true;
  if ((condition as Node).CurrentOfExpr) return false;
  const known = reads();
  return known.get(condition as object) !== true || mayBeForEveryRow(condition, true, known);
};

/**
 * Whether a MERGE touches every row of its target: a WHEN MATCHED clause that updates or deletes
 * with no condition of its own (or one that touches every row), when the join condition matches
 * every target row (`ON true`, `ON 2 > 1`, `ON s.id = 1`: judged as a WHERE clause); or a WHEN
 * NOT MATCHED BY SOURCE clause that updates or deletes, when the join condition may match no
 * target row (`ON false`, `ON 1 = 2`).
 */
const mergeTouchesEveryRow = (body: Node): boolean => {
  const clauses = (Array.isArray(body.mergeWhenClauses) ? body.mergeWhenClauses : [])
    .map((c) => (c as Node).MergeWhenClause as Node | undefined)
    .filter((c): c is Node => c !== undefined)
    .filter((c) => c.commandType === 'CMD_UPDATE' || c.commandType === 'CMD_DELETE');
  if (clauses.length === 0) return false;
  let known: RowReads | undefined;
  const reads = (): RowReads => {
    known ??= rowReads(body, [body.joinCondition, ...clauses.map((c) => c.condition)]);
    return known;
  };
  const join = body.joinCondition;
  const matchesEveryRow = touchesEveryRow(join, reads);
  const missesEveryRow =
    join === undefined || reads().get(join as object) !== true || mayBeForEveryRow(join, false, reads());
  return clauses.some(
    (c) =>
      touchesEveryRow(c.condition, reads) &&
      ((c.matchKind === 'MERGE_WHEN_MATCHED' && matchesEveryRow) ||
        (c.matchKind === 'MERGE_WHEN_NOT_MATCHED_BY_SOURCE' && missesEveryRow)),
  );
};

/** Whether an UPDATE or DELETE (by its WHERE clause) or a MERGE touches every row. */
const writeTouchesEveryRow = (kind: StatementKind, body: Node): boolean => {
  if (kind === 'merge') return mergeTouchesEveryRow(body);
  if (kind !== 'update' && kind !== 'delete') return false;
  let known: RowReads | undefined;
  return touchesEveryRow(body.whereClause, () => {
    known ??= rowReads(body, [body.whereClause]);
    return known;
  });
};

/**
 * An INSERT, UPDATE, DELETE or MERGE anywhere in the statement: its target, and whether writing
 * it is a dangerous call (as writing pg_settings is). Whether it touches every row is judged after
 * the walk, so only for a statement small enough to analyse.
 */
const noteDml = (kind: StatementKind, body: Node, acc: Walk): void => {
  const target = body.relation as Node | undefined;
  if (target && typeof target.relname === 'string') {
    const name = relationName(target);
    acc.tablesWritten.add(name);
    const danger = dangerousWriteTarget(target.relname);
    if (danger && !acc.dangerous.has(name)) acc.dangerous.set(name, danger.category);
  }
  acc.writes.push({ kind, body });
};

const noteWritten = (rangeVar: unknown, acc: Walk): void => {
  const node = rangeVar as Node | undefined;
  if (node && typeof node.relname === 'string') acc.tablesWritten.add(relationName(node));
};

/** The table-like object a DDL or COPY statement creates, changes, empties, fills or drops. */
const noteDdl = (key: string, node: Node, acc: Walk): void => {
  switch (key) {
    case 'DropStmt':
      if (!TABLE_LIKE.has(String(node.removeType))) return;
      for (const object of Array.isArray(node.objects) ? node.objects : []) {
        const parts = names(((object as Node).List as Node | undefined)?.items);
        if (parts.length > 0) acc.tablesWritten.add(parts.slice(-2).join('.'));
      }
      return;
    case 'TruncateStmt':
      for (const relation of Array.isArray(node.relations) ? node.relations : []) {
        noteWritten((relation as Node).RangeVar, acc);
      }
      return;
    case 'CreateStmt':
    case 'RefreshMatViewStmt':
      noteWritten(node.relation, acc);
      return;
    case 'CreateForeignTableStmt':
      noteWritten((node.base as Node | undefined)?.relation, acc);
      return;
    case 'CreateTableAsStmt':
      noteWritten((node.into as Node | undefined)?.rel, acc);
      return;
    case 'intoClause':
      noteWritten(node.rel, acc);
      return;
    case 'ViewStmt':
      noteWritten(node.view, acc);
      return;
    case 'AlterTableStmt':
      if (TABLE_LIKE.has(String(node.objtype))) noteWritten(node.relation, acc);
      return;
    case 'AlterObjectSchemaStmt':
      if (TABLE_LIKE.has(String(node.objectType))) noteWritten(node.relation, acc);
      return;
    case 'RenameStmt':
      // Renaming a table, or a column or constraint of one.
      if (TABLE_LIKE.has(String(node.renameType)) || TABLE_LIKE.has(String(node.relationType))) {
        noteWritten(node.relation, acc);
      }
      return;
    case 'CopyStmt':
      if (node.is_from === true) noteWritten(node.relation, acc);
      return;
  }
};

const noteCall = (funcCall: Node, acc: Walk): void => {
  const parts = names(funcCall.funcname);
  if (parts.length === 0) return;
  const name = parts.join('.');
  acc.functions.add(name);
  acc.codeCandidates.add(name);
  const danger = dangerousCategory(parts.at(-1)!);
  if (danger && !acc.dangerous.has(name)) acc.dangerous.set(name, danger.category);
};

/**
 * Catalogued functions that take several arguments: functional notation (below) passes exactly
 * one, so it cannot call them, and their names are common column names.
 */
const MULTI_ARGUMENT_ONLY = new Set([
  'schedule',
  'schedule_in_database',
  'alter_job',
  'invoke',
  'invoke_endpoint',
]);

/**
 * PostgreSQL also calls a one-argument function written as a column of its argument:
 * `(expr).pg_sleep` and `alias.pg_sleep` are `pg_sleep(expr)`. The parser gives these as column
 * references and indirections, not FuncCall nodes, so each name in such a position that the
 * catalogue knows counts as a call (a real column of that name is refused too: fail closed).
 */
const noteFieldCall = (name: string, acc: Walk): void => {
  // `x.f` may be f(x) (functional notation): a user function reached so must be seen too.
  acc.codeCandidates.add(name);
  if (MULTI_ARGUMENT_ONLY.has(name)) return;
  const danger = dangerousCategory(name);
  if (danger && !acc.dangerous.has(name)) {
    acc.functions.add(name);
    acc.dangerous.set(name, danger.category);
  }
};

class TooComplex extends Error {}

/** On the walk's stack: makes CTE names visible (+1) or hides them again (-1). */
class ScopeChange {
  constructor(
    readonly names: readonly string[],
    readonly delta: 1 | -1,
  ) {}
}

/** On the walk's stack: a RangeVar that is the target of a write or DDL, never a CTE reference. */
class Target {
  constructor(readonly rangeVar: unknown) {}
}

/**
 * Visits every node of the statement `root` (a `{ NodeType: body }` wrapper), collecting what the
 * decision needs. Iterative, with an explicit stack: a deeply nested expression cannot overflow
 * the call stack.
 *
 * CTE names are resolved as PostgreSQL resolves them, so a CTE cannot hide a real table: a WITH
 * list's names are visible in its own statement and, in a plain WITH, in the later CTEs of the
 * list (in WITH RECURSIVE, in all of them); not in a CTE's own body, not elsewhere in the text,
 * never for a schema-qualified name and never as the target of a write. Visibility is a count per
 * name, raised and lowered by markers on the stack around the subtree it covers: linear in the
 * number of nodes, however many CTEs there are.
 */
const walk = (root: Node, acc: Walk): void => {
  const stack: unknown[] = [root];
  const visibleCtes = new Map<string, number>();
  let visited = 0;
  while (stack.length > 0) {
    let value = stack.pop();
    if (value instanceof ScopeChange) {
      for (const name of value.names) visibleCtes.set(name, (visibleCtes.get(name) ?? 0) + value.delta);
      continue;
    }
    let target = false;
    if (value instanceof Target) {
      value = value.rangeVar;
      target = true;
    }
    if (++visited > MAX_NODES) throw new TooComplex();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]); // keep text order
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    const object = value as Node;
    // A RangeVar: wrapped as { RangeVar: {...} } in lists, bare in fields such as DeleteStmt.relation.
    if (typeof object.relname === 'string') {
      const cteReference =
        !target && !object.schemaname && !object.catalogname && (visibleCtes.get(object.relname) ?? 0) > 0;
      if (!cteReference) {
        acc.tables.add(relationName(object));
        const ref = relationRef(object);
        acc.relations.set(relationRefKey(ref), ref);
      }
    }
    const children: unknown[] = [];
    // The statement's WITH list comes first, as in the text; then the rest sees all its names.
    const withClause = object.withClause as Node | undefined;
    const ctes = Array.isArray(withClause?.ctes) ? (withClause.ctes as Node[]) : [];
    const cteNames = ctes.map((c) => String((c.CommonTableExpr as Node | undefined)?.ctename));
    if (ctes.length > 0) {
      if (withClause?.recursive === true) {
        children.push(new ScopeChange(cteNames, 1), ...ctes);
      } else {
        ctes.forEach((cte, i) => {
          children.push(cte, new ScopeChange([cteNames[i]!], 1));
        });
      }
    }
    for (const [key, child] of Object.entries(object)) {
      const node = child as Node;
      switch (key) {
        case 'withClause':
          continue;
        case 'relation':
        case 'rel':
          // Targets of writes and DDL (and SELECT INTO's new table) never resolve to a CTE.
          children.push(new Target(child));
          continue;
        case 'FuncCall':
        case 'funccall': // CallStmt's procedure, bare rather than wrapped in { FuncCall }
          noteCall(node, acc);
          break;
        case 'ColumnRef': {
          const fields = names(node.fields);
          if (fields.length >= 2) noteFieldCall(fields.at(-1)!, acc);
          break;
        }
        case 'A_Indirection':
          for (const field of names(node.indirection)) noteFieldCall(field, acc);
          break;
        case 'TypeCast': {
          // A cast to a user type can run a user function (CREATE CAST ... WITH FUNCTION).
          const type = names((node.typeName as Node | undefined)?.names);
          if (type.length > 0) acc.codeCandidates.add(`type:${type.join('.')}`);
          break;
        }
        case 'A_Expr': {
          // An operator is a function call in disguise: a user-defined one can read any table.
          // Qualified as written: OPERATOR(shadow.+) names shadow's +, not the one on the path.
          const operator = names(node.name);
          if (operator.length > 0) acc.codeCandidates.add(`operator:${operator.join('.')}`);
          break;
        }
        case 'lockingClause':
          acc.locking = true;
          break;
        case 'intoClause':
        case 'CreateTableAsStmt':
          acc.selectInto = true;
          noteDdl(key, node, acc);
          break;
        default: {
          const dml = DML[key];
          if (dml) {
            noteDml(dml, node, acc);
            if (object !== root) acc.nestedWrites.add(dml);
          } else {
            noteDdl(key, node, acc);
          }
        }
      }
      children.push(child);
    }
    if (ctes.length > 0) children.push(new ScopeChange(cteNames, -1));
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
};

/**
 * EXPLAIN's ANALYZE option, read as PostgreSQL's defGetBoolean does: no value, 1, true or on
 * enable it; 0, false and off disable it; anything else is an error there and an ANALYZE here.
 * Several ANALYZE options: any that enables it counts.
 */
const explainAnalyzes = (options: unknown): boolean =>
  Array.isArray(options) &&
  options.some((option) => {
    const def = (option as Node).DefElem as Node | undefined;
    if (def?.defname !== 'analyze') return false;
    const arg = def.arg as Node | undefined;
    if (arg === undefined) return true;
    if (arg.Integer) return ((arg.Integer as Node).ival ?? 0) !== 0;
    if (arg.Boolean) return (arg.Boolean as Node).boolval === true;
    const word = (arg.String as Node | undefined)?.sval;
    return !(typeof word === 'string' && (asciiLower(word) === 'false' || asciiLower(word) === 'off'));
  });

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
    relations: new Map(),
    codeCandidates: new Set(),
    tablesWritten: new Set(),
    functions: new Set(),
    dangerous: new Map(),
    nestedWrites: new Set(),
    writes: [],
    locking: false,
    selectInto: false,
  };
  walk(stmt, acc);
  // An INTO anywhere in a SELECT makes it a SELECT INTO, as it is on the leftmost arm. PostgreSQL
  // refuses it elsewhere ("SELECT ... INTO is not allowed here"); refusing it here costs nothing.
  const intoKind = (k: StatementKind): StatementKind => (k === 'select' && acc.selectInto ? 'ddl' : k);
  const kind = intoKind(kindOf(nodeType, body));
  // What a statement writes, it references.
  for (const table of acc.tablesWritten) acc.tables.add(table);
  // EXPLAIN is a read only when it explains a SELECT: EXPLAIN ANALYZE executes what it explains.
  // Whatever else it explains counts as a nested write of that kind, with or without ANALYZE.
  let explainAnalyze = false;
  let explained: string | undefined;
  if (nodeType === 'ExplainStmt') {
    explainAnalyze = explainAnalyzes(body.options);
    const query = (body.query as Node | undefined) ?? {};
    explained = Object.keys(query)[0];
    if (explained !== undefined) {
      const explainedKind = intoKind(kindOf(explained, query[explained] as Node));
      if (explainedKind !== 'select') acc.nestedWrites.add(explainedKind);
    }
  }
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
    relations: [...acc.relations.values()],
    tablesWritten: [...acc.tablesWritten],
    dmlWithoutWhere: acc.writes.some((w) => writeTouchesEveryRow(w.kind, w.body)),
    functions: [...acc.functions],
    codeCandidates: [...acc.codeCandidates],
    dangerousCalls: [...acc.dangerous].map(([name, category]) => ({ name, category })),
    locking: acc.locking,
    explainAnalyze,
    ...(explained === undefined ? {} : { explainedNodeType: explained }),
  };
};

const unparseable = (error: string, position?: number): SqlFacts => ({
  parseOk: false,
  dialect: 'postgres',
  error,
  position,
});

/** String, bit-string and numeric constants, as PostgreSQL's own scanner sees them. */
const LITERAL_TOKENS = new Set(['SCONST', 'USCONST', 'BCONST', 'XCONST', 'ICONST', 'FCONST']);

/** The literals of `sql` (whose UTF-8 is `bytes`), from the server's scanner, in characters. */
const literalsOf = (sql: string, bytes: Uint8Array): LiteralSpan[] => {
  const tokens =
    (scanSync(sql) as { tokens?: Array<{ start: number; end: number; tokenName: string }> }).tokens ?? [];
  const decoder = new TextDecoder();
  const spans: LiteralSpan[] = [];
  // The scanner counts bytes: walk them once, converting as we go.
  let byte = 0;
  let char = 0;
  const at = (offset: number) => {
    char += decoder.decode(bytes.subarray(byte, offset)).length;
    byte = offset;
    return char;
  };
  for (const token of tokens) {
    if (!LITERAL_TOKENS.has(token.tokenName) || token.start < byte) continue;
    spans.push({ start: at(token.start), end: at(token.end) });
  }
  return spans;
};

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
      // Only the parser's own syntax errors are passed on; an engine failure (the WASM stack
      // overflowing on deep nesting: "Maximum call stack size exceeded") says nothing an agent
      // can use, and nothing about the engine belongs in an answer.
      if (details === undefined) {
        return unparseable(
          error instanceof RangeError
            ? 'the statement is too complex to analyse'
            : 'the statement could not be parsed',
        );
      }
      return unparseable(
        error instanceof Error ? error.message : 'the statement could not be parsed',
        details.cursorPosition === undefined ? undefined : details.cursorPosition + 1,
      );
    }
    try {
      const bytes = encoder.encode(sql);
      const statements = (tree.stmts ?? []).map((s) =>
        analyzeStatement(s.stmt, statementText(bytes, s.stmt_location, s.stmt_len)),
      );
      return { parseOk: true, dialect: 'postgres', statements, literals: literalsOf(sql, bytes) };
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
