// Masking follows the server's name resolution: data in a schema reached through search_path,
// classification written schema.table.column, quoted and differently cased names, views over
// classified tables (PostgreSQL 15), and db.table qualification (MariaDB). Regression tests for
// the bypass where every unqualified table was assumed to be in `public`.

import { MysqlExecutor } from '../../lambdas/adapters/targets/mysql-executor.js';
import { PostgresExecutor } from '../../lambdas/adapters/targets/postgres-executor.js';
import type { SqlConnection } from '../../lambdas/core/config/connection.js';
import { serve } from '../../lambdas/core/pipeline/serve.js';
import { mysqlAnalyzer } from '../../lambdas/core/sql/analyze-mysql.js';
import { postgresAnalyzer } from '../../lambdas/core/sql/analyze-postgres.js';
import { parseSqlBody } from '../../lambdas/handlers/http/sql-body.js';
import { pipelineOver } from '../support/core-fixtures.js';
import * as mariadb from '../support/mysql.js';
import * as postgres from '../support/postgres.js';

const EMAIL = 'grace.hopper@example.com';
/** The e-mail as the test's functions disguise it (translate(email, '@.', '__')). */
const DISGUISED = 'grace_hopper_example_com';
const SSN = '078-05-1120';

const base = {
  environment: 'development',
  tags: [],
  masking: {},
  allowGroups: ['agents'],
  limits: { rowLimit: 100, statementTimeoutMs: 5000, maxResultBytes: 1_000_000 },
};

const pipelineFor = (
  connections: SqlConnection[],
  executors: { postgres?: PostgresExecutor; mysql?: MysqlExecutor },
) => {
  const deps = pipelineOver({ connections, executors });
  let n = 0;
  return async (connectionName: string, sql: string, params?: unknown[]) =>
    serve(deps, {
      requestId: `req-${++n}`,
      token: 'token.alice.agents',
      connectionName,
      sessionId: undefined,
      request: parseSqlBody(JSON.stringify(params ? { sql, params } : { sql })),
    });
};

