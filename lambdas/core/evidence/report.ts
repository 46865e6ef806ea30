// The evidence report: figures over a period from recorded sessions (requests by principal and
// outcome over time, blocks by rule, approvals with their latency, masking by data class), and
// report.html of an evidence bundle, self-contained, its charts inline SVG each with its table.

import { BadRequestError } from '../errors.js';
import type { SessionEvent } from '../recording/events.js';
import {
  BASE_CSS,
  duration,
  escapeHtml,
  htmlAttr,
  htmlPage,
  htmlText,
  plural,
  shorten,
  timeElement,
  visibleText,
} from './render-support.js';
import { sessionTimeline, type TimelineRequest } from './timeline.js';

/** How a request ended, as the report counts it. */
export type ReportOutcome =
  | 'completed'
  | 'blocked'
  | 'denied'
  | 'rejected'
  | 'expired'
  | 'failed'
  | 'pending';

/** The outcomes in the order charts stack them. */
export const REPORT_OUTCOMES: readonly ReportOutcome[] = [
  'completed',
  'pending',
  'blocked',
  'denied',
  'rejected',
  'expired',
  'failed',
];

const OUTCOME_LABELS: Readonly<Record<ReportOutcome, string>> = {
  completed: 'completed',
  pending: 'no outcome yet',
  blocked: 'blocked',
  denied: 'denied by policy',
  rejected: 'denied by a reviewer',
  expired: 'approval expired',
  failed: 'failed',
};

export type OutcomeCounts = Readonly<Record<ReportOutcome, number>>;

export interface ReportApproval {
  readonly sessionId: string;
  readonly requestId: string;
  readonly approvalId: string;
  /** The requesting principal's `sub`, and the person it acted for. */
  readonly requester: string | null;
  readonly actsFor: string | null;
  readonly connection: string | null;
  readonly groups: readonly string[];
  readonly quorum: number | null;
  readonly requestedAt: string | null;
  /** When the verdict was reached; null while undecided, or expired. */
  readonly decidedAt: string | null;
  /** `requestedAt` to `decidedAt`, in milliseconds. */
  readonly latencyMs: number | null;
  readonly status: 'approved' | 'denied' | 'expired' | 'failed' | 'pending';
  /** Every recorded decision, in order. */
  readonly reviewers: ReadonlyArray<{
    readonly sub: string | null;
    readonly verdict: string | null;
    readonly at: string;
    readonly reason: string | null;
  }>;
}

export interface ReportFigures {
  readonly from: string;
  readonly to: string;
  /** Hourly buckets for a period of up to two days, daily beyond. */
  readonly bucket: 'hour' | 'day';
  readonly totals: {
    /** Sessions with a request in the period. */
    readonly sessions: number;
    readonly requests: number;
    readonly byOutcome: OutcomeCounts;
    readonly approvalsRequested: number;
    readonly approvalsApproved: number;
    readonly approvalsDenied: number;
    readonly approvalsExpired: number;
    readonly approvalsPending: number;
    /** Values the detectors masked in results. */
    readonly maskedValues: number;
    /** Result columns masked by lineage (or whole, lineage unknown). */
    readonly maskedColumns: number;
    readonly configChanges: number;
    /** Sessions given whose hash chain does not verify. */
    readonly brokenChains: number;
  };
  /** Every bucket of the period, empty ones included. */
  readonly requestsOverTime: ReadonlyArray<{
    readonly start: string;
    readonly end: string;
    readonly total: number;
    readonly counts: OutcomeCounts;
  }>;
  /** Principals as `sub@issuer`, most requests first. */
  readonly requestsByPrincipal: ReadonlyArray<{
    readonly principal: string;
    readonly sub: string;
    readonly issuer: string;
    readonly actsFor: readonly string[];
    readonly total: number;
    readonly counts: OutcomeCounts;
  }>;
  /** Requests blocked or denied, by the rule that refused them, most first. */
  readonly blockedByRule: ReadonlyArray<{ readonly rule: string; readonly count: number }>;
  /** Approvals requested in the period, in order of request. */
  readonly approvals: readonly ReportApproval[];
  /** Masking by data class, most values first (`(lineage unknown)` for columns masked whole). */
  readonly maskedByClass: ReadonlyArray<{
    readonly dataClass: string;
    readonly values: number;
    readonly columns: number;
  }>;
  /** Policy and connection pushes recorded in the period. */
  readonly configChanges: ReadonlyArray<{
    readonly sessionId: string;
    readonly at: string;
    readonly subject: 'policy' | 'connections';
    readonly failed: boolean;
    readonly version: number | null;
    readonly previousVersion: number | null;
    readonly actor: string | null;
    readonly comment: string | null;
  }>;
  /** Sessions whose chain does not verify (their figures are counted, and flagged here). */
  readonly brokenChains: ReadonlyArray<{
    readonly sessionId: string;
    readonly seq: number | null;
    readonly problem: string;
  }>;
}

