// A connection's classification with its names resolved as the server resolves them: `customers.email`
// means the `email` column of whatever `customers` names on that connection (its search_path, its
// database), `crm.customers.email` the one in `crm`. Source columns from lineage and relations a
// statement reads are compared against these resolved names, never against text.
import type { SqlConnection } from '../config/connection.js';
import type { Resolution } from '../sql/relation-resolver.js';
import type { RelationRef, ResolvedRelation } from '../sql/sql-executor.js';
import type { DataClass } from './types.js';

/** Classes whose columns are not masked whole: their values go through the detectors instead. */
export const DETECTOR_ONLY = new Set<DataClass>(['FREE_TEXT']);

const relationKey = (schema: string, name: string) => `${schema}\u0000${name}`;

export interface ResolvedClassification {
  /** The class of a source column (names as the server stores them), if classified. */
  classOf(schema: string, table: string, column: string): DataClass | undefined;
  /** True when the relation holds a column masked whole (a class other than FREE_TEXT). */
  isSensitive(schema: string, table: string): boolean;
  /** True when the connection classifies nothing. */
  readonly empty: boolean;
}

interface Entry {
  readonly ref: RelationRef;
  readonly column: string;
  readonly dataClass: DataClass;
}

/** The refs a classification names (`table.column` → unqualified, `schema.table.column` → qualified). */
export const classificationEntries = (connection: SqlConnection): Entry[] =>
  Object.entries(connection.classification).map(([key, dataClass]) => {
    const parts = key.split('.');
    const column = parts.pop()!;
    const ref = parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! };
    return { ref, column, dataClass };
  });

/**
 * Resolves the classification. A key naming its table without a schema also covers every
 * relation of that name in any schema (copies in `archive` or `staging` hold the same data):
 * over-masking beats a leak when the operator's name and the server's path disagree. A child
 * table or partition carries its ancestors' classes (`related`: the relations a statement reads,
 * with their ancestors). Column names compare case-insensitively (the keys are lower-case; a
 * quoted `"Email"` column is masked too).
 */
export const resolveClassification = (
  connection: SqlConnection,
  resolution: Resolution,
  related: readonly ResolvedRelation[] = [],
): ResolvedClassification => {
  const exact = new Map<string, Map<string, DataClass>>();
  const anySchema = new Map<string, Map<string, DataClass>>();
  const add = (into: Map<string, Map<string, DataClass>>, key: string, column: string, c: DataClass) => {
    const columns = into.get(key) ?? new Map<string, DataClass>();
    columns.set(column.toLowerCase(), c);
    into.set(key, columns);
  };
  for (const { ref, column, dataClass } of classificationEntries(connection)) {
    const found = resolution.get(ref);
    if (found) add(exact, relationKey(found.schema, found.name), column, dataClass);
    if (ref.schema === undefined) add(anySchema, ref.name.toLowerCase(), column, dataClass);
  }
  const ancestorsOf = new Map<string, ReadonlyArray<{ schema: string; name: string }>>();
  for (const r of related)
    if (r.ancestors.length > 0) ancestorsOf.set(relationKey(r.schema, r.name), r.ancestors);
  const ownColumns = (schema: string, table: string) => [
    exact.get(relationKey(schema, table)),
    anySchema.get(table.toLowerCase()),
  ];
  const columnsOf = (schema: string, table: string) => [
    ...ownColumns(schema, table),
    ...(ancestorsOf.get(relationKey(schema, table)) ?? []).flatMap((a) => ownColumns(a.schema, a.name)),
  ];
  return {
    empty: Object.keys(connection.classification).length === 0,
    classOf: (schema, table, column) => {
      for (const columns of columnsOf(schema, table)) {
        const found = columns?.get(column.toLowerCase());
        if (found) return found;
      }
      return undefined;
    },
    isSensitive: (schema, table) =>
      columnsOf(schema, table).some((columns) =>
        [...(columns?.values() ?? [])].some((c) => !DETECTOR_ONLY.has(c)),
      ),
  };
};

/** The refs to resolve for a classification, so callers can resolve them with a statement's in one round trip. */
export const classificationRefs = (connection: SqlConnection): RelationRef[] =>
  classificationEntries(connection).map((e) => e.ref);

/**
 * Whether reading this relation can return classified values: a classified table, or a view
 * over one (through other views), or a view whose reads the server cannot list.
 */
export const readsSensitive = (
  relation: ResolvedRelation,
  classification: ResolvedClassification,
): boolean => {
  if (classification.isSensitive(relation.schema, relation.name)) return true;
  if (relation.ancestors.some((a) => classification.isSensitive(a.schema, a.name))) return true;
  if (relation.kind !== 'view') return false;
  if (relation.dependsOn === undefined) return !classification.empty;
  return relation.dependsOn.some((d) => classification.isSensitive(d.schema, d.name));
};

/**
 * A resolution for code that has no server to ask (unit tests, the benchmark): every name is a
 * table in `schema` (default `public`). Never used on the request path.
 */
export const assumedResolution = (schema = 'public'): Resolution => ({
  get: (ref) => ({
    schema: ref.schema ?? schema,
    name: ref.name,
    kind: 'table',
    columns: [],
    dependsOn: [],
    ancestors: [],
  }),
});
