// Masks a result before it reaches the agent or any recording: every output column derived
// from a classified source column is masked by its class's strategy (lineage); an output whose
// lineage cannot be resolved is masked whole when the statement reads a classified table (fail
// closed); then value detectors scrub every remaining string, inside JSON values too.
import type { Connection } from '../config/connection.js';
import type { ResultSet } from '../ports.js';
import { DEFAULT_DETECTORS, resolved, resolveFindings } from './detectors.js';
import { DistinctMemo } from './distinct-memo.js';
import { findNamesAndPlaces } from './free-text/names.js';
import type { OutputLineage } from './lineage.js';
import { DETECTOR_ONLY, type ResolvedClassification } from './resolved-classification.js';
import {
  NOT_SCALAR,
  ScrubMemo,
  type ScrubOptions,
  scrubInto,
  scrubJsonInto,
  scrubScalarInto,
} from './scrub.js';
import { maskValue, TokenMemo } from './strategies.js';
import type { DataClass, Detector, MaskingStrategy } from './types.js';

/** Defaults per class; a connection's `masking` overrides them. FREE_TEXT is left to detectors. */
const DEFAULT_STRATEGIES: Readonly<Record<string, MaskingStrategy>> = {
  EMAIL_ADDRESS: { kind: 'tokenize' },
  PHONE_NUMBER: { kind: 'partial', keep: 2 },
  US_SSN: { kind: 'partial', keep: 4 },
  CREDIT_CARD: { kind: 'partial', keep: 4 },
  IBAN_CODE: { kind: 'partial', keep: 4 },
  PERSON: { kind: 'tokenize' },
  LOCATION: { kind: 'redact' },
  SECRET: { kind: 'redact' },
  // National identifiers: the last two digits or letters, at most a third (see `partial`).
  BR_CPF: { kind: 'partial', keep: 2 },
  BR_CNPJ: { kind: 'partial', keep: 2 },
  UK_NINO: { kind: 'partial', keep: 2 },
  CA_SIN: { kind: 'partial', keep: 2 },
  IN_PAN: { kind: 'partial', keep: 2 },
  IN_AADHAAR: { kind: 'partial', keep: 2 },
  EU_VAT: { kind: 'partial', keep: 2 },
};

export interface MaskedColumn {
  readonly column: string;
  readonly dataClasses: readonly DataClass[];
  /** `lineage`: derived from classified columns; `unresolved`: lineage unknown, masked to be safe. */
  readonly reason: 'lineage' | 'unresolved';
}

export interface MaskingReport {
  readonly maskedColumns: readonly MaskedColumn[];
  /** Values the detectors masked, per class. */
  readonly detected: Readonly<Record<DataClass, number>>;
  /** Classes the principal may see raw (Cedar `data:unmask`) that this result contained. */
  readonly unmasked: readonly DataClass[];
}

export const strategyFor = (connection: Connection, dataClass: DataClass): MaskingStrategy =>
  connection.masking[dataClass] ?? DEFAULT_STRATEGIES[dataClass] ?? { kind: 'redact' };

/** Distinct values remembered per lineage-masked column, at most (a bound on the memory kept). */
const MAX_DISTINCT = 100_000;

const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Classes a detector recognises: their partial and tokenized forms need a recognisable value. */
const DETECTED_CLASSES = new Set(DEFAULT_DETECTORS.map((d) => d.dataClass));
const MIN_ALNUM_FOR_TOKEN = 6;
const REDACT: MaskingStrategy = Object.freeze({ kind: 'redact' });

/**
 * The strategy that is safe for this value. A value derived from a classified column can be a
 * fragment or a transformation of it (`substr(ssn, 5, 1)`, `reverse(card)`, base64): revealing
 * "the last 4" of a reversed number reveals its first 4, and tokens of one-character fragments
 * fall to frequency analysis. So partial and tokenize apply only to a value still recognisable as
 * its class (or, for classes without a detector, long enough); anything else is redacted.
 */
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Letters and digits in `value`, counted up to `enough` (ASCII without the regular expression). */
const alnumCount = (value: string, enough: number): number => {
  let n = 0;
  for (let i = 0; i < value.length && n < enough; i++) {
    const c = value.charCodeAt(i);
    if (c < 128) {
      if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) n++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      // the second half of a pair: counted with the first
    } else if (LETTER_OR_DIGIT.test(String.fromCodePoint(value.codePointAt(i)!))) n++;
  }
  return n;
};

