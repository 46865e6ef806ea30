// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Scrubbing: every value the detectors find in a text (or anywhere inside a JSON value) is
// replaced by its masked form; counts say how many values of each class were masked.
import {
  DEFAULT_DETECTORS,
  findAll,
  isCardNumber,
  looksSecret,
  mayHoldFinding,
  secretLabelKind,
} from './detectors.js';
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

/**
 * The scrubbed form of the distinct strings of one column of one result (a phone number, a note
 * repeated on many rows is scanned once). Lives for one call only, as TokenMemo does; the first
 * 4096 distinct strings are remembered (a small map stays cheap to grow and to probe).
 */
export class ScrubMemo {
  private readonly seen = new Map<string, Scrubbed>();
  private static readonly MAX = 4096;

  get(text: string): Scrubbed | undefined {
    return this.seen.get(text);
  }

  set(text: string, scrubbed: Scrubbed): void {
    if (this.seen.size < ScrubMemo.MAX) this.seen.set(text, scrubbed);
  }
}

/** Scrubs `text` into `counts`; the same string back when nothing is found (no allocation). */
export const scrubInto = (text: string, options: ScrubOptions, counts: ScrubCounts): string => {
  const memo = options.scrubbed;
  if (memo === undefined) return scrubFresh(text, options, counts, undefined);
  // Text no built-in detector can start in is neither scanned again nor remembered.
  if (options.detectors === undefined && !mayHoldFinding(text)) return text;
  const known = memo.get(text);
  if (known !== undefined) {
    for (let n = 0; n < known.classes.length; n++) count(counts, known.classes[n]!);
    return known.text;
  }
  const classes: DataClass[] = [];
  const scrubbed = scrubFresh(text, options, counts, classes);
  memo.set(text, { text: scrubbed, classes });
  return scrubbed;
};

const scrubFresh = (
  text: string,
  options: ScrubOptions,
  counts: ScrubCounts,
  classes: DataClass[] | undefined,
): string => {
  const findings = findAll(text, options.detectors ?? DEFAULT_DETECTORS);
  if (findings.length === 0) return text;
  let out = '';
  let last = 0;
  for (const f of findings) {
    if (options.skip?.(f.dataClass)) continue;
    out += text.slice(last, f.start);
    out += maskValue(
      text.slice(f.start, f.end),
      f.dataClass,
      options.strategyFor(f.dataClass),
      options.tokenKey,
      options.memo,
    );
    last = f.end;
    count(counts, f.dataClass);
    classes?.push(f.dataClass);
  }
  return out + text.slice(last);
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
  const skipped = (c: DataClass) => options.skip?.(c) ?? false;

  const leaf = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === 'string') {
      const kind = key === undefined ? undefined : secretLabelKind(key);
      if (kind && !skipped('SECRET') && looksSecret(v.trim(), kind)) {
        count(counts, 'SECRET');
        return maskValue(v, 'SECRET', options.strategyFor('SECRET'), options.tokenKey, options.memo);
      }
    }
    return scrubScalarInto(v, options, counts);
  };

  const copies = new Map<object, unknown>();
  /** Containers whose children are still to be copied. */
  const pending: { source: object; target: unknown[] | Record<string, unknown> }[] = [];

  const visit = (v: unknown, key: string | undefined): unknown => {
    if (v === null || typeof v !== 'object') return leaf(v, key);
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
    const used = new Set<string>();
    const entries = Object.entries(source);
    // Keys that are not masked keep their name; masked ones are renamed around them.
    const keys = entries.map(([k]) => scrubInto(k, options, counts));
    entries.forEach(([k], index) => {
      if (keys[index] === k) used.add(k);
    });
    entries.forEach(([k, child], index) => {
      let name = keys[index]!;
      if (name !== k) {
        const base = name;
        for (let n = 2; used.has(name); n++) name = `${base}#${n}`;
        used.add(name);
      }
      define(target, name, visit(child, k));
    });
  }
  return root;
};
