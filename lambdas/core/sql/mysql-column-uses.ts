// How a MySQL statement uses columns to choose, order and count rows (column-uses.ts), read from
// node-sql-parser's MySQL AST by name: the facts that let policy refuse predicates on masked
// columns used as oracles (`WHERE ssn < ?` recovers an SSN by binary search).
//
// Choices, each made to fail closed:
//
// - Every use is listed, in every query of the statement: CTEs, derived tables, UNION arms,
//   subqueries anywhere (EXISTS, IN, scalar, in the select list, in SET and VALUES), JOIN ON/USING,
//   WHERE, HAVING, GROUP BY, ORDER BY, DISTINCT, windows, aggregates' DISTINCT and ORDER BY, LIMIT.
//   Comparisons nested inside expressions (CASE, IF, function arguments, the select list) count
//   too, with `computed`: `SELECT IF(ssn < ?, 1, 0)` tests the same bit as the WHERE form.
// - A column is the column itself only through casts, COLLATE, parentheses and BINARY; anything
//   else around it adds `computed` to the position's kind.
// - Names are resolved by the server's scoping as far as a name-level analysis can: a qualifier
//   through the FROM aliases (innermost scope first, compared case-insensitively: a qualifier that
//   may match several relations resolves to all of them) to the base table as written; an
//   unqualified name to the only base table in scope, else to no table (every classified column of
//   that name counts). A column of a derived table or CTE is followed through its select list by
//   name or position, every UNION arm included; one that cannot be followed is a use with no
//   column (every class the statement reads counts).
// - A comparison against a column of a derived table or CTE that is not a plain base column
//   (`JOIN (SELECT '1' AS x UNION SELECT '2') d ON d.x = t.ssn`) tests a set of guesses: `membership`.
// - Work is bounded (nodes and recursion depth); past the bound, or on any shape not handled, the
//   answer holds a use of every kind with no column instead of an exception.
import { type NamedColumnUse, USE_KINDS, type UseKind } from './column-uses.js';
import type { RelationRef } from './sql-executor.js';

// ---------------------------------------------------------------------------------------------
// AST helpers shared with analyze-mysql.ts

/** A node of node-sql-parser's AST. */
export type Node = Record<string, unknown>;

/** Nodes visited per statement at most: beyond it the analysis gives up (and fails closed). */
export const MAX_NODES = 200_000;

export const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An identifier as the parser gives it: a plain string or a quoted-string node. */
export const identifier = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (isNode(value) && typeof value.value === 'string') return value.value;
  return undefined;
};

/** A table reference (FROM item, DML target, DDL object) with its database kept apart, not a column. */
export const relationOf = (node: Node): RelationRef | undefined => {
  if (node.type === 'column_ref' || 'column' in node) return undefined;
  const name =
    typeof node.table === 'string' ? node.table : typeof node.view === 'string' ? node.view : undefined;
  if (name === undefined) return undefined;
  const db = identifier(node.db);
  return db ? { schema: db, name } : { name };
};

// ---------------------------------------------------------------------------------------------
// Operators

const LOGICAL = new Set(['AND', 'OR', 'XOR', '&&', '||']);
const EQUALITY = new Set(['=', '<=>', '!=', '<>', 'IS', 'IS NOT']);
const MEMBERSHIP = new Set(['IN', 'NOT IN']);
const PATTERN = new Set([
  'LIKE',
  'NOT LIKE',
  'RLIKE',
  'NOT RLIKE',
  'REGEXP',
  'NOT REGEXP',
  'SOUNDS LIKE',
  'ILIKE',
  'NOT ILIKE',
]);
/** Operators that compute a value rather than compare: in a predicate, a bare boolean. */
const VALUE_OPERATORS = new Set([
  '+',
  '-',
  '*',
  '/',
  '%',
  'DIV',
  'MOD',
  '&',
  '|',
  '^',
  '<<',
  '>>',
  '->',
  '->>',
  '#>',
  '#>>',
  ':=',
]);
/** Quantified comparisons: `x = ANY (SELECT ...)`. */
const QUANTIFIERS = new Set(['any', 'some', 'all']);
/** Functions that only change a value's type or collation: the column stays itself. */
const CASTS = new Set(['binary', 'convert', 'cast']);
const STATEMENTS = new Set(['select', 'update', 'delete', 'insert', 'replace']);

type Comparison = 'logical' | 'equality' | 'membership' | 'pattern' | 'range' | 'value';

const comparisonOf = (operator: unknown): Comparison => {
  const op = String(operator).toUpperCase();
  if (LOGICAL.has(op)) return 'logical';
  if (EQUALITY.has(op)) return 'equality';
  if (MEMBERSHIP.has(op)) return 'membership';
  if (PATTERN.has(op)) return 'pattern';
  if (VALUE_OPERATORS.has(op)) return 'value';
  return 'range'; // <, <=, >, >=, BETWEEN and any operator not known here
};

// ---------------------------------------------------------------------------------------------
// Scopes and lineage

/** Where a value comes from: a base column (`column` absent: could not be followed). */
interface Source {
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  /** The value is computed from the column, not the column itself. */
  readonly computed: boolean;
}

interface Lineage {
  readonly sources: readonly Source[];
  /** The value is exactly a base column (in every UNION arm): no expression, no constant. */
  readonly direct: boolean;
}

const UNKNOWN: Lineage = { sources: [{ computed: true }], direct: false };
const CONSTANT: Lineage = { sources: [], direct: false };

/** Sources without repeats: an expression reading a column twice per level must not double them. */
const distinct = (sources: Iterable<Source>): Source[] => {
  const out = new Map<string, Source>();
  for (const s of sources) out.set(JSON.stringify([s.schema, s.table, s.column, s.computed]), s);
  return [...out.values()];
};

const merge = (lineages: readonly Lineage[]): Lineage => ({
  sources: distinct(lineages.flatMap((l) => l.sources)),
  direct: lineages.length > 0 && lineages.every((l) => l.direct),
});

const computed = (lineage: Lineage): Lineage => ({
  sources: distinct(lineage.sources.map((s) => ({ ...s, computed: true }))),
  direct: false,
});

/** The shape of a derived table or CTE: its query's UNION arms, read in the scope it sees. */
interface Shape {
  readonly arms: readonly Node[];
  /** A CTE's column list, lower-case. */
  readonly names?: readonly string[];
  readonly parent: Scope | undefined;
  readonly busy: Set<string>;
  readonly cache: Map<string, Lineage>;
}

