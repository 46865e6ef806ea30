// Numeric identifiers: payment cards, US social security numbers and phone numbers. Each is a
// hand-written scanner that starts only where a digit run (or `+`/`(` before one) starts and
// reads a bounded number of groups from there, so the work per start is constant: linear time.
import type { Finding } from '../types.js';
import { detector, digitAt, isDigitCode, tick, wordAt } from './scan.js';

interface Group {
  readonly start: number;
  readonly end: number;
  /** Separator text before the group ('' for the first one or right after `)`). */
  readonly sep: string;
  readonly paren: boolean;
}

/** Length of the digit run at `i`, reading at most `cap + 1` digits. */
const digitRun = (text: string, i: number, cap: number): number => {
  let n = 0;
  while (n <= cap && digitAt(text, i + n)) {
    tick();
    n++;
  }
  return n;
};

const digitsOf = (text: string, groups: readonly Group[], count: number): string => {
  let digits = '';
  for (let g = 0; g < count; g++) digits += text.slice(groups[g]!.start, groups[g]!.end);
  return digits;
};

/** A character that glues digit groups into one token (`2024-01-15`, `1.2.3`, `12/31`). */
const isJoiner = (ch: string | undefined): boolean => ch === '-' || ch === '.' || ch === '/' || ch === '_';

/** `i` starts a digit run that is a token of its own, not the tail of a longer one. */
const startsToken = (text: string, i: number): boolean =>
  !wordAt(text, i - 1) && !(isJoiner(text[i - 1]) && wordAt(text, i - 2));

/** The token ends at `end`: no word character follows, nor a joiner followed by one. */
const endsToken = (text: string, end: number): boolean =>
  !wordAt(text, end) && !(isJoiner(text[end]) && wordAt(text, end + 1));

// ---------------------------------------------------------------------------------------------
// Payment cards

/** Luhn (mod 10) check of a digit string. */
export const luhnValid = (digits: string): boolean => {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
};

const between = (digits: string, width: number, low: number, high: number): boolean => {
  const head = Number(digits.slice(0, width));
  return head >= low && head <= high;
};

/** Issuer prefixes and lengths: Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro, Mir. */
export const plausibleCard = (digits: string): boolean => {
  const n = digits.length;
  if (n < 13 || n > 19) return false;
  switch (digits[0]) {
    case '4':
      return n === 13 || n === 16 || n === 19;
    case '2':
      return n === 16 && (between(digits, 4, 2221, 2720) || between(digits, 4, 2200, 2204));
    case '3':
      if (digits[1] === '4' || digits[1] === '7') return n === 15;
      return (
        n >= 14 &&
        (between(digits, 3, 300, 305) ||
          between(digits, 3, 309, 309) ||
          between(digits, 2, 36, 36) ||
          between(digits, 2, 38, 39) ||
          (n >= 16 && between(digits, 4, 3528, 3589)))
      );
    case '5':
      if (between(digits, 2, 51, 55)) return n === 16;
      return between(digits, 2, 50, 50) || between(digits, 2, 56, 58);
    case '6':
      return true;
    default:
      return false;
  }
};

export const isCardNumber = (digits: string): boolean => plausibleCard(digits) && luhnValid(digits);

const scanCards = (text: string, out: Finding[]): void => {
  for (let i = 0; i < text.length; i++) {
    tick();
    if (!digitAt(text, i) || digitAt(text, i - 1)) continue;
    if (wordAt(text, i - 1) || ((text[i - 1] === '-' || text[i - 1] === '.') && digitAt(text, i - 2)))
      continue;
    // Groups: one run of 13–19 digits, or runs joined by one repeated separator (' ' or '-').
    const groups: Group[] = [];
    let p = i;
    let sep = '';
    let total = 0;
    while (groups.length < 7) {
      const len = digitRun(text, p, 19);
      if (len === 0 || total + len > 19) break;
      groups.push({ start: p, end: p + len, sep: groups.length ? sep : '', paren: false });
      total += len;
      p += len;
      const next = text[p];
      if ((next === ' ' || next === '-') && (sep === '' || sep === next) && digitAt(text, p + 1)) {
        sep = next;
        p++;
      } else break;
    }
    for (let k = groups.length; k >= 1; k--) {
      tick();
      const end = groups[k - 1]!.end;
      if (wordAt(text, end)) continue;
      if (k === 1 && groups[0]!.end - groups[0]!.start < 13) continue;
      if (k > 1) {
        const lengths = groups.slice(0, k).map((g) => g.end - g.start);
        if (lengths[0] !== 4 || lengths.some((l) => l < 3 || l > 6)) continue;
      }
      if (isCardNumber(digitsOf(text, groups, k))) {
        out.push({ dataClass: 'CREDIT_CARD', start: i, end });
        i = end - 1;
        break;
      }
    }
  }
};

export const creditCardDetector = detector('CREDIT_CARD', scanCards);

// ---------------------------------------------------------------------------------------------
// US social security numbers

/**
 * SSA rules: area not 000 or 666; group not 00; serial not 0000. Area 9xx is never issued as an
 * SSN but is the ITIN range (taxpayer numbers, as sensitive), so it is matched too.
 */
export const validSsn = (digits: string): boolean =>
  /^\d{9}$/.test(digits) &&
  !digits.startsWith('000') &&
  !digits.startsWith('666') &&
  digits.slice(3, 5) !== '00' &&
  digits.slice(5) !== '0000';

