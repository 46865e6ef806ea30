// Differential tests: after the throughput work (one dispatching pass with declared start
// conditions, group reads shared between starts, no allocation per finding, memos that stop when
// they do not pay, tokens by a TypeScript HMAC), the detectors find, scrubbing masks and
// maskResult returns exactly what the code before it did. `reference/` holds that code (a259496);
// the texts are generated: digit groups with every separator, words before digits, the fragments
// every detector starts on (whole and cut short), Unicode. The copy is an oracle for this
// refactoring: a deliberate change to what a detector finds updates the copy in the same commit
// (or retires these tests), never the other way round.
import { syntheticResult } from '../../../../bench/masking-rows.js';
import { type Connection, connectionSchema } from '../../../../lambdas/core/config/connection.js';
import { DEFAULT_DETECTORS, findAll } from '../../../../lambdas/core/masking/detectors.js';
import type { OutputLineage } from '../../../../lambdas/core/masking/lineage.js';
import { maskResult } from '../../../../lambdas/core/masking/mask-result.js';
import {
  assumedResolution,
  resolveClassification,
} from '../../../../lambdas/core/masking/resolved-classification.js';
import { scrubJson, scrubText } from '../../../../lambdas/core/masking/scrub.js';
import { partial, TokenMemo, tokenize } from '../../../../lambdas/core/masking/strategies.js';
import type { MaskingStrategy } from '../../../../lambdas/core/masking/types.js';
import type { ResultSet } from '../../../../lambdas/core/ports.js';
import {
  DEFAULT_DETECTORS as REFERENCE_DETECTORS,
  findAll as referenceFindAll,
} from './reference/detectors.js';
import { maskResult as referenceMaskResult } from './reference/mask-result.js';
import { scrubJson as referenceScrubJson, scrubText as referenceScrubText } from './reference/scrub.js';
import { partial as referencePartial, tokenize as referenceTokenize } from './reference/strategies.js';

/** mulberry32: the same texts on every run. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const PIECES = [
  ...'0123456789 -+().@:=_/#;,"\'\n\tAaBbCcDdEeGgHhIiKkNnOoPpQqSsUuWwXxYyJjZz\u00e9\uff20\u3002\u00a0\ud83d\ude00',
  'maria@example.com',
  'josé@exemplo.com.br',
  '用户@例子.广告',
  'ethan.garcia42@example.com',
  '4111 1111 1111 1111',
  '4111111111111111',
  '5555-5555-5555-4444',
  '378282246310005',
  '(415) 555-0199',
  '+44 (0)20 7946 0958',
  '06 12 34 56 78',
  '0044 20 7946 0958',
  '+1 303 555 0142',
  '303-555-0142',
  '1 (415) 555-0123',
  '123-45-6789',
  '123 45 6789',
  '900-12-3456',
  'SSN: ',
  'ssn ',
  'CPF ',
  'Aadhaar no. ',
  'NI number ',
  'PAN ',
  'VAT ',
  '123.456.789-09',
  '12345678909',
  '11.222.333/0001-81',
  '046-454-286',
  '046 454 286',
  '2345 6789 0123',
  '234567890123',
  'QQ 12 34 56 C',
  'QQ123456C',
  'ab123456c',
  'ABCPE1234F',
  'abcpe1234f',
  'DE 123456789',
  'DE123456789',
  'ATU12345678',
  'AT U12345678',
  'FR12345678901',
  'ESX1234567X',
  'NL123456789B01',
  'DE89 3704 0044 0532 0130 00',
  'DE89370400440532013000',
  'GB82WEST12345698765432',
  'AKIAIOSFODNN7EXAMPLE',
  'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI',
  'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
  'xoxb-1234567890-abcdef',
  'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
  'hooks.slack.com/services/T0/B0/XYZ12345',
  'https://',
  'postgres://u:pw@h/db',
  'mysql://root:secret@db:3306/x',
  'password=',
  'token: ',
  'api_key":"',
  'hunter22',
  'Secr3t!pass',
  'eyJhbGciOiJIUzI1NiJ9.',
  'eyJzdWIiOiJ4In0.',
  '-----BEGIN PRIVATE KEY-----',
  '-----END PRIVATE KEY-----',
  '---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----',
  'PuTTY-User-Key-File-2: ssh-rsa',
  'ORD-000123',
  '1234 Willow Boulevard, Denver, CO 80205',
  'London N1 9GU',
  'Order #1042',
  '2024-01-15',
  'v1.2.3',
  '12/31/2025',
  'Ethan Garcia',
  'Müller',
  "O'Brien",
];

const SEPARATORS = [' ', ' ', '-', '-', '.', '/', '', '(', ')', '+', ' (', ') ', '_', ', '];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Digit groups (1–19 digits) joined by separators, sometimes after a word of 1–7 letters. */
const digitText = (random: () => number): string => {
  let text = '';
  if (random() < 0.4) {
    const letters = 1 + Math.floor(random() * 7);
    for (let i = 0; i < letters; i++) text += LETTERS[Math.floor(random() * LETTERS.length)];
    if (random() < 0.3) text += ' ';
  }
  const groups = 1 + Math.floor(random() * 9);
  for (let g = 0; g < groups; g++) {
    if (g > 0) text += SEPARATORS[Math.floor(random() * SEPARATORS.length)];
    const digits = 1 + Math.floor(random() * (random() < 0.8 ? 5 : 19));
    // A leading 0, 1 or a card prefix now and then: the shapes the start conditions turn on.
    let group = random() < 0.3 ? '01456'[Math.floor(random() * 5)]! : '';
    while (group.length < digits) group += Math.floor(random() * 10);
    text += group;
  }
  return text;
};

