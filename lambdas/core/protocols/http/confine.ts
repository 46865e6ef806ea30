// Where a proxied HTTP request may go: the pure rules that keep every forwarded URL under its
// connection's base URL. They allowlist what a path and a query may hold; anything else is refused
// with a stable rule, recorded as a block decision. docs/http-proxy.md ("Confinement") states them.
//
// The forwarded URL is rebuilt from the decoded segments in one canonical encoding, so what the
// target receives is exactly what the policy facts describe: no second reading of the agent's text.

/** The stable rule names of a confinement refusal. Never rename one: recordings keep them. */
export const CONFINEMENT_RULES = {
  /** The connection's baseUrl is not an absolute http(s) URL without credentials, query or fragment. */
  baseUrl: 'http.base-url',
  /** The path or query is longer than the limits below. */
  tooLong: 'http.too-long',
  /** A C0 control, DEL or C1 control, raw or percent-encoded, in the path or query. */
  controlCharacter: 'http.control-character',
  /** A `#` in the path or query: a fragment is never sent to a server. */
  fragment: 'http.fragment',
  /** The path names another origin: not starting with `/`, `//`, `/\`, a scheme first. */
  absoluteUrl: 'http.absolute-url',
  /** A `.`/`..` segment in any writing, or a separator (`/`, `\`) hidden in a segment. */
  pathTraversal: 'http.path-traversal',
  /** Anything else outside the path allowlist: bad escapes, `%25`, bad UTF-8, `;`, `//`, ... */
  pathEncoding: 'http.path-encoding',
  /** The query is not well-formed percent-encoding of UTF-8 over the query allowlist. */
  queryEncoding: 'http.query-encoding',
  /** Defence in depth: the URL built does not parse back to itself under the base. */
  outsideBase: 'http.outside-base',
} as const;

export type ConfinementRule = (typeof CONFINEMENT_RULES)[keyof typeof CONFINEMENT_RULES];

/** Longest raw path accepted, in characters (after `/v1/connections/{name}/http`). */
export const MAX_RAW_PATH_LENGTH = 4096;
/** Longest raw query accepted, in characters (without the `?`). */
export const MAX_RAW_QUERY_LENGTH = 8192;

/** A request confined to its base URL. */
export interface ConfinedTarget {
  /** The exact URL to fetch: base origin + base path + normalised path + query. */
  readonly url: string;
  /** The normalised path relative to the base, starting with '/', segments decoded (policy facts). */
  readonly path: string;
  /** The decoded segments, without the empty one a trailing slash leaves. */
  readonly segments: readonly string[];
  /** The query string as forwarded (without '?'), '' when none. */
  readonly query: string;
  /** The query's decoded keys, sorted, unique. */
  readonly queryKeys: readonly string[];
}

export type Confinement =
  | { readonly ok: true; readonly target: ConfinedTarget }
  | { readonly ok: false; readonly rule: ConfinementRule; readonly reason: string };

type Refusal = Extract<Confinement, { ok: false }>;

const refuse = (rule: ConfinementRule, reason: string): Refusal => ({ ok: false, rule, reason });

/** Characters a raw path segment may hold as they are (RFC 3986 pchar without `;`, plus `%`). */
const RAW_PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@%]$/;
/**
 * Characters a decoded segment may hold: the RFC 3986 pchar set without `;`, the space, and
 * letters, marks and numbers of any script. No other symbol, no separator, no format character.
 */
const DECODED_PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@ \p{L}\p{M}\p{N}]$/u;
/** Characters written as they are in the forwarded path; every other one is percent-encoded. */
const CANONICAL_PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*,=:@]$/;
/**
 * Characters a raw query may hold as they are: RFC 3986 query characters without `;` (a pair
 * separator to some parsers) and `'` (which the WHATWG URL parser rewrites to %27), plus `[` `]`
 * (written raw by common clients for `page[size]=10`, read alike by every parser).
 */
