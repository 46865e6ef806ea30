// Masking HTTP response bodies: a JSON body by the connection's classification (JSON paths → data
// class, each matched value masked whole by its class's strategy) and by the value detectors (every
// other string, object keys, strings that hold JSON themselves); any other text by the detectors
// alone. The same strategies, tokens and detectors as SQL results (mask-result.ts), so an e-mail
// has the same token in both. Bounded: depth, nodes and levels of JSON inside strings; beyond them
// the body is refused, never passed on half-masked.
import { TollgateError } from '../errors.js';
import { DEFAULT_DETECTORS, looksSecret, type SecretLabelKind, secretLabelKind } from './detectors.js';
import { DistinctMemo } from './distinct-memo.js';
import { findNamesAndPlaces } from './free-text/names.js';
import { safeStrategy } from './mask-result.js';
import { DETECTOR_ONLY } from './resolved-classification.js';
import { ScrubMemo, type ScrubOptions, scrubInto, scrubScalarInto } from './scrub.js';
import { maskValue, TokenMemo } from './strategies.js';
import type { DataClass, Detector, MaskingStrategy } from './types.js';

/** What a connection does with a response body that is not JSON. */
export type NonJsonMode = 'pass' | 'block' | 'scrub-text';
export const NON_JSON_MODES: readonly NonJsonMode[] = ['pass', 'block', 'scrub-text'];

// ---------------------------------------------------------------------------------------------
// Paths

/**
 * One step of a classification path. `descendant` (written `..`): the step applies to the
 * children of the current node and of every node below it (`$..email`: every member `email`).
 */
export type PathSegment =
  | { readonly kind: 'member'; readonly name: string; readonly descendant: boolean }
  /** Negative indices count from the end (`[-1]`: the last element). */
  | { readonly kind: 'index'; readonly index: number; readonly descendant: boolean }
  /** Every member of an object, every element of an array. */
  | { readonly kind: 'wildcard'; readonly descendant: boolean };

export interface ClassificationPath {
  /** As written in the configuration. */
  readonly source: string;
  /** One spelling per path (`$["a"]` and `$.a` are both `$.a`); what summaries name. */
  readonly canonical: string;
  readonly segments: readonly PathSegment[];
}

/** A classification path that cannot be parsed; `problems` lists each one with its path. */
export class ClassificationPathError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? problems[0]!
        : `The classification is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ClassificationPathError';
  }
}

export const MAX_PATH_LENGTH = 1000;
export const MAX_PATH_SEGMENTS = 64;
const DATA_CLASS = /^[A-Z][A-Z0-9_]{1,62}$/;

/** Characters of a member name written after a dot: letters, digits (not first), `_`, `-`, `$`. */
const isNameChar = (c: number): boolean =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  c === 95 ||
  c === 45 ||
  c === 36 ||
  c >= 0x80;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const SHORTHAND = /^[A-Za-z_$\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff-]*$/;

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class PathSyntax extends Error {
  constructor(
    readonly at: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

const canonicalOf = (segments: readonly PathSegment[]): string => {
  let out = '$';
  for (const s of segments) {
    const lead = s.descendant ? '..' : '';
    if (s.kind === 'wildcard') out += s.descendant ? '..*' : '[*]';
    else if (s.kind === 'index') out += `${lead}[${s.index}]`;
    else if (SHORTHAND.test(s.name)) out += `${s.descendant ? '..' : '.'}${s.name}`;
    else out += `${lead}['${s.name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
};

/**
 * Parses one classification path: `$` (the whole body), `.name`, `['any key']` or `["any key"]`
 * (JSON escapes inside; the way to name a key with dots, spaces or brackets), `[0]`, `[-1]`,
 * `[*]` or `.*`, and `..` before any of them (recursive descent). Filters, unions and slices are
 * refused: a classification names where values are, not which ones. Throws
 * ClassificationPathError with the problem and where it is.
 */
