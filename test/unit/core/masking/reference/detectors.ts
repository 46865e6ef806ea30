// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Value detectors: find sensitive values (e-mail addresses, phone numbers, SSNs, payment cards,
// IBANs, national identifiers, secrets) inside free text. Every detector is a hand-written
// scanner, linear in the length of the text (no backtracking regular expressions); `detectorWork`
// counts their steps so tests can check linearity without clocks. The built-in ones are
// positional: one pass per string (detectors/dispatch.ts) asks each only where it can start.
// Detectors never throw: a scanner failure reports the whole text as a finding (fail closed).
import { connectionUrlDetector } from './detectors/connection-url.js';
import { candidates, dispatch, hasTrigger } from './detectors/dispatch.js';
import { emailDetector } from './detectors/email.js';
import { ibanDetector } from './detectors/iban.js';
import { NATIONAL_ID_DETECTORS } from './detectors/national/index.js';
import { creditCardDetector, phoneDetector, ssnDetector } from './detectors/numbers.js';
import { tick } from './detectors/scan.js';
import {
  awsAccessKeyDetector,
  jwtDetector,
  labelledSecretDetector,
  privateKeyDetector,
} from './detectors/secrets.js';
import { slackWebhookDetector, vendorTokenDetector } from './detectors/tokens.js';
import type { Detector, Finding } from './types.js';

export { connectionUrlDetector } from './detectors/connection-url.js';
export { emailDetector } from './detectors/email.js';
export { IBAN_LENGTHS, ibanDetector, ibanValid } from './detectors/iban.js';
export {
  aadhaarDetector,
  cnpjDetector,
  cnpjValid,
  cpfDetector,
  cpfValid,
  euVatDetector,
  NATIONAL_ID_DETECTORS,
  ninoDetector,
  panDetector,
  sinDetector,
  VAT_FORMATS,
  verhoeff,
} from './detectors/national/index.js';
export {
  creditCardDetector,
  isCardNumber,
  luhnValid,
  phoneDetector,
  plausibleCard,
  ssnDetector,
  validSsn,
} from './detectors/numbers.js';
export { detectorWork, isPositional, type PositionalDetector, resetDetectorWork } from './detectors/scan.js';
export {
  awsAccessKeyDetector,
  jwtDetector,
  labelledSecretDetector,
  looksSecret,
  privateKeyDetector,
  type SecretLabelKind,
  secretLabelKind,
} from './detectors/secrets.js';
export { slackWebhookDetector, vendorTokenDetector } from './detectors/tokens.js';

/**
 * The built-in detectors, in priority order: when two findings of the same length start at the
 * same offset, the earlier detector's class wins.
 */
export const DEFAULT_DETECTORS: readonly Detector[] = [
  privateKeyDetector,
  jwtDetector,
  awsAccessKeyDetector,
  vendorTokenDetector,
  slackWebhookDetector,
  connectionUrlDetector,
  labelledSecretDetector,
  ibanDetector,
  creditCardDetector,
  ssnDetector,
  ...NATIONAL_ID_DETECTORS,
  emailDetector,
  phoneDetector,
];

/**
 * Whether any built-in detector could find something in `text`: each needs a digit, an `@`, a `:`
 * or `=` (labelled secrets, connection URLs), or a fixed marker (`eyJ`, `AKIA`, `ghp_`,
 * `-----BEGIN `…). Most strings (names, statuses, prose) have none and skip the detectors.
 */
export const mayHoldFinding = (text: string): boolean => typeof text === 'string' && hasTrigger(text);

/** The answer for text without findings: shared, never to be mutated. */
const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

/**
 * All findings of `detectors` in `text`, non-overlapping, sorted by offset. Overlaps are resolved
 * longest first, then earliest, then by detector order: deterministic. Linear in the text
 * length times the number of detectors (each detector's own findings do not overlap).
 */
export const findAll = (
  text: string,
  detectors: readonly Detector[] = DEFAULT_DETECTORS,
): readonly Finding[] => {
  if (typeof text !== 'string' || text.length === 0) return NO_FINDINGS;
  const n = dispatch(text, detectors);
  if (n === 0) return NO_FINDINGS;
  const { start, end, dataClass, order } = candidates;
  // The common case: findings already in order and apart (one detector each, or far apart).
  let ordered = true;
  for (let k = 0; k < n && ordered; k++) {
    if (start[k]! < 0 || end[k]! > text.length || end[k]! <= start[k]!) ordered = false;
    else if (k > 0 && start[k]! < end[k - 1]!) ordered = false;
  }
  if (ordered) {
    const out = new Array<Finding>(n);
    for (let k = 0; k < n; k++) out[k] = { dataClass: dataClass[k]!, start: start[k]!, end: end[k]! };
    return out;
  }
  const clamped: { finding: Finding; order: number }[] = [];
  for (let k = 0; k < n; k++) {
    const from = Math.max(0, Math.min(start[k]!, text.length));
    const to = Math.max(from, Math.min(end[k]!, text.length));
    if (to > from)
      clamped.push({ finding: { dataClass: dataClass[k]!, start: from, end: to }, order: order[k]! });
  }
  clamped.sort(
    (a, b) =>
      b.finding.end - b.finding.start - (a.finding.end - a.finding.start) ||
      a.finding.start - b.finding.start ||
      a.order - b.order,
  );
  const taken = new Uint8Array(text.length);
  const chosen: Finding[] = [];
  for (const { finding } of clamped) {
    let free = true;
    for (let i = finding.start; i < finding.end; i++) {
      tick();
      if (taken[i]) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, finding.start, finding.end);
    chosen.push(finding);
  }
  return chosen.sort((a, b) => a.start - b.start);
};
