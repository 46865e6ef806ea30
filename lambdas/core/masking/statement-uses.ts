// The data classes a statement uses to choose, order and count rows, by kind of use
// (column-uses.ts): the facts Cedar reads as `context.maskedUses`, before the statement runs.
// Names are resolved as the server resolves them (the relation resolver, cached), PostgreSQL
// through the lineage of the statement, MySQL through the analysis's name-level uses. Anything
// that cannot be followed counts as every class the statement reads (fail closed).
import type { SqlConnection } from '../config/connection.js';
import { type ClassUses, type NamedColumnUse, noUses, USE_KINDS, type UseKind } from '../sql/column-uses.js';
import type { StatementFacts } from '../sql/facts.js';
import type { RelationResolver, Resolution } from '../sql/relation-resolver.js';
import type { ResolvedRelation, SqlExecutor } from '../sql/sql-executor.js';
import { type Catalog, lineageOf } from './lineage.js';
import {
  classificationRefs,
  type ResolvedClassification,
  readsSensitive,
  resolveClassification,
} from './resolved-classification.js';
import type { DataClass } from './types.js';

/** The planner's statistics hold sample values of every column (most common values, histograms). */
const STATISTICS = new Set([
  'pg_stats',
  'pg_stats_ext',
  'pg_stats_ext_exprs',
  'pg_statistic',
  'pg_statistic_ext_data',
]);

/** Whether a resolved relation is one of the server's statistics views or tables. */
export const isStatistics = (relation: ResolvedRelation): boolean =>
  relation.schema === 'pg_catalog' && STATISTICS.has(relation.name);

/**
 * The catalogue lineage reads names through: the server's resolution; a view over classified data
 * is opaque (its columns are not its base table's), and so are the statistics, whose columns hold
 * values of every class.
 */
export const lineageCatalog = (
  resolution: Resolution,
  classification: ResolvedClassification,
  opaqueFunctions: ReadonlySet<string>,
): Catalog => ({
  opaqueFunctions,
  resolve: (schema, table) => {
    const relation = resolution.get(schema === undefined ? { name: table } : { schema, name: table });
    if (!relation || isStatistics(relation)) return undefined;
    if (relation.kind === 'view' && readsSensitive(relation, classification)) return undefined;
    return { schema: relation.schema, table: relation.name, columns: relation.columns };
  },
});

/** Every class a relation's columns hold (its ancestors' included). */
const classesOfRelation = (relation: ResolvedRelation, classification: ResolvedClassification): DataClass[] =>
  relation.columns
    .map((c) => classification.classOf(relation.schema, relation.name, c))
    .filter((c): c is DataClass => c !== undefined);

export interface StatementUsesInput {
  readonly connection: SqlConnection;
  readonly executor: SqlExecutor;
  readonly resolver: RelationResolver;
  readonly statement: StatementFacts;
}

/** The classes each kind of use touches; empty on a connection that classifies nothing. */
export const statementUses = async (input: StatementUsesInput): Promise<ClassUses> => {
  const { connection, statement } = input;
  const all = [...new Set(Object.values(connection.classification))];
  if (all.length === 0) return noUses();
  const resolution = await input.resolver.resolve(connection, input.executor, [
    ...statement.relations,
    ...classificationRefs(connection),
  ]);
  const read = statement.relations.map((ref) => resolution.get(ref));
  const known = read.filter((r): r is ResolvedRelation => r !== undefined);
  const classification = resolveClassification(connection, resolution, known);
  const userCode =
    statement.codeCandidates.length > 0
      ? await input.resolver.userFunctions(connection, input.executor, statement.codeCandidates)
      : new Set<string>();
  // What an unfollowable use may touch: every class of what the statement reads; all of them
  // when it reads something unresolved, a view, or calls user code (which can read anything).
  const readClasses =
    userCode.size > 0 || read.some((r) => r === undefined || r.kind === 'view' || isStatistics(r))
      ? all
      : [...new Set(known.flatMap((r) => classesOfRelation(r, classification)))];
  const out = new Map<UseKind, Set<DataClass>>(USE_KINDS.map((k) => [k, new Set()]));
  const add = (kind: UseKind, classes: Iterable<DataClass>) => {
    for (const c of classes) out.get(kind)!.add(c);
  };

  if (connection.kind === 'postgres') {
    const opaque = new Set([...userCode].map((n) => n.toLowerCase()));
    const traced = lineageOf(statement.text, lineageCatalog(resolution, classification, opaque));
    // Not a SELECT (or EXPLAIN of one): writes are judged by the reviewer who approves them.
    if (traced.ok) {
      for (const u of traced.uses) {
        if (!u.resolved) add(u.kind, readClasses);
        const classes = u.sources.map((s) => classification.classOf(s.schema, s.table, s.column));
        // A join of a class with itself finds duplicates; with another class or an unclassified
        // column (`c.ssn = p.oid::text`), the other side's values are guesses that come back.
        const kind = u.kind === 'join' && new Set(classes).size > 1 ? 'membership' : u.kind;
        add(
          kind,
          classes.filter((c): c is DataClass => c !== undefined),
        );
        for (const t of u.wholeRows) {
          const relation = resolution.get({ schema: t.schema, name: t.table });
          add(u.kind, relation ? classesOfRelation(relation, classification) : readClasses);
        }
      }
    }
  } else {
    /** The classes a named use may touch, and whether it may touch an unclassified column. */
    const classesOf = (u: NamedColumnUse): { classes: DataClass[]; unclassified: boolean } => {
      if (u.column === undefined) return { classes: readClasses, unclassified: true };
      const column = u.column;
      const relation =
        u.table === undefined
          ? undefined
          : resolution.get(u.schema === undefined ? { name: u.table } : { schema: u.schema, name: u.table });
      if (u.table !== undefined && !relation) return { classes: readClasses, unclassified: true };
      const found = (relation ? [relation] : known).map((r) =>
        classification.classOf(r.schema, r.name, column),
      );
      return {
        classes: found.filter((c): c is DataClass => c !== undefined),
        unclassified: found.some((c) => c === undefined),
      };
    };
    const uses = (statement.columnUses ?? []).map((u) => ({ u, ...classesOf(u) }));
    // The analysis lists a join's sides apart: a join stays a join only when every joined column
    // of the statement holds the same one class (a self-join finding duplicates). Joined with an
    // unclassified column or another class (`c.ssn = s.seq` over a seq_1_to_499 table), the other
    // side's values are guesses, and the number of rows answers them: membership.
    const joined = uses.filter((x) => x.u.kind === 'join');
    const joinClasses = new Set(joined.flatMap((x) => x.classes));
    const mixed = joinClasses.size > 1 || (joinClasses.size === 1 && joined.some((x) => x.unclassified));
    for (const { u, classes } of uses) add(u.kind === 'join' && mixed ? 'membership' : u.kind, classes);
  }
  return Object.fromEntries(USE_KINDS.map((k) => [k, [...out.get(k)!].sort()])) as unknown as ClassUses;
};