describe('masking resolves names as PostgreSQL does', () => {
  let db: postgres.ThrowawayDatabase;
  let executor: PostgresExecutor;
  let ask: ReturnType<typeof pipelineFor>;

  beforeAll(async () => {
    await postgresAnalyzer.load();
    db = await postgres.createThrowawayDatabase(`
      CREATE SCHEMA crm;
      CREATE TABLE crm.customers (id int PRIMARY KEY, email text, ssn text, status text);
      INSERT INTO crm.customers VALUES (1, '${EMAIL}', '${SSN}', 'active');
      CREATE VIEW public.customer_view AS SELECT * FROM crm.customers;
      CREATE VIEW public.customer_view_2 AS SELECT email AS contact FROM public.customer_view;
      -- A copy in another schema, an inheritance child, a partitioned table and its partition.
      CREATE SCHEMA archive;
      CREATE TABLE archive.customers (LIKE crm.customers);
      INSERT INTO archive.customers SELECT * FROM crm.customers;
      CREATE TABLE crm.customers_child () INHERITS (crm.customers);
      INSERT INTO crm.customers_child VALUES (2, '${EMAIL}', '${SSN}', 'child');
      CREATE TABLE crm.pcustomers (id int, email text, ssn text, status text) PARTITION BY RANGE (id);
      CREATE TABLE crm.pcustomers_1 PARTITION OF crm.pcustomers FOR VALUES FROM (0) TO (100);
      INSERT INTO crm.pcustomers VALUES (1, '${EMAIL}', '${SSN}', 'part');
      CREATE VIEW public.partition_view AS SELECT * FROM crm.pcustomers_1;
      -- Functions that read the classified table, whatever their arguments.
      CREATE FUNCTION public.all_customers() RETURNS SETOF crm.customers LANGUAGE sql STABLE
        AS 'SELECT * FROM crm.customers';
      CREATE FUNCTION public.email_of(int) RETURNS text LANGUAGE sql STABLE
        AS 'SELECT email FROM crm.customers WHERE id = $1';
      -- These return the e-mail disguised (no detector recognises it): only masking by what the
      -- statement calls can catch them.
      CREATE FUNCTION public.disguised_of(int) RETURNS text LANGUAGE sql STABLE
        AS $f$SELECT translate(email, '@.', '__') FROM crm.customers WHERE id = $1$f$;
      CREATE FUNCTION public."Disguised_Of"(int) RETURNS text LANGUAGE sql STABLE
        AS $f$SELECT translate(email, '@.', '__') FROM crm.customers WHERE id = $1$f$;
      CREATE FUNCTION public.disguised_op(int, int) RETURNS text LANGUAGE sql STABLE
        AS $f$SELECT translate(email, '@.', '__') FROM crm.customers WHERE id = $1$f$;
      CREATE OPERATOR public.### (FUNCTION = public.disguised_op, LEFTARG = int, RIGHTARG = int);
      CREATE VIEW public.calls_view AS SELECT id, public.disguised_of(id) AS who FROM crm.customers;
      CREATE FUNCTION crm.on_path(int) RETURNS text LANGUAGE sql STABLE
        AS $f$SELECT translate(email, '@.', '__') FROM crm.customers WHERE id = $1$f$;
      CREATE TYPE public.custref AS (id int);
      CREATE FUNCTION public.custref_to_text(public.custref) RETURNS text LANGUAGE sql STABLE
        AS $f$SELECT translate(email, '@.', '__') FROM crm.customers WHERE id = ($1).id$f$;
      CREATE CAST (public.custref AS text) WITH FUNCTION public.custref_to_text(public.custref);
    `);
    await postgres.queryAsAdmin(
      db,
      `GRANT USAGE ON SCHEMA crm TO ${new URL(db.readerUrl).username};
       GRANT SELECT ON ALL TABLES IN SCHEMA crm TO ${new URL(db.readerUrl).username};
       GRANT USAGE ON SCHEMA archive TO ${new URL(db.readerUrl).username};
       GRANT SELECT ON ALL TABLES IN SCHEMA archive TO ${new URL(db.readerUrl).username};`,
    );
    executor = new PostgresExecutor({ resolve: async () => ({ connectionString: db.readerUrl }) });
    const classified = { email: 'EMAIL_ADDRESS', ssn: 'US_SSN' };
    ask = pipelineFor(
      [
        {
          ...base,
          name: 'through-path',
          kind: 'postgres',
          target: { url: db.readerUrl },
          searchPath: ['crm', 'public'],
          classification: {
            'customers.email': classified.email,
            'customers.ssn': classified.ssn,
            'pcustomers.email': classified.email,
            'pcustomers.ssn': classified.ssn,
          },
        },
        {
          ...base,
          name: 'qualified-keys',
          kind: 'postgres',
          target: { url: db.readerUrl },
          classification: { 'crm.customers.email': classified.email, 'crm.customers.ssn': classified.ssn },
        },
      ],
      { postgres: executor },
    );
  }, 60_000);

  afterAll(async () => {
    await executor?.close();
    await db?.drop();
  });

  const leaks = (answer: unknown) => {
    const text = JSON.stringify(answer);
    return [EMAIL, SSN, DISGUISED].filter((v) => text.includes(v));
  };

  it.each([
    ['through-path', 'SELECT email, ssn FROM customers'],
    ['through-path', 'SELECT email, ssn FROM crm.customers'],
    ['through-path', 'SELECT email, ssn FROM "crm"."customers"'],
    ['through-path', 'SELECT EMAIL, SSN FROM CRM.CUSTOMERS'],
    ['through-path', 'SELECT c.email, c.ssn FROM customers AS "C" JOIN customers c ON true'],
    ['through-path', 'WITH "Cust" AS (SELECT email, ssn FROM customers) SELECT * FROM "Cust"'],
    ['through-path', 'SELECT * FROM customer_view'],
    ['through-path', 'SELECT contact FROM public.customer_view_2'],
    ['through-path', 'SELECT email, ssn FROM archive.customers'],
    ['through-path', 'SELECT email, ssn FROM customers_child'],
    [
      'through-path',
      'SELECT replace(ssn, $$-$$, $$$$), split_part(email, $$@$$, 1) FROM crm.customers_child',
    ],
    ['through-path', 'SELECT * FROM pcustomers_1'],
    ['through-path', 'SELECT * FROM partition_view'],
    ['through-path', 'SELECT * FROM all_customers()'],
    ['through-path', 'SELECT email_of(1)'],
    ['through-path', 'SELECT public.email_of(1) AS e'],
    ['through-path', 'SELECT disguised_of(1)'],
    ['through-path', 'SELECT "Disguised_Of"(1)'],
    ['through-path', 'SELECT (id).disguised_of FROM crm.customers'],
    ['through-path', 'SELECT 1 ### 0'],
    ['through-path', 'SELECT 1 OPERATOR(public.###) 0'],
    ['through-path', 'SELECT on_path(1)'],
    ['through-path', 'SELECT CRM.ON_PATH(1)'],
    ['through-path', 'SELECT x FROM (SELECT disguised_of(1) AS x) AS sub'],
    ['through-path', 'WITH w AS (SELECT disguised_of(1) AS x) SELECT x FROM w'],
    ['through-path', 'SELECT * FROM calls_view'],
    ['through-path', 'SELECT CAST(ROW(1)::custref AS text)'],
    ['qualified-keys', 'SELECT email, ssn FROM crm.customers'],
    ['qualified-keys', 'SELECT email, ssn FROM crm.customers_child'],
    ['qualified-keys', 'SELECT * FROM crm.customers'],
    ['qualified-keys', 'SELECT * FROM customer_view'],
  ])('on %s, %s returns no raw classified value', async (connection, sql) => {
    const answer: unknown = await ask(connection, sql).catch((error: unknown) => error);
    if (answer instanceof Error) {
      // User code in a read is refused (unreviewed-functions); a user function in FROM also decides
      // the rows with values lineage cannot follow (masked-class-oracles).
      expect(answer).toMatchObject({ code: 'blocked' });
      expect(['unreviewed-functions', 'masked-class-oracles']).toContain(
        (answer as { details?: { rule?: string } }).details?.rule,
      );
    } else expect(answer).toMatchObject({ status: 'completed' });
    expect(leaks(answer)).toEqual([]);
  });

  it('keeps plain analytics readable: built-in casts, operators and aggregates are not user code', async () => {
    const answer = await ask(
      'through-path',
      'SELECT status, count(*)::int AS n, max(id)::text AS top FROM customers WHERE id > 0 GROUP BY status ORDER BY status',
    );
    expect(answer).toMatchObject({
      rows: [
        ['active', 1, '1'],
        ['child', 1, '2'],
      ],
      masking: { maskedColumns: [] },
    });
  });

  it('keeps unclassified columns of the same table readable', async () => {
    const answer = await ask('through-path', 'SELECT id, status FROM customers WHERE id = 1');
    expect(answer).toMatchObject({ rows: [[1, 'active']], masking: { maskedColumns: [] } });
  });

  it.each([
    'SELECT current_setting(email) FROM customers',
    'SELECT quote_ident(ssn)::regclass FROM customers',
    'SELECT pg_has_role(email, $$member$$) FROM customers',
    'SELECT ($$$ $$ || ssn)::jsonpath FROM customers',
    'SELECT ssn::int FROM customers',
    // Unquoted values (class 42 and 0A), quotes inside the value, a dictionary in a comment.
    'SELECT ssn::regoper FROM customers',
    "SELECT (string_agg(replace(email, '.', '~') || '/' || ssn, '|'))::regoper FROM customers",
    "SELECT ('a.b.c.' || ssn)::regclass FROM customers",
    "SELECT ('x.y.' || replace(email, '.', '_'))::regtype FROM customers",
    `SELECT current_setting('x" ' || email || ' "y') FROM customers`,
    "SELECT ('q' || substr(replace(ssn, '-', ''), 1, 3))::regclass FROM customers /* q078 q906 q123 */",
  ])('refuses a computation over a masked class whose error would carry a value: %s', async (sql) => {
    // Refused before it runs (its error, NULLs or branches answer questions about the value); the
    // text of a target's error would be withheld too (below).
    const refusal = await ask('through-path', sql).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toMatchObject({ code: 'blocked', details: { rule: 'masked-class-oracles' } });
    expect(leaks(refusal)).toEqual([]);
  });

  it.each([
    'SELECT id FROM customers WHERE ssn::int = 5',
    'SELECT id FROM customers WHERE email::int8 = $$1$$',
  ])('withholds error text that carries a value: %s', async (sql) => {
    const refusal = await ask('through-path', sql).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toMatchObject({ code: 'statement_rejected' });
    expect(leaks(refusal)).toEqual([]);
    expect(leaks((refusal as Error).message)).toEqual([]);
    expect((refusal as Error).message).toContain('withheld');
  });

  it('still shows error text that quotes only the request', async () => {
    await expect(ask('through-path', 'SELECT id FROM custmers')).rejects.toMatchObject({
      code: 'statement_rejected',
      message: expect.stringContaining('relation "custmers" does not exist'),
    });
  });

  it('pins search_path in the transaction: the server and the masking agree on which table ran', async () => {
    const answer = await ask('through-path', 'SELECT current_setting($$search_path$$) AS path');
    expect(answer).toMatchObject({ rows: [[expect.stringMatching(/^crm, public\b/)]] });
  });
});

