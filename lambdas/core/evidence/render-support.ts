// What the evidence renderers share: showing recorded text safely (terminal and HTML), the page
// shell with its Content-Security-Policy, and how counts, durations and statuses read.
import { createHash } from 'node:crypto';
import type { TimelinePrincipal, TimelineStatus } from './timeline.js';

/**
 * Characters that move the cursor, recolour, hide or reorder text: C0 and C1 controls (ESC
 * starts every ANSI sequence), zero-width characters, line and paragraph separators, bidirectional
 * embeddings, overrides and isolates, the byte order mark. `layout` keeps newlines and tabs.
 */
const hidden = (code: number, layout: boolean): boolean =>
  (code < 0x20 && !(layout && (code === 0x0a || code === 0x09))) ||
  (code >= 0x7f && code <= 0x9f) ||
  code === 0x061c ||
  (code >= 0x200b && code <= 0x200f) ||
  (code >= 0x2028 && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069) ||
  code === 0xfeff;

const shownAs = (code: number) => `\\u{${code.toString(16)}}`;

/**
 * Recorded text as it may be shown in a terminal: every hidden character written as `\u{…}`,
 * so agent- or person-written text can neither drive the terminal nor look like something else.
 */
export const visibleText = (text: string, layout = false): string =>
  Array.from(text, (ch) => {
    const code = ch.codePointAt(0)!;
    return hidden(code, layout) ? shownAs(code) : ch;
  }).join('');

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text escaped for HTML element content and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/**
 * Recorded text as HTML: escaped, hidden characters shown as `\u{…}` marked for the eye (a
 * bidirectional override would otherwise reorder what an auditor reads).
 */
export const htmlText = (text: string, layout = false): string =>
  Array.from(text, (ch) => {
    const code = ch.codePointAt(0)!;
    return hidden(code, layout) ? `<span class="ctl">${shownAs(code)}</span>` : (HTML_ESCAPES[ch] ?? ch);
  }).join('');

/** Text for an attribute value: escaped, hidden characters written out. */
export const htmlAttr = (text: string): string => escapeHtml(visibleText(text));

/** At most `max` characters (code points) of `text`, an ellipsis marking a cut. */
export const shorten = (text: string, max: number): string => {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
};

/** `<time>` for an ISO time; text that is not a time is shown as it is. */
export const timeElement = (iso: string): string => {
  const valid = !Number.isNaN(Date.parse(iso));
  return valid ? `<time datetime="${htmlAttr(iso)}">${htmlText(iso)}</time>` : htmlText(iso);
};

/** `n word` with the plural when needed. */
export const plural = (n: number, word: string, words = `${word}s`): string =>
  `${n} ${n === 1 ? word : words}`;

/** `850 ms`, `4.2 s`, `5m 3s`, `2h 5m`, `3d 4h`. */
export const duration = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const whole = Math.floor(seconds);
  const [d, h, m, s] = [
    Math.floor(whole / 86400),
    Math.floor(whole / 3600) % 24,
    Math.floor(whole / 60) % 60,
    whole % 60,
  ];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s}s`;
};

export const STATUS_LABELS: Readonly<Record<TimelineStatus, string>> = {
  received: 'no decision recorded',
  allowed: 'allowed, no outcome recorded',
  blocked: 'blocked',
  denied: 'denied',
  pending_approval: 'pending approval',
  approved: 'approved, not run yet',
  rejected: 'denied by a reviewer',
  expired: 'approval expired',
  executing: 'executing, no outcome recorded',
  completed: 'completed',
  failed: 'failed',
  outcome_unknown: 'outcome unknown',
  config_changed: 'configuration changed',
  config_change_failed: 'configuration change failed',
  other: 'recorded',
};

/** How a status is judged: shown in green, red or amber. */
export const statusTone = (status: TimelineStatus): 'good' | 'bad' | 'open' => {
  switch (status) {
    case 'completed':
    case 'config_changed':
      return 'good';
    case 'blocked':
    case 'denied':
    case 'rejected':
    case 'failed':
    case 'outcome_unknown':
    case 'config_change_failed':
      return 'bad';
    default:
      return 'open';
  }
};

/** `agent (https://issuer) · groups a, b · acting for alice`, unescaped. */
export const principalLine = (p: TimelinePrincipal): string =>
  [
    `${p.sub} (${p.issuer})`,
    p.groups.length > 0 ? `groups ${p.groups.join(', ')}` : 'no groups',
    ...(p.actsFor === null ? [] : [`acting for ${p.actsFor}`]),
  ].join(' · ');

/**
 * A self-contained page: no script, nothing fetched, one inline stylesheet allowed by its hash
 * (`default-src 'none'` denies everything else, scripts included).
 */
export const htmlPage = (input: { title: string; css: string; body: string }): string => {
  const styleHash = createHash('sha256').update(input.css, 'utf8').digest('base64');
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${styleHash}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${htmlText(input.title)}</title>`,
    `<style>${input.css}</style>`,
    '</head>',
    '<body>',
    input.body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
};

/** The stylesheet both pages start from: readable from 320 px up, printable, visible focus. */
export const BASE_CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;--good:#1a7f37;--bad:#cf222e;--open:#9a6700;--link:#0550ae}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:72rem;padding:1rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:0 0 .25rem}
a{color:var(--link)}
a:focus-visible,summary:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--link);outline-offset:2px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.75rem;margin:.5rem 0}
.muted{color:var(--muted)}
.ctl{color:var(--bad);background:#ffebe9;border-radius:3px;padding:0 .15em}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem;z-index:1}
.verdict{border-radius:6px;padding:.75rem 1rem;margin:.75rem 0;border:2px solid}
.verdict.good{border-color:var(--good);background:#dafbe1}
.verdict.bad{border-color:var(--bad);background:#ffebe9}
.verdict.open{border-color:var(--open);background:#fff8c5}
.badge{display:inline-block;border-radius:1em;padding:0 .6em;font-size:.85rem;font-weight:600;border:1px solid}
.badge.good{color:var(--good)}
.badge.bad{color:var(--bad)}
.badge.open{color:var(--open)}
dl.facts{margin:.5rem 0}
dl.facts>div{display:grid;grid-template-columns:9.5rem 1fr;gap:1rem;padding:.1rem 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;min-width:0}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:normal}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
footer{margin-top:2rem;color:var(--muted);font-size:.9rem}
@media (max-width:40rem){body{padding:.75rem;font-size:15px}dl.facts>div{grid-template-columns:1fr;gap:0;padding:.2rem 0}}
@media print{body{max-width:none;padding:0;font-size:11pt}.skip,nav{display:none}a{color:inherit;text-decoration:none}section,figure,tr{break-inside:avoid}}
`;
