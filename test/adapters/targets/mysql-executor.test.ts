// MysqlExecutor against a real MySQL / MariaDB server (see test/support/mysql.ts).

import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import mysql from 'mysql2/promise';
import { killQuery, MysqlExecutor } from '../../../lambdas/adapters/targets/mysql-executor.js';
import type { Connection } from '../../../lambdas/core/config/connection.js';
import type { ReadRequest } from '../../../lambdas/core/ports.js';
import { createThrowawayDatabase, queryAsAdmin, type ThrowawayDatabase } from '../../support/mysql.js';

const SETUP = `
  CREATE TABLE items (id int PRIMARY KEY, name varchar(20), price decimal(10,2), big bigint,
                      ubig bigint unsigned, ratio float, score double, at datetime(3), day date,
                      span time, yr year, doc json, raw varbinary(8), body text, kind enum('a','b'),
                      flags set('x','y'), active boolean);
  INSERT INTO items VALUES
    (1, 'item 1', 1.50, 9007199254740993, 18446744073709551615, 1.1, 2.5, '2026-01-02 03:04:05.123',
     '2026-01-02', '-12:30:00', 2026, '{"n": 1}', x'DEADBEEF', 'long text', 'b', 'x,y', true),
    (2, 'item 2', 3.00, 2, 2, 2.2, 5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false),
    (3, 'item 3', 4.50, 3, 3, 3.3, 7.5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false),
    (4, 'item 4', 6.00, 4, 4, 4.4, 10, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false),
    (5, 'item 5', 7.50, 5, 5, 5.5, 12.5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false);
  CREATE SEQUENCE counter;
`;

