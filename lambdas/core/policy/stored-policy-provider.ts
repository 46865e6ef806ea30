// The PolicyProvider over a PolicyStore: the active stored version, compiled once per version and
// re-checked at most every `ttlMs`. Before the first push it serves the bundled default pack.
// It fails closed: a stored version that does not compile is never served, and a gateway that
// cannot tell which version is active (store down at cold start) refuses rather than guess.
import { type ErrorCode, TollgateError } from '../errors.js';
import type {
  Clock,
  Logger,
  PolicyEngine,
  PolicyProvider,
  PolicyStore,
  StoredPolicyVersion,
} from '../ports.js';
import { createCedarPolicyEngine } from './cedar-policy-engine.js';
import { type CompiledPolicySet, compilePolicySet } from './policy-set.js';

export const POLICY_UNAVAILABLE: ErrorCode = 'policy_unavailable';

export const policyUnavailable = (cause?: unknown) =>
  new TollgateError(
    POLICY_UNAVAILABLE,
    'The policy set is unavailable; the request was not run. Retry shortly.',
    {
      cause,
    },
  );

export interface StoredPolicyProviderOptions {
  readonly store: PolicyStore;
  /** Served until the first push (the bundled default pack). */
  readonly fallback: CompiledPolicySet;
  /** How long a version is served before the store is asked again. */
  readonly ttlMs?: number;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/** `v<N>`: the version label of a stored set, in decisions and recordings. */
export const storedVersionLabel = (version: number) => `v${version}`;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const storedPolicyProvider = (options: StoredPolicyProviderOptions): PolicyProvider => {
  const { store, fallback, clock, logger } = options;
  const ttlMs = options.ttlMs ?? 30_000;

  /** What is served: the engine and the stored version it came from (0: the fallback). */
  let serving: { readonly engine: PolicyEngine; readonly stored: number } | undefined;
  let fallbackEngine: PolicyEngine | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  /** A stored version that failed to compile: not compiled again, not served. */
  let rejected: number | undefined;
  let refreshing: Promise<PolicyEngine> | undefined;

  const keepServing = (cause: unknown): PolicyEngine => {
    if (serving) return serving.engine;
    throw policyUnavailable(cause);
  };

  const load = (active: StoredPolicyVersion): PolicyEngine => {
    if (rejected === active.version)
      return keepServing(new Error(`policy version ${active.version} is invalid`));
    let engine: PolicyEngine;
    try {
      const label = storedVersionLabel(active.version);
      engine = createCedarPolicyEngine(compilePolicySet(active.sources, active.schema, label));
    } catch (error) {
      rejected = active.version;
      logger?.error('active policy version does not compile; it is not served', {
        version: active.version,
        digest: active.digest,
        serving: serving?.engine.version ?? null,
        error: message(error),
      });
      return keepServing(error);
    }
    logger?.info('policy version loaded', { version: engine.version, digest: active.digest });
    serving = { engine, stored: active.version };
    return engine;
  };

  const refresh = async (): Promise<PolicyEngine> => {
    let active: StoredPolicyVersion | undefined;
    try {
      active = await store.active();
    } catch (error) {
      if (!serving) throw policyUnavailable(error);
      checkedAt = clock.now().getTime(); // ask again after another ttl, not on every request
      logger?.warn('policy store unreachable; serving the last loaded policy version', {
        version: serving.engine.version,
        error: message(error),
      });
      return serving.engine;
    }
    checkedAt = clock.now().getTime();
    if (!active) {
      fallbackEngine ??= createCedarPolicyEngine(fallback);
      serving = { engine: fallbackEngine, stored: 0 };
      return fallbackEngine;
    }
    if (serving?.stored === active.version) return serving.engine;
    return load(active);
  };

  return {
    async current() {
      if (serving && clock.now().getTime() - checkedAt < ttlMs) return serving.engine;
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
  };
};
