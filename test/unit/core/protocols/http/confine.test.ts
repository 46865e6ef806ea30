// Confinement of proxied HTTP paths and queries, tested from the mechanism: every way a segment
// can be written (raw, encoded, double-encoded, mixed case, overlong UTF-8, compatibility
// characters), every character raw and encoded, every base URL shape.
import {
  CONFINEMENT_RULES,
  type Confinement,
  confine,
  MAX_RAW_PATH_LENGTH,
  MAX_RAW_QUERY_LENGTH,
} from '../../../../../lambdas/core/protocols/http/confine.js';

const BASE = 'https://billing.internal/api/';

const ruleOf = (c: Confinement) => (c.ok ? 'forwarded' : c.rule);
const urlOf = (c: Confinement) => (c.ok ? c.target.url : `refused: ${c.rule}: ${c.reason}`);
const pathRule = (rawPath: string) => ruleOf(confine(BASE, rawPath, ''));
const queryRule = (rawQuery: string) => ruleOf(confine(BASE, '/x', rawQuery));

/** Every pairing of two lists: the ways a two-character segment can be written. */
const pairs = (xs: readonly string[], ys: readonly string[] = xs) => xs.flatMap((x) => ys.map((y) => x + y));

/** A segment in the places a segment can stand: first, middle, last, before a trailing slash. */
const placed = (segment: string) => [
  `/${segment}`,
  `/${segment}/admin`,
  `/customers/${segment}/admin`,
  `/customers/${segment}`,
  `/customers/${segment}/`,
];

/** The places (of {@link placed}) where a segment is not refused with the rule. */
const notRefused = (segment: string, rule: string, places = placed(segment)) =>
  places.filter((rawPath) => pathRule(rawPath) !== rule);

const hex = (code: number) => `%${code.toString(16).toUpperCase().padStart(2, '0')}`;

describe('base URL shapes', () => {
  it.each([
    ['https://billing.internal/api/', '/customers/42', 'https://billing.internal/api/customers/42'],
    ['https://billing.internal/api', '/customers/42', 'https://billing.internal/api/customers/42'],
    ['https://billing.internal/', '/customers/42', 'https://billing.internal/customers/42'],
    ['https://billing.internal', '/customers/42', 'https://billing.internal/customers/42'],
    ['https://billing.internal/v2/api/', '/customers', 'https://billing.internal/v2/api/customers'],
    ['http://127.0.0.1:8080/api/', '/customers', 'http://127.0.0.1:8080/api/customers'],
    ['http://127.0.0.1:8080', '/customers', 'http://127.0.0.1:8080/customers'],
    ['https://billing.internal:8443/api/', '/customers', 'https://billing.internal:8443/api/customers'],
    ['https://billing.internal:443/api/', '/customers', 'https://billing.internal/api/customers'],
    ['http://[::1]:9000/api', '/customers', 'http://[::1]:9000/api/customers'],
    ['HTTPS://Billing.Internal/api/', '/customers', 'https://billing.internal/api/customers'],
    ['https://billing.internal/a%20b/', '/customers', 'https://billing.internal/a%20b/customers'],
  ])('%s + %s → %s', (base, rawPath, url) => {
    expect(urlOf(confine(base, rawPath, ''))).toBe(url);
  });

  it.each([
    ['https://billing.internal/api/', 'https://billing.internal/api/'],
    ['https://billing.internal/api', 'https://billing.internal/api/'],
    ['https://billing.internal', 'https://billing.internal/'],
    ['http://127.0.0.1:8080/api', 'http://127.0.0.1:8080/api/'],
  ])('the root of %s is %s, for "/" and ""', (base, url) => {
    expect(urlOf(confine(base, '/', ''))).toBe(url);
    expect(urlOf(confine(base, '', ''))).toBe(url);
  });

  it('treats a base path as a directory: /api never reaches /api-admin', () => {
    expect(urlOf(confine('https://billing.internal/api', '/x', ''))).toBe('https://billing.internal/api/x');
    expect(pathRule('/../api-admin')).toBe(CONFINEMENT_RULES.pathTraversal);
  });

  it.each([
    ['not a URL', 'billing.internal/api'],
    ['a relative URL', '/api/'],
    ['another scheme', 'ftp://billing.internal/api/'],
    ['a file URL', 'file:///etc/'],
    ['credentials', 'https://user:pass@billing.internal/api/'],
    ['a user name', 'https://user@billing.internal/api/'],
    ['a query', 'https://billing.internal/api/?tenant=1'],
    ['an empty query', 'https://billing.internal/api/?'],
    ['a fragment', 'https://billing.internal/api/#x'],
  ])('refuses a base URL with %s (http.base-url)', (_what, base) => {
    const c = confine(base, '/customers', '');
    expect(ruleOf(c)).toBe(CONFINEMENT_RULES.baseUrl);
  });
});

