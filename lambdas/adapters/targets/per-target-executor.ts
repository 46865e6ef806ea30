// Executors keep connection pools by connection name. Once connections are versioned, a push can
// move a name to another target (another URL, another secret): requests must then reach the new
// target, never a pool still open to the old one. This wrapper gives each connection name its
// own executor for its current target and replaces it when the target changes; the superseded
// executor closes once its requests (runs, resolutions, listings, function and volatility look-ups) are done.
import type { SqlConnection } from '../../core/config/connection.js';
import type { ResultSet } from '../../core/ports.js';
import { canonicalJson } from '../../core/recording/canonical-json.js';
import type {
  RelationRef,
  ResolvedRelation,
  SqlExecutor,
  SqlRunRequest,
  Volatility,
} from '../../core/sql/sql-executor.js';

/** An executor that can be closed: every SqlExecutor is one (kept for existing imports). */
export type ClosableExecutor = SqlExecutor;

interface Entry {
  readonly target: string;
  readonly executor: SqlExecutor;
  inFlight: number;
  retired: boolean;
}

export const perTargetExecutor = (create: () => SqlExecutor): SqlExecutor => {
  const byName = new Map<string, Entry>();
  const closeQuietly = (entry: Entry) => entry.executor.close().catch(() => undefined);
  const retire = (entry: Entry) => {
    entry.retired = true;
    if (entry.inFlight === 0) void closeQuietly(entry);
  };

  /** The executor for the connection's current target, retiring one for an old target. */
  const entryFor = (connection: SqlConnection): Entry => {
    // What the pools depend on; the search_path is pinned per transaction, not per pool.
    const target = canonicalJson({ kind: connection.kind, target: connection.target });
    let entry = byName.get(connection.name);
    if (entry && entry.target !== target) {
      retire(entry);
      entry = undefined;
    }
    if (!entry) {
      entry = { target, executor: create(), inFlight: 0, retired: false };
      byName.set(connection.name, entry);
    }
    return entry;
  };
  const using = async <R>(
    connection: SqlConnection,
    work: (executor: SqlExecutor) => Promise<R>,
  ): Promise<R> => {
    const current = entryFor(connection);
    current.inFlight++;
    try {
      return await work(current.executor);
    } finally {
      current.inFlight--;
      if (current.retired && current.inFlight === 0) void closeQuietly(current);
    }
  };

  return {
    run: (connection: SqlConnection, request: SqlRunRequest): Promise<ResultSet> =>
      using(connection, (executor) => executor.run(connection, request)),
    resolveRelations: (
      connection: SqlConnection,
      refs: readonly RelationRef[],
    ): Promise<ReadonlyMap<string, ResolvedRelation>> =>
      using(connection, (executor) => executor.resolveRelations(connection, refs)),
    listRelations: (connection: SqlConnection, limit: number): Promise<ResolvedRelation[]> =>
      using(connection, (executor) => executor.listRelations(connection, limit)),
    estimateWrites: (
      connection: SqlConnection,
      request: { readonly statements: readonly string[]; readonly params: readonly unknown[] },
    ): Promise<(number | null)[]> =>
      using(connection, (executor) => executor.estimateWrites(connection, request)),
    userFunctions: (connection: SqlConnection, names: readonly string[]): Promise<ReadonlySet<string>> =>
      using(connection, (executor) => executor.userFunctions(connection, names)),
    functionVolatility: (
      connection: SqlConnection,
      names: readonly string[],
    ): Promise<ReadonlyMap<string, Volatility>> =>
      using(connection, (executor) => executor.functionVolatility(connection, names)),
    async close() {
      const entries = [...byName.values()];
      byName.clear();
      await Promise.all(entries.map(closeQuietly));
    },
  };
};