export interface ReportInput {
  /** ISO-8601; the period is [from, to). */
  readonly from: string;
  readonly to: string;
  readonly sessions: ReadonlyArray<{ readonly sessionId: string; readonly events: readonly SessionEvent[] }>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Three years of days: beyond it a chart says nothing a table would not. */
const MAX_BUCKETS = 3 * 366;
const UNRESOLVED = '(lineage unknown)';

const instant = (name: string, value: string): number => {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new BadRequestError(`${name} must be an ISO-8601 time, e.g. 2026-11-01T00:00:00Z.`);
  return ms;
};

const zero = (): Record<ReportOutcome, number> => ({
  completed: 0,
  pending: 0,
  blocked: 0,
  denied: 0,
  rejected: 0,
  expired: 0,
  failed: 0,
});

/** The report's outcome of a request (refusals recorded as failures keep their kind). */
const outcomeOf = (r: TimelineRequest): ReportOutcome => {
  switch (r.status) {
    case 'completed':
      return 'completed';
    case 'blocked':
      return 'blocked';
    case 'denied':
      return 'denied';
    case 'rejected':
      return 'rejected';
    case 'expired':
      return 'expired';
    case 'failed':
      if (r.outcome?.kind === 'failed' && r.outcome.code === 'blocked') return 'blocked';
      if (r.outcome?.kind === 'failed' && r.outcome.code === 'denied') return 'denied';
      return 'failed';
    case 'outcome_unknown':
      return 'failed';
    default:
      return 'pending';
  }
};

/** The rule that refused a blocked or denied request. */
const refusingRule = (r: TimelineRequest): string | null => {
  if (r.outcome?.kind === 'failed') return r.outcome.rule;
  const refusal = [...r.decisions].reverse().find((d) => d.outcome === 'block' || d.outcome === 'deny');
  return refusal?.rule ?? null;
};

/** By code unit (ISO times sort as text). */
const inOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Larger first, then by name: figures in a stable order. */
const largerFirst = (a: number, b: number, nameA: string, nameB: string) => b - a || inOrder(nameA, nameB);

/**
 * The figures of a period. A request belongs to the period by the time it was received (its
 * first event when none was recorded); its approvals and masking count with it. Throws
 * BadRequestError for a period that is not two ISO-8601 times in order.
 */
export const reportFigures = (input: ReportInput): ReportFigures => {
  const from = instant('from', input.from);
  const to = instant('to', input.to);
  if (to <= from) throw new BadRequestError('to must be later than from.');
  const bucket = to - from <= 2 * DAY ? 'hour' : 'day';
  const size = bucket === 'hour' ? HOUR : DAY;
  const first = Math.floor(from / size) * size;
  const count = Math.ceil((to - first) / size);
  if (count > MAX_BUCKETS) throw new BadRequestError('The period is too long: at most three years.');
  const buckets = Array.from({ length: count }, (_, i) => ({
    start: new Date(first + i * size).toISOString(),
    end: new Date(first + (i + 1) * size).toISOString(),
    total: 0,
    counts: zero(),
  }));

  const byOutcome = zero();
  const principals = new Map<
    string,
    {
      sub: string;
      issuer: string;
      actsFor: Set<string>;
      total: number;
      counts: Record<ReportOutcome, number>;
    }
  >();
  const rules = new Map<string, number>();
  const classes = new Map<string, { values: number; columns: number }>();
  const approvals: ReportApproval[] = [];
  const configChanges: ReportFigures['configChanges'][number][] = [];
  const brokenChains: ReportFigures['brokenChains'][number][] = [];
  const sessions = new Set<string>();
  let requests = 0;
  let maskedValues = 0;
  let maskedColumns = 0;
  const classOf = (name: string) => {
    let c = classes.get(name);
    if (!c) {
      c = { values: 0, columns: 0 };
      classes.set(name, c);
    }
    return c;
  };

  for (const session of input.sessions) {
    const timeline = sessionTimeline(session.sessionId, session.events);
    if (!timeline.chain.ok)
      brokenChains.push({
        sessionId: session.sessionId,
        seq: timeline.chain.seq,
        problem: timeline.chain.problem,
      });
    for (const r of timeline.requests) {
      // Reads in the access-audit session and unknown events are not requests.
      if (r.status === 'other') continue;
      const at = Date.parse(r.receivedAt ?? r.firstAt);
      if (Number.isNaN(at) || at < from || at >= to) continue;
      if (r.config !== null) {
        const c = r.config;
        configChanges.push({
          sessionId: session.sessionId,
          at: c.at,
          subject: c.subject,
          failed: c.failed,
          version: c.version,
          previousVersion: c.previousVersion,
          actor: c.actor,
          comment: c.comment,
        });
        continue;
      }
      requests += 1;
      sessions.add(session.sessionId);
      const outcome = outcomeOf(r);
      byOutcome[outcome] += 1;
      const b = buckets[Math.floor((at - first) / size)]!;
      b.total += 1;
      b.counts[outcome] += 1;
      const p = r.principal;
      const key = p === null ? '(unknown)' : `${p.sub}@${p.issuer}`;
      let row = principals.get(key);
      if (!row) {
        row = {
          sub: p?.sub ?? '(unknown)',
          issuer: p?.issuer ?? '',
          actsFor: new Set(),
          total: 0,
          counts: zero(),
        };
        principals.set(key, row);
      }
      if (p?.actsFor) row.actsFor.add(p.actsFor);
      row.total += 1;
      row.counts[outcome] += 1;
      if (outcome === 'blocked' || outcome === 'denied') {
        const rule = refusingRule(r) ?? '(no rule recorded)';
        rules.set(rule, (rules.get(rule) ?? 0) + 1);
      }
      if (r.outcome?.kind === 'completed') {
        for (const [dataClass, n] of Object.entries(r.outcome.masking.detected)) {
          classOf(dataClass).values += n;
          maskedValues += n;
        }
        for (const column of r.outcome.masking.maskedColumns) {
          maskedColumns += 1;
          for (const dataClass of column.dataClasses.length > 0 ? column.dataClasses : [UNRESOLVED])
            classOf(dataClass).columns += 1;
        }
      }
      for (const a of r.approvals) {
        const status =
          a.verdict === 'approved'
            ? 'approved'
            : a.verdict === 'denied'
              ? 'denied'
              : a.end?.kind === 'expired'
                ? 'expired'
                : a.end?.kind === 'failed'
                  ? 'failed'
                  : 'pending';
        const requested = a.requestedAt === null ? Number.NaN : Date.parse(a.requestedAt);
        const decided = a.decidedAt === null ? Number.NaN : Date.parse(a.decidedAt);
        approvals.push({
          sessionId: session.sessionId,
          requestId: r.requestId,
          approvalId: a.approvalId,
          requester: p?.sub ?? null,
          actsFor: p?.actsFor ?? null,
          connection: r.connection,
          groups: a.groups,
          quorum: a.quorum,
          requestedAt: a.requestedAt,
          decidedAt: a.decidedAt,
          latencyMs: Number.isNaN(requested) || Number.isNaN(decided) ? null : decided - requested,
          status,
          reviewers: a.decisions.map((d) => ({
            sub: d.reviewer?.sub ?? null,
            verdict: d.verdict,
            at: d.at,
            reason: d.reason,
          })),
        });
      }
    }
  }

  const countApprovals = (status: ReportApproval['status']) =>
    approvals.filter((a) => a.status === status).length;
  return {
    from: input.from,
    to: input.to,
    bucket,
    totals: {
      sessions: sessions.size,
      requests,
      byOutcome,
      approvalsRequested: approvals.length,
      approvalsApproved: countApprovals('approved'),
      approvalsDenied: countApprovals('denied'),
      approvalsExpired: countApprovals('expired'),
      approvalsPending: countApprovals('pending'),
      maskedValues,
      maskedColumns,
      configChanges: configChanges.length,
      brokenChains: brokenChains.length,
    },
    requestsOverTime: buckets,
    requestsByPrincipal: [...principals.entries()]
      .map(([principal, row]) => ({
        principal,
        sub: row.sub,
        issuer: row.issuer,
        actsFor: [...row.actsFor].sort(),
        total: row.total,
        counts: row.counts,
      }))
      .sort((a, b) => largerFirst(a.total, b.total, a.principal, b.principal)),
    blockedByRule: [...rules.entries()]
      .map(([rule, count]) => ({ rule, count }))
      .sort((a, b) => largerFirst(a.count, b.count, a.rule, b.rule)),
    approvals: approvals.sort((a, b) => inOrder(a.requestedAt ?? '', b.requestedAt ?? '')),
    maskedByClass: [...classes.entries()]
      .map(([dataClass, c]) => ({ dataClass, values: c.values, columns: c.columns }))
      .sort((a, b) => b.values - a.values || largerFirst(a.columns, b.columns, a.dataClass, b.dataClass)),
    configChanges: configChanges.sort((a, b) => inOrder(a.at, b.at)),
    brokenChains,
  };
};

// --- report.html -----------------------------------------------------------------------------

export interface ReportControl {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  readonly evidence: readonly string[];
}

export interface ReportHtmlInput {
  readonly generatedAt: string;
  readonly from: string;
  readonly to: string;
  readonly figures: ReportFigures;
  /** The bundle's verification; null when the report is rendered without one. */
  readonly verification: { readonly ok: boolean; readonly problems: readonly string[] } | null;
  readonly controls: readonly ReportControl[];
}

const OUTCOME_COLOURS: Readonly<Record<ReportOutcome, string>> = {
  completed: '#1a7f37',
  pending: '#8c959f',
  blocked: '#cf222e',
  denied: '#8250df',
  rejected: '#bc4c00',
  expired: '#d4a72c',
  failed: '#0a3069',
};

const CSS = `${BASE_CSS}
${REPORT_OUTCOMES.map((o) => `.o-${o}{fill:${OUTCOME_COLOURS[o]};background:${OUTCOME_COLOURS[o]}}`).join('\n')}
.s-values{fill:#0969da;background:#0969da}
.s-columns{fill:#bf8700;background:#bf8700}
.s-latency{fill:#8250df;background:#8250df}
.s-bar{fill:#cf222e;background:#cf222e}
figure{margin:1rem 0 2rem;padding:0}
figcaption{font-weight:600;margin:.25rem 0}
.chart{overflow-x:auto;max-width:100%}
.chart svg{display:block;width:100%;height:auto}
.chart.wide svg{min-width:30rem}
.chart.bars svg{max-width:36rem}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#1b1f24}
svg .axis{stroke:#8c959f;stroke-width:1}
svg .grid{stroke:#d0d7de;stroke-width:1;stroke-dasharray:3 3}
svg .empty{fill:#57606a}
ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;margin:.25rem 0;font-size:.9rem}
.sw{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.35em;vertical-align:-.1em}
dl.totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.5rem;margin:.5rem 0}
dl.totals div{border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem}
dl.totals dt{color:var(--muted);font-size:.85rem}
dl.totals dd{margin:0;font-size:1.4rem;font-weight:600;font-variant-numeric:tabular-nums}
article.control{border-top:1px solid var(--line);padding-top:.5rem;margin-top:1rem}
@media print{*{print-color-adjust:exact;-webkit-print-color-adjust:exact}.chart.wide svg{min-width:0}}
`;

const svgText = (text: string) => escapeHtml(visibleText(text));
const fmt = (n: number) => String(Math.round(n * 10) / 10);

/** A round axis maximum at or above `max`: 1, 2, 5 × 10^k. */
const niceMax = (max: number): number => {
  if (max <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].find((m) => m * p >= max) ?? 10) * p;
};

