// A session's timeline as terminal text (`tollgate replay <sessionId>`): the chain verdict first,
// then one aligned block per request. Every recorded string is shown with its hidden characters
// written out, so nothing an agent or a person wrote can drive the terminal; colour on request.
import {
  duration,
  plural,
  principalLine,
  STATUS_LABELS,
  shorten,
  statusTone,
  visibleText,
} from './render-support.js';
import type {
  Timeline,
  TimelineApproval,
  TimelineDecision,
  TimelineOutcome,
  TimelineRequest,
  TimelineStatus,
  TimelineStep,
} from './timeline.js';

export interface TextOptions {
  /** ANSI colours (a terminal that is a TTY, without NO_COLOR). */
  readonly color: boolean;
}

type Paint = (text: string, style: 'good' | 'bad' | 'open' | 'dim' | 'bold') => string;

const ANSI = { good: '32', bad: '31', open: '33', dim: '2', bold: '1' } as const;

const painter = (color: boolean): Paint =>
  color ? (text, style) => `\x1b[${ANSI[style]}m${text}\x1b[0m` : (text) => text;

/** A recorded string on one line. */
const s = (text: string | null | undefined, missing = '-'): string =>
  text === null || text === undefined ? missing : visibleText(text);

const LABEL = 12;
const INDENT = '  ';
const CONTINUED = ' '.repeat(INDENT.length + LABEL);

/** `label  value`, aligned; further lines of `value` (newline-separated) under the first. */
const field = (label: string, value: string): string =>
  `${INDENT}${label.padEnd(LABEL)}${value.split('\n').join(`\n${CONTINUED}`)}`;

const more = (value: string): string => `${CONTINUED}${value}`;

const statusText = (status: TimelineStatus, paint: Paint) => paint(STATUS_LABELS[status], statusTone(status));

const outcomeTone = (outcome: string | null): 'good' | 'bad' | 'open' =>
  outcome === 'allow' ? 'good' : outcome === 'block' || outcome === 'deny' ? 'bad' : 'open';

const decisionLines = (d: TimelineDecision, again: boolean, paint: Paint): string[] => {
  const lines = [
    field(
      'decision',
      `${s(d.at)}  ${again ? 'again before running: ' : ''}${paint(s(d.outcome), outcomeTone(d.outcome))} by ${s(d.rule)}` +
        `  (policies ${d.policyIds.length > 0 ? d.policyIds.map((p) => s(p)).join(', ') : 'none'}; version ${s(d.policyVersion)})`,
    ),
  ];
  if (d.reason !== null) lines.push(more(`reason: ${s(d.reason)}`));
  if (d.hint !== null) lines.push(more(`hint: ${s(d.hint)}`));
  if (d.statements.length > 0)
    lines.push(
      more(
        `statements: ${d.statements
          .map(
            (st) => `${s(st.kind)}${st.tables.length > 0 ? ` ${st.tables.map((t) => s(t)).join(', ')}` : ''}`,
          )
          .join('; ')}`,
      ),
    );
  return lines;
};

const requestedLines = (a: TimelineApproval): string[] => [
  field(
    'approval',
    `${s(a.requestedAt)}  requested ${s(a.approvalId)} from ${a.groups.map((g) => s(g)).join(', ') || '-'}` +
      `, quorum ${a.quorum ?? '-'}, expires ${s(a.expiresAt)}`,
  ),
  more(`justification: ${a.justification === null ? 'none given' : `"${s(a.justification)}"`}`),
  more(
    `bound: ${a.maxAffectedRows === null ? 'not bounded' : plural(a.maxAffectedRows, 'row')} · fingerprint ${s(a.fingerprint)}`,
  ),
];