type Relation =
  | { readonly kind: 'base'; readonly key: string; readonly schema?: string; readonly table: string }
  | { readonly kind: 'derived'; readonly key: string; readonly shape: Shape }
  | { readonly kind: 'opaque'; readonly key: string | undefined };

interface Scope {
  readonly relations: Relation[];
  readonly parent: Scope | undefined;
  readonly ctes?: ReadonlyMap<string, Shape>;
  /** Select-list aliases, lower-case: ORDER BY, GROUP BY and HAVING may name them. */
  readonly aliases?: ReadonlyMap<string, unknown>;
}

class GiveUp extends Error {}

/** Nested analysis steps at most (a subquery level takes several): deeper, it gives up. */
const MAX_DEPTH = 5_000;

const lower = (s: string) => s.toLowerCase();
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A column reference's own name, lower-case (MySQL compares column names case-insensitively). */
const columnName = (ref: Node): string | undefined => {
  const column = ref.column;
  const name = identifier(column) ?? (isNode(column) ? identifier(column.expr) : undefined);
  return name === undefined ? undefined : lower(name);
};

/** The select items of a query arm, when the parser gives them as a list. */
const itemsOf = (arm: Node): Node[] | undefined =>
  Array.isArray(arm.columns) ? arm.columns.filter(isNode) : undefined;

const isStar = (item: Node): boolean =>
  isNode(item.expr) && item.expr.type === 'column_ref' && columnName(item.expr) === '*';

/** The UNION arms of a query, in order. */
const armsOf = (query: Node): Node[] => {
  const arms: Node[] = [];
  for (let arm: unknown = query; isNode(arm); arm = arm._next) {
    arms.push(arm);
    if (arms.length > MAX_NODES) throw new GiveUp();
  }
  return arms;
};

/** The query a subquery node holds (`{ ast }`), if it is one. */
const subqueryOf = (node: Node): Node | undefined => {
  if (isNode(node.ast) && node.ast.type === 'select') return node.ast;
  return undefined;
};

/** Walks the statement once, collecting uses. */
class Analysis {
  readonly uses = new Map<string, NamedColumnUse>();
  private visited = 0;
  private depth = 0;
  private cycles = 0;
  private readonly scopes = new WeakMap<object, Scope>();

  tick(): void {
    if (++this.visited > 4 * MAX_NODES) throw new GiveUp();
  }

