// E-mail addresses: a hand-written scanner anchored on each `@`. The left scan (local part) and
// the right scan (domain) stop at characters that cannot belong to them, `@` included, so the
// scans of different `@`s never overlap: linear time.
import { detector, isAlnumCode, isLetterCode, tick } from './scan.js';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

/** `[A-Za-z0-9._%+-]` */
const isLocalCode = (c: number): boolean =>
  isAlnumCode(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
/** `[A-Za-z0-9.-]` */
const isDomainCode = (c: number): boolean => isAlnumCode(c) || c === 46 || c === 45;

const validLabel = (label: string): boolean =>
  label.length >= 1 && label.length <= 63 && !label.startsWith('-') && !label.endsWith('-');

/** A top-level domain: starts with a letter, two characters at least (`com`, `xn--p1ai`). */
const validTld = (label: string): boolean =>
  validLabel(label) && label.length >= 2 && isLetterCode(label.charCodeAt(0));

/** Length of the longest valid domain at the start of `run` (0 if none): labels up to the last valid TLD. */
const domainLength = (run: string): number => {
  const labels = run.split('.');
  let valid = 0;
  while (valid < labels.length && validLabel(labels[valid]!)) valid++;
  for (let n = valid; n >= 2; n--) {
    if (validTld(labels[n - 1]!)) return labels.slice(0, n).join('.').length;
  }
  return 0;
};

export const emailDetector = detector('EMAIL_ADDRESS', (text, out) => {
  let from = 0;
  let at = text.indexOf('@');
  while (at !== -1) {
    tick(at - from + 1); // the characters indexOf skipped
    // Local part: leftwards over local characters, at most MAX_LOCAL + 1 of them.
    let start = at;
    while (start > 0 && at - start <= MAX_LOCAL && isLocalCode(text.charCodeAt(start - 1))) {
      tick();
      start--;
    }
    const tooLong = at - start > MAX_LOCAL;
    while (start < at && text.charCodeAt(start) === 46) start++; // no leading dot
    const local = text.slice(start, at);
    // Domain: rightwards over domain characters (stops at the next `@`).
    let end = at + 1;
    while (end < text.length && end - at <= MAX_DOMAIN + 1 && isDomainCode(text.charCodeAt(end))) {
      tick();
      end++;
    }
    const domainLen = domainLength(text.slice(at + 1, end));
    const ok =
      !tooLong &&
      local.length > 0 &&
      !local.endsWith('.') &&
      !local.includes('..') &&
      domainLen > 0 &&
      domainLen <= MAX_DOMAIN &&
      (out.length === 0 || start >= out[out.length - 1]!.end);
    if (ok) out.push({ dataClass: 'EMAIL_ADDRESS', start, end: at + 1 + domainLen });
    from = at + 1;
    at = text.indexOf('@', from);
  }
  tick(text.length - from); // the last, failed indexOf
});