const bucketLabel = (iso: string, bucket: 'hour' | 'day', withDate: boolean): string =>
  bucket === 'hour'
    ? withDate
      ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}`
      : iso.slice(11, 16)
    : iso.slice(5, 10);

const svgOpen = (id: string, width: number, height: number, title: string, desc: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" data-testid="${id}-svg"><title id="${id}-title">${svgText(
    title,
  )}</title><desc id="${id}-desc">${svgText(desc)}</desc>`;

const legend = (items: ReadonlyArray<readonly [string, string]>) =>
  `<ul class="legend">${items.map(([cls, label]) => `<li><span class="sw ${cls}" aria-hidden="true"></span>${htmlText(label)}</li>`).join('')}</ul>`;

const requestsChart = (f: ReportFigures): string => {
  const id = 'chart-requests';
  const [W, H, left, right, top, bottom] = [720, 260, 44, 12, 12, 40];
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const n = f.requestsOverTime.length;
  const max = niceMax(Math.max(0, ...f.requestsOverTime.map((b) => b.total)));
  const slot = plotW / Math.max(1, n);
  const barW = Math.max(1, slot * 0.8);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [
    svgOpen(
      id,
      W,
      H,
      `Requests per ${f.bucket} by outcome`,
      `${plural(f.totals.requests, 'request')} from ${f.from} to ${f.to}, stacked by outcome; the table below lists the figures.`,
    ),
  ];
  // Counts are whole: no gridline at a half.
  for (const v of max % 2 === 0 ? [0, max / 2, max] : [0, max]) {
    parts.push(
      `<line class="${v === 0 ? 'axis' : 'grid'}" x1="${left}" x2="${W - right}" y1="${fmt(y(v))}" y2="${fmt(y(v))}"/>`,
      `<text x="${left - 6}" y="${fmt(y(v) + 4)}" text-anchor="end" font-size="12">${fmt(v)}</text>`,
    );
  }
  f.requestsOverTime.forEach((b, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    let base = 0;
    for (const o of REPORT_OUTCOMES) {
      const v = b.counts[o];
      if (v === 0) continue;
      parts.push(
        `<rect class="o-${o}" x="${fmt(x)}" y="${fmt(y(base + v))}" width="${fmt(barW)}" height="${fmt(y(base) - y(base + v))}"><title>${svgText(
          `${bucketLabel(b.start, f.bucket, true)}: ${v} ${OUTCOME_LABELS[o]}`,
        )}</title></rect>`,
      );
      base += v;
    }
  });
  const labels = Math.min(n, 8);
  for (let k = 0; k < labels; k++) {
    const i = labels === 1 ? 0 : Math.round((k * (n - 1)) / (labels - 1));
    const b = f.requestsOverTime[i]!;
    const withDate =
      f.bucket === 'hour' &&
      (k === 0 || b.start.slice(0, 10) !== f.requestsOverTime[Math.max(0, i - 1)]!.start.slice(0, 10));
    parts.push(
      `<text x="${fmt(left + i * slot + slot / 2)}" y="${H - bottom + 18}" text-anchor="middle" font-size="12">${svgText(
        bucketLabel(b.start, f.bucket, withDate),
      )}</text>`,
    );
  }
  if (f.totals.requests === 0)
    parts.push(
      `<text class="empty" x="${W / 2}" y="${top + plotH / 2}" text-anchor="middle" font-size="16">No requests in the period</text>`,
    );
  parts.push(`<text x="${left}" y="${H - 6}" font-size="12">UTC, per ${f.bucket}</text>`, '</svg>');
  const rows = f.requestsOverTime.filter((b) => b.total > 0);
  const table = `<div class="scroll" role="region" aria-label="Requests per ${f.bucket}, figures" tabindex="0"><table data-testid="${id}-table"><caption>Requests per ${f.bucket} (UTC; ${
    f.bucket === 'hour' ? 'hours' : 'days'
  } without requests left out)</caption><thead><tr><th scope="col">${f.bucket === 'hour' ? 'Hour' : 'Day'}</th>${REPORT_OUTCOMES.map(
    (o) => `<th scope="col" class="num">${OUTCOME_LABELS[o]}</th>`,
  ).join('')}<th scope="col" class="num">Total</th></tr></thead><tbody>${
    rows.length === 0
      ? `<tr><td colspan="${REPORT_OUTCOMES.length + 2}">No requests in the period.</td></tr>`
      : rows
          .map(
            (b) =>
              `<tr><th scope="row">${timeElement(b.start)}</th>${REPORT_OUTCOMES.map(
                (o) => `<td class="num">${b.counts[o]}</td>`,
              ).join('')}<td class="num">${b.total}</td></tr>`,
          )
          .join('')
  }</tbody></table></div>`;
  return `<figure data-testid="${id}" aria-labelledby="${id}-caption"><figcaption id="${id}-caption">Requests over time, by outcome</figcaption><div class="chart wide" role="region" aria-label="Requests over time, chart" tabindex="0">${parts.join(
    '',
  )}</div>${legend(REPORT_OUTCOMES.map((o) => [`o-${o}`, OUTCOME_LABELS[o]] as const))}${table}</figure>`;
};

