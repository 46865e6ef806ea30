// mayHoldFinding: the cheap pre-check lets plain strings skip the detectors, never a string they would match.
import { DEFAULT_DETECTORS, findAll, mayHoldFinding } from '../../../../lambdas/core/masking/detectors.js';

describe('mayHoldFinding (the cheap pre-check before the detectors run)', () => {
  it.each(['Ethan Garcia', 'shipped', 'Customer prefers evening deliveries', ''])(
    'lets %j skip the detectors',
    (text) => {
      expect(mayHoldFinding(text)).toBe(false);
    },
  );

  it.each([
    'maria@example.com',
    '(415) 555-0199',
    '4111 1111 1111 1111',
    'DE89 3704 0044 0532 0130 00',
    'AKIAIOSFODNN7EXAMPLE',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    '-----BEGIN PRIVATE KEY-----',
    'client_secret = abcdefghijklmnopqrstuvwx',
    'Authorization: Bearer abcdefghijklmnopqrstuvwxyz',
    'PASS_WORD: hunter22',
  ])('never skips %j, which a detector may match', (text) => {
    expect(mayHoldFinding(text)).toBe(true);
  });

  it.each(['x maria@example.com y', 'call 415-555-0199', 'ssn 900-12-3456', 'pwd=correct horse battery'])(
    'finds in %j what every detector run without the pre-check finds',
    (text) => {
      // A copy of the list is not DEFAULT_DETECTORS itself, so findAll skips the pre-check with it.
      const unchecked = findAll(text, [...DEFAULT_DETECTORS]);
      expect(unchecked).not.toEqual([]);
      expect(findAll(text)).toEqual(unchecked);
    },
  );
});
