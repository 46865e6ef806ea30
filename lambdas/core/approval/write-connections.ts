// The connections as the approval executor sees them: each with its write credential (`writeTarget`)
// in place of its read one, so the same executors run approved writes with the role that may write.
import type { Connection } from '../config/connection.js';
import type { ConnectionStore } from '../ports.js';

const forWrites = (c: Connection): Connection => (c.writeTarget ? { ...c, target: c.writeTarget } : c);

export const writeConnections = (store: ConnectionStore): ConnectionStore => ({
  get: async (name) => {
    const connection = await store.get(name);
    return connection && forWrites(connection);
  },
  list: async () => (await store.list()).map(forWrites),
});
