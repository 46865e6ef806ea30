// The masking step of a SQL request: resolve what the statement reads the way the server does,
// column lineage over those names (PostgreSQL), the principal's unmask allowances (Cedar), then
// maskResult. Anything it cannot establish makes it mask more, never less.
import type { SqlConnection } from '../config/connection.js';
import type { Principal } from '../identity/principal.js';
import type { PolicyEngine, ResultSet } from '../ports.js';
import type { StatementFacts } from '../sql/facts.js';
import type { RelationResolver } from '../sql/relation-resolver.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import { lineageOf, type OutputLineage, type ResultOrder } from './lineage.js';
import { type MaskingReport, maskResult } from './mask-result.js';
import { classificationRefs, readsSensitive, resolveClassification } from './resolved-classification.js';
import { isStatistics, lineageCatalog } from './statement-uses.js';

export interface MaskOutputInput {
  readonly connection: SqlConnection;
  readonly executor: SqlExecutor;
  readonly resolver: RelationResolver;
  readonly engine: PolicyEngine;
  readonly principal: Principal;
  /** The statement whose rows `result` holds (the request's last). */
  readonly statement: StatementFacts;
  readonly result: ResultSet;
  /** The token key, fetched on first use and cached by the caller (see `cachedKey`). */
  readonly tokenKey: () => Promise<Uint8Array | string>;
}

/** Fetches a key once; a failed fetch is retried on the next call. */
export const cachedKey = (fetch: () => Promise<Uint8Array | string>) => {
  let key: Promise<Uint8Array | string> | undefined;
  return () => {
    key ??= fetch().catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
};

export const maskOutput = async (
  input: MaskOutputInput,
): Promise<{ result: ResultSet; report: MaskingReport }> => {
  const { connection, statement, result } = input;
  const classified = Object.keys(connection.classification).length > 0;
  // One resolution for the statement's relations and the classification's, as the server sees them.
  const resolution = await input.resolver.resolve(connection, input.executor, [
    ...statement.relations,
    ...(classified ? classificationRefs(connection) : []),
  ]);
  const read = statement.relations.map((ref) => resolution.get(ref));
  const classification = resolveClassification(
    connection,
    resolution,
    read.filter((r) => r !== undefined),
  );
  // A user-defined function can read any table: on a classified connection, a statement that
  // calls one reads classified data, and the function's values are opaque to lineage.
  const userCode =
    classified && statement.codeCandidates.length > 0
      ? await input.resolver.userFunctions(connection, input.executor, statement.codeCandidates)
      : new Set<string>();
  // Compared as lineage names them (lower case): a quoted "Name_Of" is still that function.
  const opaqueFunctions = new Set([...userCode].map((name) => name.toLowerCase()));
  const reads = {
    // A name the server did not resolve for us may still read something when it runs (a
    // temporary table, a race with DDL): on a classified connection that counts as sensitive.
    sensitive:
      classified &&
      (opaqueFunctions.size > 0 || read.some((r) => r === undefined || readsSensitive(r, classification))),
    statistics: read.some((r) => r !== undefined && isStatistics(r)),
  };

  let lineage: readonly OutputLineage[] | undefined;
  /** Set when the rows must not come in the plan's order: the keys the statement orders by. */
  let canonicalOrder: ResultOrder | undefined;
  // With user code in the statement (a function, an operator, functional notation), no output's
  // lineage is trusted: such code can read any table, whatever its arguments say.
  if (connection.kind === 'postgres' && classified && userCode.size === 0) {
    const traced = lineageOf(statement.text, lineageCatalog(resolution, classification, opaqueFunctions));
    // Outputs must line up with the result's columns one to one, or nothing can be trusted.
    if (traced.ok && traced.columnsKnown && traced.outputs.length === result.columns.length) {
      lineage = traced.outputs;
      // Rows in no order the query asked for come in the plan's order, and a plan that compares a
      // classified column (an index scan for `ssn IS NOT NULL`, a sort for a GROUP BY, a UNION or
      // a merge join) returns them in that column's order: put them in an order of what the
      // caller sees instead.
      const compares = traced.uses.some(
        (u) =>
          !u.resolved ||
          u.wholeRows.length > 0 ||
          u.sources.some((c) => classification.classOf(c.schema, c.table, c.column) !== undefined),
      );
      // With keys the caller cannot see, ties stay as the server sent them (docs/masking.md).
      if (compares && traced.order.kind !== 'other') canonicalOrder = traced.order;
    }
  }
  // Cedar is asked about a class only when the result holds it, once per request: most results
  // hold none, and a decision costs ~150 µs.
  const answers = new Map<string, boolean>();
  const mayUnmask = (dataClass: string) => {
    let allowed = answers.get(dataClass);
    if (allowed === undefined) {
      allowed = input.engine.unmaskable(input.principal, connection, [dataClass]).has(dataClass);
      answers.set(dataClass, allowed);
    }
    return allowed;
  };
  const masked = maskResult({
    connection,
    result,
    lineage,
    classification,
    reads,
    mayUnmask,
    tokenKey: await input.tokenKey(),
  });
  if (!canonicalOrder || masked.result.rows.length < 2) return masked;
  return {
    ...masked,
    result: { ...masked.result, rows: inOrderOfWhatIsShown(masked.result.rows, canonicalOrder) },
  };
};

const shown = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? 'null';

/**
 * The rows in an order that depends only on what the caller is shown: the statement's order
 * where it has one (by output columns), and within rows that tie on it (or with none), sorted
 * by their masked text.
 */
const inOrderOfWhatIsShown = (
  rows: readonly (readonly unknown[])[],
  order: ResultOrder,
): (readonly unknown[])[] => {
  // Each row's run: consecutive rows with the same key values (all rows, with no keys). Runs keep
  // their place (the server sorted by those keys); rows inside a run are sorted by what they show.
  let run = 0;
  let previous: string | undefined;
  const keyed = rows.map((row, index) => {
    const key = order.kind === 'outputs' ? shown(order.keys.map((k) => row[k])) : '';
    if (key !== previous) run = index;
    previous = key;
    return { row, run, text: shown(row) };
  });
  return keyed
    .sort((a, b) => a.run - b.run || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .map((k) => k.row);
};