interface Bar {
  readonly label: string;
  readonly values: ReadonlyArray<{ readonly value: number; readonly cls: string; readonly text: string }>;
}

/** Horizontal bars, each label above its bar(s), the value after each bar: readable when narrow. */
const barChart = (id: string, title: string, desc: string, bars: readonly Bar[], empty: string): string => {
  const W = 480;
  const barH = 16;
  const rowH = 22 + bars.reduce((m, b) => Math.max(m, b.values.length), 1) * (barH + 4);
  const H = Math.max(60, bars.length * rowH + 8);
  // Each series on its own scale: values and columns are different units.
  const max = new Map<string, number>();
  for (const v of bars.flatMap((b) => b.values)) max.set(v.cls, Math.max(max.get(v.cls) ?? 1, v.value));
  const span = W - 90;
  const parts = [svgOpen(id, W, H, title, desc)];
  bars.forEach((b, i) => {
    const top = 4 + i * rowH;
    parts.push(
      `<text x="0" y="${top + 14}" font-size="14">${svgText(shorten(b.label, 60))}<title>${svgText(b.label)}</title></text>`,
    );
    b.values.forEach((v, k) => {
      const y = top + 20 + k * (barH + 4);
      const w = v.value === 0 ? 0 : Math.max(2, (v.value / (max.get(v.cls) ?? 1)) * span);
      parts.push(
        `<rect class="${v.cls}" x="0" y="${y}" width="${fmt(w)}" height="${barH}"><title>${svgText(`${b.label}: ${v.text}`)}</title></rect>`,
        `<text x="${fmt(w + 6)}" y="${y + 13}" font-size="13">${svgText(v.text)}</text>`,
      );
    });
  });
  if (bars.length === 0)
    parts.push(
      `<text class="empty" x="${W / 2}" y="34" text-anchor="middle" font-size="15">${svgText(empty)}</text>`,
    );
  parts.push('</svg>');
  return `<div class="chart bars">${parts.join('')}</div>`;
};

