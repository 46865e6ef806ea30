// Column lineage of a PostgreSQL SELECT: for each output column, the source columns its values
// are computed from. Read from PostgreSQL's own grammar (libpg-query; call `loadLineage()` — the
// module's `loadModule` — once per process before `lineageOf`).
//
// Fail closed: whatever this cannot follow exactly (an unknown table or column, an ambiguous
// name, a function in FROM of unknown shape, a data-modifying CTE, a function that runs SQL text)
// makes the output `resolved: false`, and the caller masks it. Over-approximation is the rule:
// every argument of a function or operator flows into its result, as do the outputs of a
// subquery used in an expression.
//
// Information flow, explicit and implicit (docs/masking.md): a value can be carried by control as
// well as by computation. Every query block has a row-set flow: everything that decides which
// rows it yields, how many and in what order (FROM items, set-returning function arguments, JOIN
// conditions, WHERE, GROUP BY, HAVING, DISTINCT, ORDER BY, LIMIT/OFFSET, and the row-set flows of
// the subqueries it reads). An aggregate (`count(*)` included), a window function, an ordinality
// column and a subquery used as a value carry that row-set flow; a CASE carries its conditions; an
// aggregate carries its FILTER and ORDER BY. A plain column's presence in a filtered block is the
// predicate channel instead: every use of a column to choose, order or count rows is listed in
// `uses` (column-uses.ts), for policy to refuse the oracle forms.
import { loadModule, parseSync } from 'libpg-query';
import type { UseKind } from '../sql/column-uses.js';
import { dangerousCategory } from '../sql/dangerous-functions.js';
import type { SourceColumn } from './types.js';

/** The tables and columns the database has, resolved as the server resolves names. */
export interface Catalog {
  /**
   * The relation a name (as the parser gives it: unquoted folded, quoted kept; schema absent
   * when unqualified) resolves to on the server, with its columns in order; undefined for an
   * unknown relation, or one whose columns cannot be followed (a view over classified data).
   */
  resolve(schema: string | undefined, table: string): CatalogRelation | undefined;
  /**
   * Functions (lower-case, schema-qualified as written) that may run user-defined code: their
   * values can come from any table, so they are opaque (unresolved), whatever their arguments.
   */
  readonly opaqueFunctions?: ReadonlySet<string>;
}

export interface CatalogRelation {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
}

export interface TableName {
  readonly schema: string;
  readonly table: string;
}

export interface OutputLineage {
  /** The output column's name, as PostgreSQL names it. */
  readonly name: string;
  /** Source columns the value is computed from, in order of first appearance. */
  readonly sources: readonly SourceColumn[];
  /** False when the lineage could not be followed completely: mask the column. */
  readonly resolved: boolean;
  /** Whole-row reference: carries every column of these tables (also listed in `sources`). */
  readonly wholeRows: readonly TableName[];
  /**
   * True when the output is one source column passed through unchanged (plain column references,
   * through subqueries, CTEs and stars). Only then may a value keep a partial or tokenized form:
   * anything computed (`$1 || substr(email, 1, 0)`, `reverse(notes)`) must be redacted.
   */
  readonly direct: boolean;
}

/** A use of columns to choose, order or count rows (see `UseKind`). */
export interface ColumnUse {
  readonly kind: UseKind;
  readonly sources: readonly SourceColumn[];
  /** Whole rows used (`WHERE c::text LIKE …`): every column of these tables. */
  readonly wholeRows: readonly TableName[];
  /** False when the value used could not be followed: every class the statement reads counts. */
  readonly resolved: boolean;
}

/**
 * A result's order as the statement asks for it: `none` (no ORDER BY, or only constants: the
 * plan's order), `outputs` (every key is an output column, by index: rows that tie on them come
 * in the plan's order), or `other` (a key that is no output: ties cannot be told apart here).
 */
export type ResultOrder =
  | { readonly kind: 'none' }
  | { readonly kind: 'outputs'; readonly keys: readonly number[] }
  | { readonly kind: 'other' };

export type LineageResult =
  | {
      readonly ok: true;
      readonly outputs: OutputLineage[];
      /** Every use of columns to choose, order or count rows, anywhere in the statement. */
      readonly uses: ColumnUse[];
      /**
       * False when a star could not be expanded (an unknown table, a subquery or function of
       * unknown shape): an unresolved output named `*` then stands for an unknown number of
       * columns, so the outputs need not match the result's columns one to one — mask them all.
       */
      readonly columnsKnown: boolean;
      /** How the statement orders its result (`ResultOrder`). */
      readonly order: ResultOrder;
    }
  | { readonly ok: false; readonly reason: string };

/** Loads the parser; once per process, before `lineageOf`. */
export const loadLineage = (): Promise<void> => loadModule();

type Node = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Flows: what a value is computed from.

interface Flow {
  readonly cols: Map<string, SourceColumn>;
  readonly rows: Map<string, TableName>;
  resolved: boolean;
  /** Set only on a base table column's own flow; every combination makes a new, indirect flow. */
  readonly direct?: true;
  /**
   * One base column's value on every row, as it is or case-, space- or type-folded without loss
   * (a column, `lower(col)`, `col::text`, a UNION of such columns): comparing it with a value tests
   * that one value. A computed value (`max(col)`, `ltrim(col, $1)`, a column mixed with constants
   * in a UNION ALL) is not exact: equality on it can test an order, a set or many guesses.
   */
  readonly exact?: true;
}

const emptyFlow = (resolved = true): Flow => ({ cols: new Map(), rows: new Map(), resolved });

/** Adds `from` into `into` (mutates `into`). */
const addFlow = (into: Flow, from: Flow): void => {
  for (const [k, v] of from.cols) if (!into.cols.has(k)) into.cols.set(k, v);
  for (const [k, v] of from.rows) if (!into.rows.has(k)) into.rows.set(k, v);
  if (!from.resolved) into.resolved = false;
};

const unionFlows = (flows: readonly Flow[], resolved = true): Flow => {
  const out = emptyFlow(resolved);
  for (const f of flows) addFlow(out, f);
  return out;
};

const unresolved = (flow: Flow): Flow => ({ ...unionFlows([flow]), resolved: false });

const sameFlow = (a: Flow, b: Flow): boolean =>
  a.resolved === b.resolved &&
  // A recursive CTE's column can lose exactness in a later round (guesses joining the column).
  a.exact === b.exact &&
  a.direct === b.direct &&
  a.cols.size === b.cols.size &&
  a.rows.size === b.rows.size &&
  [...a.cols.keys()].every((k) => b.cols.has(k)) &&
  [...a.rows.keys()].every((k) => b.rows.has(k));

const columnKey = (c: SourceColumn): string => `${c.schema}\u0000${c.table}\u0000${c.column}`;

// ---------------------------------------------------------------------------------------------
// Scopes.

interface Column {
  readonly name: string;
  readonly flow: Flow;
}

/** A query's result: its columns; `shapeKnown` false when their number is not known. */
interface Shape {
  readonly columns: Column[];
  readonly shapeKnown: boolean;
  /** What decides which rows the query yields, how many and in what order. */
  readonly rows: Flow;
  /**
   * What the order its rows arrive in may follow without an ORDER BY of the caller's: the columns
   * a sort for GROUP BY, DISTINCT or a set operation compares, its own ORDER BY, and the same of
   * the queries it reads.
   */
  readonly order?: Flow;
}

/** A FROM item as names see it. */
interface RangeItem {
  /** The name that qualifies its columns (alias, else table or function name); none for a join. */
  readonly refname: string | undefined;
  /** `schema` of a base table referred to by its own name (for `schema.table.column`). */
  readonly schema?: string;
  /** Undefined when the columns are not known (opaque): every reference to it is unresolved. */
  readonly columns: Column[] | undefined;
  /** The whole row: every column (and, for a base table, the table in `rows`). */
  readonly flow: Flow;
  /** What decides which rows the item yields and how many (a subquery's row-set flow, a function's arguments). */
  readonly rows: Flow;
  /** A recursive CTE's self-reference before its first round: any name is in it, with no flow. */
  readonly bottom?: boolean;
  /** The order its rows may arrive in (`Shape.order`). */
  readonly order?: Flow;
}

/** One query level's FROM: items by qualifier, items whose columns are visible unqualified. */
interface Level {
  readonly qualified: RangeItem[];
  readonly unqualified: RangeItem[];
  readonly parent: Level | undefined;
}

interface CteEntry {
  readonly shape: Shape | undefined; // undefined: opaque (data-modifying, SEARCH/CYCLE, …)
  readonly bottom?: boolean;
}

interface Env {
  readonly catalog: Catalog;
  readonly ctes: ReadonlyMap<string, CteEntry>;
  readonly scope: Level | undefined;
  readonly budget: { steps: number };
  /** Uses found so far, by kind and flow (the same use found twice is kept once). */
  readonly uses: Map<string, { kind: UseKind; flow: Flow }>;
  /** The current block's flow into its aggregates: FROM items' rows, WHERE, GROUP BY. */
  readonly aggregateRows?: Flow;
  /** Into its window functions: the aggregates' flow with HAVING and the named windows. */
  readonly windowRows?: Flow;
  /** Where a window's PARTITION BY and ORDER BY flows are gathered (the block's compared flows). */
  readonly windows?: Flow;
}

class TooComplex extends Error {}
/** Work allowed per statement (node visits): beyond it the text is refused as too complex. */
const MAX_STEPS = 200_000;
const MAX_FIXPOINT_ROUNDS = 32;