export const parseClassificationPath = (path: string): ClassificationPath => {
  try {
    const segments = parseSegments(path);
    return { source: path, canonical: canonicalOf(segments), segments };
  } catch (error) {
    if (!(error instanceof PathSyntax)) throw error;
    throw new ClassificationPathError([
      `invalid classification path ${JSON.stringify(path)}: ${error.problem}${error.at >= 0 ? ` (at offset ${error.at})` : ''}`,
    ]);
  }
};

/** The problem of a path as `parseClassificationPath` says it, or undefined when it is valid (for schema refinements). */
export const classificationPathProblem = (path: string): string | undefined => {
  try {
    parseClassificationPath(path);
    return undefined;
  } catch (error) {
    if (error instanceof ClassificationPathError) return error.problems[0];
    throw error;
  }
};

const parseSegments = (path: string): PathSegment[] => {
  if (typeof path !== 'string') throw new PathSyntax(-1, 'a path must be a string');
  if (path.length > MAX_PATH_LENGTH) throw new PathSyntax(-1, `longer than ${MAX_PATH_LENGTH} characters`);
  if (path[0] !== '$') throw new PathSyntax(0, 'must start with $ (the root of the response body)');
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    if (segments.length === MAX_PATH_SEGMENTS)
      throw new PathSyntax(i, `more than ${MAX_PATH_SEGMENTS} steps`);
    const c = path[i];
    let descendant = false;
    if (c === '.') {
      if (path[i + 1] === '.') {
        descendant = true;
        i += 2;
        if (path[i] === '.') throw new PathSyntax(i, '`...` is not a step: write `..name`');
        if (path[i] === '[') {
          i = bracket(path, i, true, segments);
          continue;
        }
      } else i += 1;
      if (i >= path.length)
        throw new PathSyntax(
          i,
          `${descendant ? '`..`' : '`.`'} must be followed by a member name, * or [...]`,
        );
      if (path[i] === '*') {
        segments.push({ kind: 'wildcard', descendant });
        i++;
        continue;
      }
      const from = i;
      while (i < path.length && isNameChar(path.charCodeAt(i))) i++;
      if (i === from)
        throw new PathSyntax(
          i,
          `unexpected ${JSON.stringify(path[i])} after ${descendant ? '..' : '.'}: a member name is letters, digits, _, - or $; write ['…'] for any other key`,
        );
      const name = path.slice(from, i);
      if (isDigit(name.charCodeAt(0)))
        throw new PathSyntax(
          from,
          `a member name cannot start with a digit: write [${name}] for an array index or ['${name}'] for a key`,
        );
      segments.push({ kind: 'member', name, descendant });
      continue;
    }
    if (c === '[') {
      i = bracket(path, i, false, segments);
      continue;
    }
    throw new PathSyntax(i, `unexpected ${JSON.stringify(c)}: expected .name, ..name or [...]`);
  }
  return segments;
};

const skipSpaces = (path: string, i: number): number => {
  while (path[i] === ' ' || path[i] === '\t') i++;
  return i;
};