export const ssnDetector = detector('US_SSN', (text, out) => {
  for (let i = 0; i < text.length; i++) {
    tick();
    if (!digitAt(text, i) || !startsToken(text, i)) continue;
    if (digitRun(text, i, 3) !== 3) continue;
    const sep = text[i + 3];
    if (sep !== '-' && sep !== ' ') continue;
    if (digitRun(text, i + 4, 2) !== 2 || text[i + 6] !== sep || digitRun(text, i + 7, 4) !== 4) continue;
    const end = i + 11;
    if (!endsToken(text, end)) continue;
    const digits = text.slice(i, i + 3) + text.slice(i + 4, i + 6) + text.slice(i + 7, end);
    if (!validSsn(digits)) continue;
    out.push({ dataClass: 'US_SSN', start: i, end });
    i = end - 1;
  }
});

// ---------------------------------------------------------------------------------------------
// Phone numbers

const MAX_PHONE_DIGITS = 15;

/**
 * Shapes accepted (total digits 9–15):
 * - international: `+` country code (1–3 digits, not 0) then groups, or one E.164 run (`+14155550123`);
 * - North American: optional `1`, then 3-3-4 with area and exchange starting 2–9, area code
 *   optionally in parentheses (`(415) 555-0199`, `415-555-0199`, `415.555.0199`);
 * - national with a trunk 0 (`020 7946 0018`, `07700 900123`): 10–11 digits in 2 groups or more.
 * A plain run of digits without `+` is never a phone number (order numbers, ids).
 */
const phoneShape = (text: string, plus: boolean, groups: readonly Group[], k: number): boolean => {
  const lengths = groups.slice(0, k).map((g) => g.end - g.start);
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total < 9 || total > MAX_PHONE_DIGITS) return false;
  const first = text[groups[0]!.start]!;
  // Parentheses: only around the area code (the first group, or the second after `+cc` or `1`).
  for (let g = 0; g < k; g++) {
    if (groups[g]!.paren && g > 1) return false;
    if (groups[g]!.paren && g === 1 && !(plus || (lengths[0] === 1 && first === '1'))) return false;
  }
  if (plus) {
    if (k === 1) return true;
    return first !== '0' && lengths[0]! <= 3 && lengths.slice(1).every((l) => l <= 8);
  }
  if (k < 2) return false;
  // North American.
  const offset = lengths[0] === 1 && first === '1' && !groups[0]!.paren ? 1 : 0;
  if (k - offset === 3 && lengths[offset] === 3 && lengths[offset + 1] === 3 && lengths[offset + 2] === 4) {
    const area = text[groups[offset]!.start]!;
    const exchange = text[groups[offset + 1]!.start]!;
    if (area >= '2' && area <= '9' && exchange >= '2' && exchange <= '9') return true;
  }
  // National with trunk prefix 0.
  return (
    first === '0' &&
    text[groups[0]!.start + 1] !== '0' &&
    k <= 4 &&
    total >= 10 &&
    total <= 11 &&
    lengths[0]! >= 2 &&
    lengths[0]! <= 5 &&
    lengths.slice(1).every((l) => l >= 3 && l <= 8)
  );
};

export const phoneDetector = detector('PHONE_NUMBER', (text, out) => {
  for (let i = 0; i < text.length; i++) {
    tick();
    const c = text.charCodeAt(i);
    const plus = c === 43 && digitAt(text, i + 1);
    const paren = c === 40 && digitAt(text, i + 1);
    if (!plus && !paren && !(isDigitCode(c) && !digitAt(text, i - 1))) continue;
    if (!plus && !paren && (text[i - 1] === '+' || text[i - 1] === '(' || text[i - 1] === ')')) continue;
    if (!startsToken(text, i)) continue;
    // Read groups: digits, optionally `(digits)`, separated by one of ' ', '-', '.' (or nothing after ')').
    const groups: Group[] = [];
    let p = plus ? i + 1 : i;
    let sep = '';
    let total = 0;
    while (groups.length < 7) {
      const open = text[p] === '(';
      const len = digitRun(text, open ? p + 1 : p, MAX_PHONE_DIGITS);
      if (len === 0 || total + len > MAX_PHONE_DIGITS) break;
      const start = open ? p + 1 : p;
      if (open && text[start + len] !== ')') break;
      groups.push({ start, end: start + len, sep, paren: open });
      total += len;
      p = start + len + (open ? 1 : 0);
      const next = text[p];
      if (
        (next === ' ' || next === '-' || next === '.') &&
        (digitAt(text, p + 1) || (text[p + 1] === '(' && digitAt(text, p + 2)))
      ) {
        sep = next;
        p++;
      } else if (open && digitAt(text, p)) {
        sep = '';
      } else break;
    }
    for (let k = groups.length; k >= 1; k--) {
      tick();
      const last = groups[k - 1]!;
      const end = last.end + (last.paren ? 1 : 0);
      if (wordAt(text, end)) continue;
      // A shorter reading must not stop inside a token glued by '-' or '.' (`415-555-0199-22`).
      if (k < groups.length && groups[k]!.sep !== ' ') continue;
      if (k === groups.length && !endsToken(text, end)) continue;
      if (!phoneShape(text, plus, groups, k)) continue;
      out.push({ dataClass: 'PHONE_NUMBER', start: i, end });
      i = end - 1;
      break;
    }
  }
});
