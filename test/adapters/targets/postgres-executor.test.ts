// PostgresExecutor against a real PostgreSQL server (see test/support/postgres.ts).

import pg from 'pg';
import { cancelBackend, PostgresExecutor } from '../../../lambdas/adapters/targets/postgres-executor.js';
import type { Connection } from '../../../lambdas/core/config/connection.js';
import type { ReadRequest } from '../../../lambdas/core/ports.js';
import { createThrowawayDatabase, queryAsAdmin, type ThrowawayDatabase } from '../../support/postgres.js';

const SETUP = `
  CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2), big bigint, at timestamptz,
                      day date, doc jsonb, raw bytea, tags text[]);
  INSERT INTO items SELECT g, 'item ' || g, g * 1.5, 9007199254740993, '2026-01-02 03:04:05+00', '2026-01-02',
                           jsonb_build_object('n', g), '\\xdeadbeef', ARRAY['a','b'] FROM generate_series(1, 5) g;
  CREATE SEQUENCE counter;
`;

const connection = (name = 'it'): Connection => ({
  name,
  kind: 'postgres',
  environment: 'test',
  tags: [],
  classification: {},
  masking: {},
  allowGroups: ['agents'],
  target: { demo: true },
  limits: { rowLimit: 3, statementTimeoutMs: 1000, maxResultBytes: 1_000_000 },
});

const request = (sql: string | string[], overrides: Partial<ReadRequest> = {}): ReadRequest => ({
  statements: Array.isArray(sql) ? sql : [sql],
  params: [],
  rowLimit: 3,
  timeoutMs: 1000,
  maxResultBytes: 1_000_000,
  ...overrides,
});

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

  it('returns typed columns and JSON-safe rows', async () => {
    const result = await executor.read(connection(), request('SELECT * FROM items WHERE id = 1'));
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
    const result = await executor.read(connection(), request('SELECT id FROM items ORDER BY id'));
    expect(result).toMatchObject({ rows: [[1], [2], [3]], rowCount: 3, truncated: true });
  });

  it('does not report truncation when the rows fit exactly', async () => {
    const result = await executor.read(connection(), request('SELECT id FROM items WHERE id <= 3'));
    expect(result).toMatchObject({ rowCount: 3, truncated: false });
  });

  it('binds parameters', async () => {
    const result = await executor.read(
      connection(),
      request('SELECT name FROM items WHERE id = $1', { params: [4] }),
    );
    expect(result.rows).toEqual([['item 4']]);
  });

  it('runs several statements in one transaction and returns the last one’s rows', async () => {
    const result = await executor.read(connection(), request(['SELECT 1 AS a', 'SELECT 2 AS b']));
    expect(result).toMatchObject({ columns: [{ name: 'b' }], rows: [[2]] });
  });

  it('refuses writes at the database even if analysis missed them (read-only transaction)', async () => {
    await expect(executor.read(connection(), request("UPDATE items SET name = 'x'"))).rejects.toMatchObject({
      code: 'target_error',
      details: { sqlState: '25006' },
    });
    await expect(executor.read(connection(), request("SELECT nextval('counter')"))).rejects.toMatchObject({
      code: 'target_error',
    });
    expect(await queryAsAdmin(db, "SELECT count(*)::int AS n FROM items WHERE name = 'x'")).toEqual([
      { n: 0 },
    ]);
  });

  it('cancels a statement that runs past the timeout, then serves the next request', async () => {
    await expect(
      executor.read(connection(), request('SELECT pg_sleep(5)', { timeoutMs: 200 })),
    ).rejects.toMatchObject({
      code: 'target_timeout',
    });
    await expect(executor.read(connection(), request('SELECT 1 AS ok'))).resolves.toMatchObject({
      rows: [[1]],
    });
  });

  it('drops a result larger than the byte budget instead of buffering it', async () => {
    // Prepare: one value of 50 MB, far beyond a 1 MB budget (and a 600 MB one would crash pg).
    const sql = "SELECT repeat('x', 50000000) AS huge";
    // Act
    const error = await executor.read(connection(), request(sql)).catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({
      code: 'target_error',
      message: 'The result exceeds 1000000 bytes; select fewer rows or columns.',
    });
    await expect(executor.read(connection(), request('SELECT 1 AS ok'))).resolves.toMatchObject({
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
    await executor.read(connection(), request('SELECT pg_try_advisory_lock(4242)'));
    expect(
      await queryAsAdmin(db, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'"),
    ).toEqual([{ n: 0 }]);
  });

  it('passes the server’s message and SQLSTATE for a failing statement', async () => {
    await expect(executor.read(connection(), request('SELECT * FROM missing_table'))).rejects.toMatchObject({
      code: 'target_error',
      message: 'The target rejected the statement: relation "missing_table" does not exist',
      details: { sqlState: '42P01' },
    });
  });

  it('reports an unreachable target without revealing where it is or how it logs in', async () => {
    const unreachable = new PostgresExecutor({
      resolve: async () => ({ connectionString: 'postgres://admin:hunter2@127.0.0.1:1/app' }),
      connectTimeoutMs: 1000,
    });
    const error = await unreachable.read(connection('down'), request('SELECT 1')).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'target_error', message: 'The target database is unreachable.' });
    expect(
      JSON.stringify({
        message: (error as Error).message,
        details: (error as { details?: unknown }).details,
      }),
    ).not.toMatch(/hunter2|admin|127\.0\.0\.1/);
    await unreachable.close();
  });

  it('reports credentials that cannot be resolved as a target error', async () => {
    const broken = new PostgresExecutor({ resolve: async () => Promise.reject(new Error('AccessDenied')) });
    await expect(broken.read(connection('broken'), request('SELECT 1'))).rejects.toMatchObject({
      code: 'target_error',
      message: 'The target credentials could not be resolved.',
    });
  });
});