/** Parses `[...]` at `i` into `segments`; returns the offset after `]`. */
const bracket = (path: string, open: number, descendant: boolean, segments: PathSegment[]): number => {
  let i = skipSpaces(path, open + 1);
  const c = path[i];
  let segment: PathSegment;
  if (c === "'" || c === '"') {
    const quote = c;
    let name = '';
    i++;
    for (;;) {
      if (i >= path.length) throw new PathSyntax(open, `unterminated ${quote === "'" ? "'…'" : '"…"'} key`);
      const ch = path[i]!;
      if (ch === quote) break;
      if (ch === '\\') {
        const e = path[i + 1];
        if (e === 'u') {
          const hex = path.slice(i + 2, i + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new PathSyntax(i, 'a \\u escape takes 4 hex digits');
          name += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
          continue;
        }
        const decoded = e === undefined ? undefined : ESCAPES[e];
        if (decoded === undefined) throw new PathSyntax(i, `unknown escape \\${e ?? ''}`);
        name += decoded;
        i += 2;
        continue;
      }
      if (ch.charCodeAt(0) < 0x20) throw new PathSyntax(i, 'a control character inside a key: escape it');
      name += ch;
      i++;
    }
    i++;
    segment = { kind: 'member', name, descendant };
  } else if (c === '*') {
    i++;
    segment = { kind: 'wildcard', descendant };
  } else if (c === '?') throw new PathSyntax(i, 'filter expressions ([?…]) are not supported');
  else if (c === '-' || (c !== undefined && isDigit(c.charCodeAt(0)))) {
    const from = i;
    if (c === '-') i++;
    const digits = i;
    while (i < path.length && isDigit(path.charCodeAt(i))) i++;
    const text = path.slice(digits, i);
    if (text.length === 0) throw new PathSyntax(from, 'expected digits of an array index');
    if (text.length > 1 && text[0] === '0') throw new PathSyntax(from, 'an array index has no leading zeros');
    if (path[skipSpaces(path, i)] === ':') throw new PathSyntax(i, 'slices ([a:b]) are not supported');
    const index = Number(path.slice(from, i));
    if (!Number.isSafeInteger(index) || (c === '-' && index === 0))
      throw new PathSyntax(from, 'an array index must be a safe integer (and -0 is not one)');
    segment = { kind: 'index', index, descendant };
  } else if (c === ':') throw new PathSyntax(i, 'slices ([a:b]) are not supported');
  else if (c === ']') throw new PathSyntax(i, "empty brackets: write [*], [0] or ['key']");
  else
    throw new PathSyntax(
      i,
      i >= path.length
        ? 'unterminated ['
        : `unexpected ${JSON.stringify(c)} in brackets: expected 'key', an index or *`,
    );
  i = skipSpaces(path, i);
  if (path[i] === ',') throw new PathSyntax(i, 'unions ([a,b]) are not supported: write one path per member');
  if (path[i] === ':') throw new PathSyntax(i, 'slices ([a:b]) are not supported');
  if (path[i] !== ']') throw new PathSyntax(i, i >= path.length ? 'unterminated [' : 'expected ]');
  segments.push(segment);
  return i + 1;
};

// ---------------------------------------------------------------------------------------------
// Classification

export interface ClassifiedPath extends ClassificationPath {
  readonly dataClass: DataClass;
}

/** A connection's response classification, parsed once (when the connection is loaded). */
export interface JsonClassification {
  readonly paths: readonly ClassifiedPath[];
}

/**
 * Parses a classification (`{ "$.customer.email": "EMAIL_ADDRESS" }`). Every invalid path and
 * class is reported at once, in one ClassificationPathError.
 */
export const compileClassification = (
  classification: Readonly<Record<string, DataClass>>,
): JsonClassification => {
  const problems: string[] = [];
  const paths: ClassifiedPath[] = [];
  for (const [source, dataClass] of Object.entries(classification)) {
    let parsed: ClassificationPath | undefined;
    try {
      parsed = parseClassificationPath(source);
    } catch (error) {
      if (!(error instanceof ClassificationPathError)) throw error;
      problems.push(...error.problems);
    }
    if (typeof dataClass !== 'string' || !DATA_CLASS.test(dataClass))
      problems.push(
        `classification path ${JSON.stringify(source)}: ${JSON.stringify(dataClass)} is not an UPPER_SNAKE data class`,
      );
    else if (parsed) paths.push({ ...parsed, dataClass });
  }
  if (problems.length > 0) throw new ClassificationPathError(problems);
  return { paths };
};

// ---------------------------------------------------------------------------------------------
// Masking

export interface JsonBodyLimits {
  /** Containers nested at most (JSON inside a string continues its string's depth). @default 64 */
  readonly maxDepth: number;
  /** Values (containers and scalars, those inside strings too) walked at most. @default 1_000_000 */
  readonly maxNodes: number;
  /** Levels of JSON inside strings unpacked (a string holding JSON holding a string of JSON: 2). @default 8 */
  readonly maxEmbedded: number;
}

export const DEFAULT_JSON_BODY_LIMITS: JsonBodyLimits = Object.freeze({
  maxDepth: 64,
  maxNodes: 1_000_000,
  maxEmbedded: 8,
});

/** What masking a response needs; the same inputs as a SQL result's (mask-result.ts). */
export interface JsonBodyMasking {
  /** The connection's response classification (compileClassification). */
  readonly classification: JsonClassification;
  /**
   * Each class's strategy: the connection's `masking` over the defaults. Wire it as
   * `(c) => strategyFor(connection, c)` (mask-result.ts), so HTTP and SQL mask a class alike.
   */
  readonly strategyFor: (dataClass: DataClass) => MaskingStrategy;
  /** The deployment's masking key (the SQL route's): the same value gets the same token. */
  readonly tokenKey: Uint8Array | string;
  /** Whether the principal may see a class raw (Cedar `data:unmask`); asked once per class, only for classes met. */
  readonly mayUnmask: (dataClass: DataClass) => boolean;
  /** Detector classes switched off on this connection (`detectorsOff`); every detector runs by default. */
  readonly detectorsOff?: readonly DataClass[];
  readonly limits?: Partial<JsonBodyLimits>;
}

/** A classification path that masked values, and how many (never which). */
export type MaskedPath = { readonly path: string; readonly dataClass: DataClass; readonly count: number };

/** What a recording keeps of a masked body: counts only. Assignable to the recording's JSON. */
export type BodyMaskingSummary = {
  /** Per classification path (canonical form) that matched: values masked by its class. */
  readonly maskedPaths: readonly MaskedPath[];
  /** Values the detectors masked, per class (keys and strings inside strings included). */
  readonly detected: Readonly<Record<DataClass, number>>;
  /** Classified classes this body held that the principal may see raw. */
  readonly unmasked: readonly DataClass[];
};

/** The body could not be masked within the limits: it is withheld (502), never passed on half-masked. */
export class ResponseTooComplexError extends TollgateError {
  constructor(
    readonly limit: 'depth' | 'nodes' | 'embedded',
    readonly max: number,
  ) {
    const what =
      limit === 'depth'
        ? `nests deeper than ${max} levels`
        : limit === 'nodes'
          ? `holds more than ${max} values`
          : `nests JSON inside strings more than ${max} levels deep`;
    super('target_error', `The target's response ${what}; it was withheld because it could not be masked.`, {
      details: { limit, max },
    });
  }
}

const REDACT: MaskingStrategy = Object.freeze({ kind: 'redact' });
const NO_STATES: readonly number[] = Object.freeze([]);
/** States are `path index × STRIDE + segments matched`. */
const STRIDE = MAX_PATH_SEGMENTS + 1;
const NAMES_AND_PLACES: Detector = { dataClass: 'PERSON', find: findNamesAndPlaces };
const NAMES_AND_PLACES_CLASSES: ReadonlySet<DataClass> = new Set(['PERSON', 'LOCATION']);
/** Distinct values remembered per cover (as mask-result does per column). */
const MAX_DISTINCT = 100_000;

/** The classification paths covering a node (it or an ancestor matched them), and what follows. */
interface Cover {
  readonly paths: readonly number[];
  /** Classes masked whole here: covering, not detector-only, not unmaskable by the principal. */
  readonly hidden: readonly DataClass[];
  /** The one hidden class whose strategy applies; undefined with several (redacted `[A+B]`). */
  readonly only: DataClass | undefined;
  readonly label: string;
  /** Paths whose class is hidden: each value masked here counts for them. */
  readonly counted: readonly number[];
  /** A FREE_TEXT path covers it: strings also searched for names and places. */
  readonly freeText: boolean;
  readonly done: DistinctMemo<string>;
}

interface Walk {
  readonly paths: readonly ClassifiedPath[];
  readonly masking: JsonBodyMasking;
  readonly limits: JsonBodyLimits;
  readonly options: ScrubOptions;
  readonly freeTextOptions: ScrubOptions;
  readonly keyOptions: ScrubOptions;
  readonly memo: TokenMemo;
  readonly mayRaw: (c: DataClass) => boolean;
  readonly detected: Record<DataClass, number>;
  readonly counts: number[];
  readonly unmasked: Set<DataClass>;
  readonly covers: Map<string, Cover>;
  readonly labels: Map<string, SecretLabelKind | null>;
  readonly none: Cover;
  nodes: number;
}

const resolveLimits = (given: Partial<JsonBodyLimits> | undefined): JsonBodyLimits => {
  const limits = { ...DEFAULT_JSON_BODY_LIMITS, ...given };
  const check = (name: keyof JsonBodyLimits, min: number, max: number) => {
    const v = limits[name];
    if (!Number.isInteger(v) || v < min || v > max)
      throw new RangeError(
        `JSON body limit ${name} must be an integer from ${min} to ${max}, got ${String(v)}`,
      );
  };
  check('maxDepth', 1, 1000);
  check('maxNodes', 1, 50_000_000);
  check('maxEmbedded', 0, 32);
  return limits;
};

const newWalk = (masking: JsonBodyMasking): Walk => {
  const allowed = new Map<DataClass, boolean>();
  const mayRaw = (c: DataClass): boolean => {
    let raw = allowed.get(c);
    if (raw === undefined) {
      raw = masking.mayUnmask(c);
      allowed.set(c, raw);
    }
    return raw;
  };
  const memo = new TokenMemo(masking.tokenKey);
  const off = new Set(masking.detectorsOff ?? []);
  const detectors = off.size > 0 ? DEFAULT_DETECTORS.filter((d) => !off.has(d.dataClass)) : undefined;
  const options: ScrubOptions = {
    ...(detectors ? { detectors } : {}),
    strategyFor: (c) => (mayRaw(c) ? REDACT : masking.strategyFor(c)),
    tokenKey: masking.tokenKey,
    skip: mayRaw,
    memo,
    scrubbed: new ScrubMemo(),
  };
  const freeTextOptions: ScrubOptions = {
    ...options,
    detectors: [...(detectors ?? DEFAULT_DETECTORS), NAMES_AND_PLACES],
    strategyFor: (c) => (NAMES_AND_PLACES_CLASSES.has(c) ? REDACT : options.strategyFor(c)),
    scrubbed: new ScrubMemo(),
  };
  const none: Cover = {
    paths: NO_STATES,
    hidden: [],
    only: undefined,
    label: '',
    counted: NO_STATES,
    freeText: false,
    done: new DistinctMemo(0),
  };
  return {
    paths: masking.classification.paths,
    masking,
    limits: resolveLimits(masking.limits),
    options,
    freeTextOptions,
    keyOptions: { ...options, scrubbed: new ScrubMemo() },
    memo,
    mayRaw,
    detected: {},
    counts: new Array<number>(masking.classification.paths.length).fill(0),
    unmasked: new Set(),
    covers: new Map(),
    labels: new Map(),
    none,
    nodes: 0,
  };
};

/** The cover of a node under `parent` that also matched `matched` (path indices). */
const coverWith = (w: Walk, parent: Cover, matched: readonly number[]): Cover => {
  const paths = [...new Set([...parent.paths, ...matched])].sort((a, b) => a - b);
  const key = paths.join(',');
  let cover = w.covers.get(key);
  if (cover !== undefined) return cover;
  const classes = [...new Set(paths.map((p) => w.paths[p]!.dataClass))].sort();
  const hidden: DataClass[] = [];
  let freeText = false;
  for (const c of classes) {
    if (DETECTOR_ONLY.has(c)) freeText ||= !w.mayRaw(c);
    else if (w.mayRaw(c)) w.unmasked.add(c);
    else hidden.push(c);
  }
  cover = {
    paths,
    hidden,
    only: hidden.length === 1 ? hidden[0] : undefined,
    label: `[${hidden.join('+')}]`,
    counted: paths.filter((p) => hidden.includes(w.paths[p]!.dataClass)),
    freeText,
    done: new DistinctMemo<string>(MAX_DISTINCT),
  };
  w.covers.set(key, cover);
  return cover;
};

/** `states` with `state` (once: `$..a..b` on nested `a`s would otherwise double them per level). */
const add = (states: number[] | undefined, state: number): number[] => {
  if (states === undefined) return [state];
  if (!states.includes(state)) states.push(state);
  return states;
};

/** The states of a child (`key` of an object, or `index` of an array of `length`); matched paths into `matched`. */
const step = (
  w: Walk,
  states: readonly number[],
  key: string | undefined,
  index: number,
  length: number,
  matched: number[],
): readonly number[] => {
  let next: number[] | undefined;
  for (let s = 0; s < states.length; s++) {
    const state = states[s]!;
    const p = Math.floor(state / STRIDE);
    const i = state % STRIDE;
    const segments = w.paths[p]!.segments;
    const seg = segments[i]!;
    let hit: boolean;
    if (seg.kind === 'wildcard') hit = true;
    else if (seg.kind === 'member') hit = key === seg.name;
    else hit = key === undefined && (seg.index >= 0 ? seg.index === index : length + seg.index === index);
    if (seg.descendant) next = add(next, state);
    if (!hit) continue;
    if (i + 1 === segments.length) matched.push(p);
    else next = add(next, state + 1);
  }
  return next ?? NO_STATES;
};

const JSON_SPACE = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** Whether a string could hold a JSON object or array: `{…}` or `[…]`, white space around. */
const mayHoldJson = (text: string): boolean => {
  let a = 0;
  let b = text.length - 1;
  while (a < b && JSON_SPACE(text.charCodeAt(a))) a++;
  while (b > a && JSON_SPACE(text.charCodeAt(b))) b--;
  if (b <= a) return false;
  const first = text.charCodeAt(a);
  const last = text.charCodeAt(b);
  return (first === 123 && last === 125) || (first === 91 && last === 93);
};

const secretKind = (w: Walk, key: string): SecretLabelKind | undefined => {
  let kind = w.labels.get(key);
  if (kind === undefined) {
    kind = secretLabelKind(key) ?? null;
    if (w.labels.size < 10_000) w.labels.set(key, kind);
  }
  return kind ?? undefined;
};

/** A value under a hidden cover: a scalar masked whole, as a SQL column copied unchanged is. */
const maskWhole = (w: Walk, value: string | number | bigint | boolean, cover: Cover): string => {
  for (let k = 0; k < cover.counted.length; k++) w.counts[cover.counted[k]!]!++;
  const only = cover.only;
  if (only === undefined) return cover.label;
  const text =
    typeof value === 'string' ? value : typeof value === 'bigint' ? value.toString() : JSON.stringify(value);
  let masked = cover.done.get(text);
  if (masked === undefined) {
    masked = maskValue(
      text,
      only,
      safeStrategy(text, only, w.masking.strategyFor(only)),
      w.masking.tokenKey,
      w.memo,
    );
    cover.done.set(text, masked);
  }
  return masked;
};

const visit = (
  w: Walk,
  value: unknown,
  states: readonly number[],
  cover: Cover,
  key: string | undefined,
  depth: number,
  embedded: number,
): unknown => {
  if (++w.nodes > w.limits.maxNodes) throw new ResponseTooComplexError('nodes', w.limits.maxNodes);
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      if (cover.hidden.length > 0) return maskWhole(w, value, cover);
      return visitString(w, value, states, cover, key, depth, embedded);
    case 'number':
    case 'bigint':
    case 'boolean':
      if (cover.hidden.length > 0) return maskWhole(w, value, cover);
      return scrubScalarInto(value, w.options, w.detected);
    case 'object': {
      if (depth > w.limits.maxDepth) throw new ResponseTooComplexError('depth', w.limits.maxDepth);
      if (Array.isArray(value)) return visitArray(w, value, states, cover, depth, embedded);
      const proto = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null)
        return visitObject(w, value as Record<string, unknown>, states, cover, depth, embedded);
      throw new TypeError(`not a JSON value: ${proto?.constructor?.name ?? 'an object'}`);
    }
    default:
      throw new TypeError(`not a JSON value: ${typeof value}`);
  }
};

