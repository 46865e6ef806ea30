// A session's timeline as a self-contained HTML page: no script, nothing fetched, a strict CSP;
// semantic markup (headings, lists, tables, <time>) that reads on a phone and prints. Every
// recorded string is HTML-escaped, its hidden characters shown.
import {
  BASE_CSS,
  duration,
  htmlAttr,
  htmlPage,
  htmlText,
  plural,
  principalLine,
  STATUS_LABELS,
  shorten,
  statusTone,
  timeElement,
} from './render-support.js';
import type {
  Timeline,
  TimelineApproval,
  TimelineDecision,
  TimelineOutcome,
  TimelineRequest,
  TimelineStep,
} from './timeline.js';

export interface HtmlOptions {
  /** When the page was made (ISO-8601), shown on it. */
  readonly generatedAt: string;
}

const CSS = `${BASE_CSS}
nav ol{padding-left:1.5rem;margin:.25rem 0}
nav li{margin:.2rem 0}
.request{border-top:2px solid var(--line);margin-top:1.5rem;padding-top:.25rem}
.request h2{display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
ol.steps{list-style:none;padding:0;margin:.75rem 0}
ol.steps>li{border-left:4px solid var(--line);padding:.25rem 0 .25rem .75rem;margin:.5rem 0}
ol.steps>li.good{border-left-color:var(--good)}
ol.steps>li.bad{border-left-color:var(--bad)}
ol.steps>li.open{border-left-color:var(--open)}
ol.reviews{margin:.25rem 0;padding-left:1.25rem}
table.events td.hash{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all;font-size:.75rem;min-width:7rem}
.nowrap{white-space:nowrap}
table.events td{font-size:.85rem}
tr.unverified td{color:var(--bad);font-weight:600}
`;

/** Recorded text on one line; `missing` (already HTML) when absent. */
const t = (text: string | null | undefined, missing = '<span class="muted">none</span>'): string =>
  text === null || text === undefined ? missing : htmlText(text);
const when = (iso: string | null) => (iso === null ? '<span class="muted">unknown</span>' : timeElement(iso));
const code = (text: string | null) => (text === null ? t(null) : `<code>${htmlText(text)}</code>`);

