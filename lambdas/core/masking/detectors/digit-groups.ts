// The digit token at a position, read once and shared by every numeric detector asked about the
// same position (cards, SSNs, national numbers), and by the later groups of the same token: up
// to 8 runs of digits joined by one of ` - . /`, kept in module-level arrays (no allocation).
// Bounded work per position.
import { isDigitCode, tick, wordAt } from './scan.js';

export const MAX_GROUPS = 8;
/** A run longer than this is recorded as this + 1 ("too long for any shape"). */
export const MAX_RUN = 20;

/** Starts, ends and the separator code before each group (0 for the first) of the last read. */
export const groupStart = new Int32Array(MAX_GROUPS);
export const groupEnd = new Int32Array(MAX_GROUPS);
export const groupSep = new Int32Array(MAX_GROUPS);

let readText: string | undefined;
let readAt = -1;
let count = 0;
/** Bumped by `beginText`: a read made for another text is not compared with this one. */
let epoch = 0;
let readEpoch = -1;

/**
 * Tells readGroups that the reads that follow are of a new text, so that the last read is not
 * compared with it character by character (the dispatcher calls it once per text).
 */
export const beginText = (): void => {
  epoch = (epoch + 1) | 0;
};

const isGroupSep = (c: number): boolean => c === 32 || c === 45 || c === 46 || c === 47;

/**
 * Reads the groups at `i` (a digit) and returns how many; memoised for the last (text, i). At the
 * start of a later group of the last read, the rest of that read is the answer (a read stops
 * where the text says, so one from a later group stops at the same place), unless that read
 * stopped at MAX_GROUPS.
 */
export const readGroups = (text: string, i: number): number => {
  if (readEpoch === epoch && readText === text) {
    if (readAt === i) return count;
    if (i > readAt && count < MAX_GROUPS) {
      for (let g = 1; g < count; g++) {
        if (groupStart[g] !== i) continue;
        for (let k = g; k < count; k++) {
          groupStart[k - g] = groupStart[k]!;
          groupEnd[k - g] = groupEnd[k]!;
          groupSep[k - g] = k === g ? 0 : groupSep[k]!;
        }
        count -= g;
        readAt = i;
        return count;
      }
    }
  }
  readText = text;
  readEpoch = epoch;
  readAt = i;
  count = 0;
  let p = i;
  while (count < MAX_GROUPS) {
    let n = 0;
    while (n <= MAX_RUN && p + n < text.length && isDigitCode(text.charCodeAt(p + n))) n++;
    tick(n + 1);
    if (n === 0) break;
    groupStart[count] = p;
    groupEnd[count] = p + n;
    groupSep[count] = count === 0 ? 0 : text.charCodeAt(p - 1);
    count++;
    if (n > MAX_RUN) break;
    p += n;
    const next = text.charCodeAt(p);
    if (isGroupSep(next) && isDigitCode(text.charCodeAt(p + 1))) p++;
    else break;
  }
  return count;
};

export const groupLength = (g: number): number => groupEnd[g]! - groupStart[g]!;

/** Whether the first `k` groups have the given lengths. */
export const lengthsAre = (k: number, ...lengths: number[]): boolean => {
  if (k < lengths.length) return false;
  for (let g = 0; g < lengths.length; g++) if (groupLength(g) !== lengths[g]) return false;
  return true;
};

/** Whether the separators before groups 1..k-1 are exactly these characters. */
export const separatorsAre = (seps: string): boolean => {
  for (let g = 0; g < seps.length; g++) if (groupSep[g + 1] !== seps.charCodeAt(g)) return false;
  return true;
};

/** Whether every separator before groups 1..k-1 is `sep`. */
export const allSeparators = (k: number, sep: number): boolean => {
  for (let g = 1; g < k; g++) if (groupSep[g] !== sep) return false;
  return true;
};

/** The digits of the first `k` groups (allocates: call only for a likely finding). */
export const digitsOfGroups = (text: string, k: number): string => {
  let digits = '';
  for (let g = 0; g < k; g++) digits += text.slice(groupStart[g], groupEnd[g]);
  return digits;
};

/** A character that glues digit groups into one token (`2024-01-15`, `1.2.3`, `12/31`). */
export const isJoinerCode = (c: number): boolean => c === 45 || c === 46 || c === 47 || c === 95;

/** `i` starts a digit run that is a token of its own, not the tail of a longer one. */
export const startsToken = (text: string, i: number): boolean =>
  !wordAt(text, i - 1) && !(isJoinerCode(text.charCodeAt(i - 1)) && wordAt(text, i - 2));

/** The token ends at `end`: no word character follows, nor a joiner followed by one. */
export const endsToken = (text: string, end: number): boolean =>
  !wordAt(text, end) && !(isJoinerCode(text.charCodeAt(end)) && wordAt(text, end + 1));

/** The first digit of a run of digits (the dispatcher's `digit` start). */
export const digitRunStart = (text: string, i: number): boolean =>
  isDigitCode(text.charCodeAt(i)) && !(i > 0 && isDigitCode(text.charCodeAt(i - 1)));