const visitString = (
  w: Walk,
  text: string,
  states: readonly number[],
  cover: Cover,
  key: string | undefined,
  depth: number,
  embedded: number,
): string => {
  // Under a key that names a secret, a value that looks like one is masked whole (as scrubJson does).
  if (key !== undefined) {
    const kind = secretKind(w, key);
    // The principal's allowance is asked last: only about a secret there is.
    if (kind && looksSecret(text.trim(), kind) && !w.mayRaw('SECRET')) {
      w.detected.SECRET = (w.detected.SECRET ?? 0) + 1;
      return maskValue(text, 'SECRET', w.options.strategyFor('SECRET'), w.masking.tokenKey, w.memo);
    }
  }
  if (mayHoldJson(text)) {
    let inner: unknown;
    try {
      inner = JSON.parse(text);
    } catch {
      inner = undefined; // not JSON after all: text for the detectors
    }
    if (inner !== null && typeof inner === 'object') {
      if (embedded >= w.limits.maxEmbedded)
        throw new ResponseTooComplexError('embedded', w.limits.maxEmbedded);
      // The document inside stands where its string is: paths go on into it.
      const masked = visit(w, inner, states, cover, undefined, depth, embedded + 1);
      return masked === inner ? text : JSON.stringify(masked);
    }
  }
  return scrubInto(text, cover.freeText ? w.freeTextOptions : w.options, w.detected);
};