const blockedChart = (f: ReportFigures): string => {
  const id = 'chart-blocked';
  const total = f.blockedByRule.reduce((s, r) => s + r.count, 0);
  const chart = barChart(
    id,
    'Requests blocked or denied, by rule',
    `${plural(total, 'request')} refused by ${plural(f.blockedByRule.length, 'rule')}; the table below lists the figures.`,
    f.blockedByRule.map((r) => ({
      label: r.rule,
      values: [{ value: r.count, cls: 's-bar', text: String(r.count) }],
    })),
    'No request was blocked or denied',
  );
  const table = `<table data-testid="${id}-table"><caption>Blocked or denied requests by rule</caption><thead><tr><th scope="col">Rule</th><th scope="col" class="num">Requests</th></tr></thead><tbody>${
    f.blockedByRule.length === 0
      ? '<tr><td colspan="2">None.</td></tr>'
      : f.blockedByRule
          .map(
            (r) =>
              `<tr><th scope="row"><code>${htmlText(r.rule)}</code></th><td class="num">${r.count}</td></tr>`,
          )
          .join('')
  }</tbody></table>`;
  return `<figure data-testid="${id}" aria-labelledby="${id}-caption"><figcaption id="${id}-caption">Blocked and denied requests, by rule</figcaption>${chart}${table}</figure>`;
};

