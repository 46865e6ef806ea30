// Masking strategies: redact, partial (keep the last letters/digits) and keyed tokenization.
import { maskValue, normalizeForToken, partial } from '../../../../lambdas/core/masking/strategies.js';

const KEY = 'test-token-key';
const significant = (s: string) => (s.match(/[\p{L}\p{N}]/gu) ?? []).length;
/** Letters/digits of `masked` that are not `*`: what partial masking revealed. */
const revealed = (masked: string) => (masked.match(/[\p{L}\p{N}]/gu) ?? []).length;

describe('redact', () => {
  it('replaces the value by its class', () => {
    expect(maskValue('maria@example.com', 'EMAIL_ADDRESS', { kind: 'redact' }, KEY)).toBe('[EMAIL_ADDRESS]');
    expect(maskValue('', 'SECRET', { kind: 'redact' }, KEY)).toBe('[SECRET]');
  });

  it('is the fallback for an unknown strategy (fail closed)', () => {
    expect(maskValue('x', 'PERSON', { kind: 'bogus' } as never, KEY)).toBe('[PERSON]');
  });
});

describe('partial', () => {
  it('keeps the last letters/digits and every separator', () => {
    expect(maskValue('4111 1111 1111 1111', 'CREDIT_CARD', { kind: 'partial', keep: 4 }, KEY)).toBe(
      '**** **** **** 1111',
    );
    expect(maskValue('4111-1111-1111-1111', 'CREDIT_CARD', { kind: 'partial', keep: 4 }, KEY)).toBe(
      '****-****-****-1111',
    );
    expect(maskValue('(415) 555-0199', 'PHONE_NUMBER', { kind: 'partial', keep: 2 }, KEY)).toBe(
      '(***) ***-**99',
    );
    expect(maskValue('DE89 3704 0044 0532 0130 00', 'IBAN_CODE', { kind: 'partial', keep: 4 }, KEY)).toBe(
      '**** **** **** **** **30 00',
    );
  });

  it('never reveals more than a third of the letters/digits: an SSN keeps 3 with keep 4', () => {
    expect(maskValue('123-45-6789', 'US_SSN', { kind: 'partial', keep: 4 }, KEY)).toBe('***-**-*789');
    expect(maskValue('123-45-6789', 'US_SSN', { kind: 'partial', keep: 2 }, KEY)).toBe('***-**-**89');
  });

  it('redacts values too short to reveal anything', () => {
    expect(partial('12', 'PHONE_NUMBER', 4)).toBe('[PHONE_NUMBER]');
    expect(partial('ab', 'X', 1)).toBe('[X]');
    expect(partial('a-b', 'X', 1)).toBe('[X]');
    expect(partial('---', 'X', 4)).toBe('[X]');
    expect(partial('', 'X', 4)).toBe('[X]');
    expect(partial('abc', 'X', 0)).toBe('[X]');
  });

  it.each([
    ['4111 1111 1111 1111', 1, 1],
    ['4111 1111 1111 1111', 8, 5],
    ['123-45-6789', 4, 3],
    ['maria.garcia42@example.com', 8, 7],
    ['+44 20 7946 0018', 6, 4],
    ['abcd', 4, 1],
    ['Zoë Ñúñez 😀 42', 3, 3],
  ])('reveals the lesser of keep and a third: %j keep %i reveals %i', (value, keep, shown) => {
    const masked = partial(value, 'X', keep);
    expect(shown).toBe(Math.min(keep, Math.floor(significant(value) / 3)));
    expect(masked).toHaveLength(value.length);
    expect(revealed(masked)).toBe(shown);
    expect(value.endsWith(masked.slice(masked.length - 1))).toBe(true);
  });

  it('keeps surrogate pairs whole', () => {
    expect(partial('😀 123456', 'X', 2)).toBe('😀 ****56');
  });
});

describe('tokenize', () => {
  const tok = (value: string, dataClass: string, key: Uint8Array | string = KEY) =>
    maskValue(value, dataClass, { kind: 'tokenize' }, key);

  it('has the form tok_<class>_<16 hex>', () => {
    expect(tok('maria@example.com', 'EMAIL_ADDRESS')).toMatch(/^tok_email_address_[0-9a-f]{16}$/);
    expect(tok('Maria Garcia', 'PERSON')).toMatch(/^tok_person_[0-9a-f]{16}$/);
  });

  it('is deterministic per key and different across keys', () => {
    expect(tok('maria@example.com', 'EMAIL_ADDRESS')).toBe(tok('maria@example.com', 'EMAIL_ADDRESS'));
    expect(tok('maria@example.com', 'EMAIL_ADDRESS', 'other-key')).not.toBe(
      tok('maria@example.com', 'EMAIL_ADDRESS'),
    );
    const bytes = new TextEncoder().encode(KEY);
    expect(tok('maria@example.com', 'EMAIL_ADDRESS', bytes)).toBe(tok('maria@example.com', 'EMAIL_ADDRESS'));
  });

  it('separates values and classes', () => {
    expect(tok('maria@example.com', 'EMAIL_ADDRESS')).not.toBe(tok('mario@example.com', 'EMAIL_ADDRESS'));
    expect(tok('123456789', 'US_SSN').slice(-16)).not.toBe(tok('123456789', 'CREDIT_CARD').slice(-16));
  });

  it('is insensitive to format where the value is the same', () => {
    expect(tok('Maria.Garcia@Example.COM ', 'EMAIL_ADDRESS')).toBe(
      tok('maria.garcia@example.com', 'EMAIL_ADDRESS'),
    );
    const card = tok('4111111111111111', 'CREDIT_CARD');
    expect(tok('4111 1111 1111 1111', 'CREDIT_CARD')).toBe(card);
    expect(tok('4111-1111-1111-1111', 'CREDIT_CARD')).toBe(card);
    expect(tok('123-45-6789', 'US_SSN')).toBe(tok('123 45 6789', 'US_SSN'));
    const phone = tok('(415) 555-0123', 'PHONE_NUMBER');
    expect(tok('+1 415 555 0123', 'PHONE_NUMBER')).toBe(phone);
    expect(tok('415.555.0123', 'PHONE_NUMBER')).toBe(phone);
    expect(tok('de89 3704 0044 0532 0130 00', 'IBAN_CODE')).toBe(tok('DE89370400440532013000', 'IBAN_CODE'));
  });

  it('does not reveal the value', () => {
    const token = tok('4111111111111111', 'CREDIT_CARD');
    expect(token).not.toContain('1111');
  });

  it('refuses an empty key', () => {
    expect(() => tok('x', 'PERSON', '')).toThrow(/key/);
    expect(() => tok('x', 'PERSON', new Uint8Array())).toThrow(/key/);
  });

  it('normalizeForToken keeps values without digits distinct', () => {
    expect(normalizeForToken('N/A', 'CREDIT_CARD')).toBe('N/A');
    expect(normalizeForToken('  Maria   Garcia ', 'PERSON')).toBe('maria garcia');
  });
});
