// Hand-built JWTs and a JWKS endpoint for identity tests: tokens are signed in code (no network
// beyond 127.0.0.1), including deliberately malformed or forged ones.
import { createHmac, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export type JwtPart = Readonly<Record<string, unknown>>;

/** The private key a development issuer keeps in `dir` (see loadDevIssuer). */
export const devIssuerPrivateKey = (dir: string): KeyObject =>
  createPrivateKey(readFileSync(join(dir, 'issuer-key.pem')));

const signingInput = (header: JwtPart, payload: JwtPart) =>
  `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;

/** An RS256 JWT with exactly this header and payload. */
export const signRs256 = (header: JwtPart, payload: JwtPart, privateKey: KeyObject): string => {
  const input = signingInput(header, payload);
  return `${input}.${base64url(sign('sha256', Buffer.from(input), privateKey))}`;
};

/** An HS256 JWT keyed with `secret` (e.g. a public key's text, as in algorithm-confusion attacks). */
export const signHs256 = (header: JwtPart, payload: JwtPart, secret: string | Buffer): string => {
  const input = signingInput(header, payload);
  return `${input}.${base64url(createHmac('sha256', secret).update(input).digest())}`;
};

/** An unsigned JWT (`alg: none`), with an empty signature part. */
export const unsignedJwt = (header: JwtPart, payload: JwtPart): string => `${signingInput(header, payload)}.`;

/** Splits a compact JWT into its decoded header and payload and its raw signature part. */
export const decodeJwt = (token: string): { header: JwtPart; payload: JwtPart; signature: string } => {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as JwtPart,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtPart,
    signature,
  };
};

export interface JwksServer {
  readonly uri: string;
  /** How many times the JWKS was fetched. */
  readonly fetches: () => number;
  stop(): Promise<void>;
}

/** Serves `jwks` at `http://127.0.0.1:<port>/.well-known/jwks.json`. */
export const startJwksServer = async (jwks: unknown): Promise<JwksServer> => {
  let fetches = 0;
  const body = JSON.stringify(jwks);
  const server = createServer((request, response) => {
    fetches++;
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
