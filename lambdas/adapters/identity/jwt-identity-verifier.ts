// IdentityVerifier on aws-jwt-verify: checks signature (JWKS, cached across invocations), issuer,
// audience and expiry of OIDC or Cognito tokens, then maps claims to a Principal.
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { UnauthenticatedError } from '../../core/errors.js';
import { principalFromClaims } from '../../core/identity/principal.js';
import type { IdentityVerifier, Logger } from '../../core/ports.js';

export type IdentityConfig =
  | {
      readonly kind: 'oidc';
      readonly issuer: string;
      readonly audience: string;
      readonly jwksUri: string;
      readonly groupsClaim: string;
      /**
       * Allows an `http:` JWKS URI. Only the local development issuer sets it: everywhere else
       * aws-jwt-verify's default fetcher refuses anything but https.
       */
      readonly allowInsecureJwksUri?: boolean;
    }
  | {
      readonly kind: 'cognito';
      readonly userPoolId: string;
      readonly clientId: string;
      readonly groupsClaim: string;
      /**
       * The Cognito token accepted: access tokens (checked against `client_id`) or ID tokens
       * (checked against `aud`). Never both: an ID token is proof of sign-in, not a grant to call
       * an API, and accepting either would let one stand in for the other.
       * @default - 'access'
       */
      readonly tokenUse?: 'access' | 'id';
    };

/** What the composition roots get: a verifier whose JWKS can be loaded before the first request. */
export interface HydratableIdentityVerifier extends IdentityVerifier {
  /**
   * Fetches the JWKS now (cold start, or once the local server listens). Rejects with
   * JwksUnavailableError when it cannot be fetched; the verifier stays usable and fetches on
   * demand at the next token.
   */
  hydrate(): Promise<void>;
}

export interface JwtIdentityVerifierDeps {
  /**
   * Fetches JWKS documents. One given here is used as is (tests): it, not the https-only
   * default, decides which URIs may be fetched.
   * @default - aws-jwt-verify's SimpleFetcher (https only), or for `allowInsecureJwksUri` a
   * fetcher limited to the configured URI
   */
  readonly fetcher?: Fetcher;
}

/** The JWKS could not be loaded at start. Names the issuer, never a token. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
  constructor(
    readonly issuer: string,
    options?: ErrorOptions,
  ) {
    super(`JWKS of issuer ${issuer} could not be fetched`, options);
  }
}

interface ClaimsVerifier {
  readonly issuer: string;
  verify(token: string): Promise<Record<string, unknown>>;
  hydrate(): Promise<void>;
}

/** Fetches a JWKS over plain HTTP, for exactly one URI: the local issuer's. */
const localJwksFetcher = (jwksUri: string): Fetcher => ({
  async fetch(uri: string) {
    if (uri !== jwksUri) throw new Error('JWKS URI not allowed');
    const response = await fetch(uri);
    if (!response.ok) throw new Error(`JWKS fetch failed with ${response.status}`);
    return response.arrayBuffer();
  },
});

const createClaimsVerifier = (config: IdentityConfig, deps: JwtIdentityVerifierDeps): ClaimsVerifier => {
  const fetcher =
    deps.fetcher ??
    (config.kind === 'oidc' && config.allowInsecureJwksUri ? localJwksFetcher(config.jwksUri) : undefined);
  const additional = fetcher ? { jwksCache: new SimpleJwksCache({ fetcher }) } : undefined;
  if (config.kind === 'cognito') {
    const verifier = CognitoJwtVerifier.create(
      { userPoolId: config.userPoolId, clientId: config.clientId, tokenUse: config.tokenUse ?? 'access' },
      additional,
    );
    return {
      issuer: CognitoJwtVerifier.parseUserPoolId(config.userPoolId).issuer,
      verify: (token) => verifier.verify(token) as Promise<Record<string, unknown>>,
      hydrate: () => verifier.hydrate(),
    };
  }
  const verifier = JwtVerifier.create(
    { issuer: config.issuer, audience: config.audience, jwksUri: config.jwksUri },
    additional,
  );
  return {
    issuer: config.issuer,
    verify: (token) => verifier.verify(token) as Promise<Record<string, unknown>>,
    hydrate: () => verifier.hydrate(),
  };
};

/**
 * Creates the verifier once per cold start; its JWKS cache then lives as long as the process.
 * Every failure is the same 401: the caller learns nothing about which check failed.
 */
export const createJwtIdentityVerifier = (
  config: IdentityConfig,
  logger?: Logger,
  deps: JwtIdentityVerifierDeps = {},
): HydratableIdentityVerifier => {
  const verifier = createClaimsVerifier(config, deps);
  return {
    async hydrate() {
      try {
        await verifier.hydrate();
      } catch (error) {
        // aws-jwt-verify does not cache a failed fetch: the next token fetches again.
        throw new JwksUnavailableError(verifier.issuer, { cause: error });
      }
    },
    async verify(token) {
      let claims: Record<string, unknown>;
      try {
        claims = await verifier.verify(token);
      } catch (error) {
        // The class name only (aws-jwt-verify errors do not set `name`): messages can quote the token.
        logger?.warn('token rejected', {
          reason: error instanceof Error ? error.constructor.name : 'unknown',
        });
        throw new UnauthenticatedError(error);
      }
      // aws-jwt-verify checks `exp` only when present: a token without one would never expire.
      if (typeof claims.exp !== 'number') throw new UnauthenticatedError(new Error('token has no exp'));
      const principal = principalFromClaims(claims, { groupsClaim: config.groupsClaim });
      if (!principal) throw new UnauthenticatedError(new Error('token lacks sub or iss'));
      return principal;
    },
  };
};