const step = (env: Env): void => {
  if (++env.budget.steps > MAX_STEPS) throw new TooComplex();
};

const lower = (s: string): string => s.toLowerCase();

const strings = (list: unknown): string[] =>
  Array.isArray(list)
    ? list.map((n) => {
        const s = ((n as Node).String as Node | undefined)?.sval;
        return typeof s === 'string' ? s : '';
      })
    : [];

const aliasOf = (node: Node): { name: string | undefined; colnames: string[] } => {
  const alias = node.alias as Node | undefined;
  return {
    name: typeof alias?.aliasname === 'string' ? alias.aliasname : undefined,
    colnames: strings(alias?.colnames),
  };
};

const wholeRowFlow = (columns: readonly Column[]): Flow => unionFlows(columns.map((c) => c.flow));

/** Renames the first columns as an alias list does; undefined when it lists too many. */
const renamed = (columns: Column[], names: readonly string[]): Column[] | undefined => {
  if (names.length > columns.length) return undefined;
  return columns.map((c, i) => (i < names.length ? { name: names[i]!, flow: c.flow } : c));
};

/** An item whose columns are not known: its rows are not known either. */
const opaqueItem = (refname: string | undefined, flow: Flow, rows: Flow = flow): RangeItem => ({
  refname,
  columns: undefined,
  flow: unresolved(flow),
  rows: unresolved(rows),
});

const itemOfShape = (refname: string | undefined, shape: Shape, colnames: string[]): RangeItem => {
  const whole = wholeRowFlow(shape.columns);
  const columns = shape.shapeKnown ? renamed(shape.columns, colnames) : undefined;
  return columns
    ? { refname, columns, flow: whole, rows: shape.rows, order: shape.order }
    : { ...opaqueItem(refname, whole, unionFlows([whole, shape.rows])), order: shape.order };
};

// ---------------------------------------------------------------------------------------------
// Uses: columns that choose, order or count rows.

const flowKey = (kind: UseKind, flow: Flow): string =>
  [
    kind,
    flow.resolved ? '1' : '0',
    ...[...flow.cols.keys()].sort(),
    '\u0001',
    ...[...flow.rows.keys()].sort(),
  ].join('\u0000');

/** Records a use; a flow that reads nothing (a constant, a parameter) is no use. */
const use = (env: Env, kind: UseKind, flow: Flow): void => {
  if (flow.resolved && flow.cols.size === 0 && flow.rows.size === 0) return;
  const key = flowKey(kind, flow);
  if (!env.uses.has(key)) env.uses.set(key, { kind, flow: unionFlows([flow], flow.resolved) });
};

const readsNothing = (flow: Flow): boolean => flow.resolved && flow.cols.size === 0 && flow.rows.size === 0;

// ---------------------------------------------------------------------------------------------
// Name resolution.

const findTable = (name: string, level: Level | undefined): RangeItem | 'ambiguous' | undefined => {
  for (let l = level; l; l = l.parent) {
    const matches = l.qualified.filter((i) => i.refname === name);
    if (matches.length > 1) return 'ambiguous';
    if (matches.length === 1) return matches[0];
  }
  return undefined;
};

const columnOfItem = (item: RangeItem, name: string): Flow => {
  if (item.bottom) return emptyFlow();
  if (!item.columns) return unresolved(item.flow);
  const found = item.columns.filter((c) => c.name === name);
  if (found.length === 1) return found[0]!.flow;
  // Several columns of that name (ambiguous), or none: `t.f` may call f(t) — the whole row.
  return unresolved(found.length > 1 ? unionFlows(found.map((c) => c.flow)) : item.flow);
};

/** An unqualified name: a column of some level, else a whole-row reference to a FROM item. */
const resolveName = (name: string, level: Level | undefined): Flow => {
  for (let l = level; l; l = l.parent) {
    const found: Flow[] = [];
    const opaque: Flow[] = [];
    let bottom = false;
    for (const item of l.unqualified) {
      if (item.bottom) bottom = true;
      else if (!item.columns) opaque.push(item.flow);
      else for (const c of item.columns) if (c.name === name) found.push(c.flow);
    }
    if (found.length === 1 && opaque.length === 0) return found[0]!;
    if (found.length > 0 || opaque.length > 0) return unionFlows([...found, ...opaque], false);
    if (bottom) return emptyFlow();
  }
  const table = findTable(name, level);
  if (table === 'ambiguous' || table === undefined) return emptyFlow(false);
  return table.bottom ? emptyFlow() : table.flow;
};

/** Finds the FROM item a qualified reference's qualifier (`t` or `s.t`) names. */
const qualifier = (parts: readonly string[], level: Level | undefined): RangeItem | undefined => {
  if (parts.length === 1) {
    const item = findTable(parts[0]!, level);
    return item === 'ambiguous' ? undefined : item;
  }
  if (parts.length === 2) {
    const [schema, table] = parts;
    for (let l = level; l; l = l.parent) {
      const matches = l.qualified.filter((i) => i.refname === table && i.schema === schema);
      if (matches.length === 1) return matches[0];
      if (matches.length > 1) return undefined;
    }
  }
  return undefined;
};

/**
 * Parts of a ColumnRef as the parser gives them (unquoted names folded to lower case, quoted
 * ones kept: the server's rule), `*` for A_Star; undefined for anything else.
 */
const refParts = (columnRef: Node): string[] | undefined => {
  const fields = Array.isArray(columnRef.fields) ? (columnRef.fields as Node[]) : [];
  const parts: string[] = [];
  for (const f of fields) {
    if (f.A_Star) parts.push('*');
    else if (typeof (f.String as Node | undefined)?.sval === 'string')
      parts.push(String((f.String as Node).sval));
    else return undefined;
  }
  return parts.length > 0 ? parts : undefined;
};

/** A column reference in an expression (a star there stands for whole rows). */
const resolveColumnRef = (columnRef: Node, level: Level | undefined): Flow => {
  const parts = refParts(columnRef);
  if (!parts) return emptyFlow(false);
  const last = parts.at(-1)!;
  if (parts.length === 1) {
    if (last !== '*') return resolveName(last, level);
    const items = level?.unqualified ?? [];
    return items.length === 0 ? emptyFlow(false) : unionFlows(items.map((i) => i.flow));
  }
  const item = qualifier(parts.slice(0, -1), level);
  if (!item) return emptyFlow(false);
  if (last === '*') return item.bottom ? emptyFlow() : item.flow;
  return columnOfItem(item, last);
};

// ---------------------------------------------------------------------------------------------
// Expressions.

/**
 * PostgreSQL's built-in aggregates, by name: a value of the rows they aggregate. A call with
 * `*`, DISTINCT, FILTER, ORDER BY or WITHIN GROUP is an aggregate whatever its name; a
 * user-defined aggregate is user code, whose outputs are masked whole anyway.
 */
const AGGREGATES = new Set([
  'count', 'sum', 'avg', 'min', 'max', 'any_value', 'array_agg', 'string_agg', 'json_agg',
  'jsonb_agg', 'json_agg_strict', 'jsonb_agg_strict', 'json_object_agg', 'jsonb_object_agg',
  'json_object_agg_strict', 'jsonb_object_agg_strict', 'json_object_agg_unique',
  'jsonb_object_agg_unique', 'json_object_agg_unique_strict', 'jsonb_object_agg_unique_strict',
  'json_arrayagg', 'json_objectagg', 'xmlagg', 'bool_and', 'bool_or', 'every', 'bit_and', 'bit_or',
  'bit_xor', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp', 'corr',
  'covar_pop', 'covar_samp', 'regr_avgx', 'regr_avgy', 'regr_count', 'regr_intercept', 'regr_r2',
  'regr_slope', 'regr_sxx', 'regr_sxy', 'regr_syy', 'mode', 'percentile_cont', 'percentile_disc',
  'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'range_agg', 'range_intersect_agg',
]); // biome-ignore format: a list

const isAggregate = (call: Node): boolean =>
  call.agg_star === true ||
  call.agg_distinct === true ||
  call.agg_within_group === true ||
  call.agg_filter !== undefined ||
  call.agg_order !== undefined ||
  AGGREGATES.has(funcName(call));

const funcName = (funcCall: Node): string => lower(strings(funcCall.funcname).at(-1) ?? '');
/** The name as the analysis lists it: lower-case, with its schema when the text gives one. */
const qualifiedFuncName = (funcCall: Node): string => lower(strings(funcCall.funcname).join('.'));
const opaqueCall = (funcCall: Node, env: Env): boolean =>
  env.catalog.opaqueFunctions?.has(qualifiedFuncName(funcCall)) ?? false;

