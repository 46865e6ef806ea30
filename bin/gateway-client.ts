// Calling the gateway's HTTP API from the CLI (`tollgate approvals`, `tollgate sessions`,
// `tollgate replay`): where the gateway is (--url, else the local one at TOLLGATE_PORT), the token
// (--token, TOLLGATE_TOKEN, or minted by the local data dir's development issuer), and answers
// turned into errors with stable codes. The token is sent only as the Authorization header: never
// printed, never put in a message. Text the gateway answers is written by agents and people:
// characters that could rewrite or hide what someone reads (terminal escapes, bidirectional
// overrides) are shown escaped.
import { join } from 'node:path';
import { DevIssuerMissingError, loadDevIssuer } from '../lambdas/adapters/local/dev-issuer.js';
import { type CliContext, type Env, localDataDir, UsageError } from './cli-kit.js';

/** The options every gateway-calling command takes. */
export interface GatewayOptions {
  readonly url?: string;
  readonly token?: string;
  readonly sub?: string;
  /** Comma-separated. */
  readonly groups?: string;
}

// --- where the gateway is, and the token -------------------------------------------------------

/** TOLLGATE_PORT of `tollgate start`, where the local gateway listens on 127.0.0.1. */
const DEFAULT_PORT = 8080;
/** A minted token lives long enough for one command. */
const MINTED_TTL_SECONDS = 300;
const ANSWER_TIMEOUT_MS = 30_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface Gateway {
  /** Without a trailing slash; a deployed gateway's may carry a path (an API stage). */
  readonly base: string;
  readonly token: string;
  /** The local gateway's data dir, when the token was minted from its issuer. */
  readonly mintedFrom?: string;
  readonly local: boolean;
}

/** --url, checked: a token may cross the network only inside TLS. */
const deployedBase = (text: string): string => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('--url must be an absolute address, e.g. https://tollgate.example.com');
  }
  if (url.username || url.password)
    throw new UsageError(
      '--url may not hold a user or password: give the token with --token or TOLLGATE_TOKEN',
    );
  if (url.search || url.hash) throw new UsageError('--url may not hold a query or fragment');
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))))
    throw new UsageError(
      '--url must use https (plain http only to 127.0.0.1 or localhost): the token would travel in clear',
    );
  return url.href.replace(/\/+$/, '');
};

const localPort = (text: string | undefined): number => {
  if (text === undefined || text === '') return DEFAULT_PORT;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (port === 0)
    throw new UsageError(
      'TOLLGATE_PORT is 0, so the local gateway picked its own port: give --url http://127.0.0.1:<port> with the port it printed',
    );
  if (!(port >= 1 && port <= 65535))
    throw new UsageError(`TOLLGATE_PORT must be a whole number from 1 to 65535, got "${text}"`);
  return port;
};

/** A token as given, or undefined when not given; refused when it could not be a header value. */
const givenToken = (options: GatewayOptions, env: Env): string | undefined => {
  const [token, from] =
    options.token !== undefined ? [options.token, '--token'] : [env.TOLLGATE_TOKEN, 'TOLLGATE_TOKEN'];
  const trimmed = token?.trim();
  if (!trimmed) return undefined;
  // Checked here: fetch's own refusal of a bad header value quotes the value.
  if (!/^[\x21-\x7e]+$/.test(trimmed)) throw new UsageError(`the token in ${from} is not one printable word`);
  return trimmed;
};

const mintToken = (
  options: GatewayOptions,
  ctx: CliContext,
  defaultGroups: string,
): { token: string; dataDir: string } => {
  const dataDir = localDataDir(ctx.env, ctx.cwd);
  let issuer: ReturnType<typeof loadDevIssuer>;
  try {
    issuer = loadDevIssuer(join(dataDir, 'issuer'), { create: false });
  } catch (error) {
    if (!(error instanceof DevIssuerMissingError)) throw error;
    throw new UsageError(
      `no token: give --token or set TOLLGATE_TOKEN, or run this where the local gateway runs to mint one ` +
        `(there is no development issuer in the data dir ${dataDir}; set TOLLGATE_DATA_DIR to the data dir the gateway prints)`,
    );
  }
  const sub = options.sub ?? (ctx.env.USER || ctx.env.USERNAME);
  if (!sub) throw new UsageError('say who you are with --sub <id> (USER is not set)');
  const groups = (options.groups ?? defaultGroups)
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  return { token: issuer.signToken({ sub, groups, ttlSeconds: MINTED_TTL_SECONDS }), dataDir };
};

