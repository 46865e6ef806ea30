// The local OIDC issuer for development: an RSA key pair kept in the data dir, its JWKS, and
// RS256 tokens signed with it. Never used on AWS.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
} from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCAL_ISSUER = 'tollgate-local';
export const LOCAL_AUDIENCE = 'tollgate';
export const LOCAL_GROUPS_CLAIM = 'groups';

export interface TokenRequest {
  readonly sub: string;
  readonly groups: readonly string[];
  readonly ttlSeconds: number;
  readonly audience?: string;
  /** The agent acting for `sub` (RFC 8693 `act.sub`): the token then represents `sub`, used by it. */
  readonly actor?: string;
  /** Overrides for tests (e.g. an issued-at in the past). */
  readonly now?: Date;
}

export interface DevIssuer {
  readonly issuer: string;
  readonly jwks: { keys: Record<string, unknown>[] };
  signToken(request: TokenRequest): string;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** The issuer's key file inside its directory. */
export const ISSUER_KEY_FILE = 'issuer-key.pem';

/** `loadDevIssuer(dir, { create: false })` found no key: only the gateway's start creates one. */
export class DevIssuerMissingError extends Error {
  readonly keyFile: string;

  constructor(keyFile: string) {
    super(`no development issuer key at ${keyFile}`);
    this.name = 'DevIssuerMissingError';
    this.keyFile = keyFile;
  }
}

export interface LoadDevIssuerOptions {
  /**
   * Whether a missing key is created. Only the gateway's start may create it: a token signed by
   * a key the running gateway does not have is refused with 401 on every request.
   * @default true - the key is created on first use (the gateway's start)
   */
  readonly create: boolean;
}

/** Writes a new key atomically: a concurrent start keeps the key that was linked first. */
const createKey = (keyFile: string): void => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const temp = `${keyFile}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, keyFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
};

/**
 * Loads the issuer key from `<dir>/issuer-key.pem`. With `{ create: true }` (the gateway's start)
 * a missing key is generated; with `{ create: false }` (`tollgate token`) nothing is written and a
 * missing key throws DevIssuerMissingError.
 */
export const loadDevIssuer = (dir: string, options: LoadDevIssuerOptions = { create: true }): DevIssuer => {
  const keyFile = join(dir, ISSUER_KEY_FILE);
  if (!existsSync(keyFile)) {
    if (!options.create) throw new DevIssuerMissingError(keyFile);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    createKey(keyFile);
  }
  const privateKey = createPrivateKey(readFileSync(keyFile));
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as {
    n: string;
    e: string;
    kty: string;
  };
  // RFC 7638 thumbprint as the key id.
  const kid = base64url(
    createHash('sha256')
      .update(JSON.stringify({ e: publicJwk.e, kty: 'RSA', n: publicJwk.n }))
      .digest(),
  );
  const jwks = { keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] };

  return {
    issuer: LOCAL_ISSUER,
    jwks,
    signToken(request) {
      const iat = Math.floor((request.now ?? new Date()).getTime() / 1000);
      const header = { alg: 'RS256', typ: 'JWT', kid };
      const payload = {
        iss: LOCAL_ISSUER,
        sub: request.sub,
        aud: request.audience ?? LOCAL_AUDIENCE,
        iat,
        nbf: iat,
        exp: iat + request.ttlSeconds,
        jti: randomUUID(),
        [LOCAL_GROUPS_CLAIM]: [...request.groups],
        ...(request.actor ? { act: { sub: request.actor } } : {}),
      };
      const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
      const signature = sign('sha256', Buffer.from(signingInput), privateKey);
      return `${signingInput}.${base64url(signature)}`;
    },
  };
};