/** Every source the expression's value is computed from. */
const exprFlow = (expr: unknown, env: Env): Flow => {
  const acc = emptyFlow();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    step(env);
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    for (const [key, child] of Object.entries(value as Node)) {
      if (child === null || typeof child !== 'object') continue;
      const node = child as Node;
      switch (key) {
        case 'ColumnRef':
          addFlow(acc, resolveColumnRef(node, env.scope));
          break;
        case 'SubLink':
          visit(node.testexpr);
          addFlow(acc, subqueryFlow(node.subselect, env));
          break;
        case 'SelectStmt': {
          // a query anywhere else in an expression
          const shape = shapeOf(node, env);
          addFlow(acc, wholeRowFlow(shape.columns));
          addFlow(acc, shape.rows);
          break;
        }
        case 'FuncCall': {
          const name = funcName(node);
          if (dangerousCategory(name)) acc.resolved = false; // runs SQL text, reads files, …
          // A user-defined function can read any table, whatever its arguments say.
          if (opaqueCall(node, env)) acc.resolved = false;
          // Arguments, FILTER and ORDER BY (WITHIN GROUP too) all flow into the value: `count(x)`
          // counts x's non-null values, `string_agg(id, ',' ORDER BY ssn)` spells ssn's order.
          for (const [k, v] of Object.entries(node)) if (k !== 'funcname' && k !== 'over') visit(v);
          if (node.agg_filter !== undefined) predicate(node.agg_filter, env);
          if (Array.isArray(node.agg_order)) sortUses(node.agg_order as Node[], env);
          // A window function is a value of the rows in its window; an aggregate, of its rows.
          if (node.over !== undefined) {
            addFlow(acc, env.windowRows ?? emptyFlow(false));
            const window = windowFlow(node.over as Node, env);
            addFlow(acc, window);
            if (env.windows) addFlow(env.windows, window);
          } else if (isAggregate(node)) addFlow(acc, env.aggregateRows ?? emptyFlow(false));
          break;
        }
        default:
          visit(child);
      }
    }
  };
  visit(expr);
  return acc;
};

/**
 * A subquery used as a value (scalar, EXISTS, IN, ANY, ARRAY): its outputs and its row-set flow
 * (EXISTS is true when a row exists; ARRAY's length counts them).
 */
const subqueryFlow = (subselect: unknown, env: Env): Flow => {
  const select = (subselect as Node | undefined)?.SelectStmt as Node | undefined;
  if (!select) return emptyFlow(false);
  const shape = shapeOf(select, env);
  return unionFlows([...shape.columns.map((c) => c.flow), shape.rows], shape.shapeKnown);
};

// ---------------------------------------------------------------------------------------------
// Predicates, orderings, groupings: the uses.

/** Functions that keep a value recognisable for an equality test (case and space folding). */
const TRANSPARENT = new Set(['lower', 'upper', 'btrim', 'trim', 'ltrim', 'rtrim']);

/**
 * Types a value can be cast to and stay whole: equality on the cast is equality on the value.
 * Only without a type modifier: `char(1)`, `varchar(3)` (and `char` alone, which is `char(1)`)
 * keep a prefix, so `ssn::char(1) = '9'` tests one digit; `"char"` keeps one byte; a float
 * rounds a long number into a range.
 */
const TEXT_CASTS = new Set(['text', 'varchar', 'bpchar', 'citext']);
const WHOLE_CASTS = new Set([...TEXT_CASTS, 'int2', 'int4', 'int8', 'numeric', 'uuid']);

const castKeeps = (cast: Node, types: ReadonlySet<string>): boolean => {
  const typeName = cast.typeName as Node | undefined;
  const names = strings(typeName?.names);
  const name = names.at(-1) ?? '';
  const schema = names.length === 2 ? names[0] : names.length > 2 ? '' : 'pg_catalog';
  return (
    types.has(name) &&
    (schema === 'pg_catalog' || name === 'citext') &&
    typeName?.typmods === undefined &&
    typeName?.arrayBounds === undefined
  );
};

/**
 * The flow of an expression that is one column itself (through whole casts, COLLATE, case
 * folding); with `exactOnly`, only a column that is one base column's value on every row.
 */
const columnFlow = (expr: unknown, env: Env, exactOnly: boolean): Flow | undefined => {
  let node = expr as Node | undefined;
  for (let depth = 0; node && typeof node === 'object' && depth < 100; depth++) {
    const [type, body] = (Object.entries(node)[0] ?? ['', {}]) as [string, Node];
    if ((type === 'TypeCast' && castKeeps(body, WHOLE_CASTS)) || type === 'CollateClause')
      node = body.arg as Node | undefined;
    else if (type === 'FuncCall' && TRANSPARENT.has(funcName(body)) && body.over === undefined) {
      const args = Array.isArray(body.args) ? body.args : [];
      if (args.length !== 1 || isAggregate(body) || opaqueCall(body, env)) return undefined;
      node = args[0] as Node;
    } else if (type === 'ColumnRef') {
      if (!isColumnRef(node)) return undefined;
      const flow = resolveColumnRef(body, env.scope);
      // A derived column that computes (`max(ssn)` over guesses) is no column itself. One that
      // lineage cannot follow stays a use of every class the statement reads, of this kind.
      return flow.exact || !flow.resolved || !exactOnly ? flow : undefined;
    } else return undefined;
  }
  return undefined;
};

const bareFlow = (expr: unknown, env: Env): Flow | undefined => columnFlow(expr, env, true);

/** An exact copy of a flow (a folded column keeps exactness, not directness). */
const exactFlow = (flow: Flow): Flow => ({ ...unionFlows([flow], flow.resolved), exact: true });

const EQUALITY_OPERATORS = new Set(['=', '<>', '!=']);
/** Pattern and text-search operators (LIKE is `~~`, ILIKE `~~*`, `^@` starts_with). */
const PATTERN_OPERATORS = new Set(['~', '~*', '!~', '!~*', '~~', '~~*', '!~~', '!~~*', '@@', '@@@', '^@']);

const operatorKind = (name: unknown): UseKind => {
  const op = strings(name).at(-1) ?? '';
  return EQUALITY_OPERATORS.has(op) ? 'equality' : PATTERN_OPERATORS.has(op) ? 'pattern' : 'range';
};

/** One side of a comparison: itself under `kind`, or, computed, every column it reads. */
const side = (expr: unknown, kind: UseKind, env: Env): void => {
  const bare = bareFlow(expr, env);
  if (bare) use(env, kind, bare);
  else use(env, 'computed', exprFlow(expr, env));
};

/**
 * `a op b`. Equality against a value that reads no column tests one guess (`equality`); between two
 * base columns it is a `join`; against anything else (a subquery, an array, a computed column of
 * VALUES or generate_series holding many guesses) it is `membership`.
 */
const comparison = (left: unknown, right: unknown, kind: UseKind, env: Env): void => {
  if (kind !== 'equality') {
    side(left, kind, env);
    side(right, kind, env);
    return;
  }
  const l = bareFlow(left, env);
  const r = bareFlow(right, env);
  const lf = l ?? exprFlow(left, env);
  const rf = r ?? exprFlow(right, env);
  // The other side as a column of any kind: a VALUES or generate_series column holds many guesses.
  const lc = columnFlow(left, env, false);
  const rc = columnFlow(right, env, false);
  const judge = (self: Flow | undefined, selfFlow: Flow, other: Flow | undefined, otherFlow: Flow) => {
    if (!self) use(env, 'computed', selfFlow);
    // A column on the other side holds a value per row: as many guesses as rows.
    // A join lists both sides in one use: policy tells a join of one class with itself from one
    // with another column's values, which are guesses (statement-uses.ts).
    else if (other) {
      if (self.direct && other.direct) use(env, 'join', unionFlows([self, other]));
      else use(env, 'membership', self);
    } else if (readsNothing(otherFlow)) use(env, 'equality', self);
    else use(env, 'membership', self);
  };
  judge(l, lf, rc, rf);
  judge(r, rf, lc, lf);
};

/**
 * The columns a boolean expression compares for equality more than once (`ssn = $1 OR ssn = $2`,
 * `NOT (ssn <> $1 AND ssn <> $2)`, and the same spread over nested ANDs and ORs): a list of guesses.
 */
const repeatedEqualities = (expr: Node, env: Env): Flow[] => {
  const seen = new Map<string, { flow: Flow; count: number }>();
  const note = (side: unknown) => {
    const flow = bareFlow(side, env);
    if (!flow) return;
    const key = flowKey('equality', flow);
    const entry = seen.get(key) ?? { flow, count: 0 };
    entry.count++;
    seen.set(key, entry);
  };
  const visit = (value: unknown, depth: number): void => {
    const node = value as Node | undefined;
    if (!node || typeof node !== 'object' || depth > 100) return;
    step(env);
    const [type, body] = (Object.entries(node)[0] ?? ['', {}]) as [string, Node];
    if (type === 'BoolExpr') {
      for (const arg of Array.isArray(body.args) ? body.args : []) visit(arg, depth + 1);
    } else if (type === 'A_Expr') {
      const equality =
        body.kind === 'AEXPR_DISTINCT' ||
        body.kind === 'AEXPR_NOT_DISTINCT' ||
        ((body.kind === 'AEXPR_OP' || body.kind === 'AEXPR_IN') && operatorKind(body.name) === 'equality');
      if (equality) {
        note(body.lexpr);
        note(body.rexpr);
      }
    } else if (type === 'NullTest' || type === 'BooleanTest') note(body.arg);
  };
  visit(expr, 0);
  return [...seen.values()].filter((e) => e.count > 1).map((e) => e.flow);
};

