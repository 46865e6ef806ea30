// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// IBANs: country code, two check digits, BBAN; compact or in groups of four separated by one
// space; the length must be the country's and the mod-97 check must hold. Work per start is
// bounded by the longest IBAN (34 characters): linear time.
import { isAlnumCode, isDigitCode, isLetterCode, positional, tick, wordAt } from './scan.js';

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

/** ISO 13616 check: move the first four characters to the end, letters → 10..35, mod 97 = 1. */
export const ibanValid = (iban: string): boolean => {
  const compact = iban.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact) || IBAN_LENGTHS[compact.slice(0, 2)] !== compact.length)
    return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    remainder = isDigitCode(c) ? (remainder * 10 + (c - 48)) % 97 : (remainder * 100 + (c - 55)) % 97;
  }
  return remainder === 1;
};

/** Compact (`DE89370400440532013000`) or in groups of four (`DE89 3704 0044 0532 0130 00`). */
export const ibanDetector = positional('IBAN_CODE', ['word'], (text, i, _lastEnd, hit) => {
  if (i + 4 > text.length) return false;
  const c0 = text.charCodeAt(i);
  if (!isLetterCode(c0) || wordAt(text, i - 1)) return false;
  if (
    !isLetterCode(text.charCodeAt(i + 1)) ||
    !isDigitCode(text.charCodeAt(i + 2)) ||
    !isDigitCode(text.charCodeAt(i + 3))
  )
    return false;
  const length = IBAN_LENGTHS[text.slice(i, i + 2).toUpperCase()];
  if (length === undefined) return false;
  // Compact: `length` alphanumerics.
  let end = i + 4;
  while (end < i + length && end < text.length && isAlnumCode(text.charCodeAt(end))) {
    tick();
    end++;
  }
  let found = -1;
  if (end === i + length && !wordAt(text, end) && ibanValid(text.slice(i, end))) found = end;
  // Grouped: `DE89 3704 0044 0532 0130 00`.
  if (found === -1 && text[i + 4] === ' ') {
    let p = i + 4;
    let read = 4;
    let ok = true;
    while (read < length) {
      const want = Math.min(4, length - read);
      if (text[p] !== ' ') {
        ok = false;
        break;
      }
      for (let j = 1; j <= want; j++) {
        tick();
        if (!isAlnumCode(text.charCodeAt(p + j))) ok = false;
      }
      if (!ok) break;
      p += want + 1;
      read += want;
    }
    if (ok && !wordAt(text, p) && ibanValid(text.slice(i, p))) found = p;
  }
  if (found === -1) return false;
  hit.start = i;
  hit.end = found;
  return true;
});
