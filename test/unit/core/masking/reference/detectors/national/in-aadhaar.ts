// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// India's Aadhaar number: 12 digits, the first 2–9. `2345 6789 0123` or `2345-6789-0123`
// always; 12 bare digits when the Verhoeff check holds or a label says Aadhaar.
import { verhoeff } from './checksums.js';
import { numericIdDetector } from './numeric.js';

export const aadhaarDetector = numericIdDetector('IN_AADHAAR', {
  formatted: [{ lengths: [4, 4, 4], seps: [' -', ' -'] }],
  bare: 12,
  valid: verhoeff,
  label: 'aadhaar',
  firstDigit: (c) => c >= 50 && c <= 57,
});
