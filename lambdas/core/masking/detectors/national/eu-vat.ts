// EU VAT identification numbers (and the UK's, GB/XI): a country prefix and the country's
// national format, compact (`DE123456789`) or with one space after the prefix and single spaces or
// dots inside (`GB 123 4567 89`, `FR 40 303 265 045`). Checksums differ per country and are not
// checked: a well-shaped value is masked (recall beats validity).
import { isAlnumCode, isUpperCode, positional, type Starts, tick, wordAt } from '../scan.js';

/** National formats over the compact body (upper case, no separators). */
export const VAT_FORMATS: Readonly<Record<string, RegExp>> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/,
  FR: /^[A-HJ-NP-Z0-9]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^(?:\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^\d{11}$/,
  LT: /^(?:\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^\d{6,10}$/,
  SE: /^\d{12}$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
  GB: /^(?:\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
  XI: /^(?:\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
};

const MAX_BODY = 16;

/** Two capitals (the country), then a body that may start with letters (`ATU1…`), or a space. */
const STARTS: Starts = { kinds: ['word'], atWord: { letters: [2, 3, 4, 5, 6], spaced: true } };

export const euVatDetector = positional('EU_VAT', STARTS, (text, i, _lastEnd, hit) => {
  if (wordAt(text, i - 1) || !isUpperCode(text.charCodeAt(i)) || !isUpperCode(text.charCodeAt(i + 1)))
    return false;
  const format = VAT_FORMATS[text.slice(i, i + 2)];
  if (!format) return false;
  let p = i + 2;
  if (text.charCodeAt(p) === 32) p++;
  // Body: alphanumerics, single spaces or dots between them, 16 significant characters at most.
  let body = '';
  let end = p;
  while (end < text.length && body.length <= MAX_BODY) {
    const c = text.charCodeAt(end);
    if (isAlnumCode(c) || c === 43 || c === 42) {
      body += text[end];
      end++;
    } else if ((c === 32 || c === 46) && isAlnumCode(text.charCodeAt(end + 1)) && body.length > 0) {
      // A space only when the rest still reads as this number (`DE 123456789 and`): checked below.
      end++;
    } else break;
  }
  tick(end - i);
  // The longest reading first, then cut at up to 4 separators (the number may be followed by words).
  let stop = end;
  for (let attempt = 0; attempt < 5 && stop > p; attempt++) {
    if (!wordAt(text, stop)) {
      const compact = text.slice(p, stop).replace(/[ .]/g, '');
      tick(compact.length);
      if (format.test(compact)) {
        hit.start = i;
        hit.end = stop;
        return true;
      }
    }
    // The previous separator.
    let s = stop - 1;
    while (s > p && text.charCodeAt(s) !== 32 && text.charCodeAt(s) !== 46) s--;
    tick(stop - s);
    stop = s;
  }
  return false;
});