const visitArray = (
  w: Walk,
  items: readonly unknown[],
  states: readonly number[],
  cover: Cover,
  depth: number,
  embedded: number,
): readonly unknown[] => {
  let out: unknown[] | undefined;
  const matched: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    let childStates = NO_STATES;
    let childCover = cover;
    if (states.length > 0) {
      matched.length = 0;
      childStates = step(w, states, undefined, i, items.length, matched);
      if (matched.length > 0) childCover = coverWith(w, cover, matched);
    }
    const masked = visit(w, item, childStates, childCover, undefined, depth + 1, embedded);
    if (out !== undefined) out.push(masked);
    else if (masked !== item) {
      out = items.slice(0, i);
      out.push(masked);
    }
  }
  return out ?? items;
};

const define = (target: Record<string, unknown>, key: string, value: unknown): void => {
  // A `__proto__` key stays an own property instead of replacing the prototype.
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
};

const visitObject = (
  w: Walk,
  source: Record<string, unknown>,
  states: readonly number[],
  cover: Cover,
  depth: number,
  embedded: number,
): Record<string, unknown> => {
  const keys = Object.keys(source);
  // Keys through the detectors first (an e-mail used as a key); masked keys that collide with
  // another key get `#2`, `#3`… (as scrubJson does). Paths match the keys as the target sent them.
  let names: string[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const name = scrubInto(k, w.keyOptions, w.detected);
    if (name === k) continue;
    names ??= keys.slice();
    names[i] = name;
  }
  if (names !== undefined) {
    const used = new Set<string>();
    for (let i = 0; i < keys.length; i++) if (names[i] === keys[i]) used.add(keys[i]!);
    for (let i = 0; i < keys.length; i++) {
      if (names[i] === keys[i]) continue;
      const base = names[i]!;
      let name = base;
      for (let n = 2; used.has(name); n++) name = `${base}#${n}`;
      used.add(name);
      names[i] = name;
    }
  }
  let out: Record<string, unknown> | undefined;
  if (names !== undefined) out = {};
  const matched: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const child = source[k];
    let childStates = NO_STATES;
    let childCover = cover;
    if (states.length > 0) {
      matched.length = 0;
      childStates = step(w, states, k, -1, 0, matched);
      if (matched.length > 0) childCover = coverWith(w, cover, matched);
    }
    const masked = visit(w, child, childStates, childCover, k, depth + 1, embedded);
    if (out === undefined && masked !== child) {
      out = {};
      for (let j = 0; j < i; j++) define(out, keys[j]!, source[keys[j]!]);
    }
    if (out !== undefined) define(out, names?.[i] ?? k, masked);
  }
  return out ?? source;
};

