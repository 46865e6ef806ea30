// Scrubbing: every value the detectors find in a text (or anywhere inside a JSON value) is
// replaced by its masked form; counts say how many values of each class were masked.
import {
  DEFAULT_DETECTORS,
  isCardNumber,
  looksSecret,
  nextTrigger,
  resolved,
  resolveFindings,
  secretLabelKind,
} from './detectors.js';
import { DistinctMemo } from './distinct-memo.js';
import { maskValue, type TokenMemo } from './strategies.js';
import type { DataClass, Detector, MaskingStrategy } from './types.js';

export interface ScrubOptions {
  /** Detectors to run; the built-in ones by default. */
  readonly detectors?: readonly Detector[];
  readonly strategyFor: (dataClass: DataClass) => MaskingStrategy;
  readonly tokenKey: Uint8Array | string;
  /** Classes left as they are (the principal may see them raw); not counted. */
  readonly skip?: (dataClass: DataClass) => boolean;
  /** Tokens computed earlier in the same result (see TokenMemo). */
  readonly memo?: TokenMemo;
  /** Strings scrubbed earlier with the same options (see ScrubMemo). */
  readonly scrubbed?: ScrubMemo;
}

export type ScrubCounts = Record<DataClass, number>;

const count = (counts: ScrubCounts, dataClass: DataClass): void => {
  counts[dataClass] = (counts[dataClass] ?? 0) + 1;
};

/** A string as scrubbed, and the class of each value masked in it. */
interface Scrubbed {
  readonly text: string;
  readonly classes: readonly DataClass[];
}

const NO_CLASSES: readonly DataClass[] = Object.freeze([]);

/**
 * The scrubbed form of the distinct strings of one column of one result (a phone number, a note
 * repeated on many rows is scanned once): the first 4096 (a small map stays cheap to grow and to
 * probe). See DistinctMemo.
 */
export class ScrubMemo extends DistinctMemo<Scrubbed> {
  constructor() {
    super(4096);
  }
}

/** Scrubs `text` into `counts`; the same string back when nothing is found (no allocation). */
export const scrubInto = (text: string, options: ScrubOptions, counts: ScrubCounts): string => {
  const memo = options.scrubbed;
  if (memo === undefined) return scrubFresh(text, options, counts, undefined, undefined);
  // Text no built-in detector can start in is neither scanned again nor remembered.
  let first: number | undefined;
  if (options.detectors === undefined) {
    first = nextTrigger(text, 0);
    if (first === -1) return text;
  }
  if (!memo.active) return scrubFresh(text, options, counts, undefined, first);
  const known = memo.get(text);
  if (known !== undefined) {
    for (let n = 0; n < known.classes.length; n++) count(counts, known.classes[n]!);
    return known.text;
  }
  const classes: DataClass[] = [];
  const scrubbed = scrubFresh(text, options, counts, classes, first);
  memo.set(text, { text: scrubbed, classes: classes.length === 0 ? NO_CLASSES : classes });
  return scrubbed;
};

/** Spans to mask, copied out of `resolved` (callbacks below may scan other texts meanwhile). */
const spans = { start: new Int32Array(16), end: new Int32Array(16), dataClass: [] as string[] };
/** Whether `spans` is in use (a strategy or skip callback that scrubs would find it so). */
let spansBusy = false;

