// PostgresExecutor against a real PostgreSQL server (see test/support/postgres.ts): reads, writes,
// name resolution with a pinned search_path, and what the server's refusals become.

import pg from 'pg';
import {
  cancelBackend,
  PostgresExecutor,
  pinSearchPath,
  postgresRejection,
} from '../../../lambdas/adapters/targets/postgres-executor.js';
import type { PostgresConnection } from '../../../lambdas/core/config/connection.js';
import { BlastRadiusExceededError, TargetRejectedError } from '../../../lambdas/core/errors.js';
import {
  type RelationRef,
  relationRefKey,
  type SqlRunRequest,
} from '../../../lambdas/core/sql/sql-executor.js';
import { createThrowawayDatabase, queryAsAdmin, type ThrowawayDatabase } from '../../support/postgres.js';

const SETUP = `
  CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2), big bigint, at timestamptz,
                      day date, doc jsonb, raw bytea, tags text[]);
  INSERT INTO items SELECT g, 'item ' || g, g * 1.5, 9007199254740993, '2026-01-02 03:04:05+00', '2026-01-02',
                           jsonb_build_object('n', g), '\\xdeadbeef', ARRAY['a','b'] FROM generate_series(1, 5) g;
  CREATE SEQUENCE counter;
  CREATE TABLE ledger (id int PRIMARY KEY, amount int NOT NULL);
  GRANT INSERT, UPDATE, DELETE ON ledger TO PUBLIC;

  -- Name resolution: the same name in three schemas, one only off the default path, mixed case.
  CREATE SCHEMA sales;
  CREATE SCHEMA archive;
  CREATE TABLE public.dup (in_public int);
  CREATE TABLE sales.dup (in_sales int);
  CREATE TABLE archive.dup (in_archive int);
  INSERT INTO public.dup VALUES (1);
  INSERT INTO sales.dup VALUES (2);
  INSERT INTO archive.dup VALUES (3);
  CREATE TABLE sales.orders (id int, total numeric);
  CREATE TABLE "Customers" (id int, "Name" text);
  CREATE TABLE customers (id int, email text);
  CREATE VIEW item_names AS SELECT id, name FROM items;
  CREATE VIEW cheap_items AS SELECT id FROM item_names WHERE id < 3;
  CREATE MATERIALIZED VIEW item_totals AS SELECT count(*) AS n FROM items;
  CREATE VIEW totals AS SELECT n FROM item_totals;
  CREATE VIEW orders_and_items AS SELECT o.id FROM sales.orders o JOIN cheap_items c ON c.id = o.id;
  -- Inheritance and partitions, in a schema of their own (listings of public stay as they are).
  CREATE SCHEMA kin;
  CREATE TABLE kin.parent (id int, secret text);
  CREATE TABLE kin.child (extra int) INHERITS (kin.parent);
  CREATE TABLE kin.grandchild () INHERITS (kin.child);
  CREATE TABLE kin.dup_child () INHERITS (archive.dup);
  CREATE TABLE kin.pcust (id int, region text) PARTITION BY LIST (region);
  CREATE TABLE kin.pcust_1 PARTITION OF kin.pcust FOR VALUES IN ('eu') PARTITION BY RANGE (id);
  CREATE TABLE kin.pcust_1a PARTITION OF kin.pcust_1 FOR VALUES FROM (0) TO (100);
  CREATE VIEW kin.eu_customers AS SELECT id FROM kin.pcust_1;
  CREATE VIEW kin.eu_low AS SELECT id FROM kin.pcust_1a;
  CREATE VIEW kin.via_view AS SELECT id FROM kin.eu_customers;
  -- User functions: one of its own name, one that shadows a builtin, one off the default path.
  CREATE FUNCTION public.add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1';
  CREATE FUNCTION public.lower(t text) RETURNS text LANGUAGE sql AS 'SELECT t';
  CREATE FUNCTION archive.hidden() RETURNS int LANGUAGE sql AS 'SELECT 1';
  GRANT USAGE ON SCHEMA sales, archive, kin TO PUBLIC;
  GRANT SELECT ON ALL TABLES IN SCHEMA kin TO PUBLIC;
  GRANT SELECT ON ALL TABLES IN SCHEMA sales, archive TO PUBLIC;
  -- User operators: one on the path, one a superuser put into pg_catalog, one off the default path.
  CREATE FUNCTION public.hash_sum(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b';
  CREATE OPERATOR public.### (LEFTARG = int, RIGHTARG = int, FUNCTION = public.hash_sum);
  CREATE OPERATOR pg_catalog.#@ (LEFTARG = int, RIGHTARG = int, FUNCTION = public.hash_sum);
  CREATE OPERATOR archive.#~# (LEFTARG = int, RIGHTARG = int, FUNCTION = public.hash_sum);
  CREATE FUNCTION public."operator:leak"() RETURNS int LANGUAGE sql AS 'SELECT 1';
  -- Views that run user code (a function reading another table, an operator, a type), in a schema
  -- of their own; written unqualified, as a user would.
  CREATE SCHEMA opaque;
  SET search_path = opaque, public;
  CREATE TABLE t (id int, secret text);
  CREATE FUNCTION name_of(i int) RETURNS text LANGUAGE sql AS 'SELECT name FROM public.items WHERE id = i';
  CREATE TYPE mood AS ENUM ('calm');
  CREATE VIEW named AS SELECT name_of(id) FROM t;
  CREATE VIEW over_named AS SELECT name_of FROM named;
  CREATE MATERIALIZED VIEW named_once AS SELECT name_of(id) FROM t;
  CREATE VIEW summed AS SELECT id ### 1 AS n FROM t;
  CREATE VIEW moody AS SELECT id, 'calm'::mood AS mood FROM t;
  CREATE VIEW plain AS SELECT id FROM t;
  CREATE VIEW over_plain AS SELECT id FROM plain;
  RESET search_path;
  GRANT USAGE ON SCHEMA opaque TO PUBLIC;
  GRANT SELECT ON ALL TABLES IN SCHEMA opaque TO PUBLIC;
  -- New sessions would search archive first: the gateway's pinned path must win over it.
  DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = archive, public', current_database()); END $$;
`;