const summaryOf = (w: Walk): BodyMaskingSummary => {
  const maskedPaths: MaskedPath[] = [];
  w.paths.forEach((p, index) => {
    const count = w.counts[index]!;
    if (count > 0) maskedPaths.push({ path: p.canonical, dataClass: p.dataClass, count });
  });
  return { maskedPaths, detected: w.detected, unmasked: [...w.unmasked].sort() };
};

/**
 * Masks a parsed JSON body without mutating it (unchanged subtrees are shared with the input):
 * - a value at a classified path is masked whole by its class's strategy, as a SQL column copied
 *   unchanged is (`safeStrategy`): a string, and a number or boolean too (it becomes the masked
 *   string); an object or array there has every scalar under it masked so; `null` stays `null`.
 *   A value under several classified paths (`$.customer` and `$.customer.email`) is redacted as
 *   `[CLASS_A+CLASS_B]`, as a SQL value derived from several classes is. `FREE_TEXT` is never
 *   masked whole: its strings also go through the names-and-places rules. Classes the principal
 *   may unmask are left to the detectors, which skip them;
 * - every other string goes through the detectors; a string that parses as a JSON object or
 *   array is masked as a document standing where the string is (paths go on into it) and, when
 *   anything in it was masked, re-serialised compactly;
 * - object keys go through the detectors too (a key is a name, never masked by a path's class);
 *   a masked key that collides gets `#2`, `#3`…;
 * - numbers are not scanned, except integers whose digits are a valid card number (13–19 digits,
 *   issuer prefix, Luhn), which become the masked string — as in SQL results;
 * - under a key that names a secret, a string that looks like one is masked as `SECRET`.
 * Throws ResponseTooComplexError beyond the limits (the body must then be withheld), TypeError
 * on a value that is not JSON or an empty token key.
 */
export const maskJsonBody = (
  value: unknown,
  masking: JsonBodyMasking,
): { value: unknown; summary: BodyMaskingSummary } => {
  const w = newWalk(masking);
  const root: number[] = [];
  const matched: number[] = [];
  w.paths.forEach((p, index) => {
    if (p.segments.length === 0) matched.push(index);
    else root.push(index * STRIDE);
  });
  const cover = matched.length > 0 ? coverWith(w, w.none, matched) : w.none;
  const masked = visit(w, value, root, cover, undefined, 1, 0);
  return { value: masked, summary: summaryOf(w) };
};

/** The `scrub-text` mode: a body that is not JSON, with every value the detectors find masked. */
export const maskTextBody = (
  text: string,
  masking: JsonBodyMasking,
): { text: string; summary: BodyMaskingSummary } => {
  if (typeof text !== 'string') throw new TypeError('a text body must be a string');
  const w = newWalk(masking);
  // Bodies do not repeat: scanned without a memo.
  const masked = scrubInto(text, { ...w.options, scrubbed: undefined }, w.detected);
  return { text: masked, summary: summaryOf(w) };
};
