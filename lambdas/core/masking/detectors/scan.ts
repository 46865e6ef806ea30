// Scanner plumbing shared by the value detectors: character classes, a work counter that makes
// linear time testable without clocks, and a guard that keeps a detector from ever throwing.
import type { Detector, Finding } from '../types.js';

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

/** Digit at `i` (false outside the text). */
export const digitAt = (text: string, i: number): boolean =>
  i >= 0 && i < text.length && isDigitCode(text.charCodeAt(i));
/** ASCII letter or digit, `_`, or any non-ASCII letter/digit at `i` (false outside the text). */
export const wordAt = (text: string, i: number): boolean => {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  if (isAlnumCode(c) || c === 95) return true;
  return c > 127 && /[\p{L}\p{N}]/u.test(text[i]!);
};

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
