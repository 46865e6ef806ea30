// Which of an agent's request headers reach a proxied HTTP target: only allowlisted names, never a
// credential, an identity assertion, a routing or rewrite header, a hop-by-hop or framing header;
// a header that could split a request or rewrite its route refuses the request instead.
// docs/http-proxy.md ("Confinement") states the same rules.

/** The stable rule names of a header refusal. Never rename one: recordings keep them. */
export const HEADER_RULES = {
  /** A header name that is not an RFC 9110 token, a control character in a value, a name given twice. */
  injection: 'http.header-injection',
  /** A header asking a server to route or dispatch differently (URL or method override). */
  rewrite: 'http.header-rewrite',
} as const;

export type HeaderRule = (typeof HEADER_RULES)[keyof typeof HEADER_RULES];

export type ForwardedHeaders =
  | { readonly ok: true; readonly headers: Record<string, string> }
  | { readonly ok: false; readonly rule: HeaderRule; readonly reason: string };

/**
 * The request headers a connection forwards when its configuration names none: content
 * negotiation, the body's type, conditional requests and a correlation id. None carries a
 * credential or changes where a request goes.
 */
export const DEFAULT_FORWARDED_HEADERS: readonly string[] = [
  'accept',
  'accept-language',
  'content-type',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-unmodified-since',
  'x-request-id',
];

/** Headers that ask a server to read another URL or method than the one sent: a refusal. */
const REWRITE = new Set([
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-override-url',
  'x-original-method',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);

/** Exact names that carry credentials or who the caller is. */
const CREDENTIAL_NAMES = new Set(['authorization', 'proxy-authorization', 'cookie', 'remote-user']);
/** Name prefixes of credentials and identity assertions (AWS, Kubernetes impersonation, the gateway's own). */
const CREDENTIAL_PREFIXES = ['x-amz-', 'x-amzn-', 'impersonate-', 'x-remote-', 'x-user', 'x-tollgate-'];
/** A name holding one of these words is taken for a credential, whatever else it says. */
const CREDENTIAL_WORDS = [
  'auth',
  'token',
  'secret',
  'key',
  'session',
  'passw',
  'credential',
  'signature',
  'cookie',
  'jwt',
  'bearer',
  'csrf',
  'xsrf',
  'cert',
  'principal',
  'impersonat',
  'identity',
];
/** Matches a credential word but carries none: a client-chosen retry key (Stripe-style APIs). */
const NOT_A_CREDENTIAL = new Set(['idempotency-key']);

/** Where a request goes and who relayed it: set by the gateway's client, never by the agent. */
const ROUTING_NAMES = new Set([
  'host',
  'forwarded',
  'via',
  'max-forwards',
  'x-host',
  'x-real-ip',
  'x-client-ip',
  'client-ip',
  'true-client-ip',
  'x-cluster-client-ip',
  'x-originating-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
]);
const ROUTING_PREFIXES = ['x-forwarded-', 'x-envoy-'];

/** Hop-by-hop headers (RFC 9110 §7.6.1 and the legacy ones): they end at the gateway. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/**
 * How the body is framed and which bytes of the response come back: the gateway's client owns
 * them. A forwarded `Content-Encoding` would let the target read another body than the policy
 * judged; `Accept-Encoding` and `Range` would return bytes the masker cannot read whole.
 */
const FRAMING = new Set([
  'content-length',
  'content-encoding',
  'expect',
  'accept-encoding',
  'range',
  'if-range',
]);

/** RFC 9110 token: the only shape a header name may have. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Why a header (by name, any case) never reaches a target whatever a connection allowlists, or
 * undefined when an allowlist may let it pass. Configuration validation can use it to refuse an
 * allowlist naming such a header.
 */
export const neverForwarded = (name: string): string | undefined => {
  const lower = name.toLowerCase();
  if (REWRITE.has(lower)) return 'it rewrites the URL or method a server reads (the request is refused)';
  if (HOP_BY_HOP.has(lower)) return 'it is hop-by-hop';
  if (FRAMING.has(lower)) return "the gateway's client frames the body and negotiates the response";
  if (ROUTING_NAMES.has(lower) || ROUTING_PREFIXES.some((p) => lower.startsWith(p))) {
    return 'it says where a request goes or who relayed it';
  }
  if (NOT_A_CREDENTIAL.has(lower)) return undefined;
  if (
    CREDENTIAL_NAMES.has(lower) ||
    CREDENTIAL_PREFIXES.some((p) => lower.startsWith(p)) ||
    CREDENTIAL_WORDS.some((w) => lower.includes(w))
  ) {
    return 'it may carry a credential or an identity (the connection credential is injected instead)';
  }
  return undefined;
};

const codeName = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first character a header value may not hold (controls but HTAB, DEL), or undefined. */
const firstForbidden = (value: string): number | undefined => {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return code;
  }
  return undefined;
};

const OWS = /^[ \t]+|[ \t]+$/g;

/**
 * The headers to send to the target, lower-case names, values trimmed, or the rule refusing the
 * request. Every incoming header is checked, forwarded or not.
 *
 * @param incoming the agent's request headers (any case; undefined values are absent).
 * @param allow the connection's allowlist (any case), e.g. {@link DEFAULT_FORWARDED_HEADERS}.
 * @param withheld names never forwarded on this connection besides the fixed ones: the header
 *   its credential sets (`credential: { type: header, name }`).
 */
export const forwardedHeaders = (
  incoming: Readonly<Record<string, string | undefined>>,
  allow: readonly string[],
  withheld: readonly string[] = [],
): ForwardedHeaders => {
  const injection = (reason: string) => ({ ok: false, rule: HEADER_RULES.injection, reason }) as const;
  const present = new Map<string, string>();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (!TOKEN.test(name)) {
      return injection(
        /[\r\n\0]/.test(name)
          ? `A header name holds CR, LF or NUL (${JSON.stringify(name)}).`
          : `${JSON.stringify(name)} is not a valid header name.`,
      );
    }
    const lower = name.toLowerCase();
    const forbidden = firstForbidden(value);
    if (forbidden !== undefined) {
      return injection(`The ${lower} header holds the control character ${codeName(forbidden)}.`);
    }
    if (present.has(lower)) return injection(`The ${lower} header is given twice (in different cases).`);
    present.set(lower, value);
  }
  for (const name of present.keys()) {
    if (REWRITE.has(name)) {
      return {
        ok: false,
        rule: HEADER_RULES.rewrite,
        reason: `The ${name} header asks the target to read another URL or method than the one sent.`,
      };
    }
  }
  const allowed = new Set(allow.map((n) => n.toLowerCase()));
  const dropped = new Set(withheld.map((n) => n.toLowerCase()));
  // Names the sender declares hop-by-hop in Connection end here too (RFC 9110 §7.6.1).
  for (const listed of (present.get('connection') ?? '').split(',')) dropped.add(listed.trim().toLowerCase());
  const headers: Record<string, string> = {};
  for (const [name, value] of present) {
    if (!allowed.has(name) || dropped.has(name) || neverForwarded(name) !== undefined) continue;
    // A value is sent as bytes: a character above U+00FF cannot be (fetch would throw).
    const wide = [...value].find((ch) => ch.codePointAt(0)! > 0xff);
    if (wide !== undefined) {
      return injection(
        `The ${name} header holds ${codeName(wide.codePointAt(0)!)}, which a header cannot carry.`,
      );
    }
    headers[name] = value.replace(OWS, '');
  }
  return { ok: true, headers };
};
