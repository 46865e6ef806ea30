// Throwaway databases on the real PostgreSQL server the tests use (TOLLGATE_TEST_PG_URL, by
// default the machine's PostgreSQL 15 at 127.0.0.1:5432 with trust auth).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.TOLLGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ThrowawayDatabase {
  /** URL for a non-superuser login role that owns nothing and may only read what it is granted. */
  readonly readerUrl: string;
  /** URL for the administrator, to prepare data and check what changed. */
  readonly adminUrl: string;
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

/** Creates a database and a reader role, runs `setup` as the administrator, grants SELECT on all tables. */
export const createThrowawayDatabase = async (setup: string): Promise<ThrowawayDatabase> => {
  const suffix = randomBytes(4).toString('hex');
  const database = `tollgate_it_${suffix}`;
  const reader = `tollgate_reader_${suffix}`;
  await withClient(ADMIN_URL, async (c) => {
    await c.query(`CREATE DATABASE ${database}`);
    await c.query(`CREATE ROLE ${reader} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const adminUrl = url.toString();
  await withClient(adminUrl, async (c) => {
    await c.query(setup);
    await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader}`);
    await c.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${reader}`);
  });
  const readerUrl = new URL(adminUrl);
  readerUrl.username = reader;
  readerUrl.password = '';
  return {
    readerUrl: readerUrl.toString(),
    adminUrl,
    drop: () =>
      withClient(ADMIN_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${reader}`);
      }),
  };
};

export const queryAsAdmin = (db: ThrowawayDatabase, sql: string) =>
  withClient(db.adminUrl, async (c) => (await c.query(sql)).rows);
