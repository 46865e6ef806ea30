// Secrets: AWS access key ids, JWTs, PEM private keys, and values after secret-like labels
// (`password=…`, `"api_key": "…"`, `aws_secret_access_key = …`). Hand-written scanners whose
// scans never revisit a character more than a constant number of times: linear time.
import { isAlnumCode, isDigitCode, isUpperCode, positional, tick, wordAt } from './scan.js';

// ---------------------------------------------------------------------------------------------
// AWS access key ids: AKIA (long-term) or ASIA (temporary) + 16 upper-case letters or digits.

export const awsAccessKeyDetector = positional('SECRET', ['marker'], (text, i, _lastEnd, hit) => {
  if (i + 20 > text.length || text.charCodeAt(i) !== 65 || wordAt(text, i - 1)) return false; // 'A'
  if (!text.startsWith('AKIA', i) && !text.startsWith('ASIA', i)) return false;
  let j = i + 4;
  while (j < i + 20) {
    tick();
    const c = text.charCodeAt(j);
    if (!isUpperCode(c) && !isDigitCode(c)) break;
    j++;
  }
  if (j !== i + 20 || wordAt(text, j)) return false;
  hit.start = i;
  hit.end = j;
  return true;
});

// ---------------------------------------------------------------------------------------------
// JWTs (JWS compact form): header.payload.signature, base64url, header and payload JSON (`eyJ`).

const isB64UrlCode = (c: number): boolean => isAlnumCode(c) || c === 45 || c === 95;

/** End of the base64url segment starting at `i`. */
const segmentEnd = (text: string, i: number): number => {
  let j = i;
  while (j < text.length && isB64UrlCode(text.charCodeAt(j))) {
    tick();
    j++;
  }
  return j;
};

export const jwtDetector = positional('SECRET', ['marker'], (text, i, _lastEnd, hit) => {
  if (!text.startsWith('eyJ', i)) return false;
  if (isB64UrlCode(text.charCodeAt(i - 1)) || text.charCodeAt(i - 1) === 46) return false;
  const headerEnd = segmentEnd(text, i);
  if (headerEnd - i < 10 || text.charCodeAt(headerEnd) !== 46 || !text.startsWith('eyJ', headerEnd + 1))
    return false;
  const payloadEnd = segmentEnd(text, headerEnd + 1);
  if (payloadEnd - headerEnd <= 3 || text.charCodeAt(payloadEnd) !== 46) return false;
  hit.start = i;
  hit.end = segmentEnd(text, payloadEnd + 1);
  return true;
});

// ---------------------------------------------------------------------------------------------
// PEM private keys: `-----BEGIN <label> PRIVATE KEY-----` through the matching END line. Without
// an END line (a truncated value), the header and the key material after it are reported.

/** PEM (`-----BEGIN … PRIVATE KEY-----`, PGP's `… PRIVATE KEY BLOCK-----`) and SSH2 (`---- BEGIN … ----`). */
const BEGINS = [
  { begin: '-----BEGIN ', dashes: '-----', end: '-----END ' },
  { begin: '---- BEGIN ', dashes: ' ----', end: '---- END ' },
] as const;
const PUTTY = 'PuTTY-User-Key-File-';

/** Characters of PEM key material and encapsulated headers (`Proc-Type: 4,ENCRYPTED`), escaped newlines. */
const isPemBodyCode = (c: number): boolean =>
  isAlnumCode(c) ||
  c === 43 ||
  c === 47 ||
  c === 61 ||
  c === 45 ||
  c === 58 ||
  c === 44 ||
  c === 92 ||
  c === 32 ||
  c === 9 ||
  c === 10 ||
  c === 13 ||
  c === 34;

/**
 * Per END marker: where it was last searched for and found (-1: absent from there on), for the
 * text last scanned. Keeps many BEGIN lines without END linear: each END is searched for once.
 */
let endSearchText: string | undefined;
const endSearch = new Map<string, { from: number; at: number }>();

const findEnd = (text: string, marker: string, from: number): number => {
  if (endSearchText !== text) {
    endSearchText = text;
    endSearch.clear();
  }
  let search = endSearch.get(marker);
  if (!search || search.from > from || (search.at !== -1 && search.at < from)) {
    const at = text.indexOf(marker, from);
    tick((at === -1 ? text.length : at) - from + 1);
    search = { from, at };
    endSearch.set(marker, search);
  }
  return search.at;
};

