// `tollgate replay` text: the verdict first, one aligned block per request, recorded text unable
// to drive the terminal, colour only when asked.
import { renderTimelineText } from '../../../../lambdas/core/evidence/replay-text.js';
import { sessionTimeline } from '../../../../lambdas/core/evidence/timeline.js';
import type { SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { GENESIS } from '../../../../lambdas/core/recording/events.js';
import { chainEvent } from '../../../../lambdas/core/recording/hash-chain.js';
import { recordedSession, SESSION_ID } from './recorded-session.js';

const render = async (color: boolean, events?: SessionEvent[]) =>
  renderTimelineText(sessionTimeline(SESSION_ID, events ?? (await recordedSession())), { color });

/** Characters in `text` that would act on a terminal or reorder what it shows (tab and newline kept). */
const hiddenIn = (text: string): string[] =>
  Array.from(text).filter((ch) => {
    const c = ch.codePointAt(0)!;
    return (
      (c < 0x20 && c !== 0x09 && c !== 0x0a) ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x061c ||
      (c >= 0x200b && c <= 0x200f) ||
      (c >= 0x2028 && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069) ||
      c === 0xfeff
    );
  });

describe('the replay text', () => {
  it('opens with the session and the chain verdict', async () => {
    const lines = (await render(false)).split('\n');
    expect(lines[0]).toBe(`Tollgate session replay: ${SESSION_ID}`);
    expect(lines[1]).toMatch(/^chain {9}verified: 32 events, head #32 [0-9a-f]{64}$/);
    expect(lines[2]).toBe(
      'owner         agent (https://issuer.test) · groups agents · acting for alice@example.com',
    );
    expect(lines[4]).toBe(
      'requests      10: 2 completed, 3 blocked, 1 denied by a reviewer, 1 approval expired, 2 failed, 1 pending approval',
    );
  });

  it('says where a broken chain breaks and flags the events it cannot vouch for', async () => {
    const events = (await recordedSession()).map((e) =>
      e.seq === 5 ? { ...e, data: { ...e.data, outcome: 'allow' } } : e,
    );
    const text = await render(false, events);
    expect(text.split('\n')[1]).toBe(
      'chain         BROKEN at seq 5: hash does not match content (events from #5 on are unverified)',
    );
    expect(text).toMatch(/#5 +request\.decided .* UNVERIFIED/);
    expect(text).not.toMatch(/#4 +request\.received .* UNVERIFIED/);
  });

  it('shows one block per request, its fields aligned on one column', async () => {
    const text = await render(false);
    expect(text.match(/^\[\d+\/10\] req-\d+ {2}/gm)).toHaveLength(10);
    const fields = text.split('\n').filter((l) => /^ {2}[a-z]/.test(l));
    expect(fields.length).toBeGreaterThan(50);
    for (const line of fields) expect(line.slice(2, 14)).toMatch(/^[a-z]+ +$/);
    for (const line of fields) expect(line[14]).not.toBe(' ');
  });

  it('reads an approval inline: who decided, when, why', async () => {
    const text = await render(false);
    expect(text).toContain(
      'approval    2026-11-26T09:03:00.000Z  requested id-00000001 from reviewers, quorum 1, expires 2026-11-26T10:03:00.000Z',
    );
    expect(text).toContain(
      'reviewed    2026-11-26T09:08:00.000Z  approved by rita (https://issuer.test) for reviewers, 1 of 1',
    );
    expect(text).toContain('executing   2026-11-26T09:08:05.000Z  approved by rita, bound 10 rows');
    expect(text).toContain('again before running: approval_required by agents-write-with-review');
    expect(text).toContain('expired     2026-11-26T10:12:05.000Z  expired id-00000003 (approval_expired)');
  });

  it('reads outcomes: rows, masking per class, failures with their SQLSTATE', async () => {
    const text = await render(false);
    expect(text).toContain('completed   2026-11-26T09:00:00.000Z  completed  2 rows, 0 ms');
    expect(text).toContain('masked columns: email (EMAIL_ADDRESS, lineage)');
    expect(text).toContain('detected values masked: CREDIT_CARD 2');
    expect(text).toContain(
      'failed      2026-11-26T10:13:05.000Z  statement_rejected  (SQLSTATE 22012, division_by_zero, 0 ms)',
    );
  });

  it('shows control characters, ANSI escapes and bidirectional overrides escaped, never raw', async () => {
    const text = await render(false);
    expect(hiddenIn(text)).toEqual([]);
    expect(text).toContain('onmouseover="alert(3)\\u{1b}[2J\\u{202e}gnp.exe\' AS x');
    expect(text).toContain(
      'justification: "ticket 42 \\u{1b}[31mURGENT\\u{1b}[0m \\u{202e}evil\\u{202c} <b>now</b>"',
    );
    expect(text).toContain('reason: "no ticket \\u{1b}]8;;http://evil.example\\u{7}link\\u{1b}]8;;\\u{7}"');
  });

  it('escapes hidden characters in every recorded field, ids and times included', () => {
    const event = chainEvent('x-session-0001', GENESIS, {
      type: 'request.received',
      requestId: 'req\x1b[2K',
      at: '2026\u202e-11',
      data: {
        principal: { sub: 'a\x07', issuer: 'i\u2066', groups: ['g\x1b'], actsFor: '\u200bp', tokenId: null },
        connection: 'c\x9b',
        kind: 'sql',
        sql: 'SELECT 1;\n-- \x1b]0;title\x07\r\n\tSELECT 2',
      },
    });
    const text = renderTimelineText(sessionTimeline('x-session-0001', [event]), { color: false });
    expect(hiddenIn(text)).toEqual([]);
    // SQL keeps its lines and tabs, continued under the first line; a carriage return is shown.
    expect(text).toContain(
      '  sql         SELECT 1;\n              -- \\u{1b}]0;title\\u{7}\\u{d}\n              \tSELECT 2',
    );
  });

  it('uses no colour codes unless asked, and only its own when asked', async () => {
    expect(await render(false)).not.toContain('\x1b');
    const coloured = await render(true);
    expect(coloured).toContain('\x1b[32mverified');
    // Every ESC in the output starts one of the renderer's own SGR codes.
    const afterEscapes = coloured.split('\x1b').slice(1);
    expect(afterEscapes.length).toBeGreaterThan(10);
    for (const rest of afterEscapes) expect(rest).toMatch(/^\[(0|1|2|31|32|33)m/);
  });
});