const RAW_QUERY_CHAR = /^[A-Za-z0-9\-._~!$&()*+,=:@/?%[\]]$/;
/** A scheme, as RFC 3986 writes one, at the start of a text. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const DOTS_ONLY = /^\.+$/;

const isControl = (code: number): boolean => code < 0x20 || (code >= 0x7f && code <= 0x9f);

const codeName = (code: number): string => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first control character of a text, or undefined. */
const firstControl = (text: string): number | undefined => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isControl(code)) return code;
  }
  return undefined;
};

const HEX = /^[0-9A-Fa-f]{2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Percent-decodes an ASCII text whose every `%` starts a valid escape, as UTF-8, strictly: an
 * overlong form, a surrogate or a truncated sequence is undefined. `plusIsSpace` for query parts.
 */
const decodeStrict = (text: string, plusIsSpace: boolean): string | undefined => {
  const bytes = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '%') {
      bytes[n++] = Number.parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else bytes[n++] = plusIsSpace && ch === '+' ? 0x20 : text.charCodeAt(i);
  }
  try {
    return utf8.decode(bytes.subarray(0, n));
  } catch {
    return undefined;
  }
};

/** The index of the first `%` not followed by two hex digits, or -1. */
const badEscapeAt = (text: string): number => {
  for (let i = text.indexOf('%'); i !== -1; i = text.indexOf('%', i + 1)) {
    if (!HEX.test(text.slice(i + 1, i + 3))) return i;
  }
  return -1;
};

/** A decoded segment in the one encoding the gateway forwards. */
const canonicalSegment = (segment: string): string => {
  let out = '';
  // encodeURIComponent writes uppercase %XX of the UTF-8 bytes; the segment decoded from strict
  // UTF-8, it holds no lone surrogate (which would throw).
  for (const ch of segment) out += CANONICAL_PATH_CHAR.test(ch) ? ch : encodeURIComponent(ch);
  return out;
};

interface Base {
  readonly origin: string;
  /** The base path, always ending with '/'. */
  readonly path: string;
}

