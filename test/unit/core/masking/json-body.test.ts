import type { SqlConnection } from '../../../../lambdas/core/config/connection.js';
import {
  ClassificationPathError,
  classificationPathProblem,
  compileClassification,
  type JsonBodyMasking,
  maskJsonBody,
  maskTextBody,
  parseClassificationPath,
  ResponseTooComplexError,
} from '../../../../lambdas/core/masking/json-body.js';
import type { OutputLineage } from '../../../../lambdas/core/masking/lineage.js';
import { maskResult, strategyFor } from '../../../../lambdas/core/masking/mask-result.js';
import {
  assumedResolution,
  resolveClassification,
} from '../../../../lambdas/core/masking/resolved-classification.js';
import { tokenize } from '../../../../lambdas/core/masking/strategies.js';
import { canonicalJson, type JsonValue } from '../../../../lambdas/core/recording/canonical-json.js';

const KEY = 'test-masking-key';

/** The SQL side, for strategies and for comparing tokens. */
const connection: SqlConnection = {
  name: 'demo',
  kind: 'postgres',
  environment: 'test',
  tags: [],
  allowGroups: ['agents'],
  target: { demo: true },
  classification: { 'customers.email': 'EMAIL_ADDRESS' },
  masking: {},
  limits: { rowLimit: 10, statementTimeoutMs: 1000, maxResultBytes: 1_000_000 },
};

const masking = (
  classification: Record<string, string> = {},
  more: Partial<JsonBodyMasking> = {},
): JsonBodyMasking => ({
  classification: compileClassification(classification),
  strategyFor: (c) => strategyFor(connection, c),
  tokenKey: KEY,
  mayUnmask: () => false,
  ...more,
});

const mask = (
  body: unknown,
  classification: Record<string, string> = {},
  more: Partial<JsonBodyMasking> = {},
) => maskJsonBody(body, masking(classification, more));

const emailToken = (email: string) => tokenize(email, 'EMAIL_ADDRESS', KEY);
const TOKEN = /^tok_email_address_[0-9a-f]{16}$/;

describe('parseClassificationPath', () => {
  it('reads dotted member names', () => {
    expect(parseClassificationPath('$.customer.email').segments).toEqual([
      { kind: 'member', name: 'customer', descendant: false },
      { kind: 'member', name: 'email', descendant: false },
    ]);
  });

  it('reads bracketed keys in either quote, so keys with dots, spaces and quotes can be named', () => {
    const path = parseClassificationPath(`$['odd key']["a.b"]['it\\'s']`);
    expect(path.segments.map((s) => (s.kind === 'member' ? s.name : s.kind))).toEqual([
      'odd key',
      'a.b',
      "it's",
    ]);
    expect(path.canonical).toBe(`$['odd key']['a.b']['it\\'s']`);
  });

  it('decodes JSON escapes in bracketed keys', () => {
    const [segment] = parseClassificationPath(`$["caf\\u00e9\\n"]`).segments;
    expect(segment).toEqual({ kind: 'member', name: 'café\n', descendant: false });
  });

  it('reads wildcards written either way as one canonical path', () => {
    expect(parseClassificationPath('$.items.*.email').canonical).toBe('$.items[*].email');
    expect(parseClassificationPath('$.items[*].email').canonical).toBe('$.items[*].email');
    expect(parseClassificationPath('$["items"][ * ]["email"]').canonical).toBe('$.items[*].email');
  });

  it('reads array indices, negative ones counting from the end', () => {
    expect(parseClassificationPath('$.items[0][-1]').segments).toEqual([
      { kind: 'member', name: 'items', descendant: false },
      { kind: 'index', index: 0, descendant: false },
      { kind: 'index', index: -1, descendant: false },
    ]);
  });

  it('reads recursive descent before a name, a wildcard or brackets', () => {
    expect(parseClassificationPath('$..email').segments).toEqual([
      { kind: 'member', name: 'email', descendant: true },
    ]);
    expect(parseClassificationPath('$..*').canonical).toBe('$..*');
    expect(parseClassificationPath("$..['odd key']").canonical).toBe("$..['odd key']");
    expect(parseClassificationPath('$.a..[2]').canonical).toBe('$.a..[2]');
  });

  it('reads `$` alone as the whole body', () => {
    expect(parseClassificationPath('$').segments).toEqual([]);
  });

  it('reads member names with unicode letters, digits after the first, `_`, `-` and `$`', () => {
    expect(parseClassificationPath('$.名前.x_1.x-request-id.$ref').segments).toHaveLength(4);
  });

  it.each([
    ['customer.email', 'must start with $'],
    ['', 'must start with $'],
    ['$.', 'must be followed by a member name'],
    ['$..', 'must be followed by a member name'],
    ['$...a', '`...` is not a step'],
    ['$.a b', 'unexpected " "'],
    ['$.0', 'write [0] for an array index'],
    ['$[', 'unterminated ['],
    ["$['a", "unterminated '…' key"],
    ['$["a]', 'unterminated "…" key'],
    ['$[]', 'empty brackets'],
    ['$[01]', 'no leading zeros'],
    ['$[-0]', '-0 is not one'],
    ['$[-]', 'expected digits'],
    ['$[1:2]', 'slices'],
    ['$[:2]', 'slices'],
    ["$['a','b']", 'unions'],
    ['$[?(@.email)]', 'filter expressions'],
    ["$['\\x']", 'unknown escape'],
    ["$['\\u12']", '4 hex digits'],
    ['$[a]', 'unexpected "a" in brackets'],
    ['$[0', 'unterminated ['],
    ['$[0]x', 'unexpected "x"'],
    [`$.${'a.'.repeat(600)}a`, 'longer than 1000 characters'],
    [`$${'.a'.repeat(65)}`, 'more than 64 steps'],
  ])('refuses %j: %s', (path, problem) => {
    expect(() => parseClassificationPath(path)).toThrow(ClassificationPathError);
    expect(() => parseClassificationPath(path)).toThrow(problem);
    expect(classificationPathProblem(path)).toContain(`invalid classification path ${JSON.stringify(path)}`);
  });

  it('says where the problem is', () => {
    expect(classificationPathProblem('$.a[?(@)]')).toBe(
      'invalid classification path "$.a[?(@)]": filter expressions ([?…]) are not supported (at offset 4)',
    );
  });

  it('has no problem to report for a valid path', () => {
    expect(classificationPathProblem('$.items[*].email')).toBeUndefined();
  });
});

