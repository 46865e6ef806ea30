// National identifier detectors: formatted values masked whatever their check digits, bare runs
// only with valid check digits or a label, and the shapes each must leave alone.
import { NATIONAL_ID_DETECTORS } from '../../../../lambdas/core/masking/detectors/national/index.js';
import {
  aadhaarDetector,
  cnpjDetector,
  cnpjValid,
  cpfDetector,
  cpfValid,
  euVatDetector,
  ninoDetector,
  panDetector,
  sinDetector,
  verhoeff,
} from '../../../../lambdas/core/masking/detectors.js';
import type { Detector } from '../../../../lambdas/core/masking/types.js';
import { BUILT_IN_CLASSES } from '../../../../lambdas/core/masking/types.js';

const found = (detector: Detector, text: string): string[] =>
  detector.find(text).map((f) => text.slice(f.start, f.end));

describe.each([
  [
    'cpfDetector',
    cpfDetector,
    ['123.456.789-09', '111.444.777-35', '111.444.777-00', '11144477735'],
    [
      ['CPF: 12345678900', '12345678900'],
      ['cpf nº 123456789-00', '123456789-00'],
    ],
    ['12345678900', '123456789-00', '1111.444.777-35', '111.444.777-35-1', '2024.01.15-10', '00000000000'],
  ],
  [
    'cnpjDetector',
    cnpjDetector,
    ['11.222.333/0001-81', '11.222.333/0001-00', '11222333000181'],
    [['CNPJ 11222333000100', '11222333000100']],
    ['11222333000100', '11.222.333/0001', '1.222.333/0001-81'],
  ],
  [
    'sinDetector',
    sinDetector,
    ['046-454-286', '123-456-789', '046 454 286'],
    [
      ['SIN: 123 456 789', '123 456 789'],
      ['social insurance number 123456789', '123456789'],
    ],
    ['123 456 789', '046454286', '123-456-7890', '12-345-678'],
  ],
  [
    'aadhaarDetector',
    aadhaarDetector,
    ['2345 6789 0123', '2345-6789-0123', '499118665246'],
    [['aadhaar no. 234567890123', '234567890123']],
    ['234567890123', '0345 6789 0123', '1345 6789 0123', '4111 1111 1111 1111', '202401151030'],
  ],
  [
    'ninoDetector',
    ninoDetector,
    ['QQ123456C', 'QQ 12 34 56 C', 'AB123456D'],
    [
      ['NI number ab123456', 'ab123456'],
      ['National Insurance: QQ123456', 'QQ123456'],
    ],
    ['QQ123456', 'QQ123456E', 'QQ1234567C', 'XQQ123456C', 'qq123456c'],
  ],
  [
    'panDetector',
    panDetector,
    ['ABCPE1234F', 'AAAPL1234C'],
    [['PAN card abcpe1234f', 'abcpe1234f']],
    ['abcpe1234f', 'ABCPE12345', 'ABCP1234F', 'XABCPE1234F', 'ABCPE1234FG'],
  ],
  [
    'euVatDetector',
    euVatDetector,
    [
      'DE123456789',
      'DE 123456789',
      'ATU12345678',
      'FR40303265045',
      'NL123456789B01',
      'GB 123 4567 89',
      'ESX1234567X',
      'IT12345678901',
      'IE1234567WA',
    ],
    [['USt-IdNr.: DE 123456789', 'DE 123456789']],
    ['DE12345678', 'DE1234567890', 'XX123456789', 'de123456789', 'DE 19901', 'RO 12', 'NL123456789'],
  ],
] as const)('%s', (_name, detector, shaped, labelled, negatives) => {
  it.each(shaped as readonly string[])('finds the well-shaped %j', (value) => {
    expect(found(detector, `ref ${value}.`)).toEqual([value]);
  });

  it.each(labelled as unknown as [string, string][])('finds the labelled value in %j', (text, value) => {
    expect(found(detector, text)).toEqual([value]);
  });

  it.each(negatives as readonly string[])('leaves %j alone without a label', (text) => {
    expect(found(detector, `ref ${text} ok`)).toEqual([]);
  });
});

describe('the national identifier classes', () => {
  it('are built-in classes, so connections can name them in masking and detectorsOff', () => {
    expect(BUILT_IN_CLASSES).toEqual(expect.arrayContaining(NATIONAL_ID_DETECTORS.map((d) => d.dataClass)));
  });
});

describe('check digits', () => {
  it('CPF', () => {
    expect(cpfValid('11144477735')).toBe(true);
    expect(cpfValid('11144477700')).toBe(false);
    expect(cpfValid('11111111111')).toBe(false);
  });

  it('CNPJ', () => {
    expect(cnpjValid('11222333000181')).toBe(true);
    expect(cnpjValid('11222333000100')).toBe(false);
  });

  it('Verhoeff (Aadhaar)', () => {
    expect(verhoeff('499118665246')).toBe(true);
    expect(verhoeff('499118665247')).toBe(false);
  });
});
