// The masking step of the SQL use case: column lineage (PostgreSQL), the principal's unmask
// allowances (Cedar), then maskResult. Anything it cannot establish makes it mask more, never less.
import type { Connection } from '../config/connection.js';
import type { Principal } from '../identity/principal.js';
import type { Clock, PolicyEngine, ResultSet, TargetExecutor } from '../ports.js';
import type { StatementFacts } from '../sql/facts.js';
import { type Catalog, lineageOf, type OutputLineage } from './lineage.js';
import { type MaskingReport, maskResult } from './mask-result.js';

const CATALOG_TTL_MS = 5 * 60_000;

/** Table columns per connection, cached for a few minutes (the catalogue changes rarely). */
export class CatalogCache {
  private readonly entries = new Map<string, { columns: readonly string[] | undefined; expires: number }>();

  constructor(private readonly clock: Clock) {}

  async catalogFor(
    connection: Connection,
    executor: TargetExecutor,
    tables: readonly string[],
  ): Promise<Catalog> {
    const now = this.clock.now().getTime();
    const key = (table: string) => `${connection.name}\0${table}`;
    const missing = tables.filter((t) => (this.entries.get(key(t))?.expires ?? 0) <= now);
    if (missing.length > 0 && executor.describe) {
      const described = await executor.describe(connection, missing);
      for (const table of missing) {
        this.entries.set(key(table), { columns: described.get(table), expires: now + CATALOG_TTL_MS });
      }
    }
    return { columnsOf: (schema, table) => this.entries.get(key(`${schema}.${table}`))?.columns };
  }
}

export interface MaskOutputInput {
  readonly connection: Connection;
  readonly executor: TargetExecutor;
  readonly engine: PolicyEngine;
  readonly principal: Principal;
  /** The statement whose rows `result` holds (the request's last). */
  readonly statement: StatementFacts;
  readonly result: ResultSet;
  /** The token key, fetched on first use and cached by the caller (see `cachedKey`). */
  readonly tokenKey: () => Promise<Uint8Array | string>;
  readonly catalogs: CatalogCache;
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
  const tablesRead = statement.tables.map((t) => (t.includes('.') ? t : `public.${t}`));
  let lineage: readonly OutputLineage[] | undefined;
  if (connection.kind === 'postgres' && Object.keys(connection.classification).length > 0) {
    const catalog = await input.catalogs.catalogFor(connection, input.executor, tablesRead);
    const traced = lineageOf(statement.text, catalog);
    // Outputs must line up with the result's columns one to one, or nothing can be trusted.
    if (traced.ok && traced.columnsKnown && traced.outputs.length === result.columns.length) {
      lineage = traced.outputs;
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
  return maskResult({
    connection,
    result,
    lineage,
    tablesRead,
    mayUnmask,
    tokenKey: await input.tokenKey(),
  });
};
