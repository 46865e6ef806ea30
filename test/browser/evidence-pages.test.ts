// The evidence pages in a real browser (headless Chromium through puppeteer-core): a replay of a
// recorded session and an evidence report, opened from file:// as an auditor would. Nothing is
// fetched, no script runs, the CSP is never violated, hostile recorded text stays text, the pages
// work from the keyboard and fit a 375 px phone. Screenshots land in test-output/screenshots/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { renderTimelineHtml } from '../../lambdas/core/evidence/replay-html.js';
import { renderReportHtml, reportFigures } from '../../lambdas/core/evidence/report.js';
import { sessionTimeline } from '../../lambdas/core/evidence/timeline.js';
import { recordedSession, SESSION_ID } from '../unit/core/evidence/recorded-session.js';

// The page's globals these checks use, as far as they use them: the project compiles without the
// DOM library, and the callbacks below run in the browser.
interface PageElement {
  readonly tagName: string;
  readonly attributes: ArrayLike<{ readonly name: string }>;
}
declare const document: {
  readonly documentElement: { readonly scrollWidth: number; readonly clientWidth: number };
  readonly activeElement: { readonly textContent: string | null } | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: { readonly violatedDirective: string; readonly blockedURI: string }) => void,
  ): void;
};
declare const window: unknown;
declare const location: { readonly hash: string };

const SCREENSHOTS = join(import.meta.dirname, '../../test-output/screenshots');
const HOSTILE_CONTROL = '"><img src=x onerror=alert(9)></script><script>alert(10)</script>';

let browser: Browser;
let dir: string;
const pages: { replay: string; report: string } = { replay: '', report: '' };

beforeAll(async () => {
  const events = await recordedSession();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-evidence-'));
  const timeline = sessionTimeline(SESSION_ID, events);
  pages.replay = join(dir, 'replay.html');
  writeFileSync(pages.replay, renderTimelineHtml(timeline, { generatedAt: '2026-11-27T08:00:00.000Z' }));
  const figures = reportFigures({
    from: '2026-11-26T00:00:00.000Z',
    to: '2026-11-27T00:00:00.000Z',
    sessions: [{ sessionId: SESSION_ID, events }],
  });
  pages.report = join(dir, 'report.html');
  writeFileSync(
    pages.report,
    renderReportHtml({
      generatedAt: '2026-11-27T08:00:00.000Z',
      from: figures.from,
      to: figures.to,
      figures,
      verification: { ok: true, problems: [] },
      controls: [
        {
          id: 'CC6.1',
          title: 'Logical access is restricted',
          text: 'Every request is authenticated and decided by policy.\n\nSessions bind to their first principal.',
          evidence: ['recordings/', HOSTILE_CONTROL],
        },
        {
          id: 'CC7.2',
          title: 'Anomalies are monitored',
          text: 'Blocked requests are recorded.',
          evidence: [],
        },
      ],
    }),
  );
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new'],
    headless: true,
  });
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Opened {
  readonly page: Page;
  /** Console errors and warnings, uncaught errors, CSP violations, dialogs, requests beyond the page. */
  readonly problems: () => Promise<string[]>;
}