describe('compileClassification', () => {
  it('reports every invalid path and class at once', () => {
    let error: unknown;
    try {
      compileClassification({ 'a.b': 'EMAIL_ADDRESS', '$.ok': 'email', '$[': 'US_SSN', '$.fine': 'US_SSN' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ClassificationPathError);
    const { problems } = error as ClassificationPathError;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/"a\.b".*must start with \$/);
    expect(problems.join('\n')).toMatch(/"\$\.ok".*not an UPPER_SNAKE data class/);
    expect((error as Error).message).toMatch(/^The classification is invalid:\n {2}- /);
  });

  it('keeps the class of each path', () => {
    const { paths } = compileClassification({ '$.customer.email': 'EMAIL_ADDRESS' });
    expect(paths.map((p) => [p.canonical, p.dataClass])).toEqual([['$.customer.email', 'EMAIL_ADDRESS']]);
  });
});

describe('maskJsonBody: classified paths', () => {
  it('masks the value at a dotted path by its class’s strategy and nothing else', () => {
    const body = { customer: { email: 'maria@example.com', plan: 'gold' }, email: 'kept' };
    const { value, summary } = mask(body, { '$.customer.email': 'EMAIL_ADDRESS' });
    expect(value).toEqual({
      customer: { email: emailToken('maria@example.com'), plan: 'gold' },
      email: 'kept',
    });
    expect(summary.maskedPaths).toEqual([{ path: '$.customer.email', dataClass: 'EMAIL_ADDRESS', count: 1 }]);
    expect(summary.detected).toEqual({});
  });

  it('uses the connection’s strategies: partial cards and SSNs, redacted locations', () => {
    const { value } = mask(
      { card: '4111 1111 1111 1111', ssn: '906-94-0318', city: 'Lisbon' },
      { '$.card': 'CREDIT_CARD', '$.ssn': 'US_SSN', '$.city': 'LOCATION' },
    );
    expect(value).toEqual({ card: '**** **** **** 1111', ssn: '***-**-*318', city: '[LOCATION]' });
  });

  it('redacts a classified value that is no longer recognisable as its class (safeStrategy)', () => {
    const { value } = mask(
      { card: '1111 1111 1111 4111'.split('').reverse().join('') },
      { '$.card': 'CREDIT_CARD' },
    );
    expect(value).toEqual({ card: '[CREDIT_CARD]' });
  });

  it('masks a number at a classified path as its text: it becomes the masked string', () => {
    const { value } = mask(
      { card: 4111111111111111, phone: 4155550123 },
      {
        '$.card': 'CREDIT_CARD',
        '$.phone': 'PHONE_NUMBER',
      },
    );
    // Bare digits are no recognisable phone number (safeStrategy): redacted, as in a SQL column.
    expect(value).toEqual({ card: '************1111', phone: '[PHONE_NUMBER]' });
  });

  it('redacts a boolean at a classified path', () => {
    expect(mask({ vip: true }, { '$.vip': 'VIP_STATUS' }).value).toEqual({ vip: '[VIP_STATUS]' });
  });

  it('keeps null at a classified path: it says no more than an absent value', () => {
    const { value, summary } = mask({ email: null }, { '$.email': 'EMAIL_ADDRESS' });
    expect(value).toEqual({ email: null });
    expect(summary.maskedPaths).toEqual([]);
  });

  it('masks every scalar under an object at a classified path, keeping its keys', () => {
    const { value, summary } = mask(
      { address: { street: '1 Rua Augusta', city: 'Lisbon', geo: { lat: 38.7, lng: -9.1 }, primary: true } },
      { '$.address': 'LOCATION' },
    );
    expect(value).toEqual({
      address: {
        street: '[LOCATION]',
        city: '[LOCATION]',
        geo: { lat: '[LOCATION]', lng: '[LOCATION]' },
        primary: '[LOCATION]',
      },
    });
    expect(summary.maskedPaths).toEqual([{ path: '$.address', dataClass: 'LOCATION', count: 5 }]);
  });

  it('masks every element of an array at a classified path, nested arrays too', () => {
    const { value } = mask(
      { emails: ['a@example.com', ['b@example.com'], null] },
      { '$.emails': 'EMAIL_ADDRESS' },
    );
    expect(value).toEqual({ emails: [emailToken('a@example.com'), [emailToken('b@example.com')], null] });
  });

  it('keeps an empty object or array at a classified path as it is, counting nothing', () => {
    const { value, summary } = mask({ a: {}, b: [] }, { '$.a': 'SECRET', '$.b': 'SECRET' });
    expect(value).toEqual({ a: {}, b: [] });
    expect(summary.maskedPaths).toEqual([]);
  });

  it('masks the whole body at `$`', () => {
    expect(mask(['x', { y: 1 }], { $: 'SECRET' }).value).toEqual(['[SECRET]', { y: '[SECRET]' }]);
    expect(mask('top', { $: 'SECRET' }).value).toBe('[SECRET]');
  });

  it('follows wildcards over every element of an array', () => {
    const body = {
      items: [{ email: 'a@example.com' }, { email: 'b@example.com' }, { other: 'x@example.com' }],
    };
    const { value, summary } = mask(body, { '$.items[*].email': 'PERSON' });
    const items = (value as { items: Record<string, string>[] }).items;
    expect(items[0]!.email).toMatch(/^tok_person_/);
    expect(items[1]!.email).toMatch(/^tok_person_/);
    // Not on the path: left to the detectors.
    expect(items[2]!.other).toBe(emailToken('x@example.com'));
    expect(summary.maskedPaths).toEqual([{ path: '$.items[*].email', dataClass: 'PERSON', count: 2 }]);
    expect(summary.detected).toEqual({ EMAIL_ADDRESS: 1 });
  });

  it('follows wildcards over every member of an object', () => {
    const { value } = mask(
      { contacts: { home: 'h@example.com', work: { email: 'w@example.com' } } },
      {
        '$.contacts.*': 'LOCATION',
      },
    );
    expect(value).toEqual({ contacts: { home: '[LOCATION]', work: { email: '[LOCATION]' } } });
  });

  it('follows wildcards through nested arrays', () => {
    const body = {
      orders: [{ lines: [{ card: '4111111111111111' }, { card: '5500005555555559' }] }, { lines: [] }],
    };
    const { value, summary } = mask(body, { '$.orders[*].lines[*].card': 'CREDIT_CARD' });
    expect(value).toEqual({
      orders: [{ lines: [{ card: '************1111' }, { card: '************5559' }] }, { lines: [] }],
    });
    expect(summary.maskedPaths[0]!.count).toBe(2);
  });

  it('takes array indices, negative ones from the end, only on arrays', () => {
    const { value } = mask(
      { a: ['x', 'y', 'z'], o: { '0': 'kept' } },
      { '$.a[0]': 'SECRET', '$.a[-1]': 'SECRET', '$.o[0]': 'SECRET' },
    );
    expect(value).toEqual({ a: ['[SECRET]', 'y', '[SECRET]'], o: { '0': 'kept' } });
  });

  it('tells a key with dots from nested keys', () => {
    const body = { 'a.b': 'flat', a: { b: 'nested' } };
    expect(mask(body, { "$['a.b']": 'SECRET' }).value).toEqual({ 'a.b': '[SECRET]', a: { b: 'nested' } });
    expect(mask(body, { '$.a.b': 'SECRET' }).value).toEqual({ 'a.b': 'flat', a: { b: '[SECRET]' } });
  });

  it('matches keys with spaces and unicode', () => {
    const { value } = mask(
      { 'odd key': 'x', 名前: 'Ana Silva', 'e-mail': 'ana@example.com' },
      {
        "$['odd key']": 'SECRET',
        '$.名前': 'PERSON',
        "$['e-mail']": 'EMAIL_ADDRESS',
      },
    );
    expect(value).toEqual({
      'odd key': '[SECRET]',
      名前: tokenize('Ana Silva', 'PERSON', KEY),
      'e-mail': emailToken('ana@example.com'),
    });
  });

  it('masks a member named by recursive descent at any depth, inside arrays too', () => {
    const body = { email: 'kept-as-class', a: [{ b: { email: 'x' } }, [{ email: 'y' }]], c: { d: 'z' } };
    const { value, summary } = mask(body, { '$..email': 'VIP' });
    expect(value).toEqual({
      email: '[VIP]',
      a: [{ b: { email: '[VIP]' } }, [{ email: '[VIP]' }]],
      c: { d: 'z' },
    });
    expect(summary.maskedPaths).toEqual([{ path: '$..email', dataClass: 'VIP', count: 3 }]);
  });

  it('anchors recursive descent under its prefix', () => {
    const body = { public: { email: 'p' }, private: { deep: { email: 'q' } } };
    expect(mask(body, { '$.private..email': 'VIP' }).value).toEqual({
      public: { email: 'p' },
      private: { deep: { email: '[VIP]' } },
    });
  });

  it('does not multiply its work on repeated recursive descent over nested same-named keys', () => {
    let body: unknown = 'leaf';
    for (let i = 0; i < 50; i++) body = { a: body };
    const { value } = mask(body, { '$..a..a..a..a': 'VIP' });
    let node = value as { a: unknown };
    for (let i = 0; i < 49; i++) node = node.a as { a: unknown };
    expect(node.a).toBe('[VIP]');
  });

  it('redacts a value under paths of several classes as [A+B], as SQL does for a value of several classes', () => {
    const { value, summary } = mask(
      { customer: { email: 'maria@example.com', name: 'Maria' } },
      {
        '$.customer': 'PERSON',
        '$.customer.email': 'EMAIL_ADDRESS',
      },
    );
    expect(value).toEqual({
      // `Maria` is too short to tokenize (safeStrategy): redacted.
      customer: { email: '[EMAIL_ADDRESS+PERSON]', name: '[PERSON]' },
    });
    expect(summary.maskedPaths).toEqual([
      { path: '$.customer', dataClass: 'PERSON', count: 2 },
      { path: '$.customer.email', dataClass: 'EMAIL_ADDRESS', count: 1 },
    ]);
  });

  it('leaves a class the principal may unmask raw, names it, and the detectors skip it too', () => {
    const { value, summary } = mask(
      { email: 'maria@example.com', note: 'write to ana@example.com or call 415-555-0123' },
      { '$.email': 'EMAIL_ADDRESS' },
      { mayUnmask: (c) => c === 'EMAIL_ADDRESS' },
    );
    expect(value).toEqual({
      email: 'maria@example.com',
      note: 'write to ana@example.com or call ***-***-**23',
    });
    expect(summary.unmasked).toEqual(['EMAIL_ADDRESS']);
    expect(summary.maskedPaths).toEqual([]);
    expect(summary.detected).toEqual({ PHONE_NUMBER: 1 });
  });

  it('asks the principal’s allowances once per class, only for classes met', () => {
    const asked: string[] = [];
    mask(
      { items: [{ email: 'a@example.com', password: 'none' }, { email: 'b@example.com' }] },
      { '$.items[*].email': 'EMAIL_ADDRESS', '$.missing': 'US_SSN' },
      {
        mayUnmask: (c) => {
          asked.push(c);
          return false;
        },
      },
    );
    expect(asked).toEqual(['EMAIL_ADDRESS']);
  });

  it('leaves FREE_TEXT to the detectors and the names-and-places rules instead of masking it whole', () => {
    const { value, summary } = mask(
      { body: 'Maria Silva wrote from maria@example.com', other: 'Maria Silva' },
      {
        '$.body': 'FREE_TEXT',
      },
    );
    const out = value as { body: string; other: string };
    expect(out.body).not.toContain('Maria');
    expect(out.body).toContain(emailToken('maria@example.com'));
    expect(out.body).toContain('[PERSON]');
    expect(out.other).toBe('Maria Silva');
    expect(summary.maskedPaths).toEqual([]);
  });

  it('gives a summary a recording can keep as it is', () => {
    const { summary } = mask({ e: 'maria@example.com', s: '906-94-0318' }, { '$.s': 'US_SSN' });
    const kept: { readonly [k: string]: JsonValue } = summary;
    expect(canonicalJson(kept)).toBe(
      '{"detected":{"EMAIL_ADDRESS":1},"maskedPaths":[{"count":1,"dataClass":"US_SSN","path":"$.s"}],"unmasked":[]}',
    );
  });

  it('keeps the configured path, never the matched keys, in the summary', () => {
    const { summary } = mask({ 'maria@example.com': { ssn: '906-94-0318' } }, { '$.*.ssn': 'US_SSN' });
    expect(JSON.stringify(summary)).not.toContain('maria');
    expect(summary.maskedPaths).toEqual([{ path: '$[*].ssn', dataClass: 'US_SSN', count: 1 }]);
  });
});

describe('maskJsonBody: detectors', () => {
  it('finds values in every string at any depth, nested arrays too, counting per class', () => {
    const body = { a: [[['maria@example.com', { b: ['card 4111 1111 1111 1111'] }]]], n: 'plain' };
    const { value, summary } = mask(body);
    expect(value).toEqual({
      a: [[[emailToken('maria@example.com'), { b: ['card **** **** **** 1111'] }]]],
      n: 'plain',
    });
    expect(summary.detected).toEqual({ EMAIL_ADDRESS: 1, CREDIT_CARD: 1 });
  });

  it('finds values in a top-level string or array', () => {
    expect(mask('maria@example.com').value).toBe(emailToken('maria@example.com'));
    expect(mask(['906-94-0318']).value).toEqual(['***-**-*318']);
  });

  it('finds unicode addresses and keeps the text around them intact', () => {
    const { value } = mask({ note: 'Olá 👋 — escreva a maría@example.com, obrigado 🙏' });
    expect(value).toEqual({ note: `Olá 👋 — escreva a ${emailToken('maría@example.com')}, obrigado 🙏` });
  });

  it('leaves ordinary numbers, booleans and null as they are, 9-digit ids too', () => {
    const body = { id: 906940318, price: 12.5, n: -3, ok: false, none: null, big: 1234567890123 };
    const { value, summary } = mask(body);
    expect(value).toBe(body);
    expect(summary.detected).toEqual({});
  });

  it('masks an integer whose digits are a valid card number, as SQL results do', () => {
    const { value, summary } = mask({ pan: 4111111111111111, bigPan: 4111111111111111n });
    expect(value).toEqual({ pan: '************1111', bigPan: '************1111' });
    expect(summary.detected).toEqual({ CREDIT_CARD: 2 });
  });

  it('masks a string that looks like a secret under a key that names one', () => {
    const { value, summary } = mask({
      user: 'ana',
      password: 'hunter22',
      nested: [{ api_key: 'placeholder' }],
    });
    expect(value).toEqual({ user: 'ana', password: '[SECRET]', nested: [{ api_key: 'placeholder' }] });
    expect(summary.detected).toEqual({ SECRET: 1 });
  });

  it('masks a key that holds a value (an e-mail used as a key), counting it', () => {
    const { value, summary } = mask({ byEmail: { 'maria@example.com': { orders: 3 } } });
    expect(value).toEqual({ byEmail: { [emailToken('maria@example.com')]: { orders: 3 } } });
    expect(summary.detected).toEqual({ EMAIL_ADDRESS: 1 });
  });

  it('renames a masked key that collides with another key', () => {
    const { value } = mask({ '906-94-0318': 1, '***-**-*318': 2, '906-94-1318': 3 });
    expect(Object.keys(value as object)).toEqual(['***-**-*318#2', '***-**-*318', '***-**-*318#3']);
    expect(Object.values(value as object)).toEqual([1, 2, 3]);
  });

  it('matches paths against keys as the target sent them, masking the key by the detectors', () => {
    const { value } = mask({ 'maria@example.com': 'Maria Silva' }, { "$['maria@example.com']": 'PERSON' });
    expect(value).toEqual({ [emailToken('maria@example.com')]: tokenize('Maria Silva', 'PERSON', KEY) });
  });

  it('keeps a `__proto__` key an own property', () => {
    const body = JSON.parse('{"__proto__": {"email": "maria@example.com"}}') as Record<string, unknown>;
    const { value } = mask(body);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__']);
    expect(JSON.stringify(value)).toBe(`{"__proto__":{"email":"${emailToken('maria@example.com')}"}}`);
  });

  it('runs no detector switched off on the connection', () => {
    const { value } = mask({ a: 'maria@example.com 906-94-0318' }, {}, { detectorsOff: ['EMAIL_ADDRESS'] });
    expect(value).toEqual({ a: 'maria@example.com ***-**-*318' });
  });

  it('returns the same body when nothing was masked, and never mutates the input', () => {
    const clean = { a: [{ b: 'x' }], c: 1 };
    expect(mask(clean).value).toBe(clean);
    const dirty = { keep: { b: 'x' }, a: [{ e: 'maria@example.com' }] };
    const copy = structuredClone(dirty);
    const { value } = mask(dirty);
    expect(dirty).toEqual(copy);
    expect((value as typeof dirty).keep).toBe(dirty.keep);
  });
});

describe('maskJsonBody: strings inside strings', () => {
  it('masks JSON inside a string and re-serialises it', () => {
    const body = { payload: JSON.stringify({ email: 'maria@example.com', n: 1 }) };
    const { value, summary } = mask(body);
    expect(JSON.parse((value as { payload: string }).payload)).toEqual({
      email: emailToken('maria@example.com'),
      n: 1,
    });
    expect(summary.detected).toEqual({ EMAIL_ADDRESS: 1 });
  });

  it('masks JSON nested twice inside strings', () => {
    const inner = JSON.stringify({ ssn: '906-94-0318' });
    const middle = JSON.stringify({ message: inner, list: [inner] });
    const { value, summary } = mask({ event: middle });
    const m = JSON.parse((value as { event: string }).event) as { message: string; list: string[] };
    expect(JSON.parse(m.message)).toEqual({ ssn: '***-**-*318' });
    expect(JSON.parse(m.list[0]!)).toEqual({ ssn: '***-**-*318' });
    expect(summary.detected).toEqual({ US_SSN: 2 });
  });

  it('goes on with classified paths into JSON inside a string', () => {
    const body = { Message: JSON.stringify({ customer: { email: 'maria@example.com' } }) };
    const { value, summary } = mask(body, { '$.Message.customer.email': 'PERSON' });
    expect(JSON.parse((value as { Message: string }).Message)).toEqual({
      customer: { email: tokenize('maria@example.com', 'PERSON', KEY) },
    });
    expect(summary.maskedPaths).toEqual([
      { path: '$.Message.customer.email', dataClass: 'PERSON', count: 1 },
    ]);
  });

  it('finds recursive-descent paths inside strings inside strings', () => {
    const body = [JSON.stringify({ x: JSON.stringify([{ token: 'abc' }]) })];
    const { value } = mask(body, { '$..token': 'SECRET' });
    const x = JSON.parse(JSON.parse((value as string[])[0]!).x) as unknown;
    expect(x).toEqual([{ token: '[SECRET]' }]);
  });

  it('masks a JSON string at a classified path whole, without unpacking it', () => {
    const { value } = mask({ blob: '{"email":"maria@example.com"}' }, { '$.blob': 'SECRET' });
    expect(value).toEqual({ blob: '[SECRET]' });
  });

  it('keeps JSON inside a string byte for byte when nothing in it is masked', () => {
    const payload = '  { "a" : [1, 2.50, "x"] }  ';
    const body = { payload };
    expect(mask(body).value).toBe(body);
  });

  it('scans a string that only looks like JSON as text', () => {
    const { value } = mask({ s: '{ not json: maria@example.com }', t: '[906-94-0318' });
    expect(value).toEqual({ s: `{ not json: ${emailToken('maria@example.com')} }`, t: '[***-**-*318' });
  });

  it('masks keys inside JSON inside a string', () => {
    const { value } = mask({ s: JSON.stringify({ 'maria@example.com': true }) });
    expect(JSON.parse((value as { s: string }).s)).toEqual({ [emailToken('maria@example.com')]: true });
  });
});

describe('maskJsonBody: same tokens as SQL results', () => {
  const sqlColumn: OutputLineage = {
    name: 'email',
    sources: [{ schema: 'public', table: 'customers', column: 'email' }],
    resolved: true,
    wholeRows: [],
    direct: true,
  };
  const sqlFreeColumn: OutputLineage = {
    name: 'note',
    sources: [{ schema: 'public', table: 'tickets', column: 'note' }],
    resolved: true,
    wholeRows: [],
    direct: true,
  };
  const sql = (email: string) =>
    maskResult({
      connection,
      result: {
        columns: [
          { name: 'email', type: 'text' },
          { name: 'note', type: 'text' },
        ],
        rows: [[email, `from ${email}`]],
        rowCount: 1,
        truncated: false,
      },
      lineage: [sqlColumn, sqlFreeColumn],
      classification: resolveClassification(connection, assumedResolution()),
      reads: { sensitive: true, statistics: false },
      mayUnmask: () => false,
      tokenKey: KEY,
    }).result.rows[0]!;

  it('gives a classified e-mail the token a classified SQL column gets', () => {
    const [sqlToken] = sql('Maria@Example.com');
    const { value } = mask(
      { customer: { email: 'maria@example.com ' } },
      { '$.customer.email': 'EMAIL_ADDRESS' },
    );
    expect(sqlToken).toMatch(TOKEN);
    expect((value as { customer: { email: string } }).customer.email).toBe(sqlToken);
  });

  it('gives a detected e-mail the token a detected one in SQL text gets', () => {
    const [, note] = sql('maria@example.com');
    const { value } = mask({ note: 'from maria@example.com' });
    expect((value as { note: string }).note).toBe(note);
  });

  it('gives another token under another key', () => {
    const a = mask({ e: 'maria@example.com' }).value as { e: string };
    const b = mask({ e: 'maria@example.com' }, {}, { tokenKey: 'another-key' }).value as { e: string };
    expect(a.e).not.toBe(b.e);
  });
});

describe('maskJsonBody: bounds and bad input', () => {
  const nested = (depth: number): unknown => {
    let body: unknown = 'x';
    for (let i = 0; i < depth; i++) body = i % 2 === 0 ? [body] : { a: body };
    return body;
  };

  it('masks a body nested to the depth limit', () => {
    expect(() => mask(nested(64))).not.toThrow();
  });

  it('refuses a body nested deeper than the limit, as a target error with the limit', () => {
    let error: unknown;
    try {
      mask(nested(65));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ResponseTooComplexError);
    expect(error).toMatchObject({
      code: 'target_error',
      limit: 'depth',
      max: 64,
      details: { limit: 'depth', max: 64 },
    });
    expect((error as Error).message).toBe(
      "The target's response nests deeper than 64 levels; it was withheld because it could not be masked.",
    );
  });

  it('refuses a very deep body without exhausting the stack', () => {
    expect(() => mask(nested(200_000))).toThrow(ResponseTooComplexError);
  });

  it('counts the depth of JSON inside strings from where the string is', () => {
    const body = nested(60) as unknown[];
    const deep = { a: [JSON.stringify(nested(10))] };
    expect(() => mask({ a: body, b: deep })).not.toThrow();
    let inner: unknown = JSON.stringify(nested(10));
    for (let i = 0; i < 58; i++) inner = [inner];
    expect(() => mask(inner)).toThrow('nests deeper than 64 levels');
  });

  it('refuses a body with more values than the node limit', () => {
    const body = { items: Array.from({ length: 100 }, (_, i) => ({ id: i })) };
    expect(() => mask(body, {}, { limits: { maxNodes: 150 } })).toThrow(
      expect.objectContaining({
        limit: 'nodes',
        message: expect.stringContaining('holds more than 150 values'),
      }),
    );
    expect(() => mask(body, {}, { limits: { maxNodes: 202 } })).not.toThrow();
  });

  it('counts the values inside strings towards the node limit', () => {
    const body = [JSON.stringify(Array.from({ length: 100 }, () => 1))];
    expect(() => mask(body, {}, { limits: { maxNodes: 100 } })).toThrow(ResponseTooComplexError);
  });

  it('refuses JSON inside strings nested more levels than the limit', () => {
    let body: unknown = { e: 'x' };
    for (let i = 0; i < 3; i++) body = [JSON.stringify(body)];
    expect(() => mask(body, {}, { limits: { maxEmbedded: 3 } })).not.toThrow();
    expect(() => mask(body, {}, { limits: { maxEmbedded: 2 } })).toThrow(
      expect.objectContaining({
        limit: 'embedded',
        message: expect.stringContaining('inside strings more than 2'),
      }),
    );
  });

  it('masks a large body: every value found, counted per class', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({
      id: i,
      email: `user${i}@example.com`,
      card: '4111 1111 1111 1111',
      tags: ['a', 'b'],
      note: i % 2 === 0 ? 'call 415-555-0123' : 'nothing here',
    }));
    const { value, summary } = mask({ items }, { '$.items[*].email': 'EMAIL_ADDRESS' });
    const out = (value as { items: typeof items }).items;
    expect(out).toHaveLength(20_000);
    expect(out[19_999]!.email).toBe(emailToken('user19999@example.com'));
    expect(summary.maskedPaths).toEqual([
      { path: '$.items[*].email', dataClass: 'EMAIL_ADDRESS', count: 20_000 },
    ]);
    expect(summary.detected).toEqual({ CREDIT_CARD: 20_000, PHONE_NUMBER: 10_000 });
  });

  it('throws a clear TypeError on a value that is not JSON', () => {
    expect(() => mask({ when: new Date(0) })).toThrow('not a JSON value: Date');
    expect(() => mask({ f: () => 1 })).toThrow('not a JSON value: function');
    expect(() => mask([undefined])).toThrow('not a JSON value: undefined');
  });

  it('fails closed on an empty token key when a value is to be tokenized', () => {
    expect(() => mask({ e: 'maria@example.com' }, {}, { tokenKey: '' })).toThrow(
      'masking token key is empty',
    );
  });

  it('refuses limits out of range', () => {
    expect(() => mask({}, {}, { limits: { maxDepth: 0 } })).toThrow(RangeError);
    expect(() => mask({}, {}, { limits: { maxNodes: 1.5 } })).toThrow('maxNodes must be an integer');
  });
});

describe('maskTextBody', () => {
  it('masks every value the detectors find, counting per class, with no paths', () => {
    const { text, summary } = maskTextBody(
      '<p>Maria: maria@example.com, SSN 906-94-0318</p>',
      masking({ $: 'SECRET' }),
    );
    expect(text).toBe(`<p>Maria: ${emailToken('maria@example.com')}, SSN ***-**-*318</p>`);
    expect(summary).toEqual({ maskedPaths: [], detected: { EMAIL_ADDRESS: 1, US_SSN: 1 }, unmasked: [] });
  });

  it('leaves classes the principal may unmask', () => {
    const { text } = maskTextBody(
      'maria@example.com 906-94-0318',
      masking({}, { mayUnmask: (c) => c === 'US_SSN' }),
    );
    expect(text).toBe(`${emailToken('maria@example.com')} 906-94-0318`);
  });

  it('returns clean text as it is', () => {
    expect(maskTextBody('nothing to see', masking()).text).toBe('nothing to see');
  });

  it('throws a clear TypeError on a body that is not text', () => {
    expect(() => maskTextBody(Buffer.from('x') as unknown as string, masking())).toThrow(
      'a text body must be a string',
    );
  });
});