const facts = (rows: ReadonlyArray<readonly [string, string] | null>): string =>
  `<dl class="facts">${rows
    .filter((r): r is readonly [string, string] => r !== null)
    .map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`)
    .join('')}</dl>`;

const outcomeTone = (outcome: string | null) =>
  outcome === 'allow' ? 'good' : outcome === 'block' || outcome === 'deny' ? 'bad' : 'open';

const decisionItem = (d: TimelineDecision, again: boolean): string => {
  const tone = outcomeTone(d.outcome);
  return `<li class="${tone}" data-testid="decision"><h3>${again ? 'Decided again before running: ' : 'Decision: '}<span class="badge ${tone}">${t(d.outcome)}</span></h3>${facts(
    [
      ['Decided', when(d.at)],
      ['Rule', code(d.rule)],
      ['Reason', t(d.reason)],
      d.hint === null ? null : ['Hint', t(d.hint)],
      ['Policies', d.policyIds.length > 0 ? d.policyIds.map((p) => code(p)).join(', ') : t(null)],
      ['Policy version', code(d.policyVersion)],
      d.statements.length === 0
        ? null
        : [
            'Statements',
            d.statements
              .map(
                (s) =>
                  `${t(s.kind, '?')}${s.tables.length > 0 ? ` on ${s.tables.map((x) => code(x)).join(', ')}` : ''}${
                    s.functions.length > 0 ? `, calls ${s.functions.map((f) => code(f)).join(', ')}` : ''
                  }`,
              )
              .join('; '),
          ],
    ],
  )}</li>`;
};

const approvalItem = (a: TimelineApproval): string => {
  const tone = a.verdict === 'approved' ? 'good' : a.verdict === 'denied' || a.end ? 'bad' : 'open';
  const state =
    a.end !== null
      ? (a.end.status ?? a.end.kind)
      : a.verdict === 'approved'
        ? 'approved'
        : a.verdict === 'denied'
          ? 'denied'
          : 'pending';
  const reviews =
    a.decisions.length === 0
      ? '<p class="muted">No reviewer decided.</p>'
      : `<ol class="reviews" aria-label="Reviewer decisions">${a.decisions
          .map(
            (d) =>
              `<li data-testid="approval-decision"><strong>${d.verdict === 'approve' ? 'Approved' : d.verdict === 'deny' ? 'Denied' : t(d.verdict)}</strong> by ${
                d.reviewer === null
                  ? 'an unknown reviewer'
                  : `${t(d.reviewer.sub)} <span class="muted">(${t(d.reviewer.issuer)})</span>`
              } for ${code(d.group)} at ${when(d.at)}, ${d.approvals ?? '?'} of ${d.quorum ?? '?'}: “${t(d.reason, '')}”</li>`,
          )
          .join('')}</ol>`;
  const end =
    a.end === null
      ? ''
      : `<p><strong>${a.end.kind === 'expired' ? 'Expired' : 'Failed'}</strong> at ${when(a.end.at)}${
          a.end.code === null ? '' : ` (${code(a.end.code)})`
        }${a.end.message === null ? '' : `: ${t(a.end.message)}`}</p>`;
  return `<li class="${tone}" data-testid="approval"><h3>Approval <code>${t(a.approvalId)}</code>: <span class="badge ${tone}">${htmlText(state)}</span></h3>${facts(
    [
      ['Requested', when(a.requestedAt)],
      ['Reviewers', a.groups.length > 0 ? a.groups.map((g) => code(g)).join(', ') : t(null)],
      ['Quorum', a.quorum === null ? t(null) : String(a.quorum)],
      ['Expires', when(a.expiresAt)],
      [
        'Justification',
        a.justification === null ? '<span class="muted">none given</span>' : `“${t(a.justification)}”`,
      ],
      ['Bound', a.maxAffectedRows === null ? 'not bounded' : plural(a.maxAffectedRows, 'row')],
      ['Fingerprint', code(a.fingerprint)],
    ],
  )}${reviews}${end}</li>`;
};

const outcomeItem = (o: TimelineOutcome): string => {
  if (o.kind === 'failed') {
    return `<li class="bad" data-testid="outcome"><h3>Failed: <span class="badge bad">${t(o.code)}</span></h3>${facts(
      [
        ['At', when(o.at)],
        ['Message', t(o.message)],
        o.sqlState === null ? null : ['SQLSTATE', code(o.sqlState)],
        o.condition === null ? null : ['Condition', code(o.condition)],
        o.rule === null ? null : ['Rule', code(o.rule)],
        o.durationMs === null ? null : ['Duration', duration(o.durationMs)],
      ],
    )}</li>`;
  }
  const { maskedColumns, detected, unmasked } = o.masking;
  const found = Object.entries(detected);
  return `<li class="good" data-testid="outcome"><h3>Completed</h3>${facts([
    ['At', when(o.at)],
    ['Rows', `${o.rowCount ?? '?'}${o.truncated ? ' (truncated)' : ''}`],
    o.affectedRows === null ? null : ['Rows changed', String(o.affectedRows)],
    o.durationMs === null ? null : ['Duration', duration(o.durationMs)],
    ['Columns', o.columns.length > 0 ? o.columns.map((c) => code(c)).join(', ') : t(null)],
    [
      'Masked columns',
      maskedColumns.length > 0
        ? maskedColumns
            .map(
              (c) =>
                `${code(c.column)} (${c.dataClasses.length > 0 ? c.dataClasses.map((d) => htmlText(d)).join(' + ') : 'lineage unknown'}, ${t(c.reason, '?')})`,
            )
            .join(', ')
        : t(null),
    ],
    [
      'Values masked by detectors',
      found.length > 0 ? found.map(([c, n]) => `${htmlText(c)}: ${n}`).join(', ') : t(null),
    ],
    unmasked.length === 0 ? null : ['Shown raw (data:unmask)', unmasked.map((c) => htmlText(c)).join(', ')],
  ])}</li>`;
};

const stepItem = (step: TimelineStep, again: boolean, shown: Set<TimelineApproval>): string => {
  switch (step.kind) {
    case 'decision':
      return decisionItem(step.decision, again);
    case 'approval-requested':
    case 'approval-decided':
    case 'approval-ended':
      // One item per approval, where it first appears: its decisions and end inside it.
      if (shown.has(step.approval)) return '';
      shown.add(step.approval);
      return approvalItem(step.approval);
    case 'executing': {
      const x = step.executing;
      return `<li class="open" data-testid="executing"><h3>Executing</h3>${facts([
        ['At', when(x.at)],
        ['Approved by', x.approvedBy.length > 0 ? x.approvedBy.map((b) => t(b)).join(', ') : t(null)],
        [
          'Bound',
          x.approvedMaxAffectedRows === null ? 'not bounded' : plural(x.approvedMaxAffectedRows, 'row'),
        ],
        ['Approval', code(x.approvalId)],
      ])}</li>`;
    }
    case 'outcome':
      return outcomeItem(step.outcome);
    case 'config': {
      const c = step.change;
      return `<li class="${c.failed ? 'bad' : 'good'}" data-testid="config"><h3>${c.subject === 'policy' ? 'Policy' : 'Connections'} ${
        c.failed ? 'push failed' : 'changed'
      }</h3>${facts([
        ['At', when(c.at)],
        ['Version', `${c.version ?? '?'} (was ${c.previousVersion ?? '?'})`],
        ['By', t(c.actor)],
        c.comment === null ? null : ['Comment', t(c.comment)],
        c.reason === null ? null : ['Reason', t(c.reason)],
        ['Digest', code(c.digest)],
      ])}</li>`;
    }
    case 'other':
      return `<li data-testid="other"><h3>${t(step.event.type)}</h3>${facts([['At', when(step.event.at)]])}<pre><code>${htmlText(
        shorten(JSON.stringify(step.data), 2000),
      )}</code></pre></li>`;
  }
};

const eventsTable = (r: TimelineRequest): string =>
  `<div class="scroll" role="region" aria-label="Recorded events of request ${r.index}" tabindex="0"><table class="events" data-testid="events"><caption>Recorded events</caption><thead><tr><th scope="col" class="num">Seq</th><th scope="col">Event and time</th><th scope="col">Hash</th></tr></thead><tbody>${r.events
    .map(
      (e) =>
        `<tr${e.verified ? '' : ' class="unverified"'}><td class="num">${e.seq}</td><td><span class="nowrap">${htmlText(e.type)}${
          e.verified ? '' : ' (unverified)'
        }</span><br><span class="nowrap">${timeElement(e.at)}</span></td><td class="hash">${htmlText(e.hash)}</td></tr>`,
    )
    .join('')}</tbody></table></div>`;

const requestSection = (r: TimelineRequest): string => {
  const tone = statusTone(r.status);
  const id = `request-${r.index}`;
  const connection = r.decision?.connection;
  const shown = new Set<TimelineApproval>();
  let running = false;
  const steps = r.steps
    .map((step) => {
      running ||= step.kind === 'executing';
      return stepItem(step, running, shown);
    })
    .join('');
  return `<section class="request" id="${id}" aria-labelledby="${id}-title" data-testid="request" data-request-id="${htmlAttr(
    r.requestId,
  )}" data-status="${r.status}"><h2 id="${id}-title"><span>Request ${r.index}</span> <span class="badge ${tone}">${
    STATUS_LABELS[r.status]
  }</span> <code class="muted">${htmlText(r.requestId)}</code></h2>${facts([
    ['Received', when(r.receivedAt)],
    ['Principal', r.principal === null ? t(null) : htmlText(principalLine(r.principal))],
    r.connection === null
      ? null
      : [
          'Connection',
          `${code(r.connection)}${connection ? ` (${htmlText(connection.kind)}, ${htmlText(connection.environment)})` : ''}`,
        ],
    r.sqlHmac === null ? null : ['SQL HMAC-SHA256', code(r.sqlHmac)],
    r.paramCount === null
      ? null
      : [
          'Parameters',
          `${r.paramCount}${r.paramsHmac === null ? '' : `, HMAC-SHA256 ${code(r.paramsHmac)}`} (values are never recorded)`,
        ],
  ])}${
    r.text === null
      ? r.receivedAt === null
        ? ''
        : '<p class="muted">The request body did not parse.</p>'
      : `<pre aria-label="${r.kind === 'sql' ? 'SQL as recorded, detected values masked' : 'Request as recorded'}" data-testid="request-text"><code>${htmlText(
          r.text,
          true,
        )}</code></pre>`
  }<ol class="steps" aria-label="What happened">${steps}</ol>${eventsTable(r)}</section>`;
};

const chainVerdict = (timeline: Timeline): string => {
  const { chain } = timeline;
  if (chain.ok)
    return `<p class="verdict good" data-testid="chain-verdict" data-ok="true"><strong>Chain verified:</strong> ${plural(
      chain.events,
      'event',
    )}, each committing to the one before; head #${chain.head.seq} <code>${htmlText(chain.head.hash)}</code>.${
      chain.duplicatesDropped > 0
        ? ` ${plural(chain.duplicatesDropped, 'identical copy', 'identical copies')} of events left out.`
        : ''
    }</p>`;
  return `<p class="verdict bad" data-testid="chain-verdict" data-ok="false"><strong>Chain broken</strong> at ${
    chain.seq === null ? 'an unreadable event' : `seq ${chain.seq}`
  }: ${htmlText(chain.problem)}.${
    chain.seq === null ? '' : ` Events from #${chain.seq} on are shown but unverified.`
  }</p>`;
};

/** The timeline as a self-contained HTML page. */
export const renderTimelineHtml = (timeline: Timeline, options: HtmlOptions): string => {
  const owner = timeline.owner;
  const nav =
    timeline.requests.length === 0
      ? ''
      : `<nav aria-label="Requests"><h2>Requests</h2><ol>${timeline.requests
          .map(
            (r) =>
              `<li><a href="#request-${r.index}">${STATUS_LABELS[r.status]}</a>: <span class="mono">${htmlText(
                shorten(r.text ?? r.requestId, 90),
              )}</span></li>`,
          )
          .join('')}</ol></nav>`;
  const body = [
    '<a class="skip" href="#requests">Skip to the requests</a>',
    '<header>',
    `<h1>Session replay: <code>${htmlText(timeline.sessionId)}</code></h1>`,
    chainVerdict(timeline),
    facts([
      ['Owner', owner === null ? 'unknown (no request recorded)' : htmlText(principalLine(owner))],
      ...timeline.principals.slice(1).map((p) => ['Also recorded', htmlText(principalLine(p))] as const),
      ['First event', when(timeline.firstAt)],
      ['Last event', when(timeline.lastAt)],
      ['Requests', String(timeline.requests.length)],
    ]),
    '</header>',
    nav,
    `<main id="requests">${
      timeline.requests.length === 0
        ? '<p>The session has no recorded events.</p>'
        : timeline.requests.map(requestSection).join('\n')
    }</main>`,
    `<footer>Generated ${timeElement(options.generatedAt)} by Tollgate from the session's recorded events. SQL text is shown as recorded: values the detectors found are masked, parameters are kept as digests only. Hidden characters (controls, bidirectional overrides) are shown as <span class="ctl">\\u{…}</span>.</footer>`,
  ].join('\n');
  return htmlPage({ title: `Session ${timeline.sessionId}: Tollgate replay`, css: CSS, body });
};