const connection = (overrides: Partial<PostgresConnection> = {}): PostgresConnection => ({
  name: 'it',
  kind: 'postgres',
  environment: 'test',
  tags: [],
  classification: {},
  masking: {},
  allowGroups: ['agents'],
  target: { demo: true },
  limits: { rowLimit: 3, statementTimeoutMs: 1000, maxResultBytes: 1_000_000 },
  ...overrides,
});

const request = (sql: string | string[], overrides: Partial<SqlRunRequest> = {}): SqlRunRequest => ({
  mode: 'read',
  statements: Array.isArray(sql) ? sql : [sql],
  params: [],
  rowLimit: 3,
  timeoutMs: 1000,
  maxResultBytes: 1_000_000,
  ...overrides,
});

const write = (sql: string | string[], overrides: Partial<SqlRunRequest> = {}) =>
  request(sql, { mode: 'write', ...overrides });

/** The rejection a failing request carries (fails the test when it is not a TargetRejectedError). */
const rejectionOf = async (running: Promise<unknown>) => {
  const error = await running.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TargetRejectedError);
  return error as TargetRejectedError;
};

describe('PostgresExecutor on a real PostgreSQL server', () => {
  let db: ThrowawayDatabase;
  let executor: PostgresExecutor;

  beforeAll(async () => {
    db = await createThrowawayDatabase(SETUP);
    executor = new PostgresExecutor({ resolve: async () => ({ connectionString: db.readerUrl }) });
  });

  afterAll(async () => {
    await executor.close();
    await db.drop();
  });

  describe('reads', () => {
    it('returns typed columns and JSON-safe rows', async () => {
      const result = await executor.run(connection(), request('SELECT * FROM items WHERE id = 1'));
      expect(result.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
        'id:int4',
        'name:text',
        'price:numeric',
        'big:int8',
        'at:timestamptz',
        'day:date',
        'doc:jsonb',
        'raw:bytea',
        'tags:text[]',
      ]);
      expect(result.rows).toEqual([
        [
          1,
          'item 1',
          '1.50',
          '9007199254740993',
          '2026-01-02 03:04:05+00',
          '2026-01-02',
          { n: 1 },
          '\\xdeadbeef',
          ['a', 'b'],
        ],
      ]);
      expect(JSON.parse(JSON.stringify(result.rows))).toEqual(result.rows);
    });

    it('caps rows and says it truncated', async () => {
      const result = await executor.run(connection(), request('SELECT id FROM items ORDER BY id'));
      expect(result).toMatchObject({ rows: [[1], [2], [3]], rowCount: 3, truncated: true });
    });

    it('does not report truncation when the rows fit exactly', async () => {
      const result = await executor.run(connection(), request('SELECT id FROM items WHERE id <= 3'));
      expect(result).toMatchObject({ rowCount: 3, truncated: false });
    });

    it('binds parameters', async () => {
      const result = await executor.run(
        connection(),
        request('SELECT name FROM items WHERE id = $1', { params: [4] }),
      );
      expect(result.rows).toEqual([['item 4']]);
    });

    it('runs several statements in one transaction and returns the last one’s rows', async () => {
      const result = await executor.run(connection(), request(['SELECT 1 AS a', 'SELECT 2 AS b']));
      expect(result).toMatchObject({ columns: [{ name: 'b' }], rows: [[2]] });
    });

    it('refuses writes at the database even if analysis missed them (read-only transaction)', async () => {
      const update = await rejectionOf(executor.run(connection(), request("UPDATE items SET name = 'x'")));
      expect(update).toMatchObject({
        code: 'statement_rejected',
        details: { sqlState: '25006', condition: 'read_only_sql_transaction' },
        rejection: { fault: 'caller', messageMayHoldData: false },
      });
      const nextval = await rejectionOf(executor.run(connection(), request("SELECT nextval('counter')")));
      expect(nextval.rejection.sqlState).toBe('25006');
      expect(await queryAsAdmin(db, "SELECT count(*)::int AS n FROM items WHERE name = 'x'")).toEqual([
        { n: 0 },
      ]);
    });

    it('stops a request whose statement ends the read-only transaction, before anything after it runs', async () => {
      // Without the check, the INSERT would run after COMMIT, outside any transaction, and stay.
      const error = await executor
        .run(connection(), request(['COMMIT', 'INSERT INTO ledger VALUES (900, 1)']))
        .catch((e: Error) => e);
      expect(error).toMatchObject({
        code: 'target_error',
        message: 'A statement ended the read-only transaction; the request was stopped.',
      });
      expect(await queryAsAdmin(db, 'SELECT count(*)::int AS n FROM ledger WHERE id = 900')).toEqual([
        { n: 0 },
      ]);
    });

    it('cancels a statement that runs past the timeout, then serves the next request', async () => {
      await expect(
        executor.run(connection(), request('SELECT pg_sleep(5)', { timeoutMs: 200 })),
      ).rejects.toMatchObject({ code: 'target_timeout' });
      await expect(executor.run(connection(), request('SELECT 1 AS ok'))).resolves.toMatchObject({
        rows: [[1]],
      });
    });

    it('drops a result larger than the byte budget instead of buffering it', async () => {
      // Prepare: one value of 50 MB, far beyond a 1 MB budget (and a 600 MB one would crash pg).
      const sql = "SELECT repeat('x', 50000000) AS huge";
      // Act
      const error = await executor.run(connection(), request(sql)).catch((e: Error) => e);
      // Assess
      expect(error).toMatchObject({
        code: 'target_error',
        message: 'The result exceeds 1000000 bytes; select fewer rows or columns.',
      });
      await expect(executor.run(connection(), request('SELECT 1 AS ok'))).resolves.toMatchObject({
        rows: [[1]],
      });
    });

    it('can cancel a running statement on the server, as the driver-side deadline does', async () => {
      // Prepare
      const config = { connectionString: db.readerUrl };
      const client = new pg.Client(config);
      await client.connect();
      const sleeping = client.query('SELECT pg_sleep(30)');
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Act
      await cancelBackend(config, client);
      // Assess
      await expect(sleeping).rejects.toMatchObject({ code: '57014' });
      await client.end();
    });

    it('releases session-level advisory locks when the request ends', async () => {
      // The analysis blocks advisory-lock functions; the executor does not rely on it.
      await executor.run(connection(), request('SELECT pg_try_advisory_lock(4242)'));
      expect(
        await queryAsAdmin(db, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'"),
      ).toEqual([{ n: 0 }]);
    });

    it('leaves no prepared statement behind for the next request on the same session', async () => {
      const single = new PostgresExecutor({
        resolve: async () => ({ connectionString: db.readerUrl, max: 1 }),
      });
      try {
        await single.run(connection({ name: 'single' }), request('PREPARE leftover AS SELECT 1'));
        const after = await single.run(
          connection({ name: 'single' }),
          request('SELECT count(*)::int FROM pg_prepared_statements'),
        );
        expect(after.rows).toEqual([[0]]);
      } finally {
        await single.close();
      }
    });

    it('reports an unreachable target without revealing where it is or how it logs in', async () => {
      const unreachable = new PostgresExecutor({
        resolve: async () => ({ connectionString: 'postgres://admin:hunter2@127.0.0.1:1/app' }),
        connectTimeoutMs: 1000,
      });
      const error = await unreachable
        .run(connection({ name: 'down' }), request('SELECT 1'))
        .catch((e: Error) => e);
      expect(error).toMatchObject({ code: 'target_error', message: 'The target database is unreachable.' });
      expect(
        JSON.stringify({
          message: (error as Error).message,
          details: (error as { details?: unknown }).details,
        }),
      ).not.toMatch(/hunter2|admin|127\.0\.0\.1/);
      await unreachable.close();
    });

    it('refuses a connection of another kind before reaching any target', async () => {
      const mysqlConnection = { ...connection(), kind: 'mysql' as const, searchPath: undefined };
      await expect(executor.run(mysqlConnection, request('SELECT 1'))).rejects.toMatchObject({
        code: 'target_error',
        message: 'Connection it is not a PostgreSQL connection.',
      });
    });

    it('reports credentials that cannot be resolved as a target error', async () => {
      const broken = new PostgresExecutor({ resolve: async () => Promise.reject(new Error('AccessDenied')) });
      await expect(broken.run(connection({ name: 'broken' }), request('SELECT 1'))).rejects.toMatchObject({
        code: 'target_error',
        message: 'The target credentials could not be resolved.',
      });
    });
  });

  it('runs text in the lexical modes the analysis read it in, whatever the database defaults to', async () => {
    const name = new URL(db.adminUrl).pathname.slice(1);
    await queryAsAdmin(db, `ALTER DATABASE ${name} SET standard_conforming_strings = off`);
    const fresh = new PostgresExecutor({ resolve: async () => ({ connectionString: db.readerUrl }) });
    try {
      // With standard_conforming_strings off, '\' is an escaped quote and the string would go on.
      const result = await fresh.run(
        connection(),
        request("SELECT 'a\\' AS v, current_setting('standard_conforming_strings') AS scs"),
      );
      expect(result.rows).toEqual([['a\\', 'on']]);
    } finally {
      await fresh.close();
      await queryAsAdmin(db, `ALTER DATABASE ${name} RESET standard_conforming_strings`);
    }
  });

  describe('the blast radius of an approved write', () => {
    const bounded = (sql: string | string[], maxAffectedRows: number) =>
      write(sql, {
        maxAffectedRows,
        writes: (Array.isArray(sql) ? sql : [sql]).map((s) => !s.startsWith('SELECT')),
      });
    const count = async (where: string) =>
      (await queryAsAdmin(db, `SELECT count(*)::int AS n FROM ledger WHERE ${where}`))[0]?.n;

    beforeAll(async () => {
      await queryAsAdmin(db, 'INSERT INTO ledger SELECT g, 0 FROM generate_series(1000, 1019) g');
    });

    it.each([
      ['a plain UPDATE', 'UPDATE ledger SET amount = 1 WHERE id >= 1000'],
      [
        'an UPDATE with RETURNING, past the row cap',
        'UPDATE ledger SET amount = 1 WHERE id >= 1000 RETURNING id',
      ],
      ['a DELETE', 'DELETE FROM ledger WHERE id >= 1000'],
      [
        'a write in a CTE',
        'WITH u AS (UPDATE ledger SET amount = 1 WHERE id >= 1000 RETURNING id) SELECT count(*) FROM u',
      ],
    ])('rolls back %s that changes more rows than the bound', async (_label, sql) => {
      const error = await executor.run(connection(), bounded(sql, 5)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlastRadiusExceededError);
      expect((error as BlastRadiusExceededError).details).toMatchObject({ maxAffectedRows: 5 });
      expect(await count('id >= 1000 AND amount = 0')).toBe(20);
    });

    it('sums the statements, and commits within the bound', async () => {
      const over = await executor
        .run(
          connection(),
          bounded(
            [
              'UPDATE ledger SET amount = 2 WHERE id < 1004 AND id >= 1000',
              'UPDATE ledger SET amount = 2 WHERE id >= 1016',
            ],
            7,
          ),
        )
        .catch((e: unknown) => e);
      expect(over).toBeInstanceOf(BlastRadiusExceededError);
      expect(await count('amount = 2')).toBe(0);
      const within = await executor.run(
        connection(),
        bounded('UPDATE ledger SET amount = 3 WHERE id >= 1016 RETURNING id', 4),
      );
      expect(within.rowCount).toBe(3);
      expect(await count('amount = 3')).toBe(4);
    });

    it('estimates the rows a write would change without changing any', async () => {
      const estimates = await executor.estimateWrites(connection(), {
        statements: ['UPDATE ledger SET amount = 9 WHERE id = $1'],
        params: [1000],
      });
      expect(estimates).toEqual([1]);
      expect(await count('amount = 9')).toBe(0);
    });
  });

  describe('writes', () => {
    it('commits when every statement succeeds and reports the rows the last one affected', async () => {
      // Act
      const result = await executor.run(
        connection(),
        write([
          'INSERT INTO ledger VALUES (1, 10), (2, 20)',
          'UPDATE ledger SET amount = amount + 1 WHERE id IN (1, 2)',
        ]),
      );
      // Assess
      expect(result).toEqual({ columns: [], rows: [], rowCount: 2, truncated: false, affectedRows: 2 });
      expect(await queryAsAdmin(db, 'SELECT id, amount FROM ledger WHERE id IN (1, 2) ORDER BY id')).toEqual([
        { id: 1, amount: 11 },
        { id: 2, amount: 21 },
      ]);
    });

    it('rolls back every statement when one fails', async () => {
      // Act: the second insert breaks the primary key.
      const rejected = await rejectionOf(
        executor.run(
          connection(),
          write(['INSERT INTO ledger VALUES (10, 1)', 'INSERT INTO ledger VALUES (10, 2)']),
        ),
      );
      // Assess
      expect(rejected.rejection).toMatchObject({
        sqlState: '23505',
        condition: 'unique_violation',
        fault: 'caller',
        messageMayHoldData: true,
      });
      expect(rejected.rejection.serverMessage).toContain('Key (id)=(10) already exists.');
      expect(await queryAsAdmin(db, 'SELECT count(*)::int AS n FROM ledger WHERE id = 10')).toEqual([
        { n: 0 },
      ]);
    });

    it('returns RETURNING rows like a read, capped, having applied the whole statement', async () => {
      // Prepare
      await executor.run(
        connection(),
        write('INSERT INTO ledger SELECT g, 0 FROM generate_series(20, 24) g'),
      );
      // Act
      const result = await executor.run(
        connection(),
        write('UPDATE ledger SET amount = 7 WHERE id BETWEEN 20 AND 24 RETURNING id', { rowLimit: 2 }),
      );
      // Assess
      expect(result).toMatchObject({ columns: [{ name: 'id', type: 'int4' }], rowCount: 2, truncated: true });
      expect(
        await queryAsAdmin(
          db,
          'SELECT count(*)::int AS n FROM ledger WHERE id BETWEEN 20 AND 24 AND amount = 7',
        ),
      ).toEqual([{ n: 5 }]);
    });

    it('runs writes under the statement timeout and keeps nothing of a cancelled one', async () => {
      const error = await executor
        .run(
          connection(),
          write(['INSERT INTO ledger VALUES (30, 1)', 'SELECT pg_sleep(5)'], { timeoutMs: 200 }),
        )
        .catch((e: Error) => e);
      expect(error).toMatchObject({ code: 'target_timeout' });
      expect(await queryAsAdmin(db, 'SELECT count(*)::int AS n FROM ledger WHERE id = 30')).toEqual([
        { n: 0 },
      ]);
    });

    it('lets no temporary table shadow a relation on the path, even in the request that creates it', async () => {
      // Prepare
      const resolved = await executor.resolveRelations(connection(), [{ name: 'dup' }]);
      // Act
      const result = await executor.run(
        connection(),
        write(['CREATE TEMP TABLE dup (shadow int)', 'SELECT * FROM dup']),
      );
      // Assess: the statement reads what resolution named.
      expect(resolved.get(relationRefKey({ name: 'dup' }))).toMatchObject({
        schema: 'public',
        columns: ['in_public'],
      });
      expect(result).toMatchObject({ columns: [{ name: 'in_public' }], rows: [[1]] });
    });

    it('drops temporary tables a write committed before the next request on the same session', async () => {
      // Prepare: one session, so the next request would still see the temporary table.
      const single = new PostgresExecutor({
        resolve: async () => ({ connectionString: db.readerUrl, max: 1 }),
      });
      try {
        await single.run(
          connection({ name: 'single' }),
          write(['CREATE TEMP TABLE leftover (shadow int)', 'INSERT INTO pg_temp.leftover VALUES (99)']),
        );
        // Act
        const after = await single.run(
          connection({ name: 'single' }),
          request("SELECT to_regclass('pg_temp.leftover') IS NULL AS gone"),
        );
        // Assess
        expect(after.rows).toEqual([[true]]);
      } finally {
        await single.close();
      }
    });
  });

  describe('search_path', () => {
    it('quotes each schema of the path and keeps $user special', () => {
      expect(pinSearchPath(connection())).toBe('SET LOCAL search_path TO "$user", "public", pg_temp');
      expect(pinSearchPath(connection({ searchPath: ['Sales', 'pub"lic'] }))).toBe(
        'SET LOCAL search_path TO "Sales", "pub""lic", pg_temp',
      );
    });

    it('pins the connection’s search path over the session default', async () => {
      // The database's default would pick archive.dup; the connection's default path is "$user", public.
      const byDefault = await executor.run(connection(), request('SELECT * FROM dup'));
      const bySales = await executor.run(
        connection({ searchPath: ['sales', 'archive'] }),
        request('SELECT * FROM dup'),
      );
      expect(byDefault.rows).toEqual([[1]]);
      expect(bySales.rows).toEqual([[2]]);
    });

    it('resolves an unqualified name to the relation the same request would read', async () => {
      // Prepare
      const onSales = connection({ searchPath: ['sales', 'archive'] });
      // Act
      const resolved = await executor.resolveRelations(onSales, [{ name: 'dup' }]);
      const read = await executor.run(onSales, request('SELECT * FROM dup'));
      // Assess
      expect(resolved.get(relationRefKey({ name: 'dup' }))).toMatchObject({ schema: 'sales', name: 'dup' });
      expect(resolved.get(relationRefKey({ name: 'dup' }))?.columns).toEqual(read.columns.map((c) => c.name));
    });
  });

  describe('resolveRelations', () => {
    const resolve = async (conn: PostgresConnection, refs: RelationRef[]) => {
      const answer = await executor.resolveRelations(conn, refs);
      return refs.map((ref) => answer.get(relationRefKey(ref)));
    };

    it('finds a table that is only in a non-public schema on the search path', async () => {
      const [orders] = await resolve(connection({ searchPath: ['sales', 'public'] }), [{ name: 'orders' }]);
      expect(orders).toEqual({
        schema: 'sales',
        name: 'orders',
        kind: 'table',
        columns: ['id', 'total'],
        dependsOn: [],
        ancestors: [],
      });
    });

    it('does not find it when its schema is not on the path', async () => {
      expect(await resolve(connection(), [{ name: 'orders' }])).toEqual([undefined]);
    });

    it('takes the first schema on the path that has the name', async () => {
      const [first] = await resolve(connection({ searchPath: ['archive', 'sales'] }), [{ name: 'dup' }]);
      const [second] = await resolve(connection({ searchPath: ['nowhere', 'sales', 'archive'] }), [
        { name: 'dup' },
      ]);
      expect(first).toMatchObject({ schema: 'archive', columns: ['in_archive'] });
      expect(second).toMatchObject({ schema: 'sales', columns: ['in_sales'] });
    });

    it('tells quoted mixed-case names from lower-case ones', async () => {
      const [quoted, folded, shouted] = await resolve(connection(), [
        { name: 'Customers' },
        { name: 'customers' },
        { name: 'CUSTOMERS' },
      ]);
      expect(quoted).toMatchObject({ schema: 'public', name: 'Customers', columns: ['id', 'Name'] });
      expect(folded).toMatchObject({ schema: 'public', name: 'customers', columns: ['id', 'email'] });
      expect(shouted).toBeUndefined();
    });

    it('resolves qualified names whatever the path', async () => {
      const [archived] = await resolve(connection(), [{ schema: 'archive', name: 'dup' }]);
      expect(archived).toMatchObject({ schema: 'archive', name: 'dup', kind: 'table' });
    });

    it('lists the tables a view reads, through other views and materialized views', async () => {
      const [names, cheap, totals, matview, mixed] = await resolve(connection(), [
        { name: 'item_names' },
        { name: 'cheap_items' },
        { name: 'totals' },
        { name: 'item_totals' },
        { name: 'orders_and_items' },
      ]);
      const items = { schema: 'public', name: 'items' };
      expect(names).toEqual({
        schema: 'public',
        name: 'item_names',
        kind: 'view',
        columns: ['id', 'name'],
        dependsOn: [items],
        ancestors: [],
      });
      expect(cheap).toMatchObject({ kind: 'view', dependsOn: [items] });
      expect(totals).toMatchObject({ kind: 'view', dependsOn: [items] });
      expect(matview).toMatchObject({ kind: 'view', columns: ['n'], dependsOn: [items] });
      expect(mixed).toMatchObject({ dependsOn: [items, { schema: 'sales', name: 'orders' }] });
    });

    it('finds catalog relations, which are searched implicitly, and the catalogs a system view reads', async () => {
      const [user, pgClass] = await resolve(connection(), [{ name: 'pg_user' }, { name: 'pg_class' }]);
      expect(user).toMatchObject({ schema: 'pg_catalog', name: 'pg_user', kind: 'view' });
      expect(user?.columns).toContain('usename');
      // pg_user reads pg_shadow, which reads pg_authid: a pinned catalog pg_depend does not record.
      expect(user?.dependsOn).toContainEqual({ schema: 'pg_catalog', name: 'pg_authid' });
      expect(pgClass).toMatchObject({ schema: 'pg_catalog', name: 'pg_class', kind: 'table' });
    });

    it('names sequences as other relations', async () => {
      const [sequence] = await resolve(connection(), [{ name: 'counter' }]);
      expect(sequence).toMatchObject({ schema: 'public', name: 'counter', kind: 'other', dependsOn: [] });
    });

    it('leaves out names the server does not find', async () => {
      const answer = await executor.resolveRelations(connection(), [
        { name: 'nope' },
        { schema: 'nope', name: 'items' },
        { schema: 'archive', name: 'orders' },
        { name: '' },
        { name: 'items' },
      ]);
      expect([...answer.keys()]).toEqual([relationRefKey({ name: 'items' })]);
    });

    it('answers nothing for no refs', async () => {
      expect((await executor.resolveRelations(connection(), [])).size).toBe(0);
    });
  });

  describe('views that run user code', () => {
    const onOpaque = connection({ searchPath: ['opaque'] });
    const resolve = async (names: string[]) => {
      const refs = names.map((name) => ({ name }));
      const answer = await executor.resolveRelations(onOpaque, refs);
      return refs.map((ref) => answer.get(relationRefKey(ref)));
    };
    const t = { schema: 'opaque', name: 't' };

    it('cannot say what a view calling a user function reads', async () => {
      const [named] = await resolve(['named']);
      expect(named).toEqual({
        schema: 'opaque',
        name: 'named',
        kind: 'view',
        columns: ['name_of'],
        dependsOn: undefined,
        ancestors: [],
      });
    });

    it('cannot say what a view over such a view reads, nor a materialized view calling one', async () => {
      const [over, once] = await resolve(['over_named', 'named_once']);
      expect(over).toMatchObject({ kind: 'view' });
      expect(over?.dependsOn).toBeUndefined();
      expect(once).toMatchObject({ kind: 'view' });
      expect(once?.dependsOn).toBeUndefined();
    });

    it('cannot say what a view using a user operator or a user type reads', async () => {
      const [summed, moody] = await resolve(['summed', 'moody']);
      expect(summed).toMatchObject({ kind: 'view' });
      expect(summed?.dependsOn).toBeUndefined();
      expect(moody).toMatchObject({ kind: 'view' });
      expect(moody?.dependsOn).toBeUndefined();
    });

    it('still lists the tables of plain views beside them, directly and through a view', async () => {
      const [plain, overPlain, table] = await resolve(['plain', 'over_plain', 't']);
      expect(plain).toMatchObject({ kind: 'view', dependsOn: [t] });
      expect(overPlain).toMatchObject({ kind: 'view', dependsOn: [t] });
      expect(table).toMatchObject({ kind: 'table', dependsOn: [] });
    });

    it('describes listed views the same way', async () => {
      const listed = await executor.listRelations(onOpaque, 100);
      const byName = new Map(listed.map((r) => [r.name, r]));
      expect(byName.get('named')).toMatchObject({ kind: 'view' });
      expect(byName.get('named')?.dependsOn).toBeUndefined();
      expect(byName.get('over_named')?.dependsOn).toBeUndefined();
      expect(byName.get('plain')?.dependsOn).toEqual([t]);
    });
  });

  describe('ancestors', () => {
    const onKin = connection({ searchPath: ['kin'] });
    const resolve = async (refs: RelationRef[]) => {
      const answer = await executor.resolveRelations(onKin, refs);
      return refs.map((ref) => answer.get(relationRefKey(ref)));
    };
    const kin = (name: string) => ({ schema: 'kin', name });

    it('names the table a child inherits from', async () => {
      const [child] = await resolve([{ name: 'child' }]);
      expect(child).toEqual({
        schema: 'kin',
        name: 'child',
        kind: 'table',
        columns: ['id', 'secret', 'extra'],
        dependsOn: [],
        ancestors: [kin('parent')],
      });
    });

    it('follows inheritance up the chain, nearest first', async () => {
      const [grandchild, parent] = await resolve([{ name: 'grandchild' }, { name: 'parent' }]);
      expect(grandchild?.ancestors).toEqual([kin('child'), kin('parent')]);
      expect(parent?.ancestors).toEqual([]);
    });

    it('names a parent in another schema as stored', async () => {
      const [child] = await resolve([{ name: 'dup_child' }]);
      expect(child?.ancestors).toEqual([{ schema: 'archive', name: 'dup' }]);
    });

    it('names the partitioned table of a partition, and of a sub-partition both levels', async () => {
      const [partitioned, partition, subPartition] = await resolve([
        { name: 'pcust' },
        { name: 'pcust_1' },
        { schema: 'kin', name: 'pcust_1a' },
      ]);
      expect(partitioned).toMatchObject({ kind: 'table', ancestors: [] });
      expect(partition).toMatchObject({ kind: 'table', ancestors: [kin('pcust')] });
      expect(subPartition).toMatchObject({ kind: 'table', ancestors: [kin('pcust_1'), kin('pcust')] });
    });

    it('lists the parents of the partitions a view reads among what it depends on', async () => {
      const [overPartition, overSubPartition, throughView] = await resolve([
        { name: 'eu_customers' },
        { name: 'eu_low' },
        { name: 'via_view' },
      ]);
      expect(overPartition).toMatchObject({
        kind: 'view',
        dependsOn: [kin('pcust'), kin('pcust_1')],
        ancestors: [],
      });
      expect(overSubPartition?.dependsOn).toEqual([kin('pcust'), kin('pcust_1'), kin('pcust_1a')]);
      expect(throughView?.dependsOn).toEqual([kin('pcust'), kin('pcust_1')]);
    });

    it('gives listed relations their ancestors and views the parents of what they read', async () => {
      const listed = await executor.listRelations(onKin, 100);
      const byName = new Map(listed.map((r) => [r.name, r]));
      expect(byName.get('grandchild')?.ancestors).toEqual([kin('child'), kin('parent')]);
      expect(byName.get('pcust_1a')?.ancestors).toEqual([kin('pcust_1'), kin('pcust')]);
      expect(byName.get('eu_customers')?.dependsOn).toEqual([kin('pcust'), kin('pcust_1')]);
      expect(byName.get('parent')?.ancestors).toEqual([]);
    });
  });

  describe('userFunctions', () => {
    const found = async (names: string[], conn = connection()) =>
      [...(await executor.userFunctions(conn, names))].sort();

    it('finds a user function in public, unqualified and qualified', async () => {
      expect(await found(['add_one', 'public.add_one'])).toEqual(['add_one', 'public.add_one']);
    });

    it('does not report builtins, called plainly or through pg_catalog', async () => {
      expect(await found(['upper', 'count', 'now', 'pg_catalog.upper', 'pg_catalog.lower'])).toEqual([]);
    });

    it('reports a user function that shadows a builtin’s name, even where the builtin would win', async () => {
      expect(await found(['lower', 'upper'])).toEqual(['lower']);
    });

    it('searches the connection’s pinned path, not the session default, for unqualified names', async () => {
      // The database's default path starts with archive: the pinned path (public) must win.
      expect(await found(['hidden'])).toEqual([]);
      expect(await found(['hidden'], connection({ searchPath: ['archive'] }))).toEqual(['hidden']);
    });

    it('finds a qualified user function whatever the path', async () => {
      expect(await found(['archive.hidden'])).toEqual(['archive.hidden']);
    });

    it('reports names of the request’s own temporary schema without looking', async () => {
      expect(await found(['pg_temp.f', 'nope'])).toEqual(['pg_temp.f']);
    });

    it('finds a user operator on the path, unqualified and qualified', async () => {
      expect(await found(['operator:###', 'operator:public.###'])).toEqual([
        'operator:###',
        'operator:public.###',
      ]);
    });

    it('does not report builtin operators', async () => {
      expect(await found(['operator:+', 'operator:||', 'operator:pg_catalog.+', 'operator:nope'])).toEqual(
        [],
      );
    });

    it('reports an operator in pg_catalog that a user function implements', async () => {
      expect(await found(['operator:#@', 'operator:pg_catalog.#@'])).toEqual([
        'operator:#@',
        'operator:pg_catalog.#@',
      ]);
    });

    it('searches the connection’s pinned path for unqualified operators, the named schema for qualified ones', async () => {
      expect(await found(['operator:#~#', 'operator:archive.#~#'])).toEqual(['operator:archive.#~#']);
      expect(await found(['operator:#~#'], connection({ searchPath: ['archive'] }))).toEqual([
        'operator:#~#',
      ]);
    });

    it('reports operators of the request’s own temporary schema without looking', async () => {
      expect(await found(['operator:pg_temp.###'])).toEqual(['operator:pg_temp.###']);
    });

    it('answers functions and operators asked together', async () => {
      expect(await found(['add_one', 'upper', 'operator:###', 'operator:+'])).toEqual([
        'add_one',
        'operator:###',
      ]);
    });

    it('does not take an operator entry for a function of the symbol’s name', async () => {
      expect(await found(['operator:add_one'])).toEqual([]);
    });

    it('reports an operator entry that a quoted user function’s name spells', async () => {
      expect(await found(['operator:leak'])).toEqual(['operator:leak']);
    });

    it('answers an empty set for no names without reaching the target', async () => {
      const unreachable = new PostgresExecutor({
        resolve: async () => {
          throw new Error('must not be reached');
        },
      });
      expect((await unreachable.userFunctions(connection(), [])).size).toBe(0);
      await unreachable.close();
    });
  });

  describe('listRelations', () => {
    it('lists the tables and views of the schemas on the search path, by schema and name', async () => {
      const listed = await executor.listRelations(connection({ searchPath: ['sales', 'nowhere'] }), 100);
      expect(listed).toEqual([
        { schema: 'sales', name: 'dup', kind: 'table', columns: ['in_sales'], dependsOn: [], ancestors: [] },
        {
          schema: 'sales',
          name: 'orders',
          kind: 'table',
          columns: ['id', 'total'],
          dependsOn: [],
          ancestors: [],
        },
      ]);
    });

    it('describes views with what they read, and stops at the limit', async () => {
      const listed = await executor.listRelations(connection(), 100);
      const first = await executor.listRelations(connection(), 2);
      expect(listed.map((r) => `${r.schema}.${r.name}`)).toEqual([
        'public.Customers',
        'public.cheap_items',
        'public.customers',
        'public.dup',
        'public.item_names',
        'public.item_totals',
        'public.items',
        'public.ledger',
        'public.orders_and_items',
        'public.totals',
      ]);
      expect(listed.find((r) => r.name === 'cheap_items')).toMatchObject({
        kind: 'view',
        dependsOn: [{ schema: 'public', name: 'items' }],
      });
      expect(first).toEqual(listed.slice(0, 2));
    });
  });

  describe('refusals', () => {
    it.each([
      ['a syntax error', 'SELEC 1', [], '42601', 'syntax_error', false],
      ['an undefined table', 'SELECT * FROM missing_table', [], '42P01', 'undefined_table', false],
      ['an undefined column', 'SELECT nope FROM items', [], '42703', 'undefined_column', false],
      ['a division by zero', 'SELECT 1 / 0', [], '22012', 'division_by_zero', true],
      ['a wrong parameter count', 'SELECT $1::int + $2::int', [1], '08P01', 'wrong_parameter_count', false],
      ['too many parameters', 'SELECT 1', [1], '08P01', 'wrong_parameter_count', false],
    ])('makes %s the caller’s fault', async (_, sql, params, sqlState, condition, messageMayHoldData) => {
      const rejected = await rejectionOf(executor.run(connection(), request(sql, { params })));
      expect(rejected).toMatchObject({
        code: 'statement_rejected',
        message: `The target rejected the statement: ${condition} (SQLSTATE ${sqlState}).`,
        rejection: { sqlState, condition, fault: 'caller', messageMayHoldData },
      });
    });

    it('keeps a value the server quotes out of the message shown, in the rejection only', async () => {
      const rejected = await rejectionOf(executor.run(connection(), request("SELECT '906-94-0318'::int")));
      expect(rejected.rejection).toMatchObject({
        sqlState: '22P02',
        condition: 'invalid_text_representation',
        fault: 'caller',
        messageMayHoldData: true,
        serverMessage: 'invalid input syntax for type integer: "906-94-0318"',
      });
      expect(
        `${rejected.message} ${rejected.auditMessage} ${JSON.stringify(rejected.details)}`,
      ).not.toContain('906-94-0318');
    });

    it('serves the next request on the same session after a parameter count mismatch', async () => {
      const single = new PostgresExecutor({
        resolve: async () => ({ connectionString: db.readerUrl, max: 1 }),
      });
      try {
        await rejectionOf(
          single.run(connection({ name: 'single' }), request('SELECT $1::int', { params: [] })),
        );
        await expect(
          single.run(connection({ name: 'single' }), request('SELECT 1 AS ok')),
        ).resolves.toMatchObject({
          rows: [[1]],
        });
      } finally {
        await single.close();
      }
    });

    it('counts a write refused as read-only against the target, a read refused so against the caller', () => {
      const error = {
        code: '25006',
        message: 'cannot execute UPDATE in a read-only transaction',
        severity: 'ERROR',
      };
      expect(postgresRejection(error, 'write').fault).toBe('target');
      expect(postgresRejection(error, 'read').fault).toBe('caller');
    });

    it('counts other protocol violations against the target', () => {
      const rejection = postgresRejection(
        { code: '08P01', message: 'invalid frontend message type 0' },
        'read',
      );
      expect(rejection).toMatchObject({ condition: 'protocol_violation', fault: 'target' });
    });
  });
});
