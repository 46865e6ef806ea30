import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type DemoPostgres, startDemoPostgres } from '../../../lambdas/adapters/local/demo-postgres.js';
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

describe('startDemoPostgres', () => {
  let dataDir: string;
  let demo: DemoPostgres | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tollgate-demo-pg-'));
    demo = await startDemoPostgres({ dataDir, seedFile });
  }, 120_000);

  afterAll(async () => {
    await demo?.stop();
    await rm(dataDir, { recursive: true, force: true });
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

  it('keeps its data across a restart and does not seed again', async () => {
    await demo!.stop();
    demo = undefined;
    // Change the data behind the adapter's back: a second seeding would put customer 250 back.
    const direct = await PGlite.create({ dataDir });
    await direct.exec('DELETE FROM orders WHERE customer_id = 250; DELETE FROM customers WHERE id = 250;');
    await direct.close();

    demo = await startDemoPostgres({ dataDir, seedFile });
    await withClient(demo.url, async (client) => {
      expect((await counts(client)).customers).toBe(249);
    });
  }, 60_000);

  it('releases the port on stop()', async () => {
    const { port, url } = demo!;
    await demo!.stop();
    await demo!.stop();
    demo = undefined;
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