describe('the dot segments, in every writing', () => {
  const dot = ['.', '%2e', '%2E'];
  const writings = [...dot, ...pairs(dot), ...pairs(pairs(dot), dot)];

  it.each(writings)('refuses %s in every place (http.path-traversal)', (segment) => {
    expect(notRefused(segment, CONFINEMENT_RULES.pathTraversal)).toEqual([]);
  });

  const overlong = ['%c0%ae', '%C0%AE', '%e0%80%ae', '%E0%80%AE', '%f0%80%80%ae', '%c0%2e', '%c0.'];
  it.each([...overlong, ...pairs(overlong), ...pairs(dot, overlong)])(
    'refuses the overlong or invalid UTF-8 %s in every place (http.path-encoding)',
    (segment) => {
      expect(notRefused(segment, CONFINEMENT_RULES.pathEncoding)).toEqual([]);
    },
  );

  const doubled = ['%252e', '%252E', '%25%32%65', '%%32%65', '%25252e', '%u002e', '%U002E'];
  it.each([...doubled, ...pairs(doubled), ...pairs(dot, doubled)])(
    'refuses the double-encoded %s in every place (http.path-encoding)',
    (segment) => {
      expect(notRefused(segment, CONFINEMENT_RULES.pathEncoding)).toEqual([]);
    },
  );

  // U+2024 ONE DOT LEADER, U+FF0E FULLWIDTH FULL STOP, U+FE52 SMALL FULL STOP fold (NFKC) to '.';
  // U+2025 TWO DOT LEADER folds to '..'.
  const lookalike = ['%E2%80%A4', '%EF%BC%8E', '%ef%bc%8e', '%EF%B9%92'];
  it.each([...lookalike, ...pairs(lookalike), ...pairs(dot, lookalike), '%E2%80%A5'])(
    'refuses %s in every place, a dot segment once folded (http.path-traversal)',
    (segment) => {
      expect(notRefused(segment, CONFINEMENT_RULES.pathTraversal)).toEqual([]);
    },
  );

  it.each([
    ['a dot with a combining acute accent', '.%CC%81.%CC%81'],
    ['a fullwidth dot with a combining dot', '%EF%BC%8E%CC%87'],
  ])('refuses %s, a dot segment once its marks are stripped (http.path-traversal)', (_what, segment) => {
    expect(pathRule(`/${segment}`)).toBe(CONFINEMENT_RULES.pathTraversal);
  });

  it('refuses a segment of combining marks only, empty once they are stripped (http.path-encoding)', () => {
    expect(pathRule('/a/%CC%81%CC%87/b')).toBe(CONFINEMENT_RULES.pathEncoding);
  });

  it.each(['/...', '/....', '/%2e%2e%2e', '/customers/.../x'])(
    'refuses %s: a segment of dots only is a dot segment to some servers',
    (rawPath) => {
      expect(pathRule(rawPath)).toBe(CONFINEMENT_RULES.pathTraversal);
    },
  );

  it('refuses U+3002 IDEOGRAPHIC FULL STOP, which is punctuation (http.path-encoding)', () => {
    expect(pathRule('/%E3%80%82%E3%80%82')).toBe(CONFINEMENT_RULES.pathEncoding);
  });

  it.each(['/.well-known/x', '/a./b', '/.a', '/a..b', '/..a', '/v1.2', '/file.tar.gz'])(
    'forwards %s: dots inside a segment are not traversal',
    (rawPath) => {
      expect(pathRule(rawPath)).toBe('forwarded');
    },
  );
});

