// ConnectionStore over a validated list (from tollgate.yaml locally, from the stack's
// configuration on AWS). Versioned storage in DynamoDB replaces it with the policy work.
import type { Connection } from '../../core/config/connection.js';
import type { ConnectionStore } from '../../core/ports.js';

export const staticConnectionStore = (connections: readonly Connection[]): ConnectionStore => {
  const byName = new Map(connections.map((c) => [c.name, c]));
  return { get: async (name) => byName.get(name) };
};