  enter<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new GiveUp();
    try {
      this.tick();
      return f();
    } finally {
      this.depth--;
    }
  }

  emit(kind: UseKind, source: Source): void {
    const use: NamedColumnUse = {
      kind,
      ...(source.schema === undefined ? {} : { schema: source.schema }),
      ...(source.table === undefined ? {} : { table: source.table }),
      ...(source.column === undefined ? {} : { column: source.column }),
    };
    const key = JSON.stringify([use.kind, use.schema, use.table, use.column]);
    if (!this.uses.has(key)) this.uses.set(key, use);
  }

  /** Each source with the kind; `computed` too when the value is not the bare column. */
  emitLineage(lineage: Lineage, kind: UseKind, bare: boolean, nested: boolean): void {
    for (const source of lineage.sources) {
      this.emit(kind, source);
      if (!bare || nested || !lineage.direct || source.computed) this.emit('computed', source);
    }
  }

  /** A use of every kind, no column: what could not be analysed may be any of them. */
  everything(): void {
    for (const kind of USE_KINDS) this.emit(kind, { computed: true });
  }

  // -------------------------------------------------------------------------------------------
  // Scopes

  private cte(scope: Scope | undefined, name: string): { shape: Shape; exact: boolean } | undefined {
    for (let s = scope; s; s = s.parent) {
      if (!s.ctes) continue;
      const exact = s.ctes.get(name);
      if (exact) return { shape: exact, exact: true };
      for (const [cteName, shape] of s.ctes) if (same(cteName, name)) return { shape, exact: false };
    }
    return undefined;
  }

  shapeOf(query: Node, parent: Scope | undefined, names?: readonly string[]): Shape {
    return { arms: armsOf(query), parent, busy: new Set(), cache: new Map(), ...(names ? { names } : {}) };
  }

  /** The relations a FROM list (or UPDATE table list) brings into scope. */
  scopeOf(arm: Node, items: unknown, parent: Scope | undefined): Scope {
    const cached = this.scopes.get(arm);
    if (cached) return cached;
    const relations: Relation[] = [];
    const scope: Scope = { relations, parent };
    this.scopes.set(arm, scope);
    for (const item of Array.isArray(items) ? items : []) {
      this.tick();
      if (!isNode(item) || item.type === 'dual') continue;
      const alias = identifier(item.as);
      const ref = relationOf(item);
      if (ref) {
        const key = alias ?? ref.name;
        const cte = ref.schema === undefined ? this.cte(parent, ref.name) : undefined;
        if (cte) relations.push({ kind: 'derived', key, shape: cte.shape });
        // A CTE named in another letter case may be a base table (lower_case_table_names=0): both.
        if (!cte?.exact) {
          relations.push({
            kind: 'base',
            key,
            table: ref.name,
            ...(ref.schema === undefined ? {} : { schema: ref.schema }),
          });
        }
        continue;
      }
      const query = isNode(item.expr) ? subqueryOf(item.expr) : undefined;
      if (query && alias !== undefined) {
        const lateral = String(item.prefix ?? '').toUpperCase() === 'LATERAL';
        relations.push({ kind: 'derived', key: alias, shape: this.shapeOf(query, lateral ? scope : parent) });
        continue;
      }
      relations.push({ kind: 'opaque', key: alias });
    }
    return scope;
  }

  /** The scope a query arm reads names in. */
  armScope(arm: Node, parent: Scope | undefined): Scope {
    const items = arm.type === 'update' ? arm.table : arm.from;
    return this.scopeOf(arm, items, parent);
  }

  // -------------------------------------------------------------------------------------------
  // Name resolution

  private fromRelation(relation: Relation, column: string): Lineage {
    if (relation.kind === 'base') {
      return {
        sources: [
          {
            ...(relation.schema === undefined ? {} : { schema: relation.schema }),
            table: relation.table,
            column,
            computed: false,
          },
        ],
        direct: true,
      };
    }
    if (relation.kind === 'derived') return this.shapeColumn(relation.shape, column);
    return UNKNOWN;
  }

  resolve(ref: Node, scope: Scope | undefined): Lineage {
    return this.enter(() => {
      const column = columnName(ref);
      if (column === undefined || column === '*') return UNKNOWN;
      const qualifier = identifier(ref.table);
      const db = identifier(ref.db);
      return qualifier === undefined
        ? this.unqualified(column, scope, true)
        : this.qualified(db, qualifier, column, scope);
    });
  }

  private qualified(
    db: string | undefined,
    qualifier: string,
    column: string,
    scope: Scope | undefined,
  ): Lineage {
    for (let s = scope; s; s = s.parent) {
      const matches = s.relations.filter(
        (r) =>
          r.key !== undefined &&
          same(r.key, qualifier) &&
          (db === undefined || (r.kind === 'base' && (r.schema === undefined || same(r.schema, db)))),
      );
      if (matches.length > 0) return merge(matches.map((r) => this.fromRelation(r, column)));
      // A relation of unknown name may be the one meant.
      if (s.relations.some((r) => r.kind === 'opaque' && r.key === undefined)) return UNKNOWN;
    }
    if (db !== undefined)
      return { sources: [{ schema: db, table: qualifier, column, computed: false }], direct: true };
    // Not in scope (the server refuses it): any classified column of that name.
    return { sources: [{ column, computed: false }], direct: true };
  }

  /**
   * An unqualified name: any relation in scope that may hold it, outer scopes included (the
   * analysis does not know base tables' columns, so cannot tell which scope the server picks).
   */
  private unqualified(column: string, scope: Scope | undefined, outer: boolean): Lineage {
    const bases: Relation[] = [];
    const parts: Lineage[] = [];
    for (let s = scope; s; s = outer ? s.parent : undefined) {
      const alias = s.aliases?.get(column);
      if (alias !== undefined) parts.push(this.lineageOf(alias, s.parent));
      for (const r of s.relations) {
        if (r.kind === 'base') bases.push(r);
        else if (r.kind === 'opaque') parts.push(UNKNOWN);
        else if (this.shapeHas(r.shape, column)) parts.push(this.shapeColumn(r.shape, column));
      }
    }
    const tables = new Set(bases.map((b) => (b.kind === 'base' ? JSON.stringify([b.schema, b.table]) : '')));
    if (bases.length > 0 && tables.size === 1) parts.push(this.fromRelation(bases[0]!, column));
    else if (bases.length > 0 || parts.length === 0)
      parts.push({ sources: [{ column, computed: false }], direct: true });
    return merge(parts);
  }

  /** Whether a derived table or CTE may have a column of that name. */
  private shapeHas(shape: Shape, column: string): boolean {
    if (shape.names) return shape.names.includes(column);
    const items = shape.arms[0] ? itemsOf(shape.arms[0]) : undefined;
    if (!items) return true;
    return items.some((item) => isStar(item) || this.itemName(item) === column);
  }

  private itemName(item: Node): string | undefined {
    const alias = identifier(item.as);
    if (alias !== undefined) return lower(alias);
    return isNode(item.expr) && item.expr.type === 'column_ref' ? columnName(item.expr) : undefined;
  }

  /** A derived table's or CTE's column, through every UNION arm's select list. */
  shapeColumn(shape: Shape, column: string): Lineage {
    const cached = shape.cache.get(column);
    if (cached) return cached;
    if (shape.busy.has(column)) {
      // A recursive CTE reading itself: what the other arms contribute is the fixpoint.
      this.cycles++;
      return CONSTANT;
    }
    const cycles = this.cycles;
    shape.busy.add(column);
    try {
      const result = this.enter(() => this.followShape(shape, column));
      if (this.cycles === cycles) shape.cache.set(column, result);
      return result;
    } finally {
      shape.busy.delete(column);
    }
  }

  private followShape(shape: Shape, column: string): Lineage {
    const first = shape.arms[0];
    const firstItems = first ? itemsOf(first) : undefined;
    if (!first || !firstItems) return UNKNOWN;
    const index = shape.names
      ? shape.names.indexOf(column)
      : firstItems.findIndex((item) => !isStar(item) && this.itemName(item) === column);
    if (index < 0 && !shape.names && shape.arms.length === 1 && firstItems.some(isStar)) {
      // `SELECT *` (or `t.*`): the name passes through unchanged from the arm's own relations.
      const scope = this.armScope(first, shape.parent);
      const parts: Lineage[] = [];
      for (const item of firstItems.filter(isStar)) {
        const qualifier = identifier((item.expr as Node).table);
        parts.push(
          qualifier === undefined
            ? this.unqualified(column, { relations: scope.relations, parent: undefined }, false)
            : this.qualified(undefined, qualifier, column, { relations: scope.relations, parent: undefined }),
        );
      }
      return merge(parts);
    }
    if (index < 0) return UNKNOWN; // a name the analysis cannot follow (an expression's text)
    const parts: Lineage[] = [];
    for (const arm of shape.arms) {
      const items = itemsOf(arm);
      // A star before the position makes positions unknown.
      if (!items || items.slice(0, index + 1).some(isStar) || !items[index]) return UNKNOWN;
      parts.push(this.lineageOf(items[index]!.expr, this.armScope(arm, shape.parent)));
    }
    return merge(parts);
  }

  /** Where an expression's value comes from. */
  lineageOf(expr: unknown, scope: Scope | undefined): Lineage {
    return this.enter(() => {
      const bare = bareColumn(expr);
      if (bare) return this.resolve(bare, scope);
      if (isNode(expr)) {
        const query = subqueryOf(expr) ?? (isNode(expr) && expr.type === 'select' ? expr : undefined);
        if (query) return computed(this.queryValue(query, scope));
      }
      return computed(merge([CONSTANT, ...this.references(expr, scope)]));
    });
  }

  /** What a subquery's rows hold: every select item of every arm. */
  queryValue(query: Node, scope: Scope | undefined): Lineage {
    const parts: Lineage[] = [];
    for (const arm of armsOf(query)) {
      const items = itemsOf(arm);
      if (!items) return UNKNOWN;
      const armScope = this.armScope(arm, this.withScope(query, scope));
      for (const item of items) {
        if (isStar(item)) return UNKNOWN;
        parts.push(this.lineageOf(item.expr, armScope));
      }
    }
    return merge(parts);
  }

  /** Every column an expression reads, resolved (subqueries by what they return). */
  references(expr: unknown, scope: Scope | undefined): Lineage[] {
    const out: Lineage[] = [];
    const stack: unknown[] = [expr];
    while (stack.length > 0) {
      this.tick();
      const value = stack.pop();
      if (Array.isArray(value)) stack.push(...value);
      else if (isNode(value)) {
        const query = subqueryOf(value) ?? (value.type === 'select' ? value : undefined);
        if (value.type === 'column_ref') out.push(this.resolve(value, scope));
        else if (query) out.push(this.queryValue(query, scope));
        else for (const [key, child] of Object.entries(value)) if (!PARSER_LISTS.has(key)) stack.push(child);
      }
    }
    return out;
  }

  /** The scope a query's arms see: its CTEs on top of the enclosing scope. */
  withScope(query: Node, parent: Scope | undefined): Scope | undefined {
    if (!Array.isArray(query.with)) return parent;
    const cached = this.scopes.get(query.with);
    if (cached) return cached;
    const ctes = new Map<string, Shape>();
    const scope: Scope = { relations: [], parent, ctes };
    this.scopes.set(query.with, scope);
    for (const cte of query.with) {
      if (!isNode(cte)) continue;
      const name = identifier(cte.name);
      const stmt = isNode(cte.stmt) ? (subqueryOf(cte.stmt) ?? cte.stmt) : undefined;
      if (name === undefined || !stmt) continue;
      const names = Array.isArray(cte.columns)
        ? cte.columns.map((c) => (isNode(c) ? columnName(c) : identifier(c))).map((c) => (c ? lower(c) : ''))
        : undefined;
      ctes.set(name, this.shapeOf(stmt, scope, names));
    }
    return scope;
  }

  // -------------------------------------------------------------------------------------------
  // Uses

  /** An operand of a comparison: where its values come from, and what it is. */
  operand(node: unknown, scope: Scope | undefined): Operand {
    const bare = bareColumn(node);
    if (bare) {
      const lineage = this.resolve(bare, scope);
      return { lineage, bare: true, value: false, guessable: !lineage.direct };
    }
    const query = isNode(node) ? subqueryOf(node) : undefined;
    if (query) {
      // A scalar or row subquery: compared by what its select list returns.
      const arms = armsOf(query);
      const items = itemsOf(arms[0]!) ?? [];
      const lineage = this.queryValue(query, scope);
      const single = arms.length === 1 && items.length === 1 && bareColumn(items[0]!.expr) !== undefined;
      const value = !items.some((i) => hasColumnRef(i.expr, this));
      return {
        lineage: single ? lineage : computed(lineage),
        bare: single,
        value,
        guessable: !lineage.direct,
      };
    }
    if (!hasColumnRef(node, this)) return { lineage: CONSTANT, bare: false, value: true, guessable: false };
    const lineage = computed(merge([CONSTANT, ...this.references(node, scope)]));
    return { lineage, bare: false, value: false, guessable: true };
  }

  private emitOperand(o: Operand, kind: UseKind, nested: boolean): void {
    this.emitLineage(o.lineage, kind, o.bare, nested);
    // Grouping a derived column whose UNION arms read different columns sorts and merges each
    // arm's values with the other's (`ssn UNION ALL CAST(seq AS CHAR) FROM seq_1_to_9`): guesses.
    if (kind === 'grouping' || kind === 'join') {
      const columns = new Set(
        o.lineage.sources.map((u) => JSON.stringify([u.schema, u.table, u.column]).toLowerCase()),
      );
      if (columns.size > 1) this.emitLineage(o.lineage, 'membership', o.bare, nested);
    }
  }

  /** An expression in a position of the given kind (ORDER BY, GROUP BY, a bare boolean, LIMIT). */
  exprUse(node: unknown, kind: UseKind, scope: Scope | undefined, nested: boolean): void {
    this.enter(() => {
      this.emitOperand(this.operand(node, scope), kind, nested);
      this.inner(node, scope);
    });
  }

  /**
   * Under OR, XOR or NOT (which turns AND into OR), two equalities on one column test two
   * guesses (`ssn = ? OR ssn = ?`, `NOT (ssn <> ? AND ssn <> ?)`): each such column is `membership`.
   */
  repeatedEqualities(node: unknown, scope: Scope | undefined, nested: boolean): void {
    const seen = new Map<string, { column: Node; count: number }>();
    const stack: unknown[] = [node];
    while (stack.length > 0) {
      this.tick();
      const term = stack.pop();
      if (!isNode(term)) continue;
      if (term.type === 'unary_expr') stack.push(term.expr);
      else if (term.type === 'expr_list') stack.push(...listOf(term));
      else if (term.type === 'function' && functionName(term) === 'not') stack.push(...argsOf(term));
      else if (term.type === 'binary_expr') {
        const kind = comparisonOf(term.operator);
        if (kind === 'logical') stack.push(term.left, term.right);
        else if (kind === 'equality' || (kind === 'membership' && listOf(term.right).length === 1)) {
          for (const side of [term.left, term.right]) {
            const column = bareColumn(side);
            if (!column) continue;
            // By what the name resolves to: `ssn` and `t.ssn` are one column.
            const sources = this.resolve(column, scope).sources.map((u) => [u.schema, u.table, u.column]);
            const key = JSON.stringify(sources).toLowerCase();
            const entry = seen.get(key) ?? { column, count: 0 };
            entry.count++;
            seen.set(key, entry);
          }
        }
      }
    }
    for (const { column, count } of seen.values())
      if (count > 1) this.exprUse(column, 'membership', scope, nested);
  }

  /** A predicate: WHERE, ON, HAVING, a CASE condition. */
  predicate(node: unknown, scope: Scope | undefined, nested: boolean): void {
    this.enter(() => {
      if (!isNode(node)) return;
      if (node.type === 'binary_expr') {
        const kind = comparisonOf(node.operator);
        if (kind === 'logical' && !['AND', '&&'].includes(String(node.operator).toUpperCase()))
          this.repeatedEqualities(node, scope, nested);
        if (kind === 'logical') {
          // Iteratively: a chain of thousands of ANDs parses, and must not exhaust the depth.
          const stack: unknown[] = [node.right, node.left];
          while (stack.length > 0) {
            this.tick();
            const term = stack.pop();
            if (isNode(term) && term.type === 'binary_expr' && comparisonOf(term.operator) === 'logical') {
              stack.push(term.right, term.left);
            } else this.predicate(term, scope, nested);
          }
        } else if (kind === 'value') this.exprUse(node, 'equality', scope, nested);
        else this.compare(node, scope, nested);
        return;
      }
      if (node.type === 'unary_expr' && (node.operator === 'NOT' || node.operator === '!')) {
        this.repeatedEqualities(node.expr, scope, nested);
        this.predicate(node.expr, scope, nested);
        return;
      }
      const fn = node.type === 'function' ? functionName(node) : undefined;
      if (fn === 'not' && argsOf(node).length === 1) {
        this.repeatedEqualities(argsOf(node)[0], scope, nested);
        this.predicate(argsOf(node)[0], scope, nested);
        return;
      }
      if (fn === 'exists') {
        this.inner(node.args, scope);
        return;
      }
      if (node.type === 'fulltext_search') {
        this.fulltext(node, scope, nested);
        return;
      }
      this.exprUse(node, 'equality', scope, nested);
    });
  }

  private fulltext(node: Node, scope: Scope | undefined, nested: boolean): void {
    for (const column of Array.isArray(node.columns) ? node.columns : []) {
      this.emitOperand(this.operand(column, scope), 'pattern', nested);
    }
    this.emitOperand(this.operand(node.expr, scope), 'pattern', nested);
    this.inner(node.expr, scope);
  }

  /** A comparison, whatever position it is in. */
  compare(node: Node, scope: Scope | undefined, nested: boolean): void {
    const kind = comparisonOf(node.operator);
    const { left, right } = node;
    const quantified = isNode(right) && right.type === 'function' ? functionName(right) : undefined;
    const quantifiedQuery =
      quantified &&
      QUANTIFIERS.has(quantified) &&
      argsOf(right as Node).length === 1 &&
      isNode(argsOf(right as Node)[0])
        ? subqueryOf(argsOf(right as Node)[0] as Node)
        : undefined;
    if (quantifiedQuery) {
      this.setComparison(
        kind === 'equality' ? 'membership' : 'range',
        left,
        argsOf(right as Node)[0],
        scope,
        nested,
      );
    } else if (kind === 'equality') {
      const op = String(node.operator).toUpperCase();
      this.equality(left, right, scope, nested, op === 'IS' || op === 'IS NOT');
    } else if (kind === 'membership') {
      this.membership(left, right, scope, nested);
    } else if (kind === 'pattern') {
      for (const side of [left, right]) this.emitOperand(this.operand(side, scope), 'pattern', nested);
    } else {
      const sides =
        isNode(right) && right.type === 'expr_list' && !right.parentheses
          ? [left, ...listOf(right)]
          : [left, right];
      for (const side of sides) this.emitOperand(this.operand(side, scope), 'range', nested);
    }
    this.inner(left, scope);
    this.inner(right, scope);
  }

  private equality(
    left: unknown,
    right: unknown,
    scope: Scope | undefined,
    nested: boolean,
    test: boolean,
  ): void {
    // Row constructors compare element by element.
    if (isRow(left) && isRow(right) && listOf(left).length === listOf(right).length) {
      const r = listOf(right);
      listOf(left).forEach((l, i) => {
        this.equality(l, r[i], scope, nested, test);
      });
      return;
    }
    const l = this.operand(left, scope);
    const r: Operand = test
      ? { lineage: CONSTANT, bare: false, value: true, guessable: false }
      : this.operand(right, scope);
    if (l.value && r.value) return;
    // A string column compared with a number is compared as a number, read from its leading
    // digits (`ssn = 168` is true for '168-20-3328'): a prefix test, not one guess.
    if (r.value) this.emitOperand(l, !test && numeric(right) ? 'computed' : 'equality', nested);
    else if (l.value) this.emitOperand(r, !test && numeric(left) ? 'computed' : 'equality', nested);
    else if (l.bare && r.bare && l.lineage.direct && r.lineage.direct) {
      this.emitOperand(l, 'join', nested);
      this.emitOperand(r, 'join', nested);
    } else {
      for (const [self, other] of [
        [l, r],
        [r, l],
      ] as const) {
        this.emitLineage(self.lineage, 'computed', false, nested);
        // Against a derived table's values: a set of guesses.
        if (other.guessable) this.emitOperand(self, 'membership', nested);
      }
    }
  }

  private membership(left: unknown, right: unknown, scope: Scope | undefined, nested: boolean): void {
    const values = isNode(right) && right.type === 'expr_list' ? listOf(right) : [right];
    const query = values.length === 1 && isNode(values[0]) ? subqueryOf(values[0]) : undefined;
    if (query) {
      this.setComparison('membership', left, values[0], scope, nested);
      return;
    }
    for (const value of values) this.equality(left, value, scope, nested, false);
    if (values.length >= 2) {
      for (const l of isRow(left) ? listOf(left) : [left]) {
        this.emitOperand(this.operand(l, scope), 'membership', nested);
      }
    }
  }

  /** `x IN (SELECT ...)`, `x = ANY (SELECT ...)`, `x > ALL (SELECT ...)`. */
  private setComparison(
    kind: 'membership' | 'range',
    left: unknown,
    sub: unknown,
    scope: Scope | undefined,
    nested: boolean,
  ): void {
    const l = this.operand(left, scope);
    const s = this.operand(sub, scope);
    if (kind === 'range') {
      this.emitOperand(l, 'range', nested);
      this.emitOperand(s, 'range', nested);
    } else if (l.bare && s.bare && l.lineage.direct && s.lineage.direct) {
      this.emitOperand(l, 'join', nested);
      this.emitOperand(s, 'join', nested);
    } else {
      this.emitOperand(l, 'membership', nested);
      // Against values computed from columns: computed on both sides, as for `=`.
      if (s.lineage.sources.length > 0) {
        this.emitLineage(l.lineage, 'computed', false, nested);
        this.emitLineage(s.lineage, 'computed', false, nested);
      }
    }
  }

  /** ORDER BY / GROUP BY items: expressions, select-list aliases, positions. */
  private list(
    items: unknown,
    kind: UseKind,
    named: Scope,
    scope: Scope,
    selectItems: readonly Node[] | undefined,
  ): void {
    for (const item of Array.isArray(items) ? items : []) {
      const expr = entryExpr(item);
      if (isNode(expr) && expr.type === 'number' && selectItems) {
        const at = selectItems[Number(expr.value) - 1];
        if (at && !isStar(at)) this.exprUse(at.expr, kind, scope, false);
        else if (at) this.emitStar(kind);
        continue;
      }
      this.exprUse(expr, kind, named, false);
    }
  }

  /** `SELECT DISTINCT *`, `ORDER BY 1` over a star: the columns are not known by name. */
  private emitStar(kind: UseKind): void {
    this.emit(kind, { computed: false });
  }

  private window(spec: unknown, scope: Scope | undefined): void {
    if (!isNode(spec)) return;
    const inner = isNode(spec.as_window_specification) ? spec.as_window_specification : spec;
    const body = isNode(inner.window_specification) ? inner.window_specification : inner;
    for (const p of Array.isArray(body.partitionby) ? body.partitionby : []) {
      this.exprUse(entryExpr(p), 'grouping', scope, false);
    }
    for (const o of Array.isArray(body.orderby) ? body.orderby : []) {
      this.exprUse(entryExpr(o), 'ordering', scope, false);
    }
    for (const [key, child] of Object.entries(body)) {
      if (key !== 'partitionby' && key !== 'orderby') this.inner(child, scope);
    }
  }

  /**
   * What an expression holds that decides rows wherever it stands: subqueries (walked as
   * queries), comparisons and CASE conditions (with `computed`), windows, aggregates' DISTINCT
   * and ORDER BY. Plain columns here are outputs, not uses.
   */
  inner(node: unknown, scope: Scope | undefined): void {
    this.enter(() => {
      // Plain descent is iterative (a sum of thousands of terms parses); what needs its own
      // handling recurses, bounded by the depth.
      const stack: unknown[] = [node];
      while (stack.length > 0) {
        this.tick();
        const value = stack.pop();
        if (Array.isArray(value)) {
          stack.push(...value);
          continue;
        }
        if (!isNode(value) || value.type === 'column_ref') continue;
        const descend = this.innerNode(value, scope);
        if (!descend) continue;
        for (const [key, child] of Object.entries(value)) {
          if (key !== 'over' && !PARSER_LISTS.has(key)) stack.push(child);
        }
      }
    });
  }

  /** One node of `inner`: handles what it must, and says whether to descend into its children. */
  private innerNode(node: Node, scope: Scope | undefined): boolean {
    const query = subqueryOf(node);
    if (query) {
      this.query(query, scope);
      return false;
    }
    if (typeof node.type === 'string' && STATEMENTS.has(node.type)) {
      this.query(node, scope);
      return false;
    }
    if (node.type === 'binary_expr' && !['logical', 'value'].includes(comparisonOf(node.operator))) {
      this.compare(node, scope, true);
      return false;
    }
    if (node.type === 'fulltext_search') {
      this.fulltext(node, scope, true);
      return false;
    }
    if (node.type === 'case') {
      for (const arm of Array.isArray(node.args) ? node.args : []) {
        if (!isNode(arm)) continue;
        if (arm.type === 'when') {
          // `CASE x WHEN v`: x = v; `CASE WHEN c`: c is a predicate.
          if (node.expr !== undefined && node.expr !== null)
            this.equality(node.expr, arm.cond, scope, true, false);
          else this.predicate(arm.cond, scope, true);
        }
      }
      return true;
    }
    const fn = node.type === 'function' || node.type === 'aggr_func' ? functionName(node) : undefined;
    if (fn === 'if' && argsOf(node).length > 0) this.predicate(argsOf(node)[0], scope, true);
    if (node.over !== undefined && node.over !== null) this.window(node.over, scope);
    if (node.type === 'aggr_func' && isNode(node.args)) {
      const args = node.args;
      if (args.distinct) {
        const exprs = isNode(args.expr) && args.expr.type === 'expr_list' ? listOf(args.expr) : [args.expr];
        for (const e of exprs) this.exprUse(e, 'grouping', scope, false);
      }
      if (Array.isArray(args.orderby)) {
        for (const o of args.orderby) this.exprUse(entryExpr(o), 'ordering', scope, false);
      }
    }
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Statements

  query(node: Node, parent: Scope | undefined): void {
    this.enter(() => {
      switch (node.type) {
        case 'select':
          this.select(node, parent);
          return;
        case 'update':
        case 'delete':
          this.write(node, parent);
          return;
        case 'insert':
        case 'replace':
          this.insert(node, parent);
          return;
        default:
          this.inner(Object.values(node), parent);
      }
    });
  }

  private select(node: Node, parent: Scope | undefined): void {
    const outer = this.withScope(node, parent);
    if (Array.isArray(node.with)) {
      for (const cte of node.with) {
        if (!isNode(cte)) continue;
        const stmt = isNode(cte.stmt) ? (subqueryOf(cte.stmt) ?? cte.stmt) : undefined;
        if (stmt) this.query(stmt, outer);
        else this.everything();
      }
    }
    const arms = armsOf(node);
    for (const arm of arms) this.arm(arm, outer);
    this.deduplication(arms, outer);
    // ORDER BY / LIMIT of the whole UNION: on the root when parenthesised, else on the last arm
    // (read both ways: the arm's own names and the UNION's output columns).
    const last = arms.at(-1)!;
    const unionOrder = [
      ...(Array.isArray(node._orderby) ? node._orderby : []),
      ...(arms.length > 1 && Array.isArray(last.orderby) ? last.orderby : []),
    ];
    const unionLimit = [node._limit, ...(arms.length > 1 ? [last.limit] : [])];
    if (unionOrder.length > 0 || node._limit !== undefined) {
      const shape = this.shapeOf(node, outer);
      const scope: Scope = { relations: [{ kind: 'derived', key: '\u0000union', shape }], parent: outer };
      for (const item of unionOrder) {
        if (!isNode(item)) continue;
        const expr = item.expr;
        if (isNode(expr) && expr.type === 'number') {
          for (const arm of arms) {
            const at = itemsOf(arm)?.[Number(expr.value) - 1];
            if (at && !isStar(at)) this.exprUse(at.expr, 'ordering', this.armScope(arm, outer), false);
            else this.emitStar('ordering');
          }
        } else this.exprUse(expr, 'ordering', scope, false);
      }
      for (const limit of unionLimit) this.limit(limit, scope);
    }
  }

  /**
   * A UNION (INTERSECT, EXCEPT) that is not ALL compares whole rows across its arms: a position
   * where every arm is a plain column groups them; one where an arm is a constant or computed
   * (`ssn UNION SELECT CONCAT('168-20-', seq) FROM seq_0_to_9999`) tests every row as a guess.
   */
  private deduplication(arms: readonly Node[], outer: Scope | undefined): void {
    if (arms.length < 2 || arms.slice(0, -1).every((a) => /\ball\b/i.test(String(a.set_op ?? '')))) return;
    const width = Math.max(...arms.map((a) => itemsOf(a)?.length ?? 0));
    for (let i = 0; i < width; i++) {
      const items = arms.map((arm) => ({ arm, item: itemsOf(arm)?.[i] }));
      const plain = items.every(
        ({ arm, item }) =>
          item !== undefined &&
          !isStar(item) &&
          bareColumn(item.expr) !== undefined &&
          this.resolve(bareColumn(item.expr)!, this.armScope(arm, outer)).direct,
      );
      for (const { arm, item } of items) {
        if (!item || isStar(item)) this.emitStar(plain ? 'grouping' : 'membership');
        else this.exprUse(item.expr, plain ? 'grouping' : 'membership', this.armScope(arm, outer), false);
      }
    }
  }

  private from(items: unknown, scope: Scope, parent: Scope | undefined): void {
    for (const item of Array.isArray(items) ? items : []) {
      if (!isNode(item)) continue;
      const query = isNode(item.expr) ? subqueryOf(item.expr) : undefined;
      const lateral = String(item.prefix ?? '').toUpperCase() === 'LATERAL';
      if (query) this.query(query, lateral ? scope : parent);
      else if (!relationOf(item) && item.type !== 'dual') {
        // A table function or a shape not known here: its arguments decide the rows.
        this.emit('rows', { computed: true });
        this.inner(item, scope);
      }
      if (item.on !== undefined && item.on !== null) this.predicate(item.on, scope, false);
      if (Array.isArray(item.using)) {
        const key = identifier(item.as) ?? relationOf(item)?.name;
        for (const u of item.using) {
          const name = identifier(u) ?? (isNode(u) ? columnName(u) : undefined);
          if (name === undefined) {
            this.emit('join', { computed: true });
            continue;
          }
          const column = lower(name);
          const mine = scope.relations.filter((r) => key !== undefined && r.key === key);
          const others = scope.relations.filter((r) => !mine.includes(r));
          for (const r of mine) this.emitLineage(this.fromRelation(r, column), 'join', true, false);
          const rest = { relations: others, parent: undefined };
          this.emitLineage(this.unqualified(column, rest, false), 'join', true, false);
        }
      }
    }
  }

  private aliasScope(scope: Scope, items: readonly Node[] | undefined): Scope {
    const aliases = new Map<string, unknown>();
    for (const item of items ?? []) {
      const alias = identifier(item.as);
      if (alias !== undefined) aliases.set(lower(alias), item.expr);
    }
    return { relations: [], parent: scope, aliases };
  }

  /** A LIMIT or OFFSET somewhere in the statement: which rows it keeps may follow a sort. */
  limited = false;

  private limit(limit: unknown, scope: Scope | undefined): void {
    if (!isNode(limit)) return;
    if ((Array.isArray(limit.value) ? limit.value : [limit.value]).some((v) => v !== undefined && v !== null))
      this.limited = true;
    for (const value of Array.isArray(limit.value) ? limit.value : [limit.value]) {
      this.exprUse(value, 'rows', scope, false);
    }
  }

  private arm(arm: Node, parent: Scope | undefined): void {
    const scope = this.armScope(arm, parent);
    const items = itemsOf(arm);
    const named = this.aliasScope(scope, items);
    this.from(arm.from, scope, parent);
    if (arm.where !== undefined && arm.where !== null) this.predicate(arm.where, scope, false);
    const groupby = isNode(arm.groupby) ? arm.groupby.columns : arm.groupby;
    this.list(groupby, 'grouping', named, scope, items);
    if (arm.having !== undefined && arm.having !== null) this.predicate(arm.having, named, false);
    this.list(arm.orderby, 'ordering', named, scope, items);
    if (arm.distinct) {
      for (const item of items ?? []) {
        if (isStar(item)) this.emitStar('grouping');
        else this.exprUse(item.expr, 'grouping', scope, false);
      }
    }
    for (const item of items ?? []) this.inner(item.expr, scope);
    if (!items && arm.columns !== undefined) this.everything();
    const windows = isNode(arm.window) ? arm.window.expr : undefined;
    for (const w of Array.isArray(windows) ? windows : []) this.window(w, scope);
    this.limit(arm.limit, scope);
    this.unknownClauses(arm, SELECT_KEYS, scope);
  }

  /** A clause this analysis does not know that reads columns: any use it may make. */
  private unknownClauses(node: Node, known: ReadonlySet<string>, scope: Scope | undefined): void {
    for (const [key, value] of Object.entries(node)) {
      if (!known.has(key) && value !== undefined && value !== null && hasColumnRef(value, this)) {
        this.everything();
        this.inner(value, scope);
      }
    }
  }

  /** UPDATE and DELETE: their table list is a FROM list; SET values are outputs. */
  private write(node: Node, parent: Scope | undefined): void {
    const outer = this.withScope(node, parent);
    const scope = this.armScope(node, outer);
    this.from(node.type === 'update' ? node.table : node.from, scope, outer);
    if (node.where !== undefined && node.where !== null) this.predicate(node.where, scope, false);
    this.list(node.orderby, 'ordering', scope, scope, undefined);
    this.limit(node.limit, scope);
    for (const item of Array.isArray(node.set) ? node.set : []) {
      if (isNode(item)) this.inner(item.value, scope);
    }
    this.unknownClauses(node, WRITE_KEYS, scope);
  }

  /** INSERT / REPLACE: the SELECT is a query; VALUES, SET and ON DUPLICATE KEY UPDATE are outputs. */
  private insert(node: Node, parent: Scope | undefined): void {
    const scope = this.scopeOf(node, node.table, parent);
    for (const [key, value] of Object.entries(node)) {
      if (key === 'table' || key === 'columns') continue;
      if (isNode(value) && value.type === 'select') this.query(value, parent);
      else this.inner(value, scope);
    }
  }
}

