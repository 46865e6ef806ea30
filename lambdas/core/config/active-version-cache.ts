// What a gateway serves of a versioned configuration set (policies, connections): the active
// stored version, prepared once per version and re-checked at most every `ttlMs`; before the
// first push, a fallback (the files or environment the gateway started with). It fails closed:
// a stored version that does not prepare (is invalid) is never served, and a gateway that cannot
// tell which version is active (store down at cold start) refuses rather than guess.
import type { Clock, Logger, VersionStamp } from '../ports.js';

export interface ActiveVersionCacheOptions<V extends VersionStamp, T> {
  /** The active stored version (undefined before the first push). */
  readonly active: () => Promise<V | undefined>;
  /** Prepares a stored version for serving; throws when it is invalid. */
  readonly load: (version: V) => T;
  /** Served until the first push; prepared on first use. */
  readonly fallback: () => T;
  /** The refusal when nothing can be served. */
  readonly unavailable: (cause: unknown) => Error;
  /** How a served value is named in logs (e.g. its version label). */
  readonly label: (served: T) => string;
  /** `policy`, `connection set`: in messages. */
  readonly noun: string;
  /** Log messages: a version loaded, a version rejected, the store unreachable. */
  readonly messages: {
    readonly loaded: string;
    readonly invalid: string;
    readonly unreachable: string;
    readonly pointerMissing: string;
  };
  /** How long a version is served before the store is asked again. */
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly logger?: Logger;
}

export interface ActiveVersionCache<T> {
  /** What is in force; throws the `unavailable` refusal when nothing can be served. */
  current(): Promise<T>;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const activeVersionCache = <V extends VersionStamp, T>(
  options: ActiveVersionCacheOptions<V, T>,
): ActiveVersionCache<T> => {
  const { clock, logger, ttlMs, label, messages } = options;

  /** What is served, and the stored version it came from (0: the fallback). */
  let serving: { readonly value: T; readonly stored: number } | undefined;
  let fallbackValue: { readonly value: T } | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  /** A stored version that failed to prepare: not prepared again, not served. */
  let rejected: number | undefined;
  let refreshing: Promise<T> | undefined;

  const keepServing = (cause: unknown): T => {
    if (serving) return serving.value;
    throw options.unavailable(cause);
  };

  const load = (active: V): T => {
    if (rejected === active.version)
      return keepServing(new Error(`${options.noun} version ${active.version} is invalid`));
    let value: T;
    try {
      value = options.load(active);
    } catch (error) {
      rejected = active.version;
      logger?.error(messages.invalid, {
        version: active.version,
        digest: active.digest,
        serving: serving ? label(serving.value) : null,
        error: message(error),
      });
      return keepServing(error);
    }
    logger?.info(messages.loaded, { version: label(value), digest: active.digest });
    serving = { value, stored: active.version };
    return value;
  };

  const refresh = async (): Promise<T> => {
    let active: V | undefined;
    try {
      active = await options.active();
    } catch (error) {
      if (!serving) throw options.unavailable(error);
      checkedAt = clock.now().getTime(); // ask again after another ttl, not on every request
      logger?.warn(messages.unreachable, { version: label(serving.value), error: message(error) });
      return serving.value;
    }
    checkedAt = clock.now().getTime();
    if (!active) {
      if (serving && serving.stored > 0) {
        // The active pointer vanished after a pushed version was served: never silently revert
        // to the bundled fallback (it may be more permissive). Keep what was pushed; say so.
        logger?.error(messages.pointerMissing, { version: label(serving.value) });
        return serving.value;
      }
      fallbackValue ??= { value: options.fallback() };
      serving = { value: fallbackValue.value, stored: 0 };
      return fallbackValue.value;
    }
    if (serving?.stored === active.version) return serving.value;
    return load(active);
  };

  return {
    async current() {
      if (serving && clock.now().getTime() - checkedAt < ttlMs) return serving.value;
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
  };
};
