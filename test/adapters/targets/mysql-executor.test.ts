// MysqlExecutor against a real MySQL / MariaDB server (see test/support/mysql.ts): reads, writes,
// name resolution in the connection's database with the server's case rules, and what the
// server's refusals become.

import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import mysql from 'mysql2/promise';
import {
  killQuery,
  MysqlExecutor,
  mysqlRejection,
} from '../../../lambdas/adapters/targets/mysql-executor.js';
import type { MysqlConnection } from '../../../lambdas/core/config/connection.js';
import { BlastRadiusExceededError, TargetRejectedError } from '../../../lambdas/core/errors.js';
import {
  type RelationRef,
  relationRefKey,
  type SqlRunRequest,
} from '../../../lambdas/core/sql/sql-executor.js';
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
  CREATE TABLE ledger (id int PRIMARY KEY, amount int NOT NULL);
  CREATE TABLE Customers (id int, Name varchar(20));
  CREATE TABLE customers (id int, email varchar(40));
  CREATE VIEW item_names AS SELECT id, name FROM items;
  CREATE VIEW cheap_items AS SELECT id FROM item_names WHERE id < 3;
  CREATE FUNCTION add_one(i int) RETURNS int DETERMINISTIC RETURN i + 1;
  CREATE FUNCTION Shout_Out(t varchar(20)) RETURNS varchar(20) DETERMINISTIC RETURN UPPER(t);
  CREATE FUNCTION \`operator:leak\`() RETURNS int DETERMINISTIC RETURN 1;
`;