/** The key material after a header with no END line (a truncated value): masked too, fail closed. */
const bodyEnd = (text: string, from: number, extra: (c: number) => boolean): number => {
  let end = from;
  while (end < text.length && (isPemBodyCode(text.charCodeAt(end)) || extra(text.charCodeAt(end)))) {
    tick();
    end++;
  }
  while (end > from && /\s/.test(text[end - 1]!)) end--;
  return end;
};

const never = (): boolean => false;
/** PuTTY key files also hold a comment line (`Comment: rsa-key-20240101`, an e-mail). */
const isPuttyExtra = (c: number): boolean => c === 46 || c === 95 || c === 64;

export const privateKeyDetector = positional('SECRET', ['marker'], (text, i, _lastEnd, hit) => {
  if (text.startsWith(PUTTY, i)) {
    hit.start = i;
    hit.end = bodyEnd(text, i, isPuttyExtra);
    return true;
  }
  for (const form of BEGINS) {
    if (!text.startsWith(form.begin, i)) continue;
    const next = i + form.begin.length;
    // Label: [A-Z0-9 ] up to the closing dashes, at most 64 characters.
    let j = next;
    while (
      j < text.length &&
      j - next <= 64 &&
      (isUpperCode(text.charCodeAt(j)) || isDigitCode(text.charCodeAt(j)) || text[j] === ' ') &&
      !text.startsWith(form.dashes, j)
    ) {
      tick();
      j++;
    }
    const label = text.slice(next, j);
    if (!label.includes('PRIVATE KEY') || !text.startsWith(form.dashes, j)) return false;
    const headerEnd = j + form.dashes.length;
    const marker = `${form.end}${label}${form.dashes}`;
    const at = findEnd(text, marker, headerEnd);
    hit.start = i;
    hit.end = at !== -1 ? at + marker.length : bodyEnd(text, headerEnd, never);
    return true;
  }
  return false;
});

// ---------------------------------------------------------------------------------------------
// Labelled secrets: `<label> [=:] <value>` where the label names a secret.

/** Label endings (lower-case, without `_`, `-`, `.`) whose values are passwords: any non-trivial value. */
const PASSWORD_LABELS = ['password', 'passwd', 'passphrase', 'pwd'];
/** Label endings whose values are secrets when they look random (≥ 16 characters, high entropy). */
const TOKEN_LABELS = [
  'secret',
  'token',
  'apikey',
  'accesskey',
  'secretkey',
  'privatekey',
  'signingkey',
  'credential',
  'credentials',
  'authorization',
  'auth',
  'sessionid',
  'cookie',
];

export type SecretLabelKind = 'password' | 'token';

const LABEL_SEPARATOR = /[_.\-\s]/;
const LABEL_SEPARATORS = /[_.\-\s]/g;
/** The last characters of the labels above. */
const LABEL_ENDINGS = new Set([...PASSWORD_LABELS, ...TOKEN_LABELS].map((l) => l.charCodeAt(l.length - 1)));

/**
 * Whether a key or label names a secret (`DB_PASSWORD`, `aws_secret_access_key`, `apiKey`,
 * `x-api-key`, `client_secret`), and which kind. Also used by `scrubJson` on object keys.
 */
export const secretLabelKind = (label: string): SecretLabelKind | undefined => {
  if (label.length === 0 || label.length > 64) return undefined;
  const lower = label.toLowerCase();
  const normalized = LABEL_SEPARATOR.test(lower) ? lower.replace(LABEL_SEPARATORS, '') : lower;
  // Most keys (`id`, `status`, `channel`) end in a letter no label ends in.
  if (!LABEL_ENDINGS.has(normalized.charCodeAt(normalized.length - 1))) return undefined;
  for (const l of PASSWORD_LABELS) if (normalized.endsWith(l)) return 'password';
  for (const l of TOKEN_LABELS) if (normalized.endsWith(l)) return 'token';
  return undefined;
};

const PLACEHOLDERS = new Set([
  'null',
  'none',
  'nil',
  'true',
  'false',
  'undefined',
  'redacted',
  'masked',
  'hidden',
  'n/a',
]);

/** Shannon entropy in bits per character. */
const entropy = (value: string): number => {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  const n = value.length;
  for (const count of counts.values()) bits -= (count / n) * Math.log2(count / n);
  return bits;
};