/** Every use a boolean expression that chooses rows makes (WHERE, ON, HAVING, FILTER). */
const predicate = (expr: unknown, env: Env): void => {
  const node = expr as Node | undefined;
  if (!node || typeof node !== 'object') return;
  step(env);
  const [type, body] = (Object.entries(node)[0] ?? ['', {}]) as [string, Node];
  const list = (v: unknown): unknown[] => {
    if (Array.isArray(v)) return v;
    const items = ((v as Node | undefined)?.List as Node | undefined)?.items;
    return items === undefined ? [v] : Array.isArray(items) ? items : [];
  };
  switch (type) {
    case 'BoolExpr':
      // Under OR (or NOT, which turns AND into OR), two equalities on one column test two guesses.
      if (body.boolop !== 'AND_EXPR')
        for (const f of repeatedEqualities(node, env)) use(env, 'membership', f);
      for (const arg of Array.isArray(body.args) ? body.args : []) predicate(arg, env);
      return;
    case 'NullTest':
    case 'BooleanTest':
      side(body.arg, 'equality', env);
      return;
    case 'ColumnRef':
    case 'TypeCast':
      side(node, 'equality', env);
      return;
    case 'SubLink': {
      const flow = subqueryFlow(body.subselect, env);
      if (body.subLinkType === 'ANY_SUBLINK' || body.subLinkType === 'ALL_SUBLINK') {
        const kind = body.operName === undefined ? 'equality' : operatorKind(body.operName);
        const test = bareFlow(body.testexpr, env);
        if (kind !== 'equality') {
          side(body.testexpr, kind, env);
          use(env, kind, flow);
        } else if (test?.direct && flow.direct) {
          use(env, 'join', unionFlows([test, flow]));
        } else {
          side(body.testexpr, 'membership', env);
          use(env, 'membership', flow);
        }
      } else if (body.subLinkType !== 'EXISTS_SUBLINK') use(env, 'computed', flow);
      // EXISTS: the subquery's own predicates are its uses.
      return;
    }
    case 'A_Expr': {
      switch (body.kind) {
        case 'AEXPR_OP':
          if (body.lexpr === undefined) side(body.rexpr, 'computed', env);
          else comparison(body.lexpr, body.rexpr, operatorKind(body.name), env);
          return;
        case 'AEXPR_DISTINCT':
        case 'AEXPR_NOT_DISTINCT':
          comparison(body.lexpr, body.rexpr, 'equality', env);
          return;
        case 'AEXPR_LIKE':
        case 'AEXPR_ILIKE':
        case 'AEXPR_SIMILAR':
          comparison(body.lexpr, body.rexpr, 'pattern', env);
          return;
        case 'AEXPR_BETWEEN':
        case 'AEXPR_NOT_BETWEEN':
        case 'AEXPR_BETWEEN_SYM':
        case 'AEXPR_NOT_BETWEEN_SYM':
          side(body.lexpr, 'range', env);
          for (const bound of list(body.rexpr)) side(bound, 'range', env);
          return;
        case 'AEXPR_IN': {
          const values = list(body.rexpr);
          if (values.length === 1) comparison(body.lexpr, values[0], operatorKind(body.name), env);
          else for (const v of [body.lexpr, ...values]) side(v, 'membership', env);
          return;
        }
        case 'AEXPR_OP_ANY':
        case 'AEXPR_OP_ALL': {
          const kind = operatorKind(body.name);
          const k = kind === 'equality' ? 'membership' : kind;
          side(body.lexpr, k, env);
          side(body.rexpr, k, env);
          return;
        }
        default:
          use(env, 'computed', exprFlow(node, env));
          return;
      }
    }
    default:
      use(env, 'computed', exprFlow(node, env));
  }
};

/** ORDER BY items: `ordering`, and `computed` when an item is not a column itself. */
const sortUses = (items: readonly Node[], env: Env, outputs?: readonly Column[]): Flow => {
  const acc = emptyFlow();
  for (const item of items) {
    const expr = (item.SortBy as Node | undefined)?.node;
    const flow = outputs ? outputReference(expr, outputs, 'order') : undefined;
    const bare = flow ?? bareFlow(expr, env);
    const f = bare ?? exprFlow(expr, env);
    use(env, 'ordering', f);
    if (!bare?.exact) use(env, 'computed', f);
    addFlow(acc, f);
  }
  return acc;
};

/** GROUP BY, PARTITION BY, DISTINCT ON items: `grouping`, and `computed` when not a column itself. */
const groupUses = (items: readonly unknown[], env: Env, outputs?: readonly Column[]): Flow => {
  const acc = emptyFlow();
  for (const expr of items) {
    let bare = (outputs ? outputReference(expr, outputs, 'group') : undefined) ?? bareFlow(expr, env);
    // A name that is no input column is an output's name.
    if (outputs && bare && !bare.resolved) bare = outputReference(expr, outputs, 'order') ?? bare;
    const f = bare ?? exprFlow(expr, env);
    use(env, 'grouping', f);
    // An output that is not one column's value (`max(x)`, a column mixed with guesses, one lineage
    // cannot follow) groups guesses.
    if (!bare?.exact) use(env, 'computed', f);
    addFlow(acc, f);
  }
  return acc;
};

/**
 * An ORDER BY / GROUP BY item that names an output column: `ORDER BY 2`, or a bare name — which
 * PostgreSQL takes as an output name first in ORDER BY, and as an input column first in GROUP BY.
 */
const outputReference = (
  expr: unknown,
  outputs: readonly Column[],
  clause: 'order' | 'group',
): Flow | undefined => {
  const node = expr as Node | undefined;
  const ival = ((node?.A_Const as Node | undefined)?.ival as Node | undefined)?.ival;
  if (node?.A_Const && (node.A_Const as Node).ival !== undefined) {
    const n = typeof ival === 'number' ? ival : 0;
    const out = outputs[n - 1];
    return out ? out.flow : emptyFlow(false);
  }
  if (clause === 'group') return undefined; // an input column first
  const parts = isColumnRef(node) ? refParts(node.ColumnRef as Node) : undefined;
  if (parts?.length !== 1) return undefined;
  const named = outputs.filter((c) => c.name === parts[0]);
  if (named.length === 1) return named[0]!.flow;
  return named.length > 1
    ? unionFlows(
        named.map((c) => c.flow),
        false,
      )
    : undefined;
};

/** A window's definition: PARTITION BY groups, ORDER BY orders, frame offsets count rows. */
const windowFlow = (over: Node, env: Env): Flow => {
  const acc = emptyFlow();
  const partition = Array.isArray(over.partitionClause) ? over.partitionClause : [];
  const order = Array.isArray(over.orderClause) ? (over.orderClause as Node[]) : [];
  addFlow(acc, groupUses(partition, env));
  addFlow(acc, sortUses(order, env));
  const frame = exprFlow([over.startOffset, over.endOffset], env);
  use(env, 'rows', frame);
  addFlow(acc, frame);
  return acc;
};

// ---------------------------------------------------------------------------------------------
// Output names, as PostgreSQL's FigureColname gives them.

const SQL_VALUE_FUNCTIONS: Readonly<Record<string, string>> = {
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
  SVFOP_CURRENT_ROLE: 'current_role',
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_USER: 'user',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};

/** The first target of a query's leftmost arm. */
const firstTarget = (select: Node): Node | undefined => {
  let node: Node | undefined = select;
  for (let i = 0; node && node.op !== undefined && node.op !== 'SETOP_NONE' && i < 10_000; i++) {
    node = node.larg as Node | undefined;
  }
  const list = node?.targetList;
  return Array.isArray(list) ? ((list[0] as Node | undefined)?.ResTarget as Node | undefined) : undefined;
};

/** [name, strength]: 2 a real name, 1 a fallback (`case`, a type name), 0 none. */
const figure = (expr: unknown, depth = 0): [string, number] => {
  const node = expr as Node | undefined;
  if (!node || typeof node !== 'object' || depth > 200) return ['?column?', 0];
  const [type, body] = (Object.entries(node)[0] ?? ['', {}]) as [string, Node];
  switch (type) {
    case 'ColumnRef': {
      const parts = refParts(body);
      const last = parts?.at(-1);
      return last && last !== '*' ? [last, 2] : ['?column?', 0];
    }
    case 'A_Indirection': {
      const last = strings(body.indirection)
        .filter((s) => s !== '')
        .at(-1);
      const indirection = Array.isArray(body.indirection) ? (body.indirection as Node[]) : [];
      if (last !== undefined && indirection.at(-1)?.String) return [last, 2];
      return figure(body.arg, depth + 1);
    }
    case 'FuncCall':
      return [funcName(body), 2];
    case 'A_Expr':
      return body.kind === 'AEXPR_NULLIF' ? ['nullif', 2] : ['?column?', 0];
    case 'TypeCast': {
      const inner = figure(body.arg, depth + 1);
      if (inner[1] > 1) return inner;
      const typeName = strings((body.typeName as Node | undefined)?.names).at(-1);
      return typeName ? [typeName, 1] : inner;
    }
    case 'CollateClause':
      return figure(body.arg, depth + 1);
    case 'SubLink':
      switch (body.subLinkType) {
        case 'EXISTS_SUBLINK':
          return ['exists', 2];
        case 'ARRAY_SUBLINK':
          return ['array', 2];
        case 'EXPR_SUBLINK': {
          const target = firstTarget(((body.subselect as Node | undefined)?.SelectStmt as Node) ?? {});
          if (!target) return ['?column?', 0];
          if (typeof target.name === 'string') return [target.name, 2];
          const [name] = figure(target.val, depth + 1);
          return [name, 2];
        }
        default:
          return ['?column?', 0];
      }
    case 'CaseExpr': {
      const inner = figure(body.defresult, depth + 1);
      return inner[1] > 1 ? inner : ['case', 1];
    }
    case 'A_ArrayExpr':
      return ['array', 2];
    case 'RowExpr':
      return ['row', 2];
    case 'CoalesceExpr':
      return ['coalesce', 2];
    case 'MinMaxExpr':
      return [body.op === 'IS_LEAST' ? 'least' : 'greatest', 2];
    case 'GroupingFunc':
      return ['grouping', 2];
    case 'SQLValueFunction': {
      const name = SQL_VALUE_FUNCTIONS[String(body.op)];
      return name ? [name, 2] : ['?column?', 0];
    }
    default:
      return ['?column?', 0];
  }
};

