// One pass per string for every positional detector: a native search for the next trigger (a
// digit starting a run, `+`/`(` before a digit, `@`, `:`, `=`, or the first letter of a fixed
// marker such as `eyJ`, `AKIA`, `ghp_`, `-----BEGIN `), then only the detectors that can start
// there are asked. Text without a trigger costs one regex search and allocates nothing. The
// search itself is linear (one character class or a fixed-length look-ahead per position), and
// every detector's work per call is bounded, so the whole pass is linear; the skipped characters
// are counted in detectorWork like any scanner step.
import type { Detector, Finding } from '../types.js';
import { groupEnd, groupStart, readGroups } from './digit-groups.js';
import { type Hit, isPositional, type PositionalDetector, type StartKind, tick, wordAt } from './scan.js';

/**
 * Every position where some positional detector may start, as one-character matches (so that
 * `lastIndex - 1` is the position): a superset, each detector re-checks its own start.
 */
const TRIGGER =
  /(?<![0-9])[0-9]|[@\uff20=:]|[+(](?=[0-9])|-(?=----BEGIN |--- BEGIN )|e(?=yJ)|A(?=KIA|SIA|Iza)|g(?=h[pousr]_|ithub_pat_)|x(?=ox[a-z]-|app-)|h(?=ooks\.slack\.com\/)|[srp](?=k_(?:live|test)_)|w(?=hsec_)|P(?=uTTY-User-Key-File-)/g;

/** Whether `text` holds any trigger: the cheap test that lets most strings skip the detectors. */
export const hasTrigger = (text: string): boolean => {
  TRIGGER.lastIndex = 0;
  const found = TRIGGER.test(text);
  TRIGGER.lastIndex = 0;
  return found;
};

interface Routing {
  readonly positional: readonly { readonly detector: PositionalDetector; readonly order: number }[];
  readonly others: readonly { readonly detector: Detector; readonly order: number }[];
  /** Indexes into `positional`, per start kind. */
  readonly byKind: Readonly<Record<StartKind, readonly number[]>>;
}

const KINDS: readonly StartKind[] = ['digit', 'plus', 'paren', 'word', 'at', 'colon', 'equals', 'marker'];
const routings = new WeakMap<readonly Detector[], Routing>();

const routingOf = (detectors: readonly Detector[]): Routing => {
  let routing = routings.get(detectors);
  if (routing) return routing;
  const positional: { detector: PositionalDetector; order: number }[] = [];
  const others: { detector: Detector; order: number }[] = [];
  detectors.forEach((detector, order) => {
    if (isPositional(detector)) positional.push({ detector, order });
    else others.push({ detector, order });
  });
  const byKind = Object.fromEntries(
    KINDS.map((kind) => [
      kind,
      positional.flatMap((p, index) => (p.detector.starts.includes(kind) ? [index] : [])),
    ]),
  ) as Record<StartKind, number[]>;
  routing = { positional, others, byKind };
  routings.set(detectors, routing);
  return routing;
};

/** A finding and the priority of the detector that made it (its index in the list). */
export interface Candidate {
  readonly finding: Finding;
  readonly order: number;
}

const MAX_WORD_LETTERS = 6;
const isLetterAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
};

/** Scratch state of the pass under way (dispatch is not re-entrant: detectors never call it). */
const hit: Hit = { start: 0, end: 0 };
let lastEnds = new Int32Array(64);
let touched = false;
let found: Candidate[] | undefined;
/** Digits of the groups at the digit start being asked about (Infinity elsewhere). */
let digitsHere = Number.POSITIVE_INFINITY;

/** Asks the detectors `indexes` of `rules` about position `i` of `text`. */
const ask = (text: string, rules: Routing['positional'], indexes: readonly number[], i: number): void => {
  for (let n = 0; n < indexes.length; n++) {
    const index = indexes[n]!;
    const rule = rules[index]!;
    const minDigits = rule.detector.minDigits;
    if (minDigits !== undefined && minDigits > digitsHere) continue;
    const lastEnd = touched ? lastEnds[index]! : 0;
    if (i < lastEnd) continue;
    let matched: boolean;
    try {
      matched = rule.detector.at(text, i, lastEnd, hit);
    } catch {
      // Fail closed, as a detector's find does: the whole text is a finding of its class.
      matched = true;
      hit.start = 0;
      hit.end = text.length;
    }
    if (!matched || hit.end <= hit.start || hit.start < lastEnd) continue;
    if (!touched) {
      if (lastEnds.length < rules.length) lastEnds = new Int32Array(rules.length);
      lastEnds.fill(0, 0, rules.length);
      touched = true;
    }
    lastEnds[index] = hit.end;
    if (found === undefined) found = [];
    found.push({
      finding: { dataClass: rule.detector.dataClass, start: hit.start, end: hit.end },
      order: rule.order,
    });
  }
};

/**
 * Candidates of every detector in `text`. Each positional detector is asked at its start kinds,
 * in increasing position, with its own previous finding's end: exactly what its `find` reports.
 */
export const dispatch = (text: string, detectors: readonly Detector[]): Candidate[] | undefined => {
  const routing = routingOf(detectors);
  let others: Candidate[] | undefined;
  for (const { detector, order } of routing.others) {
    for (const finding of detector.find(text)) {
      if (others === undefined) others = [];
      others.push({ finding, order });
    }
  }
  const rules = routing.positional;
  if (rules.length === 0) return others;
  // The clean path: one native search, no allocation.
  TRIGGER.lastIndex = 0;
  if (!TRIGGER.test(text)) {
    TRIGGER.lastIndex = 0;
    tick(text.length);
    return others;
  }
  found = others;
  touched = false;
  const { byKind } = routing;
  const wordRules = byKind.word;
  let from = 0;
  let next = TRIGGER.lastIndex;
  try {
    for (;;) {
      const i = next - 1;
      tick(next - from);
      from = next;
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        const groups = readGroups(text, i);
        digitsHere = 0;
        for (let g = 0; g < groups; g++) digitsHere += groupEnd[g]! - groupStart[g]!;
        ask(text, rules, byKind.digit, i);
        digitsHere = Number.POSITIVE_INFINITY;
        if (wordRules.length > 0 && i > 0) {
          // Words that end in this digit run's start: `DE89…`, `ABCDE1234F`, `AB 12…`, `AT U1…`.
          let p = i;
          while (p > 0 && i - p < MAX_WORD_LETTERS && isLetterAt(text, p - 1)) p--;
          tick(i - p);
          if (
            text.charCodeAt(p - 1) === 32 &&
            isLetterAt(text, p - 2) &&
            isLetterAt(text, p - 3) &&
            !wordAt(text, p - 4)
          )
            ask(text, rules, wordRules, p - 3);
          if (p < i && !wordAt(text, p - 1)) ask(text, rules, wordRules, p);
        }
      } else if (c === 43) ask(text, rules, byKind.plus, i);
      else if (c === 40) ask(text, rules, byKind.paren, i);
      else if (c === 64 || c === 0xff20) ask(text, rules, byKind.at, i);
      else if (c === 58) ask(text, rules, byKind.colon, i);
      else if (c === 61) ask(text, rules, byKind.equals, i);
      else ask(text, rules, byKind.marker, i);
      TRIGGER.lastIndex = next;
      if (!TRIGGER.test(text)) break;
      next = TRIGGER.lastIndex;
    }
  } finally {
    TRIGGER.lastIndex = 0;
  }
  tick(text.length - from);
  const result = found;
  found = undefined;
  return result;
};