describe('separators hidden in a segment', () => {
  const slash = ['%2f', '%2F', '%EF%BC%8F'];
  const backslash = ['%5c', '%5C', '%EF%BC%BC'];

  it.each([...slash, ...backslash, ...pairs(['..', '%2e%2e'], [...slash, ...backslash])])(
    'refuses %s in every place (http.path-traversal)',
    (segment) => {
      expect(notRefused(segment, CONFINEMENT_RULES.pathTraversal)).toEqual([]);
    },
  );

  it.each(['\\', '..\\', '\\..\\admin', 'a\\b'])(
    'refuses the raw backslash in %s after a first segment (http.path-traversal)',
    (segment) => {
      expect(notRefused(segment, CONFINEMENT_RULES.pathTraversal, placed(segment).slice(2))).toEqual([]);
    },
  );

  it.each(['%252f', '%255c', '%c0%af', '%C0%AF', '%e0%80%af', '%c1%9c', '%c1%1c'])(
    'refuses the double-encoded or overlong %s in every place (http.path-encoding)',
    (segment) => {
      expect(notRefused(segment, CONFINEMENT_RULES.pathEncoding)).toEqual([]);
    },
  );

  it('refuses U+2044 FRACTION SLASH and ½, which folds to 1⁄2 (http.path-encoding)', () => {
    expect(pathRule('/a%E2%81%84b')).toBe(CONFINEMENT_RULES.pathEncoding);
    expect(pathRule('/%C2%BD')).toBe(CONFINEMENT_RULES.pathEncoding);
  });
});

describe('empty segments and path parameters', () => {
  it.each(['/a//b', '/a///b', '/customers//', '/a/b//'])('refuses the empty segment in %s', (rawPath) => {
    expect(pathRule(rawPath)).toBe(CONFINEMENT_RULES.pathEncoding);
  });

  it.each(['/a;b', '/..;/admin', '/admin;x=1/', '/customers/42;jsessionid=abc', '/;'])(
    'refuses the path parameter in %s',
    (rawPath) => {
      expect(pathRule(rawPath)).toBe(CONFINEMENT_RULES.pathEncoding);
    },
  );

  it('refuses an encoded ";" too: some servers split on it after decoding', () => {
    expect(pathRule('/admin%3bx')).toBe(CONFINEMENT_RULES.pathEncoding);
  });

  it('keeps a trailing slash in the URL and leaves it out of the facts', () => {
    const c = confine(BASE, '/customers/', '');
    expect(c).toEqual({
      ok: true,
      target: {
        url: 'https://billing.internal/api/customers/',
        path: '/customers',
        segments: ['customers'],
        query: '',
        queryKeys: [],
      },
    });
  });
});

