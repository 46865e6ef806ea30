// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// National identifiers written with digits only (CPF, CNPJ, SIN, Aadhaar): a formatted value is
// masked whatever its check digits; a bare run of digits is masked when its check digits hold or a
// label names it (a bare run of 9–14 digits is too often an order number to go on shape alone).
import {
  digitRunStart,
  digitsOfGroups,
  endsToken,
  groupEnd,
  groupLength,
  groupSep,
  readGroups,
  startsToken,
} from '../digit-groups.js';
import { type LabelKind, labelledAs } from '../labels.js';
import { type Hit, type PositionalDetector, positional } from '../scan.js';

export interface NumericShape {
  /** Group lengths, and the separators between them (one character each), of the formatted form. */
  readonly formatted: readonly { readonly lengths: readonly number[]; readonly seps: readonly string[] }[];
  /** Digits of the bare form. */
  readonly bare: number;
  /** Check digits of the bare form (or of a formatted one when `formattedNeedsCheck`). */
  readonly valid: (digits: string) => boolean;
  readonly label: LabelKind;
  /** A formatted value also needs its check digits (or a label): separators alone say too little. */
  readonly formattedNeedsCheck?: (seps: string) => boolean;
  /** The check of a formatted value that needs one (the bare form's by default). */
  readonly formattedValid?: (digits: string) => boolean;
  readonly firstDigit?: (c: number) => boolean;
}

/** Whether separator `code` is one of `allowed`. */
const sepAllowed = (allowed: string, code: number): boolean => {
  for (let n = 0; n < allowed.length; n++) if (allowed.charCodeAt(n) === code) return true;
  return false;
};

/** The formatted form the groups read at the position match (their count), or 0. */
const matchesFormatted = (shape: NumericShape, read: number): number => {
  for (const form of shape.formatted) {
    const k = form.lengths.length;
    if (read < k) continue;
    let ok = true;
    for (let g = 0; g < k && ok; g++) if (groupLength(g) !== form.lengths[g]) ok = false;
    for (let g = 1; g < k && ok; g++) if (!sepAllowed(form.seps[g - 1]!, groupSep[g]!)) ok = false;
    // Not the head of a longer run of the same groups (`4111 1111 1111 1111` is no Aadhaar).
    if (ok && read > k && groupSep[k] === groupSep[k - 1]) ok = false;
    if (ok) return k;
  }
  return 0;
};

/** The separators between the first `k` groups, as text (`..-`). */
const separatorsOf = (k: number): string => {
  let seps = '';
  for (let g = 1; g < k; g++) seps += String.fromCharCode(groupSep[g]!);
  return seps;
};

export const numericIdDetector = (dataClass: string, shape: NumericShape): PositionalDetector => {
  const firstLengths = new Set(shape.formatted.map((f) => f.lengths[0]));
  const minDigits = Math.min(shape.bare, ...shape.formatted.map((f) => f.lengths.reduce((a, b) => a + b, 0)));
  return positional(
    dataClass,
    ['digit'],
    (text: string, i: number, _lastEnd: number, hit: Hit) => {
      if (!digitRunStart(text, i) || !startsToken(text, i)) return false;
      if (shape.firstDigit && !shape.firstDigit(text.charCodeAt(i))) return false;
      const read = readGroups(text, i);
      // Quick reject: neither the bare length nor the first group of a formatted form.
      if (groupLength(0) !== shape.bare && !firstLengths.has(groupLength(0))) return false;
      let k = matchesFormatted(shape, read);
      if (k > 0) {
        if (!endsToken(text, groupEnd[k - 1]!)) return false;
        if (
          shape.formattedNeedsCheck?.(separatorsOf(k)) &&
          !(shape.formattedValid ?? shape.valid)(digitsOfGroups(text, k)) &&
          !labelledAs(text, i, shape.label)
        )
          return false;
      } else {
        if (groupLength(0) !== shape.bare) return false;
        k = 1;
        if (!endsToken(text, groupEnd[0]!)) return false;
        if (!shape.valid(digitsOfGroups(text, 1)) && !labelledAs(text, i, shape.label)) return false;
      }
      hit.start = i;
      hit.end = groupEnd[k - 1]!;
      return true;
    },
    minDigits,
  );
};
