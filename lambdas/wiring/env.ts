// Reading a function's environment once per cold start: small required/optional readers that
// fail at start with a message naming the variable, never later with a silently wrong value.
import type { IdentityConfig } from '../adapters/identity/jwt-identity-verifier.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const required = (env: Env, name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`Environment variable ${name} is required`);
  return value;
};

/**
 * An integer setting within bounds. A typo must not turn a limit off: `TOLLGATE_MAX_BODY_BYTES=256k`
 * stops the start with a message, where `Number()` would give NaN and disable the check.
 */
export const integerSetting = (
  env: Env,
  name: string,
  options: { min: number; max: number; default: number },
): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return options.default;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < options.min || value > options.max) {
    throw new Error(`${name} must be between ${options.min} and ${options.max}, got ${value}`);
  }
  return value;
};

/** One of the allowed values. */
export const choiceSetting = <T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
};

/** The limit API Gateway itself puts on a payload; the gateway's own limit is at most this. */
export const MAX_BODY_BYTES_LIMIT = 6_000_000;

export const maxBodyBytesFrom = (env: Env) =>
  integerSetting(env, 'TOLLGATE_MAX_BODY_BYTES', { min: 1024, max: MAX_BODY_BYTES_LIMIT, default: 262_144 });

export const identityConfigFromEnv = (env: Env): IdentityConfig => {
  if (env.TOLLGATE_COGNITO_USER_POOL_ID) {
    return {
      kind: 'cognito',
      userPoolId: env.TOLLGATE_COGNITO_USER_POOL_ID,
      clientId: required(env, 'TOLLGATE_COGNITO_CLIENT_ID'),
      groupsClaim: env.TOLLGATE_GROUPS_CLAIM || 'cognito:groups',
      // Access tokens unless configured: an ID token must not stand in for one.
      tokenUse: choiceSetting(env, 'TOLLGATE_COGNITO_TOKEN_USE', ['access', 'id'] as const, 'access'),
    };
  }
  return {
    kind: 'oidc',
    issuer: required(env, 'TOLLGATE_ISSUER'),
    audience: required(env, 'TOLLGATE_AUDIENCE'),
    jwksUri: required(env, 'TOLLGATE_JWKS_URI'),
    groupsClaim: env.TOLLGATE_GROUPS_CLAIM || 'groups',
  };
};