const scrubFresh = (
  text: string,
  options: ScrubOptions,
  counts: ScrubCounts,
  classes: DataClass[] | undefined,
  first: number | undefined,
): string => {
  const n = resolveFindings(text, options.detectors ?? DEFAULT_DETECTORS, first);
  if (n === 0) return text;
  const own = !spansBusy;
  const out = own ? spans : { start: new Int32Array(n), end: new Int32Array(n), dataClass: [] as string[] };
  if (out.start.length < n) {
    out.start = new Int32Array(Math.max(n, 2 * out.start.length));
    out.end = new Int32Array(out.start.length);
  }
  for (let k = 0; k < n; k++) {
    out.start[k] = resolved.start[k]!;
    out.end[k] = resolved.end[k]!;
    out.dataClass[k] = resolved.dataClass[k]!;
  }
  if (own) spansBusy = true;
  try {
    let masked = '';
    let last = 0;
    for (let k = 0; k < n; k++) {
      const dataClass = out.dataClass[k]!;
      if (options.skip?.(dataClass)) continue;
      const from = out.start[k]!;
      const to = out.end[k]!;
      masked +=
        text.slice(last, from) +
        maskValue(
          text.slice(from, to),
          dataClass,
          options.strategyFor(dataClass),
          options.tokenKey,
          options.memo,
        );
      last = to;
      count(counts, dataClass);
      classes?.push(dataClass);
    }
    return last === 0 ? text : masked + text.slice(last);
  } finally {
    if (own) spansBusy = false;
  }
};

/** Replaces every finding in `text` by its masked form. */
export const scrubText = (text: string, options: ScrubOptions): { text: string; counts: ScrubCounts } => {
  const counts: ScrubCounts = {};
  return { text: scrubInto(text, options, counts), counts };
};

const isPlainObject = (value: object): value is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

const define = (target: Record<string, unknown>, key: string, value: unknown): void => {
  // defineProperty: a `__proto__` key stays an own property instead of replacing the prototype.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};

/**
 * Scrubs a JSON-like value without mutating it:
 * - strings are scrubbed like `scrubText`;
 * - a string under an object key that names a secret (`password`, `api_key`, `client_secret`…)
 *   is masked whole as `SECRET` when it looks like one (see `looksSecret`);
 * - object keys are scrubbed too; a masked key that collides with another key gets `#2`, `#3`…;
 * - numbers (and bigints) stay numbers, except an integer whose decimal digits are a payment card
 *   number (13–19 digits, issuer prefix, Luhn): it becomes the masked string, since a number
 *   cannot hold a partial or tokenized card. 9-digit numbers are not treated as SSNs (an SSN
 *   written without separators is indistinguishable from an id);
 * - booleans, null, undefined and other objects (Date, Buffer…) are returned as they are;
 * - arrays and plain objects are walked iteratively (no recursion: any depth, no stack overflow);
 *   shared references and cycles map to the same scrubbed copy.
 */
export const scrubJson = (value: unknown, options: ScrubOptions): { value: unknown; counts: ScrubCounts } => {
  const counts: ScrubCounts = {};
  return { value: scrubJsonInto(value, options, counts), counts };
};

/** The smallest integer with 13 digits: shorter integers are never card numbers. */
const MIN_CARD = 1_000_000_000_000;

/**
 * A scalar as scrubJson masks it: strings scanned; integers of 13–19 digits checked as card
 * numbers; other numbers, booleans, null and undefined as they are (never scanned). Returns
 * `NOT_SCALAR` for objects.
 */
export const scrubScalarInto = (v: unknown, options: ScrubOptions, counts: ScrubCounts): unknown => {
  if (typeof v === 'string') return scrubInto(v, options, counts);
  if (typeof v === 'number') {
    if (v < MIN_CARD || !Number.isSafeInteger(v)) return v;
    return cardNumberInto(v.toString(), v, options, counts);
  }
  if (typeof v === 'bigint')
    return v >= BigInt(MIN_CARD) ? cardNumberInto(v.toString(), v, options, counts) : v;
  if (v === null || typeof v !== 'object') return v;
  return NOT_SCALAR;
};

export const NOT_SCALAR: unique symbol = Symbol('not a scalar');

const cardNumberInto = (digits: string, v: unknown, options: ScrubOptions, counts: ScrubCounts): unknown => {
  if ((options.skip?.('CREDIT_CARD') ?? false) || !isCardNumber(digits)) return v;
  count(counts, 'CREDIT_CARD');
  return maskValue(digits, 'CREDIT_CARD', options.strategyFor('CREDIT_CARD'), options.tokenKey, options.memo);
};

/** scrubJson, adding to `counts`. */
export const scrubJsonInto = (value: unknown, options: ScrubOptions, counts: ScrubCounts): unknown => {
  if (value === null || typeof value !== 'object') return scrubScalarInto(value, options, counts);
  // The common case, a flat array or object of scalars (a jsonb column): no copies to track.
  if (Array.isArray(value)) {
    if (flatArray(value)) {
      const target: unknown[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) target[i] = scrubScalarInto(value[i], options, counts);
      return target;
    }
  } else if (!isPlainObject(value)) return value;
  else if (flatObject(value)) {
    const target: Record<string, unknown> = {};
    copyMembers(value, target, options, counts, (v, key) => leafInto(v, key, options, counts));
    return target;
  }
  const copies = new Map<object, unknown>();
  /** Containers whose children are still to be copied. */
  const pending: { source: object; target: unknown[] | Record<string, unknown> }[] = [];

  const visit = (v: unknown, key: string | undefined): unknown => {
    if (v === null || typeof v !== 'object') return leafInto(v, key, options, counts);
    const seen = copies.get(v);
    if (seen !== undefined) return seen;
    if (Array.isArray(v)) {
      const target: unknown[] = new Array(v.length);
      copies.set(v, target);
      pending.push({ source: v, target });
      return target;
    }
    if (!isPlainObject(v)) return v;
    const target: Record<string, unknown> = {};
    copies.set(v, target);
    pending.push({ source: v, target });
    return target;
  };

  const root = visit(value, undefined);
  while (pending.length > 0) {
    const { source, target } = pending.pop()!;
    if (Array.isArray(target)) {
      const items = source as unknown[];
      for (let i = 0; i < items.length; i++) target[i] = visit(items[i], undefined);
      continue;
    }
    copyMembers(source as Record<string, unknown>, target, options, counts, visit);
  }
  return root;
};

/** Whether an array holds no container (and so no shared reference, no cycle). */
const flatArray = (value: readonly unknown[]): boolean => {
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (v !== null && typeof v === 'object') return false;
  }
  return true;
};

