// Function volatility against real servers (PostgreSQL 15, MariaDB 10.11; see test/support): the
// executors answer each name as the server resolves it (search_path, quoting, overloads,
// operators, casts, stored functions), the read allowlist judges the analysed text on that
// answer, the bundled snapshot never under-states the server's own catalogue, and no session
// state a request sets reaches the next request on the same pooled connection.
import pg from 'pg';
import { MysqlExecutor } from '../../lambdas/adapters/targets/mysql-executor.js';
import { PostgresExecutor } from '../../lambdas/adapters/targets/postgres-executor.js';
import type {
  MysqlConnection,
  PostgresConnection,
  SqlConnection,
} from '../../lambdas/core/config/connection.js';
import type { SqlAnalyzer } from '../../lambdas/core/ports.js';
import { mysqlAnalyzer } from '../../lambdas/core/sql/analyze-mysql.js';
import { postgresAnalyzer } from '../../lambdas/core/sql/analyze-postgres.js';
import { snapshotVolatility, unreviewedFunctions } from '../../lambdas/core/sql/function-allowlist.js';
import { RelationResolver } from '../../lambdas/core/sql/relation-resolver.js';
import type { SqlExecutor, SqlRunRequest, Volatility } from '../../lambdas/core/sql/sql-executor.js';
import * as mysqlSupport from '../support/mysql.js';
import * as postgresSupport from '../support/postgres.js';

const limits = { rowLimit: 3, statementTimeoutMs: 5000, maxResultBytes: 1_000_000 };

const request = (sql: string, mode: 'read' | 'write' = 'read'): SqlRunRequest => ({
  mode,
  statements: [sql],
  params: [],
  rowLimit: 3,
  timeoutMs: 5000,
  maxResultBytes: 1_000_000,
});

/** What a read of `sql` may not call on this connection, judged end to end. */
const judge = async (
  analyzer: SqlAnalyzer,
  executor: SqlExecutor,
  connection: SqlConnection,
  sql: string,
) => {
  const analysed = analyzer.analyze(sql);
  if (!analysed.parseOk) throw new Error(analysed.error);
  const statement = analysed.statements[0]!;
  const resolver = new RelationResolver({ now: () => new Date() });
  const answer = await resolver.functionVolatility(connection, executor, statement.codeCandidates);
  expect(answer.source).toBe('catalogue');
  return unreviewedFunctions({
    dialect: analysed.dialect,
    calls: statement.functions,
    candidates: statement.codeCandidates,
    answer,
  }).map((r) => `${r.name}:${r.why}`);
};

const PG_SETUP = `
  CREATE SCHEMA app;
  CREATE SCHEMA shadow;
  CREATE TABLE app.customers (id int, email text, random int);
  -- User code declares what it likes: each counts as volatile.
  CREATE FUNCTION app.add_one(i int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT i + 1';
  CREATE FUNCTION app."Mixed"() RETURNS int STABLE LANGUAGE sql AS 'SELECT 1';
  -- An overload of a built-in name on the path, with another volatility.
  CREATE FUNCTION app.lower(i int) RETURNS int VOLATILE LANGUAGE sql AS 'SELECT i';
  -- A built-in name shadowed in a schema off the path.
  CREATE FUNCTION shadow.now() RETURNS timestamptz VOLATILE LANGUAGE sql AS 'SELECT clock_timestamp()';
  CREATE FUNCTION shadow.random() RETURNS float8 VOLATILE LANGUAGE sql AS 'SELECT 4';
  -- Operators: one on a volatile user function, one on a built-in immutable function.
  CREATE FUNCTION app.vol_eq(a int, b int) RETURNS bool VOLATILE LANGUAGE sql AS 'SELECT a = b';
  CREATE OPERATOR app.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = app.vol_eq);
  CREATE OPERATOR app.#=# (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq);
  CREATE OPERATOR shadow.+ (LEFTARG = int, RIGHTARG = int, FUNCTION = app.vol_eq);
  -- Types: an enum (built-in input function), a domain whose check runs user code, a type with a
  -- cast through a volatile user function.
  CREATE TYPE app.mood AS ENUM ('calm');
  CREATE DOMAIN app.checked AS int CHECK (app.add_one(VALUE) > 0);
  CREATE DOMAIN app.rechecked AS app.checked;
  CREATE TYPE app.wrapped AS (v int);
  CREATE FUNCTION app.to_wrapped(i int) RETURNS app.wrapped VOLATILE LANGUAGE sql AS 'SELECT ROW(i)::app.wrapped';
  CREATE CAST (int AS app.wrapped) WITH FUNCTION app.to_wrapped(int);
  -- A cast from the user type into a built-in one, through a volatile user function.
  CREATE FUNCTION app.wrapped_text(w app.wrapped) RETURNS text VOLATILE LANGUAGE sql AS 'SELECT w.v::text';
  CREATE CAST (app.wrapped AS text) WITH FUNCTION app.wrapped_text(app.wrapped);
  GRANT USAGE ON SCHEMA app, shadow TO PUBLIC;
  GRANT SELECT ON ALL TABLES IN SCHEMA app TO PUBLIC;
`;

