// Which agent request headers reach a proxied HTTP target: allowlisted names only, never a
// credential, identity, routing, hop-by-hop or framing header; injection and rewrites refuse.
import {
  DEFAULT_FORWARDED_HEADERS,
  forwardedHeaders,
  HEADER_RULES,
  neverForwarded,
} from '../../../../../lambdas/core/protocols/http/headers.js';

const headersOf = (result: ReturnType<typeof forwardedHeaders>) =>
  result.ok ? result.headers : `refused: ${result.rule}: ${result.reason}`;
const ruleOf = (result: ReturnType<typeof forwardedHeaders>) => (result.ok ? 'forwarded' : result.rule);

describe('the allowlist', () => {
  it('forwards allowlisted headers only, names lower-cased, values trimmed', () => {
    const result = forwardedHeaders(
      { Accept: ' application/json ', 'X-Request-Id': 'r-1', 'X-Debug': '1', 'User-Agent': 'agent/1' },
      DEFAULT_FORWARDED_HEADERS,
    );
    expect(headersOf(result)).toEqual({ accept: 'application/json', 'x-request-id': 'r-1' });
  });

  it('matches allowlist entries in any case', () => {
    expect(headersOf(forwardedHeaders({ 'x-debug': '1' }, ['X-Debug']))).toEqual({ 'x-debug': '1' });
  });

  it('ignores headers without a value', () => {
    expect(
      headersOf(
        forwardedHeaders({ accept: undefined, 'content-type': 'text/plain' }, ['accept', 'content-type']),
      ),
    ).toEqual({ 'content-type': 'text/plain' });
  });

  it('forwards nothing when the allowlist is empty', () => {
    expect(headersOf(forwardedHeaders({ accept: '*/*' }, []))).toEqual({});
  });

  it('keeps a tab inside a value and non-ASCII Latin-1 characters', () => {
    expect(headersOf(forwardedHeaders({ 'x-note': 'a\tb é' }, ['x-note']))).toEqual({ 'x-note': 'a\tb é' });
  });

  it('the default allowlist is lower-case and holds no header that never passes', () => {
    for (const name of DEFAULT_FORWARDED_HEADERS) {
      expect({ name, lower: name === name.toLowerCase(), never: neverForwarded(name) }).toEqual({
        name,
        lower: true,
        never: undefined,
      });
    }
  });
});

describe('credentials and identities never pass, even when allowlisted', () => {
  it.each([
    'Authorization',
    'Proxy-Authorization',
    'Cookie',
    'X-Api-Key',
    'Api-Key',
    'X-Amz-Date',
    'X-Amz-Security-Token',
    'X-Amz-Content-Sha256',
    'X-Amzn-Oidc-Data',
    'X-Auth-Token',
    'X-Auth-Request-Email',
    'X-Access-Token',
    'X-Client-Secret',
    'X-Session-Id',
    'X-Password',
    'X-Csrf-Token',
    'X-Xsrf-Token',
    'X-Jwt-Assertion',
    'X-Ssl-Client-Cert',
    'X-Ms-Client-Principal',
    'X-Goog-Iap-Jwt-Assertion',
    'Impersonate-User',
    'Impersonate-Group',
    'Impersonate-Extra-Scopes',
    'X-Remote-User',
    'X-Remote-Group',
    'Remote-User',
    'X-User',
    'X-User-Id',
    'X-Tollgate-Session',
    'X-Tollgate-Justification',
    'X-Signature',
    'X-Credential',
    'X-Identity',
    'Www-Authenticate',
  ])('drops %s', (name) => {
    expect(neverForwarded(name)).toMatch(/credential|identity/);
    expect(headersOf(forwardedHeaders({ [name]: 'v', accept: '*/*' }, [name, 'accept']))).toEqual({
      accept: '*/*',
    });
  });

  it('forwards Idempotency-Key when allowlisted: a retry key, not a credential', () => {
    expect(neverForwarded('Idempotency-Key')).toBeUndefined();
    expect(headersOf(forwardedHeaders({ 'Idempotency-Key': 'k-1' }, ['idempotency-key']))).toEqual({
      'idempotency-key': 'k-1',
    });
  });

  it('drops the header the connection credential sets, however it is written', () => {
    const result = forwardedHeaders(
      { 'X-Billing-Client': 'agent-chosen', accept: '*/*' },
      ['x-billing-client', 'accept'],
      ['X-BILLING-CLIENT'],
    );
    expect(headersOf(result)).toEqual({ accept: '*/*' });
  });
});

