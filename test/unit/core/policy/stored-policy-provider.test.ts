// storedPolicyProvider: which policy engine the gateway enforces as versions are pushed, as the
// store fails, and when a stored version cannot be compiled.
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { compilePolicyFolder, readPolicyFolder } from '../../../../lambdas/adapters/config/policy-files.js';
import { storedPolicyProvider } from '../../../../lambdas/core/policy/stored-policy-provider.js';
import type { Logger, PolicyStore, StoredPolicyVersion } from '../../../../lambdas/core/ports.js';

const POLICY_DIR = join(import.meta.dirname, '../../../../policies');
const folder = readPolicyFolder(POLICY_DIR);
const fallback = compilePolicyFolder(POLICY_DIR);
const TTL = 30_000;

const version = (n: number, text = folder.sources[0]!.text): StoredPolicyVersion => ({
  version: n,
  sources: [{ name: 'default.cedar', text: `${text}\n// version ${n}\n` }],
  schema: folder.schema,
  digest: `files:${String(n).padStart(12, '0')}`,
  createdAt: '2026-11-26T10:00:00.000Z',
  createdBy: 'operator:alice',
  comment: undefined,
});

/** The active version is whatever the test says; every read is counted. */
class FakeStore implements PolicyStore {
  current: StoredPolicyVersion | undefined;
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

const setup = (ttlMs?: number) => {
  const store = new FakeStore();
  let now = Date.parse('2026-11-26T10:00:00.000Z');
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies Logger;
  const provider = storedPolicyProvider({
    store,
    fallback,
    clock: { now: () => new Date(now) },
    logger,
    ...(ttlMs === undefined ? {} : { ttlMs }),
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { store, provider, logger, advance };
};

describe('storedPolicyProvider', () => {
  it('serves the bundled fallback before the first push', async () => {
    // Prepare
    const { provider } = setup();

    // Act
    const engine = await provider.current();

    // Assess
    expect(engine.version).toBe(fallback.version);
  });

  it('serves the active stored version, labelled v<N>', async () => {
    // Prepare
    const { store, provider } = setup();
    store.current = version(3);

    // Act
    const engine = await provider.current();

    // Assess
    expect(engine.version).toBe('v3');
  });

  it('asks the store at most once per ttl', async () => {
    // Prepare
    const { store, provider, advance } = setup();
    store.current = version(1);
    await provider.current();

    // Act
    for (let i = 0; i < 10; i++) {
      await provider.current();
      advance(TTL / 20);
    }

    // Assess
    expect(store.reads).toBe(1);
  });

  it('shares one store read among concurrent requests', async () => {
    // Prepare
    const { store, provider } = setup();
    store.current = version(1);

    // Act
    const engines = await Promise.all(Array.from({ length: 5 }, () => provider.current()));

    // Assess
    expect(store.reads).toBe(1);
    expect(new Set(engines).size).toBe(1);
  });

  it('picks up a newly pushed version once the ttl has passed', async () => {
    // Prepare
    const { store, provider, advance } = setup();
    await provider.current();
    store.current = version(1);

    // Act
    const beforeTtl = await provider.current();
    advance(TTL);
    const afterTtl = await provider.current();

    // Assess
    expect(beforeTtl.version).toBe(fallback.version);
    expect(afterTtl.version).toBe('v1');
  });

  it('keeps the pushed version, and says so, when the active pointer disappears', async () => {
    // Prepare: v1 served, then the ACTIVE item is lost (deleted by hand, restored from a backup…)
    const { store, provider, advance, logger } = setup();
    store.current = version(1);
    await provider.current();
    store.current = undefined;

    // Act
    advance(TTL);
    const served = await provider.current();

    // Assess: never a silent return to the (possibly more permissive) bundled pack
    expect(served.version).toBe('v1');
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('pointer missing'), { version: 'v1' });
  });

  it('honours a custom ttl', async () => {
    // Prepare
    const { store, provider, advance } = setup(1000);
    store.current = version(1);
    await provider.current();
    store.current = version(2);

    // Act
    advance(1000);
    const engine = await provider.current();

    // Assess
    expect(engine.version).toBe('v2');
  });

  it('compiles a version once, however often it is re-read', async () => {
    // Prepare
    const { store, provider, advance, logger } = setup();
    store.current = version(1);
    const first = await provider.current();

    // Act
    advance(TTL);
    const second = await provider.current();
    advance(TTL);
    const third = await provider.current();

    // Assess
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(store.reads).toBe(3);
    expect(logger.info).toHaveBeenCalledTimes(1);
  });

  it('keeps serving the last loaded version while the store is unreachable, and says so', async () => {
    // Prepare
    const { store, provider, advance, logger } = setup();
    store.current = version(2);
    await provider.current();
    store.failWith = new Error('ThrottlingException');

    // Act
    advance(TTL);
    const during = await provider.current();
    const readsDuring = store.reads;
    await provider.current(); // within the ttl again: no new attempt
    store.failWith = undefined;
    store.current = version(3);
    advance(TTL);
    const after = await provider.current();

    // Assess
    expect(during.version).toBe('v2');
    expect(store.reads).toBe(readsDuring + 1);
    expect(logger.warn).toHaveBeenCalledWith(
      'policy store unreachable; serving the last loaded policy version',
      expect.objectContaining({ version: 'v2', error: 'ThrottlingException' }),
    );
    expect(after.version).toBe('v3');
  });

  it('keeps serving the fallback while the store is unreachable after saying nothing was pushed', async () => {
    // Prepare
    const { store, provider, advance } = setup();
    await provider.current();
    store.failWith = new Error('ThrottlingException');

    // Act
    advance(TTL);
    const engine = await provider.current();

    // Assess
    expect(engine.version).toBe(fallback.version);
  });

  it('never serves a stored version that does not compile: it keeps the previous one and logs once', async () => {
    // Prepare
    const { store, provider, advance, logger } = setup();
    store.current = version(1);
    await provider.current();
    store.current = version(
      2,
      '@id("typo")\npermit (principal in Tollgate::Grup::"agents", action, resource);',
    );

    // Act
    const served: string[] = [];
    for (let i = 0; i < 3; i++) {
      advance(TTL);
      served.push((await provider.current()).version);
    }
    store.current = version(3);
    advance(TTL);
    served.push((await provider.current()).version);

    // Assess
    expect(served).toEqual(['v1', 'v1', 'v1', 'v3']);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledWith(
      'active policy version does not compile; it is not served',
      expect.objectContaining({ version: 2, serving: 'v1' }),
    );
  });

  it('refuses with policy_unavailable when the store is unreachable at cold start, and recovers', async () => {
    // Prepare
    const { store, provider } = setup();
    store.failWith = new Error('ECONNREFUSED');

    // Act
    const first = provider.current();

    // Assess
    await expect(first).rejects.toMatchObject({ code: 'policy_unavailable', cause: store.failWith });
    await expect(provider.current()).rejects.toMatchObject({ code: 'policy_unavailable' });
    store.failWith = undefined;
    store.current = version(1);
    expect((await provider.current()).version).toBe('v1');
  });

  it('refuses with policy_unavailable rather than fall back when the active version does not compile at cold start', async () => {
    // Prepare
    const { store, provider, logger } = setup();
    store.current = version(4, 'permit (principal, action, resource);');

    // Act
    const first = provider.current();

    // Assess
    await expect(first).rejects.toMatchObject({ code: 'policy_unavailable' });
    await expect(provider.current()).rejects.toMatchObject({ code: 'policy_unavailable' });
    expect(logger.error).toHaveBeenCalledTimes(1);
  });
});