const parseBase = (baseUrl: string): Base | Refusal => {
  const bad = (why: string) => refuse(CONFINEMENT_RULES.baseUrl, `The connection's baseUrl ${why}.`);
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return bad('is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return bad('must use http or https');
  if (url.username !== '' || url.password !== '') {
    return bad('must not hold credentials (the connection credential carries them)');
  }
  if (baseUrl.includes('?') || baseUrl.includes('#')) return bad('must not hold a query or a fragment');
  if (url.hostname === '') return bad('has no host');
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return { origin: url.origin, path };
};

interface ConfinedPath {
  readonly segments: readonly string[];
  /** The forwarded path relative to the base path (no leading '/'), canonically encoded. */
  readonly encoded: string;
}

/** One segment (neither the first of `//` nor empty) checked and decoded, or the refusal. */
const confineSegment = (raw: string, index: number): string | Refusal => {
  const where = `segment ${index + 1} (${JSON.stringify(raw)})`;
  if (raw.includes('\\')) {
    return refuse(
      CONFINEMENT_RULES.pathTraversal,
      `The path's ${where} holds a backslash, a separator to some servers.`,
    );
  }
  if (raw.includes(';')) {
    return refuse(
      CONFINEMENT_RULES.pathEncoding,
      `The path's ${where} holds ';': path parameters are not forwarded.`,
    );
  }
  for (const ch of raw) {
    if (!RAW_PATH_CHAR.test(ch)) {
      return refuse(
        CONFINEMENT_RULES.pathEncoding,
        `The path's ${where} holds ${JSON.stringify(ch)} unencoded: only letters, digits and -._~!$&'()*+,=:@ may appear raw.`,
      );
    }
  }
  if (badEscapeAt(raw) !== -1) {
    return refuse(
      CONFINEMENT_RULES.pathEncoding,
      `The path's ${where} holds a '%' that does not start a %XX escape.`,
    );
  }
  if (/%25/.test(raw)) {
    return refuse(
      CONFINEMENT_RULES.pathEncoding,
      `The path's ${where} holds %25 (an encoded '%'): double encoding is not forwarded.`,
    );
  }
  const decoded = decodeStrict(raw, false);
  if (decoded === undefined) {
    return refuse(
      CONFINEMENT_RULES.pathEncoding,
      `The path's ${where} does not decode as UTF-8 (overlong, surrogate or truncated sequence).`,
    );
  }
  const control = firstControl(decoded);
  if (control !== undefined) {
    return refuse(
      CONFINEMENT_RULES.controlCharacter,
      `The path's ${where} decodes to the control character ${codeName(control)}.`,
    );
  }
  if (index === 0 && SCHEME.test(decoded)) {
    return refuse(
      CONFINEMENT_RULES.absoluteUrl,
      `The path starts with a scheme (${JSON.stringify(decoded.slice(0, decoded.indexOf(':') + 1))}): only paths under the base are forwarded.`,
    );
  }
  // Some servers fold compatibility characters (U+FF0E '．', U+2024 '․', U+FF0F '／') to ASCII
  // before routing, some strip accents: a segment is judged as written, as folded, and (for dots
  // and separators) with its combining marks stripped.
  const folded = decoded.normalize('NFKC');
  const unmarked = folded.normalize('NFKD').replace(/\p{M}/gu, '');
  for (const form of [decoded, folded, unmarked]) {
    if (form.includes('/') || form.includes('\\')) {
      return refuse(
        CONFINEMENT_RULES.pathTraversal,
        `The path's ${where} decodes to a separator ('/' or '\\', or a character folding to one).`,
      );
    }
    if (DOTS_ONLY.test(form)) {
      return refuse(
        CONFINEMENT_RULES.pathTraversal,
        `The path's ${where} is a dot segment${form === raw ? '' : ` (${JSON.stringify(form)} once decoded)`}: traversal is refused in every encoding.`,
      );
    }
  }
  if (unmarked === '') {
    return refuse(
      CONFINEMENT_RULES.pathEncoding,
      `The path's ${where} holds only combining marks: stripped, it is an empty segment.`,
    );
  }
  for (const form of [decoded, folded]) {
    for (const ch of form) {
      if (!DECODED_PATH_CHAR.test(ch)) {
        return refuse(
          CONFINEMENT_RULES.pathEncoding,
          `The path's ${where} decodes to ${codeName(ch.codePointAt(0)!)}${form === folded && form !== decoded ? ' (once folded)' : ''}: a segment may hold letters, marks, numbers, spaces and -._~!$&'()*+,=:@.`,
        );
      }
    }
  }
  return decoded;
};

const confinePath = (rawPath: string): ConfinedPath | Refusal => {
  if (rawPath.length > MAX_RAW_PATH_LENGTH) {
    return refuse(CONFINEMENT_RULES.tooLong, `The path is longer than ${MAX_RAW_PATH_LENGTH} characters.`);
  }
  const control = firstControl(rawPath);
  if (control !== undefined) {
    return refuse(
      CONFINEMENT_RULES.controlCharacter,
      `The path holds the control character ${codeName(control)}.`,
    );
  }
  if (rawPath.includes('#')) {
    return refuse(CONFINEMENT_RULES.fragment, "The path holds '#': fragments are not forwarded.");
  }
  if (rawPath.includes('?')) {
    return refuse(CONFINEMENT_RULES.pathEncoding, "The path holds '?': a query belongs in the query string.");
  }
  const path = rawPath === '' ? '/' : rawPath;
  if (!path.startsWith('/')) {
    return refuse(
      CONFINEMENT_RULES.absoluteUrl,
      "The path must start with '/': absolute and relative references are not forwarded.",
    );
  }
  if (path.startsWith('//') || path.startsWith('/\\')) {
    return refuse(
      CONFINEMENT_RULES.absoluteUrl,
      `The path starts with ${JSON.stringify(path.slice(0, 2))}, a scheme-relative reference to another host.`,
    );
  }
  const rest = path.slice(1);
  if (rest === '') return { segments: [], encoded: '' };
  const parts = rest.split('/');
  const trailingSlash = parts.at(-1) === '';
  if (trailingSlash) parts.pop();
  const segments: string[] = [];
  for (const [index, raw] of parts.entries()) {
    if (raw === '') {
      return refuse(
        CONFINEMENT_RULES.pathEncoding,
        `The path has an empty segment ('//') after segment ${index}: servers disagree on what it means.`,
      );
    }
    const segment = confineSegment(raw, index);
    if (typeof segment !== 'string') return segment;
    segments.push(segment);
  }
  const encoded = segments.map(canonicalSegment).join('/') + (trailingSlash ? '/' : '');
  return { segments, encoded };
};

interface ConfinedQuery {
  readonly query: string;
  readonly keys: readonly string[];
}

const confineQuery = (rawQuery: string): ConfinedQuery | Refusal => {
  if (rawQuery.length > MAX_RAW_QUERY_LENGTH) {
    return refuse(CONFINEMENT_RULES.tooLong, `The query is longer than ${MAX_RAW_QUERY_LENGTH} characters.`);
  }
  const control = firstControl(rawQuery);
  if (control !== undefined) {
    return refuse(
      CONFINEMENT_RULES.controlCharacter,
      `The query holds the control character ${codeName(control)}.`,
    );
  }
  if (rawQuery.includes('#')) {
    return refuse(CONFINEMENT_RULES.fragment, "The query holds '#': fragments are not forwarded.");
  }
  for (const ch of rawQuery) {
    if (!RAW_QUERY_CHAR.test(ch)) {
      const code = ch.codePointAt(0)!;
      return refuse(
        CONFINEMENT_RULES.queryEncoding,
        code < 0x80
          ? `The query holds ${JSON.stringify(ch)} unencoded: percent-encode it (as %${code.toString(16).toUpperCase()}).`
          : `The query holds ${codeName(code)} unencoded: percent-encode its UTF-8 bytes.`,
      );
    }
  }
  if (badEscapeAt(rawQuery) !== -1) {
    return refuse(CONFINEMENT_RULES.queryEncoding, "The query holds a '%' that does not start a %XX escape.");
  }
  const keys = new Set<string>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    for (const [part, raw] of [
      ['key', rawKey],
      ['value', eq === -1 ? '' : pair.slice(eq + 1)],
    ] as const) {
      const decoded = decodeStrict(raw, true);
      if (decoded === undefined) {
        return refuse(
          CONFINEMENT_RULES.queryEncoding,
          `The query ${part} ${JSON.stringify(raw)} does not decode as UTF-8 (overlong, surrogate or truncated sequence).`,
        );
      }
      const decodedControl = firstControl(decoded);
      if (decodedControl !== undefined) {
        return refuse(
          CONFINEMENT_RULES.controlCharacter,
          `The query ${part} ${JSON.stringify(raw)} decodes to the control character ${codeName(decodedControl)}.`,
        );
      }
      if (part === 'key') keys.add(decoded);
    }
  }
  return { query: rawQuery, keys: [...keys].sort() };
};

