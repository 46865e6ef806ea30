// storedConnectionStore: which connections the gateway serves as versions are pushed, as the
// store fails, and when a stored version does not validate.
import { jest } from '@jest/globals';
import type { Connection } from '../../../../lambdas/core/config/connection.js';
import { connectionSetDigest, parseConnections } from '../../../../lambdas/core/config/push-connections.js';
import { storedConnectionStore } from '../../../../lambdas/core/config/stored-connection-store.js';
import type { ConnectionSetStore, Logger, StoredConnectionSet } from '../../../../lambdas/core/ports.js';

const TTL = 30_000;
const LOCAL = { aws: false };

const connection = (name: string, target: Record<string, unknown> = { urlEnv: 'DB_URL' }) => ({
  name,
  kind: 'postgres',
  allowGroups: ['agents'],
  target,
});

const fromFile: Connection[] = parseConnections([connection('from-file')], LOCAL);

const version = (n: number, connections: unknown[] = [connection(`db-${n}`)]): StoredConnectionSet => ({
  version: n,
  connections,
  digest: `connections:${String(n).padStart(12, '0')}`,
  createdAt: '2026-11-26T10:00:00.000Z',
  createdBy: 'operator:alice',
  comment: undefined,
});

/** The active version is whatever the test says; every read is counted. */
class FakeStore implements ConnectionSetStore {
  current: StoredConnectionSet | undefined;
  failWith: Error | undefined;
  reads = 0;
  async active() {
    this.reads++;
    if (this.failWith) throw this.failWith;
    return this.current;
  }
  async get() {
    return undefined;
  }
  async list() {
    return [];
  }
  async push(): Promise<'conflict'> {
    return 'conflict';
  }
}

const setup = (options: { ttlMs?: number; aws?: boolean } = {}) => {
  const store = new FakeStore();
  let now = Date.parse('2026-11-26T10:00:00.000Z');
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies Logger;
  const connections = storedConnectionStore({
    store,
    fallback: fromFile,
    rules: { aws: options.aws ?? false },
    clock: { now: () => new Date(now) },
    logger,
    ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
  });
  const advance = (ms: number) => {
    now += ms;
  };
  /** Names served, and the version label. */
  const serving = async () => {
    const { version: label, connections: list } = await connections.current();
    return { version: label, names: list.map((c) => c.name) };
  };
  return { store, connections, logger, advance, serving };
};

describe('storedConnectionStore', () => {
  it('serves the connections it started with before the first push, labelled by their digest', async () => {
    // Prepare
    const { connections, serving } = setup();

    // Act
    const found = await connections.get('from-file');

    // Assess
    expect(found).toEqual(fromFile[0]);
    expect(await serving()).toEqual({ version: connectionSetDigest(fromFile), names: ['from-file'] });
  });

  it('serves the active stored version, validated, defaults applied, labelled v<N>', async () => {
    // Prepare
    const { store, connections, serving } = setup();
    store.current = version(3);

    // Act
    const found = await connections.get('db-3');

    // Assess
    expect(found).toMatchObject({ name: 'db-3', environment: 'development', limits: { rowLimit: 1000 } });
    expect(await connections.get('from-file')).toBeUndefined();
    expect(await serving()).toEqual({ version: 'v3', names: ['db-3'] });
  });

  it('asks the store at most once per ttl, and once for concurrent requests', async () => {
    // Prepare
    const { store, connections, advance } = setup();
    store.current = version(1);

    // Act
    await Promise.all(Array.from({ length: 5 }, () => connections.get('db-1')));
    for (let i = 0; i < 10; i++) {
      await connections.get('db-1');
      advance(TTL / 20);
    }

    // Assess
    expect(store.reads).toBe(1);
  });

  it('picks up a newly pushed version, and a removed connection, once the ttl has passed', async () => {
    // Prepare
    const { store, connections, advance } = setup({ ttlMs: 2000 });
    store.current = version(1);
    await connections.get('db-1');
    store.current = version(2);

    // Act
    const beforeTtl = [await connections.get('db-1'), await connections.get('db-2')];
    advance(2000);
    const afterTtl = [await connections.get('db-1'), await connections.get('db-2')];

    // Assess
    expect(beforeTtl.map((c) => c?.name)).toEqual(['db-1', undefined]);
    expect(afterTtl.map((c) => c?.name)).toEqual([undefined, 'db-2']);
  });

  it('keeps serving the last loaded version while the store is unreachable, and says so', async () => {
    // Prepare
    const { store, advance, logger, serving } = setup();
    store.current = version(2);
    await serving();
    store.failWith = new Error('ThrottlingException');

    // Act
    advance(TTL);
    const during = await serving();
    store.failWith = undefined;
    store.current = version(3);
    advance(TTL);
    const after = await serving();

    // Assess
    expect(during.version).toBe('v2');
    expect(logger.warn).toHaveBeenCalledWith(
      'connection store unreachable; serving the last loaded connection set',
      expect.objectContaining({ version: 'v2', error: 'ThrottlingException' }),
    );
    expect(after.version).toBe('v3');
  });

  it('never serves a stored version that fails validation: it keeps the previous one and logs once', async () => {
    // Prepare
    const { store, advance, logger, serving } = setup();
    store.current = version(1);
    await serving();
    store.current = version(2, [connection('Not A Name')]);

    // Act
    const served: string[] = [];
    for (let i = 0; i < 3; i++) {
      advance(TTL);
      served.push((await serving()).version);
    }
    store.current = version(3);
    advance(TTL);
    served.push((await serving()).version);

    // Assess
    expect(served).toEqual(['v1', 'v1', 'v1', 'v3']);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledWith(
      'active connection set version is invalid; it is not served',
      expect.objectContaining({
        version: 2,
        serving: 'v1',
        error: expect.stringContaining('connections[0].name'),
      }),
    );
  });

  it('on AWS never serves a stored version with a target other than a Secrets Manager ARN', async () => {
    // Prepare
    const { store, logger, connections } = setup({ aws: true });
    store.current = version(1, [connection('local', { url: 'postgres://u:secret@db/x' })]);

    // Act
    const getting = connections.get('local');

    // Assess
    await expect(getting).rejects.toMatchObject({ code: 'unavailable' });
    const [, entry] = logger.error.mock.calls[0]! as [string, { error: string }];
    expect(entry.error).toContain('on AWS the target must be');
    expect(entry.error).not.toContain('secret@');
  });

  it('refuses with unavailable when the store is unreachable at cold start, and recovers', async () => {
    // Prepare
    const { store, connections } = setup();
    store.failWith = new Error('ECONNREFUSED');

    // Act
    const first = connections.get('from-file');

    // Assess
    await expect(first).rejects.toMatchObject({
      code: 'unavailable',
      message: 'The connection list is unavailable; the request was not run. Retry shortly.',
      cause: store.failWith,
    });
    await expect(connections.get('from-file')).rejects.toMatchObject({ code: 'unavailable' });
    store.failWith = undefined;
    store.current = version(1);
    expect((await connections.get('db-1'))?.name).toBe('db-1');
  });

  it('refuses rather than fall back when the active version is invalid at cold start', async () => {
    // Prepare
    const { store, connections, logger } = setup();
    store.current = version(4, [{ name: 'db', kind: 'oracle' }]);

    // Act
    const first = connections.get('from-file');

    // Assess
    await expect(first).rejects.toMatchObject({ code: 'unavailable' });
    await expect(connections.get('from-file')).rejects.toMatchObject({ code: 'unavailable' });
    expect(logger.error).toHaveBeenCalledTimes(1);
  });
});