describe('absolute and scheme-relative forms', () => {
  it.each([
    'http://evil.example/x',
    'https:evil.example',
    '//evil.example/x',
    'evil.example/x',
    'customers/42',
    '\\\\evil.example\\x',
    '@evil.example',
  ])('refuses %s, which does not start with "/" (http.absolute-url)', (rawPath) => {
    expect(pathRule(rawPath)).toBe(CONFINEMENT_RULES.absoluteUrl);
  });

  it.each(['//evil.example/x', '///evil.example', '/\\evil.example', '/\\\\evil.example'])(
    'refuses the scheme-relative %s (http.absolute-url)',
    (rawPath) => {
      expect(pathRule(rawPath)).toBe(CONFINEMENT_RULES.absoluteUrl);
    },
  );

  it.each([
    '/http://evil.example/x',
    '/https:evil.example',
    '/http:%2F%2Fevil.example',
    '/HTTP%3A%2F%2Fevil.example',
    '/javascript:alert(1)',
    '/user:pass@evil.example/x',
    '/C:',
    '/file:etc',
  ])('refuses %s, whose first segment starts with a scheme (http.absolute-url)', (rawPath) => {
    expect(pathRule(rawPath)).toBe(CONFINEMENT_RULES.absoluteUrl);
  });

  it.each([
    ['/@evil.example', 'https://billing.internal/api/@evil.example'],
    ['/%40evil.example/x', 'https://billing.internal/api/@evil.example/x'],
    ['/users/a@b.example', 'https://billing.internal/api/users/a@b.example'],
    ['/x/user:pass@evil.example', 'https://billing.internal/api/x/user:pass@evil.example'],
    [
      '/clusterroles/system:controller:node',
      'https://billing.internal/api/clusterroles/system:controller:node',
    ],
    ['/a/http:evil.example', 'https://billing.internal/api/a/http:evil.example'],
  ])('forwards %s under the base: "@" and ":" after the base path name no host', (rawPath, url) => {
    expect(urlOf(confine(BASE, rawPath, ''))).toBe(url);
  });
});

describe('control characters and fragments', () => {
  const controls = [...Array.from({ length: 32 }, (_, i) => i), 0x7f];

  it.each(controls)('refuses U+%s raw and percent-encoded in the path', (code) => {
    expect(pathRule(`/a${String.fromCharCode(code)}b`)).toBe(CONFINEMENT_RULES.controlCharacter);
    expect(pathRule(`/a${hex(code)}b`)).toBe(CONFINEMENT_RULES.controlCharacter);
  });

  it.each(controls)('refuses U+%s raw and percent-encoded in the query, key or value', (code) => {
    expect(queryRule(`a=${String.fromCharCode(code)}`)).toBe(CONFINEMENT_RULES.controlCharacter);
    expect(queryRule(`a=${hex(code)}`)).toBe(CONFINEMENT_RULES.controlCharacter);
    expect(queryRule(`a${hex(code)}=1`)).toBe(CONFINEMENT_RULES.controlCharacter);
  });

  it.each([0x80, 0x85, 0x9f])('refuses the C1 control U+%s, raw and UTF-8 encoded', (code) => {
    const encoded = [...new TextEncoder().encode(String.fromCharCode(code))].map(hex).join('');
    expect(pathRule(`/a${String.fromCharCode(code)}`)).toBe(CONFINEMENT_RULES.controlCharacter);
    expect(pathRule(`/a${encoded}`)).toBe(CONFINEMENT_RULES.controlCharacter);
    expect(queryRule(`a=${encoded}`)).toBe(CONFINEMENT_RULES.controlCharacter);
  });

  it.each(['/a\r\nHost: evil.example', '/a%0d%0aHost:%20evil.example', '/a%0D%0A', '/a%00.json'])(
    'refuses the request splitting %j (http.control-character)',
    (rawPath) => {
      expect(pathRule(rawPath)).toBe(CONFINEMENT_RULES.controlCharacter);
    },
  );

  it.each(['/a#b', '/a#', '/#/../admin'])('refuses the fragment in the path %s', (rawPath) => {
    expect(pathRule(rawPath)).toBe(CONFINEMENT_RULES.fragment);
  });

  it.each(['a=1#b', '#'])('refuses the fragment in the query %s', (rawQuery) => {
    expect(queryRule(rawQuery)).toBe(CONFINEMENT_RULES.fragment);
  });

  it('refuses a "?" in the path: the query is given apart', () => {
    expect(pathRule('/a?b=1')).toBe(CONFINEMENT_RULES.pathEncoding);
  });
});