const pieceText = (random: () => number, pieces: number): string => {
  let text = '';
  for (let i = 0; i < pieces; i++) {
    const piece = PIECES[Math.floor(random() * PIECES.length)]!;
    text += random() < 0.8 ? piece : piece.slice(0, 1 + Math.floor(random() * piece.length));
  }
  return text;
};

/** `n` texts: half made of fragments, half digit-heavy, some mixed. */
const corpus = (seed: number, n: number): string[] => {
  const random = prng(seed);
  return Array.from({ length: n }, (_, k) =>
    k % 3 === 0
      ? pieceText(random, 1 + Math.floor(random() * 12))
      : k % 3 === 1
        ? digitText(random)
        : `${pieceText(random, 1 + Math.floor(random() * 3))}${digitText(random)} ${pieceText(random, 2)}`,
  );
};

const TEXTS = corpus(20_261_204, 12_000);

/** The first few texts on which `actual` and `expected` differ, with both answers. */
const differences = <T>(texts: readonly string[], actual: (t: string) => T, expected: (t: string) => T) => {
  const out: string[] = [];
  for (const text of texts) {
    const a = JSON.stringify(actual(text));
    const e = JSON.stringify(expected(text));
    if (a !== e) out.push(`${JSON.stringify(text)}: ${a} vs ${e}`);
    if (out.length >= 5) break;
  }
  return out;
};

/**
 * Deep equality that also compares what JSON.stringify and toEqual do not: prototypes, own key
 * order, holes, and which members share a copy (or close a cycle).
 */