const outputName = (target: Node): string =>
  typeof target.name === 'string' ? target.name : figure(target.val)[0];

// ---------------------------------------------------------------------------------------------
// FROM.

interface FromResult {
  readonly qualified: RangeItem[];
  readonly unqualified: RangeItem[];
}

/** Set-returning functions with several output columns, by name. */
const MULTI_COLUMN_FUNCTIONS: Readonly<Record<string, readonly string[]>> = {
  json_each: ['key', 'value'],
  jsonb_each: ['key', 'value'],
  json_each_text: ['key', 'value'],
  jsonb_each_text: ['key', 'value'],
};

/** Functions known to return one (non-composite) column, named after the function or alias. */
const SCALAR_FUNCTIONS = new Set([
  'generate_series',
  'generate_subscripts',
  'unnest',
  'regexp_matches',
  'regexp_split_to_table',
  'string_to_table',
  'json_array_elements',
  'jsonb_array_elements',
  'json_array_elements_text',
  'jsonb_array_elements_text',
  'json_object_keys',
  'jsonb_object_keys',
  'jsonb_path_query',
  'upper',
  'lower',
  'substr',
  'substring',
  'concat',
  'md5',
  'now',
]);

const baseTableItem = (rangeVar: Node, env: Env): RangeItem => {
  // Names as the parser gives them: PostgreSQL folds unquoted identifiers and keeps quoted ones.
  const table = String(rangeVar.relname);
  const schema = typeof rangeVar.schemaname === 'string' ? rangeVar.schemaname : undefined;
  const { name: alias, colnames } = aliasOf(rangeVar);
  const refname = alias ?? table;
  // An unqualified name is a CTE first.
  const cte = schema === undefined ? env.ctes.get(table) : undefined;
  if (cte) {
    if (cte.bottom)
      return { refname, columns: undefined, flow: emptyFlow(), rows: emptyFlow(), bottom: true };
    if (!cte.shape) return opaqueItem(refname, emptyFlow(false));
    return itemOfShape(refname, cte.shape, colnames);
  }
  // The server's resolution (search_path, quoting), never an assumed schema.
  const relation = env.catalog.resolve(schema, table);
  if (!relation) return opaqueItem(refname, emptyFlow(false));
  const s = relation.schema;
  const columns = relation.columns.map((column) => {
    const flow: Flow = { ...emptyFlow(), direct: true, exact: true };
    const source = { schema: s, table: relation.table, column };
    flow.cols.set(columnKey(source), source);
    return { name: column, flow };
  });
  const flow = wholeRowFlow(columns);
  flow.rows.set(`${s}\u0000${relation.table}`, { schema: s, table: relation.table });
  const aliased = renamed(columns, colnames);
  if (!aliased) return opaqueItem(refname, flow);
  // `schema.table.column` reaches a table referred to by its own name, whether or not the text
  // qualified it (PostgreSQL matches the relation's real schema, as resolved).
  return {
    refname,
    ...(alias === undefined ? { schema: s } : {}),
    columns: aliased,
    flow,
    rows: emptyFlow(),
  };
};

const functionItem = (rangeFunction: Node, env: Env): RangeItem => {
  const { name: alias, colnames } = aliasOf(rangeFunction);
  const functions = Array.isArray(rangeFunction.functions) ? (rangeFunction.functions as Node[]) : [];
  const columns: Column[] = [];
  let known = functions.length > 0;
  let firstName: string | undefined;
  const single = functions.length === 1 && rangeFunction.is_rowsfrom !== true;
  // A set-returning function's arguments decide how many rows it yields.
  const rows = emptyFlow();
  for (const entry of functions) {
    const [call, coldefs] = (((entry.List as Node | undefined)?.items as unknown[]) ?? []) as [
      Node | undefined,
      unknown,
    ];
    const flow = exprFlow(call, env);
    addFlow(rows, flow);
    const fn = call?.FuncCall ? funcName(call.FuncCall as Node) : undefined;
    if (call?.FuncCall && opaqueCall(call.FuncCall as Node, env)) known = false;
    firstName ??= fn;
    // A column definition list: on the item for one function, in ROWS FROM next to its function.
    const listed = single
      ? rangeFunction.coldeflist
      : ((coldefs as Node | undefined)?.List as Node | undefined)?.items;
    const defs = Array.isArray(listed) ? (listed as Node[]) : [];
    if (defs.length > 0) {
      for (const def of defs) {
        const name = (def.ColumnDef as Node | undefined)?.colname;
        columns.push({ name: String(name), flow });
      }
    } else if (fn !== undefined && MULTI_COLUMN_FUNCTIONS[fn]) {
      for (const name of MULTI_COLUMN_FUNCTIONS[fn]!) columns.push({ name, flow });
    } else if (fn !== undefined && SCALAR_FUNCTIONS.has(fn) && !(fn === 'unnest' && argCount(call) > 1)) {
      // A scalar function's one column takes the alias's name when the alias lists no columns.
      columns.push({ name: single && colnames.length === 0 ? (alias ?? fn) : fn, flow });
    } else {
      known = false;
      columns.push({ name: fn ?? '?column?', flow });
    }
  }
  use(env, 'rows', rows);
  // WITH ORDINALITY counts the rows: a value of whatever decides them.
  if (rangeFunction.ordinality === true) columns.push({ name: 'ordinality', flow: unionFlows([rows]) });
  const refname = alias ?? firstName;
  return itemOfShape(refname, { columns, shapeKnown: known, rows }, colnames);
};

const argCount = (call: Node | undefined): number => {
  const args = (call?.FuncCall as Node | undefined)?.args;
  return Array.isArray(args) ? args.length : 0;
};

const columnsOf = (items: readonly RangeItem[]): Column[] | undefined => {
  const out: Column[] = [];
  for (const item of items) {
    if (!item.columns) return undefined;
    out.push(...item.columns);
  }
  return out;
};

const joinItems = (join: Node, env: Env, lateral: Level): FromResult => {
  const left = fromItem(join.larg as Node, env, lateral);
  const seen: Level = {
    qualified: [...lateral.qualified, ...left.qualified],
    unqualified: [...lateral.unqualified, ...left.unqualified],
    parent: lateral.parent,
  };
  const right = fromItem(join.rarg as Node, env, seen);
  const leftColumns = columnsOf(left.unqualified);
  const rightColumns = columnsOf(right.unqualified);
  const { name: alias, colnames } = aliasOf(join);
  const both = [...left.unqualified, ...right.unqualified];
  const whole = unionFlows(both.map((i) => i.flow));
  // Which rows the join yields: both sides' rows and its condition.
  const rows = unionFlows(both.map((i) => i.rows));
  if (join.quals) {
    const onScope: Level = {
      qualified: [...seen.qualified, ...right.qualified],
      unqualified: [...seen.unqualified, ...right.unqualified],
      parent: lateral.parent,
    };
    const onEnv = { ...env, scope: onScope };
    predicate(join.quals, onEnv);
    addFlow(rows, exprFlow(join.quals, onEnv));
  }
  let synthetic: RangeItem;
  if (!leftColumns || !rightColumns) {
    synthetic = opaqueItem(alias, whole, rows);
  } else {
    let using = strings(join.usingClause);
    if (join.isNatural === true) {
      const rightNames = new Set(rightColumns.map((c) => c.name));
      using = [...new Set(leftColumns.map((c) => c.name))].filter((n) => rightNames.has(n));
    }
    const restLeft = [...leftColumns];
    const restRight = [...rightColumns];
    const merged: Column[] = using.map((name) => {
      const l = restLeft.filter((c) => c.name === name);
      const r = restRight.filter((c) => c.name === name);
      const flow = unionFlows(
        [...l, ...r].map((c) => c.flow),
        l.length === 1 && r.length === 1,
      );
      // USING (x) compares the two sides' x for equality.
      const direct = [...l, ...r].every((c) => c.flow.direct === true);
      if (direct) use(env, 'join', unionFlows([...l, ...r].map((c) => c.flow)));
      else for (const c of [...l, ...r]) use(env, 'membership', c.flow);
      addFlow(rows, flow);
      restLeft.splice(restLeft.findIndex((c) => c.name === name) >>> 0, l.length > 0 ? 1 : 0);
      restRight.splice(restRight.findIndex((c) => c.name === name) >>> 0, r.length > 0 ? 1 : 0);
      return { name, flow };
    });
    const columns = [...merged, ...restLeft, ...restRight];
    const aliased = renamed(columns, colnames);
    synthetic = aliased
      ? { refname: alias, columns: aliased, flow: whole, rows, order: orderOf(both) }
      : opaqueItem(alias, whole, rows);
  }
  return {
    qualified: alias === undefined ? [...left.qualified, ...right.qualified] : [synthetic],
    unqualified: [synthetic],
  };
};

/** The order FROM items' rows may arrive in. */
const orderOf = (items: readonly RangeItem[]): Flow => unionFlows(items.map((i) => i.order ?? emptyFlow()));

