// Adversarial inputs: every detector must stay linear. Time is not measured (flaky); the
// detectors count their steps (`detectorWork`), and the count must grow linearly with the input.
import {
  DEFAULT_DETECTORS,
  detectorWork,
  findAll,
  resetDetectorWork,
} from '../../../../lambdas/core/masking/detectors.js';
import { scrubText } from '../../../../lambdas/core/masking/scrub.js';

const N = 100_000;
/** Steps per input character any detector may take, at most (all detectors together: findAll). */
const STEPS_PER_CHAR = 60;

/** A copy of the list, so findAll runs every scanner: the cheap pre-check would skip some inputs. */
const ALL_SCANNERS = [...DEFAULT_DETECTORS];

const workOf = (text: string): number => {
  resetDetectorWork();
  findAll(text, ALL_SCANNERS);
  return detectorWork();
};

/** Adversarial inputs, built for a given size. */
const ADVERSARIAL: Record<string, (n: number) => string> = {
  'local part then @': (n) => `${'a'.repeat(n)}@`,
  'many @': (n) => 'a@'.repeat(n / 2),
  'dotted domain without TLD': (n) => `x@${'a.'.repeat(n / 2)}`,
  'digits and spaces': (n) => '1 '.repeat(n / 2),
  'digits and dashes': (n) => '1-'.repeat(n / 2),
  dashes: (n) => '-'.repeat(n),
  'plus then digits': (n) => `+${'1'.repeat(n)}`,
  digits: (n) => '4'.repeat(n),
  'card-like groups': (n) => '4111 '.repeat(n / 5),
  'phone-like groups': (n) => '(415) 555-'.repeat(n / 10),
  'ssn-like groups': (n) => '123-45-'.repeat(n / 7),
  'iban-like prefix': (n) => 'DE89 '.repeat(n / 5),
  'letters and digits': (n) => 'GB82WEST'.repeat(n / 8),
  'long base64 without dots': (n) => `eyJ${'A'.repeat(n)}`,
  'JWT headers without payload': (n) => 'eyJhbGciOiJIUzI1NiJ9.'.repeat(n / 21),
  'PEM header without END': (n) => `-----BEGIN RSA PRIVATE KEY-----${'A'.repeat(n)}`,
  'many PEM headers without END': (n) => '-----BEGIN RSA PRIVATE KEY-----\n'.repeat(n / 32),
  'labels without values': (n) => 'token='.repeat(n / 6),
  'password labels': (n) => 'password:'.repeat(n / 9),
  'label then long value': (n) => `secret=${'Ab1/'.repeat(n / 4)}`,
  'AKIA repeated': (n) => 'AKIA'.repeat(n / 4),
  'at signs': (n) => '@'.repeat(n),
  'full-width at signs and IDN dots': (n) => 'é＠例。'.repeat(n / 3),
  'unicode local part then @': (n) => `${'é'.repeat(n)}@`,
  'CPF-like groups': (n) => '123.456.'.repeat(n / 8),
  'CNPJ-like groups': (n) => '11.222.333/'.repeat(n / 11),
  'labelled digits': (n) => 'SSN: 1 '.repeat(n / 7),
  'VAT-like prefixes': (n) => 'DE 1 '.repeat(n / 5),
  'VAT bodies with separators': (n) => `DE ${'1 '.repeat(n / 2)}`,
  'NINO-like': (n) => 'QQ 12 34 '.repeat(n / 9),
  'PAN-like': (n) => 'ABCDE1234'.repeat(n / 9),
  'vendor prefixes': (n) => 'xoxb-ghp_sk_live_AIza'.repeat(n / 21),
  'slack prefix then long run': (n) => `xoxb-${'a'.repeat(n)}`,
  'many schemes': (n) => 'a://'.repeat(n / 4),
  'scheme then long authority': (n) => `postgres://${'u:'.repeat(n / 2)}`,
  'hooks prefix repeated': (n) => 'hooks.slack.com/'.repeat(n / 16),
  'SSH2 headers without END': (n) => '---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n'.repeat(n / 43),
  'colons and equals': (n) => ':='.repeat(n / 2),
  'password then spaces': (n) => `password=a${' b'.repeat(n / 2)};`,
};

describe('linear time on adversarial inputs', () => {
  it.each(Object.keys(ADVERSARIAL))('%s', (name) => {
    const build = ADVERSARIAL[name]!;
    const small = build(N / 4);
    const large = build(N);
    const smallWork = workOf(small);
    const largeWork = workOf(large);
    // Work is counted at all (a counter stuck at 0 would pass the bounds below).
    expect(smallWork).toBeGreaterThanOrEqual(small.length);
    expect(largeWork).toBeLessThanOrEqual(STEPS_PER_CHAR * large.length);
    // 4× the input, about 4× the work (not 16×): allow slack for constant overheads.
    expect(largeWork).toBeLessThanOrEqual(4.5 * smallWork + 1000);
  });

  it('counts work for each detector separately as well, within 25 steps per character', () => {
    const outOfBounds: string[] = [];
    for (const [name, build] of Object.entries(ADVERSARIAL)) {
      const text = build(N);
      for (const [index, detector] of DEFAULT_DETECTORS.entries()) {
        resetDetectorWork();
        detector.find(text);
        const work = detectorWork();
        // 0 means the detector counts nothing, and its linearity cannot be checked.
        if (work === 0 || work > 25 * text.length)
          outOfBounds.push(`detector ${index} (${detector.dataClass}) on ${name}: ${work}`);
      }
    }
    expect(outOfBounds).toEqual([]);
  });
});

describe('behaviour on adversarial inputs', () => {
  it('a huge local part is not an address', () => {
    expect(findAll(`${'a'.repeat(N)}@`)).toEqual([]);
    expect(findAll(`${'a'.repeat(N)}@example.com`)).toEqual([]);
  });

  it('runs of digits and separators are not phones, cards or SSNs', () => {
    expect(findAll('1 '.repeat(N / 2))).toEqual([]);
    expect(findAll('-'.repeat(N))).toEqual([]);
    expect(findAll(`+${'1'.repeat(N)}`)).toEqual([]);
    expect(findAll('4'.repeat(N))).toEqual([]);
  });

  it('long base64 without dots is not a JWT', () => {
    expect(findAll(`eyJ${'A'.repeat(N)}`)).toEqual([]);
  });

  it('a PEM header without END is masked with its key material (fail closed)', () => {
    const text = `-----BEGIN RSA PRIVATE KEY-----${'A'.repeat(N)}`;
    expect(findAll(text)).toEqual([{ dataClass: 'SECRET', start: 0, end: text.length }]);
    expect(scrubText(text, { strategyFor: () => ({ kind: 'redact' }), tokenKey: 'k' }).text).toBe('[SECRET]');
  });

  it('findings far apart in a large text are all found', () => {
    const filler = 'lorem ipsum 2024-01-15 v1.2.3 '.repeat(3000);
    const text = `${filler}maria@example.com ${filler}(415) 555-0199 ${filler}`;
    expect(findAll(text).map((f) => f.dataClass)).toEqual(['EMAIL_ADDRESS', 'PHONE_NUMBER']);
  });

  it('repeated real values are each found', () => {
    const text = 'a@b.co 415-555-0199 4111111111111111 '.repeat(2000);
    const counts = scrubText(text, { strategyFor: () => ({ kind: 'redact' }), tokenKey: 'k' }).counts;
    expect(counts).toEqual({ EMAIL_ADDRESS: 2000, PHONE_NUMBER: 2000, CREDIT_CARD: 2000 });
  });
});
