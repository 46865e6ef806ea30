// The UK's National Insurance number: two letters, six digits, a suffix letter A–D
// (`QQ123456C`, `QQ 12 34 56 C`). Well-shaped values are masked whatever the prefix rules say;
// without the suffix, or in lower case, only after a label.
import { labelledAs } from '../labels.js';
import { digitAt, isUpperCode, letterAt, positional, type Starts, tick, wordAt } from '../scan.js';

/** Two letters, then digits or a space: never a longer word. */
const STARTS: Starts = { kinds: ['word'], atWord: { letters: [2], spaced: true } };

export const ninoDetector = positional('UK_NINO', STARTS, (text, i, _lastEnd, hit) => {
  if (!letterAt(text, i) || !letterAt(text, i + 1) || wordAt(text, i - 1)) return false;
  const spaced = text.charCodeAt(i + 2) === 32;
  let p = i + 2 + (spaced ? 1 : 0);
  for (let pair = 0; pair < 3; pair++) {
    if (pair > 0 && spaced) {
      if (text.charCodeAt(p) !== 32) return false;
      p++;
    }
    if (!digitAt(text, p) || !digitAt(text, p + 1)) return false;
    p += 2;
  }
  tick(p - i);
  const upper = isUpperCode(text.charCodeAt(i)) && isUpperCode(text.charCodeAt(i + 1));
  const q = spaced && text.charCodeAt(p) === 32 ? p + 1 : p;
  const suffix = text.charCodeAt(q);
  const hasSuffix = (suffix >= 65 && suffix <= 68) || (suffix >= 97 && suffix <= 100);
  const end = hasSuffix ? q + 1 : p;
  if (wordAt(text, end)) return false;
  if (!(upper && hasSuffix && isUpperCode(suffix)) && !labelledAs(text, i, 'nino')) return false;
  hit.start = i;
  hit.end = end;
  return true;
});