const connection = (name = 'it'): MysqlConnection => ({
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
  /** A login that may write (the throwaway database's administrator). */
  let privileged: MysqlExecutor;
  let other: string;

  beforeAll(async () => {
    db = await createThrowawayDatabase(SETUP);
    executor = new MysqlExecutor({ resolve: async () => ({ uri: db.readerUrl }) });
    privileged = new MysqlExecutor({ resolve: async () => ({ uri: db.adminUrl }) });
    // A second database the reader may read, for qualified names.
    other = `${db.database}_other`;
    const reader = decodeURIComponent(new URL(db.readerUrl).username);
    await queryAsAdmin(
      db,
      `CREATE DATABASE ${other}; CREATE TABLE ${other}.items (elsewhere int);
       GRANT SELECT ON ${other}.* TO '${reader}'@'%';
       CREATE FUNCTION ${other}.elsewhere_fn() RETURNS int DETERMINISTIC RETURN 1;
       GRANT EXECUTE ON ${db.database}.* TO '${reader}'@'%';
       GRANT EXECUTE ON ${other}.* TO '${reader}'@'%'`,
    );
  });

  afterAll(async () => {
    await executor.close();
    await privileged.close();
    await queryAsAdmin(db, `DROP DATABASE IF EXISTS ${other}`);
    await db.drop();
  });

  it('returns typed columns and JSON-safe rows', async () => {
    const result = await executor.run(connection(), request('SELECT * FROM items WHERE id = 1'));
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
    const result = await executor.run(
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
    const result = await executor.run(connection(), request('SELECT id FROM items ORDER BY id'));
    expect(result).toMatchObject({ rows: [[1], [2], [3]], rowCount: 3, truncated: true });
    await expect(executor.run(connection(), request('SELECT 1 AS ok'))).resolves.toMatchObject({
      rows: [[1]],
    });
  });

  it('stops reading at the cap even when the server would send far more than the byte budget', async () => {
    // 5^8 = 390 625 rows, several MB: the connection is dropped at the fourth row.
    const sql = 'SELECT a.id FROM items a, items b, items c, items d, items e, items f, items g, items h';
    const result = await executor.run(connection(), request(sql, { maxResultBytes: 100_000 }));
    expect(result).toMatchObject({ rowCount: 3, truncated: true });
    await expect(executor.run(connection(), request('SELECT 1 AS ok'))).resolves.toMatchObject({
      rows: [[1]],
    });
  });

  it('does not report truncation when the rows fit exactly', async () => {
    const result = await executor.run(connection(), request('SELECT id FROM items WHERE id <= 3'));
    expect(result).toMatchObject({ rowCount: 3, truncated: false });
  });

  it('binds parameters on the server, never into the text', async () => {
    const result = await executor.run(
      connection(),
      request('SELECT name FROM items WHERE id = ? AND name <> ?', { params: [4, "' OR 1=1 -- "] }),
    );
    expect(result.rows).toEqual([['item 4']]);
    const injected = await executor.run(
      connection(),
      request('SELECT id FROM items WHERE name = ?', { params: ["x' OR '1'='1"] }),
    );
    expect(injected.rows).toEqual([]);
    const json = await executor.run(
      connection(),
      request('SELECT JSON_VALUE(?, "$.a") AS a', { params: [{ a: 7 }] }),
    );
    expect(json.rows).toEqual([['7']]);
  });

  it('runs several statements in one transaction and returns the last one’s rows', async () => {
    const result = await executor.run(connection(), request(['SELECT id FROM items', 'SELECT 2 AS b']));
    expect(result).toMatchObject({ columns: [{ name: 'b' }], rows: [[2]], truncated: false });
  });

  it('lets the server refuse several statements in one text', async () => {
    await expect(executor.run(connection(), request('SELECT 1; SELECT 2'))).rejects.toMatchObject({
      code: 'statement_rejected',
      details: { sqlState: '42000', condition: 'syntax_error' },
    });
  });

  it('refuses writes at the database even if analysis missed them (read-only transaction)', async () => {
    const readOnly = {
      code: 'statement_rejected',
      message: 'The target rejected the statement: read_only_sql_transaction (SQLSTATE 25006).',
      details: { sqlState: '25006', condition: 'read_only_sql_transaction' },
      rejection: { fault: 'caller', messageMayHoldData: false },
    };
    // A SELECT that writes: the SELECT-only login may call it, the read-only transaction may not.
    await expect(executor.run(connection(), request('SELECT NEXTVAL(counter)'))).rejects.toMatchObject(
      readOnly,
    );
    // A login that may write is stopped all the same.
    await expect(
      privileged.run(connection('admin'), request("UPDATE items SET name = 'x'")),
    ).rejects.toMatchObject(readOnly);
    await expect(
      privileged.run(connection('admin'), request('CREATE TEMPORARY TABLE scratch (a int)')),
    ).rejects.toMatchObject({ details: { sqlState: '25006' } });
    expect(await queryAsAdmin(db, "SELECT COUNT(*) AS n FROM items WHERE name = 'x'")).toEqual([{ n: 0 }]);
  });

  it('stops a request whose statement ends the read-only transaction, before anything after it runs', async () => {
    // Without the check, the INSERT would run after COMMIT, in autocommit, and stay.
    const error = await privileged
      .run(connection('admin'), request(['COMMIT', 'INSERT INTO ledger VALUES (900, 1)']))
      .catch((e: Error) => e);
    expect(error).toMatchObject({
      code: 'target_error',
      message: 'A statement ended the read-only transaction; the request was stopped.',
    });
    expect(await queryAsAdmin(db, 'SELECT COUNT(*) AS n FROM ledger WHERE id = 900')).toEqual([{ n: 0 }]);
  });

  it('never reuses a connection a statement moved to another database', async () => {
    // Prepare: one connection, so the next request would inherit the USE if it survived the reset.
    const single = new MysqlExecutor({ resolve: async () => ({ uri: db.readerUrl }), maxPoolSize: 1 });
    try {
      await single.run(connection('single'), request('USE information_schema'));
      // Act
      const after = await single.run(connection('single'), request('SELECT DATABASE()'));
      const resolved = await single.resolveRelations(connection('single'), [{ name: 'items' }]);
      // Assess
      expect(after.rows).toEqual([[db.database]]);
      expect(resolved.get(relationRefKey({ name: 'items' }))).toMatchObject({ schema: db.database });
    } finally {
      await single.close();
    }
  });

  it('stops a statement that runs past the timeout on the server, then serves the next request', async () => {
    await expect(
      executor.run(connection(), request('SELECT SLEEP(5)', { timeoutMs: 200 })),
    ).rejects.toMatchObject({ code: 'target_timeout' });
    await expect(executor.run(connection(), request('SELECT 1 AS ok'))).resolves.toMatchObject({
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
      await stuck.run(connection('stuck'), request('SELECT 1'));
      hanging.freeze();
      // Act
      const error = await stuck
        .run(connection('stuck'), request('SELECT SLEEP(3)', { timeoutMs: 200 }))
        .catch((e: Error) => e);
      // Assess
      // The driver-side deadline ended it: the relay never passed the server's answer on.
      expect(error).toMatchObject({ code: 'target_timeout' });
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

  it('leaves no session state behind: variables, named locks and session settings', async () => {
    // The analysis refuses these; the executor does not rely on it.
    await executor.run(connection(), request("SELECT GET_LOCK('tollgate_it', 0), @leak := 'secret'"));
    await executor.run(connection(), request("SET SESSION sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'"));
    expect(await queryAsAdmin(db, "SELECT IS_FREE_LOCK('tollgate_it') AS free")).toEqual([{ free: 1 }]);
    const after = await executor.run(
      connection(),
      request('SELECT @leak AS leak, @@SESSION.sql_mode AS mode'),
    );
    expect(after.rows).toEqual([
      [null, 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'],
    ]);
  });

  it('reports an unreachable target without revealing where it is or how it logs in', async () => {
    const unreachable = new MysqlExecutor({
      resolve: async () => ({ uri: 'mysql://admin:hunter2@127.0.0.1:1/app' }),
      connectTimeoutMs: 1000,
    });
    const error = await unreachable.run(connection('down'), request('SELECT 1')).catch((e: Error) => e);
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
    const postgresConnection = { ...connection(), kind: 'postgres' as const };
    await expect(executor.resolveRelations(postgresConnection, [{ name: 'items' }])).rejects.toMatchObject({
      code: 'target_error',
      message: 'Connection it is not a MySQL connection.',
    });
  });

  it('reports credentials that cannot be resolved as a target error', async () => {
    const broken = new MysqlExecutor({ resolve: async () => Promise.reject(new Error('AccessDenied')) });
    await expect(broken.run(connection('broken'), request('SELECT 1'))).rejects.toMatchObject({
      code: 'target_error',
      message: 'The target credentials could not be resolved.',
    });
  });

  describe('the blast radius of an approved write', () => {
    it('rolls back statements that change more rows together than the bound, and commits within it', async () => {
      await queryAsAdmin(db, 'INSERT INTO ledger VALUES (2000, 0), (2001, 0), (2002, 0), (2003, 0)');
      const statements = [
        'UPDATE ledger SET amount = 5 WHERE id IN (2000, 2001)',
        'UPDATE ledger SET amount = 5 WHERE id IN (2002, 2003)',
      ];
      const over = await privileged
        .run(connection('admin'), write(statements, { maxAffectedRows: 3, writes: [true, true] }))
        .catch((e: unknown) => e);
      expect(over).toBeInstanceOf(BlastRadiusExceededError);
      expect((over as BlastRadiusExceededError).details).toEqual({ affectedRows: 4, maxAffectedRows: 3 });
      expect(await queryAsAdmin(db, 'SELECT count(*) AS n FROM ledger WHERE amount = 5')).toEqual([{ n: 0 }]);
      await privileged.run(
        connection('admin'),
        write(statements, { maxAffectedRows: 4, writes: [true, true] }),
      );
      expect(await queryAsAdmin(db, 'SELECT count(*) AS n FROM ledger WHERE amount = 5')).toEqual([{ n: 4 }]);
    });
  });

  describe('the blast radius: rows InnoDB changed, cascades and triggers included', () => {
    beforeAll(async () => {
      for (const statement of [
        'CREATE TABLE parent (id int PRIMARY KEY) ENGINE=InnoDB',
        'CREATE TABLE child (id int PRIMARY KEY, pid int, FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE) ENGINE=InnoDB',
        'CREATE TABLE audit (id int PRIMARY KEY AUTO_INCREMENT, n int) ENGINE=InnoDB',
        'CREATE TRIGGER fan AFTER UPDATE ON parent FOR EACH ROW INSERT INTO audit (n) SELECT id FROM child',
        'INSERT INTO parent VALUES (1), (2)',
        'INSERT INTO child SELECT seq, 1 FROM seq_1_to_30',
      ])
        await queryAsAdmin(db, statement);
    });

    it('counts the rows a cascade deleted, and rolls the delete back', async () => {
      const error = await privileged
        .run(
          connection('admin'),
          write('DELETE FROM parent WHERE id = 1', { maxAffectedRows: 10, writes: [true] }),
        )
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'blast_radius_exceeded',
        details: { affectedRows: 31, maxAffectedRows: 10 },
      });
      expect(await queryAsAdmin(db, 'SELECT COUNT(*) AS n FROM child')).toEqual([{ n: 30 }]);
    });

    it('counts the rows a trigger changed', async () => {
      const error = await privileged
        .run(
          connection('admin'),
          write('UPDATE parent SET id = id WHERE id = 2', { maxAffectedRows: 5, writes: [true] }),
        )
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'blast_radius_exceeded' });
      expect(await queryAsAdmin(db, 'SELECT COUNT(*) AS n FROM audit')).toEqual([{ n: 0 }]);
    });

    it('refuses a bounded write to a table whose engine cannot roll back, before it runs', async () => {
      await queryAsAdmin(db, 'CREATE TABLE flat (id int PRIMARY KEY) ENGINE=MyISAM');
      await queryAsAdmin(db, 'INSERT INTO flat SELECT seq FROM seq_1_to_20');
      const error = await privileged
        .run(
          connection('admin'),
          write('DELETE FROM flat WHERE id > 10', {
            maxAffectedRows: 5,
            writes: [true],
            tablesWritten: ['flat'],
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'target_error',
        message: expect.stringContaining('cannot roll back'),
      });
      expect(await queryAsAdmin(db, 'SELECT COUNT(*) AS n FROM flat')).toEqual([{ n: 20 }]);
    });

    it('still counts an over-bound write while another session keeps the INNODB_TRX cache stale', async () => {
      await queryAsAdmin(db, 'INSERT INTO ledger SELECT 3000 + seq, 0 FROM seq_1_to_40');
      let reading = true;
      const reader = (async () => {
        while (reading) {
          await queryAsAdmin(db, 'SELECT COUNT(*) FROM information_schema.INNODB_TRX');
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      try {
        const error = await privileged
          .run(
            connection('admin'),
            write('DELETE FROM ledger WHERE id > 3000', {
              maxAffectedRows: 10,
              writes: [true],
              tablesWritten: ['ledger'],
            }),
          )
          .catch((e: unknown) => e);
        expect(error).toMatchObject({
          code: expect.stringMatching(/^(blast_radius_exceeded|target_error)$/),
        });
        expect(await queryAsAdmin(db, 'SELECT COUNT(*) AS n FROM ledger WHERE id > 3000')).toEqual([
          { n: 40 },
        ]);
      } finally {
        reading = false;
        await reader;
      }
    });

    it('refuses a bounded write when the role cannot read the counter (no PROCESS privilege)', async () => {
      const name = new URL(db.adminUrl).pathname.slice(1);
      await queryAsAdmin(
        db,
        `CREATE USER IF NOT EXISTS 'w_${name}'@'%'; GRANT SELECT, UPDATE ON ${name}.* TO 'w_${name}'@'%'`,
      );
      const url = new URL(db.adminUrl);
      url.username = `w_${name}`;
      const writer = new MysqlExecutor({ resolve: async () => ({ uri: url.toString() }) });
      try {
        const error = await writer
          .run(
            connection('writer'),
            write('UPDATE ledger SET amount = 7 WHERE id = 2000', { maxAffectedRows: 5, writes: [true] }),
          )
          .catch((e: unknown) => e);
        expect(error).toMatchObject({
          code: 'target_error',
          message: expect.stringContaining('PROCESS privilege'),
        });
        expect(await queryAsAdmin(db, 'SELECT COUNT(*) AS n FROM ledger WHERE amount = 7')).toEqual([
          { n: 0 },
        ]);
      } finally {
        await writer.close();
        await queryAsAdmin(db, `DROP USER IF EXISTS 'w_${name}'@'%'`);
      }
    });
  });

  describe('writes', () => {
    it('commits when every statement succeeds and reports the rows the last one affected', async () => {
      // Act
      const result = await privileged.run(
        connection('admin'),
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
        privileged.run(
          connection('admin'),
          write(['INSERT INTO ledger VALUES (10, 1)', 'INSERT INTO ledger VALUES (10, 2)']),
        ),
      );
      // Assess
      expect(rejected.rejection).toMatchObject({
        sqlState: '23000',
        condition: 'unique_violation',
        fault: 'caller',
        messageMayHoldData: true,
      });
      expect(await queryAsAdmin(db, 'SELECT COUNT(*) AS n FROM ledger WHERE id = 10')).toEqual([{ n: 0 }]);
    });

    it('returns RETURNING rows like a read, having applied the whole statement', async () => {
      // Prepare (MariaDB: DELETE ... RETURNING)
      await privileged.run(connection('admin'), write('INSERT INTO ledger VALUES (20, 0), (21, 0), (22, 0)'));
      // Act
      const result = await privileged.run(
        connection('admin'),
        write('DELETE FROM ledger WHERE id BETWEEN 20 AND 22 RETURNING id', { rowLimit: 5 }),
      );
      // Assess
      expect(result).toMatchObject({ columns: [{ name: 'id' }], rows: [[20], [21], [22]], rowCount: 3 });
      expect(result.affectedRows).toBeUndefined();
      expect(await queryAsAdmin(db, 'SELECT COUNT(*) AS n FROM ledger WHERE id BETWEEN 20 AND 22')).toEqual([
        { n: 0 },
      ]);
    });

    it('stops at a statement that commits implicitly, and runs nothing after it', async () => {
      // DDL commits what came before it; the executor cannot undo that, but runs nothing more.
      const error = await privileged
        .run(
          connection('admin'),
          write([
            'INSERT INTO ledger VALUES (30, 1)',
            'CREATE TABLE scratch (a int)',
            'INSERT INTO ledger VALUES (31, 1)',
          ]),
        )
        .catch((e: Error) => e);
      expect(error).toMatchObject({ code: 'target_error', details: { outcome: 'unknown' } });
      expect(await queryAsAdmin(db, 'SELECT id FROM ledger WHERE id IN (30, 31)')).toEqual([{ id: 30 }]);
    });
  });

  describe('resolveRelations', () => {
    const resolve = async (refs: RelationRef[], through = executor) => {
      const answer = await through.resolveRelations(connection(), refs);
      return refs.map((ref) => answer.get(relationRefKey(ref)));
    };

    it('resolves an unqualified name in the connection’s current database, as its statements do', async () => {
      const [items] = await resolve([{ name: 'items' }]);
      const read = await executor.run(connection(), request('SELECT * FROM items'));
      expect(items).toMatchObject({ schema: db.database, name: 'items', kind: 'table', dependsOn: [] });
      expect(items?.columns).toEqual(read.columns.map((c) => c.name));
    });

    it('resolves db.table in another database', async () => {
      const [elsewhere, information] = await resolve([
        { schema: other, name: 'items' },
        { schema: 'information_schema', name: 'TABLES' },
      ]);
      expect(elsewhere).toEqual({
        schema: other,
        name: 'items',
        kind: 'table',
        columns: ['elsewhere'],
        dependsOn: [],
        ancestors: [],
      });
      expect(information).toMatchObject({ schema: 'information_schema', name: 'TABLES', kind: 'other' });
    });

    it('compares names the way the server reports it does (lower_case_table_names)', async () => {
      // Prepare
      const [setting] = (await queryAsAdmin(db, 'SELECT @@lower_case_table_names AS l')) as Array<{
        l: number;
      }>;
      const refs = [{ name: 'Customers' }, { name: 'customers' }, { name: 'CUSTOMERS' }];
      // Act
      const found = (await resolve(refs)).map((r) => (r ? `${r.name}:${r.columns.join(',')}` : null));
      // Assess: 0 compares as stored; 1 stores and compares lower case; 2 compares lower case.
      const expected: Record<number, Array<string | null>> = {
        0: ['Customers:id,Name', 'customers:id,email', null],
        1: ['customers:id,email', 'customers:id,email', 'customers:id,email'],
        2: ['Customers:id,Name', 'Customers:id,Name', 'Customers:id,Name'],
      };
      expect(found).toEqual(expected[Number(setting?.l)]);
    });

    it('says what views read where the server can, and that it cannot where it has no VIEW_TABLE_USAGE', async () => {
      // Prepare: MariaDB 10.11 has no information_schema.VIEW_TABLE_USAGE; MySQL 8.0.13+ has.
      const [usage] = (await queryAsAdmin(
        db,
        "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'VIEW_TABLE_USAGE'",
      )) as Array<{ n: number }>;
      const items = [{ schema: db.database, name: 'items' }];
      // Act
      const [names, cheap] = await resolve([{ name: 'item_names' }, { name: 'cheap_items' }]);
      // Assess
      const dependsOn = Number(usage?.n) > 0 ? items : undefined;
      expect(names).toEqual({
        schema: db.database,
        name: 'item_names',
        kind: 'view',
        columns: ['id', 'name'],
        dependsOn,
        ancestors: [],
      });
      expect(cheap).toMatchObject({ kind: 'view', columns: ['id'] });
      expect(cheap?.dependsOn).toEqual(dependsOn);
    });

    it('leaves out names the server does not find or the login may not see', async () => {
      const answer = await executor.resolveRelations(connection(), [
        { name: 'nope' },
        { schema: 'nope', name: 'items' },
        { schema: 'mysql', name: 'user' },
        { name: '' },
        { name: 'ledger' },
      ]);
      expect([...answer.keys()]).toEqual([relationRefKey({ name: 'ledger' })]);
    });
  });

  describe('userFunctions', () => {
    const found = async (names: string[]) => [...(await executor.userFunctions(connection(), names))].sort();

    it('finds a stored function of the current database, unqualified and qualified', async () => {
      expect(await found(['add_one', `${db.database}.add_one`])).toEqual([
        'add_one',
        `${db.database}.add_one`,
      ]);
    });

    it('compares function names case-insensitively, as the server does', async () => {
      expect(await found(['shout_out'])).toEqual(['shout_out']);
    });

    it('does not report builtins', async () => {
      expect(await found(['upper', 'count', 'now', 'concat'])).toEqual([]);
    });

    it('looks for unqualified names in the current database only, qualified ones where they name', async () => {
      expect(await found(['elsewhere_fn', `${other}.elsewhere_fn`, `${other}.add_one`])).toEqual([
        `${other}.elsewhere_fn`,
      ]);
    });

    it('never reports an operator entry as user code: MySQL has no user operators', async () => {
      expect(await found(['operator:+', 'operator:||', 'operator:###', 'operator:add_one'])).toEqual([]);
    });

    it('reports an operator entry that a quoted stored function’s name spells', async () => {
      expect(await found(['operator:leak', 'operator:+'])).toEqual(['operator:leak']);
    });

    it('answers an empty set for no names without reaching the target', async () => {
      const unreachable = new MysqlExecutor({
        resolve: async () => {
          throw new Error('must not be reached');
        },
      });
      expect((await unreachable.userFunctions(connection(), [])).size).toBe(0);
      await unreachable.close();
    });
  });

  describe('listRelations', () => {
    it('lists the tables and views of the connection’s database, by name, up to the limit', async () => {
      const listed = await executor.listRelations(connection(), 100);
      const first = await executor.listRelations(connection(), 2);
      expect(listed.map((r) => `${r.name}:${r.kind}`)).toEqual(
        expect.arrayContaining(['items:table', 'item_names:view', 'ledger:table', 'counter:other']),
      );
      expect(listed.every((r) => r.schema === db.database)).toBe(true);
      expect(listed.map((r) => r.name)).toEqual(listed.map((r) => r.name).sort());
      expect(listed.find((r) => r.name === 'ledger')?.columns).toEqual(['id', 'amount']);
      expect(first).toEqual(listed.slice(0, 2));
    });
  });

  describe('refusals', () => {
    it.each([
      ['a syntax error', 'SELEC 1', [], '42000', 'syntax_error', false],
      ['an undefined table', 'SELECT * FROM missing_table', [], '42S02', 'undefined_table', false],
      ['an undefined column', 'SELECT nope FROM items', [], '42S22', 'undefined_column', false],
      ['a wrong parameter count', 'SELECT ? + ?', [1], 'HY000', 'wrong_parameter_count', false],
      [
        'no parameters where the statement has some',
        'SELECT ? AS a',
        [],
        'HY000',
        'wrong_parameter_count',
        false,
      ],
    ])('makes %s the caller’s fault', async (_, sql, params, sqlState, condition, messageMayHoldData) => {
      const rejected = await rejectionOf(executor.run(connection(), request(sql, { params })));
      expect(rejected).toMatchObject({
        code: 'statement_rejected',
        message: `The target rejected the statement: ${condition} (SQLSTATE ${sqlState}).`,
        rejection: { sqlState, condition, fault: 'caller', messageMayHoldData },
      });
    });

    it.each([
      ['a division by zero', 'INSERT INTO ledger VALUES (40, 1 / 0)', '22012', 'division_by_zero', undefined],
      [
        'a value that is not a number',
        "INSERT INTO ledger VALUES (41, 'x906-94-0318')",
        '22007',
        'invalid_text_representation',
        'x906-94-0318',
      ],
      [
        'a truncated comparison',
        "UPDATE ledger SET amount = 0 WHERE amount = '906-94-0318x'",
        '22007',
        'invalid_text_representation',
        '906-94-0318x',
      ],
    ])(
      'makes %s in a write the caller’s fault, with a message that may quote data',
      async (_, sql, sqlState, condition, quoted) => {
        const rejected = await rejectionOf(privileged.run(connection('admin'), write(sql)));
        expect(rejected.rejection).toMatchObject({
          sqlState,
          condition,
          fault: 'caller',
          messageMayHoldData: true,
        });
        // The value stays in the rejection's server message, out of what is shown and recorded.
        expect(rejected.rejection.serverMessage).toContain(quoted ?? 'Division by 0');
        expect(
          `${rejected.message} ${rejected.auditMessage} ${JSON.stringify(rejected.details)}`,
        ).not.toContain(quoted ?? 'Division by 0');
      },
    );

    it('counts a write refused as read-only against the target, a read refused so against the caller', () => {
      const error = {
        errno: 1792,
        sqlState: '25006',
        sqlMessage: 'Cannot execute statement in a READ ONLY transaction',
      };
      expect(mysqlRejection(error, 'write').fault).toBe('target');
      expect(mysqlRejection(error, 'read').fault).toBe('caller');
    });
  });
});
