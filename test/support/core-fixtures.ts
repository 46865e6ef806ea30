// Real core parts with in-memory adapters, for pipeline and handler tests.
import { join } from 'node:path';
import { compilePolicyFolder } from '../../lambdas/adapters/config/policy-files.js';
import type { Connection, SqlConnection } from '../../lambdas/core/config/connection.js';
import { UnauthenticatedError } from '../../lambdas/core/errors.js';
import type { Principal } from '../../lambdas/core/identity/principal.js';
import type { PipelineDeps } from '../../lambdas/core/pipeline/admit.js';
import { createCedarPolicyEngine } from '../../lambdas/core/policy/cedar-policy-engine.js';
import { staticPolicyProvider } from '../../lambdas/core/policy/static-policy-provider.js';
import type { IdentityVerifier, ResultSet, SqlAnalyzer } from '../../lambdas/core/ports.js';
import { protocolUnits } from '../../lambdas/core/protocols/protocol-unit.js';
import { createSqlUnit } from '../../lambdas/core/protocols/sql/sql-unit.js';
import { SessionRecorder } from '../../lambdas/core/recording/session-recorder.js';
import { postgresAnalyzer } from '../../lambdas/core/sql/analyze-postgres.js';
import { snapshotVolatility } from '../../lambdas/core/sql/function-allowlist.js';
import { RelationResolver } from '../../lambdas/core/sql/relation-resolver.js';
import {
  type RelationRef,
  type ResolvedRelation,
  relationRefKey,
  type SqlExecutor,
  type SqlRunRequest,
  type Volatility,
} from '../../lambdas/core/sql/sql-executor.js';
import { InMemorySessionStore } from './in-memory-session-store.js';

export const POLICY_DIR = join(import.meta.dirname, '../../policies');
let engine: ReturnType<typeof createCedarPolicyEngine> | undefined;
/** The engine for the repository's policy folder (the default pack), compiled once per test file. */
export const defaultPolicyEngine = () => {
  engine ??= createCedarPolicyEngine(compilePolicyFolder(POLICY_DIR));
  return engine;
};

export const demoConnection: SqlConnection = {
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

/** A target that records what it was asked and answers with canned rows; names resolve to `public`. */
export class RecordingTarget implements SqlExecutor {
  readonly calls: SqlRunRequest[] = [];
  failWith: Error | undefined;
  result: ResultSet = {
    columns: [{ name: 'id', type: 'int4' }],
    rows: [[1], [2]],
    rowCount: 2,
    truncated: true,
  };
  /** The relations this target has, by `schema.name`. */
  relations = new Map<string, ResolvedRelation>([
    [
      'public.customers',
      {
        schema: 'public',
        name: 'customers',
        kind: 'table',
        columns: ['id', 'email'],
        dependsOn: [],
        ancestors: [],
      },
    ],
  ]);

  async run(_connection: SqlConnection, request: SqlRunRequest): Promise<ResultSet> {
    this.calls.push(request);
    if (this.failWith) throw this.failWith;
    return this.result;
  }

  async resolveRelations(_connection: SqlConnection, refs: readonly RelationRef[]) {
    const found = new Map<string, ResolvedRelation>();
    for (const ref of refs) {
      const relation = this.relations.get(`${ref.schema ?? 'public'}.${ref.name}`);
      if (relation) found.set(relationRefKey(ref), relation);
    }
    return found;
  }

  async listRelations() {
    return [...this.relations.values()];
  }

  /** The planner's estimate `estimateWrites` answers for every statement. */
  estimate: number | null = 3;

  async estimateWrites(_connection: SqlConnection, request: { readonly statements: readonly string[] }) {
    return request.statements.map(() => this.estimate);
  }

  /** The names `userFunctions` reports as user-defined (when asked about them or not). */
  userFunctionNames = new Set<string>();

  async userFunctions(_connection: SqlConnection, _names: readonly string[]): Promise<ReadonlySet<string>> {
    return this.userFunctionNames;
  }

  /**
   * Volatilities `functionVolatility` answers with, by name; a name not set here is answered from
   * the bundled snapshot of PostgreSQL's built-ins (so `now`, `lower`, `=` are known), and a
   * user-defined name (`userFunctionNames`) is volatile.
   */
  volatility = new Map<string, Volatility>();

  async functionVolatility(
    _connection: SqlConnection,
    names: readonly string[],
  ): Promise<ReadonlyMap<string, Volatility>> {
    const builtin = snapshotVolatility('postgres', names);
    const found = new Map<string, Volatility>();
    for (const name of names) {
      const volatility =
        this.volatility.get(name) ?? (this.userFunctionNames.has(name) ? 'volatile' : builtin.get(name));
      if (volatility !== undefined) found.set(name, volatility);
    }
    return found;
  }

  async close() {}
}

/** The key of the recorded digests in core tests. */
export const CORE_DIGEST_KEY = 'core-test-digest-key';

export const coreDeps = async (
  options: { connections?: readonly Connection[]; analyzer?: SqlAnalyzer } = {},
) => {
  await postgresAnalyzer.load();
  const sessions = new InMemorySessionStore();
  const target = new RecordingTarget();
  const clock = { now: () => new Date('2026-11-26T10:00:00.000Z') };
  const connections = options.connections ?? [demoConnection];
  let n = 0;
  const units = protocolUnits({
    postgres: async () =>
      createSqlUnit({
        kind: 'postgres',
        analyzer: options.analyzer ?? postgresAnalyzer,
        executor: target,
        resolver: new RelationResolver({ now: () => new Date() }),
        tokenKey: async () => 'test-masking-key',
      }),
  });
  const deps: PipelineDeps = {
    identity: fakeIdentity,
    connections: {
      get: async (name) => connections.find((c) => c.name === name),
      list: async () => connections,
    },
    policies: staticPolicyProvider(defaultPolicyEngine()),
    units,
    recorder: new SessionRecorder(sessions),
    clock,
    ids: { newId: () => `id-${String(++n).padStart(8, '0')}` },
    digestKey: async () => CORE_DIGEST_KEY,
  };
  return { deps, sessions, target };
};

/**
 * The real pipeline over real executors (PostgreSQL, MySQL) and in-memory recording, for tests
 * that run requests against a real database without the HTTP layer.
 */
export const pipelineOver = (options: {
  connections: readonly SqlConnection[];
  executors: { readonly postgres?: SqlExecutor; readonly mysql?: SqlExecutor };
  identity?: IdentityVerifier;
  newId?: () => string;
}): PipelineDeps => {
  const resolver = new RelationResolver({ now: () => new Date() });
  const tokenKey = async () => 'test-masking-key';
  const unitOf = async (kind: 'postgres' | 'mysql') => {
    const executor = options.executors[kind];
    if (!executor) throw new Error(`no ${kind} executor in this test`);
    const analyzer =
      kind === 'postgres'
        ? postgresAnalyzer
        : (await import('../../lambdas/core/sql/analyze-mysql.js')).mysqlAnalyzer;
    return createSqlUnit({ kind, analyzer, executor, resolver, tokenKey });
  };
  const { connections } = options;
  return {
    identity: options.identity ?? fakeIdentity,
    connections: { get: async (n) => connections.find((c) => c.name === n), list: async () => connections },
    policies: staticPolicyProvider(defaultPolicyEngine()),
    units: protocolUnits({ postgres: () => unitOf('postgres'), mysql: () => unitOf('mysql') }),
    recorder: new SessionRecorder(new InMemorySessionStore()),
    clock: { now: () => new Date() },
    ids: { newId: options.newId ?? (() => crypto.randomUUID()) },
  };
};
