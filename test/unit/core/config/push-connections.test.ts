// pushConnections: a connection list is validated, recorded in the config-audit session (never
// with a target's URL), then activated — with a real SessionRecorder over the in-memory session
// store and a small in-memory ConnectionSetStore.

import { readPolicyFolder } from '../../../../lambdas/adapters/config/policy-files.js';
import {
  ConnectionSetError,
  connectionSetDigest,
  diffConnectionSets,
  type PushConnectionsDeps,
  parseConnections,
  pushConnections,
  redactConnection,
  validateConnections,
} from '../../../../lambdas/core/config/push-connections.js';
import { CONFIG_AUDIT_SESSION } from '../../../../lambdas/core/config/versioned-push.js';
import { pushPolicies } from '../../../../lambdas/core/policy/push-policies.js';
import type {
  ConnectionSetStore,
  PolicyStore,
  StoredConnectionSet,
  StoredPolicyVersion,
  VersionStamp,
} from '../../../../lambdas/core/ports.js';
import type { SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { verifyChain } from '../../../../lambdas/core/recording/hash-chain.js';
import { SessionRecorder } from '../../../../lambdas/core/recording/session-recorder.js';
import { POLICY_DIR } from '../../../support/core-fixtures.js';
import { InMemorySessionStore } from '../../../support/in-memory-session-store.js';

const NOW = new Date('2026-11-26T10:00:00.000Z');
const PASSWORD = 's3cr3t-pa55';

/** The versioned-store contract in memory: versions are expectedActive + 1, conflicts as DynamoDB's. */
class InMemoryVersionedStore<V extends VersionStamp> {
  readonly versions: V[] = [];
  pushes = 0;
  /** Runs at the start of each push, before anything is stored (to interleave a rival push). */
  beforePush: (() => Promise<void>) | undefined;
  failWith: Error | undefined;

  async active() {
    return this.versions.at(-1);
  }

  async get(version: number) {
    return this.versions.find((v) => v.version === version);
  }

  async list(limit: number): Promise<VersionStamp[]> {
    return [...this.versions].reverse().slice(0, limit);
  }

  async push(next: Omit<V, 'version'>, expectedActive: number) {
    this.pushes++;
    const hook = this.beforePush;
    this.beforePush = undefined;
    await hook?.();
    if (this.failWith) throw this.failWith;
    if ((this.versions.at(-1)?.version ?? 0) !== expectedActive) return 'conflict' as const;
    const stored = { ...next, version: expectedActive + 1 } as V;
    this.versions.push(stored);
    return stored;
  }
}

const reader = {
  name: 'reporting',
  kind: 'postgres',
  allowGroups: ['agents'],
  target: { url: `postgres://reader:${PASSWORD}@db.internal:5432/reporting` },
};
const warehouse = {
  name: 'warehouse',
  kind: 'mysql',
  environment: 'production',
  tags: ['pii'],
  allowGroups: ['analysts'],
  target: { urlEnv: 'WAREHOUSE_URL' },
  limits: { rowLimit: 50 },
};
const demo = { name: 'demo', kind: 'postgres', allowGroups: ['agents'], target: { demo: true } };
const onAws = {
  name: 'orders',
  kind: 'postgres',
  allowGroups: ['agents'],
  target: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf' },
};
const LOCAL = { aws: false };

const setup = () => {
  const store = new InMemoryVersionedStore<StoredConnectionSet>();
  const sessions = new InMemorySessionStore();
  const deps: PushConnectionsDeps = {
    store: store satisfies ConnectionSetStore,
    recorder: new SessionRecorder(sessions),
    clock: { now: () => NOW },
  };
  const audit = (): SessionEvent[] => sessions.events.get(CONFIG_AUDIT_SESSION) ?? [];
  return { store, sessions, deps, audit };
};

const input = (connections: unknown, extra: { comment?: string; actor?: string; aws?: boolean } = {}) => ({
  connections,
  rules: { aws: extra.aws ?? false },
  actor: extra.actor ?? 'operator:alice',
  ...(extra.comment === undefined ? {} : { comment: extra.comment }),
});

describe('pushConnections', () => {
  it('activates a valid list as version 1, defaults applied, and records who changed what', async () => {
    // Prepare
    const { store, deps, audit, sessions } = setup();

    // Act
    const result = await pushConnections(deps, input([warehouse, reader], { comment: 'first list' }));

    // Assess
    const connections = parseConnections([reader, warehouse], LOCAL);
    const digest = connectionSetDigest(connections);
    expect(result).toMatchObject({ outcome: 'activated', previousVersion: 0, version: { version: 1 } });
    expect(store.versions).toEqual([
      {
        version: 1,
        connections,
        digest,
        createdAt: NOW.toISOString(),
        createdBy: 'operator:alice',
        comment: 'first list',
      },
    ]);
    expect(store.versions[0]!.connections.map((c) => (c as { name: string }).name)).toEqual([
      'reporting',
      'warehouse',
    ]);
    expect(store.versions[0]!.connections[0]).toMatchObject({
      environment: 'development',
      tags: [],
      limits: { rowLimit: 1000, statementTimeoutMs: 10_000, maxResultBytes: 4 * 1024 * 1024 },
    });
    expect(audit()).toHaveLength(1);
    expect(audit()[0]).toMatchObject({
      type: 'connections.changed',
      at: NOW.toISOString(),
      data: {
        version: 1,
        previousVersion: 0,
        digest,
        previousDigest: null,
        actor: 'operator:alice',
        comment: 'first list',
        added: ['reporting', 'warehouse'],
        removed: [],
        changed: [],
        changedFields: {},
        connectionCount: 2,
        connections: [
          expect.objectContaining({ name: 'reporting', allowGroups: ['agents'], target: { kind: 'url' } }),
          expect.objectContaining({
            name: 'warehouse',
            environment: 'production',
            target: { kind: 'urlEnv', variable: 'WAREHOUSE_URL' },
          }),
        ],
      },
    });
    expect(sessions.owners.get(CONFIG_AUDIT_SESSION)).toEqual({ sub: 'tollgate-system', issuer: 'tollgate' });
  });

  it('records the change before the version is activated', async () => {
    // Prepare
    const { store, deps, audit } = setup();
    let recordedAtActivation: SessionEvent[] = [];
    store.beforePush = async () => {
      recordedAtActivation = [...audit()];
    };

    // Act
    await pushConnections(deps, input([reader]));

    // Assess
    expect(recordedAtActivation.map((e) => [e.type, e.data.version])).toEqual([['connections.changed', 1]]);
  });

  it('activates nothing when the change cannot be recorded', async () => {
    // Prepare
    const { store, deps, sessions } = setup();
    sessions.failWith = new Error('DynamoDB is down');

    // Act
    const pushing = pushConnections(deps, input([reader]));

    // Assess
    await expect(pushing).rejects.toMatchObject({ code: 'recording_unavailable' });
    expect(store.pushes).toBe(0);
  });

  it('refuses an invalid list, listing every problem with its path, and records and stores nothing', async () => {
    // Prepare
    const { store, deps, audit } = setup();
    const invalid = [
      { ...reader, name: 'Bad Name' },
      { ...warehouse, allowGroups: [] },
      { ...demo, target: { url: 'http://example.com' } },
    ];

    // Act
    const error = (await pushConnections(deps, input(invalid)).catch(
      (e: unknown) => e,
    )) as ConnectionSetError;

    // Assess
    expect(error).toBeInstanceOf(ConnectionSetError);
    expect(error.problems).toEqual([
      expect.stringMatching(/^connections\[0\]\.name: /),
      expect.stringMatching(/^connections\[1\]\.allowGroups: /),
      expect.stringMatching(/^connections\[2\]\.target/),
    ]);
    expect(error.message).toContain('The connection list is invalid');
    expect(store.pushes).toBe(0);
    expect(audit()).toEqual([]);
  });

  it('refuses a detector switched off that no detector is, naming the classes there are', async () => {
    const { deps } = setup();
    const error = (await pushConnections(
      deps,
      input([{ ...reader, detectorsOff: ['IN_AADHAAR', 'US_PASSPORT'] }]),
    ).catch((e: unknown) => e)) as ConnectionSetError;
    expect(error.problems).toEqual([
      expect.stringMatching(
        /^connections\[0\]\.detectorsOff\[1\]: a class a value detector finds: .*IN_AADHAAR/,
      ),
    ]);
  });

  it('refuses duplicate names', async () => {
    // Prepare
    const { deps } = setup();

    // Act
    const pushing = pushConnections(deps, input([reader, { ...reader, allowGroups: ['admins'] }]));

    // Assess
    await expect(pushing).rejects.toMatchObject({
      problems: ['connections: connection names must be unique'],
    });
  });

  it('on AWS refuses targets other than a Secrets Manager ARN and timeouts API Gateway cannot wait for', async () => {
    // Prepare
    const { deps, store } = setup();
    const list = [
      reader,
      demo,
      { ...onAws, name: 'partial', target: { secretArn: 'arn:aws:secretsmanager:orders' } },
      { ...onAws, limits: { statementTimeoutMs: 60_000 } },
    ];

    // Act
    const error = (await pushConnections(deps, input(list, { aws: true })).catch(
      (e: unknown) => e,
    )) as ConnectionSetError;

    // Assess
    expect(error.problems).toEqual([
      expect.stringMatching(/^connections\[0\] \(reporting\): on AWS the target must be \{"secretArn"/),
      expect.stringMatching(/^connections\[1\] \(demo\): on AWS the target must be/),
      expect.stringMatching(/^connections\[2\] \(partial\): secretArn must be the full ARN/),
      expect.stringMatching(/^connections\[3\] \(orders\): limits.statementTimeoutMs must be at most 25000/),
    ]);
    expect(error.message).not.toContain(PASSWORD);
    expect(store.pushes).toBe(0);
    expect(await pushConnections(deps, input([onAws], { aws: true }))).toMatchObject({
      outcome: 'activated',
    });
  });

  it('answers unchanged, recording and storing nothing, for the active list in another order or spelling', async () => {
    // Prepare
    const { store, deps, audit } = setup();
    await pushConnections(deps, input([reader, warehouse]));
    const spelledOut = parseConnections([warehouse], LOCAL)[0]!;

    // Act
    const result = await pushConnections(deps, input([spelledOut, reader], { actor: 'operator:bob' }));

    // Assess
    expect(result).toEqual({ outcome: 'unchanged', version: 1 });
    expect(store.pushes).toBe(1);
    expect(audit()).toHaveLength(1);
  });

  it('records connections added, removed and changed, with the fields that changed', async () => {
    // Prepare
    const { deps, audit } = setup();
    await pushConnections(deps, input([reader, warehouse]));
    const next = [
      {
        ...reader,
        allowGroups: ['agents', 'analysts'],
        target: { url: 'postgres://reader:other@db2.internal/r' },
      },
      demo,
    ];

    // Act
    const result = await pushConnections(deps, input(next, { comment: 'move reporting' }));

    // Assess
    const diff = {
      added: ['demo'],
      removed: ['warehouse'],
      changed: ['reporting'],
      fields: { reporting: ['allowGroups', 'target'] },
    };
    expect(result).toMatchObject({
      outcome: 'activated',
      previousVersion: 1,
      version: { version: 2 },
      change: diff,
    });
    expect(audit()[1]).toMatchObject({
      type: 'connections.changed',
      data: {
        version: 2,
        previousVersion: 1,
        comment: 'move reporting',
        added: ['demo'],
        removed: ['warehouse'],
        changed: ['reporting'],
        changedFields: { reporting: ['allowGroups', 'target'] },
        connectionCount: 2,
        connections: [
          expect.objectContaining({ name: 'demo', target: { kind: 'demo' } }),
          expect.objectContaining({
            name: 'reporting',
            allowGroups: ['agents', 'analysts'],
            target: { kind: 'url' },
          }),
        ],
      },
    });
  });

  it('never records a URL, a password or a host of a target', async () => {
    // Prepare
    const { deps, sessions, store } = setup();
    store.beforePush = async () => {
      store.versions.push({
        version: 1,
        connections: [],
        digest: 'connections:rival',
        createdAt: NOW.toISOString(),
        createdBy: 'operator:rival',
        comment: undefined,
      });
    };

    // Act: a conflict and a store error are recorded too.
    await pushConnections(deps, input([reader]));
    store.failWith = new Error('ThrottlingException');
    await expect(
      pushConnections(deps, input([{ ...reader, target: { url: `postgres://u:${PASSWORD}2@other/x` } }])),
    ).rejects.toBe(store.failWith);

    // Assess
    const recorded = JSON.stringify(sessions.all());
    expect(sessions.all().map((e) => e.type)).toEqual([
      'connections.changed',
      'connections.change-failed',
      'connections.changed',
      'connections.changed',
      'connections.change-failed',
    ]);
    expect(recorded).not.toContain(PASSWORD);
    expect(recorded).not.toContain('postgres://');
    expect(recorded).not.toContain('db.internal');
  });

  it('retries once on conflict: records the failure, re-reads, and activates on top of the winner', async () => {
    // Prepare: a rival push lands while ours is on its way.
    const { store, deps, audit } = setup();
    await pushConnections(deps, input([reader]));
    store.beforePush = async () => {
      store.versions.push({
        ...store.versions[0]!,
        version: 2,
        digest: 'connections:rival0000001',
        createdBy: 'operator:rival',
      });
    };

    // Act
    const result = await pushConnections(deps, input([reader, demo]));

    // Assess
    expect(result).toMatchObject({ outcome: 'activated', previousVersion: 2, version: { version: 3 } });
    expect(audit().map((e) => [e.type, e.data.version, e.data.reason ?? null])).toEqual([
      ['connections.changed', 1, null],
      ['connections.changed', 2, null],
      ['connections.change-failed', 2, 'conflict'],
      ['connections.changed', 3, null],
    ]);
    expect(audit()[3]!.data.previousDigest).toBe('connections:rival0000001');
  });

  it('records a store failure as a failed change with an unknown activation, and rethrows', async () => {
    // Prepare
    const { store, deps, audit } = setup();
    const outage = new Error('ThrottlingException');
    store.failWith = outage;

    // Act
    const pushing = pushConnections(deps, input([reader]));

    // Assess
    await expect(pushing).rejects.toBe(outage);
    expect(audit()[1]!.data).toMatchObject({
      reason: 'store-error',
      activation: 'unknown',
      error: 'ThrottlingException',
    });
  });

  it('records connection and policy changes in one verifiable hash chain', async () => {
    // Prepare
    const { deps, audit, sessions } = setup();
    const policies = new InMemoryVersionedStore<StoredPolicyVersion>();
    const folder = readPolicyFolder(POLICY_DIR);
    const policyDeps = { store: policies satisfies PolicyStore, recorder: deps.recorder, clock: deps.clock };

    // Act
    await pushConnections(deps, input([reader]));
    await pushPolicies(policyDeps, { ...folder, actor: 'operator:alice' });
    await pushConnections(deps, input([reader, demo]));

    // Assess
    expect(audit().map((e) => `${e.type} v${e.data.version}`)).toEqual([
      'connections.changed v1',
      'policy.changed v1',
      'connections.changed v2',
    ]);
    expect(verifyChain(audit())).toMatchObject({ ok: true });
    expect([...sessions.events.keys()]).toEqual([CONFIG_AUDIT_SESSION]);
  });
});

describe('validateConnections', () => {
  it('answers the connections by name, defaults applied', () => {
    // Act
    const result = validateConnections([warehouse, demo, reader], LOCAL);

    // Assess
    expect(result.ok && result.connections.map((c) => c.name)).toEqual(['demo', 'reporting', 'warehouse']);
  });

  it('reports a list that is not one', () => {
    // Act
    const result = validateConnections({ name: 'x' }, LOCAL);

    // Assess
    expect(result).toEqual({ ok: false, problems: [expect.stringMatching(/^connections: /)] });
  });
});

describe('diffConnectionSets and redactConnection', () => {
  it('counts every connection as added against nothing', () => {
    // Act
    const diff = diffConnectionSets(undefined, parseConnections([reader, demo], LOCAL));

    // Assess
    expect(diff).toEqual({ added: ['demo', 'reporting'], removed: [], changed: [], fields: {} });
  });

  it('describes each target without its URL', () => {
    // Act
    const described = [reader, warehouse, demo, onAws].map((c) => redactConnection(c).target);

    // Assess
    expect(described).toEqual([
      { kind: 'url' },
      { kind: 'urlEnv', variable: 'WAREHOUSE_URL' },
      { kind: 'demo' },
      { kind: 'secretArn', secretArn: onAws.target.secretArn },
    ]);
  });
});
