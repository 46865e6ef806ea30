// The PolicyProvider over a PolicyStore: the active stored version, compiled once per version and
// re-checked at most every `ttlMs`. Before the first push it serves the bundled default pack.
// It fails closed (active-version-cache.ts): a stored version that does not compile is never
// served, and a gateway that cannot tell which version is active (store down at cold start)
// refuses rather than guess.
import { activeVersionCache } from '../config/active-version-cache.js';
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

export const storedPolicyProvider = (options: StoredPolicyProviderOptions): PolicyProvider =>
  activeVersionCache<StoredPolicyVersion, PolicyEngine>({
    active: () => options.store.active(),
    load: (active) =>
      createCedarPolicyEngine(
        compilePolicySet(active.sources, active.schema, storedVersionLabel(active.version)),
      ),
    fallback: () => createCedarPolicyEngine(options.fallback),
    unavailable: policyUnavailable,
    label: (engine) => engine.version,
    noun: 'policy',
    messages: {
      loaded: 'policy version loaded',
      invalid: 'active policy version does not compile; it is not served',
      unreachable: 'policy store unreachable; serving the last loaded policy version',
      pointerMissing: 'active policy pointer missing after a pushed version was served; keeping that version',
    },
    ttlMs: options.ttlMs ?? 30_000,
    clock: options.clock,
    ...(options.logger ? { logger: options.logger } : {}),
  });