const open = async (file: string, width: number): Promise<Opened> => {
  const page = await browser.newPage();
  const seen: string[] = [];
  const url = pathToFileURL(file).href;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') seen.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => seen.push(`page error: ${String(e)}`));
  page.on('dialog', (d) => {
    seen.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (r.url() !== url) seen.push(`request: ${r.url()}`);
  });
  // Injected by the browser, so the page's CSP does not stop it: it listens for violations.
  await page.evaluateOnNewDocument(() => {
    const w = window as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.setViewport({ width, height: 900 });
  await page.goto(url, { waitUntil: 'load' });
  const problems = async () => {
    const violations = await page.evaluate(() => (window as unknown as { violations: string[] }).violations);
    return [...seen, ...violations.map((v) => `CSP violation: ${v}`)];
  };
  return { page, problems };
};

/** Whether the page scrolls sideways (a table or a long hash wider than the screen). */
const overflowsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

/** Script, images, handlers: anything recorded text could have smuggled in. */
const injected = (page: Page) =>
  page.evaluate(() => ({
    scripts: document.querySelectorAll('script').length,
    images: document.querySelectorAll('img').length,
    handlers: Array.from(document.querySelectorAll('*')).flatMap((el) =>
      Array.from(el.attributes)
        .filter((a) => a.name.startsWith('on'))
        .map((a) => `${el.tagName} ${a.name}`),
    ),
  }));

describe('the session replay page', () => {
  it('shows the chain verdict and every request with its decision, approvals and outcome', async () => {
    const { page, problems } = await open(pages.replay, 1280);
    try {
      expect(await page.$eval('[data-testid="chain-verdict"]', (el) => el.getAttribute('data-ok'))).toBe(
        'true',
      );
      const statuses = await page.$$eval('[data-testid="request"]', (els) =>
        els.map((el) => el.getAttribute('data-status')),
      );
      expect(statuses).toEqual([
        'completed',
        'blocked',
        'blocked',
        'completed',
        'rejected',
        'expired',
        'failed',
        'blocked',
        'failed',
        'pending_approval',
      ]);
      expect(await page.$$eval('[data-testid="approval"]', (els) => els.length)).toBe(4);
      expect(await page.$$eval('[data-testid="decision"]', (els) => els.length)).toBe(10);
      const approvalText = await page.$eval(
        '[data-testid="request"]:nth-of-type(4) [data-testid="approval"]',
        (el) => el.textContent?.replace(/\s+/g, ' '),
      );
      expect(approvalText).toContain('Approved by rita');
      expect(approvalText).toContain('matches ticket 42');
      expect(
        await page.$$eval('time', (els) => els.every((el) => !Number.isNaN(Date.parse(el.dateTime)))),
      ).toBe(true);
      await page.screenshot({
        path: join(SCREENSHOTS, 'replay-desktop.png'),
        fullPage: true,
        optimizeForSpeed: true,
      });
      expect(await problems()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('keeps hostile SQL and justifications as text: no script, image or handler, controls shown escaped', async () => {
    const { page, problems } = await open(pages.replay, 1280);
    try {
      expect(await injected(page)).toEqual({ scripts: 0, images: 0, handlers: [] });
      const texts = await page.$$eval('[data-testid="request-text"]', (els) =>
        els.map((el) => el.textContent),
      );
      const hostile = texts.find((x) => x?.includes('</script>'));
      expect(hostile).toContain(
        '<img src=x onerror=alert(2)>" onmouseover="alert(3)\\u{1b}[2J\\u{202e}gnp.exe',
      );
      const body = await page.$eval('body', (el) => el.textContent ?? '');
      expect(['\u001b', '\u202e', '\u202c'].filter((c) => body.includes(c))).toEqual([]);
      expect(body).toContain('\\u{1b}[31mURGENT');
      expect(await problems()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('works from the keyboard: the first Tab reaches the skip link, Enter moves to the requests', async () => {
    const { page, problems } = await open(pages.replay, 1280);
    try {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the requests');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => location.hash)).toBe('#requests');
      expect(await problems()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('fits a 375 px phone without sideways scrolling', async () => {
    const { page, problems } = await open(pages.replay, 375);
    try {
      expect(await overflowsSideways(page)).toBe(false);
      await page.screenshot({
        path: join(SCREENSHOTS, 'replay-phone.png'),
        fullPage: true,
        optimizeForSpeed: true,
      });
      expect(await problems()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('the evidence report page', () => {
  it('shows the verification, the totals and every chart as SVG with its table', async () => {
    const { page, problems } = await open(pages.report, 1280);
    try {
      expect(await page.$eval('[data-testid="verification"]', (el) => el.getAttribute('data-ok'))).toBe(
        'true',
      );
      const figure = (key: string) =>
        page.$eval(`[data-testid="figure-${key}"] dd`, (el) => Number(el.textContent));
      expect(await figure('requests')).toBe(10);
      expect(await figure('completed')).toBe(2);
      expect(await figure('approvals-requested')).toBe(4);
      expect(await figure('masked-values')).toBe(2);
      for (const chart of ['chart-requests', 'chart-blocked', 'chart-approvals', 'chart-masking']) {
        const parts = await page.$eval(`[data-testid="${chart}"]`, (el) => ({
          svg: el.querySelectorAll('svg[role="img"] title').length > 0,
          bars: el.querySelectorAll('svg rect').length,
          rows: el.querySelectorAll('table tbody tr').length,
          width: el.querySelector('svg')?.getBoundingClientRect().width ?? 0,
        }));
        expect({ chart, ...parts, visible: parts.width > 100 }).toEqual({
          chart,
          svg: true,
          bars: expect.any(Number),
          rows: expect.any(Number),
          width: expect.any(Number),
          visible: true,
        });
        expect(parts.bars).toBeGreaterThan(0);
        expect(parts.rows).toBeGreaterThan(0);
      }
      // Six requests in the 09:00 hour, four in the 10:00 hour.
      expect(
        await page.$$eval('[data-testid="chart-requests-table"] tbody tr', (rows) =>
          rows.map((r) => r.lastElementChild?.textContent),
        ),
      ).toEqual(['6', '4']);
      expect(await page.$$eval('[data-testid="control"]', (els) => els.length)).toBe(2);
      expect(await injected(page)).toEqual({ scripts: 0, images: 0, handlers: [] });
      expect(await page.$eval('[data-testid="controls"]', (el) => el.textContent)).toContain(HOSTILE_CONTROL);
      await page.screenshot({
        path: join(SCREENSHOTS, 'report-desktop.png'),
        fullPage: true,
        optimizeForSpeed: true,
      });
      expect(await problems()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('fits a 375 px phone: wide charts and tables scroll inside their own region', async () => {
    const { page, problems } = await open(pages.report, 375);
    try {
      expect(await overflowsSideways(page)).toBe(false);
      await page.screenshot({
        path: join(SCREENSHOTS, 'report-phone.png'),
        fullPage: true,
        optimizeForSpeed: true,
      });
      expect(await problems()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
