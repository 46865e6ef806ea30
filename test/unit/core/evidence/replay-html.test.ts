// The replay page as a string (the browser test opens it): CSP, landmarks, and recorded text that
// cannot become markup, in element content or in attributes.
import { createHash } from 'node:crypto';
import { renderTimelineHtml } from '../../../../lambdas/core/evidence/replay-html.js';
import { sessionTimeline } from '../../../../lambdas/core/evidence/timeline.js';
import { GENESIS } from '../../../../lambdas/core/recording/events.js';
import { chainEvent } from '../../../../lambdas/core/recording/hash-chain.js';
import { recordedSession, SESSION_ID } from './recorded-session.js';

const OPTIONS = { generatedAt: '2026-11-27T08:00:00.000Z' };

describe('the replay page', () => {
  it('allows nothing but its own stylesheet, by hash', async () => {
    const page = renderTimelineHtml(sessionTimeline(SESSION_ID, await recordedSession()), OPTIONS);
    const css = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    const hash = createHash('sha256').update(css).digest('base64');
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'">`,
    );
    expect(page.indexOf('Content-Security-Policy')).toBeLessThan(page.indexOf('<style>'));
  });

  it('marks its parts for tests and assistive technology', async () => {
    const page = renderTimelineHtml(sessionTimeline(SESSION_ID, await recordedSession()), OPTIONS);
    const count = (testid: string) => page.split(`data-testid="${testid}"`).length - 1;
    expect(count('chain-verdict')).toBe(1);
    expect(count('request')).toBe(10);
    expect(count('decision')).toBe(10);
    expect(count('approval')).toBe(4);
    expect(count('outcome')).toBe(4);
    expect(page).toContain('<nav aria-label="Requests">');
    expect(page).toContain('<time datetime="2026-11-26T09:00:00.000Z">2026-11-26T09:00:00.000Z</time>');
    expect(page).toContain('<main id="requests">');
  });

  it('keeps hostile SQL text as text', async () => {
    const page = renderTimelineHtml(sessionTimeline(SESSION_ID, await recordedSession()), OPTIONS);
    expect(page).not.toMatch(/<script|<img/i);
    expect(['\u001b', '\u202e'].filter((c) => page.includes(c))).toEqual([]);
    expect(page).toContain(
      'SELECT &#39;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot; onmouseover=&quot;alert(3)<span class="ctl">\\u{1b}</span>[2J<span class="ctl">\\u{202e}</span>gnp.exe',
    );
  });

  it('cannot be broken out of an attribute by a recorded id', () => {
    const hostile = '"><img src=x onerror=alert(1)>\x1b';
    const event = chainEvent('attr-session-1', GENESIS, {
      type: 'request.received',
      requestId: hostile,
      at: 'not a time <b>',
      data: { sql: 'SELECT 1', kind: 'sql' },
    });
    const page = renderTimelineHtml(sessionTimeline('attr-session-1', [event]), { generatedAt: '"><x>' });
    expect(page).toContain('data-request-id="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\\u{1b}"');
    expect(page).toContain('not a time &lt;b&gt;');
    expect(page).toContain('Generated &quot;&gt;&lt;x&gt; by Tollgate');
    expect(page).not.toMatch(/<img|<x>|<b>/);
  });

  it('says when the chain is broken, where', async () => {
    const events = (await recordedSession()).filter((e) => e.seq !== 3);
    const page = renderTimelineHtml(sessionTimeline(SESSION_ID, events), OPTIONS);
    expect(page).toContain(
      'data-testid="chain-verdict" data-ok="false"><strong>Chain broken</strong> at seq 4: expected seq 3.',
    );
    expect(page).toContain('<tr class="unverified">');
  });
});