const sameShape = (a: unknown, b: unknown, pairs = new Map<object, object>()): boolean => {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Object.is(a, b);
  const known = pairs.get(a);
  if (known !== undefined) return known === b;
  pairs.set(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (
    !(Array.isArray(a) || Object.getPrototypeOf(a) === Object.prototype || Object.getPrototypeOf(a) === null)
  )
    return a === b;
  const keys = Reflect.ownKeys(a);
  const otherKeys = Reflect.ownKeys(b);
  if (JSON.stringify(keys.map(String)) !== JSON.stringify(otherKeys.map(String))) return false;
  return keys.every((k) =>
    sameShape((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], pairs),
  );
};

const strategyFor = (c: string): MaskingStrategy =>
  c === 'EMAIL_ADDRESS' || c === 'PERSON'
    ? { kind: 'tokenize' }
    : c === 'PHONE_NUMBER'
      ? { kind: 'partial', keep: 2 }
      : c === 'CREDIT_CARD' || c === 'US_SSN' || c === 'IBAN_CODE'
        ? { kind: 'partial', keep: 4 }
        : { kind: 'redact' };

describe('the detectors find what they found before the throughput work', () => {
  it('the generated texts hold findings of every built-in class', () => {
    const classes = new Set(TEXTS.flatMap((t) => referenceFindAll(t).map((f) => f.dataClass)));
    expect([...classes].sort()).toEqual([...new Set(DEFAULT_DETECTORS.map((d) => d.dataClass))].sort());
  });

  it('all detectors together: the same findings on every generated text', () => {
    expect(differences(TEXTS, (t) => findAll(t), referenceFindAll)).toEqual([]);
  });

  it('each detector alone: the same findings (none hidden by another one’s)', () => {
    const texts = TEXTS.slice(0, 3000);
    expect(DEFAULT_DETECTORS.length).toBe(REFERENCE_DETECTORS.length);
    DEFAULT_DETECTORS.forEach((detector, k) => {
      const reference = [REFERENCE_DETECTORS[k]!];
      expect(reference[0]!.dataClass).toBe(detector.dataClass);
      expect(
        differences(
          texts,
          (t) => findAll(t, [detector]),
          (t) => referenceFindAll(t, reference),
        ),
      ).toEqual([]);
    });
  });

  it('card numbers: every issuer prefix and length, bare and in groups of four', () => {
    const texts: string[] = [];
    for (let head = 0; head < 10_000; head += 7)
      for (let n = 12; n <= 20; n++) {
        const digits = String(head).padStart(4, '0') + '3'.repeat(n - 4);
        for (let last = 0; last < 10; last += 3) {
          const number = digits.slice(0, -1) + last;
          texts.push(number, number.replace(/(\d{4})(?=\d)/g, '$1 '));
        }
      }
    expect(differences(texts, (t) => findAll(t), referenceFindAll)).toEqual([]);
  });
});

describe('scrubbing masks what it masked before', () => {
  it('scrubText: the same text and counts', () => {
    const options = { strategyFor, tokenKey: 'differential-key' };
    expect(
      differences(
        TEXTS,
        (t) => scrubText(t, options),
        (t) => referenceScrubText(t, options),
      ),
    ).toEqual([]);
  });

  it('scrubJson: the same values, keys and counts', () => {
    const options = { strategyFor, tokenKey: 'k' };
    const value = (t: string, i: number) => ({
      [t.slice(0, 8)]: t,
      password: t,
      list: [t, i * 1e12 + 4111111111111111, true, null],
      nested: { api_key: t.slice(3) },
    });
    const texts = TEXTS.slice(0, 2000);
    expect(
      differences(
        texts,
        (t) => scrubJson(value(t, t.length), options),
        (t) => referenceScrubJson(value(t, t.length), options),
      ),
    ).toEqual([]);
  });

  it('scrubJson: flat and nested values, shared references, cycles, `__proto__` and renamed keys', () => {
    const redactAll = { strategyFor: (): MaskingStrategy => ({ kind: 'redact' }), tokenKey: 'k' };
    const shared = { email: 'maria@example.com' };
    const cyclic: Record<string, unknown> = { name: 'loop', card: '4111 1111 1111 1111' };
    cyclic.self = cyclic;
    const sparse: unknown[] = new Array(3);
    sparse[0] = 1;
    sparse[2] = 'call 415-555-0199';
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, {
      token: 'x'.repeat(40),
    });
    const values: unknown[] = [
      { channel: 'web', priority: 3 },
      { 'a@b.co': 1, 'x@y.org': 2, '[EMAIL_ADDRESS]': 3, '[EMAIL_ADDRESS]#2': 4 },
      JSON.parse('{"__proto__": {"polluted": "maria@example.com"}, "ok": true}'),
      JSON.parse('{"__proto__": "maria@example.com"}'),
      [shared, shared, { inner: shared }],
      cyclic,
      sparse,
      [[['deep 123-45-6789']]],
      nullProto,
      {
        when: new Date(0),
        bytes: Buffer.from('4111111111111111'),
        big: 4111111111111111n,
        n: 4111111111111111,
      },
      { password: 'hunter2 is mine', api_key: 'AbC123xYz789QwE456rTy012', client_secret: 'short' },
      [],
      {},
      'maria@example.com',
      42,
      null,
    ];
    for (const value of values)
      for (const options of [redactAll, { strategyFor, tokenKey: 'k' }]) {
        const actual = scrubJson(value, options);
        const expected = referenceScrubJson(value, options);
        expect(sameShape(actual.value, expected.value)).toBe(true);
        expect(actual.counts).toEqual(expected.counts);
      }
  });

  it('partial: the same masked form for ASCII and for any other text', () => {
    const texts = [...TEXTS.slice(0, 3000), 'Zoë Ñúñez 😀 42', '😀 123456', 'x'.repeat(300)];
    for (const keep of [1, 2, 4, 8])
      expect(
        differences(
          texts,
          (t) => partial(t, 'X', keep),
          (t) => referencePartial(t, 'X', keep),
        ),
      ).toEqual([]);
  });

  it('tokens: the same for every class and key, alone and remembered', () => {
    const keys: (string | Uint8Array)[] = [
      'k',
      'x'.repeat(64),
      'y'.repeat(65),
      'clé 🔑',
      new Uint8Array([1, 2, 3]),
    ];
    const classes = [
      'EMAIL_ADDRESS',
      'PERSON',
      'PHONE_NUMBER',
      'CREDIT_CARD',
      'IBAN_CODE',
      'US_SSN',
      'SECRET',
    ];
    for (const key of keys) {
      const memo = new TokenMemo(key);
      for (const dataClass of classes)
        expect(
          differences(
            TEXTS.slice(0, 400),
            (t) => [tokenize(t, dataClass, key), memo.tokenize(t, dataClass)],
            (t) => [referenceTokenize(t, dataClass, key), referenceTokenize(t, dataClass, key)],
          ),
        ).toEqual([]);
    }
  });
});