const connection = (name = 'it'): Connection => ({
  name,
  kind: 'mysql',
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

/** A TCP relay to the server that can stop passing the server's answers on open connections. */
const relay = async (target: URL) => {
  const pairs: Array<{ client: Socket; upstream: Socket; frozen: boolean }> = [];
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 3306), target.hostname);
    const pair = { client, upstream, frozen: false };
    pairs.push(pair);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('data', (data) => upstream.write(data));
    upstream.on('data', (data) => {
      if (!pair.frozen) client.write(data);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    /** Connections open now hang; new ones (the one that kills the query) still work. */
    freeze: () => {
      for (const pair of pairs) pair.frozen = true;
    },
    close: async () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
};

describe('MysqlExecutor on a real MySQL / MariaDB server', () => {
  let db: ThrowawayDatabase;
  let executor: MysqlExecutor;

  beforeAll(async () => {
    db = await createThrowawayDatabase(SETUP);
    executor = new MysqlExecutor({ resolve: async () => ({ uri: db.readerUrl }) });
  });

  afterAll(async () => {
    await executor.close();
    await db.drop();
  });

  it('returns typed columns and JSON-safe rows', async () => {
    const result = await executor.read(connection(), request('SELECT * FROM items WHERE id = 1'));
    expect(result.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'id:int',
      'name:varchar',
      'price:decimal',
      'big:bigint',
      'ubig:bigint unsigned',
      'ratio:float',
      'score:double',
      'at:datetime',
      'day:date',
      'span:time',
      'yr:year',
      'doc:json',
      'raw:varbinary',
      'body:text',
      'kind:enum',
      'flags:set',
      'active:tinyint',
    ]);
    expect(result.rows).toEqual([
      [
        1,
        'item 1',
        '1.50',
        '9007199254740993',
        '18446744073709551615',
        1.1,
        2.5,
        '2026-01-02 03:04:05.123',
        '2026-01-02',
        '-12:30:00',
        2026,
        { n: 1 },
        '0xdeadbeef',
        'long text',
        'b',
        'x,y',
        1,
      ],
    ]);
    expect(JSON.parse(JSON.stringify(result.rows))).toEqual(result.rows);
  });

  it('names the types of computed columns', async () => {
    const result = await executor.read(
      connection(),
      request(
        "SELECT COUNT(*) AS n, SUM(price) AS total, NULL AS nothing, 'x' AS s, NOW() AS now FROM items",
      ),
    );
    expect(result.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'n:bigint',
      'total:decimal',
      'nothing:null',
      's:varchar',
      'now:datetime',
    ]);
    expect(result.rows[0]!.slice(0, 4)).toEqual(['5', '22.50', null, 'x']);
  });

  it('caps rows and says it truncated, then serves the next request on a fresh connection', async () => {
    const result = await executor.read(connection(), request('SELECT id FROM items ORDER BY id'));
    expect(result).toMatchObject({ rows: [[1], [2], [3]], rowCount: 3, truncated: true });
    await expect(executor.read(connection(), request('SELECT 1 AS ok'))).resolves.toMatchObject({
      rows: [[1]],
    });
  });

  it('stops reading at the cap even when the server would send far more than the byte budget', async () => {
    // 5^8 = 390 625 rows, several MB: the connection is dropped at the fourth row.
    const sql = 'SELECT a.id FROM items a, items b, items c, items d, items e, items f, items g, items h';
    const result = await executor.read(connection(), request(sql, { maxResultBytes: 100_000 }));
    expect(result).toMatchObject({ rowCount: 3, truncated: true });
    await expect(executor.read(connection(), request('SELECT 1 AS ok'))).resolves.toMatchObject({
      rows: [[1]],
    });
  });

  it('does not report truncation when the rows fit exactly', async () => {
    const result = await executor.read(connection(), request('SELECT id FROM items WHERE id <= 3'));
    expect(result).toMatchObject({ rowCount: 3, truncated: false });
  });

  it('binds parameters on the server, never into the text', async () => {
    const result = await executor.read(
      connection(),
      request('SELECT name FROM items WHERE id = ? AND name <> ?', { params: [4, "' OR 1=1 -- "] }),
    );
    expect(result.rows).toEqual([['item 4']]);
    const injected = await executor.read(
      connection(),
      request('SELECT id FROM items WHERE name = ?', { params: ["x' OR '1'='1"] }),
    );
    expect(injected.rows).toEqual([]);
    const json = await executor.read(
      connection(),
      request('SELECT JSON_VALUE(?, "$.a") AS a', { params: [{ a: 7 }] }),
    );
    expect(json.rows).toEqual([['7']]);
  });

  it('runs several statements in one transaction and returns the last one’s rows', async () => {
    const result = await executor.read(connection(), request(['SELECT id FROM items', 'SELECT 2 AS b']));
    expect(result).toMatchObject({ columns: [{ name: 'b' }], rows: [[2]], truncated: false });
  });

  it('lets the server refuse several statements in one text', async () => {
    await expect(executor.read(connection(), request('SELECT 1; SELECT 2'))).rejects.toMatchObject({
      code: 'target_error',
      details: { sqlState: '42000', errno: 1064 },
    });
  });

  it('refuses writes at the database even if analysis missed them (read-only transaction)', async () => {
    // A SELECT that writes: the SELECT-only login may call it, the read-only transaction may not.
    await expect(executor.read(connection(), request('SELECT NEXTVAL(counter)'))).rejects.toMatchObject({
      code: 'target_error',
      message: 'The target refused a write: requests run in a read-only transaction.',
      details: { sqlState: '25006', errno: 1792 },
    });
    // A login that may write is stopped all the same.
    const privileged = new MysqlExecutor({ resolve: async () => ({ uri: db.adminUrl }) });
    try {
      await expect(
        privileged.read(connection('admin'), request("UPDATE items SET name = 'x'")),
      ).rejects.toMatchObject({ code: 'target_error', details: { sqlState: '25006', errno: 1792 } });
      await expect(
        privileged.read(connection('admin'), request('CREATE TEMPORARY TABLE scratch (a int)')),
      ).rejects.toMatchObject({ details: { errno: 1792 } });
    } finally {
      await privileged.close();
    }
    expect(await queryAsAdmin(db, "SELECT COUNT(*) AS n FROM items WHERE name = 'x'")).toEqual([{ n: 0 }]);
  });

  it('stops a statement that runs past the timeout on the server, then serves the next request', async () => {
    await expect(
      executor.read(connection(), request('SELECT SLEEP(5)', { timeoutMs: 200 })),
    ).rejects.toMatchObject({ code: 'target_timeout' });
    await expect(executor.read(connection(), request('SELECT 1 AS ok'))).resolves.toMatchObject({
      rows: [[1]],
    });
  });

  it('gives up on a server that stops answering, and kills the query from a second connection', async () => {
    // Prepare: a relay that stops passing the server's answers, so the server-side timeout's error
    // never arrives and only the driver-side deadline can end the request.
    const target = new URL(db.readerUrl);
    const hanging = await relay(target);
    const through = new URL(db.readerUrl);
    through.port = String(hanging.port);
    const stuck = new MysqlExecutor({ resolve: async () => ({ uri: through.toString() }) });
    try {
      await stuck.read(connection('stuck'), request('SELECT 1'));
      hanging.freeze();
      const started = Date.now();
      // Act
      const error = await stuck
        .read(connection('stuck'), request('SELECT SLEEP(3)', { timeoutMs: 200 }))
        .catch((e: Error) => e);
      // Assess
      expect(error).toMatchObject({ code: 'target_timeout' });
      // The deadline is the timeout plus one second; the statement itself would take 3 s.
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await stuck.close();
      await hanging.close();
    }
  });

  it('can kill a running statement on the server, as the driver-side deadline does', async () => {
    // Prepare
    const config = { uri: db.readerUrl };
    const sleeper = await mysql.createConnection(config);
    const sleeping = sleeper.query('SELECT SLEEP(30)');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Act
    await killQuery(config, sleeper.threadId);
    // Assess
    await expect(sleeping).rejects.toMatchObject({ errno: 1317 });
    await sleeper.end();
  });

  it('drops a result larger than the byte budget instead of buffering it', async () => {
    // Prepare: one value of 10 MB, far beyond a 1 MB budget.
    const sql = "SELECT REPEAT('x', 10000000) AS huge";
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

  it('leaves no session state behind: variables, named locks and session settings', async () => {
    // The analysis refuses these; the executor does not rely on it.
    await executor.read(connection(), request("SELECT GET_LOCK('tollgate_it', 0), @leak := 'secret'"));
    await executor.read(connection(), request("SET SESSION sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'"));
    expect(await queryAsAdmin(db, "SELECT IS_FREE_LOCK('tollgate_it') AS free")).toEqual([{ free: 1 }]);
    const after = await executor.read(
      connection(),
      request('SELECT @leak AS leak, @@SESSION.sql_mode AS mode'),
    );
    expect(after.rows).toEqual([
      [null, 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'],
    ]);
  });

  it('passes the server’s message and SQLSTATE for a failing statement, and keeps it out of the audit', async () => {
    const error = await executor
      .read(connection(), request('SELECT * FROM missing_table'))
      .catch((e: Error) => e);
    expect(error).toMatchObject({
      code: 'target_error',
      message: `The target rejected the statement: Table '${db.database}.missing_table' doesn't exist`,
      details: { sqlState: '42S02', errno: 1146 },
      auditMessage: 'The target rejected the statement (SQLSTATE 42S02, error 1146).',
    });
  });

  it('reports an unreachable target without revealing where it is or how it logs in', async () => {
    const unreachable = new MysqlExecutor({
      resolve: async () => ({ uri: 'mysql://admin:hunter2@127.0.0.1:1/app' }),
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
    const broken = new MysqlExecutor({ resolve: async () => Promise.reject(new Error('AccessDenied')) });
    await expect(broken.read(connection('broken'), request('SELECT 1'))).rejects.toMatchObject({
      code: 'target_error',
      message: 'The target credentials could not be resolved.',
    });
  });
});