/** Whether a plain object's own members hold no container. */
const flatObject = (value: Record<string, unknown>): boolean => {
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const v = value[key];
    if (v !== null && typeof v === 'object') return false;
  }
  return true;
};

/** A member's value that is not a container: a secret under a secret's key, or scrubbed. */
const leafInto = (
  v: unknown,
  key: string | undefined,
  options: ScrubOptions,
  counts: ScrubCounts,
): unknown => {
  if (typeof v === 'string' && key !== undefined) {
    const kind = secretLabelKind(key);
    if (kind && !(options.skip?.('SECRET') ?? false) && looksSecret(v.trim(), kind)) {
      count(counts, 'SECRET');
      return maskValue(v, 'SECRET', options.strategyFor('SECRET'), options.tokenKey, options.memo);
    }
  }
  return scrubScalarInto(v, options, counts);
};

/**
 * Copies the members of `source` into `target`, each value through `value`. Keys are scrubbed
 * too: those not masked keep their name, and a masked one that collides with another gets `#2`,
 * `#3`… (the unmasked names are taken first).
 */
const copyMembers = (
  source: Record<string, unknown>,
  target: Record<string, unknown>,
  options: ScrubOptions,
  counts: ScrubCounts,
  value: (v: unknown, key: string) => unknown,
): void => {
  const keys = Object.keys(source);
  const names = new Array<string>(keys.length);
  let renamed = false;
  for (let i = 0; i < keys.length; i++) {
    names[i] = scrubInto(keys[i]!, options, counts);
    if (names[i] !== keys[i]) renamed = true;
  }
  let used: Set<string> | undefined;
  if (renamed) {
    used = new Set();
    for (let i = 0; i < keys.length; i++) if (names[i] === keys[i]) used.add(keys[i]!);
  }
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    let name = names[i]!;
    if (used !== undefined && name !== key) {
      const base = name;
      for (let n = 2; used.has(name); n++) name = `${base}#${n}`;
      used.add(name);
    }
    const v = value(source[key], key);
    // A `__proto__` key stays an own property instead of replacing the prototype.
    if (name === '__proto__') define(target, name, v);
    else target[name] = v;
  }
};
