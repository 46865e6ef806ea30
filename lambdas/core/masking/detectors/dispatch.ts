// One pass per string for every positional detector: a charCodeAt loop over a character table
// finds the next trigger (a digit starting a run, `+`/`(` before a digit, `@`, `:`, `=`, or the
// first letter of a fixed marker such as `eyJ`, `AKIA`, `ghp_`, `-----BEGIN `), then only the
// detectors that can start there are asked, and of those only the ones whose declared conditions
// hold there (scan.ts: DigitStartNeeds, WordStartNeeds). Text without a trigger costs that one
// loop and allocates nothing. Every detector's work per call is bounded, so the whole pass is
// linear; the characters the loop reads are counted in detectorWork like any scanner step.
import type { Detector } from '../types.js';
import { beginText, groupEnd, groupStart, MAX_RUN, readGroups, startsToken } from './digit-groups.js';
import { type Hit, isPositional, type PositionalDetector, type StartKind, tick, wordAt } from './scan.js';
import { TOKEN_PREFIXES } from './tokens.js';

/** What an ASCII character may start: nothing, a digit run, `+`/`(`, `@ : =`, or a marker. */
const NONE = 0;
const DIGIT = 1;
const SIGN = 2;
const PUNCT = 3;
const MARKER = 4;
const TRIGGER_OF = new Uint8Array(128);
for (let c = 48; c <= 57; c++) TRIGGER_OF[c] = DIGIT;
for (const ch of '+(') TRIGGER_OF[ch.charCodeAt(0)] = SIGN;
for (const ch of '@:=') TRIGGER_OF[ch.charCodeAt(0)] = PUNCT;

/**
 * The fixed markers positional detectors start on (JWT, AWS key ids, PEM and SSH2 headers, PuTTY
 * key files, vendor token prefixes, Slack webhooks), by first character; `PAIR` holds their first
 * two characters, so that a common letter is rejected on the one after it.
 */
const MARKERS: string[][] = Array.from({ length: 128 }, () => []);
const PAIR = new Uint8Array(128 * 128);
for (const marker of [
  '-----BEGIN ',
  '---- BEGIN ',
  'eyJ',
  'AKIA',
  'ASIA',
  'PuTTY-User-Key-File-',
  'hooks.slack.com/',
  ...TOKEN_PREFIXES,
]) {
  const first = marker.charCodeAt(0);
  TRIGGER_OF[first] = MARKER;
  MARKERS[first]!.push(marker);
  PAIR[first * 128 + marker.charCodeAt(1)] = 1;
}

/** Whether one of the markers starting with `c` starts at `i` (its first two characters match). */
const markerAt = (text: string, i: number, c: number): boolean => {
  const markers = MARKERS[c]!;
  for (let n = 0; n < markers.length; n++) if (text.startsWith(markers[n]!, i)) return true;
  return false;
};

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * The first position at or after `from` where some positional detector may start (a superset:
 * each detector re-checks its own start), or -1. Reads each character once, allocates nothing.
 */
export const nextTrigger = (text: string, from: number): number => {
  const n = text.length;
  for (let i = from; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      if (c === 0xff20) return i;
      continue;
    }
    const kind = TRIGGER_OF[c]!;
    if (kind === NONE) continue;
    if (kind === DIGIT) {
      if (i === 0 || !isDigit(text.charCodeAt(i - 1))) return i;
    } else if (kind === MARKER) {
      // Most letters that start a marker are common ones: the pair table turns them away.
      const second = text.charCodeAt(i + 1);
      if (second < 128 && PAIR[c * 128 + second] === 1 && markerAt(text, i, c)) return i;
    } else if (kind === PUNCT || isDigit(text.charCodeAt(i + 1))) return i;
  }
  return -1;
};

/** Whether `text` holds any trigger: the cheap test that lets most strings skip the detectors. */
export const hasTrigger = (text: string): boolean => nextTrigger(text, 0) !== -1;

/** A positional detector as the dispatcher asks it: one shape for all, so access stays monomorphic. */
class Rule {
  constructor(
    readonly at: PositionalDetector['at'],
    readonly dataClass: string,
    /** Priority: the detector's index in the list. */
    readonly order: number,
    /** Index among the positional detectors (its slot in `lastEnds`). */
    readonly slot: number,
    /** Digits needed at a digit start (0: no minimum). */
    readonly minDigits: number,
    /** Lengths of the first group allowed at a digit start, as bits (all bits: any length). */
    readonly firstGroups: number,
    /** Asked at a digit start only where a token starts. */
    readonly tokenStart: boolean,
    /** At a digit start with a 0, asked whatever the first group's length. */
    readonly anyLengthAfterZero: boolean,
    /** Letters a word right before a digit run may have, as bits (all bits: any number). */
    readonly wordLetters: number,
    /** Asked at two letters and a space. */
    readonly wordSpaced: boolean,
  ) {}
}