describe('maskResult returns what it returned before', () => {
  const postgres = (fields: Record<string, unknown>): Connection =>
    connectionSchema.parse({
      name: 'differential',
      kind: 'postgres',
      allowGroups: ['agents'],
      target: { url: 'postgres://u@127.0.0.1/db' },
      ...fields,
    });
  const direct = (table: string, column: string): OutputLineage => ({
    name: column,
    sources: [{ schema: 'public', table, column }],
    resolved: true,
    wholeRows: [],
    direct: true,
  });
  const both = (
    connection: Connection,
    result: ResultSet,
    lineage: OutputLineage[] | undefined,
    mayUnmask: (c: string) => boolean = () => false,
  ) => {
    if (connection.kind !== 'postgres') throw new Error('a postgres connection');
    const input = {
      connection,
      result,
      lineage,
      classification: resolveClassification(connection, assumedResolution()),
      reads: { sensitive: lineage !== undefined, statistics: false },
      mayUnmask,
      tokenKey: 'differential-key',
    };
    return [maskResult(input), referenceMaskResult(input)] as const;
  };

  it.each([
    ['every detector, nothing classified', false],
    ['four columns masked by lineage', true],
  ])('the bench’s digit-heavy rows: %s', (_, classified) => {
    const result = syntheticResult(3000);
    const classification: Record<string, string> = classified
      ? {
          'people.full_name': 'PERSON',
          'people.email': 'EMAIL_ADDRESS',
          'people.phone': 'PHONE_NUMBER',
          'people.card_number': 'CREDIT_CARD',
        }
      : {};
    const [actual, expected] = both(
      postgres({ classification }),
      result,
      classified ? result.columns.map((c) => direct('people', c.name)) : undefined,
    );
    expect(actual.report).toEqual(expected.report);
    expect(actual.result).toEqual(expected.result);
  });

  it.each([
    ['all detectors', {}],
    ['phones and SSNs switched off', { detectorsOff: ['PHONE_NUMBER', 'US_SSN'] }],
  ])('generated texts in a FREE_TEXT column, plain text, numbers and JSON: %s', (_, extra) => {
    const texts = TEXTS.slice(0, 4000);
    const result: ResultSet = {
      columns: ['notes', 'other', 'n', 'j'].map((name) => ({ name, type: 'text' })),
      rows: texts.map((t, i) => [
        t,
        texts[(i * 7) % texts.length]!,
        i % 5 === 0 ? 4111111111111111 : i,
        i % 3 === 0 ? { note: t, password: t.slice(1) } : [t],
      ]),
      rowCount: texts.length,
      truncated: false,
    };
    const [actual, expected] = both(
      postgres({ classification: { 'people.notes': 'FREE_TEXT' }, ...extra }),
      result,
      [
        direct('people', 'notes'),
        { ...direct('people', 'other'), sources: [] },
        direct('x', 'n'),
        direct('x', 'j'),
      ],
      (c) => c === 'US_SSN',
    );
    expect(actual.report).toEqual(expected.report);
    expect(actual.result).toEqual(expected.result);
  });

  it('a column that repeats few values, and one of distinct values past the memos’ trial', () => {
    const random = prng(7);
    const rows = Array.from({ length: 2000 }, (_, i) => [
      ['call 415-555-0199', 'shipped', 'maria@example.com'][i % 3]!,
      `card 4111 1111 1111 ${String(1000 + i).slice(-4)} and ${digitText(random)}`,
    ]);
    const result: ResultSet = {
      columns: [
        { name: 'a', type: 'text' },
        { name: 'b', type: 'text' },
      ],
      rows,
      rowCount: rows.length,
      truncated: false,
    };
    const classification = { 'people.b': 'CREDIT_CARD' };
    for (const lineage of [undefined, [direct('people', 'a'), direct('people', 'b')]]) {
      const [actual, expected] = both(postgres({ classification }), result, lineage);
      expect(actual).toEqual(expected);
    }
  });
});
