// The evidence report's figures, counted exactly from a recorded session, and report.html as a
// string (the browser test opens it): CSP, charts with their tables, everything escaped.
import { createHash } from 'node:crypto';
import { BadRequestError } from '../../../../lambdas/core/errors.js';
import { renderReportHtml, reportFigures } from '../../../../lambdas/core/evidence/report.js';
import { GENESIS, type SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { chainEvent } from '../../../../lambdas/core/recording/hash-chain.js';
import { recordedSession, SESSION_ID } from './recorded-session.js';

const DAY = { from: '2026-11-26T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z' };

const figuresOf = async (period = DAY, extra: { sessionId: string; events: SessionEvent[] }[] = []) =>
  reportFigures({
    ...period,
    sessions: [{ sessionId: SESSION_ID, events: await recordedSession() }, ...extra],
  });

const outcomes = (counts: Partial<Record<string, number>>) => ({
  completed: 0,
  pending: 0,
  blocked: 0,
  denied: 0,
  rejected: 0,
  expired: 0,
  failed: 0,
  ...counts,
});

describe('report figures', () => {
  it('counts requests by outcome, approvals by status, masked values and columns', async () => {
    expect((await figuresOf()).totals).toEqual({
      sessions: 1,
      requests: 10,
      byOutcome: outcomes({ completed: 2, pending: 1, blocked: 3, rejected: 1, expired: 1, failed: 2 }),
      approvalsRequested: 4,
      approvalsApproved: 1,
      approvalsDenied: 1,
      approvalsExpired: 1,
      approvalsPending: 1,
      maskedValues: 2,
      maskedColumns: 1,
      configChanges: 0,
      brokenChains: 0,
    });
  });

  it('buckets a day by the hour, every hour listed, each request in the hour it was received', async () => {
    const f = await figuresOf();
    expect(f.bucket).toBe('hour');
    expect(f.requestsOverTime).toHaveLength(24);
    expect(f.requestsOverTime[0]).toMatchObject({
      start: DAY.from,
      end: '2026-11-26T01:00:00.000Z',
      total: 0,
    });
    expect(f.requestsOverTime.filter((b) => b.total > 0)).toEqual([
      {
        start: '2026-11-26T09:00:00.000Z',
        end: '2026-11-26T10:00:00.000Z',
        total: 6,
        counts: outcomes({ completed: 2, blocked: 2, rejected: 1, expired: 1 }),
      },
      {
        start: '2026-11-26T10:00:00.000Z',
        end: '2026-11-26T11:00:00.000Z',
        total: 4,
        counts: outcomes({ pending: 1, blocked: 1, failed: 2 }),
      },
    ]);
  });

  it('buckets longer periods by the day, and leaves out requests outside the period', async () => {
    const month = await figuresOf({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    expect(month.bucket).toBe('day');
    expect(month.requestsOverTime).toHaveLength(30);
    expect(month.requestsOverTime[25]).toMatchObject({ start: '2026-11-26T00:00:00.000Z', total: 10 });
    const late = await figuresOf({ from: '2026-11-26T10:00:00Z', to: '2026-11-26T11:00:00Z' });
    expect(late.totals.requests).toBe(4);
    expect(late.totals.approvalsRequested).toBe(1);
    expect(late.requestsOverTime).toHaveLength(1);
  });

  it('counts requests by principal, with the people they acted for', async () => {
    expect((await figuresOf()).requestsByPrincipal).toEqual([
      {
        principal: 'agent@https://issuer.test',
        sub: 'agent',
        issuer: 'https://issuer.test',
        actsFor: ['alice@example.com'],
        total: 10,
        counts: outcomes({ completed: 2, pending: 1, blocked: 3, rejected: 1, expired: 1, failed: 2 }),
      },
    ]);
  });

  it('counts blocked statements by the rule that refused them', async () => {
    expect((await figuresOf()).blockedByRule).toEqual([
      { rule: 'sql.unparseable', count: 2 },
      { rule: 'dml-without-where', count: 1 },
    ]);
  });

  it('lists approvals with their reviewers and the time from request to decision', async () => {
    const { approvals } = await figuresOf();
    expect(
      approvals.map((a) => [a.approvalId, a.status, a.latencyMs, a.reviewers.map((r) => r.sub)]),
    ).toEqual([
      ['id-00000001', 'approved', 300_000, ['rita']],
      ['id-00000002', 'denied', 120_000, ['rob']],
      ['id-00000003', 'expired', null, []],
      ['id-00000004', 'pending', null, []],
    ]);
    expect(approvals[0]).toMatchObject({
      requestId: 'req-04',
      requester: 'agent',
      actsFor: 'alice@example.com',
      connection: 'demo',
      groups: ['reviewers'],
      requestedAt: '2026-11-26T09:03:00.000Z',
      decidedAt: '2026-11-26T09:08:00.000Z',
    });
  });

  it('counts masking per data class: detector values and lineage columns apart', async () => {
    expect((await figuresOf()).maskedByClass).toEqual([
      { dataClass: 'CREDIT_CARD', values: 2, columns: 0 },
      { dataClass: 'EMAIL_ADDRESS', values: 0, columns: 1 },
    ]);
  });

  it('lists configuration pushes apart from requests, and counts no access-audit read as a request', async () => {
    let head = GENESIS;
    const audit = [
      {
        type: 'policy.changed',
        requestId: 'p1',
        at: '2026-11-26T08:00:00.000Z',
        data: { version: 2, previousVersion: 1, actor: 'ops' },
      },
      { type: 'recording.viewed', requestId: 'v1', at: '2026-11-26T08:30:00.000Z', data: { viewer: 'ann' } },
    ].map((d) => {
      const e = chainEvent('tollgate:config-audit', head, d as never);
      head = e;
      return e;
    });
    const f = await figuresOf(DAY, [{ sessionId: 'tollgate:config-audit', events: audit }]);
    expect(f.totals).toMatchObject({ requests: 10, sessions: 1, configChanges: 1 });
    expect(f.configChanges).toEqual([
      {
        sessionId: 'tollgate:config-audit',
        at: '2026-11-26T08:00:00.000Z',
        subject: 'policy',
        failed: false,
        version: 2,
        previousVersion: 1,
        actor: 'ops',
        comment: null,
      },
    ]);
  });

  it('flags sessions whose chain is broken (their figures still count)', async () => {
    const events = (await recordedSession()).map((e) =>
      e.seq === 2 ? { ...e, at: '2026-11-26T09:00:01.000Z' } : e,
    );
    const f = reportFigures({ ...DAY, sessions: [{ sessionId: SESSION_ID, events }] });
    expect(f.brokenChains).toEqual([
      { sessionId: SESSION_ID, seq: 2, problem: 'hash does not match content' },
    ]);
    expect(f.totals).toMatchObject({ requests: 10, brokenChains: 1 });
  });

  it.each([
    [{ from: 'yesterday', to: DAY.to }, 'from must be an ISO-8601 time'],
    [{ from: DAY.to, to: DAY.from }, 'to must be later than from'],
    [{ from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'The period is too long'],
  ])('refuses a period it cannot chart: %j', (period, message) => {
    const run = () => reportFigures({ ...period, sessions: [] });
    expect(run).toThrow(BadRequestError);
    expect(run).toThrow(message);
  });
});

describe('report.html', () => {
  const html = async (overrides: Partial<Parameters<typeof renderReportHtml>[0]> = {}) =>
    renderReportHtml({
      generatedAt: '2026-11-27T08:00:00.000Z',
      ...DAY,
      figures: await figuresOf(),
      verification: { ok: true, problems: [] },
      controls: [
        { id: 'CC6.1', title: 'Access <b>is</b> restricted', text: 'First.\n\nSecond.', evidence: ['a "b"'] },
      ],
      ...overrides,
    });

  it('allows nothing but its own stylesheet, by hash: no script, nothing fetched', async () => {
    const page = await html();
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)![1]!;
    const css = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    expect(csp).toBe(
      `default-src 'none'; style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'; base-uri 'none'; form-action 'none'`,
    );
    expect(page).not.toMatch(/<script|<link|<img|\ssrc=|\shref="(?!#)|style="/i);
  });

  it('has each chart as inline SVG with a text alternative and a table of its figures', async () => {
    const page = await html();
    for (const chart of ['chart-requests', 'chart-blocked', 'chart-approvals', 'chart-masking']) {
      const figure = new RegExp(`<figure data-testid="${chart}"[\\s\\S]*?</figure>`).exec(page)?.[0] ?? '';
      expect(figure).toContain(`<svg xmlns="http://www.w3.org/2000/svg"`);
      expect(figure).toContain(`aria-labelledby="${chart}-title ${chart}-desc"`);
      expect(figure).toContain(`<table data-testid="${chart}-table">`);
    }
    expect(page).toContain('<div data-testid="figure-requests"><dt>Requests</dt><dd>10</dd></div>');
  });

  it('puts the verification first and says when there was none', async () => {
    const page = await html({ verification: { ok: false, problems: ['segment <3> is missing'] } });
    expect(page.indexOf('data-testid="verification"')).toBeLessThan(page.indexOf('data-testid="figures"'));
    expect(page).toContain('Verification: FAILED');
    expect(page).toContain('<li>segment &lt;3&gt; is missing</li>');
    expect(await html({ verification: null })).toContain('Verification: not performed');
  });

  it('renders the control map escaped, paragraph by paragraph', async () => {
    const page = await html();
    expect(page).toContain(
      '<code>CC6.1</code> Access &lt;b&gt;is&lt;/b&gt; restricted</h3><p>First.</p><p>Second.</p>',
    );
    expect(page).toContain('<li>a &quot;b&quot;</li>');
  });

  it('escapes recorded text, hidden characters shown, also inside the SVG', async () => {
    const page = await html();
    expect(['\u001b', '\u202e'].filter((c) => page.includes(c))).toEqual([]);
    // The reviewer's reason in the approvals table, and in no SVG element as markup.
    expect(page).toContain('no ticket <span class="ctl">\\u{1b}</span>]8;;http://evil.example');
    const svgs = page.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(4);
    for (const svg of svgs) expect(svg).not.toContain('<span');
  });
});