const approvalsChart = (f: ReportFigures): string => {
  const id = 'chart-approvals';
  const decided = f.approvals.filter((a) => a.latencyMs !== null);
  const chart = barChart(
    id,
    'Time from approval request to decision',
    `${plural(decided.length, 'decided approval')} of ${f.approvals.length}; the table below lists each approval, its reviewers and latency.`,
    decided.map((a) => ({
      label: `${a.approvalId} · ${a.status} by ${a.reviewers.map((r) => r.sub ?? '?').join(', ') || '?'}`,
      values: [{ value: a.latencyMs!, cls: 's-latency', text: duration(a.latencyMs!) }],
    })),
    'No approval was decided',
  );
  const rows = f.approvals.map(
    (a) =>
      `<tr><td><code>${htmlText(a.approvalId)}</code><br><span class="muted">request <code>${htmlText(a.requestId)}</code></span></td><td>${htmlText(
        a.requester ?? '?',
      )}${a.actsFor === null ? '' : `<br><span class="muted">for ${htmlText(a.actsFor)}</span>`}</td><td>${htmlText(
        a.connection ?? '?',
      )}</td><td>${a.requestedAt === null ? '?' : timeElement(a.requestedAt)}</td><td>${
        a.reviewers.length === 0
          ? '<span class="muted">none</span>'
          : a.reviewers
              .map(
                (r) =>
                  `${htmlText(r.sub ?? '?')}: ${htmlText(r.verdict ?? '?')} at ${timeElement(r.at)}${r.reason === null ? '' : ` “${htmlText(r.reason)}”`}`,
              )
              .join('<br>')
      }</td><td>${htmlText(a.status)}</td><td class="num">${a.latencyMs === null ? '-' : duration(a.latencyMs)}</td></tr>`,
  );
  const table = `<div class="scroll" role="region" aria-label="Approvals, figures" tabindex="0"><table data-testid="${id}-table"><caption>Approvals requested in the period</caption><thead><tr><th scope="col">Approval</th><th scope="col">Requester</th><th scope="col">Connection</th><th scope="col">Requested</th><th scope="col">Reviewers</th><th scope="col">Status</th><th scope="col" class="num">Latency</th></tr></thead><tbody>${
    rows.length === 0 ? '<tr><td colspan="7">No approval was requested.</td></tr>' : rows.join('')
  }</tbody></table></div>`;
  return `<figure data-testid="${id}" aria-labelledby="${id}-caption"><figcaption id="${id}-caption">Approvals: reviewer and time to decision</figcaption>${chart}${table}</figure>`;
};

