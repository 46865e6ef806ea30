// Local stand-in for a customer database: the seeded demo database `demo-postgres`, PGlite served over TCP.
import { mkdir, readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface DemoPostgresOptions {
  /** PGlite data directory; created if missing and kept across restarts. */
  dataDir: string;
  /** SQL run once, when the database has no `customers` table yet. */
  seedFile: string;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Concurrent client connections accepted (default 16; pglite-socket's own default is 1). */
  maxConnections?: number;
}

export interface DemoPostgres {
  /** `postgres://` URL for the `pg` driver. */
  url: string;
  port: number;
  /** Closes the socket server, then PGlite (which flushes the data dir). Safe to call twice. */
  stop(): Promise<void>;
}

const READER = 'tollgate_reader';

// PGlite runs a single backend whose session user is always the superuser `postgres`, and the
// socket server ignores the user in the startup message: every connection shares that one session.
// So the reader role is applied with SET ROLE, as PGlite's own `username` option does. That makes
// accidental writes fail (42501) but is no security boundary: a client can RESET ROLE.
const READER_SETUP = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${READER}') THEN CREATE ROLE ${READER} LOGIN; END IF;
END $$;
GRANT USAGE ON SCHEMA public TO ${READER};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READER};
SET ROLE ${READER};
`;

/**
 * Starts the demo PostgreSQL database on a local TCP port, backed by PGlite with an on-disk data
 * directory. Seeds it from `seedFile` only when it is first created (no `customers` table yet).
 * Connections run as the non-superuser role `tollgate_reader` (SELECT on the tables of schema
 * `public`), applied with SET ROLE: PGlite has no real logins, so this guards against mistakes, not
 * against a hostile client. All clients share PGlite's single session, so session settings leak
 * between them.
 */
export async function startDemoPostgres(options: DemoPostgresOptions): Promise<DemoPostgres> {
  const host = options.host ?? '127.0.0.1';
  await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir: options.dataDir });
  let server: PGLiteSocketServer;
  try {
    const { rows } = await db.query<{ seeded: boolean }>(
      "SELECT to_regclass('public.customers') IS NOT NULL AS seeded",
    );
    if (!rows[0]?.seeded) await db.exec(await readFile(options.seedFile, 'utf8'));
    await db.exec(READER_SETUP);
    server = new PGLiteSocketServer({
      db,
      host,
      port: options.port ?? 0,
      maxConnections: options.maxConnections ?? 16,
    });
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }

  // getServerConn() reports the bound port once listening, also when port 0 was asked for.
  const port = Number(server.getServerConn().split(':').pop());
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://${READER}@${urlHost}:${port}/postgres`,
    port,
    stop: () => {
      stopped ??= server.stop().then(() => db.close());
      return stopped;
    },
  };
}
