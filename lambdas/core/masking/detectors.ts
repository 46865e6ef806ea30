// Value detectors: find sensitive values (e-mail addresses, phone numbers, SSNs, payment cards,
// IBANs, secrets) inside free text. Every detector is a hand-written scanner, linear in the
// length of the text (no backtracking regular expressions); `detectorWork` counts their steps so
// tests can check linearity without clocks. Detectors never throw: a scanner failure reports the
// whole text as a finding (fail closed).
import { emailDetector } from './detectors/email.js';
import { ibanDetector } from './detectors/iban.js';
import { creditCardDetector, phoneDetector, ssnDetector } from './detectors/numbers.js';
import { tick } from './detectors/scan.js';
import {
  awsAccessKeyDetector,
  jwtDetector,
  labelledSecretDetector,
  privateKeyDetector,
} from './detectors/secrets.js';
import type { Detector, Finding } from './types.js';

export { emailDetector } from './detectors/email.js';
export { IBAN_LENGTHS, ibanDetector, ibanValid } from './detectors/iban.js';
export {
  creditCardDetector,
  isCardNumber,
  luhnValid,
  phoneDetector,
  plausibleCard,
  ssnDetector,
  validSsn,
} from './detectors/numbers.js';
export { detectorWork, resetDetectorWork } from './detectors/scan.js';
export {
  awsAccessKeyDetector,
  jwtDetector,
  labelledSecretDetector,
  looksSecret,
  privateKeyDetector,
  type SecretLabelKind,
  secretLabelKind,
} from './detectors/secrets.js';

/**
 * The built-in detectors, in priority order: when two findings of the same length start at the
 * same offset, the earlier detector's class wins.
 */
export const DEFAULT_DETECTORS: readonly Detector[] = [
  privateKeyDetector,
  jwtDetector,
  awsAccessKeyDetector,
  labelledSecretDetector,
  ibanDetector,
  creditCardDetector,
  ssnDetector,
  emailDetector,
  phoneDetector,
];

/** Label stems of the labelled-secret detector, matched on text lower-cased without `_ - .`. */
const SECRET_LABEL_STEM = /pass|pwd|secret|token|key|credential|auth|sessionid|cookie/;

/**
 * Whether any default detector could find something in `text`: every one needs an ASCII digit,
 * an `@`, or a fixed marker (`eyJ`, `AKIA`/`ASIA`, `-----BEGIN`, a secret-like label). Most
 * strings (names, statuses, prose) have none, and skip the nine scans.
 */
export const mayHoldFinding = (text: string): boolean =>
  /[0-9@]/.test(text) ||
  text.includes('eyJ') ||
  text.includes('AKIA') ||
  text.includes('ASIA') ||
  text.includes('-----BEGIN') ||
  SECRET_LABEL_STEM.test(text.toLowerCase().replace(/[_.-]/g, ''));

/**
 * All findings of `detectors` in `text`, non-overlapping, sorted by offset. Overlaps are resolved
 * longest first, then earliest, then by detector order: deterministic. Linear in the text
 * length times the number of detectors (each detector's own findings do not overlap).
 */
export const findAll = (text: string, detectors: readonly Detector[] = DEFAULT_DETECTORS): Finding[] => {
  if (typeof text !== 'string' || text.length === 0) return [];
  if (detectors === DEFAULT_DETECTORS && !mayHoldFinding(text)) return [];
  const candidates: { finding: Finding; order: number }[] = [];
  detectors.forEach((d, order) => {
    for (const finding of d.find(text)) {
      const start = Math.max(0, Math.min(finding.start, text.length));
      const end = Math.max(start, Math.min(finding.end, text.length));
      if (end > start) candidates.push({ finding: { dataClass: finding.dataClass, start, end }, order });
    }
  });
  if (candidates.length === 0) return [];
  candidates.sort(
    (a, b) =>
      b.finding.end - b.finding.start - (a.finding.end - a.finding.start) ||
      a.finding.start - b.finding.start ||
      a.order - b.order,
  );
  const taken = new Uint8Array(text.length);
  const chosen: Finding[] = [];
  for (const { finding } of candidates) {
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