const maskingChart = (f: ReportFigures): string => {
  const id = 'chart-masking';
  const chart = barChart(
    id,
    'Masking by data class',
    `${plural(f.totals.maskedValues, 'value')} masked by the detectors and ${plural(f.totals.maskedColumns, 'column')} masked by lineage; the table below lists the figures.`,
    f.maskedByClass.map((c) => ({
      label: c.dataClass,
      values: [
        { value: c.values, cls: 's-values', text: plural(c.values, 'value') },
        { value: c.columns, cls: 's-columns', text: plural(c.columns, 'column') },
      ],
    })),
    'Nothing was masked',
  );
  const table = `<table data-testid="${id}-table"><caption>Masking by data class</caption><thead><tr><th scope="col">Data class</th><th scope="col" class="num">Values masked by detectors</th><th scope="col" class="num">Columns masked by lineage</th></tr></thead><tbody>${
    f.maskedByClass.length === 0
      ? '<tr><td colspan="3">Nothing was masked.</td></tr>'
      : f.maskedByClass
          .map(
            (c) =>
              `<tr><th scope="row">${htmlText(c.dataClass)}</th><td class="num">${c.values}</td><td class="num">${c.columns}</td></tr>`,
          )
          .join('')
  }</tbody></table>`;
  return `<figure data-testid="${id}" aria-labelledby="${id}-caption"><figcaption id="${id}-caption">Masked values and columns, by data class</figcaption>${chart}${legend(
    [
      ['s-values', 'values masked by the detectors'],
      ['s-columns', 'result columns masked by lineage'],
    ],
  )}${table}</figure>`;
};

const principalsTable = (f: ReportFigures): string =>
  `<div class="scroll" role="region" aria-label="Requests by principal" tabindex="0"><table data-testid="table-principals"><caption>Requests by principal and outcome</caption><thead><tr><th scope="col">Principal</th>${REPORT_OUTCOMES.map(
    (o) => `<th scope="col" class="num">${OUTCOME_LABELS[o]}</th>`,
  ).join('')}<th scope="col" class="num">Total</th></tr></thead><tbody>${
    f.requestsByPrincipal.length === 0
      ? `<tr><td colspan="${REPORT_OUTCOMES.length + 2}">No requests in the period.</td></tr>`
      : f.requestsByPrincipal
          .map(
            (p) =>
              `<tr><th scope="row">${htmlText(p.sub)} <span class="muted">(${htmlText(p.issuer)})</span>${
                p.actsFor.length > 0
                  ? `<br><span class="muted">acting for ${p.actsFor.map((a) => htmlText(a)).join(', ')}</span>`
                  : ''
              }</th>${REPORT_OUTCOMES.map((o) => `<td class="num">${p.counts[o]}</td>`).join('')}<td class="num">${p.total}</td></tr>`,
          )
          .join('')
  }</tbody></table></div>`;

const changesTable = (f: ReportFigures): string =>
  `<div class="scroll" role="region" aria-label="Configuration changes" tabindex="0"><table data-testid="table-changes"><caption>Policy and connection pushes</caption><thead><tr><th scope="col">At</th><th scope="col">What</th><th scope="col">Version</th><th scope="col">By</th><th scope="col">Comment</th></tr></thead><tbody>${
    f.configChanges.length === 0
      ? '<tr><td colspan="5">No configuration change was recorded in the period.</td></tr>'
      : f.configChanges
          .map(
            (c) =>
              `<tr><td>${timeElement(c.at)}</td><td>${c.subject}${c.failed ? ' (push failed)' : ''}</td><td class="num">${c.version ?? '?'} (was ${
                c.previousVersion ?? '?'
              })</td><td>${htmlText(c.actor ?? '?')}</td><td>${c.comment === null ? '' : htmlText(c.comment)}</td></tr>`,
          )
          .join('')
  }</tbody></table></div>`;

const verificationBlock = (input: ReportHtmlInput): string => {
  const v = input.verification;
  const broken = input.figures.brokenChains;
  const chains =
    broken.length === 0
      ? ''
      : `<p><strong>${plural(broken.length, 'session')} with a broken hash chain</strong> (their figures are included):</p><ul>${broken
          .map(
            (b) =>
              `<li><code>${htmlText(b.sessionId)}</code>: ${b.seq === null ? 'an unreadable event' : `seq ${b.seq}`}, ${htmlText(b.problem)}</li>`,
          )
          .join('')}</ul>`;
  if (v === null)
    return `<section class="verdict open" data-testid="verification" data-ok="unknown" aria-labelledby="verification-h"><h2 id="verification-h">Verification: not performed</h2><p>This report was rendered without verifying the bundle it belongs to; verify the bundle before relying on it.</p>${chains}</section>`;
  if (v.ok && broken.length === 0)
    return `<section class="verdict good" data-testid="verification" data-ok="true" aria-labelledby="verification-h"><h2 id="verification-h">Verification: passed</h2><p>Every recorded session in the bundle verifies: hash chains intact, every event accounted for.</p></section>`;
  return `<section class="verdict bad" data-testid="verification" data-ok="false" aria-labelledby="verification-h"><h2 id="verification-h">Verification: FAILED</h2>${
    v.problems.length > 0 ? `<ul>${v.problems.map((p) => `<li>${htmlText(p)}</li>`).join('')}</ul>` : ''
  }${chains}</section>`;
};

