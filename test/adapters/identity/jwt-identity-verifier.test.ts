// The JWT identity verifier against the local development issuer, its JWKS served over HTTP on
// 127.0.0.1: good tokens become principals; every bad token is the same opaque refusal.
import { createPublicKey, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  KidNotFoundInJwksError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import {
  createJwtIdentityVerifier,
  type IdentityConfig,
  JwksUnavailableError,
} from '../../../lambdas/adapters/identity/jwt-identity-verifier.js';
import {
  type DevIssuer,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  loadDevIssuer,
} from '../../../lambdas/adapters/local/dev-issuer.js';
import { UnauthenticatedError } from '../../../lambdas/core/errors.js';
import type { IdentityVerifier, Logger } from '../../../lambdas/core/ports.js';
import {
  decodeJwt,
  devIssuerPrivateKey,
  type JwksServer,
  type JwtPart,
  signHs256,
  signRs256,
  startJwksServer,
  unsignedJwt,
} from '../../support/tokens.js';

/** The one message every refusal carries, whatever check failed. */
const REFUSAL_MESSAGE = new UnauthenticatedError().message;

describe('JWT identity verifier', () => {
  const dirs: string[] = [];
  let issuer: DevIssuer;
  let intruder: DevIssuer;
  let intruderDir: string;
  let issuerDir: string;
  let jwks: JwksServer;
  let verifier: IdentityVerifier;

  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-issuer-'));
    dirs.push(dir);
    return dir;
  };

  const configFor = (overrides: Partial<Extract<IdentityConfig, { kind: 'oidc' }>> = {}): IdentityConfig => ({
    kind: 'oidc',
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    jwksUri: jwks.uri,
    groupsClaim: 'groups',
    allowInsecureJwksUri: true,
    ...overrides,
  });

  const validToken = () => issuer.signToken({ sub: 'agent-7', groups: ['analysts'], ttlSeconds: 300 });

  /** Header and payload of a token the issuer would sign, to reuse in hand-built tokens. */
  const genuineParts = () => decodeJwt(validToken());

  const signedByIssuer = (payload: JwtPart) =>
    signRs256(genuineParts().header, payload, devIssuerPrivateKey(issuerDir));

  beforeAll(async () => {
    issuerDir = tempDir();
    intruderDir = tempDir();
    issuer = loadDevIssuer(issuerDir);
    intruder = loadDevIssuer(intruderDir);
    jwks = await startJwksServer(issuer.jwks);
    verifier = createJwtIdentityVerifier(configFor());
  });

  afterAll(async () => {
    await jwks.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('a valid token', () => {
    it('becomes the principal of its sub, issuer, sorted groups, token id and actor', async () => {
      // Prepare
      // RFC 8693: the token represents alice (sub), used by agent-7 (act.sub).
      const token = issuer.signToken({
        sub: 'alice@example.com',
        groups: ['writers', 'analysts', 'analysts'],
        ttlSeconds: 300,
        actor: 'agent-7',
      });

      // Act
      const principal = await verifier.verify(token);

      // Assess
      expect(principal).toEqual({
        sub: 'agent-7',
        issuer: LOCAL_ISSUER,
        groups: ['analysts', 'writers'],
        tokenId: decodeJwt(token).payload.jti,
        actsFor: 'alice@example.com',
      });
    });

    it('has no actor when the token has no act claim', async () => {
      // Prepare
      const token = issuer.signToken({ sub: 'agent-7', groups: [], ttlSeconds: 300 });

      // Act
      const principal = await verifier.verify(token);

      // Assess
      expect(principal.actsFor).toBeUndefined();
    });

    it('reads groups from the configured claim', async () => {
      // Prepare
      const cognitoStyle = createJwtIdentityVerifier(configFor({ groupsClaim: 'cognito:groups' }));
      const { payload } = genuineParts();
      const token = signedByIssuer({ ...payload, 'cognito:groups': ['ops', 'dba'], groups: ['ignored'] });

      // Act
      const principal = await cognitoStyle.verify(token);

      // Assess
      expect(principal.groups).toEqual(['dba', 'ops']);
    });

    it('fetches the JWKS once for many tokens', async () => {
      // Prepare
      const fresh = createJwtIdentityVerifier(configFor());
      const before = jwks.fetches();

      // Act
      for (let i = 0; i < 3; i++) await fresh.verify(validToken());

      // Assess
      expect(jwks.fetches() - before).toBe(1);
    });
  });

  describe('refuses, with the same opaque UnauthenticatedError,', () => {
    // The cause names the check that fired, for the log; the caller sees none of it.
    const refusals: Array<[string, () => string, new (...args: never[]) => Error]> = [
      [
        'an expired token',
        () =>
          issuer.signToken({
            sub: 'agent-7',
            groups: [],
            ttlSeconds: 60,
            now: new Date(Date.now() - 3_600_000),
          }),
        JwtExpiredError,
      ],
      [
        'a token not valid yet',
        () =>
          issuer.signToken({
            sub: 'agent-7',
            groups: [],
            ttlSeconds: 600,
            now: new Date(Date.now() + 300_000),
          }),
        JwtNotBeforeError,
      ],
      [
        'a genuinely signed token without exp, which would never expire',
        () => {
          const { header, payload } = genuineParts();
          const { exp: _exp, ...forever } = payload;
          return signRs256(header, forever, devIssuerPrivateKey(issuerDir));
        },
        Error,
      ],
      [
        'a token for another audience',
        () => issuer.signToken({ sub: 'agent-7', groups: [], ttlSeconds: 300, audience: 'other-app' }),
        JwtInvalidAudienceError,
      ],
      [
        'a token from another issuer signed with the right key',
        () => signedByIssuer({ ...genuineParts().payload, iss: 'https://evil.example' }),
        JwtInvalidIssuerError,
      ],
      [
        "a token signed with another key under the issuer's kid",
        () => {
          const { header, payload } = genuineParts();
          return signRs256(header, payload, devIssuerPrivateKey(intruderDir));
        },
        JwtInvalidSignatureError,
      ],
      [
        'a token signed with a key id the JWKS lacks',
        () => {
          const { header, payload } = genuineParts();
          return signRs256(
            { ...header, kid: String(intruder.jwks.keys[0]!.kid) },
            payload,
            devIssuerPrivateKey(intruderDir),
          );
        },
        KidNotFoundInJwksError,
      ],
      [
        'an unsigned token (alg none, empty signature)',
        () => {
          const { header, payload } = genuineParts();
          return unsignedJwt({ ...header, alg: 'none' }, payload);
        },
        JwtParseError,
      ],
      [
        'a token claiming alg none that keeps a genuine signature',
        () => {
          const token = validToken();
          const { header, payload, signature } = decodeJwt(token);
          return `${unsignedJwt({ ...header, alg: 'none' }, payload)}${signature}`;
        },
        JwtInvalidSignatureAlgorithmError,
      ],
      [
        "an HS256 token keyed with the issuer's public key",
        () => {
          const { header, payload } = genuineParts();
          const publicPem = createPublicKey(devIssuerPrivateKey(issuerDir)).export({
            type: 'spki',
            format: 'pem',
          });
          return signHs256({ ...header, alg: 'HS256' }, payload, publicPem);
        },
        JwtInvalidSignatureAlgorithmError,
      ],
      [
        'a token whose payload was altered after signing',
        () => {
          const token = validToken();
          const [header, , signature] = token.split('.');
          const altered = { ...decodeJwt(token).payload, groups: ['admins'] };
          return `${header}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`;
        },
        JwtInvalidSignatureError,
      ],
      [
        'a validly signed token without sub',
        () => signedByIssuer({ ...genuineParts().payload, sub: undefined }),
        Error,
      ],
      ['a garbage string', () => 'not-a-jwt', JwtParseError],
      ['three garbage parts', () => 'a.b.c', JwtParseError],
      ['an empty string', () => '', JwtParseError],
    ];

    it.each(refusals)('%s', async (_case, makeToken, expectedCause) => {
      // Prepare
      const token = makeToken();

      // Act
      const refusal = await verifier.verify(token).then(
        () => undefined,
        (error: unknown) => error,
      );

      // Assess
      expect(refusal).toBeInstanceOf(UnauthenticatedError);
      expect(refusal).toMatchObject({
        code: 'unauthenticated',
        message: REFUSAL_MESSAGE,
        details: undefined,
      });
      expect((refusal as Error).cause).toBeInstanceOf(expectedCause);
    });
  });

  describe('hydrate', () => {
    it('fetches the JWKS once, after which tokens verify without a fetch', async () => {
      // Prepare
      const hydrated = createJwtIdentityVerifier(configFor());
      const before = jwks.fetches();

      // Act
      await hydrated.hydrate();
      const afterHydrate = jwks.fetches();
      for (let i = 0; i < 3; i++) await hydrated.verify(validToken());

      // Assess
      expect(afterHydrate - before).toBe(1);
      expect(jwks.fetches()).toBe(afterHydrate);
    });

    it('rejects with JwksUnavailableError naming the issuer when the JWKS cannot be fetched', async () => {
      // Prepare
      const unreachable: Fetcher = {
        fetch: () => Promise.reject(new Error('connect ECONNREFUSED')),
      };
      const offline = createJwtIdentityVerifier(configFor(), undefined, { fetcher: unreachable });

      // Act
      const failure = await offline.hydrate().then(
        () => undefined,
        (error: unknown) => error,
      );

      // Assess
      expect(failure).toBeInstanceOf(JwksUnavailableError);
      expect(failure).toMatchObject({
        name: 'JwksUnavailableError',
        issuer: LOCAL_ISSUER,
        message: `JWKS of issuer ${LOCAL_ISSUER} could not be fetched`,
        cause: expect.objectContaining({ message: 'connect ECONNREFUSED' }),
      });
    });

    it('leaves the verifier usable after a failure: the next token fetches the JWKS on demand', async () => {
      // Prepare
      let reachable = false;
      const flaky: Fetcher = {
        fetch: async (uri) => {
          if (!reachable) throw new Error('connect ECONNREFUSED');
          return (await fetch(uri)).arrayBuffer();
        },
      };
      const recovering = createJwtIdentityVerifier(configFor(), undefined, { fetcher: flaky });
      await expect(recovering.hydrate()).rejects.toBeInstanceOf(JwksUnavailableError);
      reachable = true;
      const before = jwks.fetches();

      // Act
      const principal = await recovering.verify(validToken());

      // Assess
      expect(principal.sub).toBe('agent-7');
      expect(jwks.fetches() - before).toBe(1);
    });
  });

  describe('for a Cognito user pool', () => {
    const USER_POOL_ID = 'eu-west-1_Tollgate1';
    const CLIENT_ID = 'tollgate-client';
    const COGNITO_ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${USER_POOL_ID}`;

    /** Serves the issuer's JWKS at the pool's JWKS URIs, as Cognito would, and notes each fetch. */
    const cognitoJwks = () => {
      const fetched: string[] = [];
      const fetcher: Fetcher = {
        fetch: async (uri) => {
          fetched.push(uri);
          if (!uri.endsWith(`/${USER_POOL_ID}/.well-known/jwks.json`)) throw new Error('unexpected URI');
          return new TextEncoder().encode(JSON.stringify(issuer.jwks)).buffer as ArrayBuffer;
        },
      };
      return { fetcher, fetched };
    };

    const cognitoConfig = (tokenUse?: 'access' | 'id'): IdentityConfig => ({
      kind: 'cognito',
      userPoolId: USER_POOL_ID,
      clientId: CLIENT_ID,
      groupsClaim: 'cognito:groups',
      ...(tokenUse ? { tokenUse } : {}),
    });

    const cognitoToken = (claims: JwtPart) => {
      const now = Math.floor(Date.now() / 1000);
      return signedByIssuer({
        iss: COGNITO_ISSUER,
        sub: 'b1e2-agent',
        'cognito:groups': ['analysts'],
        iat: now,
        exp: now + 300,
        jti: randomUUID(),
        ...claims,
      });
    };
    const accessToken = (claims: JwtPart = {}) =>
      cognitoToken({ token_use: 'access', client_id: CLIENT_ID, scope: 'openid', ...claims });
    const idToken = (claims: JwtPart = {}) => cognitoToken({ token_use: 'id', aud: CLIENT_ID, ...claims });

    const refusalOf = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => error,
      );

    it('accepts an access token of its app client by default', async () => {
      // Prepare
      const { fetcher } = cognitoJwks();
      const cognito = createJwtIdentityVerifier(cognitoConfig(), undefined, { fetcher });

      // Act
      const principal = await cognito.verify(accessToken());

      // Assess
      expect(principal).toMatchObject({ sub: 'b1e2-agent', issuer: COGNITO_ISSUER, groups: ['analysts'] });
    });

    it('refuses an ID token by default', async () => {
      // Prepare
      const { fetcher } = cognitoJwks();
      const cognito = createJwtIdentityVerifier(cognitoConfig(), undefined, { fetcher });

      // Act
      const refusal = await refusalOf(cognito.verify(idToken()));

      // Assess
      expect(refusal).toBeInstanceOf(UnauthenticatedError);
      expect((refusal as Error).cause).toBeInstanceOf(CognitoJwtInvalidTokenUseError);
    });

    it('refuses an access token of another app client', async () => {
      // Prepare
      const { fetcher } = cognitoJwks();
      const cognito = createJwtIdentityVerifier(cognitoConfig(), undefined, { fetcher });

      // Act
      const refusal = await refusalOf(cognito.verify(accessToken({ client_id: 'other-client' })));

      // Assess
      expect(refusal).toBeInstanceOf(UnauthenticatedError);
      expect((refusal as Error).cause).toBeInstanceOf(CognitoJwtInvalidClientIdError);
    });

    it('configured for ID tokens, accepts an ID token and refuses an access token', async () => {
      // Prepare
      const { fetcher } = cognitoJwks();
      const cognito = createJwtIdentityVerifier(cognitoConfig('id'), undefined, { fetcher });

      // Act
      const principal = await cognito.verify(idToken());
      const refusal = await refusalOf(cognito.verify(accessToken()));

      // Assess
      expect(principal.sub).toBe('b1e2-agent');
      expect((refusal as Error).cause).toBeInstanceOf(CognitoJwtInvalidTokenUseError);
    });

    it('hydrate fetches the pool JWKS once per JWKS URI, after which tokens verify without a fetch', async () => {
      // Prepare
      const { fetcher, fetched } = cognitoJwks();
      const cognito = createJwtIdentityVerifier(cognitoConfig(), undefined, { fetcher });

      // Act
      await cognito.hydrate();
      const afterHydrate = [...fetched];
      await cognito.verify(accessToken());
      await cognito.verify(accessToken());

      // Assess
      // aws-jwt-verify knows the pool under its regional and its global issuer, one JWKS URI each.
      expect(afterHydrate).toContain(`${COGNITO_ISSUER}/.well-known/jwks.json`);
      expect(new Set(afterHydrate).size).toBe(afterHydrate.length);
      expect(fetched).toEqual(afterHydrate);
    });
  });

  it('fails closed on an http JWKS URI unless insecure URIs are allowed', async () => {
    // Prepare
    const strict = createJwtIdentityVerifier(configFor({ allowInsecureJwksUri: false }));
    const before = jwks.fetches();

    // Act
    const verifying = strict.verify(validToken());

    // Assess
    await expect(verifying).rejects.toMatchObject({ code: 'unauthenticated', message: REFUSAL_MESSAGE });
    expect(jwks.fetches()).toBe(before);
  });

  it('logs each refusal once, without the token', async () => {
    // Prepare
    const warn = jest.fn<Logger['warn']>();
    const logger: Logger = { info: jest.fn(), warn, error: jest.fn() };
    const logged = createJwtIdentityVerifier(configFor(), logger);
    const token = issuer.signToken({
      sub: 'agent-7',
      groups: [],
      ttlSeconds: 300,
      audience: `other-${randomUUID()}`,
    });

    // Act
    await expect(logged.verify(token)).rejects.toMatchObject({ code: 'unauthenticated' });

    // Assess
    expect(warn).toHaveBeenCalledTimes(1);
    const [message, entry] = warn.mock.calls[0]!;
    expect(message).toBe('token rejected');
    expect(entry).toEqual({ reason: expect.stringMatching(/Error$/) });
    expect(JSON.stringify(warn.mock.calls)).not.toContain(token.split('.')[2]);
  });
});
