// pushPolicies: a policy set is compiled, recorded in the config-audit session, then activated —
// with a real SessionRecorder over the in-memory session store and a small in-memory PolicyStore.
import { join } from 'node:path';
import { type PolicyFolder, readPolicyFolder } from '../../../../lambdas/adapters/config/policy-files.js';
import { PolicySetError } from '../../../../lambdas/core/policy/policy-set.js';
import {
  CONFIG_AUDIT_SESSION,
  diffPolicySets,
  type PushPoliciesDeps,
  pushPolicies,
} from '../../../../lambdas/core/policy/push-policies.js';
import type { PolicyStore, StoredPolicyVersion } from '../../../../lambdas/core/ports.js';
import type { SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { verifyChain } from '../../../../lambdas/core/recording/hash-chain.js';
import { SessionRecorder } from '../../../../lambdas/core/recording/session-recorder.js';
import { InMemorySessionStore } from '../../../support/in-memory-session-store.js';

const POLICY_DIR = join(import.meta.dirname, '../../../../policies');
const NOW = new Date('2026-11-26T10:00:00.000Z');

/** The PolicyStore contract in memory: versions are expectedActive + 1, conflicts as DynamoDB's. */
class InMemoryPolicyStore implements PolicyStore {
  readonly versions: StoredPolicyVersion[] = [];
  pushes = 0;
  /** Runs at the start of each push, before anything is stored (to interleave a rival push). */
  beforePush: ((expectedActive: number) => Promise<void>) | undefined;
  failWith: Error | undefined;

  async active() {
    return this.versions.at(-1);
  }

  async get(version: number) {
    return this.versions.find((v) => v.version === version);
  }

  async list(limit: number) {
    return [...this.versions]
      .reverse()
      .slice(0, limit)
      .map(({ sources: _s, schema: _c, ...summary }) => summary);
  }

  async push(next: Omit<StoredPolicyVersion, 'version'>, expectedActive: number) {
    this.pushes++;
    const hook = this.beforePush;
    this.beforePush = undefined;
    await hook?.(expectedActive);
    if (this.failWith) throw this.failWith;
    if ((this.versions.at(-1)?.version ?? 0) !== expectedActive) return 'conflict' as const;
    const stored = { ...next, version: expectedActive + 1 };
    this.versions.push(stored);
    return stored;
  }
}

const folder: PolicyFolder = readPolicyFolder(POLICY_DIR);

/** The default pack with one policy removed, one changed and one added. */
const edited = (): PolicyFolder => {
  const text = folder.sources[0]!.text.replace(/@id\("row-locks-blocked"\)[\s\S]*?;\n/, '').replace(
    '{connection} is open to other groups.',
    '{connection} is closed to you.',
  );
  return {
    sources: [
      { name: 'default.cedar', text },
      {
        name: 'extra.cedar',
        text: '@id("auditors-may-read")\npermit (principal in Tollgate::Group::"auditors", action == Tollgate::Action::"sql:read", resource);\n',
      },
    ],
    schema: folder.schema,
    digest: 'files:edited000001',
  };
};

const setup = () => {
  const store = new InMemoryPolicyStore();
  const sessions = new InMemorySessionStore();
  const deps: PushPoliciesDeps = {
    store,
    recorder: new SessionRecorder(sessions),
    clock: { now: () => NOW },
  };
  const audit = (): SessionEvent[] => sessions.events.get(CONFIG_AUDIT_SESSION) ?? [];
  return { store, sessions, deps, audit };
};

const input = (set: PolicyFolder, extra: { comment?: string; actor?: string } = {}) => ({
  sources: set.sources,
  schema: set.schema,
  digest: set.digest,
  actor: extra.actor ?? 'operator:alice',
  ...(extra.comment === undefined ? {} : { comment: extra.comment }),
});

describe('pushPolicies', () => {
  it('activates a valid set as version 1 and records who changed what', async () => {
    // Prepare
    const { store, deps, audit, sessions } = setup();

    // Act
    const result = await pushPolicies(deps, input(folder, { comment: 'first pack' }));

    // Assess
    expect(result).toMatchObject({ outcome: 'activated', previousVersion: 0, version: { version: 1 } });
    expect(store.versions).toEqual([
      {
        version: 1,
        sources: folder.sources,
        schema: folder.schema,
        digest: folder.digest,
        createdAt: NOW.toISOString(),
        createdBy: 'operator:alice',
        comment: 'first pack',
      },
    ]);
    const [event] = audit();
    expect(audit()).toHaveLength(1);
    expect(event).toMatchObject({
      type: 'policy.changed',
      at: NOW.toISOString(),
      data: {
        version: 1,
        previousVersion: 0,
        digest: folder.digest,
        previousDigest: null,
        actor: 'operator:alice',
        comment: 'first pack',
        removed: [],
        changed: [],
        schemaChanged: false,
        policyCount: 14,
      },
    });
    expect(event!.data.added).toContain('agents-may-read');
    expect(event!.data.added).toHaveLength(14);
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
    await pushPolicies(deps, input(folder));

    // Assess
    expect(recordedAtActivation.map((e) => [e.type, e.data.version])).toEqual([['policy.changed', 1]]);
  });

  it('activates nothing when the change cannot be recorded', async () => {
    // Prepare
    const { store, deps, sessions } = setup();
    sessions.failWith = new Error('DynamoDB is down');

    // Act
    const pushing = pushPolicies(deps, input(folder));

    // Assess
    await expect(pushing).rejects.toMatchObject({ code: 'recording_unavailable' });
    expect(store.pushes).toBe(0);
  });

  it('refuses an invalid set, listing every problem, and records and stores nothing', async () => {
    // Prepare: three problems in three files.
    const { store, deps, audit } = setup();
    const invalid = {
      ...folder,
      sources: [
        { name: 'no-id.cedar', text: 'permit (principal, action, resource);' },
        {
          name: 'approval.cedar',
          text: '@id("slow")\n@approval("reviewers")\n@approvalTtl("forever")\npermit (principal, action, resource);',
        },
        { name: 'again.cedar', text: '@id("slow")\nforbid (principal, action, resource);' },
      ],
      digest: 'files:invalid00001',
    };

    // Act
    const error = (await pushPolicies(deps, input(invalid)).catch((e: unknown) => e)) as PolicySetError;

    // Assess
    expect(error).toBeInstanceOf(PolicySetError);
    expect(error.problems).toEqual([
      expect.stringContaining('no-id.cedar: every policy needs an @id'),
      'slow: @approvalTtl must look like 30m, 1h or 2d',
      'again.cedar: duplicate policy id slow',
    ]);
    expect(store.pushes).toBe(0);
    expect(audit()).toEqual([]);
  });

  it('lists schema problems of an otherwise parseable set', async () => {
    // Prepare
    const { store, deps, audit } = setup();
    const invalid = {
      ...folder,
      sources: [
        {
          name: 'typo.cedar',
          text: '@id("typo")\npermit (principal in Tollgate::Grup::"agents", action, resource) when { context.nope };',
        },
      ],
      digest: 'files:invalid00002',
    };

    // Act
    const error = (await pushPolicies(deps, input(invalid)).catch((e: unknown) => e)) as PolicySetError;

    // Assess
    expect(error).toBeInstanceOf(PolicySetError);
    expect(error.problems.join('\n')).toMatch(/Grup/);
    expect(error.message).toContain('The policy set is invalid');
    expect(store.pushes).toBe(0);
    expect(audit()).toEqual([]);
  });

  it('answers unchanged, recording and storing nothing, when the set is already active', async () => {
    // Prepare
    const { store, deps, audit } = setup();
    await pushPolicies(deps, input(folder));

    // Act
    const result = await pushPolicies(deps, input(folder, { actor: 'operator:bob' }));

    // Assess
    expect(result).toEqual({ outcome: 'unchanged', version: 1 });
    expect(store.pushes).toBe(1);
    expect(audit()).toHaveLength(1);
  });

  it('records the policies added, removed and changed since the active version', async () => {
    // Prepare
    const { deps, audit } = setup();
    await pushPolicies(deps, input(folder));

    // Act
    const result = await pushPolicies(deps, input(edited(), { comment: 'tighten' }));

    // Assess
    const diff = {
      added: ['auditors-may-read'],
      removed: ['row-locks-blocked'],
      changed: ['connection-groups'],
      schemaChanged: false,
    };
    expect(result).toMatchObject({ outcome: 'activated', previousVersion: 1, version: { version: 2 }, diff });
    expect(audit()[1]).toMatchObject({
      type: 'policy.changed',
      data: {
        version: 2,
        previousVersion: 1,
        digest: 'files:edited000001',
        previousDigest: folder.digest,
        comment: 'tighten',
        ...diff,
        policyCount: 14,
      },
    });
  });

  it('records a verified principal as sub@issuer', async () => {
    // Prepare
    const { store, deps, audit } = setup();

    // Act
    await pushPolicies(deps, { ...input(folder), actor: { sub: 'alice', issuer: 'https://issuer.test' } });

    // Assess
    expect(store.versions[0]!.createdBy).toBe('alice@https://issuer.test');
    expect(audit()[0]!.data.actor).toBe('alice@https://issuer.test');
  });

  it('retries once on conflict: records the failure, re-reads, and activates on top of the winner', async () => {
    // Prepare: a rival push lands while ours is on its way.
    const { store, deps, audit } = setup();
    await pushPolicies(deps, input(folder));
    store.beforePush = async () => {
      store.versions.push({
        ...store.versions[0]!,
        version: 2,
        digest: 'files:rival0000001',
        createdBy: 'operator:rival',
      });
    };

    // Act
    const result = await pushPolicies(deps, input(edited()));

    // Assess
    expect(result).toMatchObject({ outcome: 'activated', previousVersion: 2, version: { version: 3 } });
    expect(audit().map((e) => [e.type, e.data.version, e.data.reason ?? null])).toEqual([
      ['policy.changed', 1, null],
      ['policy.changed', 2, null],
      ['policy.change-failed', 2, 'conflict'],
      ['policy.changed', 3, null],
    ]);
    expect(audit()[3]!.data.previousDigest).toBe('files:rival0000001');
  });

  it('answers unchanged when the push it lost to activated the same set', async () => {
    // Prepare
    const { store, deps, audit } = setup();
    const set = edited();
    store.beforePush = async () => {
      store.versions.push({ ...store.versions[0]!, ...set, version: 1, createdBy: 'operator:twin' });
    };

    // Act
    const result = await pushPolicies(deps, input(set));

    // Assess
    expect(result).toEqual({ outcome: 'unchanged', version: 1 });
    expect(audit().map((e) => e.type)).toEqual(['policy.changed', 'policy.change-failed']);
  });

  it('answers conflict after losing twice, with every attempt recorded', async () => {
    // Prepare
    const { store, deps, audit } = setup();
    await pushPolicies(deps, input(folder));
    let rival = 0;
    const rivalPush = async () => {
      rival++;
      store.versions.push({
        ...store.versions[0]!,
        version: store.versions.length + 1,
        digest: `files:rival${rival}`,
      });
    };
    store.beforePush = async () => {
      await rivalPush();
      store.beforePush = rivalPush;
    };

    // Act
    const result = await pushPolicies(deps, input(edited()));

    // Assess
    expect(result).toEqual({ outcome: 'conflict' });
    expect(audit().map((e) => `${e.type} v${e.data.version}`)).toEqual([
      'policy.changed v1',
      'policy.changed v2',
      'policy.change-failed v2',
      'policy.changed v3',
      'policy.change-failed v3',
    ]);
    expect(store.versions.map((v) => v.digest)).not.toContain('files:edited000001');
  });

  it('records a store failure as a failed change with an unknown activation, and rethrows', async () => {
    // Prepare
    const { store, deps, audit } = setup();
    const outage = new Error('ThrottlingException');
    store.failWith = outage;

    // Act
    const pushing = pushPolicies(deps, input(folder));

    // Assess
    await expect(pushing).rejects.toBe(outage);
    expect(audit().map((e) => e.type)).toEqual(['policy.changed', 'policy.change-failed']);
    expect(audit()[1]!.data).toMatchObject({
      reason: 'store-error',
      activation: 'unknown',
      error: 'ThrottlingException',
    });
  });

  it('keeps the config-audit session one verifiable hash chain across pushes', async () => {
    // Prepare
    const { deps, audit } = setup();

    // Act
    await pushPolicies(deps, input(folder));
    await pushPolicies(deps, input(edited()));
    await pushPolicies(deps, input(folder, { comment: 'roll back' }));

    // Assess
    expect(audit().map((e) => e.data.version)).toEqual([1, 2, 3]);
    expect(verifyChain(audit())).toMatchObject({ ok: true });
  });

  it('refuses to push when the config-audit session belongs to someone else', async () => {
    // Prepare
    const { store, deps, sessions } = setup();
    await sessions.claimSession(CONFIG_AUDIT_SESSION, { sub: 'mallory', issuer: 'https://issuer.test' });

    // Act
    const pushing = pushPolicies(deps, input(folder));

    // Assess
    await expect(pushing).rejects.toMatchObject({ code: 'session_forbidden' });
    expect(store.pushes).toBe(0);
  });
});

describe('diffPolicySets', () => {
  it('counts every policy as added against nothing', () => {
    // Act
    const diff = diffPolicySets(undefined, folder);

    // Assess
    expect(diff.added).toHaveLength(14);
    expect(diff).toMatchObject({ removed: [], changed: [], schemaChanged: false });
  });

  it('ignores comments, layout and file names', () => {
    // Prepare
    const relaid = {
      ...folder,
      sources: [
        {
          name: 'renamed.cedar',
          text: `// a new comment\n${folder.sources[0]!.text.replace(/\n {2}/g, '\n      ').replace(/;\n/g, ';\n\n\n')}`,
        },
      ],
    };

    // Act
    const diff = diffPolicySets(folder, relaid);

    // Assess
    expect(diff).toEqual({ added: [], removed: [], changed: [], schemaChanged: false });
  });

  it('sees a changed annotation and a changed schema', () => {
    // Prepare
    const next = {
      sources: [
        {
          name: 'default.cedar',
          text: folder.sources[0]!.text.replace('@hint("Ask an administrator.")', '@hint("Ask.")'),
        },
      ],
      schema: `${folder.schema}\n// v2\n`,
    };

    // Act
    const diff = diffPolicySets(folder, next);

    // Assess
    expect(diff).toEqual({
      added: [],
      removed: [],
      changed: ['privileges-blocked'],
      schemaChanged: true,
    });
  });
});
