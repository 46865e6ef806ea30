// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// The national identifier detectors, one module per identifier and data class. Add a country by
// adding a module here (and its default strategy in mask-result.ts).

import { cnpjDetector } from './br-cnpj.js';
import { cpfDetector } from './br-cpf.js';
import { sinDetector } from './ca-sin.js';
import { euVatDetector } from './eu-vat.js';
import { aadhaarDetector } from './in-aadhaar.js';
import { panDetector } from './in-pan.js';
import { ninoDetector } from './uk-nino.js';

export { cnpjValid, cpfValid, luhn, verhoeff } from './checksums.js';
export { VAT_FORMATS } from './eu-vat.js';
export { aadhaarDetector, cnpjDetector, cpfDetector, euVatDetector, ninoDetector, panDetector, sinDetector };

/** In priority order (ties between identical spans go to the earlier one). */
export const NATIONAL_ID_DETECTORS = [
  cpfDetector,
  cnpjDetector,
  sinDetector,
  aadhaarDetector,
  ninoDetector,
  panDetector,
  euVatDetector,
] as const;