export const safeStrategy = (
  value: string,
  dataClass: DataClass,
  strategy: MaskingStrategy,
): MaskingStrategy => {
  if (strategy.kind === 'redact') return strategy;
  if (alnumCount(value, MIN_ALNUM_FOR_TOKEN) < MIN_ALNUM_FOR_TOKEN) return REDACT;
  if (!DETECTED_CLASSES.has(dataClass)) return strategy;
  const trimmed = value.trim();
  const n = resolveFindings(trimmed, DEFAULT_DETECTORS);
  for (let k = 0; k < n; k++)
    if (resolved.dataClass[k] === dataClass && resolved.start[k] === 0 && resolved.end[k] === trimmed.length)
      return strategy;
  return REDACT;
};

export interface MaskInput {
  readonly connection: Connection;
  readonly result: ResultSet;
  /** One entry per output column, or undefined when lineage could not be computed at all. */
  readonly lineage: readonly OutputLineage[] | undefined;
  /** The connection's classification, its names resolved as the server resolves them. */
  readonly classification: ResolvedClassification;
  /**
   * What the statement reads, resolved: `sensitive` when a relation it reads (or a view's base
   * relation) holds a class masked whole, or a relation could not be resolved; `statistics` when
   * it reads the planner's statistics (sample values of every column).
   */
  readonly reads: { readonly sensitive: boolean; readonly statistics: boolean };
  /** Whether the principal may see a class raw; asked only for classes the result holds. */
  readonly mayUnmask: (dataClass: DataClass) => boolean;
  readonly tokenKey: Uint8Array | string;
}

/** People's names and places in free text, as one more detector (its findings carry their class). */
const NAMES_AND_PLACES: Detector = { dataClass: 'PERSON', find: findNamesAndPlaces };
const NAMES_AND_PLACES_CLASSES: ReadonlySet<DataClass> = new Set(['PERSON', 'LOCATION']);

