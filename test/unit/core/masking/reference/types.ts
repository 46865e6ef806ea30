// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Shared vocabulary of inline masking: data classes, what detectors find, how values are masked.

/** Built-in data classes; connections may declare custom ones (upper-case words). */
export const BUILT_IN_CLASSES = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'US_SSN',
  'CREDIT_CARD',
  'IBAN_CODE',
  'PERSON',
  'LOCATION',
  'FREE_TEXT',
  'SECRET',
  // National identifiers (detectors/national/): Brazil, UK, Canada, India, EU VAT numbers.
  'BR_CPF',
  'BR_CNPJ',
  'UK_NINO',
  'CA_SIN',
  'IN_PAN',
  'IN_AADHAAR',
  'EU_VAT',
] as const;

/** A data class: a built-in one or a custom `UPPER_SNAKE` name. */
export type DataClass = string;

/** A sensitive value found inside a text by a detector. */
export interface Finding {
  readonly dataClass: DataClass;
  /** UTF-16 offsets in the text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

/** A value detector: linear time in the length of the text, never throws. */
export interface Detector {
  readonly dataClass: DataClass;
  find(text: string): Finding[];
}

/**
 * How a class is masked: `redact` → `[EMAIL_ADDRESS]`; `partial` keeps the last `keep`
 * characters that are letters or digits (`***-**-6789`); `tokenize` → a deterministic keyed
 * token (`tok_EMAIL_ADDRESS_3f9a…`) so agents can join, group and count without the value.
 */
export type MaskingStrategy =
  | { readonly kind: 'redact' }
  | { readonly kind: 'partial'; readonly keep: number }
  | { readonly kind: 'tokenize' };

/** A column of a table, as classification and lineage name it (schema-qualified, lower-case). */
export interface SourceColumn {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
}