const totalsBlock = (f: ReportFigures): string => {
  const t = f.totals;
  const items: ReadonlyArray<readonly [string, string, number]> = [
    ['requests', 'Requests', t.requests],
    ['sessions', 'Sessions', t.sessions],
    ...REPORT_OUTCOMES.map(
      (o) => [o, OUTCOME_LABELS[o].replace(/^./, (c) => c.toUpperCase()), t.byOutcome[o]] as const,
    ),
    ['approvals-requested', 'Approvals requested', t.approvalsRequested],
    ['approvals-approved', 'Approvals approved', t.approvalsApproved],
    ['approvals-denied', 'Approvals denied', t.approvalsDenied],
    ['approvals-expired', 'Approvals expired', t.approvalsExpired],
    ['approvals-pending', 'Approvals pending', t.approvalsPending],
    ['masked-values', 'Values masked', t.maskedValues],
    ['masked-columns', 'Columns masked', t.maskedColumns],
    ['config-changes', 'Configuration pushes', t.configChanges],
    ['broken-chains', 'Broken chains', t.brokenChains],
  ];
  return `<dl class="totals" data-testid="figures">${items
    .map(([key, label, n]) => `<div data-testid="figure-${key}"><dt>${label}</dt><dd>${n}</dd></div>`)
    .join('')}</dl>`;
};

const slug = (id: string) =>
  id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'control';

const controlsBlock = (controls: readonly ReportControl[]): string =>
  `<section aria-labelledby="controls-h" data-testid="controls"><h2 id="controls-h">SOC 2 control map</h2>${
    controls.length === 0
      ? '<p>No controls were mapped.</p>'
      : controls
          .map(
            (c, i) =>
              `<article class="control" id="control-${i + 1}-${htmlAttr(slug(c.id))}" data-testid="control" aria-labelledby="control-${i + 1}-h"><h3 id="control-${i + 1}-h"><code>${htmlText(
                c.id,
              )}</code> ${htmlText(c.title)}</h3>${c.text
                .split(/\n\s*\n/)
                .map((p) => `<p>${htmlText(p.trim())}</p>`)
                .join('')}${
                c.evidence.length === 0
                  ? ''
                  : `<h4>Evidence</h4><ul>${c.evidence.map((e) => `<li>${htmlText(e)}</li>`).join('')}</ul>`
              }</article>`,
          )
          .join('')
  }</section>`;

/** report.html of an evidence bundle: self-contained, no script, a strict CSP; charts as inline SVG. */
export const renderReportHtml = (input: ReportHtmlInput): string => {
  const f = input.figures;
  const body = [
    '<a class="skip" href="#figures">Skip to the figures</a>',
    '<header>',
    '<h1>Tollgate evidence report</h1>',
    `<p>Period from ${timeElement(input.from)} to ${timeElement(input.to)} (the end excluded), generated ${timeElement(input.generatedAt)}.</p>`,
    '</header>',
    '<main>',
    verificationBlock(input),
    `<section id="figures" aria-labelledby="totals-h"><h2 id="totals-h">Totals</h2>${totalsBlock(f)}</section>`,
    `<section aria-labelledby="requests-h"><h2 id="requests-h">Requests</h2>${requestsChart(f)}${principalsTable(f)}</section>`,
    `<section aria-labelledby="blocked-h"><h2 id="blocked-h">Blocked statements</h2>${blockedChart(f)}</section>`,
    `<section aria-labelledby="approvals-h"><h2 id="approvals-h">Approvals</h2>${approvalsChart(f)}</section>`,
    `<section aria-labelledby="masking-h"><h2 id="masking-h">Masking</h2>${maskingChart(f)}</section>`,
    `<section aria-labelledby="changes-h"><h2 id="changes-h">Configuration changes</h2>${changesTable(f)}</section>`,
    controlsBlock(input.controls),
    '</main>',
    '<footer>Figures computed by Tollgate from the recorded sessions: a request counts in the period it was received in, with its approvals and masking. Result values are never recorded; masking is counted per data class.</footer>',
  ].join('\n');
  return htmlPage({ title: `Tollgate evidence report ${input.from} to ${input.to}`, css: CSS, body });
};
