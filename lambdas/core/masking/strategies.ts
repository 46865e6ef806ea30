// Masking one value by its class's strategy: redact, partial (keep the last few letters/digits)
// or tokenize (a keyed, deterministic, irreversible token agents can join, group and count on).
import { HmacSha256 } from './hmac-sha256.js';
import type { DataClass, MaskingStrategy } from './types.js';

/** Partial masking never reveals more than this share of a value's letters and digits. */
export const MAX_REVEALED_SHARE = 1 / 3;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** Scratch for an ASCII value's masked character codes; longer values take the general path. */
const CODES: number[] = [];
const MAX_CODES = 256;
const STAR = 42;
const isAsciiAlnum = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const NOT_ASCII = /[^\0-\x7f]/;

export const redact = (dataClass: DataClass): string => `[${dataClass}]`;

/**
 * Keeps the last `keep` letters/digits, replaces the other letters/digits by `*` and keeps every
 * other character (`4111 1111 1111 1111` → `**** **** **** 1111`). Reveals at most `keep` and at
 * most a third of the letters/digits (rounded down): so an SSN (9 digits) keeps 3 even with
 * `keep: 4` (`***-**-*789`); a value with fewer than 3 letters/digits is redacted.
 */
export const partial = (value: string, dataClass: DataClass, keep: number): string => {
  // One pass to count, one to write; ASCII without the regular expression (the common case).
  let significant = 0;
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 128) {
      if (isAsciiAlnum(c)) significant++;
      continue;
    }
    ascii = false;
    if (c >= 0xdc00 && c <= 0xdfff && i > 0 && isHigh(value.charCodeAt(i - 1))) {
      // the second half of a pair: counted with the first
    } else if (LETTER_OR_DIGIT.test(codePointAt(value, i))) significant++;
  }
  const reveal = Math.min(Math.max(0, Math.floor(keep)), Math.floor(significant * MAX_REVEALED_SHARE));
  if (reveal < 1) return redact(dataClass);
  let remaining = significant - reveal; // letters/digits still to hide, from the left
  if (ascii && value.length <= MAX_CODES) {
    // Written as character codes and made into one flat string: no pieces to concatenate.
    const codes = CODES;
    codes.length = value.length;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (remaining > 0 && isAsciiAlnum(c)) {
        codes[i] = STAR;
        remaining--;
      } else codes[i] = c;
    }
    return String.fromCharCode.apply(null, codes);
  }
  let out = '';
  let copied = 0;
  for (let i = 0; i < value.length && remaining > 0; i++) {
    const c = value.charCodeAt(i);
    let hide: boolean;
    let width = 1;
    if (c < 128) hide = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    else {
      const ch = codePointAt(value, i);
      width = ch.length;
      hide = LETTER_OR_DIGIT.test(ch);
    }
    if (hide) {
      out += `${value.slice(copied, i)}*`; // code points: never split a surrogate pair
      copied = i + width;
      remaining--;
    }
    i += width - 1;
  }
  return out + value.slice(copied);
};

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
/** The code point at `i` as a string (one or two code units). */
const codePointAt = (value: string, i: number): string =>
  isHigh(value.charCodeAt(i)) && i + 1 < value.length ? value.slice(i, i + 2) : value[i]!;

/**
 * The form of a value that is tokenized: the same e-mail in any case, the same card, phone or SSN
 * however it is grouped, the same IBAN with or without spaces give the same token.
 */
export const normalizeForToken = (value: string, dataClass: DataClass): string => {
  // ASCII text is its own NFC form: ICU is asked only about the rest.
  const trimmed = (NOT_ASCII.test(value) ? value.normalize('NFC') : value).trim();
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

/** What a token of `dataClass` starts with. */
const tokenPrefix = (dataClass: DataClass): string => `tok_${dataClass.toLowerCase()}_`;
/** The start of the message a token is the MAC of: the class, NUL (the normalized value follows). */
const tokenHead = (dataClass: DataClass): string => `${dataClass}\0`;

/**
 * `tok_<class, lower-case>_<first 16 hex digits of HMAC-SHA256(key, class NUL normalized value)>`.
 * Throws on an empty key (fail closed).
 */
export const tokenize = (value: string, dataClass: DataClass, tokenKey: Uint8Array | string): string => {
  if (tokenKey.length === 0) throw new TypeError('masking token key is empty');
  return new HmacSha256(tokenKey).prefixedHex16(
    tokenPrefix(dataClass),
    tokenHead(dataClass),
    normalizeForToken(value, dataClass),
  );
};

/**
 * Tokens already computed while masking one result (the same customer's e-mail on every row of
 * a join is hashed once), and the key's HMAC state, computed once per result. Lives for one call
 * only: raw values are never kept across requests.
 */
export class TokenMemo {
  /** Per class: the tokens' prefix, and value → token. */
  private readonly classes = new Map<
    DataClass,
    { prefix: string; head: string; tokens: Map<string, string> }
  >();
  private size = 0;
  private static readonly MAX = 50_000;
  private mac: HmacSha256 | undefined;

  constructor(private readonly tokenKey: Uint8Array | string) {}

  tokenize(value: string, dataClass: DataClass): string {
    let ofClass = this.classes.get(dataClass);
    if (ofClass === undefined) {
      ofClass = { prefix: tokenPrefix(dataClass), head: tokenHead(dataClass), tokens: new Map() };
      this.classes.set(dataClass, ofClass);
    }
    let token = ofClass.tokens.get(value);
    if (token === undefined) {
      if (this.tokenKey.length === 0) throw new TypeError('masking token key is empty');
      this.mac ??= new HmacSha256(this.tokenKey);
      token = this.mac.prefixedHex16(ofClass.prefix, ofClass.head, normalizeForToken(value, dataClass));
      if (this.size < TokenMemo.MAX) {
        ofClass.tokens.set(value, token);
        this.size++;
      }
    }
    return token;
  }
}

/** Masks `value` of class `dataClass` by `strategy`. Throws only on an empty token key (fail closed). */
export const maskValue = (
  value: string,
  dataClass: DataClass,
  strategy: MaskingStrategy,
  tokenKey: Uint8Array | string,
  memo?: TokenMemo,
): string => {
  switch (strategy.kind) {
    case 'partial':
      return partial(value, dataClass, strategy.keep);
    case 'tokenize':
      return memo ? memo.tokenize(value, dataClass) : tokenize(value, dataClass, tokenKey);
    default:
      return redact(dataClass);
  }
};
