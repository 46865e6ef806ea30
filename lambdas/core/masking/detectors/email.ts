// E-mail addresses, internationalised ones included (`josé@exemplo.com.br`, `用户@例子.广告`,
// `user@xn--80ak6aa92e.com`): a scanner anchored on each `@` (or full-width `＠`). The left scan
// (local part) and the right scan (domain) stop at characters that cannot belong to them, `@`
// included, and are bounded (64 and 253 characters), so the work per `@` is constant.
import { isAlnumCode, isLetterCode, positional, tick } from './scan.js';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

const UNICODE_WORD = /^[\p{L}\p{N}\p{M}]$/u;
const UNICODE_LETTER = /^\p{L}$/u;

/** A non-ASCII letter, digit or mark at `i` (both halves of a surrogate pair count). */
const unicodeWordAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  if (c < 128) return false;
  if (c >= 0xd800 && c <= 0xdbff) return UNICODE_WORD.test(text.slice(i, i + 2));
  if (c >= 0xdc00 && c <= 0xdfff) return i > 0 && UNICODE_WORD.test(text.slice(i - 1, i + 1));
  return UNICODE_WORD.test(text[i]!);
};

/** ASCII characters of local parts (`[A-Za-z0-9._%+-]`, 1) and of domains (`[A-Za-z0-9.-]`, 2). */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (isAlnumCode(c) || c === 46 || c === 45) ASCII_CLASS[c] = 3;
  else if (c === 95 || c === 37 || c === 43) ASCII_CLASS[c] = 1;
}
const LOCAL = 1;
const DOMAIN = 2;

/** `[A-Za-z0-9._%+-]` or any Unicode letter/digit/mark (RFC 6531 local parts). */
const isLocalAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  if (c < 128) return (ASCII_CLASS[c]! & LOCAL) !== 0;
  return unicodeWordAt(text, i);
};

/** Dots of internationalised domains: `.`, `。` (U+3002), `．` (U+FF0E), `｡` (U+FF61). */
const isDotCode = (c: number): boolean => c === 46 || c === 0x3002 || c === 0xff0e || c === 0xff61;

/** `[A-Za-z0-9.-]`, the IDN dots, or any Unicode letter/digit/mark. */
const isDomainAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  if (c < 128) return (ASCII_CLASS[c]! & DOMAIN) !== 0;
  return isDotCode(c) || unicodeWordAt(text, i);
};

/** `text[from, to)` is a DNS label: 1–63 characters, not starting or ending with `-`. */
const validLabel = (text: string, from: number, to: number): boolean =>
  to > from && to - from <= 63 && text.charCodeAt(from) !== 45 && text.charCodeAt(to - 1) !== 45;

/** A top-level domain: starts with a letter (any script), two characters at least (`com`, `xn--p1ai`, `广告`). */
const validTld = (text: string, from: number, to: number): boolean => {
  if (!validLabel(text, from, to) || to - from < 2) return false;
  const c = text.charCodeAt(from);
  return c < 128 ? isLetterCode(c) : UNICODE_LETTER.test(String.fromCodePoint(text.codePointAt(from)!));
};

/**
 * Length of the longest valid domain in `text[from, to)` (0 if none): its labels up to the last
 * valid TLD. Reads the run once, without splitting it.
 */
const domainLength = (text: string, from: number, to: number): number => {
  let best = 0;
  let labelStart = from;
  let labels = 0;
  for (let p = from; p <= to; p++) {
    if (p < to && !isDotCode(text.charCodeAt(p))) continue;
    if (!validLabel(text, labelStart, p)) break;
    labels++;
    if (labels >= 2 && validTld(text, labelStart, p)) best = p - from;
    labelStart = p + 1;
  }
  return best;
};

export const isAtSignCode = (c: number): boolean => c === 64 || c === 0xff20;

export const emailDetector = positional('EMAIL_ADDRESS', ['at'], (text, at, lastEnd, hit) => {
  if (!isAtSignCode(text.charCodeAt(at))) return false;
  // Local part: leftwards over local characters, at most MAX_LOCAL + 1 of them.
  let start = at;
  while (start > 0 && at - start <= MAX_LOCAL && isLocalAt(text, start - 1)) start--;
  tick(at - start);
  if (at - start > MAX_LOCAL) return false;
  while (start < at && text.charCodeAt(start) === 46) start++; // no leading dot
  if (start === at || start < lastEnd) return false;
  // No trailing dot, no two dots in a row.
  for (let p = start + 1; p <= at; p++)
    if (text.charCodeAt(p - 1) === 46 && (p === at || text.charCodeAt(p) === 46)) return false;
  // Domain: rightwards over domain characters (stops at the next `@`).
  let end = at + 1;
  while (end < text.length && end - at <= MAX_DOMAIN + 1 && isDomainAt(text, end)) end++;
  tick(end - at - 1);
  const domainLen = domainLength(text, at + 1, end);
  if (domainLen === 0 || domainLen > MAX_DOMAIN) return false;
  hit.start = start;
  hit.end = at + 1 + domainLen;
  return true;
});