/** Whether `value`, found after a label of this kind, is a secret rather than a placeholder or a word. */
export const looksSecret = (value: string, kind: SecretLabelKind): boolean => {
  if (value.length === 0) return false;
  const lower = value.toLowerCase();
  if (PLACEHOLDERS.has(lower) || /^(.)\1*$/.test(value) || /^(\$\{|\{\{|<|%\()/.test(value)) return false;
  if (kind === 'password') return value.length >= 3;
  return value.length >= 16 && entropy(value) >= 3;
};

const isLabelCode = (c: number): boolean => isAlnumCode(c) || c === 95 || c === 45 || c === 46;
const isQuoteCode = (c: number): boolean => c === 34 || c === 39 || c === 96;
const VALUE_STOP = new Set([' ', '\t', '\r', '\n', '"', "'", '`', ',', ';', '&', '<', '>', ')', ']', '}']);
const MAX_LABEL = 64;

const skipBlanks = (text: string, i: number): number => {
  let j = i;
  while (j < text.length && j - i < 4 && (text[j] === ' ' || text[j] === '\t')) {
    tick();
    j++;
  }
  return j;
};

/**
 * `<label> [quote] blanks ( '=' | ':' | ':=' | '=>' ) blanks [quote] [scheme] <value>`, anchored on
 * the operator (`=` or `:`): the label is read leftwards from it (at most 64 characters).
 */
/**
 * The end of the last value read in this pass over this text, found or not: a label inside a
 * value already read is not read again (`token=token=token=…` stays linear). A pass asks at
 * increasing positions, so a position at or before the last one asked starts a new pass.
 */
let valueText: string | undefined;
let valueAsked = -1;
let valueEnd = 0;

export const labelledSecretDetector = positional('SECRET', ['colon', 'equals'], (text, q, lastEnd, hit) => {
  const op = text.charCodeAt(q);
  if (op !== 58 && op !== 61) return false;
  if (valueText !== text || q <= valueAsked) {
    valueText = text;
    valueEnd = 0;
  }
  valueAsked = q;
  // Leftwards: blanks (at most 4), an optional quote, the label run (maximal, 64 characters at most).
  let r = q;
  while (r > 0 && q - r < 4 && (text.charCodeAt(r - 1) === 32 || text.charCodeAt(r - 1) === 9)) r--;
  const runEnd = r > 0 && isQuoteCode(text.charCodeAt(r - 1)) ? r - 1 : r;
  let a = runEnd;
  while (a > 0 && runEnd - a <= MAX_LABEL && isLabelCode(text.charCodeAt(a - 1))) a--;
  tick(q - a + 1);
  if (a === runEnd || runEnd - a > MAX_LABEL || a < lastEnd || a < valueEnd) return false;
  const kind = secretLabelKind(text.slice(a, runEnd));
  if (!kind) return false;
  let p = q;
  if (op === 58 && text.charCodeAt(p + 1) === 61) p += 2;
  else if (op === 61 && text.charCodeAt(p + 1) === 62) p += 2;
  else p++;
  p = skipBlanks(text, p);
  const quote = isQuoteCode(text.charCodeAt(p)) ? text[p] : undefined;
  if (quote) p++;
  // `Authorization: Bearer <token>`
  const scheme = /^(bearer|basic|token|digest) /i.exec(text.slice(p, p + 7));
  if (scheme) p += scheme[0].length;
  let end = p;
  while (
    end < text.length &&
    (quote ? text[end] !== quote && text[end] !== '\n' : !VALUE_STOP.has(text[end]!))
  ) {
    tick();
    end++;
  }
  // Trailing punctuation of a sentence is not part of the value.
  if (!quote) while (end > p && (text[end - 1] === '.' || text[end - 1] === ':')) end--;
  // A password in a connection string runs to the `;` (`Password=my pass phrase;`).
  if (!quote && kind === 'password' && op === 61 && text[end] === ' ') {
    let s = end;
    while (s < text.length && s - end < 64 && !'\n\r=;"\''.includes(text[s]!)) s++;
    tick(s - end);
    if (text[s] === ';') end = s;
  }
  valueEnd = end;
  if (!looksSecret(text.slice(p, end), kind)) return false;
  hit.start = p;
  hit.end = end;
  return true;
});
