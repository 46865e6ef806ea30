// The demo database: its seed file (also on PostgreSQL 15), and startDemoPostgres: PGlite in a
// worker thread behind the pump, which serialises clients and enforces statement_timeout.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import Cursor from 'pg-cursor';
import {
  type DemoPostgres,
  type DemoPostgresEvent,
  startDemoPostgres,
} from '../../../lambdas/adapters/local/demo-postgres.js';
import {
  BackendFramer,
  FrontendReader,
  ProtocolViolation,
  queryMessage,
  readyForQuery,
  syncMessage,
} from '../../../lambdas/adapters/local/demo-postgres-protocol.js';
import { generateDemoSeed } from '../../../scripts/generate-demo-seed.js';

const seedFile = fileURLToPath(new URL('../../../db/seed/demo-postgres.sql', import.meta.url));
const pgUrl = process.env.TOLLGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function passesLuhn(value: string): boolean {
  const digits = value.replace(/[ -]/g, '');
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function counts(client: pg.Client): Promise<{ customers: number; orders: number }> {
  const { rows } = await client.query(
    'SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM orders)::int AS orders',
  );
  return rows[0];
}

/** Checks what any copy of the seed must hold, on PGlite or PostgreSQL. */
async function expectSeedData(client: pg.Client): Promise<void> {
  const { customers, orders } = await counts(client);
  expect(customers).toBeGreaterThanOrEqual(200);
  expect(orders).toBeGreaterThanOrEqual(900);
  const cards = await client.query<{ card_number: string }>(
    'SELECT card_number FROM customers WHERE card_number IS NOT NULL',
  );
  expect(cards.rows.length).toBeGreaterThan(150);
  expect(cards.rows.filter((r) => !passesLuhn(r.card_number))).toEqual([]);
  const ssns = await client.query<{ ssn: string }>('SELECT ssn FROM customers');
  expect(ssns.rows.every((r) => /^9\d{2}-\d{2}-\d{4}$/.test(r.ssn))).toBe(true);
  const emails = await client.query<{ email: string }>('SELECT email FROM customers');
  expect(emails.rows.every((r) => /@example\.(com|org|net)$/.test(r.email))).toBe(true);
}

describe('demo-postgres seed file', () => {
  it('is exactly what scripts/generate-demo-seed.ts produces', async () => {
    expect(await readFile(seedFile, 'utf8')).toBe(generateDemoSeed());
  });

  it('runs on PostgreSQL 15 in a fresh database, twice without duplicating rows', async () => {
    const database = `tollgate_seed_${randomBytes(6).toString('hex')}`;
    const sql = await readFile(seedFile, 'utf8');
    await withClient(pgUrl, (admin) => admin.query(`CREATE DATABASE ${database}`));
    try {
      const url = new URL(pgUrl);
      url.pathname = `/${database}`;
      await withClient(url.toString(), async (client) => {
        await client.query(sql);
        await expectSeedData(client);
        const before = await counts(client);
        await client.query(sql);
        expect(await counts(client)).toEqual(before);
        await client.query(
          "INSERT INTO customers (full_name, email, created_at) VALUES ('New Customer', 'new@example.com', now())",
        );
        const fk = client.query(
          'INSERT INTO orders (customer_id, amount, status, created_at) VALUES (-1, 1, $1, now())',
          ['paid'],
        );
        await expect(fk).rejects.toMatchObject({ code: '23503' });
      });
    } finally {
      await withClient(pgUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    }
  });
});

// Runs for minutes on PGlite: only a timeout, a cancel or a crash ends it.
const LONG_QUERY = 'SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b';
// What the gateway's PostgresExecutor sends to end a request and reset the session.
const END_AND_RESET =
  'ROLLBACK; CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DEALLOCATE ALL; UNLISTEN *; ' +
  'SELECT pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES';

interface PgError {
  code?: string;
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<PgError> {
  try {
    await promise;
  } catch (error) {
    return error as PgError;
  }
  throw new Error('expected a rejection');
}

/** One request the way PostgresExecutor makes it: read-only transaction, limits, a cursor. */
async function executorRead(client: pg.ClientBase, sql: string, timeoutMs: number): Promise<unknown[][]> {
  await client.query(
    `BEGIN READ ONLY; SET LOCAL statement_timeout = ${timeoutMs}; SET LOCAL search_path TO "public"`,
  );
  try {
    const cursor = client.query(new Cursor(sql, undefined, { rowMode: 'array' }));
    return await new Promise<unknown[][]>((resolve, reject) =>
      cursor.read(101, (error, rows) => (error ? reject(error) : cursor.close(() => resolve(rows)))),
    );
  } finally {
    await client.query(END_AND_RESET);
  }
}

/** A CancelRequest for `client`'s connection, sent as pg's own cancel does, on a new socket. */
async function sendCancel(port: number, client: pg.Client): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4);
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.end(packet);
  await once(socket, 'close');
}

/** A pause for messages already sent to be handled; nothing is asserted on its length. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

/** Collects a demo's events; `worker` is the one serving now. */
function eventLog() {
  const events: DemoPostgresEvent[] = [];
  const log = {
    events,
    worker: undefined as Worker | undefined,
    stops: () => events.flatMap((e) => (e.type === 'worker-stopped' ? [e.reason] : [])),
    onEvent: (event: DemoPostgresEvent) => {
      events.push(event);
      if (event.type === 'worker-started') log.worker = event.worker;
    },
  };
  return log;
}

/** A typed message: its letter, then the length and the payload. */
function typed(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + payload.length, 1);
  return Buffer.concat([header, payload]);
}

