import type { SqlConnection } from '../../../../lambdas/core/config/connection.js';
import type { OutputLineage } from '../../../../lambdas/core/masking/lineage.js';
import { maskResult, safeStrategy } from '../../../../lambdas/core/masking/mask-result.js';
import {
  assumedResolution,
  resolveClassification,
} from '../../../../lambdas/core/masking/resolved-classification.js';
import type { ResultSet } from '../../../../lambdas/core/ports.js';

const connection: SqlConnection = {
  name: 'demo',
  kind: 'postgres',
  environment: 'test',
  tags: [],
  allowGroups: ['agents'],
  target: { demo: true },
  classification: {
    'customers.email': 'EMAIL_ADDRESS',
    'customers.card_number': 'CREDIT_CARD',
    'customers.notes': 'FREE_TEXT',
  },
  masking: {},
  limits: { rowLimit: 10, statementTimeoutMs: 1000, maxResultBytes: 1_000_000 },
};

const column = (table: string, name: string): OutputLineage => ({
  name,
  sources: [{ schema: 'public', table, column: name }],
  resolved: true,
  wholeRows: [],
  direct: true,
});

const result = (names: string[], rows: unknown[][]): ResultSet => ({
  columns: names.map((name) => ({ name, type: 'text' })),
  rows,
  rowCount: rows.length,
  truncated: false,
});

const mask = (r: ResultSet, lineage: OutputLineage[] | undefined, unmaskable: string[] = []) =>
  maskResult({
    connection,
    result: r,
    lineage,
    classification: resolveClassification(connection, assumedResolution()),
    reads: { sensitive: true, statistics: false },
    mayUnmask: (c) => unmaskable.includes(c),
    tokenKey: 'k',
  });

