// `tollgate approvals list|show|approve|deny`: a reviewer's view of the requests held for approval,
// over the gateway's HTTP API (/v1/approvals), locally or on a deployed URL. The token comes from
// --token, else TOLLGATE_TOKEN; for the local gateway it may be minted by the data dir's
// development issuer, as `tollgate token` does. The token is sent only as the Authorization header:
// never printed, and never put in a message. Text the gateway answers (masked SQL, names,
// justifications, messages) is written by agents and people: characters that could rewrite or hide
// what a reviewer reads (terminal escapes, bidirectional overrides) are shown escaped.

import type { RequestStatus } from '../lambdas/core/approval/approval.js';
import type { CliContext } from './cli-kit.js';
import { block, call, type GatewayOptions, gatewayOf, line } from './gateway-client.js';

export type ApprovalsSubcommand = 'list' | 'show' | 'approve' | 'deny';

/** The parsed options of `tollgate approvals <subcommand>` (cli-program.ts); each takes some. */
export interface ApprovalsOptions extends GatewayOptions {
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

const approvalOf = (answer: Record<string, unknown>): ApprovalView => {
  const { approval } = answer;
  if (typeof approval !== 'object' || approval === null)
    throw new Error('the gateway answered without an approval');
  return approval as ApprovalView;
};

// --- output ----------------------------------------------------------------------------------

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
  const gateway = gatewayOf(options, ctx, 'reviewers');
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
