// Masking one value by its class's strategy: redact, partial (keep the last few letters/digits)
// or tokenize (a keyed, deterministic, irreversible token agents can join, group and count on).
import { createHmac } from 'node:crypto';
import type { DataClass, MaskingStrategy } from './types.js';

/** Partial masking never reveals more than this share of a value's letters and digits. */
export const MAX_REVEALED_SHARE = 1 / 3;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

export const redact = (dataClass: DataClass): string => `[${dataClass}]`;

/**
 * Keeps the last `keep` letters/digits, replaces the other letters/digits by `*` and keeps every
 * other character (`4111 1111 1111 1111` → `**** **** **** 1111`). Reveals at most `keep` and at
 * most a third of the letters/digits (rounded down): so an SSN (9 digits) keeps 3 even with
 * `keep: 4` (`***-**-*789`); a value with fewer than 3 letters/digits is redacted.
 */
export const partial = (value: string, dataClass: DataClass, keep: number): string => {
  const chars = Array.from(value); // code points: never split a surrogate pair
  const significant = chars.reduce((n, ch) => n + (LETTER_OR_DIGIT.test(ch) ? 1 : 0), 0);
  const reveal = Math.min(Math.max(0, Math.floor(keep)), Math.floor(significant * MAX_REVEALED_SHARE));
  if (reveal < 1) return redact(dataClass);
  let remaining = significant - reveal; // letters/digits still to hide, from the left
  return chars
    .map((ch) => {
      if (!LETTER_OR_DIGIT.test(ch)) return ch;
      if (remaining > 0) {
        remaining--;
        return '*';
      }
      return ch;
    })
    .join('');
};

/**
 * The form of a value that is tokenized: the same e-mail in any case, the same card, phone or SSN
 * however it is grouped, the same IBAN with or without spaces give the same token.
 */
export const normalizeForToken = (value: string, dataClass: DataClass): string => {
  const trimmed = value.normalize('NFC').trim();
  switch (dataClass) {
    case 'EMAIL_ADDRESS':
      return trimmed.toLowerCase();
    case 'CREDIT_CARD':
    case 'US_SSN': {
      const digits = trimmed.replace(/\D/g, '');
      return digits || trimmed;
    }
    case 'PHONE_NUMBER': {
      const digits = trimmed.replace(/\D/g, '');
      // North American numbers with or without the country code: +1 415 555 0123 = (415) 555-0123.
      return (digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits) || trimmed;
    }
    case 'IBAN_CODE':
      return trimmed.replace(/\s/g, '').toUpperCase();
    case 'PERSON':
      return trimmed.replace(/\s+/g, ' ').toLowerCase();
    default:
      return trimmed;
  }
};

/** `tok_<class, lower-case>_<first 16 hex digits of HMAC-SHA256(key, class NUL normalized value)>`. */
export const tokenize = (value: string, dataClass: DataClass, tokenKey: Uint8Array | string): string => {
  if (tokenKey.length === 0) throw new TypeError('masking token key is empty');
  const mac = createHmac('sha256', tokenKey)
    .update(`${dataClass}\0${normalizeForToken(value, dataClass)}`, 'utf8')
    .digest('hex');
  return `tok_${dataClass.toLowerCase()}_${mac.slice(0, 16)}`;
};

/** Masks `value` of class `dataClass` by `strategy`. Throws only on an empty token key (fail closed). */
export const maskValue = (
  value: string,
  dataClass: DataClass,
  strategy: MaskingStrategy,
  tokenKey: Uint8Array | string,
): string => {
  switch (strategy.kind) {
    case 'partial':
      return partial(value, dataClass, strategy.keep);
    case 'tokenize':
      return tokenize(value, dataClass, tokenKey);
    default:
      return redact(dataClass);
  }
};