/**
 * Confines a proxied request to its connection's base URL, or says which rule refuses it.
 *
 * @param baseUrl the connection's `target.baseUrl`; its path is a directory (`…/api` = `…/api/`).
 * @param rawPath the request path after `/v1/connections/{name}/http`, exactly as on the wire
 *   (percent-encoding included), starting with '/'; '' is the base itself.
 * @param rawQuery the query exactly as on the wire, without the '?'; '' when none.
 */
export const confine = (baseUrl: string, rawPath: string, rawQuery: string): Confinement => {
  const base = parseBase(baseUrl);
  if ('ok' in base) return base;
  const path = confinePath(rawPath);
  if ('ok' in path) return path;
  const query = confineQuery(rawQuery);
  if ('ok' in query) return query;

  const url = `${base.origin}${base.path}${path.encoded}${query.query === '' ? '' : `?${query.query}`}`;
  // What a fetch would read back from the text: the same text, the base's origin, under its path.
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (
    parsed === undefined ||
    parsed.href !== url ||
    parsed.origin !== base.origin ||
    parsed.username !== '' ||
    parsed.password !== '' ||
    parsed.hash !== '' ||
    !parsed.pathname.startsWith(base.path)
  ) {
    return refuse(CONFINEMENT_RULES.outsideBase, 'The forwarded URL would not stay under the base URL.');
  }
  return {
    ok: true,
    target: {
      url,
      path: `/${path.segments.join('/')}`,
      segments: path.segments,
      query: query.query,
      queryKeys: query.keys,
    },
  };
};
