// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Canada's social insurance number: `046-454-286` always; `046 454 286` (also a way to write a
// large number) when Luhn holds or a label says SIN; 9 bare digits only after a label.
import { luhn } from './checksums.js';
import { numericIdDetector } from './numeric.js';

export const sinDetector = numericIdDetector('CA_SIN', {
  formatted: [{ lengths: [3, 3, 3], seps: ['- ', '- '] }],
  formattedNeedsCheck: (seps) => seps !== '--',
  formattedValid: luhn,
  bare: 9,
  // A bare run needs its label: 1 in 10 random 9-digit numbers passes Luhn.
  valid: () => false,
  label: 'sin',
});
