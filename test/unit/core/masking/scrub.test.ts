// scrubText and scrubJson: every detected value in free text and JSON masked by its class's strategy.
import { DEFAULT_DETECTORS, emailDetector } from '../../../../lambdas/core/masking/detectors.js';
import { scrubJson, scrubText } from '../../../../lambdas/core/masking/scrub.js';
import { tokenize } from '../../../../lambdas/core/masking/strategies.js';
import type { MaskingStrategy } from '../../../../lambdas/core/masking/types.js';

const KEY = 'scrub-key';
const STRATEGIES: Record<string, MaskingStrategy> = {
  EMAIL_ADDRESS: { kind: 'tokenize' },
  PHONE_NUMBER: { kind: 'partial', keep: 2 },
  US_SSN: { kind: 'partial', keep: 4 },
  CREDIT_CARD: { kind: 'partial', keep: 4 },
};
const options = { strategyFor: (c: string) => STRATEGIES[c] ?? { kind: 'redact' as const }, tokenKey: KEY };
const email = tokenize('maria.garcia42@example.com', 'EMAIL_ADDRESS', KEY);

describe('scrubText', () => {
  it('masks every finding in free text (the demo notes column)', () => {
    const { text, counts } = scrubText(
      'Call me at (415) 555-0199 or mail maria.garcia42@example.com',
      options,
    );
    expect(text).toBe(`Call me at (***) ***-**99 or mail ${email}`);
    expect(counts).toEqual({ PHONE_NUMBER: 1, EMAIL_ADDRESS: 1 });
  });

  it('masks several classes and counts them', () => {
    const input =
      'Card 4111 1111 1111 1111, SSN 123-45-6789, IBAN DE89 3704 0044 0532 0130 00, key AKIAIOSFODNN7EXAMPLE, Maria.Garcia42@Example.com';
    const { text, counts } = scrubText(input, options);
    expect(text).toBe(`Card **** **** **** 1111, SSN ***-**-*789, IBAN [IBAN_CODE], key [SECRET], ${email}`);
    expect(counts).toEqual({ CREDIT_CARD: 1, US_SSN: 1, IBAN_CODE: 1, SECRET: 1, EMAIL_ADDRESS: 1 });
  });

  it('leaves text without findings unchanged', () => {
    expect(scrubText('order 2024-000123 shipped on 2024-01-15', options)).toEqual({
      text: 'order 2024-000123 shipped on 2024-01-15',
      counts: {},
    });
    expect(scrubText('', options)).toEqual({ text: '', counts: {} });
  });

  it('uses the given detectors only', () => {
    const { text } = scrubText('a@b.co 415-555-0199', { ...options, detectors: [emailDetector] });
    expect(text).toBe(`${tokenize('a@b.co', 'EMAIL_ADDRESS', KEY)} 415-555-0199`);
  });

  it('skips classes the principal may see, without counting them', () => {
    const { text, counts } = scrubText('a@b.co 415-555-0199', {
      ...options,
      skip: (c) => c === 'EMAIL_ADDRESS',
    });
    expect(text).toBe('a@b.co ***-***-**99');
    expect(counts).toEqual({ PHONE_NUMBER: 1 });
  });
});