interface Operand {
  readonly lineage: Lineage;
  /** The column itself (through casts, COLLATE, parentheses). */
  readonly bare: boolean;
  /** Reads no column: a value written in the text (or computed from such). */
  readonly value: boolean;
  /** Reads a derived table's or CTE's values that are not plain base columns. */
  readonly guessable: boolean;
}

const SELECT_KEYS = new Set([
  'type',
  'with',
  'options',
  'distinct',
  'columns',
  'into',
  'from',
  'where',
  'groupby',
  'having',
  'orderby',
  'limit',
  'window',
  '_next',
  'set_op',
  '_orderby',
  '_limit',
  'locking_read',
  'parentheses_symbol',
  '_parentheses',
  'collate',
]);

const WRITE_KEYS = new Set([
  'type',
  'with',
  'table',
  'from',
  'where',
  'orderby',
  'limit',
  'set',
  'options',
  'prefix',
]);

/** What the parser keeps beside the tree (name lists, not expressions). */
const PARSER_LISTS = new Set(['tableList', 'columnList']);

/** The expression of an ORDER BY / PARTITION BY entry (`{ expr, type: 'ASC' }`) or the entry itself. */
const entryExpr = (item: unknown): unknown => {
  if (!isNode(item) || !('expr' in item)) return item;
  const type = item.type;
  return type === undefined || type === null || type === 'ASC' || type === 'DESC' ? item.expr : item;
};