const outcomeLines = (o: TimelineOutcome, paint: Paint): string[] => {
  if (o.kind === 'failed') {
    const codes = [
      o.sqlState === null ? null : `SQLSTATE ${s(o.sqlState)}`,
      o.condition === null ? null : s(o.condition),
      o.rule === null ? null : `rule ${s(o.rule)}`,
      o.durationMs === null ? null : duration(o.durationMs),
    ].filter((x) => x !== null);
    return [
      field(
        'failed',
        `${s(o.at)}  ${paint(s(o.code), 'bad')}${codes.length > 0 ? `  (${codes.join(', ')})` : ''}`,
      ),
      ...(o.message === null ? [] : [more(s(o.message))]),
    ];
  }
  const counts = [
    o.rowCount === null ? null : plural(o.rowCount, 'row'),
    o.affectedRows === null ? null : `${o.affectedRows} affected`,
    o.truncated ? 'truncated' : null,
    o.durationMs === null ? null : duration(o.durationMs),
  ].filter((x) => x !== null);
  const lines = [field('completed', `${s(o.at)}  ${paint('completed', 'good')}  ${counts.join(', ')}`)];
  const { maskedColumns, detected, unmasked } = o.masking;
  if (maskedColumns.length > 0)
    lines.push(
      more(
        `masked columns: ${maskedColumns
          .map(
            (c) =>
              `${s(c.column)} (${c.dataClasses.length > 0 ? c.dataClasses.map((d) => s(d)).join('+') : 'unknown lineage'}, ${s(c.reason)})`,
          )
          .join(', ')}`,
      ),
    );
  const found = Object.entries(detected);
  if (found.length > 0)
    lines.push(more(`detected values masked: ${found.map(([c, n]) => `${s(c)} ${n}`).join(', ')}`));
  if (unmasked.length > 0)
    lines.push(more(`shown raw (data:unmask): ${unmasked.map((c) => s(c)).join(', ')}`));
  if (maskedColumns.length === 0 && found.length === 0) lines.push(more('nothing masked'));
  return lines;
};

/** `again`: a decision taken once more just before an approved request runs. */
const stepLines = (step: TimelineStep, again: boolean, paint: Paint): string[] => {
  switch (step.kind) {
    case 'decision':
      return decisionLines(step.decision, again, paint);
    case 'approval-requested':
      return requestedLines(step.approval);
    case 'approval-decided': {
      const d = step.decision;
      const who =
        d.reviewer === null ? 'an unknown reviewer' : `${s(d.reviewer.sub)} (${s(d.reviewer.issuer)})`;
      const verdict =
        d.verdict === 'approve'
          ? paint('approved', 'good')
          : d.verdict === 'deny'
            ? paint('denied', 'bad')
            : s(d.verdict);
      return [
        field(
          'reviewed',
          `${s(d.at)}  ${verdict} by ${who} for ${s(d.group)}, ${d.approvals ?? '-'} of ${d.quorum ?? '-'}`,
        ),
        more(`reason: "${s(d.reason)}"`),
      ];
    }
    case 'approval-ended': {
      const end = step.approval.end!;
      return [
        field(
          end.kind,
          `${s(end.at)}  ${paint(s(end.status ?? end.kind), 'bad')} ${s(step.approval.approvalId)}${end.code === null ? '' : ` (${s(end.code)})`}`,
        ),
        ...(end.message === null ? [] : [more(s(end.message))]),
      ];
    }
    case 'executing': {
      const x = step.executing;
      return [
        field(
          'executing',
          `${s(x.at)}  approved by ${x.approvedBy.map((b) => s(b)).join(', ') || '-'}` +
            `, bound ${x.approvedMaxAffectedRows === null ? 'none' : plural(x.approvedMaxAffectedRows, 'row')}`,
        ),
      ];
    }
    case 'outcome':
      return outcomeLines(step.outcome, paint);
    case 'config': {
      const c = step.change;
      return [
        field(
          c.subject,
          `${s(c.at)}  ${c.failed ? paint(`push failed (${s(c.reason)})`, 'bad') : paint(`version ${c.version ?? '-'}`, 'good')}` +
            ` (was ${c.previousVersion ?? '-'}) by ${s(c.actor)}${c.comment === null ? '' : `: "${s(c.comment)}"`}`,
        ),
      ];
    }
    case 'other':
      return [
        field('event', `${s(step.event.at)}  ${s(step.event.type)}`),
        more(`data: ${s(shorten(JSON.stringify(step.data), 400))}`),
      ];
  }
};

