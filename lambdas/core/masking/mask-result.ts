// Masks a result before it reaches the agent or any recording: every output column derived
// from a classified source column is masked by its class's strategy (lineage); an output whose
// lineage cannot be resolved is masked whole when the statement reads a classified table (fail
// closed); then value detectors scrub every remaining string, inside JSON values too.
import type { Connection } from '../config/connection.js';
import type { ResultSet } from '../ports.js';
import { DEFAULT_DETECTORS, findAll } from './detectors.js';
import type { OutputLineage } from './lineage.js';
import { DETECTOR_ONLY, type ResolvedClassification } from './resolved-classification.js';
import { scrubJson } from './scrub.js';
import { maskValue } from './strategies.js';
import type { DataClass, MaskingStrategy } from './types.js';

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

const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Classes a detector recognises: their partial and tokenized forms need a recognisable value. */
const DETECTED_CLASSES = new Set(DEFAULT_DETECTORS.map((d) => d.dataClass));
const MIN_ALNUM_FOR_TOKEN = 6;

/**
 * The strategy that is safe for this value. A value derived from a classified column can be a
 * fragment or a transformation of it (`substr(ssn, 5, 1)`, `reverse(card)`, base64): revealing
 * "the last 4" of a reversed number reveals its first 4, and tokens of one-character fragments
 * fall to frequency analysis. So partial and tokenize apply only to a value still recognisable as
 * its class (or, for classes without a detector, long enough); anything else is redacted.
 */
export const safeStrategy = (
  value: string,
  dataClass: DataClass,
  strategy: MaskingStrategy,
): MaskingStrategy => {
  if (strategy.kind === 'redact') return strategy;
  if ((value.match(/[\p{L}\p{N}]/gu)?.length ?? 0) < MIN_ALNUM_FOR_TOKEN) return { kind: 'redact' };
  if (!DETECTED_CLASSES.has(dataClass)) return strategy;
  const trimmed = value.trim();
  const whole = findAll(trimmed).some(
    (f) => f.dataClass === dataClass && f.start === 0 && f.end === trimmed.length,
  );
  return whole ? strategy : { kind: 'redact' };
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

export const maskResult = (input: MaskInput): { result: ResultSet; report: MaskingReport } => {
  const { connection, result, lineage, mayUnmask, tokenKey } = input;
  const { classification } = input;
  const readsSensitive = input.reads.sensitive;
  const readsStatistics = input.reads.statistics;
  const maskedColumns: MaskedColumn[] = [];
  const unmasked = new Set<DataClass>();
  /** Per output column: how to mask each value, or undefined to leave it to the detectors. */
  const plans = result.columns.map((column, index): ((value: unknown) => unknown) | undefined => {
    const out = lineage?.[index];
    if (!out?.resolved || readsStatistics) {
      if (!readsSensitive && !readsStatistics) return undefined;
      maskedColumns.push({ column: column.name, dataClasses: [], reason: 'unresolved' });
      return (value) => (value === null ? null : '[MASKED]');
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
    return (value) => {
      if (value === null) return null;
      if (!only) return `[${hidden.join('+')}]`;
      const text = asText(value);
      return maskValue(text, only, safeStrategy(text, only, strategyFor(connection, only)), tokenKey);
    };
  });

  const detected: Record<DataClass, number> = {};
  const strategy = (dataClass: DataClass) =>
    mayUnmask(dataClass) ? undefined : strategyFor(connection, dataClass);
  const rows = result.rows.map((row) =>
    row.map((value, index) => {
      const plan = plans[index];
      if (plan) return plan(value);
      const scrubbed = scrubJson(value, {
        strategyFor: (c) => strategy(c) ?? { kind: 'redact' },
        tokenKey,
        skip: (c) => strategy(c) === undefined,
      });
      for (const [c, n] of Object.entries(scrubbed.counts)) detected[c] = (detected[c] ?? 0) + n;
      return scrubbed.value;
    }),
  );
  return {
    result: { ...result, rows },
    report: { maskedColumns, detected, unmasked: [...unmasked] },
  };
};
