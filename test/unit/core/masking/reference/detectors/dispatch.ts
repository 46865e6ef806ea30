// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// One pass per string for every positional detector: a charCodeAt loop over a character table
// finds the next trigger (a digit starting a run, `+`/`(` before a digit, `@`, `:`, `=`, or the
// first letter of a fixed marker such as `eyJ`, `AKIA`, `ghp_`, `-----BEGIN `), then only the
// detectors that can start there are asked. Text without a trigger costs that one loop and
// allocates nothing. Every detector's work per call is bounded, so the whole pass is linear; the
// characters the loop reads are counted in detectorWork like any scanner step.
import type { Detector } from '../types.js';
import { groupEnd, groupStart, readGroups } from './digit-groups.js';
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

const isMarkerAt = (text: string, i: number, c: number): boolean => {
  const second = text.charCodeAt(i + 1);
  if (!(second < 128 && PAIR[c * 128 + second] === 1)) return false;
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
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      if (c === 0xff20) return i;
      continue;
    }
    switch (TRIGGER_OF[c]) {
      case NONE:
        continue;
      case DIGIT:
        if (i === 0 || !isDigit(text.charCodeAt(i - 1))) return i;
        continue;
      case SIGN:
        if (isDigit(text.charCodeAt(i + 1))) return i;
        continue;
      case PUNCT:
        return i;
      default:
        if (isMarkerAt(text, i, c)) return i;
    }
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
  ) {}
}

interface Routing {
  readonly positional: number;
  readonly others: readonly { readonly detector: Detector; readonly order: number }[];
  readonly digit: readonly Rule[];
  readonly plus: readonly Rule[];
  readonly paren: readonly Rule[];
  readonly word: readonly Rule[];
  readonly at: readonly Rule[];
  readonly colon: readonly Rule[];
  readonly equals: readonly Rule[];
  readonly marker: readonly Rule[];
}

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
          rule: new Rule(detector.at, detector.dataClass, order, rules.length, detector.minDigits ?? 0),
          starts: detector.starts,
        });
    });
    const of = (kind: StartKind) => rules.filter((r) => r.starts.includes(kind)).map((r) => r.rule);
    routing = {
      positional: rules.length,
      others,
      digit: of('digit'),
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
/** Digits of the groups at the digit start being asked about (Infinity elsewhere). */
let digitsHere = Number.POSITIVE_INFINITY;

/** Asks `rules` about position `i` of `text`. */
const ask = (text: string, rules: readonly Rule[], i: number, positional: number): void => {
  for (let n = 0; n < rules.length; n++) {
    const rule = rules[n]!;
    if (rule.minDigits > digitsHere) continue;
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
 * finding's end: exactly what its `find` reports.
 */
export const dispatch = (text: string, detectors: readonly Detector[]): number => {
  const routing = routingOf(detectors);
  candidates.count = 0;
  for (const { detector, order } of routing.others)
    for (const finding of detector.find(text)) push(finding.start, finding.end, finding.dataClass, order);
  const positional = routing.positional;
  if (positional === 0) return candidates.count;
  // The clean path: one loop over the characters, no allocation.
  let i = nextTrigger(text, 0);
  tick(text.length);
  if (i === -1) return candidates.count;
  touched = false;
  const wordRules = routing.word;
  for (; i !== -1; i = nextTrigger(text, i + 1)) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      const groups = readGroups(text, i);
      digitsHere = 0;
      for (let g = 0; g < groups; g++) digitsHere += groupEnd[g]! - groupStart[g]!;
      ask(text, routing.digit, i, positional);
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
          ask(text, wordRules, p - 3, positional);
        if (p < i && !wordAt(text, p - 1)) ask(text, wordRules, p, positional);
      }
    } else if (c === 43) ask(text, routing.plus, i, positional);
    else if (c === 40) ask(text, routing.paren, i, positional);
    else if (c === 64 || c === 0xff20) ask(text, routing.at, i, positional);
    else if (c === 58) ask(text, routing.colon, i, positional);
    else if (c === 61) ask(text, routing.equals, i, positional);
    else ask(text, routing.marker, i, positional);
  }
  return candidates.count;
};
