// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Brazil's CPF (individual taxpayer number): `123.456.789-09` always; `12345678909` and
// `123456789-09` when the check digits hold or a label says CPF.
import { cpfValid } from './checksums.js';
import { numericIdDetector } from './numeric.js';

export const cpfDetector = numericIdDetector('BR_CPF', {
  formatted: [
    { lengths: [3, 3, 3, 2], seps: ['.', '.', '-'] },
    { lengths: [9, 2], seps: ['-'] },
  ],
  formattedNeedsCheck: (seps) => seps === '-',
  bare: 11,
  valid: cpfValid,
  label: 'cpf',
});
