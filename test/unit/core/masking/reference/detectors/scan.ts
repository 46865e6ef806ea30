// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Scanner plumbing shared by the value detectors: character classes, a work counter that makes
// linear time testable without clocks, a guard that keeps a detector from ever throwing, and the
// positional form every built-in detector takes so that one dispatcher can run them all in a
// single pass (see dispatch.ts).
import type { DataClass, Detector, Finding } from '../types.js';

let work = 0;

/** Counts scanner steps (characters examined). Every detector loop calls it. */
export const tick = (steps = 1): void => {
  work += steps;
};

/** Steps the detectors have taken since the last reset (instrumentation for linear-time tests). */
export const detectorWork = (): number => work;

export const resetDetectorWork = (): void => {
  work = 0;
};

export const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
export const isUpperCode = (c: number): boolean => c >= 65 && c <= 90;
export const isLowerCode = (c: number): boolean => c >= 97 && c <= 122;
export const isLetterCode = (c: number): boolean => isUpperCode(c) || isLowerCode(c);
export const isAlnumCode = (c: number): boolean => isDigitCode(c) || isLetterCode(c);

const NON_ASCII_WORD = /[\p{L}\p{N}\p{M}]/u;

/** Digit at `i` (false outside the text). */
export const digitAt = (text: string, i: number): boolean =>
  i >= 0 && i < text.length && isDigitCode(text.charCodeAt(i));
/** ASCII letter at `i` (false outside the text). */
export const letterAt = (text: string, i: number): boolean =>
  i >= 0 && i < text.length && isLetterCode(text.charCodeAt(i));
/** ASCII letter or digit, `_`, or any non-ASCII letter/digit/mark at `i` (false outside the text). */
export const wordAt = (text: string, i: number): boolean => {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  if (c < 128) return isAlnumCode(c) || c === 95;
  return NON_ASCII_WORD.test(text[i]!);
};

/**
 * Where a positional detector may start: the dispatcher calls it only at positions of these
 * kinds, so a detector must never match anywhere else (the equivalence tests check it).
 * - `digit`: the first digit of a run of digits;
 * - `plus`, `paren`: a `+` or `(` right before a digit;
 * - `word`: a letter that starts a word of at most 6 letters followed by a digit, or a word of two
 *   letters, a space, and such a word or a digit (`DE89…`, `ABCDE1234F`, `AB 12 34 56 C`, `AT U1…`);
 * - `at`: an `@` (or a full-width `＠`); `colon`, `equals`: a `:` or `=`;
 * - `marker`: a letter or `-` that starts one of the fixed markers of dispatch.ts (`eyJ`, `AKIA`,
 *   `ASIA`, `AIza`, `gh?_`, `github_pat_`, `xox?-`, `xapp-`, `hooks.slack.com/`, `sk_live_`…,
 *   `-----BEGIN `, `---- BEGIN `).
 */
export type StartKind = 'digit' | 'plus' | 'paren' | 'word' | 'at' | 'colon' | 'equals' | 'marker';

/** The finding a positional detector reports: written into this scratch object, no allocation. */
export interface Hit {
  start: number;
  end: number;
}

/**
 * A detector that can be asked about one position. `at(text, i, lastEnd, hit)` reports whether a
 * finding is anchored at `i` (its span, written into `hit`, may start before `i`: an e-mail's local
 * part, a labelled value after its label), given that this detector's previous finding ended at
 * `lastEnd`; the finding must start at or after `lastEnd`. Work per call is bounded by a constant
 * (the longest value of the class), so any number of calls is linear in the text.
 */
export interface PositionalDetector extends Detector {
  readonly starts: readonly StartKind[];
  /**
   * At a `digit` start, the digits this detector needs in the groups `readGroups` reads there
   * (runs joined by ` - . /`): the dispatcher does not ask it about a shorter token.
   */
  readonly minDigits?: number;
  at(text: string, i: number, lastEnd: number, hit: Hit): boolean;
}

export const isPositional = (d: Detector): d is PositionalDetector =>
  typeof (d as Partial<PositionalDetector>).at === 'function';

/**
 * A detector that never throws: should a scanner fail on some input, the whole text is reported
 * as a finding of its class (fail closed: masked rather than leaked).
 */
export const detector = (dataClass: string, scan: (text: string, out: Finding[]) => void): Detector => ({
  dataClass,
  find(text: string): Finding[] {
    if (typeof text !== 'string' || text.length === 0) return [];
    const out: Finding[] = [];
    try {
      scan(text, out);
      return out;
    } catch {
      return [{ dataClass, start: 0, end: text.length }];
    }
  },
});

/**
 * A positional detector; its `find` asks `at` at every position, in order, so it finds exactly
 * what the dispatcher finds by asking only at the positions of its `starts`.
 */
export const positional = (
  dataClass: DataClass,
  starts: readonly StartKind[],
  at: (text: string, i: number, lastEnd: number, hit: Hit) => boolean,
  minDigits?: number,
): PositionalDetector => {
  const base = detector(dataClass, (text, out) => {
    const hit: Hit = { start: 0, end: 0 };
    let lastEnd = 0;
    for (let i = 0; i < text.length; i++) {
      tick();
      if (i < lastEnd) continue;
      if (at(text, i, lastEnd, hit) && hit.end > hit.start && hit.start >= lastEnd) {
        out.push({ dataClass, start: hit.start, end: hit.end });
        lastEnd = hit.end;
      }
    }
  });
  return minDigits === undefined ? { ...base, starts, at } : { ...base, starts, at, minDigits };
};

/** Lower-cased text of the `width` characters before `i` (for label look-behind; bounded work). */
export const before = (text: string, i: number, width: number): string => {
  const from = Math.max(0, i - width);
  tick(i - from);
  return text.slice(from, i).toLowerCase();
};
