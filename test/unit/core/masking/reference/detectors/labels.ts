// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Labels before a value: "SSN: 000-12-3456", "CPF nº 123.456.789-00", "Aadhaar no. 2345…". A
// labelled value is masked whatever its checksum (for free text, recall beats validity). The
// look-behind reads a bounded window before the value, so the work per value is constant.
import { before } from './scan.js';

/** Characters of the window read before a value. */
const WINDOW = 48;

/**
 * A label pattern's tail: the label, then optionally "no", "nº", "number", "#", "id", then
 * punctuation or blanks up to the value. Anchored at the end of the window.
 */
const tail = (label: string): RegExp =>
  new RegExp(
    `(?:^|[^\\p{L}\\p{N}])(?:${label})(?:[\\s.]{0,2}(?:no|nº|n°|nr|num|number|numero|número|#|id|card))?[\\s.:#=()\\-–]{0,5}$`,
    'u',
  );

/** Labels per identifier kind (lower case). */
export const LABELS = {
  ssn: tail('ssn|ss#|social security|social sec|soc\\.? ?sec|itin|taxpayer id|tin'),
  cpf: tail('cpf'),
  cnpj: tail('cnpj'),
  sin: tail('sin|social insurance|nas|numéro d.assurance sociale'),
  nino: tail('nino|ni|national insurance'),
  pan: tail('pan|permanent account'),
  aadhaar: tail('aadhaar|aadhar|uid|uidai'),
  vat: tail(
    'vat|vat reg|vat registration|tva|iva|btw|ust-?idnr|ust-?id|mwst|nif|nipc|cif|moms|alv|dph|ddv|pdv|afm|kmkr|pvm|pvn|tax id',
  ),
} as const;

export type LabelKind = keyof typeof LABELS;

/** Whether the text right before `start` labels the value as `kind`. */
export const labelledAs = (text: string, start: number, kind: LabelKind): boolean =>
  start > 0 && LABELS[kind].test(before(text, start, WINDOW));
