// Real core parts with in-memory adapters, for use-case and handler tests.
import { join } from 'node:path';
import { compilePolicyFolder } from '../../lambdas/adapters/config/policy-files.js';
import type { Connection } from '../../lambdas/core/config/connection.js';
import { UnauthenticatedError } from '../../lambdas/core/errors.js';
import type { Principal } from '../../lambdas/core/identity/principal.js';
import { CatalogCache } from '../../lambdas/core/masking/mask-output.js';
import { createCedarPolicyEngine } from '../../lambdas/core/policy/cedar-policy-engine.js';
import { staticPolicyProvider } from '../../lambdas/core/policy/static-policy-provider.js';
import type { IdentityVerifier, ReadRequest, ResultSet, TargetExecutor } from '../../lambdas/core/ports.js';
import { SessionRecorder } from '../../lambdas/core/recording/session-recorder.js';
import { postgresAnalyzer } from '../../lambdas/core/sql/analyze-postgres.js';
import type { ExecuteSqlDeps } from '../../lambdas/core/use-cases/execute-sql.js';
import { InMemorySessionStore } from './in-memory-session-store.js';

/** The engine for the repository's policy folder (the default pack). */
export const defaultPolicyEngine = () => createCedarPolicyEngine(compilePolicyFolder(POLICY_DIR));
export const POLICY_DIR = join(import.meta.dirname, '../../policies');

export const demoConnection: Connection = {
  name: 'demo',
  kind: 'postgres',
  environment: 'development',
  tags: [],
  classification: {},
  masking: {},
  allowGroups: ['agents'],
  target: { url: 'postgres://secret-user:secret-password@db.internal:5432/app' },
  limits: { rowLimit: 2, statementTimeoutMs: 1000, maxResultBytes: 1_000_000 },
};

export const principal = (sub: string, groups: string[] = ['agents']): Principal => ({
  sub,
  issuer: 'https://issuer.test',
  groups,
  tokenId: `jti-${sub}`,
  actsFor: undefined,
});

/** Tokens are principal names: `token.<sub>.<group~group>`; anything else is rejected. */
export const fakeIdentity: IdentityVerifier = {
  async verify(token) {
    const match = /^token\.([a-z0-9-]+)\.([a-z~]*)$/.exec(token);
    if (!match) throw new UnauthenticatedError();
    return principal(match[1]!, match[2]!.split('~').filter(Boolean));
  },
};

/** A target that records what it was asked and answers with canned rows. */
export class RecordingTarget implements TargetExecutor {
  readonly calls: ReadRequest[] = [];
  failWith: Error | undefined;
  result: ResultSet = {
    columns: [{ name: 'id', type: 'int4' }],
    rows: [[1], [2]],
    rowCount: 2,
    truncated: true,
  };

  async read(_connection: Connection, request: ReadRequest): Promise<ResultSet> {
    this.calls.push(request);
    if (this.failWith) throw this.failWith;
    return this.result;
  }
}

export const coreDeps = async () => {
  await postgresAnalyzer.load();
  const sessions = new InMemorySessionStore();
  const target = new RecordingTarget();
  let n = 0;
  const deps: ExecuteSqlDeps = {
    identity: fakeIdentity,
    connections: { get: async (name) => (name === demoConnection.name ? demoConnection : undefined) },
    analyzers: { postgres: postgresAnalyzer },
    policies: staticPolicyProvider(defaultPolicyEngine()),
    recorder: new SessionRecorder(sessions),
    executors: { postgres: target },
    clock: { now: () => new Date('2026-11-26T10:00:00.000Z') },
    ids: { newId: () => `id-${String(++n).padStart(8, '0')}` },
    masking: {
      tokenKey: async () => 'test-masking-key',
      catalogs: new CatalogCache({ now: () => new Date() }),
    },
  };
  return { deps, sessions, target };
};