describe('the path allowlist, character by character', () => {
  const RAW_OK = "-._~!$&'()*+,=:@";
  const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
  const alnum = /[A-Za-z0-9]/;
  /** How each printable ASCII character fares raw inside a segment ("/a<c>b"). */
  const rawVerdict = (ch: string) => {
    if (alnum.test(ch) || RAW_OK.includes(ch)) return 'forwarded';
    if (ch === '/') return 'forwarded'; // a separator: /a/b
    if (ch === '\\') return CONFINEMENT_RULES.pathTraversal;
    if (ch === '#') return CONFINEMENT_RULES.fragment;
    return CONFINEMENT_RULES.pathEncoding; // space " % ; < > ? [ ] ^ ` { | }
  };
  /** How each printable ASCII character fares percent-encoded inside a segment ("/a%XXb"). */
  const encodedVerdict = (ch: string) => {
    if (alnum.test(ch) || RAW_OK.includes(ch) || ch === ' ') return 'forwarded';
    if (ch === '/' || ch === '\\') return CONFINEMENT_RULES.pathTraversal;
    return CONFINEMENT_RULES.pathEncoding; // " # % ; < > ? [ ] ^ ` { | }
  };

  // In a second segment: a first one reading like a scheme ("a:b") is refused for that reason.
  it.each(printable.map((ch) => [ch, rawVerdict(ch)]))('%j raw: %s', (ch, verdict) => {
    expect(pathRule(`/x/a${ch}b`)).toBe(verdict);
  });

  it.each(printable.map((ch) => [ch, encodedVerdict(ch)]))('%j encoded: %s', (ch, verdict) => {
    expect(pathRule(`/x/a${hex(ch.charCodeAt(0))}b`)).toBe(verdict);
    expect(pathRule(`/x/a${hex(ch.charCodeAt(0)).toLowerCase()}b`)).toBe(verdict);
  });

  it.each(['/a%', '/a%2', '/a%zz', '/a%2g', '/%%', '/a%-1'])('refuses the bad escape in %s', (rawPath) => {
    expect(pathRule(rawPath)).toBe(CONFINEMENT_RULES.pathEncoding);
  });

  it.each([
    ['raw non-ASCII', '/café'],
    ['a lone surrogate', '/%ED%A0%80'],
    ['a truncated sequence', '/caf%C3'],
    ['a stray continuation byte', '/%80'],
    ['a byte never in UTF-8', '/%FF'],
    ['a code point above U+10FFFF', '/%F4%90%80%80'],
  ])('refuses %s', (_what, rawPath) => {
    expect(pathRule(rawPath)).toBe(CONFINEMENT_RULES.pathEncoding);
  });

  it.each([
    ['U+FEFF BYTE ORDER MARK', '%EF%BB%BF'],
    ['U+200B ZERO WIDTH SPACE', '%E2%80%8B'],
    ['U+00AD SOFT HYPHEN', '%C2%AD'],
    ['U+00A0 NO-BREAK SPACE', '%C2%A0'],
    ['U+2028 LINE SEPARATOR', '%E2%80%A8'],
    ['U+202E RIGHT-TO-LEFT OVERRIDE', '%E2%80%AE'],
    ['U+20AC EURO SIGN', '%E2%82%AC'],
    ['U+1F600 an emoji', '%F0%9F%98%80'],
  ])('refuses %s, not a letter, mark or number (http.path-encoding)', (_what, encoded) => {
    expect(pathRule(`/a${encoded}b`)).toBe(CONFINEMENT_RULES.pathEncoding);
  });

  it.each([
    ['/caf%C3%A9', 'caf%C3%A9', 'café'],
    ['/caf%c3%a9', 'caf%C3%A9', 'café'],
    ['/%E6%97%A5%E6%9C%AC', '%E6%97%A5%E6%9C%AC', '日本'],
    ['/%D9%A3', '%D9%A3', '٣'],
    ['/%EF%BC%A1', '%EF%BC%A1', 'Ａ'],
  ])('forwards the letters and numbers of any script: %s', (rawPath, encoded, segment) => {
    const c = confine(BASE, rawPath, '');
    expect(c.ok && [c.target.url, c.target.segments]).toEqual([`${BASE}${encoded}`, [segment]]);
  });
});