const postgresConnection = (overrides: Partial<PostgresConnection> = {}): PostgresConnection => ({
  name: 'volatility',
  kind: 'postgres',
  environment: 'test',
  tags: [],
  classification: {},
  masking: {},
  allowGroups: ['agents'],
  target: { demo: true },
  limits,
  searchPath: ['app', 'public'],
  ...overrides,
});

describe('function volatility on a real PostgreSQL server', () => {
  let db: postgresSupport.ThrowawayDatabase;
  let executor: PostgresExecutor;
  const judged = (sql: string, connection = postgresConnection()) =>
    judge(postgresAnalyzer, executor, connection, sql);
  const volatility = async (names: string[], connection = postgresConnection()) =>
    Object.fromEntries(await executor.functionVolatility(connection, names));

  beforeAll(async () => {
    await postgresAnalyzer.load();
    db = await postgresSupport.createThrowawayDatabase(PG_SETUP);
    executor = new PostgresExecutor({ resolve: async () => ({ connectionString: db.readerUrl, max: 1 }) });
  });

  afterAll(async () => {
    await executor.close();
    await db.drop();
  });

  describe('functionVolatility', () => {
    it('answers built-ins as the catalogue declares them, unqualified and qualified', async () => {
      expect(await volatility(['now', 'pg_catalog.now', 'upper', 'random', 'pg_catalog.setseed'])).toEqual({
        now: 'stable',
        'pg_catalog.now': 'stable',
        upper: 'immutable',
        random: 'volatile',
        'pg_catalog.setseed': 'volatile',
      });
    });

    it('counts user code as volatile whatever it declares, through the search path and quoted', async () => {
      expect(await volatility(['add_one', 'app.add_one', 'Mixed', 'app.Mixed'])).toEqual({
        add_one: 'volatile',
        'app.add_one': 'volatile',
        Mixed: 'volatile',
        'app.Mixed': 'volatile',
      });
    });

    it('answers the most volatile overload of a name on the path', async () => {
      expect(await volatility(['lower', 'pg_catalog.lower'])).toEqual({
        lower: 'volatile',
        'pg_catalog.lower': 'immutable',
      });
    });

    it('does not see a shadow off the path unless the text names its schema', async () => {
      expect(await volatility(['now', 'shadow.now'])).toEqual({ now: 'stable', 'shadow.now': 'volatile' });
    });

    it('leaves out names the server has no function for, and names off a path that lacks them', async () => {
      expect(await volatility(['email', 'pg_restore_relation_stats', 'nope.now'])).toEqual({});
      expect(await volatility(['add_one'], postgresConnection({ searchPath: ['public'] }))).toEqual({});
    });

    it('answers operators by the functions behind every operator of the symbol in scope', async () => {
      expect(
        await volatility([
          'operator:=',
          'operator:===',
          'operator:#=#',
          'operator:BETWEEN',
          'operator:#?#',
          'operator:+',
          'operator:shadow.+',
        ]),
      ).toEqual({
        // Built-in comparisons carry stable selectivity estimators.
        'operator:=': 'stable',
        'operator:===': 'volatile',
        'operator:#=#': 'immutable',
        'operator:+': 'stable', // timestamptz + interval is stable
        'operator:shadow.+': 'volatile',
        'operator:BETWEEN': 'stable',
      });
    });

    it('answers a cast target by the functions the cast can run', async () => {
      expect(
        await volatility([
          'type:pg_catalog.int4',
          'type:mood',
          'type:app.mood',
          'type:checked',
          'type:rechecked',
          'type:wrapped',
          'type:text',
          'type:nope',
        ]),
      ).toEqual({
        // A cast from a user type into text counts by the cast to that user type instead.
        'type:text': 'immutable',
        'type:pg_catalog.int4': 'immutable',
        'type:mood': 'stable',
        'type:app.mood': 'stable',
        'type:checked': 'volatile',
        'type:rechecked': 'volatile',
        'type:wrapped': 'volatile',
      });
    });

    it('counts a name in the request’s own temporary schema as volatile without asking', async () => {
      expect(await volatility(['pg_temp.f', 'pg_temp_3.f'])).toEqual({
        'pg_temp.f': 'volatile',
        'pg_temp_3.f': 'volatile',
      });
    });
  });

  describe('the read allowlist, judged on the server’s answer', () => {
    it.each([
      [
        'built-ins, any spelling',
        `SELECT NOW(), "initcap"('A'), pg_catalog.upper('a'), pg_catalog.lower('a'), Count(*) FROM customers`,
      ],
      [
        'reviewed volatile built-ins',
        'SELECT random(), "random"(), RANDOM(), clock_timestamp(), gen_random_uuid()',
      ],
      [
        'a column named like a function, through a field selection',
        'SELECT c.email, c.random FROM customers c',
      ],
      [
        'operators and BETWEEN',
        "SELECT 1 FROM customers WHERE id BETWEEN 1 AND 2 AND email LIKE '%a' AND 1 #=# 1",
      ],
      ['casts to built-in and enum types', "SELECT '1'::int, 'calm'::mood, now()::date"],
    ])('allows %s', async (_, sql) => {
      expect(await judged(sql)).toEqual([]);
    });

    it.each([
      ['setseed', 'SELECT setseed(0.5)', ['setseed:volatile']],
      ['setseed qualified and upper-case', 'SELECT PG_CATALOG.SETSEED(0.5)', ['pg_catalog.setseed:volatile']],
      ['setseed in functional notation', 'SELECT (0.5).setseed', ['setseed:volatile']],
      ['setseed in a subquery', 'SELECT * FROM (SELECT setseed(0.5)) s', ['setseed:volatile']],
      ['a statistics reset', 'SELECT pg_stat_reset()', ['pg_stat_reset:volatile']],
      [
        'a function this server lacks (PostgreSQL 18)',
        "SELECT pg_clear_relation_stats('customers')",
        ['pg_clear_relation_stats:unknown'],
      ],
      ['a user function declared immutable', 'SELECT add_one(1)', ['add_one:user-defined']],
      ['a quoted mixed-case user function', 'SELECT "Mixed"()', ['Mixed:user-defined']],
      ['a user overload of a built-in name', 'SELECT lower(1)', ['lower:user-defined']],
      ['a reviewed name in a shadow schema', 'SELECT shadow.random()', ['shadow.random:user-defined']],
      ['an operator on a volatile user function', 'SELECT 1 === 1', ['operator:===:user-defined']],
      ['a cast to a domain whose check runs user code', 'SELECT 1::checked', ['type:checked:user-defined']],
      ['a cast through a volatile user function', 'SELECT 1::wrapped', ['type:wrapped:user-defined']],
    ])('refuses %s', async (_, sql, refused) => {
      expect(await judged(sql)).toEqual(refused);
    });
  });

  describe('the bundled snapshot', () => {
    it('never states a built-in of this server less volatile than its catalogue does', async () => {
      const rows = await postgresSupport.queryAsAdmin(
        db,
        `SELECT p.proname::text AS name, max(CASE provolatile WHEN 'i' THEN 0 WHEN 's' THEN 1 ELSE 2 END)::int AS v
           FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.oid < 16384 GROUP BY 1`,
      );
      const rank: Record<Volatility, number> = { immutable: 0, stable: 1, volatile: 2 };
      const known = snapshotVolatility(
        'postgres',
        rows.map((r: { name: string }) => r.name),
      );
      const understated = rows.filter(
        (r: { name: string; v: number }) =>
          rank[known.get(r.name) ?? 'immutable'] < r.v || !known.has(r.name),
      );
      expect([rows.length > 2000, understated]).toEqual([true, []]);
    });
  });

  describe('session state', () => {
    it('reseeds the random generator, so a seed a request sets cannot predict the next request’s random()', async () => {
      // Prepare: what random() would answer next on a session seeded with 0.25.
      const seeded = new pg.Client({ connectionString: db.adminUrl });
      await seeded.connect();
      await seeded.query('SELECT setseed(0.25)');
      const predicted = (await seeded.query('SELECT random() AS r')).rows[0].r as number;
      await seeded.end();
      // Act: one request seeds the pooled session, the next draws on it.
      await executor.run(postgresConnection(), request('SELECT setseed(0.25)'));
      const drawn = await executor.run(postgresConnection(), request('SELECT random()'));
      // Assess
      expect(drawn.rows[0]![0]).not.toBe(predicted);
    });

    it('resets a session setting and a temporary table one request leaves behind', async () => {
      await executor.run(postgresConnection(), request("SELECT set_config('work_mem', '7MB', false)"));
      await executor.run(postgresConnection(), request('CREATE TEMP TABLE scratch (a int)', 'write'));
      const after = await executor.run(
        postgresConnection(),
        request("SELECT current_setting('work_mem') = '7MB', to_regclass('pg_temp.scratch') IS NULL"),
      );
      expect(after.rows).toEqual([[false, true]]);
    });
  });
});