const functionName = (node: Node): string | undefined => {
  if (node.type === 'aggr_func') return typeof node.name === 'string' ? lower(node.name) : undefined;
  const name = node.name;
  if (!isNode(name) || !Array.isArray(name.name)) return undefined;
  const last = name.name.at(-1);
  const part = identifier(last);
  return part === undefined ? undefined : lower(part);
};

const argsOf = (node: Node): unknown[] => {
  const args = node.args;
  if (isNode(args) && Array.isArray(args.value)) return args.value;
  return [];
};

const listOf = (node: unknown): unknown[] => (isNode(node) && Array.isArray(node.value) ? node.value : []);

const isRow = (node: unknown): boolean =>
  isNode(node) && node.type === 'expr_list' && node.parentheses === true;

/**
 * Whether a cast keeps the whole value: to a character or binary string type without a length.
 * `CAST(ssn AS CHAR(1))` keeps a prefix, and a numeric cast reads only the leading digits
 * (`CAST('906-12-3456' AS UNSIGNED)` is 906): equality on either tests a part of the value.
 */
const WHOLE_CAST_TYPES = new Set(['CHAR', 'NCHAR', 'VARCHAR', 'BINARY', 'VARBINARY']);
const castKeeps = (types: readonly unknown[]): boolean =>
  types.length > 0 &&
  types.every(
    (t) =>
      isNode(t) &&
      WHOLE_CAST_TYPES.has(String(t.dataType ?? '').toUpperCase()) &&
      t.length === undefined &&
      t.scale === undefined,
  );

