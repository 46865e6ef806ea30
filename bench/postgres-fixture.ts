// A throwaway database on the real PostgreSQL server: a bench table and a non-superuser reader
// role that may only SELECT it. Both are dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The bench table: 8 columns of mixed types. */
export const BENCH_TABLE = 'bench_orders';
/** Rows in the bench table; the 1,000-row SELECT reads all of them. */
export const BENCH_ROWS = 1000;

const SETUP = `
CREATE TABLE ${BENCH_TABLE} (
  id integer PRIMARY KEY,
  sku text NOT NULL,
  customer text NOT NULL,
  quantity integer NOT NULL,
  price numeric(10, 2) NOT NULL,
  ordered_at timestamptz NOT NULL,
  shipped boolean NOT NULL,
  meta jsonb NOT NULL
);
INSERT INTO ${BENCH_TABLE}
SELECT i,
       'SKU-' || lpad(i::text, 6, '0'),
       'customer ' || (i % 97) || ' <c' || (i % 97) || '@example.com>',
       1 + i % 9,
       round((i * 7.31)::numeric % 500, 2),
       timestamptz '2026-01-01 00:00:00+00' + i * interval '37 minutes',
       i % 3 = 0,
       jsonb_build_object('channel', (ARRAY['web', 'app', 'phone'])[1 + i % 3], 'priority', i % 5)
FROM generate_series(1, ${BENCH_ROWS}) AS i;
ANALYZE ${BENCH_TABLE};`;

/** The throwaway database, reachable as its reader role. */
export interface BenchDatabase {
  readonly database: string;
  readonly role: string;
  /** URL for the reader role: no superuser, SELECT on the bench table only. */
  readonly readerUrl: string;
  /** The server's `server_version`. */
  readonly serverVersion: string;
  /** Drops the database (forcing other sessions out) and the role. Safe to call twice. */
  drop(): Promise<void>;
}

const withClient = async <T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

const withDatabase = (url: string, database: string, role?: string): string => {
  const next = new URL(url);
  next.pathname = `/${database}`;
  if (role !== undefined) {
    next.username = role;
    next.password = '';
  }
  return next.toString();
};

/**
 * Creates `tollgate_bench_<random>` and its reader role. `onCreated` receives the drop function
 * before anything is created, so a failure half-way still cleans up.
 */
export const createBenchDatabase = async (
  adminUrl: string,
  onCreated: (drop: () => Promise<void>) => void,
): Promise<BenchDatabase> => {
  const suffix = randomBytes(4).toString('hex');
  const database = `tollgate_bench_${suffix}`;
  const role = `tollgate_bench_reader_${suffix}`;
  const drop = () =>
    withClient(adminUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
    });
  onCreated(drop);

  const serverVersion = await withClient(adminUrl, async (c) => {
    await c.query(`CREATE DATABASE ${database}`);
    await c.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION`);
    const { rows } = await c.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version;
  });
  await withClient(withDatabase(adminUrl, database), async (c) => {
    await c.query(SETUP);
    await c.query(`GRANT SELECT ON ${BENCH_TABLE} TO ${role}`);
  });
  const readerUrl = withDatabase(adminUrl, database, role);
  // The gateway must never reach the target as a superuser: check the role it will use.
  await withClient(readerUrl, async (c) => {
    const { rows } = await c.query<{ rolsuper: boolean }>(
      'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
    );
    if (rows[0]?.rolsuper !== false) throw new Error(`${role} is a superuser; refusing to benchmark`);
  });
  return { database, role, readerUrl, serverVersion, drop };
};
