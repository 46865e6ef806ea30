// maskResult remembers work within one result (scrubbed strings per column, tokens, the HMAC key
// state): what it answers must be exactly what masking every cell afresh answers.
import { createHmac } from 'node:crypto';
import type { SqlConnection } from '../../../../lambdas/core/config/connection.js';
import type { OutputLineage } from '../../../../lambdas/core/masking/lineage.js';
import { maskResult } from '../../../../lambdas/core/masking/mask-result.js';
import {
  assumedResolution,
  resolveClassification,
} from '../../../../lambdas/core/masking/resolved-classification.js';
import { scrubText } from '../../../../lambdas/core/masking/scrub.js';
import { normalizeForToken, TokenMemo, tokenize } from '../../../../lambdas/core/masking/strategies.js';
import type { ResultSet } from '../../../../lambdas/core/ports.js';

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

const result = (names: string[], rows: unknown[][]): ResultSet => ({
  columns: names.map((name) => ({ name, type: 'text' })),
  rows,
  rowCount: rows.length,
  truncated: false,
});

const mask = (res: ResultSet, lineage?: OutputLineage[]) =>
  maskResult({
    connection,
    result: res,
    lineage,
    classification: resolveClassification(connection, assumedResolution()),
    reads: { sensitive: false, statistics: false },
    mayUnmask: () => false,
    tokenKey: 'k',
  });

/** node's HMAC-SHA256, the reference the plain TypeScript one must equal. */
const reference = (value: string, dataClass: string, key: string | Uint8Array): string =>
  `tok_${dataClass.toLowerCase()}_${createHmac('sha256', key)
    .update(`${dataClass}\0${normalizeForToken(value, dataClass)}`, 'utf8')
    .digest('hex')
    .slice(0, 16)}`;

describe('tokens', () => {
  const keys: (string | Uint8Array)[] = [
    'k',
    'bench-masking-token-key-0123456789abcdef',
    'x'.repeat(64),
    'a key longer than one block is hashed first, as RFC 2104 says it must be',
    'clé ünïcode 🔑',
    Uint8Array.from({ length: 32 }, (_, i) => (i * 37) & 255),
  ];
  const values = [
    'maria@example.com',
    'María.López@Example.COM',
    'x'.repeat(40),
    'y'.repeat(200),
    '用户@例子.广告',
    'emoji 😀 and a lone surrogate \ud83d',
    '',
  ];

  it.each(keys.map((key) => [key]))('equal node:crypto HMAC-SHA256 under key %p', (key) => {
    const memo = new TokenMemo(key);
    for (const value of values)
      for (const dataClass of ['EMAIL_ADDRESS', 'PERSON', 'SECRET']) {
        expect(tokenize(value, dataClass, key)).toBe(reference(value, dataClass, key));
        expect(memo.tokenize(value, dataClass)).toBe(reference(value, dataClass, key));
      }
  });

  it('cover every input length around the SHA-256 block boundaries', () => {
    const memo = new TokenMemo('k');
    for (let n = 0; n < 200; n++) {
      const value = 'a'.repeat(n);
      expect(memo.tokenize(value, 'SECRET')).toBe(reference(value, 'SECRET', 'k'));
    }
  });
});

describe('remembered scrubbing', () => {
  it('masks and counts a value repeated on many rows as often as it occurs', () => {
    const rows = Array.from({ length: 5 }, () => ['call (415) 555-0199 or maria@example.com', 'shipped']);
    const { result: masked, report } = mask(result(['notes', 'status'], rows));
    const once = scrubText(rows[0]![0] as string, {
      strategyFor: (c) =>
        c === 'EMAIL_ADDRESS'
          ? { kind: 'tokenize' }
          : c === 'PHONE_NUMBER'
            ? { kind: 'partial', keep: 2 }
            : { kind: 'redact' },
      tokenKey: 'k',
    });
    expect(masked.rows).toEqual(rows.map(() => [once.text, 'shipped']));
    expect(report.detected).toEqual({ PHONE_NUMBER: 5, EMAIL_ADDRESS: 5 });
  });

  it('masks every value of a column with more distinct values than it remembers', () => {
    const rows = Array.from({ length: 6000 }, (_, i) => [`user${i}@example.com`]);
    const { result: masked, report } = mask(result(['contact'], rows));
    expect(report.detected).toEqual({ EMAIL_ADDRESS: 6000 });
    expect(masked.rows.every(([v]) => typeof v === 'string' && v.startsWith('tok_email_address_'))).toBe(
      true,
    );
    expect(new Set(masked.rows.map(([v]) => v)).size).toBe(6000);
  });

  it('keeps columns apart: the same text in two columns is masked in both', () => {
    const rows = [['maria@example.com', 'maria@example.com']];
    const { result: masked, report } = mask(result(['a', 'b'], rows));
    expect(masked.rows[0]![0]).toBe(masked.rows[0]![1]);
    expect(masked.rows[0]![0]).toMatch(/^tok_email_address_/);
    expect(report.detected).toEqual({ EMAIL_ADDRESS: 2 });
  });

  it('masks a lineage column value by value, repeated values alike', () => {
    const lineage: OutputLineage[] = [
      {
        name: 'email',
        sources: [{ schema: 'public', table: 'customers', column: 'email' }],
        resolved: true,
        wholeRows: [],
        direct: true,
      },
    ];
    const rows = [['maria@example.com'], ['x'], ['maria@example.com'], [null]];
    const { result: masked } = mask(result(['email'], rows), lineage);
    const token = reference('maria@example.com', 'EMAIL_ADDRESS', 'k');
    expect(masked.rows).toEqual([[token], ['[EMAIL_ADDRESS]'], [token], [null]]);
  });
});