/** A value that is a number, not a string: a numeric or boolean literal, or arithmetic. */
const numeric = (node: unknown): boolean => {
  for (let depth = 0; depth < 64 && isNode(node); depth++) {
    if (node.type === 'expr_list' && listOf(node).length === 1) node = listOf(node)[0];
    else if (node.type === 'unary_expr' && (node.operator === '-' || node.operator === '+')) node = node.expr;
    else
      return (
        node.type === 'number' ||
        node.type === 'bool' ||
        node.type === 'hex_string' ||
        node.type === 'bit_string' ||
        (node.type === 'binary_expr' && comparisonOf(node.operator) === 'value')
      );
  }
  return false;
};

/** The column an expression is, through whole casts, COLLATE, BINARY and parentheses. */
const bareColumn = (node: unknown): Node | undefined => {
  for (let depth = 0; depth < 64 && isNode(node); depth++) {
    if (node.type === 'column_ref') return columnName(node) === '*' ? undefined : node;
    if (node.type === 'cast') {
      if (!castKeeps(Array.isArray(node.target) ? node.target : [node.target])) return undefined;
      node = node.expr;
      continue;
    }
    if (node.type === 'function' && CASTS.has(functionName(node) ?? '')) {
      const types = argsOf(node).filter((a) => isNode(a) && a.type === 'datatype');
      const withColumns = argsOf(node).filter((a) => !(isNode(a) && a.type === 'datatype'));
      if (withColumns.length !== 1) return undefined;
      // CONVERT(x USING charset) and BINARY(x) keep the value; CONVERT(x, type) as the type does.
      if (types.length > 0 && !castKeeps(types)) return undefined;
      node = withColumns[0];
      continue;
    }
    if (node.type === 'expr_list' && Array.isArray(node.value) && node.value.length === 1) {
      node = node.value[0];
      continue;
    }
    return undefined;
  }
  return undefined;
};

