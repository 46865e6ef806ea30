// Throwaway databases on the real MySQL / MariaDB server the tests use (TOLLGATE_TEST_MYSQL_URL, by
// default the machine's MariaDB 10.11 at 127.0.0.1:3306, root without a password).
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export const ADMIN_URL = process.env.TOLLGATE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface ThrowawayDatabase {
  readonly database: string;
  /** URL for a user that may only SELECT in the throwaway database. */
  readonly readerUrl: string;
  /** URL for the administrator, to prepare data and check what changed. */
  readonly adminUrl: string;
  drop(): Promise<void>;
}

const withConnection = async <T>(url: string, work: (c: mysql.Connection) => Promise<T>): Promise<T> => {
  const connection = await mysql.createConnection({ uri: url, multipleStatements: true });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
};

/** Creates a database and a SELECT-only user, and runs `setup` (several statements) as the administrator. */
export const createThrowawayDatabase = async (setup: string): Promise<ThrowawayDatabase> => {
  const suffix = randomBytes(4).toString('hex');
  const database = `tollgate_it_${suffix}`;
  const reader = `tollgate_reader_${suffix}`;
  const password = randomBytes(12).toString('hex');
  const adminUrl = new URL(ADMIN_URL);
  adminUrl.pathname = `/${database}`;
  await withConnection(ADMIN_URL, async (c) => {
    await c.query(`CREATE DATABASE ${database}`);
    await c.query(`CREATE USER '${reader}'@'%' IDENTIFIED BY '${password}'`);
    await c.query(`GRANT SELECT ON ${database}.* TO '${reader}'@'%'`);
  });
  await withConnection(adminUrl.toString(), (c) => c.query(setup));
  const readerUrl = new URL(adminUrl);
  readerUrl.username = reader;
  readerUrl.password = password;
  return {
    database,
    readerUrl: readerUrl.toString(),
    adminUrl: adminUrl.toString(),
    drop: () =>
      withConnection(ADMIN_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${database}`);
        await c.query(`DROP USER IF EXISTS '${reader}'@'%'`);
      }),
  };
};

export const queryAsAdmin = async (db: ThrowawayDatabase, sql: string): Promise<unknown[]> =>
  withConnection(db.adminUrl, async (c) => (await c.query(sql))[0] as unknown[]);