describe('scrubJson', () => {
  it('recurses into arrays and objects, leaving other scalars alone', () => {
    const input = {
      id: 42,
      active: true,
      deleted: null,
      contact: { emails: ['maria.garcia42@example.com', 'none'], phone: '+1 415 555 0123' },
      tags: [['ok', 7, false]],
    };
    const { value, counts } = scrubJson(input, options);
    expect(value).toEqual({
      id: 42,
      active: true,
      deleted: null,
      contact: { emails: [email, 'none'], phone: '+* *** *** **23' },
      tags: [['ok', 7, false]],
    });
    expect(counts).toEqual({ EMAIL_ADDRESS: 1, PHONE_NUMBER: 1 });
  });

  it('does not mutate its input', () => {
    const input = { a: ['maria.garcia42@example.com'] };
    const copy = structuredClone(input);
    scrubJson(input, options);
    expect(input).toEqual(copy);
  });

  it('scrubs strings and non-objects at the top level', () => {
    expect(scrubJson('mail a@b.co', options).value).toBe(`mail ${tokenize('a@b.co', 'EMAIL_ADDRESS', KEY)}`);
    expect(scrubJson(12, options)).toEqual({ value: 12, counts: {} });
    expect(scrubJson(null, options)).toEqual({ value: null, counts: {} });
    expect(scrubJson(undefined, options)).toEqual({ value: undefined, counts: {} });
    const date = new Date(0);
    expect(scrubJson(date, options).value).toBe(date);
  });

  it('scrubs object keys and keeps them unique', () => {
    const { value, counts } = scrubJson(
      { 'a@b.co': 1, 'c@d.co': 2, '[EMAIL_ADDRESS]': 3, plain: 4 },
      { ...options, strategyFor: () => ({ kind: 'redact' }) },
    );
    expect(value).toEqual({ '[EMAIL_ADDRESS]': 3, '[EMAIL_ADDRESS]#2': 1, '[EMAIL_ADDRESS]#3': 2, plain: 4 });
    expect(counts).toEqual({ EMAIL_ADDRESS: 2 });
  });

  it('keeps a __proto__ key an own property', () => {
    const input = JSON.parse('{"__proto__": {"x": "a@b.co"}}');
    const { value } = scrubJson(input, options);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__']);
  });

  it('masks string values under secret-named keys whole', () => {
    const { value, counts } = scrubJson(
      { password: 'hunter22', api_key: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', token_count: 12, token: 'short' },
      options,
    );
    expect(value).toEqual({ password: '[SECRET]', api_key: '[SECRET]', token_count: 12, token: 'short' });
    expect(counts).toEqual({ SECRET: 2 });
  });

  it('masks integers that are card numbers; keeps other numbers', () => {
    const { value, counts } = scrubJson(
      { card: 4111111111111111, id: 1234567890123456, ssnLike: 123456789 },
      options,
    );
    expect(value).toEqual({ card: '************1111', id: 1234567890123456, ssnLike: 123456789 });
    expect(counts).toEqual({ CREDIT_CARD: 1 });
    expect(scrubJson(4111111111111111n, options).value).toBe('************1111');
  });

  it('handles deep nesting without overflowing the stack', () => {
    let deep: unknown = 'a@b.co';
    for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { k: deep };
    const { value, counts } = scrubJson(deep, options);
    expect(counts).toEqual({ EMAIL_ADDRESS: 1 });
    let node = value;
    for (let i = 200_000 - 1; i >= 0; i--) node = i % 2 ? (node as unknown[])[0] : (node as { k: unknown }).k;
    expect(node).toBe(tokenize('a@b.co', 'EMAIL_ADDRESS', KEY));
  });

  it('terminates on cycles and keeps shared references shared', () => {
    const shared = { email: 'a@b.co' };
    const input: Record<string, unknown> = { x: shared, y: shared };
    input.self = input;
    const { value, counts } = scrubJson(input, options);
    const out = value as Record<string, unknown>;
    expect(out.self).toBe(out);
    expect(out.x).toBe(out.y);
    expect(counts).toEqual({ EMAIL_ADDRESS: 1 });
  });

  it('uses DEFAULT_DETECTORS by default', () => {
    const input = {
      note: 'Card 4111 1111 1111 1111, SSN 123-45-6789, IBAN DE89 3704 0044 0532 0130 00, key AKIAIOSFODNN7EXAMPLE',
      contact: 'maria.garcia42@example.com or (415) 555-0199',
    };
    const byDefault = scrubJson(input, options);
    expect(byDefault).toEqual(scrubJson(input, { ...options, detectors: DEFAULT_DETECTORS }));
    expect(byDefault.counts).toEqual({
      CREDIT_CARD: 1,
      US_SSN: 1,
      IBAN_CODE: 1,
      SECRET: 1,
      EMAIL_ADDRESS: 1,
      PHONE_NUMBER: 1,
    });
  });
});