describe('the forwarded path is rebuilt in one encoding', () => {
  it.each([
    ['/%41%42c', 'ABc', ['ABc']],
    ['/a%20b', 'a%20b', ['a b']],
    ['/a+b', 'a%2Bb', ['a+b']],
    ['/a%2Bb', 'a%2Bb', ['a+b']],
    ['/%7Euser', '~user', ['~user']],
    ['/x/a%3Ab%40c', 'x/a:b@c', ['x', 'a:b@c']],
    ["/it's(1)*", "it's(1)*", ["it's(1)*"]],
    ['/customers/42/orders', 'customers/42/orders', ['customers', '42', 'orders']],
  ])('%s is forwarded as %s', (rawPath, forwarded, segments) => {
    const c = confine(BASE, rawPath, '');
    expect(c.ok && [c.target.url, c.target.segments]).toEqual([`${BASE}${forwarded}`, segments]);
  });

  it('gives the decoded path as the policy fact', () => {
    const c = confine(BASE, '/refunds/caf%C3%A9%20bar/', '');
    expect(c.ok && c.target.path).toBe('/refunds/café bar');
  });
});

describe('the query', () => {
  it.each([
    ['', '', []],
    ['a=1', 'a=1', ['a']],
    ['b=2&a=1&b=3', 'b=2&a=1&b=3', ['a', 'b']],
    ['flag', 'flag', ['flag']],
    ['a=1&&b=2&', 'a=1&&b=2&', ['a', 'b']],
    ['first+name=x&first%20name=y', 'first+name=x&first%20name=y', ['first name']],
    ['q=50%25', 'q=50%25', ['q']],
    ['q=%E2%82%AC', 'q=%E2%82%AC', ['q']],
    ['page[size]=10&filter[name]=a', 'page[size]=10&filter[name]=a', ['filter[name]', 'page[size]']],
    ['labelSelector=app%3Dweb&watch=1', 'labelSelector=app%3Dweb&watch=1', ['labelSelector', 'watch']],
    ['next=/a/b?c=d', 'next=/a/b?c=d', ['next']],
    ['a=1=2', 'a=1=2', ['a']],
    ['=x', '=x', ['']],
  ])('%j is forwarded as given, with keys %j', (rawQuery, forwarded, keys) => {
    const c = confine(BASE, '/x', rawQuery);
    expect(c.ok && [c.target.url, c.target.query, c.target.queryKeys]).toEqual([
      forwarded === '' ? `${BASE}x` : `${BASE}x?${forwarded}`,
      forwarded,
      keys,
    ]);
  });

  it.each([
    ['a bad escape', 'a=%zz'],
    ['a truncated escape', 'a=%2'],
    ['a lone %', 'a=%'],
    ['overlong UTF-8', 'a=%c0%ae'],
    ['invalid UTF-8', 'a=%FF'],
    ['invalid UTF-8 in a key', '%C3=1'],
    ['a raw space', 'a=b c'],
    ['a raw quote', "name=O'Brien"],
    ['a raw ";" (a pair separator to some parsers)', 'a=1;admin=true'],
    ['raw non-ASCII', 'a=é'],
    ['a raw backslash', 'a=\\'],
    ['raw "<"', 'a=<b>'],
    ['a raw "|"', 'a=1|2'],
  ])('refuses %s (http.query-encoding)', (_what, rawQuery) => {
    expect(queryRule(rawQuery)).toBe(CONFINEMENT_RULES.queryEncoding);
  });

  it.each([
    ['an encoded quote', 'name=O%27Brien'],
    ['an encoded ";"', 'a=1%3Badmin=true'],
    ['a double-encoded value', 'a=%252e%252e'],
    ['dots', 'path=../../etc'],
  ])('forwards %s: the query names no path', (_what, rawQuery) => {
    expect(queryRule(rawQuery)).toBe('forwarded');
  });
});