/** The `firstGroups` bits of a list of lengths (`readGroups` records at most MAX_RUN + 1). */
const lengthBits = (lengths: readonly number[] | undefined): number => {
  if (lengths === undefined) return ALL_LENGTHS;
  let bits = 0;
  for (const n of lengths) if (n >= 0 && n <= MAX_RUN + 1) bits |= 1 << n;
  return bits;
};
const ALL_LENGTHS = -1;

interface Routing {
  readonly positional: number;
  readonly others: readonly { readonly detector: Detector; readonly order: number }[];
  readonly digit: readonly Rule[];
  /** First-group lengths any digit rule accepts where no token starts, and where one does. */
  readonly digitLengths: number;
  readonly digitTokenLengths: number;
  readonly plus: readonly Rule[];
  readonly paren: readonly Rule[];
  readonly word: readonly Rule[];
  readonly at: readonly Rule[];
  readonly colon: readonly Rule[];
  readonly equals: readonly Rule[];
  readonly marker: readonly Rule[];
}

/** The first-group lengths a rule may be asked at, 0 first or not (a superset, for skipping). */
const lengthsOf = (rule: Rule): number => (rule.anyLengthAfterZero ? ALL_LENGTHS : rule.firstGroups);

const routings = new WeakMap<readonly Detector[], Routing>();
let lastList: readonly Detector[] | undefined;
let lastRouting: Routing | undefined;

const routingOf = (detectors: readonly Detector[]): Routing => {
  if (detectors === lastList) return lastRouting!;
  let routing = routings.get(detectors);
  if (!routing) {
    const rules: { rule: Rule; starts: readonly StartKind[] }[] = [];
    const others: { detector: Detector; order: number }[] = [];
    detectors.forEach((detector, order) => {
      if (!isPositional(detector)) others.push({ detector, order });
      else
        rules.push({
          rule: new Rule(
            detector.at,
            detector.dataClass,
            order,
            rules.length,
            detector.atDigit?.minDigits ?? 0,
            lengthBits(detector.atDigit?.firstGroup),
            detector.atDigit?.tokenStart ?? false,
            detector.atDigit?.anyLengthAfterZero ?? false,
            lengthBits(detector.atWord?.letters),
            detector.atWord?.spaced ?? true,
          ),
          starts: detector.starts,
        });
    });
    const of = (kind: StartKind) => rules.filter((r) => r.starts.includes(kind)).map((r) => r.rule);
    const digit = of('digit');
    routing = {
      positional: rules.length,
      others,
      digit,
      digitLengths: digit.reduce((bits, r) => (r.tokenStart ? bits : bits | lengthsOf(r)), 0),
      digitTokenLengths: digit.reduce((bits, r) => bits | lengthsOf(r), 0),
      plus: of('plus'),
      paren: of('paren'),
      word: of('word'),
      at: of('at'),
      colon: of('colon'),
      equals: of('equals'),
      marker: of('marker'),
    };
    routings.set(detectors, routing);
  }
  lastList = detectors;
  lastRouting = routing;
  return routing;
};

/**
 * The candidates of the last `dispatch`, in the order found: span, class and priority (the
 * detector's index in the list). Module-level and reused: no allocation per candidate.
 */
export const candidates = {
  count: 0,
  start: new Int32Array(16),
  end: new Int32Array(16),
  order: new Int32Array(16),
  dataClass: [] as string[],
};

const push = (start: number, end: number, dataClass: string, order: number): void => {
  const n = candidates.count;
  if (n === candidates.start.length) {
    for (const key of ['start', 'end', 'order'] as const) {
      const grown = new Int32Array(2 * n);
      grown.set(candidates[key]);
      candidates[key] = grown;
    }
  }
  candidates.start[n] = start;
  candidates.end[n] = end;
  candidates.order[n] = order;
  candidates.dataClass[n] = dataClass;
  candidates.count = n + 1;
};

const MAX_WORD_LETTERS = 6;
const isLetterAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
};

