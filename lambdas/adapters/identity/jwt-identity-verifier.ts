// IdentityVerifier on aws-jwt-verify: checks signature (JWKS, cached across invocations), issuer,
// audience and expiry of OIDC or Cognito tokens, then maps claims to a Principal.
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
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
    };

interface ClaimsVerifier {
  verify(token: string): Promise<Record<string, unknown>>;
}

/** Fetches a JWKS over plain HTTP, for exactly one URI: the local issuer's. */
const localJwksCache = (jwksUri: string) =>
  new SimpleJwksCache({
    fetcher: {
      async fetch(uri: string) {
        if (uri !== jwksUri) throw new Error('JWKS URI not allowed');
        const response = await fetch(uri);
        if (!response.ok) throw new Error(`JWKS fetch failed with ${response.status}`);
        return response.arrayBuffer();
      },
    },
  });

const createClaimsVerifier = (config: IdentityConfig): ClaimsVerifier => {
  if (config.kind === 'cognito') {
    const verifier = CognitoJwtVerifier.create({
      userPoolId: config.userPoolId,
      clientId: config.clientId,
      tokenUse: null,
    });
    return { verify: (token) => verifier.verify(token) as Promise<Record<string, unknown>> };
  }
  const props = { issuer: config.issuer, audience: config.audience, jwksUri: config.jwksUri };
  const verifier = config.allowInsecureJwksUri
    ? JwtVerifier.create(props, { jwksCache: localJwksCache(config.jwksUri) })
    : JwtVerifier.create(props);
  return { verify: (token) => verifier.verify(token) as Promise<Record<string, unknown>> };
};

/**
 * Creates the verifier once per cold start; its JWKS cache then lives as long as the process.
 * Every failure is the same 401: the caller learns nothing about which check failed.
 */
export const createJwtIdentityVerifier = (config: IdentityConfig, logger?: Logger): IdentityVerifier => {
  const verifier = createClaimsVerifier(config);
  return {
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
