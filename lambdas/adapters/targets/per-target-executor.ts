// Executors keep connection pools by connection name. Once connections are versioned, a push can
// move a name to another target (another URL, another secret): requests must then reach the new
// target, never a pool still open to the old one. This wrapper gives each connection name its
// own executor for its current target and replaces it when the target changes; the superseded
// executor closes once its requests are done.
import type { Connection } from '../../core/config/connection.js';
import type { ReadRequest, ResultSet, TargetExecutor } from '../../core/ports.js';
import { canonicalJson } from '../../core/recording/canonical-json.js';

export interface ClosableExecutor extends TargetExecutor {
  close(): Promise<void>;
}

interface Entry {
  readonly target: string;
  readonly executor: ClosableExecutor;
  inFlight: number;
  retired: boolean;
}

export const perTargetExecutor = (create: () => ClosableExecutor): ClosableExecutor => {
  const byName = new Map<string, Entry>();
  const closeQuietly = (entry: Entry) => entry.executor.close().catch(() => undefined);
  const retire = (entry: Entry) => {
    entry.retired = true;
    if (entry.inFlight === 0) void closeQuietly(entry);
  };

  /** The executor for the connection's current target, retiring one for an old target. */
  const entryFor = (connection: Connection): Entry => {
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
    connection: Connection,
    work: (executor: ClosableExecutor) => Promise<R>,
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
    read: (connection: Connection, request: ReadRequest): Promise<ResultSet> =>
      using(connection, (executor) => executor.read(connection, request)),
    describe: (connection: Connection, tables: readonly string[]) =>
      using(connection, async (executor) =>
        executor.describe ? executor.describe(connection, tables) : new Map(),
      ),
    async close() {
      const entries = [...byName.values()];
      byName.clear();
      await Promise.all(entries.map(closeQuietly));
    },
  };
};
