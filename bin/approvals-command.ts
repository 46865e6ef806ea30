// `tollgate approvals list|show|approve|deny`: a reviewer's view of the requests held for approval,
// over the gateway's HTTP API (/v1/approvals), locally or on a deployed URL. The token comes from
// --token, else TOLLGATE_TOKEN; for the local gateway it may be minted by the data dir's
// development issuer, as `tollgate token` does. The token is sent only as the Authorization header:
// never printed, and never put in a message. Text the gateway answers (masked SQL, names,
// justifications, messages) is written by agents and people: characters that could rewrite or hide
// what a reviewer reads (terminal escapes, bidirectional overrides) are shown escaped.

import { join } from 'node:path';
import { DevIssuerMissingError, loadDevIssuer } from '../lambdas/adapters/local/dev-issuer.js';
import type { RequestStatus } from '../lambdas/core/approval/approval.js';
import { type CliContext, type Env, localDataDir, UsageError } from './cli-kit.js';

export type ApprovalsSubcommand = 'list' | 'show' | 'approve' | 'deny';

/** The parsed options of `tollgate approvals <subcommand>` (cli-program.ts); each takes some. */
export interface ApprovalsOptions {
  readonly url?: string;
  readonly token?: string;
  readonly sub?: string;
  /** Comma-separated. */
  readonly groups?: string;
  /** `list`: `pending` or a status name. */
  readonly status?: string;
  /** `approve` and `deny`. */
  readonly reason?: string;
  readonly json: boolean;
}

// --- the gateway's answers (the HTTP contract of /v1/approvals) -------------------------------

interface ApprovalView {
  readonly approvalId: string;
  readonly requestId: string;
  readonly status: RequestStatus;
  readonly connection: string;
  readonly requester: { readonly sub: string; readonly actsFor: string | null };
  readonly groups: readonly string[];
  readonly quorum: number;
  readonly decisions: readonly {
    readonly reviewer: string | { readonly sub: string };
    readonly verdict: 'approve' | 'deny';
    readonly reason: string;
    readonly at: string;
  }[];
  readonly justification: string | null;
  readonly request: {
    readonly kind: 'sql';
    readonly sql: string;
    readonly paramCount: number;
    readonly facts: unknown;
  };
  readonly preview: {
    readonly estimatedRows: number | null;
    readonly tablesWritten: readonly string[];
  } | null;
  readonly maxAffectedRows: number;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decision: {
    readonly rule: string;
    readonly reason: string;
    readonly policyIds: readonly string[];
    readonly policyVersion: string;
  };
  readonly outcome: {
    readonly at: string;
    readonly code?: string;
    readonly message?: string;
    readonly result?: unknown;
  } | null;
}

// --- where the gateway is, and the token -------------------------------------------------------

/** TOLLGATE_PORT of `tollgate start`, where the local gateway listens on 127.0.0.1. */
const DEFAULT_PORT = 8080;
/** A minted token lives long enough for one command. */
const MINTED_TTL_SECONDS = 300;
const DEFAULT_REVIEWER_GROUPS = 'reviewers';
const ANSWER_TIMEOUT_MS = 30_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

