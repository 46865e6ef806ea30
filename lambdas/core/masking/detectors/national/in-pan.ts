// India's Permanent Account Number: five letters, four digits, a letter (`ABCPE1234F`). Upper
// case is masked on shape; lower case only after a label.
import { labelledAs } from '../labels.js';
import { digitAt, isUpperCode, letterAt, positional, type Starts, tick, wordAt } from '../scan.js';

/** Five letters with the digits right after them: never `AB 12…`. */
const STARTS: Starts = { kinds: ['word'], atWord: { letters: [5], spaced: false } };

export const panDetector = positional('IN_PAN', STARTS, (text, i, _lastEnd, hit) => {
  if (wordAt(text, i - 1)) return false;
  for (let p = i; p < i + 5; p++) if (!letterAt(text, p)) return false;
  for (let p = i + 5; p < i + 9; p++) if (!digitAt(text, p)) return false;
  if (!letterAt(text, i + 9) || wordAt(text, i + 10)) return false;
  tick(10);
  let upper = true;
  for (let p = i; p < i + 10; p++) if (p < i + 5 || p === i + 9) upper &&= isUpperCode(text.charCodeAt(p));
  if (!upper && !labelledAs(text, i, 'pan')) return false;
  hit.start = i;
  hit.end = i + 10;
  return true;
});
