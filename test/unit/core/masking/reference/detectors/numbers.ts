// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Numeric identifiers: payment cards, US social security numbers and phone numbers. Each starts
// only where a digit run (or `+`/`(` before one) starts and reads a bounded number of groups from
// there (digit-groups.ts), so the work per start is constant: linear time. For free text recall
// beats validity: a phone number that breaks North American assignment rules, or a dashed
// 3-2-4 number the SSA would never issue, is still masked.
import {
  digitRunStart,
  digitsOfGroups,
  endsToken,
  groupEnd,
  groupLength,
  groupSep,
  groupStart,
  readGroups,
  startsToken,
} from './digit-groups.js';
import { labelledAs } from './labels.js';
import { digitAt, isDigitCode, positional, tick, wordAt } from './scan.js';

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

/** Luhn over the first `k` groups read by readGroups, without building the digit string. */
const groupsLuhnValid = (text: string, k: number): boolean => {
  let sum = 0;
  let double = false;
  for (let g = k - 1; g >= 0; g--) {
    for (let p = groupEnd[g]! - 1; p >= groupStart[g]!; p--) {
      let d = text.charCodeAt(p) - 48;
      if (double) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
      double = !double;
    }
  }
  tick(k);
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

/**
 * One run of 13–19 digits, or runs of 3–6 digits (the first of 4) joined by one repeated
 * separator (` ` or `-`); issuer prefix and Luhn must hold (a card is never labelled free-form).
 */
export const creditCardDetector = positional(
  'CREDIT_CARD',
  ['digit'],
  (text, i, _lastEnd, hit) => {
    if (!digitRunStart(text, i) || wordAt(text, i - 1)) return false;
    const before = text.charCodeAt(i - 1);
    if ((before === 45 || before === 46) && digitAt(text, i - 2)) return false;
    const read = readGroups(text, i);
    // The card reading: groups while the separator is ' ' or '-' and the same, 19 digits at most.
    let groups = 0;
    let total = 0;
    const sep = read > 1 ? groupSep[1]! : 0;
    while (groups < read && groups < 7) {
      if (groups > 0 && (groupSep[groups] !== sep || (sep !== 32 && sep !== 45))) break;
      const len = groupLength(groups);
      if (total + len > 19) break;
      total += len;
      groups++;
    }
    if (total < 13) return false;
    for (let k = groups; k >= 1; k--) {
      tick();
      const end = groupEnd[k - 1]!;
      if (wordAt(text, end)) continue;
      if (k === 1 && groupLength(0) < 13) continue;
      if (k > 1) {
        if (groupLength(0) !== 4) continue;
        let ok = true;
        for (let g = 1; g < k; g++) if (groupLength(g) < 3 || groupLength(g) > 6) ok = false;
        if (!ok) continue;
      }
      if (!groupsLuhnValid(text, k)) continue;
      if (!plausibleCard(digitsOfGroups(text, k))) continue;
      hit.start = i;
      hit.end = end;
      return true;
    }
    return false;
  },
  13,
);

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

/**
 * - `123-45-6789` (dashed 3-2-4): always, valid or not; no date, phone or version has that shape;
 * - `123 45 6789` (spaced): when the SSA rules hold or a label says SSN;
 * - `123456789` or `123.45.6789`: only after a label (`SSN:`, `social security no`, `ITIN`).
 */
export const ssnDetector = positional(
  'US_SSN',
  ['digit'],
  (text, i, _lastEnd, hit) => {
    if (!digitRunStart(text, i) || !startsToken(text, i)) return false;
    const read = readGroups(text, i);
    let k = 0;
    if (read >= 3 && groupLength(0) === 3 && groupLength(1) === 2 && groupLength(2) === 4) {
      const sep = groupSep[1]!;
      if (groupSep[2] === sep && (sep === 45 || sep === 32 || sep === 46)) k = 3;
    } else if (groupLength(0) === 9) k = 1;
    if (k === 0) return false;
    const end = groupEnd[k - 1]!;
    if (!endsToken(text, end)) return false;
    const sep = groupSep[1];
    if (!(k === 3 && sep === 45)) {
      const valid = k === 3 && sep === 32 && validSsn(digitsOfGroups(text, 3));
      if (!valid && !labelledAs(text, i, 'ssn')) return false;
    }
    hit.start = i;
    hit.end = end;
    return true;
  },
  9,
);

// ---------------------------------------------------------------------------------------------
// Phone numbers

const MAX_PHONE_DIGITS = 15;
const MAX_PHONE_GROUPS = 7;
const pStart = new Int32Array(MAX_PHONE_GROUPS);
const pEnd = new Int32Array(MAX_PHONE_GROUPS);
/** Separator code before each group (0: none, first group or right after `)`). */
const pSep = new Int32Array(MAX_PHONE_GROUPS);
const pParen = new Uint8Array(MAX_PHONE_GROUPS);

const pLen = (g: number): number => pEnd[g]! - pStart[g]!;

/**
 * Shapes accepted (total digits 9–15), for the first `k` groups:
 * - international: `+` or `00`, country code (1–3 digits, not 0), then groups (an optional
 *   `(0)` among them), or one E.164 run (`+14155550123`);
 * - North American 3-3-4 with an optional `1` first and the area code optionally in
 *   parentheses, whatever the digits (`123-456-7890` and `555-012-3456` break the assignment
 *   rules, and are masked: recall beats validity in free text);
 * - national with a trunk 0 (`020 7946 0958`, `(0)20 7946 0958`, `06 12 34 56 78`,
 *   `030 12345678`): 9–11 digits in 2–6 groups.
 * A plain run of digits without `+` is never a phone number (order numbers, ids).
 */
const phoneShape = (text: string, plus: boolean, k: number): boolean => {
  let total = 0;
  for (let g = 0; g < k; g++) total += pLen(g);
  if (total < 9 || total > MAX_PHONE_DIGITS) return false;
  const first = text.charCodeAt(pStart[0]!);
  const second = text.charCodeAt(pStart[0]! + 1);
  // Parentheses: around the area code (the first group, or the second after `+cc` or `1`), or `(0)`.
  for (let g = 1; g < k; g++) {
    if (!pParen[g]) continue;
    const zero = pLen(g) === 1 && text.charCodeAt(pStart[g]!) === 48;
    if (zero && g === 1 && (plus || (pLen(0) >= 3 && first === 48 && second === 48))) continue;
    if (g === 1 && (plus || (pLen(0) === 1 && first === 49))) continue;
    return false;
  }
  if (plus) {
    if (k === 1) return true;
    if (first === 48 || pLen(0) > 3) return false;
    for (let g = 1; g < k; g++) if (pLen(g) > 8) return false;
    return true;
  }
  if (k < 2) return false;
  // International with the 00 prefix: `0044 20 7946 0958`.
  if (first === 48 && second === 48 && !pParen[0]) {
    const cc = pLen(0) - 2;
    if (cc < 1 || cc > 3 || text.charCodeAt(pStart[0]! + 2) === 48 || total - 2 < 8) return false;
    for (let g = 1; g < k; g++) if (pLen(g) > 8) return false;
    return true;
  }
  // North American.
  const offset = pLen(0) === 1 && first === 49 && !pParen[0] ? 1 : 0;
  if (k - offset === 3 && pLen(offset) === 3 && pLen(offset + 1) === 3 && pLen(offset + 2) === 4) return true;
  // National with trunk prefix 0 (`(0)20 …` counts its 0 as part of the first group).
  if (first !== 48 || k > 6 || total > 11) return false;
  const zeroGroup = pParen[0] === 1 && pLen(0) === 1;
  if (!zeroGroup && (second === 48 || pLen(0) < 2 || pLen(0) > 5)) return false;
  if (zeroGroup && text.charCodeAt(pStart[1]!) === 48) return false;
  for (let g = 1; g < k; g++) if (pLen(g) < 2 || pLen(g) > 8) return false;
  return true;
};

const isPhoneSep = (c: number): boolean => c === 32 || c === 45 || c === 46;

export const phoneDetector = positional(
  'PHONE_NUMBER',
  ['digit', 'plus', 'paren'],
  (text, i, _lastEnd, hit) => {
    const c = text.charCodeAt(i);
    const plus = c === 43 && digitAt(text, i + 1);
    const paren = c === 40 && digitAt(text, i + 1);
    if (!plus && !paren) {
      if (!digitRunStart(text, i)) return false;
      const b = text.charCodeAt(i - 1);
      if (b === 43 || b === 40 || b === 41) return false;
    }
    if (!startsToken(text, i)) return false;
    // Groups: digits, optionally `(digits)`, separated by one of ' ', '-', '.' (or nothing after ')').
    let groups = 0;
    let p = plus ? i + 1 : i;
    let sep = 0;
    let total = 0;
    while (groups < MAX_PHONE_GROUPS) {
      const open = text.charCodeAt(p) === 40;
      const start = open ? p + 1 : p;
      let len = 0;
      while (len <= MAX_PHONE_DIGITS && isDigitCode(text.charCodeAt(start + len))) len++;
      tick(len + 1);
      if (len === 0 || total + len > MAX_PHONE_DIGITS) break;
      if (open && text.charCodeAt(start + len) !== 41) break;
      pStart[groups] = start;
      pEnd[groups] = start + len;
      pSep[groups] = sep;
      pParen[groups] = open ? 1 : 0;
      groups++;
      total += len;
      p = start + len + (open ? 1 : 0);
      const next = text.charCodeAt(p);
      if (
        isPhoneSep(next) &&
        (digitAt(text, p + 1) || (text.charCodeAt(p + 1) === 40 && digitAt(text, p + 2)))
      ) {
        sep = next;
        p++;
      } else if (open && digitAt(text, p)) {
        sep = 0;
      } else break;
    }
    for (let k = groups; k >= 1; k--) {
      tick();
      const end = pEnd[k - 1]! + pParen[k - 1]!;
      if (wordAt(text, end)) continue;
      // A shorter reading must not stop inside a token glued by '-' or '.' (`415-555-0199-22`).
      if (k < groups && pSep[k] !== 32) continue;
      if (k === groups && !endsToken(text, end)) continue;
      if (!phoneShape(text, plus, k)) continue;
      hit.start = i;
      hit.end = end;
      return true;
    }
    return false;
  },
);
