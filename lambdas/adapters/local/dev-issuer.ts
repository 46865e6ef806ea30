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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Loads the issuer key from `<dir>/issuer-key.pem`, creating it on first use. */
export const loadDevIssuer = (dir: string): DevIssuer => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, 'issuer-key.pem');
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
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

/** Parses `90s`, `15m`, `2h`, `1d` (or plain seconds) into seconds. */
export const parseTtl = (text: string): number => {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`invalid TTL "${text}": use e.g. 90s, 15m, 2h, 1d`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds < 1 || seconds > 7 * 86_400) throw new Error('TTL must be between 1 second and 7 days');
  return seconds;
};
