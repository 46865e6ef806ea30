// The ConnectionStore over a ConnectionSetStore: the active stored connection list, validated
// once per version and re-checked at most every `ttlMs`. Before the first push it serves the
// connections the gateway started with (tollgate.yaml locally, TOLLGATE_CONNECTIONS on AWS).
// It fails closed (active-version-cache.ts): a stored version that fails validation is never
// served, and a gateway that cannot tell which version is active (store down at cold start)
// refuses rather than guess.
import { TollgateError } from '../errors.js';
import type { Clock, ConnectionSetStore, ConnectionStore, Logger, StoredConnectionSet } from '../ports.js';
import { activeVersionCache } from './active-version-cache.js';
import type { Connection } from './connection.js';
import { type ConnectionRules, connectionSetDigest, validateConnections } from './push-connections.js';

export const connectionsUnavailable = (cause?: unknown) =>
  new TollgateError(
    'unavailable',
    'The connection list is unavailable; the request was not run. Retry shortly.',
    {
      cause,
    },
  );

/** The connection list in force. */
export interface ServedConnections {
  /** `v<N>` for a stored version; the fallback's digest (`connections:<12 hex>`) before the first push. */
  readonly version: string;
  /** By name. */
  readonly connections: readonly Connection[];
}

export interface StoredConnectionStore extends ConnectionStore {
  /** The list in force; throws `unavailable` when none can be served. */
  current(): Promise<ServedConnections>;
}

export interface StoredConnectionStoreOptions {
  readonly store: ConnectionSetStore;
  /** Served until the first push: the connections the gateway was started with (validated). */
  readonly fallback: readonly Connection[];
  /** Stored versions must pass these rules too (`{ aws: true }` on AWS). */
  readonly rules: ConnectionRules;
  /** How long a version is served before the store is asked again. */
  readonly ttlMs?: number;
  readonly clock: Clock;
  readonly logger?: Logger;
}

interface Served extends ServedConnections {
  readonly byName: ReadonlyMap<string, Connection>;
}

const served = (version: string, connections: readonly Connection[]): Served => ({
  version,
  connections,
  byName: new Map(connections.map((c) => [c.name, c])),
});

export const storedConnectionStore = (options: StoredConnectionStoreOptions): StoredConnectionStore => {
  const cache = activeVersionCache<StoredConnectionSet, Served>({
    active: () => options.store.active(),
    load: (active) => {
      const result = validateConnections(active.connections, options.rules);
      if (!result.ok) throw new Error(result.problems.join('; '));
      return served(`v${active.version}`, result.connections);
    },
    fallback: () => served(connectionSetDigest(options.fallback), options.fallback),
    unavailable: connectionsUnavailable,
    label: (list) => list.version,
    noun: 'connection set',
    messages: {
      loaded: 'connection set version loaded',
      invalid: 'active connection set version is invalid; it is not served',
      unreachable: 'connection store unreachable; serving the last loaded connection set',
      pointerMissing: 'active connection pointer missing after a pushed set was served; keeping that set',
    },
    ttlMs: options.ttlMs ?? 30_000,
    clock: options.clock,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    async get(name) {
      return (await cache.current()).byName.get(name);
    },
    async list() {
      return (await cache.current()).connections;
    },
    async current() {
      const { version, connections } = await cache.current();
      return { version, connections };
    },
  };
};