describe('maskResult', () => {
  it('masks columns derived from classified sources by their class’s strategy', () => {
    const { result: out, report } = mask(
      result(['id', 'email', 'card_number'], [['7', 'maria@example.com', '4111 1111 1111 1111']]),
      [column('customers', 'id'), column('customers', 'email'), column('customers', 'card_number')],
    );
    expect(out.rows[0]![0]).toBe('7');
    expect(out.rows[0]![1]).toMatch(/^tok_email_address_[0-9a-f]{16}$/);
    expect(out.rows[0]![2]).toBe('**** **** **** 1111');
    expect(report.maskedColumns.map((m) => [m.column, m.reason])).toEqual([
      ['email', 'lineage'],
      ['card_number', 'lineage'],
    ]);
  });

  it('keeps NULL only in a column copied unchanged: a computed output’s NULLs answer its conditions', () => {
    const computed: OutputLineage = { ...column('customers', 'email'), name: 'guess', direct: false };
    const { result: out } = mask(
      result(
        ['email', 'guess'],
        [
          [null, null],
          ['maria@example.com', 'x'],
        ],
      ),
      [column('customers', 'email'), computed],
    );
    expect(out.rows[0]).toEqual([null, '[EMAIL_ADDRESS]']);
    expect(out.rows[1]![1]).toBe('[EMAIL_ADDRESS]');
  });

  it('finds people’s names and places in a FREE_TEXT column copied unchanged, and redacts them', () => {
    const note = 'Spoke with Dr. Maria Lopez; ship to 12 Cedar Street, Denver, CO 80205.';
    const { result: out, report } = mask(result(['notes', 'remark'], [[note, note]]), [
      column('customers', 'notes'),
      column('customers', 'remark'),
    ]);
    expect(out.rows[0]![0]).toBe('Spoke with Dr. [PERSON]; ship to [LOCATION].');
    // An unclassified column gets the value detectors only.
    expect(out.rows[0]![1]).toBe(note);
    expect(report.detected).toMatchObject({ PERSON: 1, LOCATION: 1 });
  });

  it('leaves names in free text raw for a principal who may see FREE_TEXT raw', () => {
    const note = 'Spoke with Dr. Maria Lopez.';
    const { result: out } = mask(result(['notes'], [[note]]), [column('customers', 'notes')], ['FREE_TEXT']);
    expect(out.rows[0]![0]).toBe(note);
  });

  it('runs no detector a connection switched off (detectorsOff), and every other one', () => {
    const note = 'ref 2345 6789 0123, call +44 20 7946 0958';
    const quiet = { ...connection, detectorsOff: ['IN_AADHAAR'] };
    const run = (c: SqlConnection) =>
      maskResult({
        connection: c,
        result: result(['notes'], [[note]]),
        lineage: [column('customers', 'notes')],
        classification: resolveClassification(c, assumedResolution()),
        reads: { sensitive: true, statistics: false },
        mayUnmask: () => false,
        tokenKey: 'k',
      }).result.rows[0]![0];
    expect(run(connection)).not.toContain('2345 6789 0123');
    expect(run(quiet)).toContain('2345 6789 0123');
    expect(run(quiet)).not.toContain('7946 0958');
  });

  it('masks whole every column of unknown lineage when the statement reads a classified table', () => {
    const { result: out, report } = mask(result(['x'], [['anything'], [null]]), undefined);
    // NULLs too: whether an output lineage cannot follow is NULL can answer a condition.
    expect(out.rows).toEqual([['[MASKED]'], ['[MASKED]']]);
    expect(report.maskedColumns).toEqual([{ column: 'x', dataClasses: [], reason: 'unresolved' }]);
  });

  it('leaves free text to the detectors and counts what they masked', () => {
    const { result: out, report } = mask(
      result(['notes'], [['call (415) 555-0199 or mail bob@example.org']]),
      [column('customers', 'notes')],
    );
    expect(out.rows[0]![0]).not.toMatch(/555-0199|bob@example\.org/);
    expect(report.detected).toEqual({ PHONE_NUMBER: 1, EMAIL_ADDRESS: 1 });
    expect(report.maskedColumns).toEqual([]);
  });

  it('shows classes the principal may unmask raw, and says so', () => {
    const { result: out, report } = mask(
      result(['email'], [['maria@example.com']]),
      [column('customers', 'email')],
      ['EMAIL_ADDRESS'],
    );
    expect(out.rows[0]![0]).toBe('maria@example.com');
    expect(report.unmasked).toEqual(['EMAIL_ADDRESS']);
  });

  it('redacts a column mixing several classes', () => {
    const mixed: OutputLineage = {
      name: 'row_to_json',
      sources: [
        { schema: 'public', table: 'customers', column: 'email' },
        { schema: 'public', table: 'customers', column: 'card_number' },
      ],
      resolved: true,
      wholeRows: [{ schema: 'public', table: 'customers' }],
      direct: false,
    };
    const { result: out } = mask(
      result(['row_to_json'], [[{ email: 'a@b.example', card_number: '4111111111111111' }]]),
      [mixed],
    );
    expect(out.rows[0]![0]).toBe('[EMAIL_ADDRESS+CREDIT_CARD]');
  });
});

it('redacts a computed value rather than tokenize it, so guesses cannot be checked', () => {
  // `$1 || substr(email, 1, 0)`: a guessed email would come back tokenized like the real one.
  const computed = { ...column('customers', 'email'), direct: false };
  const { result: out } = mask(result(['guess'], [['maria@example.com']]), [computed]);
  expect(out.rows[0]![0]).toBe('[EMAIL_ADDRESS]');
});

it('masks transformed free text whole: the detectors cannot see through reverse() or base64', () => {
  const computed = { ...column('customers', 'notes'), direct: false };
  const { result: out } = mask(result(['r'], [['moc.elpmaxe@bob']]), [computed]);
  expect(out.rows[0]![0]).toBe('[FREE_TEXT]');
});

describe('safeStrategy', () => {
  it('keeps partial masking for a value still recognisable as its class', () => {
    expect(safeStrategy('4111 1111 1111 1111', 'CREDIT_CARD', { kind: 'partial', keep: 4 })).toEqual({
      kind: 'partial',
      keep: 4,
    });
  });

  it.each([
    ['1111 1111 1111 1114', 'a reversed card number'],
    ['4', 'a one-character fragment'],
    ['NDExMTExMTExMTExMTExMQ==', 'a base64 encoding'],
  ])('redacts %s (%s): its partial or tokenized form could leak', (value) => {
    expect(safeStrategy(value, 'CREDIT_CARD', { kind: 'partial', keep: 4 })).toEqual({ kind: 'redact' });
  });
});