/** The gateway to call and the token to call it with: --url and --token, or the local gateway (minting for --sub in --groups, else `defaultGroups`). */
export const gatewayOf = (options: GatewayOptions, ctx: CliContext, defaultGroups: string): Gateway => {
  const minting = options.sub !== undefined || options.groups !== undefined;
  const token = givenToken(options, ctx.env);
  if (options.url !== undefined) {
    const base = deployedBase(options.url);
    if (minting)
      throw new UsageError(
        '--sub and --groups mint a token for the local gateway only: with --url give --token or set TOLLGATE_TOKEN',
      );
    if (!token)
      throw new UsageError(
        'a deployed gateway needs a token: give --token, or set TOLLGATE_TOKEN (kept out of shell history)',
      );
    return { base, token, local: false };
  }
  const base = `http://127.0.0.1:${localPort(ctx.env.TOLLGATE_PORT)}`;
  if (token) {
    if (minting)
      throw new UsageError(
        `--sub and --groups mint a token, but one is given (${options.token !== undefined ? '--token' : 'TOLLGATE_TOKEN'}): use one or the other`,
      );
    return { base, token, local: true };
  }
  const minted = mintToken(options, ctx, defaultGroups);
  return { base, token: minted.token, mintedFrom: minted.dataDir, local: true };
};

// --- HTTP ------------------------------------------------------------------------------------

/** The gateway refused: its stable code and message, as `<message> (<code>)`. */
export class GatewayRefusal extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status: number) {
    super(`${line(message)} (${line(code)})`);
    this.name = 'GatewayRefusal';
    this.code = code;
    this.status = status;
  }
}

const unreachable = (gateway: Gateway, error: unknown): Error => {
  if ((error as { name?: unknown }).name === 'TimeoutError')
    return new Error(`${gateway.base} did not answer within ${ANSWER_TIMEOUT_MS / 1000}s`);
  if (gateway.local)
    return new Error(
      `no local gateway answers at ${gateway.base}: start it with \`npm start\` (set TOLLGATE_PORT to the port it ` +
        'listens on), or give --url for a deployed gateway',
    );
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const why =
    typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
  return new Error(`cannot reach ${gateway.base}${why ? `: ${line(why)}` : ''}`);
};

/** Calls the gateway's API; a refusal becomes a GatewayRefusal with its stable code. */
export const call = async (
  gateway: Gateway,
  method: 'GET' | 'POST',
  path: string,
  body?: Readonly<Record<string, string>>,
): Promise<Record<string, unknown>> => {
  let response: Response;
  try {
    response = await fetch(`${gateway.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${gateway.token}`,
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      // The API never redirects: a redirect is answered as a failure, never followed with the token.
      redirect: 'manual',
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
  } catch (error) {
    throw unreachable(gateway, error);
  }
  const text = await response.text();
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (!response.ok) {
    const refusal = (answer as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (typeof refusal?.code !== 'string' || typeof refusal.message !== 'string')
      throw new Error(
        `${gateway.base} answered HTTP ${response.status} without a Tollgate error: is it a Tollgate gateway?`,
      );
    if (refusal.code === 'unauthenticated' && gateway.mintedFrom)
      throw new GatewayRefusal(
        refusal.code,
        `${refusal.message} The token was minted with the issuer in ${gateway.mintedFrom}: is the gateway on ${gateway.base} running from that data dir?`,
        response.status,
      );
    throw new GatewayRefusal(refusal.code, refusal.message, response.status);
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer))
    throw new Error(`${gateway.base} answered HTTP ${response.status} without a JSON object`);
  return answer as Record<string, unknown>;
};

// --- output ----------------------------------------------------------------------------------

/** Characters that move the cursor, recolour, or reorder text; `layout` keeps newlines and tabs. */
const hidden = (code: number, layout: boolean): boolean =>
  (code < 0x20 && !(layout && (code === 0x0a || code === 0x09))) ||
  (code >= 0x7f && code <= 0x9f) ||
  code === 0x061c ||
  (code >= 0x200b && code <= 0x200f) ||
  (code >= 0x2028 && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069) ||
  code === 0xfeff;

const escaped = (text: string, layout: boolean): string =>
  Array.from(text, (ch) => {
    const code = ch.codePointAt(0)!;
    return hidden(code, layout) ? `\\u{${code.toString(16)}}` : ch;
  }).join('');

/** Text from the gateway shown on one line. */
export const line = (text: string): string => escaped(String(text), false);
/** Text from the gateway shown as lines, each indented. */
export const block = (text: string, indent: string): string =>
  escaped(String(text), true)
    .split('\n')
    .map((l) => `${indent}${l}`)
    .join('\n');