export const maskResult = (input: MaskInput): { result: ResultSet; report: MaskingReport } => {
  const { connection, result, lineage, mayUnmask, tokenKey } = input;
  const { classification } = input;
  const readsSensitive = input.reads.sensitive;
  const readsStatistics = input.reads.statistics;
  const maskedColumns: MaskedColumn[] = [];
  const unmasked = new Set<DataClass>();
  /** One token memo for the whole result: a value repeated on many rows is hashed once. */
  const memo = new TokenMemo(tokenKey);
  /** Per output column: how to mask each value, or undefined to leave it to the detectors. */
  const plans = result.columns.map((column, index): ((value: unknown) => unknown) | undefined => {
    const out = lineage?.[index];
    if (!out?.resolved || readsStatistics) {
      if (!readsSensitive && !readsStatistics) return undefined;
      maskedColumns.push({ column: column.name, dataClasses: [], reason: 'unresolved' });
      // NULL too: whether an output lineage cannot follow is NULL can answer a condition on a value.
      return () => '[MASKED]';
    }
    const found = [
      ...new Set(
        out.sources
          .map((s) => classification.classOf(s.schema, s.table, s.column))
          .filter((c): c is DataClass => c !== undefined),
      ),
    ]
      // Free text passed through unchanged is left to the detectors; transformed (reversed,
      // encoded, spaced out) it would slip past them, so it is masked like any class.
      .filter((c) => !(DETECTOR_ONLY.has(c) && out.direct));
    const hidden = found.filter((c) => !mayUnmask(c));
    for (const c of found) if (mayUnmask(c)) unmasked.add(c);
    if (hidden.length === 0) return undefined;
    maskedColumns.push({ column: column.name, dataClasses: hidden, reason: 'lineage' });
    // One class passed through unchanged: its strategy on the value as text. Anything computed
    // (a guess concatenated to an empty fragment, a transformation) or several classes: redact.
    const only = hidden.length === 1 && out.direct ? hidden[0]! : undefined;
    if (!only) {
      // NULL too: a computed output's NULLs answer its conditions (`nullif(substr(ssn, 2, 1), '9')`,
      // `CASE WHEN ssn < $1 THEN 1 END`). Only a column copied unchanged keeps its NULLs, which
      // say no more than `IS NULL`.
      const redacted = `[${hidden.join('+')}]`;
      return () => redacted;
    }
    const strategy = strategyFor(connection, only);
    /** The masked form of each distinct value of the column: checked and masked once. */
    const done = new DistinctMemo<string>(MAX_DISTINCT);
    return (value) => {
      if (value === null) return null;
      const text = asText(value);
      let masked = done.get(text);
      if (masked === undefined) {
        masked = maskValue(text, only, safeStrategy(text, only, strategy), tokenKey, memo);
        done.set(text, masked);
      }
      return masked;
    };
  });

  const detected: Record<DataClass, number> = {};
  // One set of scrub options and one token memo for the whole result; the principal's allowances
  // asked once per class.
  const allowed = new Map<DataClass, boolean>();
  const mayRaw = (c: DataClass): boolean => {
    let raw = allowed.get(c);
    if (raw === undefined) {
      raw = mayUnmask(c);
      allowed.set(c, raw);
    }
    return raw;
  };
  const off = new Set(connection.detectorsOff ?? []);
  /** Each class's strategy, looked up once per result (every finding asks). */
  const strategies = new Map<DataClass, MaskingStrategy>();
  const options: ScrubOptions = {
    ...(off.size > 0 ? { detectors: DEFAULT_DETECTORS.filter((d) => !off.has(d.dataClass)) } : {}),
    strategyFor: (c) => {
      let strategy = strategies.get(c);
      if (strategy === undefined) {
        strategy = mayRaw(c) ? REDACT : strategyFor(connection, c);
        strategies.set(c, strategy);
      }
      return strategy;
    },
    tokenKey,
    skip: mayRaw,
    memo,
  };
  // A FREE_TEXT column copied unchanged is also searched for people's names and places
  // (free-text/names.ts), which are redacted: the spans a rule finds are approximate.
  const freeText = (index: number): boolean => {
    const out = lineage?.[index];
    return (
      out?.resolved === true &&
      out.direct &&
      !mayRaw('FREE_TEXT') &&
      out.sources.some((s) => DETECTOR_ONLY.has(classification.classOf(s.schema, s.table, s.column) ?? ''))
    );
  };
  const freeTextOptions: ScrubOptions = {
    ...options,
    detectors: [...(options.detectors ?? DEFAULT_DETECTORS), NAMES_AND_PLACES],
    strategyFor: (c) => (NAMES_AND_PLACES_CLASSES.has(c) ? { kind: 'redact' } : options.strategyFor(c)),
  };
  // One memo of scrubbed strings per column: values repeat within a column (a status, the same
  // customer's phone on every row of a join), and small maps stay cheap.
  const columnOptions = plans.map((plan, index): ScrubOptions | undefined =>
    plan ? undefined : { ...(freeText(index) ? freeTextOptions : options), scrubbed: new ScrubMemo() },
  );
  const rows = result.rows.map((row) => {
    const out = new Array<unknown>(row.length);
    for (let index = 0; index < row.length; index++) {
      const value = row[index];
      const plan = plans[index];
      if (plan) out[index] = plan(value);
      else {
        const options = columnOptions[index]!;
        // Strings scanned once per distinct value (the same string back when clean), numbers and
        // booleans never scanned except integers long enough to be card numbers, JSON values
        // walked without re-encoding.
        if (typeof value === 'string') out[index] = scrubInto(value, options, detected);
        else {
          const scalar = scrubScalarInto(value, options, detected);
          out[index] = scalar === NOT_SCALAR ? scrubJsonInto(value, options, detected) : scalar;
        }
      }
    }
    return out;
  });
  return {
    result: { ...result, rows },
    report: { maskedColumns, detected, unmasked: [...unmasked] },
  };
};