describe('limits', () => {
  it('refuses a path longer than the limit and forwards one at it', () => {
    const at = `/${'a'.repeat(MAX_RAW_PATH_LENGTH - 1)}`;
    expect(pathRule(at)).toBe('forwarded');
    expect(pathRule(`${at}a`)).toBe(CONFINEMENT_RULES.tooLong);
  });

  it('refuses a query longer than the limit and forwards one at it', () => {
    const at = `a=${'b'.repeat(MAX_RAW_QUERY_LENGTH - 2)}`;
    expect(queryRule(at)).toBe('forwarded');
    expect(queryRule(`${at}b`)).toBe(CONFINEMENT_RULES.tooLong);
  });
});

describe('every refusal', () => {
  it('names a rule and says why in a sentence', () => {
    const refusals = ['/../x', '/a;b', '//x', '/a%00', '/a#', 'x=%zz'].map((p) =>
      p.startsWith('/') ? confine(BASE, p, '') : confine(BASE, '/x', p),
    );
    for (const c of refusals) {
      expect(c.ok).toBe(false);
      if (!c.ok) {
        expect(Object.values(CONFINEMENT_RULES)).toContain(c.rule);
        expect(c.reason).toMatch(/^[A-Z].*\.$/);
      }
    }
  });
});

describe('whatever the input, a forwarded URL stays under the base', () => {
  // Deterministic pseudo-random paths built from the pieces escapes are made of.
  const ESCAPES = [
    '.',
    '..',
    '/',
    '\\',
    '%2e',
    '%2E',
    '%2f',
    '%5c',
    '%25',
    '%c0%ae',
    '%00',
    ';',
    '@',
    ':',
    '?',
    '#',
    'http:',
    '%40',
    '%3a',
    '%EF%BC%8E',
    '%E2%80%A4',
    '+',
    ' ',
    '%20',
    '~',
    'é',
    '%C3%A9',
    '%',
    '%0a',
  ];
  const PLAIN = ['a', 'b', '1', '-', '_', 'x.', '/a', '/b', '.c'];
  let seed = 0x2545f491;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const randomPath = () => {
    let path = '/';
    const length = 1 + (next() % 8);
    for (let i = 0; i < length; i++) {
      const pieces = next() % 3 === 0 ? ESCAPES : PLAIN;
      path += pieces[next() % pieces.length];
    }
    return path;
  };
  const bases = ['https://billing.internal/api/', 'https://billing.internal', 'http://127.0.0.1:8080/v1/api'];

  it('holds for 20 000 generated paths on three bases', () => {
    let forwarded = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = bases[i % bases.length]!;
      const rawPath = randomPath();
      const c = confine(base, rawPath, '');
      if (!c.ok) continue;
      forwarded += 1;
      const url = new URL(c.target.url);
      const baseUrl = new URL(base);
      const basePath = baseUrl.pathname.endsWith('/') ? baseUrl.pathname : `${baseUrl.pathname}/`;
      const where = { rawPath, url: c.target.url };
      expect({ ...where, origin: url.origin }).toEqual({ ...where, origin: baseUrl.origin });
      expect({ ...where, under: url.pathname.startsWith(basePath) }).toEqual({ ...where, under: true });
      const rest = url.pathname.slice(basePath.length).split('/');
      const bad = rest.filter(
        (s, j) => /^\.+$/.test(decodeURIComponent(s)) || (s === '' && j < rest.length - 1),
      );
      expect({ ...where, bad }).toEqual({ ...where, bad: [] });
      expect({ ...where, encoded: /%(25|2f|5c)/i.test(url.pathname) }).toEqual({ ...where, encoded: false });
    }
    expect(forwarded).toBeGreaterThan(2000);
  });
});
