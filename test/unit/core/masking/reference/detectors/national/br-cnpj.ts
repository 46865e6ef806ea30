// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Brazil's CNPJ (company taxpayer number): `12.345.678/0001-95` always; 14 bare digits when the
// check digits hold or a label says CNPJ.
import { cnpjValid } from './checksums.js';
import { numericIdDetector } from './numeric.js';

export const cnpjDetector = numericIdDetector('BR_CNPJ', {
  formatted: [{ lengths: [2, 3, 3, 4, 2], seps: ['.', '.', '/', '-'] }],
  bare: 14,
  valid: cnpjValid,
  label: 'cnpj',
});