interface Gateway {
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
const givenToken = (options: ApprovalsOptions, env: Env): string | undefined => {
  const [token, from] =
    options.token !== undefined ? [options.token, '--token'] : [env.TOLLGATE_TOKEN, 'TOLLGATE_TOKEN'];
  const trimmed = token?.trim();
  if (!trimmed) return undefined;
  // Checked here: fetch's own refusal of a bad header value quotes the value.
  if (!/^[\x21-\x7e]+$/.test(trimmed)) throw new UsageError(`the token in ${from} is not one printable word`);
  return trimmed;
};

const mintToken = (options: ApprovalsOptions, ctx: CliContext): { token: string; dataDir: string } => {
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
  if (!sub) throw new UsageError('say who reviews with --sub <id> (USER is not set)');
  const groups = (options.groups ?? DEFAULT_REVIEWER_GROUPS)
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  return { token: issuer.signToken({ sub, groups, ttlSeconds: MINTED_TTL_SECONDS }), dataDir };
};

const gatewayOf = (options: ApprovalsOptions, ctx: CliContext): Gateway => {
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
  const minted = mintToken(options, ctx);
  return { base, token: minted.token, mintedFrom: minted.dataDir, local: true };
};

// --- HTTP ------------------------------------------------------------------------------------

/** The gateway refused: its stable code and message, as `<message> (<code>)`. */
class GatewayRefusal extends Error {
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

const call = async (
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

const approvalOf = (answer: Record<string, unknown>): ApprovalView => {
  const { approval } = answer;
  if (typeof approval !== 'object' || approval === null)
    throw new Error('the gateway answered without an approval');
  return approval as ApprovalView;
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
const line = (text: string): string => escaped(String(text), false);
/** Text from the gateway shown as lines, each indented. */
const block = (text: string, indent: string): string =>
  escaped(String(text), true)
    .split('\n')
    .map((l) => `${indent}${l}`)
    .join('\n');

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `42m`, `3h 5m`, `2d 4h`: whole units, rounded down. */
const span = (ms: number): string => {
  const seconds = Math.floor(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`;
};

const untilExpiry = (a: ApprovalView, now: number): number => Date.parse(a.expiresAt) - now;

const relative = (ms: number): string => (ms > 0 ? `in ${span(ms)}` : `${span(ms)} ago`);

const approvalsGiven = (a: ApprovalView) => a.decisions.filter((d) => d.verdict === 'approve').length;

const reviewerOf = (d: ApprovalView['decisions'][number]) =>
  line(typeof d.reviewer === 'string' ? d.reviewer : d.reviewer.sub);

const SQL_COLUMN = 60;

/** The first line of the masked SQL, shortened; `…` marks what is left out. */
const sqlSummary = (sql: string): string => {
  const lines = sql.trim().split('\n');
  const first = line(lines[0]!.trim());
  if (first.length > SQL_COLUMN) return `${first.slice(0, SQL_COLUMN - 1)}…`;
  return lines.length > 1 ? `${first} …` : first;
};

const statusWords = (status: string) =>
  status === 'pending_approval' ? 'pending' : `with status ${line(status)}`;

const listLines = (approvals: readonly ApprovalView[], status: string, now: number): string[] => {
  if (approvals.length === 0) return [`No approvals ${statusWords(status)}.`];
  const rows = approvals.map((a) => {
    const left = untilExpiry(a, now);
    return [
      line(a.approvalId),
      line(a.connection),
      line(a.requester.sub),
      a.requester.actsFor === null ? '-' : line(a.requester.actsFor),
      // An expiry matters only while the approval waits for decisions.
      a.status !== 'pending_approval' ? '-' : left > 0 ? span(left) : 'expired',
      sqlSummary(a.request.sql),
    ];
  });
  const header = ['ID', 'CONNECTION', 'REQUESTER', 'ACTS FOR', 'EXPIRES IN', 'SQL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [
    `${plural(approvals.length, 'approval')} ${statusWords(status)}:`,
    format(header),
    ...rows.map(format),
  ];
  if (status === 'pending_approval')
    lines.push(
      '',
      'The whole request: tollgate approvals show <id>; decide: tollgate approvals approve|deny <id> --reason "..."',
    );
  return lines;
};

const LABEL = 15;
const field = (label: string, value: string) => `  ${label.padEnd(LABEL)}${value}`;

const previewText = (a: ApprovalView): string => {
  const bound = `rolled back above ${plural(a.maxAffectedRows, 'row')}`;
  if (!a.preview) return `no preview; ${bound}`;
  const rows =
    a.preview.estimatedRows === null ? 'rows unknown' : `about ${plural(a.preview.estimatedRows, 'row')}`;
  const tables = a.preview.tablesWritten.length
    ? a.preview.tablesWritten.map(line).join(', ')
    : 'no table named';
  return `${rows}; writes ${tables}; ${bound}`;
};

const json = (value: unknown, indent: string) => block(JSON.stringify(value, null, 2) ?? 'null', indent);

const showLines = (a: ApprovalView, now: number): string[] => {
  const requester =
    a.requester.actsFor === null
      ? line(a.requester.sub)
      : `${line(a.requester.sub)}, acting for ${line(a.requester.actsFor)}`;
  const lines = [
    `Approval ${line(a.approvalId)}: ${line(a.status)}, ${approvalsGiven(a)} of ${a.quorum} approvals`,
    field('request', line(a.requestId)),
    field('connection', line(a.connection)),
    field('requester', requester),
    field('reviewers', `${a.groups.map(line).join(' or ')}; quorum ${a.quorum}`),
    field('created', line(a.createdAt)),
    field('expires', `${line(a.expiresAt)} (${relative(untilExpiry(a, now))})`),
    field('held by', `${line(a.decision.rule)}: ${line(a.decision.reason)}`),
    field(
      'policies',
      `${a.decision.policyIds.map(line).join(', ') || 'none'} (policy version ${line(a.decision.policyVersion)})`,
    ),
    field('justification', a.justification === null ? 'none given' : line(a.justification)),
    field('impact', previewText(a)),
    `  SQL (literals masked; ${plural(a.request.paramCount, 'parameter')}, values not shown):`,
    block(a.request.sql, '    '),
    '  facts:',
    json(a.request.facts, '    '),
  ];
  if (a.decisions.length === 0) lines.push(field('decisions', 'none yet'));
  else {
    lines.push('  decisions:');
    for (const d of a.decisions)
      lines.push(`    ${line(d.at)}  ${line(d.verdict)}  ${reviewerOf(d)}: ${line(d.reason)}`);
  }
  if (a.outcome === null) lines.push(field('outcome', 'none yet'));
  else {
    const { at, code, message, result } = a.outcome;
    const why = [code, message].filter((part) => part !== undefined).map((part) => line(part!));
    lines.push(field('outcome', [line(at), ...why].join('  ')));
    if (result !== undefined) lines.push('  result:', json(result, '    '));
  }
  return lines;
};

/** What a decision led to: `approved (1 of 1)`, `pending: 1 of 2 approvals`, `denied`. */
const decidedLine = (a: ApprovalView): string => {
  const given = approvalsGiven(a);
  if (a.status === 'pending_approval') return `pending: ${given} of ${a.quorum} approvals`;
  if (a.status === 'denied') return 'denied';
  return `${line(a.status)} (${given} of ${a.quorum})`;
};

// --- entry -----------------------------------------------------------------------------------

const wireStatus = (status: string | undefined): string =>
  status === undefined || status === 'pending' ? 'pending_approval' : status;

/** Runs `tollgate approvals <subcommand>` on parsed options; answers 0, or throws (exit 1, or 2 for usage). */
export const runApprovals = async (
  name: ApprovalsSubcommand,
  approvalId: string | undefined,
  options: ApprovalsOptions,
  ctx: CliContext,
): Promise<number> => {
  const gateway = gatewayOf(options, ctx);
  const out = (lines: readonly string[]) => ctx.io.stdout(`${lines.join('\n')}\n`);
  const path = `/v1/approvals/${encodeURIComponent(approvalId ?? '')}`;
  let answer: Record<string, unknown>;
  switch (name) {
    case 'list': {
      const status = wireStatus(options.status);
      answer = await call(gateway, 'GET', `/v1/approvals?status=${encodeURIComponent(status)}`);
      if (!Array.isArray(answer.approvals))
        throw new Error('the gateway answered without a list of approvals');
      if (!options.json) out(listLines(answer.approvals as ApprovalView[], status, Date.now()));
      break;
    }
    case 'show':
      answer = await call(gateway, 'GET', path);
      if (!options.json) out(showLines(approvalOf(answer), Date.now()));
      break;
    case 'approve':
    case 'deny':
      answer = await call(gateway, 'POST', `${path}/${name}`, { reason: options.reason! });
      if (!options.json) out([decidedLine(approvalOf(answer))]);
      break;
  }
  if (options.json) out([JSON.stringify(answer, null, 2)]);
  return 0;
};