describe('masking resolves names as MariaDB does', () => {
  let db: mariadb.ThrowawayDatabase;
  let executor: MysqlExecutor;
  let ask: ReturnType<typeof pipelineFor>;

  beforeAll(async () => {
    await mysqlAnalyzer.load();
    db = await mariadb.createThrowawayDatabase(`
      CREATE TABLE customers (id int PRIMARY KEY, email text, ssn text, status text);
      INSERT INTO customers VALUES (1, '${EMAIL}', '${SSN}', 'active');
      CREATE VIEW customer_view AS SELECT * FROM customers;
    `);
    executor = new MysqlExecutor({ resolve: async () => ({ uri: db.readerUrl }) });
    ask = pipelineFor(
      [
        {
          ...base,
          name: 'maria',
          kind: 'mysql',
          target: { url: db.readerUrl },
          classification: { 'customers.email': 'EMAIL_ADDRESS', 'customers.ssn': 'US_SSN' },
        },
      ],
      { mysql: executor },
    );
  }, 60_000);

  afterAll(async () => {
    await executor?.close();
    await db?.drop();
  });

  it.each([
    'SELECT email, ssn FROM customers',
    'SELECT email, ssn FROM DB.customers',
    'SELECT email, ssn FROM `DB`.`customers`',
    'SELECT * FROM customer_view',
    'SELECT * FROM DB.customer_view',
  ])('%s returns no raw classified value', async (sql) => {
    const answer = await ask('maria', sql.replaceAll('DB', db.database));
    expect(answer.status).toBe('completed');
    const text = JSON.stringify(answer);
    expect([EMAIL, SSN].filter((v) => text.includes(v))).toEqual([]);
  });

  it('refuses params that do not match the placeholders (MariaDB would silently ignore the extra ones)', async () => {
    await expect(ask('maria', 'SELECT id FROM customers WHERE id = ?', [1, 2])).rejects.toMatchObject({
      code: 'bad_request',
      message: 'The statement has 1 placeholder(s) but 2 param(s) were sent.',
    });
    await expect(ask('maria', 'SELECT id FROM customers WHERE id = ?', [1])).resolves.toMatchObject({
      status: 'completed',
      rowCount: 1,
    });
  });
});
