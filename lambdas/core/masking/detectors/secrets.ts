// Secrets: AWS access key ids, JWTs, PEM private keys, and values after secret-like labels
// (`password=…`, `"api_key": "…"`, `aws_secret_access_key = …`). Hand-written scanners whose
// scans never revisit a character more than a constant number of times: linear time.
import { detector, isAlnumCode, isDigitCode, isUpperCode, tick, wordAt } from './scan.js';

// ---------------------------------------------------------------------------------------------
// AWS access key ids: AKIA (long-term) or ASIA (temporary) + 16 upper-case letters or digits.

export const awsAccessKeyDetector = detector('SECRET', (text, out) => {
  for (let i = 0; i + 20 <= text.length; i++) {
    tick();
    if (text.charCodeAt(i) !== 65 || wordAt(text, i - 1)) continue; // 'A'
    const prefix = text.slice(i, i + 4);
    if (prefix !== 'AKIA' && prefix !== 'ASIA') continue;
    let j = i + 4;
    while (j < i + 20) {
      tick();
      const c = text.charCodeAt(j);
      if (!isUpperCode(c) && !isDigitCode(c)) break;
      j++;
    }
    if (j !== i + 20 || wordAt(text, j)) continue;
    out.push({ dataClass: 'SECRET', start: i, end: j });
    i = j - 1;
  }
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

export const jwtDetector = detector('SECRET', (text, out) => {
  let from = 0;
  let i = text.indexOf('eyJ');
  while (i !== -1) {
    tick(i - from + 1);
    let next = i + 1;
    if (!isB64UrlCode(text.charCodeAt(i - 1)) && text[i - 1] !== '.') {
      const headerEnd = segmentEnd(text, i);
      if (headerEnd - i >= 10 && text[headerEnd] === '.' && text.startsWith('eyJ', headerEnd + 1)) {
        const payloadEnd = segmentEnd(text, headerEnd + 1);
        if (payloadEnd - headerEnd > 3 && text[payloadEnd] === '.') {
          const end = segmentEnd(text, payloadEnd + 1);
          out.push({ dataClass: 'SECRET', start: i, end });
          next = end;
        } else next = headerEnd; // no JWT can start inside this header
      } else next = Math.max(headerEnd, i + 1);
    }
    from = next;
    i = text.indexOf('eyJ', next);
  }
  tick(text.length - from); // the last, failed indexOf
});

// ---------------------------------------------------------------------------------------------
// PEM private keys: `-----BEGIN <label> PRIVATE KEY-----` through the matching END line. Without
// an END line (a truncated value), the header and the key material after it are reported.

const BEGIN = '-----BEGIN ';

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
  c === 13;

export const privateKeyDetector = detector('SECRET', (text, out) => {
  /** Per END marker: where its last search started and what it found (-1: absent from there on). */
  const endSearch = new Map<string, { from: number; at: number }>();
  let from = 0;
  let i = text.indexOf(BEGIN);
  while (i !== -1) {
    tick(i - from + 1);
    let next = i + BEGIN.length;
    // Label: [A-Z0-9 ] up to '-----', at most 64 characters.
    let j = next;
    while (
      j < text.length &&
      j - next <= 64 &&
      (isUpperCode(text.charCodeAt(j)) || isDigitCode(text.charCodeAt(j)) || text[j] === ' ')
    ) {
      tick();
      j++;
    }
    const label = text.slice(next, j);
    if (label.includes('PRIVATE KEY') && text.startsWith('-----', j)) {
      const headerEnd = j + 5;
      const marker = `-----END ${label}-----`;
      let search = endSearch.get(marker);
      if (!search || (search.at !== -1 && search.at < headerEnd)) {
        const at = text.indexOf(marker, headerEnd);
        tick((at === -1 ? text.length : at) - headerEnd + 1);
        search = { from: headerEnd, at };
        endSearch.set(marker, search);
      }
      let end: number;
      if (search.at !== -1) end = search.at + marker.length;
      else {
        end = headerEnd;
        while (end < text.length && isPemBodyCode(text.charCodeAt(end))) {
          tick();
          end++;
        }
        while (end > headerEnd && /\s/.test(text[end - 1]!)) end--;
      }
      out.push({ dataClass: 'SECRET', start: i, end });
      next = end;
    }
    from = next;
    i = text.indexOf(BEGIN, next);
  }
  tick(text.length - from); // the last, failed indexOf
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

/**
 * Whether a key or label names a secret (`DB_PASSWORD`, `aws_secret_access_key`, `apiKey`,
 * `x-api-key`, `client_secret`), and which kind. Also used by `scrubJson` on object keys.
 */
export const secretLabelKind = (label: string): SecretLabelKind | undefined => {
  if (label.length === 0 || label.length > 64) return undefined;
  const normalized = label.toLowerCase().replace(/[_.\-\s]/g, '');
  if (PASSWORD_LABELS.some((l) => normalized.endsWith(l))) return 'password';
  if (TOKEN_LABELS.some((l) => normalized.endsWith(l))) return 'token';
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
  if (kind === 'password') return value.length >= 4;
  return value.length >= 16 && entropy(value) >= 3;
};

const isLabelCode = (c: number): boolean => isAlnumCode(c) || c === 95 || c === 45 || c === 46;
const isQuote = (ch: string | undefined): boolean => ch === '"' || ch === "'" || ch === '`';
const VALUE_STOP = new Set([' ', '\t', '\r', '\n', '"', "'", '`', ',', ';', '&', '<', '>', ')', ']', '}']);

const skipBlanks = (text: string, i: number): number => {
  let j = i;
  while (j < text.length && j - i < 4 && (text[j] === ' ' || text[j] === '\t')) {
    tick();
    j++;
  }
  return j;
};

export const labelledSecretDetector = detector('SECRET', (text, out) => {
  let i = 0;
  while (i < text.length) {
    tick();
    if (!isLabelCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // A maximal label run [i, runEnd).
    let runEnd = i;
    while (runEnd < text.length && isLabelCode(text.charCodeAt(runEnd))) {
      tick();
      runEnd++;
    }
    const kind = secretLabelKind(text.slice(i, runEnd));
    i = runEnd;
    if (!kind) continue;
    // [quote] blanks ( '=' | ':' | ':=' | '=>' ) blanks [quote] value
    let p = runEnd;
    if (isQuote(text[p])) p++;
    p = skipBlanks(text, p);
    if (text[p] === ':' && text[p + 1] === '=') p += 2;
    else if (text[p] === '=' && text[p + 1] === '>') p += 2;
    else if (text[p] === '=' || text[p] === ':') p++;
    else continue;
    p = skipBlanks(text, p);
    const quote = isQuote(text[p]) ? text[p] : undefined;
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
    if (looksSecret(text.slice(p, end), kind)) {
      out.push({ dataClass: 'SECRET', start: p, end });
    }
    i = Math.max(i, end);
  }
});