/** One FROM item; `lateral` is the level with the items before it (for LATERAL references). */
const fromItem = (wrapper: Node, env: Env, lateral: Level): FromResult => {
  step(env);
  const [type, body] = (Object.entries(wrapper ?? {})[0] ?? ['', {}]) as [string, Node];
  const one = (item: RangeItem): FromResult => ({ qualified: [item], unqualified: [item] });
  switch (type) {
    case 'RangeVar':
      return one(baseTableItem(body, env));
    case 'RangeSubselect': {
      const { name, colnames } = aliasOf(body);
      const select = (body.subquery as Node | undefined)?.SelectStmt as Node | undefined;
      if (!select) return one(opaqueItem(name, emptyFlow(false)));
      const scope = body.lateral === true ? lateral : lateral.parent;
      return one(itemOfShape(name, shapeOf(select, { ...env, scope }), colnames));
    }
    case 'RangeFunction':
      // Functions in FROM may always refer to the items before them.
      return one(functionItem(body, { ...env, scope: lateral }));
    case 'RangeTableSample': {
      // The sample's arguments and seed decide which rows come out.
      const sampled = fromItem(body.relation as Node, env, lateral);
      const sample = exprFlow([body.args, body.repeatable], { ...env, scope: lateral });
      use(env, 'rows', sample);
      const widen = (i: RangeItem): RangeItem => ({ ...i, rows: unionFlows([i.rows, sample]) });
      return { qualified: sampled.qualified.map(widen), unqualified: sampled.unqualified.map(widen) };
    }
    case 'JoinExpr':
      return joinItems(body, env, lateral);
    default: {
      // XMLTABLE, JSON_TABLE, …: columns not followed.
      const { name } = aliasOf(body ?? {});
      const flow = exprFlow(body, { ...env, scope: lateral });
      use(env, 'rows', flow);
      return one(opaqueItem(name, flow));
    }
  }
};

const fromLevel = (fromClause: unknown, env: Env): Level => {
  const level: Level = { qualified: [], unqualified: [], parent: env.scope };
  for (const item of Array.isArray(fromClause) ? (fromClause as Node[]) : []) {
    const result = fromItem(item, env, {
      ...level,
      qualified: [...level.qualified],
      unqualified: [...level.unqualified],
    });
    level.qualified.push(...result.qualified);
    level.unqualified.push(...result.unqualified);
  }
  return level;
};

// ---------------------------------------------------------------------------------------------
// Queries.

const sameShape = (a: Shape | undefined, b: Shape | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.shapeKnown === b.shapeKnown &&
    sameFlow(a.rows, b.rows) &&
    a.columns.length === b.columns.length &&
    a.columns.every((c, i) => c.name === b.columns[i]!.name && sameFlow(c.flow, b.columns[i]!.flow)));

const cteShape = (cte: Node, env: Env, armOnly: boolean): Shape | undefined => {
  const query = cte.ctequery as Node | undefined;
  let select = query?.SelectStmt as Node | undefined;
  // SEARCH and CYCLE add columns; data-modifying CTEs are not followed.
  if (!select || cte.search_clause || cte.cycle_clause) return undefined;
  if (armOnly && select.op !== undefined && select.op !== 'SETOP_NONE' && select.larg) {
    select = select.larg as Node;
  }
  const shape = shapeOf(select, env);
  const colnames = strings(cte.aliascolnames);
  if (!shape.shapeKnown) return shape;
  const columns = renamed(shape.columns, colnames);
  return columns
    ? { columns, shapeKnown: true, rows: shape.rows, order: shape.order }
    : { columns: shape.columns, shapeKnown: false, rows: shape.rows, order: shape.order };
};

/** The CTEs a WITH clause makes visible, added to those already visible. */
const withCtes = (withClause: Node, env: Env): Map<string, CteEntry> => {
  const ctes = new Map(env.ctes);
  const list = (Array.isArray(withClause.ctes) ? (withClause.ctes as Node[]) : [])
    .map((c) => c.CommonTableExpr as Node | undefined)
    .filter((c): c is Node => c !== undefined);
  const nameOf = (cte: Node): string => String(cte.ctename);
  if (withClause.recursive !== true) {
    for (const cte of list)
      ctes.set(nameOf(cte), { shape: cteShape(cte, { ...env, ctes: new Map(ctes) }, false) });
    return ctes;
  }
  // WITH RECURSIVE: every CTE sees every other. Start from each one's non-recursive arm (its
  // self-references seeing nothing), then re-evaluate them all until nothing changes.
  for (const cte of list) ctes.set(nameOf(cte), { shape: undefined, bottom: true });
  for (const cte of list)
    ctes.set(nameOf(cte), { shape: cteShape(cte, { ...env, ctes: new Map(ctes) }, true) });
  for (let round = 0; round < MAX_FIXPOINT_ROUNDS; round++) {
    let changed = false;
    for (const cte of list) {
      const shape = cteShape(cte, { ...env, ctes: new Map(ctes) }, false);
      if (!sameShape(shape, ctes.get(nameOf(cte))?.shape)) changed = true;
      ctes.set(nameOf(cte), { shape });
    }
    if (!changed) return ctes;
  }
  for (const cte of list) ctes.set(nameOf(cte), { shape: undefined });
  return ctes;
};

const allUnresolved = (shape: Shape): Shape => ({
  columns: shape.columns.map((c) => ({ name: c.name, flow: unresolved(c.flow) })),
  shapeKnown: false,
  rows: unresolved(shape.rows),
});

/** A target list entry: its columns (several for a star). */
const targetColumns = (target: Node, env: Env): Shape => {
  const val = target.val as Node | undefined;
  const columnRef = val?.ColumnRef as Node | undefined;
  const parts = columnRef ? refParts(columnRef) : undefined;
  if (parts && parts.at(-1) === '*') {
    const items =
      parts.length === 1 ? (env.scope?.unqualified ?? []) : [qualifier(parts.slice(0, -1), env.scope)];
    if (items.length === 0)
      return { columns: [{ name: '*', flow: emptyFlow(false) }], shapeKnown: false, rows: emptyFlow() };
    const columns: Column[] = [];
    let shapeKnown = true;
    for (const item of items) {
      if (item?.bottom) continue;
      if (!item?.columns) {
        columns.push({ name: '*', flow: unresolved(item?.flow ?? emptyFlow(false)) });
        shapeKnown = false;
      } else columns.push(...item.columns);
    }
    return { columns, shapeKnown, rows: emptyFlow() };
  }
  // A bare column reference keeps its column's own flow (and so whether it is direct); a folding of
  // one (`lower(email)`, `ssn::text`) stays exact.
  const bare = isColumnRef(val) ? resolveColumnRef(val.ColumnRef as Node, env.scope) : undefined;
  const folded = bare ? undefined : bareFlow(val, env);
  return {
    columns: [
      {
        name: outputName(target),
        flow: bare ?? (folded?.exact && folded.resolved ? exactFlow(folded) : exprFlow(val, env)),
      },
    ],
    shapeKnown: true,
    rows: emptyFlow(),
  };
};

/**
 * A LIMIT, OFFSET or DISTINCT ON keeps rows by the plan's order, which a sort for GROUP BY,
 * DISTINCT, a window or a set operation takes from the columns it compares: an ordering of them.
 * Unless the ORDER BY covers every output: then rows that tie on it are the same rows to the
 * caller, and which of them is kept tells nothing. A constant key (`now()`, `'k' || ''`) orders
 * nothing.
 */
const keepsRowsByPlanOrder = (select: Node, columns: readonly Column[], env: Env): boolean => {
  const distinctOn =
    Array.isArray(select.distinctClause) &&
    (select.distinctClause as Node[]).some((d) => Object.keys(d).length > 0);
  if (select.limitCount === undefined && select.limitOffset === undefined && !distinctOn) return false;
  const order = resultOrder(select, { columns: [...columns], shapeKnown: true, rows: emptyFlow() }, env);
  if (order.kind !== 'outputs') return true;
  const keys = new Set(order.keys);
  return !columns.every((_, i) => keys.has(i));
};

/** ORDER BY, LIMIT and OFFSET of a query: which of its rows come out, in what order. */
const tailRows = (select: Node, env: Env, columns: readonly Column[]): Flow => {
  const acc = emptyFlow();
  if (Array.isArray(select.sortClause)) addFlow(acc, sortUses(select.sortClause as Node[], env, columns));
  const limit = exprFlow([select.limitCount, select.limitOffset], env);
  use(env, 'rows', limit);
  addFlow(acc, limit);
  return acc;
};

/**
 * PostgreSQL's set-returning built-ins (pg_proc.proretset, PostgreSQL 15, and the families newer
 * releases add to): in a target list, their arguments decide how many rows there are.
 */
const SET_RETURNING = new Set([
  '_pg_expandarray', 'aclexplode', 'generate_series', 'generate_subscripts', 'json_array_elements',
  'json_array_elements_text', 'json_each', 'json_each_text', 'json_object_keys',
  'jsonb_array_elements', 'jsonb_array_elements_text', 'jsonb_each', 'jsonb_each_text',
  'jsonb_object_keys', 'jsonb_path_query', 'jsonb_path_query_tz', 'pg_cursor', 'pg_config',
  'pg_listening_channels', 'pg_lock_status', 'pg_mcv_list_items', 'pg_options_to_table',
  'pg_partition_ancestors', 'pg_partition_tree', 'pg_prepared_statement', 'pg_prepared_xact',
  'pg_show_all_file_settings', 'pg_show_all_settings', 'pg_show_replication_origin_status',
  'pg_snapshot_xip', 'pg_tablespace_databases', 'pg_timezone_abbrevs', 'pg_timezone_names',
  'pg_available_extensions', 'pg_available_extension_versions', 'pg_extension_update_paths',
  'pg_event_trigger_ddl_commands', 'pg_event_trigger_dropped_objects', 'pg_hba_file_rules',
  'pg_ident_file_mappings', 'regexp_matches', 'regexp_split_to_table', 'string_to_table',
  'ts_debug', 'ts_parse', 'ts_stat', 'ts_token_type', 'txid_snapshot_xip', 'unnest',
]); // biome-ignore format: a list
const SET_RETURNING_PREFIXES = [
  'pg_ls_', 'pg_get_', 'pg_stat_get_', 'pg_logical_slot_', 'json_populate_', 'jsonb_populate_',
  'json_to_', 'jsonb_to_',
]; // biome-ignore format: a list