describe('routing, hop-by-hop and framing headers never pass', () => {
  it.each([
    'Host',
    'Forwarded',
    'X-Forwarded-For',
    'X-Forwarded-Host',
    'X-Forwarded-Proto',
    'X-Forwarded-Port',
    'X-Forwarded-Prefix',
    'X-Real-Ip',
    'X-Client-Ip',
    'True-Client-Ip',
    'X-Host',
    'Via',
    'Max-Forwards',
    'X-Envoy-Original-Path',
    'Cf-Connecting-Ip',
  ])('drops the routing header %s', (name) => {
    expect(neverForwarded(name)).toMatch(/where a request goes/);
    expect(headersOf(forwardedHeaders({ [name]: 'evil.example' }, [name]))).toEqual({});
  });

  it.each(['Connection', 'Keep-Alive', 'Proxy-Connection', 'TE', 'Trailer', 'Transfer-Encoding', 'Upgrade'])(
    'drops the hop-by-hop header %s',
    (name) => {
      expect(neverForwarded(name)).toMatch(/hop-by-hop/);
      expect(headersOf(forwardedHeaders({ [name]: 'x' }, [name]))).toEqual({});
    },
  );

  it('drops the headers Connection names, even allowlisted ones', () => {
    const result = forwardedHeaders(
      { Connection: 'close, X-Debug , Accept', 'x-debug': '1', accept: '*/*', 'content-type': 'text/plain' },
      ['x-debug', 'accept', 'content-type'],
    );
    expect(headersOf(result)).toEqual({ 'content-type': 'text/plain' });
  });

  it.each(['Content-Length', 'Content-Encoding', 'Expect', 'Accept-Encoding', 'Range', 'If-Range'])(
    'drops the framing header %s: the gateway frames the body and reads the response whole',
    (name) => {
      expect(neverForwarded(name)).toMatch(/frames the body/);
      expect(headersOf(forwardedHeaders({ [name]: 'x' }, [name]))).toEqual({});
    },
  );
});

describe('rewrite headers refuse the request, allowlisted or not', () => {
  it.each([
    'X-Original-URL',
    'X-Original-Uri',
    'X-Rewrite-URL',
    'X-Override-URL',
    'X-Original-Method',
    'X-HTTP-Method-Override',
    'X-HTTP-Method',
    'X-Method-Override',
  ])('refuses %s (http.header-rewrite)', (name) => {
    expect(ruleOf(forwardedHeaders({ [name]: '/admin' }, []))).toBe(HEADER_RULES.rewrite);
    expect(ruleOf(forwardedHeaders({ [name]: 'DELETE' }, [name]))).toBe(HEADER_RULES.rewrite);
  });
});

describe('header injection refuses the request', () => {
  it.each([
    ['CR LF in a value', { 'x-debug': '1\r\nHost: evil.example' }],
    ['a lone LF in a value', { 'x-debug': '1\nx' }],
    ['a lone CR in a value', { 'x-debug': '1\rx' }],
    ['NUL in a value', { 'x-debug': '1\u0000' }],
    ['another control character in a value', { 'x-debug': '1\u0001' }],
    ['DEL in a value', { 'x-debug': '1\u007f' }],
    ['CR LF in a dropped header', { authorization: 'Bearer x\r\nX-Admin: 1' }],
    ['CR LF in a name', { 'x-a\r\nhost': 'evil.example' }],
    ['NUL in a name', { 'x-a\u0000': '1' }],
    ['a colon in a name', { 'x-a:b': '1' }],
    ['a space in a name', { 'x a': '1' }],
    ['an empty name', { '': '1' }],
    ['a pseudo-header name', { ':authority': 'evil.example' }],
    ['a non-ASCII name', { 'x-é': '1' }],
    ['one name given twice in different cases', { Accept: 'a', accept: 'b' }],
    ['a character above U+00FF in a forwarded value', { 'x-debug': 'snow ☃' }],
  ])('refuses %s (http.header-injection)', (_what, incoming) => {
    expect(ruleOf(forwardedHeaders(incoming, ['x-debug', 'accept']))).toBe(HEADER_RULES.injection);
  });

  it('does not refuse a character above U+00FF in a header that is dropped anyway', () => {
    expect(headersOf(forwardedHeaders({ 'user-agent': 'agent ☃', accept: '*/*' }, ['accept']))).toEqual({
      accept: '*/*',
    });
  });

  it('says why in a sentence', () => {
    const result = forwardedHeaders({ 'x-debug': '1\r\n' }, []);
    expect(result).toEqual({
      ok: false,
      rule: HEADER_RULES.injection,
      reason: 'The x-debug header holds the control character U+000D.',
    });
  });
});
