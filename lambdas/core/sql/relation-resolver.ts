// Resolves the relations a statement names the way the target server does, once per name and
// connection for a few minutes: masking, lineage and classification all read names through here,
// so none of them guesses a schema (`public`) or a case rule the server does not apply.

import type { SqlConnection } from '../config/connection.js';
import type { Clock } from '../ports.js';
import { canonicalJson } from '../recording/canonical-json.js';
import { type FunctionVolatilityAnswer, snapshotVolatility } from './function-allowlist.js';
import {
  type RelationRef,
  type ResolvedRelation,
  relationRefKey,
  type SqlExecutor,
  type Volatility,
} from './sql-executor.js';

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 50_000;

/** The answer for a set of refs: the relation each names, or undefined when the server has none. */
export interface Resolution {
  get(ref: RelationRef): ResolvedRelation | undefined;
}

/**
 * Everything that changes how a name resolves is part of a cache key: a push that moves the
 * connection or changes its search_path never reuses an old answer.
 */
const scopeOf = (connection: SqlConnection): string =>
  canonicalJson({
    name: connection.name,
    kind: connection.kind,
    target: connection.target,
    searchPath: connection.kind === 'postgres' ? (connection.searchPath ?? null) : null,
  });

export class RelationResolver {
  private readonly entries = new Map<string, { relation: ResolvedRelation | undefined; expires: number }>();
  private readonly functions = new Map<string, { user: boolean; expires: number }>();
  private readonly volatilities = new Map<string, { volatility: Volatility | undefined; expires: number }>();

  constructor(private readonly clock: Clock) {}

  /**
   * Which of the called functions may run user-defined code (`SqlExecutor.userFunctions`),
   * cached like relations: most statements call the same few built-ins.
   */
  async userFunctions(
    connection: SqlConnection,
    executor: SqlExecutor,
    names: readonly string[],
  ): Promise<ReadonlySet<string>> {
    const now = this.clock.now().getTime();
    const scope = scopeOf(connection);
    const missing = [...new Set(names)].filter(
      (n) => (this.functions.get(`${scope}\u0001${n}`)?.expires ?? 0) <= now,
    );
    if (missing.length > 0) {
      const user = await executor.userFunctions(connection, missing);
      if (this.functions.size + missing.length > MAX_ENTRIES) this.functions.clear();
      for (const name of missing)
        this.functions.set(`${scope}\u0001${name}`, { user: user.has(name), expires: now + TTL_MS });
    }
    return new Set(names.filter((n) => this.functions.get(`${scope}\u0001${n}`)?.user ?? true));
  }

  /**
   * The volatility of each called function (`SqlExecutor.functionVolatility`), cached like
   * `userFunctions`, with which names may run user code. When the connection's catalogue cannot
   * be read, the bundled snapshot of the server's built-ins answers instead (`source: 'snapshot'`,
   * not cached, so the catalogue is asked again next time): never throws for a catalogue failure.
   */
  async functionVolatility(
    connection: SqlConnection,
    executor: SqlExecutor,
    names: readonly string[],
  ): Promise<FunctionVolatilityAnswer> {
    const unique = [...new Set(names)];
    const dialect = connection.kind === 'mysql' ? 'mysql' : 'postgres';
    const now = this.clock.now().getTime();
    const scope = scopeOf(connection);
    const keyOf = (name: string) => `${scope}\u0001${name}`;
    const answered = new Map<string, Volatility | undefined>();
    const missing: string[] = [];
    for (const name of unique) {
      const entry = this.volatilities.get(keyOf(name));
      if (entry && entry.expires > now) answered.set(name, entry.volatility);
      else missing.push(name);
    }
    let userDefined: ReadonlySet<string>;
    try {
      if (missing.length > 0) {
        const found = await executor.functionVolatility(connection, missing);
        if (this.volatilities.size + missing.length > MAX_ENTRIES) this.volatilities.clear();
        for (const name of missing) {
          answered.set(name, found.get(name));
          this.volatilities.set(keyOf(name), { volatility: found.get(name), expires: now + TTL_MS });
        }
      }
      userDefined = await this.userFunctions(connection, executor, unique);
    } catch {
      const known = snapshotVolatility(dialect, unique);
      return {
        source: 'snapshot',
        volatility: new Map(unique.map((n) => [n, known.get(n)])),
        userDefined: undefined,
      };
    }
    return {
      source: 'catalogue',
      volatility: new Map(unique.map((n) => [n, answered.get(n)])),
      userDefined,
    };
  }

  async resolve(
    connection: SqlConnection,
    executor: SqlExecutor,
    refs: readonly RelationRef[],
  ): Promise<Resolution> {
    const now = this.clock.now().getTime();
    const scope = scopeOf(connection);
    const keyOf = (ref: RelationRef) => `${scope}\u0001${relationRefKey(ref)}`;
    const missing = new Map<string, RelationRef>();
    for (const ref of refs) {
      const entry = this.entries.get(keyOf(ref));
      if (!entry || entry.expires <= now) missing.set(relationRefKey(ref), ref);
    }
    const answered = new Map<string, ResolvedRelation | undefined>();
    if (missing.size > 0) {
      const found = await executor.resolveRelations(connection, [...missing.values()]);
      if (this.entries.size + missing.size > MAX_ENTRIES) this.entries.clear();
      for (const [key, ref] of missing) {
        const relation = found.get(key);
        answered.set(key, relation);
        this.entries.set(keyOf(ref), { relation, expires: now + TTL_MS });
      }
    }
    return {
      get: (ref) => {
        const key = relationRefKey(ref);
        return answered.has(key) ? answered.get(key) : this.entries.get(keyOf(ref))?.relation;
      },
    };
  }
}