describe('demo-postgres wire protocol', () => {
  const sslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
  const params = Buffer.from('user\0tollgate_reader\0database\0postgres\0\0', 'latin1');
  const startup = Buffer.concat([Buffer.alloc(8), params]);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196608, 4);
  const stream = Buffer.concat([
    sslRequest,
    startup,
    queryMessage('SELECT 1'),
    typed('P', Buffer.from('\0SELECT $1\0\0\0', 'latin1')),
    typed('E', Buffer.from('\0\0\0\0\0', 'latin1')),
    syncMessage(),
  ]);

  it('frames a client stream fed one byte at a time exactly as fed whole', () => {
    const whole = new FrontendReader(1 << 20).push(stream);
    const reader = new FrontendReader(1 << 20);
    const byByte = [...stream].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(whole.map((m) => m.type)).toEqual(['startup', 'startup', 'Q', 'P', 'E', 'S']);
    expect(byByte.map((m) => [m.type, m.bytes.toString('hex')])).toEqual(
      whole.map((m) => [m.type, m.bytes.toString('hex')]),
    );
    expect(Buffer.concat(whole.map((m) => m.bytes))).toEqual(stream);
  });

  it('refuses a message longer than allowed, or shorter than its own length field', () => {
    const reader = new FrontendReader(64);
    reader.push(startup);
    expect(() => reader.push(typed('Q', Buffer.alloc(100)))).toThrow(ProtocolViolation);
    expect(() => new FrontendReader(64).push(Buffer.from([0, 0, 0, 2]))).toThrow(ProtocolViolation);
  });

  it('passes on only whole backend messages, and the status of a final ReadyForQuery', () => {
    const output = Buffer.concat([typed('C', Buffer.from('SELECT 1\0', 'latin1')), readyForQuery('T')]);
    const framer = new BackendFramer();
    const passed = [...output].map((byte) => Buffer.from(framer.push(Uint8Array.of(byte))));
    expect(passed.filter((chunk) => chunk.length > 0).map((chunk) => chunk.length)).toEqual([14, 6]);
    expect(Buffer.concat(passed)).toEqual(output);
    expect(framer.lastReady).toBe('T');
    expect(framer.leftover).toBe(0);
    framer.push(typed('D', Buffer.alloc(2)).subarray(0, 5));
    expect(framer.lastReady).toBe('T');
    expect(framer.leftover).toBe(5);
  });
});

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tollgate-demo-pg-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('startDemoPostgres', () => {
  let demo: DemoPostgres | undefined;
  const log = eventLog();

  beforeAll(async () => {
    demo = await startDemoPostgres({ dataDir, seedFile, onEvent: log.onEvent });
  }, 120_000);

  afterAll(async () => {
    await demo?.stop();
  });

  it('serves the seeded data over TCP to the pg driver', async () => {
    expect(demo!.url).toBe(`postgres://tollgate_reader@127.0.0.1:${demo!.port}/postgres`);
    await withClient(demo!.url, async (client) => {
      await expectSeedData(client);
      expect(await counts(client)).toEqual({ customers: 250, orders: 1000 });
    });
  });

  it('runs queries as tollgate_reader, which cannot write', async () => {
    await withClient(demo!.url, async (client) => {
      const { rows } = await client.query('SELECT current_user AS who');
      expect(rows[0].who).toBe('tollgate_reader');
      await expect(client.query("UPDATE customers SET notes = 'x'")).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('CREATE TABLE scratch (a int)')).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('runs the writer URL (approved writes) as tollgate_writer, and every other client still as the reader', async () => {
    expect(demo!.writerUrl).toBe(`postgres://tollgate_writer@127.0.0.1:${demo!.port}/postgres`);
    await withClient(demo!.url, async (reader) => {
      await withClient(demo!.writerUrl, async (writer) => {
        await writer.query('BEGIN');
        expect((await writer.query('SELECT current_user AS who')).rows[0].who).toBe('tollgate_writer');
        await writer.query("UPDATE customers SET notes = 'approved' WHERE id = 1");
        await writer.query('ROLLBACK');
        // Between the writer's transactions the session is the reader's again.
        expect((await reader.query('SELECT current_user AS who')).rows[0].who).toBe('tollgate_reader');
        await expect(reader.query("UPDATE customers SET notes = 'x' WHERE id = 1")).rejects.toMatchObject({
          code: '42501',
        });
        // PGlite's session user is the superuser, so SET ROLE works (the demo is no security
        // boundary); the batch leaves the session idle, and it is the reader's again.
        await reader.query('SET ROLE tollgate_writer');
        expect((await reader.query('SELECT current_user AS who')).rows[0].who).toBe('tollgate_reader');
        expect((await writer.query('SELECT current_user AS who')).rows[0].who).toBe('tollgate_writer');
      });
    });
  });

  it("returns to tollgate_reader after the gateway's session reset (SET SESSION AUTHORIZATION DEFAULT)", async () => {
    await withClient(demo!.url, async (client) => {
      expect(await executorRead(client, 'SELECT current_user', 5000)).toEqual([['tollgate_reader']]);
      expect(await executorRead(client, 'SELECT current_user', 5000)).toEqual([['tollgate_reader']]);
      await client.query('RESET ROLE');
      expect((await client.query('SELECT current_user AS who')).rows[0].who).toBe('tollgate_reader');
      await expect(client.query("UPDATE customers SET notes = 'x'")).rejects.toMatchObject({ code: '42501' });
    });
  });

  it("drops a client's session settings once no other client is connected", async () => {
    await withClient(demo!.url, async (client) => {
      await client.query("SET statement_timeout = '1h'; SET search_path = pg_catalog");
    });
    await withClient(demo!.url, async (client) => {
      const { rows } = await client.query(
        "SELECT current_setting('statement_timeout') AS timeout, current_setting('search_path') AS path",
      );
      expect(rows[0]).toEqual({ timeout: '0', path: 'public' });
    });
  });

  it('serves two concurrent clients', async () => {
    const a = new pg.Client({ connectionString: demo!.url });
    const b = new pg.Client({ connectionString: demo!.url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      const query =
        'SELECT c.id, sum(o.amount) AS total FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id';
      const results = await Promise.all([a, b, a, b].map((client) => client.query(query)));
      for (const result of results) expect(result.rows.length).toBe(results[0]!.rows.length);
      expect(results[0]!.rows.length).toBeGreaterThan(200);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it("runs another client's statement only after the open transaction ends", async () => {
    const a = new pg.Client({ connectionString: demo!.url });
    const b = new pg.Client({ connectionString: demo!.url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query('BEGIN READ ONLY');
      // Interleaved into a's transaction, this would report `on`.
      const other = b.query('SHOW transaction_read_only');
      expect((await a.query('SHOW transaction_read_only')).rows[0].transaction_read_only).toBe('on');
      await a.query('ROLLBACK');
      expect((await other).rows[0].transaction_read_only).toBe('off');
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('gives each of a pool of concurrent executor-shaped requests its own rows', async () => {
    const pool = new pg.Pool({ connectionString: demo!.url, max: 4 });
    try {
      const ids = Array.from({ length: 24 }, (_, i) => i + 1);
      const results = await Promise.all(
        ids.map(async (id) => {
          const client = await pool.connect();
          try {
            return await executorRead(
              client,
              `SELECT id, current_user FROM customers WHERE id = ${id}`,
              5000,
            );
          } finally {
            client.release();
          }
        }),
      );
      expect(results).toEqual(ids.map((id) => [[id, 'tollgate_reader']]));
    } finally {
      await pool.end();
    }
  });

  it("stops a statement that outlives the transaction's statement_timeout with 57014; the next request runs", async () => {
    await withClient(demo!.url, async (client) => {
      await client.query('BEGIN READ ONLY; SET LOCAL statement_timeout = 300');
      const cursor = client.query(new Cursor(LONG_QUERY));
      const error = await rejection(
        new Promise((resolve, reject) => cursor.read(10, (e, rows) => (e ? reject(e) : resolve(rows)))),
      );
      expect(error.code).toBe('57014');
      // As on PostgreSQL, the transaction is now failed, not gone: nothing runs until ROLLBACK.
      expect((await rejection(client.query('SELECT 1'))).code).toBe('25P02');
      await client.query(END_AND_RESET);
      expect(await executorRead(client, 'SELECT count(*)::int, current_user FROM customers', 5000)).toEqual([
        [250, 'tollgate_reader'],
      ]);
    });
    expect(log.stops()).toContain('timeout');
  });

  it('runs a statement that finishes within its statement_timeout', async () => {
    const stopsBefore = log.stops().length;
    await withClient(demo!.url, async (client) => {
      const rows = await executorRead(
        client,
        'SELECT sum(g)::bigint FROM generate_series(1, 200000) g',
        20_000,
      );
      expect(rows).toEqual([['20000100000']]);
    });
    expect(log.stops().length).toBe(stopsBefore);
  });

  it('keeps the event loop free while a long statement runs, and a CancelRequest stops it with 57014', async () => {
    const http = createHttpServer((_, response) => response.end('ok'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as { port: number };
    const client = new pg.Client({ connectionString: demo!.url });
    await client.connect();
    try {
      await client.query('BEGIN READ ONLY; SET LOCAL statement_timeout = 600000');
      let settled = false;
      const long = client.query(LONG_QUERY).finally(() => {
        settled = true;
      });
      long.catch(() => undefined);
      // Each answer needs this thread's event loop; the statement is still running throughout.
      const answers: string[] = [];
      for (let i = 0; i < 3; i++) answers.push(await (await fetch(`http://127.0.0.1:${port}/`)).text());
      await settle();
      expect(answers).toEqual(['ok', 'ok', 'ok']);
      expect(settled).toBe(false);

      await sendCancel(demo!.port, client);
      expect((await rejection(long)).code).toBe('57014');
      await client.query('ROLLBACK');
      expect((await client.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(1000);
    } finally {
      await client.end();
      await new Promise((resolve) => http.close(resolve));
    }
    expect(log.stops()).toContain('cancel');
  });

  it('notices a crashed worker: the interrupted client gets 57P02, the next client a new worker', async () => {
    const crashed = log.worker!;
    const victim = new pg.Client({ connectionString: demo!.url });
    victim.on('error', () => undefined);
    await victim.connect();
    try {
      await victim.query('BEGIN READ ONLY; SET LOCAL statement_timeout = 600000');
      const long = victim.query(LONG_QUERY);
      long.catch(() => undefined);
      await settle(); // the statement reaches the worker
      await crashed.terminate();
      expect((await rejection(long)).code).toBe('57P02');
    } finally {
      await victim.end().catch(() => undefined);
    }
    await withClient(demo!.url, async (client) => {
      expect(await counts(client)).toEqual({ customers: 250, orders: 1000 });
    });
    expect(log.stops()).toContain('crash');
    expect(log.worker).not.toBe(crashed);
  });

  it('keeps its data across a restart (and the worker restarts before it) and does not seed again', async () => {
    await demo!.stop();
    demo = undefined;
    // The data dir opens in this process too, after the worker was replaced mid-statement several
    // times: nothing of the seed was lost. Then change it behind the adapter's back: a second
    // seeding would put customer 250 back.
    const direct = await PGlite.create({ dataDir });
    const seeded = await direct.query<{ customers: number; orders: number }>(
      'SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM orders)::int AS orders',
    );
    expect(seeded.rows[0]).toEqual({ customers: 250, orders: 1000 });
    await direct.exec('DELETE FROM orders WHERE customer_id = 250; DELETE FROM customers WHERE id = 250;');
    await direct.close();

    demo = await startDemoPostgres({ dataDir, seedFile, onEvent: log.onEvent });
    await withClient(demo.url, async (client) => {
      expect((await counts(client)).customers).toBe(249);
    });
  }, 60_000);

  it('releases the port and ends its worker thread on stop(), twice', async () => {
    const { port, url } = demo!;
    const exited = once(log.worker!, 'exit');
    await demo!.stop();
    await demo!.stop();
    demo = undefined;
    await exited;
    await expect(withClient(url, (client) => client.query('SELECT 1'))).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    const probe = createServer();
    await new Promise<void>((resolve, reject) =>
      probe.once('error', reject).listen(port, '127.0.0.1', resolve),
    );
    await new Promise((resolve) => probe.close(resolve));
  });
});

describe('startDemoPostgres with its own limits', () => {
  let demo: DemoPostgres;
  const log = eventLog();

  beforeAll(async () => {
    demo = await startDemoPostgres({
      dataDir,
      seedFile,
      // Far above what the other statements need, far below what LONG_QUERY does.
      statementTimeoutMs: 2000,
      idleInTransactionTimeoutMs: 300,
      maxConnections: 2,
      onEvent: log.onEvent,
    });
  }, 60_000);

  afterAll(async () => {
    await demo.stop();
  });

  it('applies statementTimeoutMs to a session that sets no statement_timeout', async () => {
    await withClient(demo.url, async (client) => {
      expect((await rejection(client.query(LONG_QUERY))).code).toBe('57014');
      // 249 after the restart test above (it deletes one), 250 when run alone.
      expect(
        (await client.query('SELECT count(*)::int AS n FROM customers')).rows[0].n,
      ).toBeGreaterThanOrEqual(249);
    });
  });

  it('disconnects a client left idle in a transaction (25P03) and serves the others', async () => {
    const idle = new pg.Client({ connectionString: demo.url });
    const failed = once(idle, 'error');
    idle.on('error', () => undefined); // the connection's end follows the error
    await idle.connect();
    await idle.query('BEGIN READ ONLY');
    const [error] = (await failed) as [PgError];
    expect(error.code).toBe('25P03');
    await withClient(demo.url, async (client) => {
      expect((await client.query('SHOW transaction_read_only')).rows[0].transaction_read_only).toBe('off');
    });
    await idle.end().catch(() => undefined);
  });

  it('refuses a connection past maxConnections with 53300', async () => {
    const held = [
      new pg.Client({ connectionString: demo.url }),
      new pg.Client({ connectionString: demo.url }),
    ];
    await Promise.all(held.map((c) => c.connect()));
    try {
      const extra = new pg.Client({ connectionString: demo.url });
      extra.on('error', () => undefined);
      expect((await rejection(extra.connect())).code).toBe('53300');
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  it('ends a worker busy with a statement on stop(), twice, and the data dir opens again', async () => {
    const client = new pg.Client({ connectionString: demo.url });
    client.on('error', () => undefined);
    await client.connect();
    await client.query('SET statement_timeout = 600000');
    const long = client.query(LONG_QUERY);
    long.catch(() => undefined);
    await settle(); // the statement reaches the worker
    const exited = once(log.worker!, 'exit');
    await Promise.all([demo.stop(), demo.stop()]);
    await exited;
    // The statement did not finish: its connection ended with the worker.
    expect(await rejection(long)).toMatchObject({ message: 'Connection terminated unexpectedly' });
    await client.end().catch(() => undefined);

    demo = await startDemoPostgres({ dataDir, seedFile });
    await withClient(demo.url, async (c) => {
      expect((await counts(c)).orders).toBeGreaterThan(990);
    });
  }, 60_000);
});