/** True when a column is referenced anywhere below `node` (subqueries included). */
const hasColumnRef = (node: unknown, analysis: Analysis): boolean => {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    analysis.tick();
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    else if (isNode(value)) {
      if (value.type === 'column_ref') return true;
      for (const [key, child] of Object.entries(value)) if (!PARSER_LISTS.has(key)) stack.push(child);
    }
  }
  return false;
};

/**
 * How a statement uses columns to choose, order and count rows, by name (see column-uses.ts).
 * Never throws: what cannot be analysed within the bounds adds a use of every kind with no column.
 */
export const mysqlColumnUses = (root: Node): NamedColumnUse[] => {
  const analysis = new Analysis();
  try {
    analysis.query(root, undefined);
  } catch {
    // Past the bounds (GiveUp, a RangeError from the stack) or a shape not foreseen: fail closed.
    analysis.everything();
  }
  const uses = [...analysis.uses.values()];
  // A LIMIT or OFFSET keeps rows by the plan's order, and a sort for GROUP BY, DISTINCT or a
  // UNION orders them by the grouped columns, in its own query or one it reads, whatever
  // ORDER BY says (`ORDER BY NOW()` ties every row): each grouped column is an ordering too.
  if (!analysis.limited) return uses;
  const more = uses
    .filter((u) => u.kind === 'grouping' || u.kind === 'membership')
    .map((u) => ({ ...u, kind: 'ordering' as const }));
  const all = [...uses];
  for (const m of more) if (!all.some((u) => sameUse(u, m))) all.push(m);
  return all;
};

const sameUse = (a: NamedColumnUse, b: NamedColumnUse): boolean =>
  a.kind === b.kind && a.schema === b.schema && a.table === b.table && a.column === b.column;