const MYSQL_SETUP = `
  CREATE TABLE customers (id int, email varchar(50));
  CREATE FUNCTION add_one(i int) RETURNS int DETERMINISTIC RETURN i + 1;
  CREATE FUNCTION Mixed_Case() RETURNS int DETERMINISTIC RETURN 1;
  -- A stored function spelt like a built-in, and like a MySQL-only built-in MariaDB lacks.
  CREATE FUNCTION concat(a int) RETURNS int DETERMINISTIC RETURN a;
  CREATE FUNCTION regexp_like(a int) RETURNS int DETERMINISTIC RETURN a;
`;

const mysqlConnection = (): MysqlConnection => ({
  name: 'volatility',
  kind: 'mysql',
  environment: 'test',
  tags: [],
  classification: {},
  masking: {},
  allowGroups: ['agents'],
  target: { demo: true },
  limits,
});

describe('function volatility on a real MariaDB server', () => {
  let db: mysqlSupport.ThrowawayDatabase;
  let executor: MysqlExecutor;
  const judged = (sql: string) => judge(mysqlAnalyzer, executor, mysqlConnection(), sql);

  beforeAll(async () => {
    db = await mysqlSupport.createThrowawayDatabase(MYSQL_SETUP);
    const reader = decodeURIComponent(new URL(db.readerUrl).username);
    await mysqlSupport.queryAsAdmin(db, `GRANT EXECUTE ON ${db.database}.* TO '${reader}'@'%'`);
    executor = new MysqlExecutor({ resolve: async () => ({ uri: db.readerUrl }), maxPoolSize: 1 });
  });

  afterAll(async () => {
    await executor.close();
    await db.drop();
  });

  it('answers built-ins from the reviewed list and stored functions as volatile, in any spelling', async () => {
    const names = [
      'upper',
      'now',
      'rand',
      'sleep',
      'add_one',
      `${db.database}.add_one`,
      'mixed_case',
      'nope',
    ];
    expect(Object.fromEntries(await executor.functionVolatility(mysqlConnection(), names))).toEqual({
      upper: 'immutable',
      now: 'stable',
      rand: 'volatile',
      sleep: 'volatile',
      add_one: 'volatile',
      [`${db.database}.add_one`]: 'volatile',
      mixed_case: 'volatile',
    });
  });

  it('counts a stored function spelt like a built-in as volatile (the most volatile reading)', async () => {
    expect(
      Object.fromEntries(await executor.functionVolatility(mysqlConnection(), ['concat', 'regexp_like'])),
    ).toEqual({
      concat: 'volatile',
      regexp_like: 'volatile',
    });
  });

  it.each([
    [
      'string, date and aggregate built-ins',
      "SELECT UPPER(email), DATE_FORMAT(NOW(), '%Y'), COUNT(*) FROM customers",
    ],
    ['RAND with and without a seed, and UUID', 'SELECT RAND(), RAND(7), UUID()'],
  ])('allows %s', async (_, sql) => {
    expect(await judged(sql)).toEqual([]);
  });

  it.each([
    ['SLEEP', 'SELECT SLEEP(1)', ['sleep:volatile']],
    ['GET_LOCK', "SELECT GET_LOCK('x', 0)", ['get_lock:volatile']],
    ['LAST_INSERT_ID with an argument', 'SELECT LAST_INSERT_ID(42)', ['last_insert_id:volatile']],
    ['LOAD_FILE', "SELECT LOAD_FILE('/etc/passwd')", ['load_file:volatile']],
    ['a stored function', 'SELECT add_one(1)', ['add_one:user-defined']],
    ['a name neither the server nor the list has', 'SELECT no_such_fn(1)', ['no_such_fn:unknown']],
  ])('refuses %s', async (_, sql, refused) => {
    expect(await judged(sql)).toEqual(refused);
  });

  it('refuses a stored function qualified with its database in upper case', async () => {
    expect(await judged(`SELECT ${db.database.toUpperCase()}.ADD_ONE(1)`)).toEqual([
      `${db.database}.add_one:user-defined`,
    ]);
  });

  it('leaves no session state behind: the random seed and LAST_INSERT_ID', async () => {
    // Prepare: what RAND() answers first on a session seeded so.
    const admin = await import('mysql2/promise').then((m) =>
      m.default.createConnection({ uri: db.adminUrl }),
    );
    await admin.query('SET rand_seed1 = 12345, rand_seed2 = 67890');
    const [[seeded]] = (await admin.query({ sql: 'SELECT RAND()', rowsAsArray: true })) as unknown as [
      [[number]],
    ];
    await admin.end();
    // Act
    await executor.run(mysqlConnection(), request('SET rand_seed1 = 12345, rand_seed2 = 67890'));
    await executor.run(mysqlConnection(), request('SELECT LAST_INSERT_ID(42)'));
    const after = await executor.run(mysqlConnection(), request('SELECT RAND(), LAST_INSERT_ID()'));
    // Assess
    expect(after.rows[0]![0]).not.toBe(seeded[0]);
    expect(after.rows[0]![1]).toBe('0');
  });
});