/** Scratch state of the pass under way (dispatch is not re-entrant: detectors never call it). */
const hit: Hit = { start: 0, end: 0 };
let lastEnds = new Int32Array(64);
let touched = false;
/** What kind of start the rules are asked about, for the conditions they declare. */
const OTHER = 0;
const DIGIT_START = 1;
/** A word of letters right before a digit run. */
const WORD_START = 2;
/** Two letters and a space (`AB 12…`, `AT U1…`). */
const SPACED_START = 3;
let where = OTHER;
/** At a digit start: the digits of the groups there, the bit of the first group's length, whether
 * a token starts there and whether the run starts with 0. */
let digitsHere = 0;
let lengthHere = 0;
let tokenHere = false;
let zeroHere = false;
/** At a word start: the bit of its number of letters. */
let lettersHere = 0;

/** Whether `rule` declares that it cannot match at the start being asked about. */
const ruledOut = (rule: Rule): boolean => {
  switch (where) {
    case DIGIT_START:
      return (
        rule.minDigits > digitsHere ||
        ((rule.firstGroups & lengthHere) === 0 && !(rule.anyLengthAfterZero && zeroHere)) ||
        (rule.tokenStart && !tokenHere)
      );
    case WORD_START:
      return (rule.wordLetters & lettersHere) === 0;
    case SPACED_START:
      return !rule.wordSpaced;
    default:
      return false;
  }
};

/** Asks `rules` about position `i` of `text`. */
const ask = (text: string, rules: readonly Rule[], i: number, positional: number): void => {
  for (let n = 0; n < rules.length; n++) {
    const rule = rules[n]!;
    if (where !== OTHER && ruledOut(rule)) continue;
    const lastEnd = touched ? lastEnds[rule.slot]! : 0;
    if (i < lastEnd) continue;
    let matched: boolean;
    try {
      matched = rule.at(text, i, lastEnd, hit);
    } catch {
      // Fail closed, as a detector's find does: the whole text is a finding of its class.
      matched = true;
      hit.start = 0;
      hit.end = text.length;
    }
    if (!matched || hit.end <= hit.start || hit.start < lastEnd) continue;
    if (!touched) {
      if (lastEnds.length < positional) lastEnds = new Int32Array(positional);
      lastEnds.fill(0, 0, positional);
      touched = true;
    }
    lastEnds[rule.slot] = hit.end;
    push(hit.start, hit.end, rule.dataClass, rule.order);
  }
};

/**
 * Finds every detector's candidates in `text` into `candidates` and returns their count. Each
 * positional detector is asked at its start kinds, in increasing position, with its own previous
 * finding's end: exactly what its `find` reports. `first`: `nextTrigger(text, 0)`, when the caller
 * has it already.
 */
export const dispatch = (text: string, detectors: readonly Detector[], first?: number): number => {
  const routing = routingOf(detectors);
  candidates.count = 0;
  for (const { detector, order } of routing.others)
    for (const finding of detector.find(text)) push(finding.start, finding.end, finding.dataClass, order);
  const positional = routing.positional;
  if (positional === 0) return candidates.count;
  // The clean path: one loop over the characters, no allocation.
  let i = first ?? nextTrigger(text, 0);
  tick(text.length);
  if (i === -1) return candidates.count;
  touched = false;
  beginText();
  const wordRules = routing.word;
  for (; i !== -1; i = nextTrigger(text, i + 1)) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      const groups = readGroups(text, i);
      const runEnd = groupEnd[0]!;
      lengthHere = 1 << (runEnd - i);
      tokenHere = startsToken(text, i);
      zeroHere = c === 48;
      // No digit rule at all takes a first group of this length here: nobody to ask.
      if (((tokenHere ? routing.digitTokenLengths : routing.digitLengths) & lengthHere) !== 0) {
        digitsHere = 0;
        for (let g = 0; g < groups; g++) digitsHere += groupEnd[g]! - groupStart[g]!;
        where = DIGIT_START;
        ask(text, routing.digit, i, positional);
        where = OTHER;
      }
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
        ) {
          where = SPACED_START;
          ask(text, wordRules, p - 3, positional);
        }
        if (p < i && !wordAt(text, p - 1)) {
          where = WORD_START;
          lettersHere = 1 << (i - p);
          ask(text, wordRules, p, positional);
        }
        where = OTHER;
      }
      // The rest of the run holds no trigger (a digit after a digit starts nothing).
      i = runEnd - 1;
    } else if (c === 43) ask(text, routing.plus, i, positional);
    else if (c === 40) ask(text, routing.paren, i, positional);
    else if (c === 64 || c === 0xff20) ask(text, routing.at, i, positional);
    else if (c === 58) ask(text, routing.colon, i, positional);
    else if (c === 61) ask(text, routing.equals, i, positional);
    else ask(text, routing.marker, i, positional);
  }
  return candidates.count;
};