const requestBlock = (r: TimelineRequest, total: number, paint: Paint): string => {
  const lines = [
    `${paint(`[${r.index}/${total}] ${s(r.requestId)}`, 'bold')}  ${statusText(r.status, paint)}`,
  ];
  if (r.receivedAt !== null || r.principal !== null)
    lines.push(
      field(
        'received',
        `${s(r.receivedAt)}  ${r.principal === null ? 'unknown principal' : s(principalLine(r.principal))}`,
      ),
    );
  if (r.connection !== null) {
    const c = r.decision?.connection;
    lines.push(field('connection', `${s(r.connection)}${c ? ` (${s(c.kind)}, ${s(c.environment)})` : ''}`));
  }
  if (r.text !== null) lines.push(field(r.kind === 'sql' ? 'sql' : 'request', visibleText(r.text, true)));
  else if (r.receivedAt !== null) lines.push(field('request', '(the body did not parse)'));
  if (r.sqlHmac !== null || (r.paramCount ?? 0) > 0)
    lines.push(
      field(
        'digests',
        `sql hmac ${s(r.sqlHmac)} · ${plural(r.paramCount ?? 0, 'param')}${r.paramsHmac === null ? '' : ` hmac ${s(r.paramsHmac)}`}`,
      ),
    );
  let running = false;
  for (const step of r.steps) {
    running ||= step.kind === 'executing';
    lines.push(...stepLines(step, running, paint));
  }
  const typeWidth = Math.max(...r.events.map((e) => visibleText(e.type).length));
  r.events.forEach((e, i) => {
    const line = `#${String(e.seq).padEnd(5)} ${s(e.type).padEnd(typeWidth)}  ${s(e.at)}  ${s(e.hash)}${e.verified ? '' : ' UNVERIFIED'}`;
    lines.push(
      i === 0
        ? field('events', paint(line, e.verified ? 'dim' : 'bad'))
        : more(paint(line, e.verified ? 'dim' : 'bad')),
    );
  });
  return lines.join('\n');
};

const countsLine = (timeline: Timeline): string => {
  const counts = new Map<TimelineStatus, number>();
  for (const r of timeline.requests) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const parts = [...counts.entries()].map(([status, n]) => `${n} ${STATUS_LABELS[status]}`);
  return `${timeline.requests.length}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
};

/** The timeline as terminal text; ANSI colours only when `color` is true. */
export const renderTimelineText = (timeline: Timeline, options: TextOptions): string => {
  const paint = painter(options.color);
  const { chain } = timeline;
  const head = (label: string, value: string) => `${label.padEnd(LABEL + INDENT.length)}${value}`;
  const verdict = chain.ok
    ? paint(`verified: ${plural(chain.events, 'event')}, head #${chain.head.seq} ${chain.head.hash}`, 'good')
    : paint(
        `BROKEN at ${chain.seq === null ? 'an unreadable event' : `seq ${chain.seq}`}: ${s(chain.problem)}` +
          (chain.seq === null ? '' : ` (events from #${chain.seq} on are unverified)`),
        'bad',
      );
  const lines = [
    paint(`Tollgate session replay: ${s(timeline.sessionId)}`, 'bold'),
    head('chain', verdict),
    ...(chain.duplicatesDropped > 0
      ? [
          head(
            '',
            `${plural(chain.duplicatesDropped, 'identical copy', 'identical copies')} of events left out`,
          ),
        ]
      : []),
    head(
      'owner',
      timeline.owner === null ? 'unknown (no request.received recorded)' : s(principalLine(timeline.owner)),
    ),
    ...timeline.principals.slice(1).map((p) => head('also', paint(s(principalLine(p)), 'bad'))),
    head(
      'period',
      timeline.firstAt === null ? 'no events' : `${s(timeline.firstAt)} to ${s(timeline.lastAt)}`,
    ),
    head('requests', countsLine(timeline)),
  ];
  const blocks = timeline.requests.map((r) => requestBlock(r, timeline.requests.length, paint));
  return `${[lines.join('\n'), ...blocks].join('\n\n')}\n`;
};