const setReturning = (call: Node, env: Env): boolean => {
  const name = funcName(call);
  return (
    opaqueCall(call, env) || SET_RETURNING.has(name) || SET_RETURNING_PREFIXES.some((p) => name.startsWith(p))
  );
};

/**
 * Functions a value only travels through in a target list: copied, case-folded, put into text
 * or a structure, or aggregated as it is. None fails, or answers NULL, on a condition of the
 * value, so their outputs (masked) answer no question about it. Every other function or operator
 * over a column can (`1 / CASE WHEN ssn < $1 …`, `ntile(position('9' in ssn))`,
 * `chr(ascii(ssn) * 1e8)`, `nullif(substr(ssn, 2, 1), '9')`): it is a `computed` use.
 */
const CARRIERS = new Set([
  ...TRANSPARENT, 'concat', 'concat_ws', 'to_json', 'to_jsonb', 'row_to_json', 'json_build_object',
  'jsonb_build_object', 'json_build_array', 'jsonb_build_array', 'count', 'min', 'max', 'any_value',
  'array_agg', 'string_agg', 'json_agg', 'jsonb_agg', 'first_value', 'last_value', 'lag', 'lead',
  'nth_value', 'row_number', 'rank', 'dense_rank',
]); // biome-ignore format: a list

/** A carrier call: `ltrim(email, $1)` tests which characters the value holds, `ltrim(email)` does not. */
const carries = (call: Node, env: Env): boolean => {
  const name = funcName(call);
  const args = Array.isArray(call.args) ? call.args.length : 0;
  return CARRIERS.has(name) && !opaqueCall(call, env) && !(TRANSPARENT.has(name) && args !== 1);
};

/**
 * What a target expression does with its columns besides carrying them into the output: its
 * comparisons are predicates (in a select list they decide NULLs, errors and CASE branches as a
 * WHERE decides rows), any computation but a carrier's is `computed`, and a set-returning
 * function's arguments decide how many rows there are (`rows`, returned as the block's row flow).
 */
const targetUses = (expr: unknown, env: Env, rows: Flow): void => {
  const node = expr as Node | undefined;
  if (!node || typeof node !== 'object') return;
  step(env);
  // What a computation reads, not which rows its aggregate sees: those are the block's own uses.
  const computed = (value: unknown) =>
    use(env, 'computed', exprFlow(value, { ...env, aggregateRows: emptyFlow(), windowRows: emptyFlow() }));
  const [type, body] = (Object.entries(node)[0] ?? ['', {}]) as [string, Node];
  const each = (values: unknown) => {
    for (const v of Array.isArray(values) ? values : [values]) targetUses(v, env, rows);
  };
  switch (type) {
    case 'ColumnRef':
    case 'A_Const':
    case 'ParamRef':
    case 'A_Star':
    case 'SQLValueFunction':
      return;
    case 'CollateClause':
      each(body.arg);
      return;
    case 'TypeCast':
      if (castKeeps(body, TEXT_CASTS)) each(body.arg);
      else computed(node);
      return;
    case 'A_Expr':
      if (body.kind === 'AEXPR_OP' && strings(body.name).at(-1) === '||') each([body.lexpr, body.rexpr]);
      else predicate(node, env);
      return;
    case 'BoolExpr':
    case 'NullTest':
    case 'BooleanTest':
      predicate(node, env);
      return;
    case 'SubLink':
      // A subquery's own target list is judged in its own block; a comparison with it is a predicate.
      if (body.subLinkType !== 'EXPR_SUBLINK' && body.subLinkType !== 'ARRAY_SUBLINK') predicate(node, env);
      return;
    case 'CaseExpr': {
      const whens = (Array.isArray(body.args) ? body.args : []).map(
        (w) => ((w as Node).CaseWhen ?? {}) as Node,
      );
      if (body.arg !== undefined) {
        // CASE x WHEN a … WHEN b …: one equality per branch, a list of guesses with two or more.
        for (const w of whens) comparison(body.arg, w.expr, 'equality', env);
        if (whens.length > 1) use(env, 'membership', exprFlow(body.arg, env));
      } else for (const w of whens) predicate(w.expr, env);
      each([...whens.map((w) => w.result), body.defresult]);
      return;
    }
    case 'CoalesceExpr':
    case 'RowExpr':
      each(body.args);
      return;
    case 'A_ArrayExpr':
      each(body.elements);
      return;
    case 'FuncCall':
      if (setReturning(body, env)) {
        const args = exprFlow(body.args, env);
        use(env, 'rows', opaqueCall(body, env) ? unresolved(args) : args);
        addFlow(rows, args);
      }
      if (carries(body, env)) each(body.args);
      else computed(node);
      return;
    default:
      computed(node);
  }
};

/** The target list's columns, in order, and what its set-returning functions add to the row flow. */
const targetsOf = (select: Node, env: Env): Shape => {
  const columns: Column[] = [];
  const rows = emptyFlow();
  let shapeKnown = true;
  for (const entry of Array.isArray(select.targetList) ? (select.targetList as Node[]) : []) {
    const target = entry.ResTarget as Node | undefined;
    if (!target) {
      columns.push({ name: '?column?', flow: emptyFlow(false) });
      continue;
    }
    targetUses(target.val, env, rows);
    const shape = targetColumns(target, env);
    columns.push(...shape.columns);
    if (!shape.shapeKnown) shapeKnown = false;
  }
  return { columns, shapeKnown, rows };
};

/** A set operation: UNION, INTERSECT, EXCEPT. */
const setOperationShape = (select: Node, env: Env): Shape => {
  const left = shapeOf(select.larg as Node, env);
  const right = shapeOf(select.rarg as Node, env);
  const rows = unionFlows([left.rows, right.rows]);
  const order = unionFlows([left.order ?? emptyFlow(), right.order ?? emptyFlow()]);
  // Anything but UNION ALL compares whole rows across the arms: which rows survive depends on
  // their values (INTERSECT with a list of guesses is a membership test).
  if (!(select.op === 'SETOP_UNION' && select.all === true)) {
    const all = [...left.columns, ...right.columns];
    const kind: UseKind =
      select.op === 'SETOP_UNION' ? 'grouping' : all.every((c) => c.flow.direct) ? 'join' : 'membership';
    for (const c of all) {
      use(env, kind, c.flow);
      // Merging a computed arm with a chosen value (`substr(ssn, 1, 2) UNION '90'`) counts its rows.
      if (!c.flow.exact) use(env, 'computed', c.flow);
    }
    // Deduplicating a column against constants or computed values (`ssn UNION SELECT to_char(g, …)
    // FROM generate_series(…)`) tests every one of them as a guess: membership, at that position.
    left.columns.forEach((l, i) => {
      const r = right.columns[i];
      const same =
        r !== undefined &&
        l.flow.cols.size === r.flow.cols.size &&
        [...l.flow.cols.keys()].every((k) => r.flow.cols.has(k));
      if (r && !(l.flow.exact && r.flow.exact && same))
        for (const f of [l.flow, r.flow]) use(env, 'membership', f);
    });
    addFlow(rows, wholeRowFlow(all));
    addFlow(order, wholeRowFlow(all));
  }
  if (!left.shapeKnown || !right.shapeKnown || left.columns.length !== right.columns.length) {
    const columns = left.columns.map((c) => ({
      name: c.name,
      flow: unionFlows([c.flow, ...right.columns.map((r) => r.flow)]),
    }));
    addFlow(rows, tailRows(select, env, columns));
    if (keepsRowsByPlanOrder(select, columns, env)) use(env, 'ordering', order);
    return { ...allUnresolved({ columns, shapeKnown: false, rows }), order: unresolved(order) };
  }
  const columns = left.columns.map((c, i) => {
    const r = right.columns[i]!.flow;
    const flow = unionFlows([c.flow, r]);
    // A UNION of the same exact column is still that column's values on each row; of different
    // columns, each arm's values are guesses for the other's (`ssn UNION ALL pg_proc.oid::text`).
    const same = c.flow.cols.size === r.cols.size && [...c.flow.cols.keys()].every((k) => r.cols.has(k));
    return { name: c.name, flow: c.flow.exact && r.exact && same ? exactFlow(flow) : flow };
  });
  const tail = tailRows(select, env, columns);
  addFlow(rows, tail);
  if (keepsRowsByPlanOrder(select, columns, env)) use(env, 'ordering', order);
  addFlow(order, tail);
  return { columns, shapeKnown: true, rows, order };
};

/** The columns a SELECT (body of a SelectStmt) returns, with their lineage and its row-set flow. */
const shapeOf = (select: Node, outer: Env): Shape => {
  step(outer);
  const env: Env = select.withClause ? { ...outer, ctes: withCtes(select.withClause as Node, outer) } : outer;
  if (select.op !== undefined && select.op !== 'SETOP_NONE') return setOperationShape(select, env);
  if (Array.isArray(select.valuesLists)) {
    const rows = (select.valuesLists as Node[]).map(
      (r) => ((r.List as Node | undefined)?.items as unknown[]) ?? [],
    );
    const width = rows[0]?.length ?? 0;
    const columns: Column[] = [];
    for (let i = 0; i < width; i++) {
      columns.push({ name: `column${i + 1}`, flow: unionFlows(rows.map((r) => exprFlow(r[i], env))) });
    }
    return {
      columns,
      shapeKnown: rows.every((r) => r.length === width),
      rows: tailRows(select, env, columns),
    };
  }
  const scope = fromLevel(select.fromClause, env);
  const inner: Env = { ...env, scope };
  // Which rows the block sees: its FROM items' and its WHERE.
  const rows = unionFlows(scope.unqualified.map((i) => i.rows));
  if (select.whereClause !== undefined) {
    predicate(select.whereClause, inner);
    addFlow(rows, exprFlow(select.whereClause, inner));
  }
  /** What GROUP BY, DISTINCT and windows compare: a sort for them leaves rows in that order. */
  const compared = emptyFlow();
  let shape = targetsOf(select, { ...inner, aggregateRows: rows, windowRows: rows, windows: compared });
  let tailEnv: Env = { ...inner, aggregateRows: rows, windowRows: rows };
  const targetRows = shape.rows;
  // GROUP BY and HAVING decide the groups (and, with named windows, the windows) aggregates and
  // window functions see: with any of them, the targets are traced again over the full flows.
  const groups = Array.isArray(select.groupClause) ? (select.groupClause as unknown[]) : [];
  const windows = Array.isArray(select.windowClause) ? (select.windowClause as Node[]) : [];
  if (groups.length > 0 || select.havingClause !== undefined || windows.length > 0) {
    const groupedBy = groupUses(groups, inner, shape.columns);
    addFlow(compared, groupedBy);
    const aggregateRows = unionFlows([rows, groupedBy]);
    const windowRows = unionFlows([aggregateRows]);
    const grouped: Env = { ...inner, aggregateRows, windowRows };
    if (select.havingClause !== undefined) {
      predicate(select.havingClause, grouped);
      addFlow(windowRows, exprFlow(select.havingClause, grouped));
    }
    for (const w of windows) {
      const named = windowFlow((w.WindowDef as Node | undefined) ?? {}, grouped);
      addFlow(windowRows, named);
      addFlow(compared, named);
    }
    shape = targetsOf(select, { ...inner, aggregateRows, windowRows, windows: compared });
    tailEnv = { ...inner, aggregateRows, windowRows };
    addFlow(rows, windowRows);
  }
  const distinct = Array.isArray(select.distinctClause) ? (select.distinctClause as Node[]) : [];
  if (distinct.length > 0) {
    // DISTINCT: every output decides which rows stay; DISTINCT ON (…): its expressions.
    const plain = distinct.every((d) => Object.keys(d).length === 0);
    if (plain) {
      for (const c of shape.columns) {
        use(inner, 'grouping', c.flow);
        if (!c.flow.direct) use(inner, 'computed', c.flow);
        addFlow(rows, c.flow);
        addFlow(compared, c.flow);
      }
    } else {
      const on = groupUses(distinct, inner, shape.columns);
      addFlow(rows, on);
      addFlow(compared, on);
    }
  }
  addFlow(rows, targetRows);
  // ORDER BY may name aggregates and windows (`ORDER BY count(*) DESC`): in the grouped scope.
  const tail = tailRows(select, tailEnv, shape.columns);
  addFlow(rows, tail);
  const order = unionFlows([compared, orderOf([...scope.qualified, ...scope.unqualified])]);
  if (keepsRowsByPlanOrder(select, shape.columns, tailEnv)) use(inner, 'ordering', order);
  addFlow(order, tail);
  return { ...shape, rows, order };
};

// ---------------------------------------------------------------------------------------------

const output = (column: Column): OutputLineage => ({
  name: column.name,
  sources: [...column.flow.cols.values()],
  resolved: column.flow.resolved,
  wholeRows: [...column.flow.rows.values()],
  direct: column.flow.direct === true && column.flow.resolved && column.flow.rows.size === 0,
});

/** A plain (non-star) column reference. */
const isColumnRef = (value: unknown): value is { ColumnRef: Node } => {
  const ref = (value as { ColumnRef?: { fields?: unknown[] } } | null)?.ColumnRef;
  return Array.isArray(ref?.fields) && !ref.fields.some((f) => (f as Node).A_Star !== undefined);
};

const listUses = (env: Env): ColumnUse[] =>
  [...env.uses.values()].map(({ kind, flow }) => ({
    kind,
    sources: [...flow.cols.values()],
    wholeRows: [...flow.rows.values()],
    resolved: flow.resolved,
  }));

/** An expression's tree without the parser's source positions. */
const treeText = (node: unknown): string =>
  JSON.stringify(node, (key, value: unknown) => (key === 'location' ? undefined : value));

/** The top-level ORDER BY's keys as output columns, where each is one. */
const resultOrder = (select: Node, shape: Shape, env: Env): ResultOrder => {
  const items = Array.isArray(select.sortClause) ? (select.sortClause as Node[]) : [];
  const targets = (Array.isArray(select.targetList) ? (select.targetList as Node[]) : []).map((t) =>
    treeText((t.ResTarget as Node | undefined)?.val),
  );
  const keys: number[] = [];
  for (const item of items) {
    const expr = (item.SortBy as Node | undefined)?.node as Node | undefined;
    const ival = ((expr?.A_Const as Node | undefined)?.ival as Node | undefined)?.ival;
    // A constant orders nothing (`ORDER BY 'k' || ''`); an integer is an output's position.
    if (typeof ival !== 'number' && readsNothing(exprFlow(expr, { ...env, uses: new Map() }))) continue;
    const parts = isColumnRef(expr) ? refParts(expr.ColumnRef as Node) : undefined;
    const named =
      parts?.length === 1 ? shape.columns.flatMap((c, i) => (c.name === parts[0] ? [i] : [])) : [];
    const same = targets.flatMap((t, i) => (t === treeText(expr) ? [i] : []));
    const index =
      typeof ival === 'number' ? ival - 1 : named.length === 1 ? named[0]! : same.length > 0 ? same[0]! : -1;
    if (index < 0 || index >= shape.columns.length) return { kind: 'other' };
    keys.push(index);
  }
  return keys.length === 0 ? { kind: 'none' } : { kind: 'outputs', keys };
};

/**
 * The lineage of each output column of a single SELECT, in order. `ok: false` when the text is
 * not one SELECT-like statement (VALUES, EXPLAIN, SELECT INTO, several statements, a parse
 * error, …) or cannot be analysed. An output that stands for an unexpandable star (an unknown
 * table's `*`) is named `*` and unresolved, and `columnsKnown` is false: the outputs may then not
 * match the result's columns one to one, and the caller must mask every column.
 */
export const lineageOf = (sql: string, catalog: Catalog): LineageResult => {
  try {
    if (sql.includes('\u0000')) return { ok: false, reason: 'the text contains a NUL character' };
    const tree = parseSync(sql) as unknown as { stmts?: Array<{ stmt: Node }> };
    const stmts = tree.stmts ?? [];
    if (stmts.length !== 1) return { ok: false, reason: 'the text is not a single statement' };
    // EXPLAIN [ANALYZE] of a SELECT: the plan is not the query's columns, but its row estimates
    // and counts answer its predicates: the query's uses are the statement's.
    const explained = (stmts[0]!.stmt.ExplainStmt as Node | undefined)?.query as Node | undefined;
    const select = (stmts[0]!.stmt.SelectStmt ?? explained?.SelectStmt) as Node | undefined;
    if (!select) return { ok: false, reason: 'the statement is not a SELECT' };
    if (select.valuesLists) return { ok: false, reason: 'the statement is a VALUES list' };
    if (JSON.stringify(select).includes('"intoClause"')) {
      return { ok: false, reason: 'the statement is a SELECT INTO' };
    }
    const env: Env = { catalog, ctes: new Map(), scope: undefined, budget: { steps: 0 }, uses: new Map() };
    const shape = shapeOf(select, env);
    if (explained) {
      const plan: OutputLineage = {
        name: 'QUERY PLAN',
        sources: [],
        resolved: false,
        wholeRows: [],
        direct: false,
      };
      return {
        ok: true,
        outputs: [plan],
        columnsKnown: false,
        uses: listUses(env),
        order: { kind: 'other' },
      };
    }
    const order = resultOrder(select, shape, env);
    // Keys the caller cannot see leave ties in the plan's order, which a sort for GROUP BY,
    // DISTINCT or a set operation takes from the columns it compares: an ordering of them.
    if (order.kind === 'other') use(env, 'ordering', shape.order ?? emptyFlow());
    return {
      ok: true,
      outputs: shape.columns.map(output),
      columnsKnown: shape.shapeKnown,
      uses: listUses(env),
      order,
    };
  } catch (error) {
    return {
      ok: false,
      reason:
        error instanceof TooComplex || error instanceof RangeError
          ? 'the statement is too complex to analyse'
          : 'the statement could not be analysed',
    };
  }
};
