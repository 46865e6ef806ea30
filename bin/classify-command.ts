// `tollgate classify <connection>`: proposes the connection's `classification` from its target's
// catalogue and a sample of each column's values (lambdas/core/masking/propose-classification.ts),
// printed as YAML ready to paste under the connection, one comment per line giving confidence and
// evidence, and marks where the proposal differs from the file. `--write` adds the proposed
// classes of unclassified columns to the file (comments kept); it never changes or removes an
// existing entry: a person decided those.
//
// Local mode only, PostgreSQL only: the target is the connection's `url`, its `urlEnv` variable, or
// the demo database — started here from <dataDir>/demo-postgres, which PGlite lets one process
// open at a time, so a running local gateway on the same data dir must be stopped first.
// Everything is read in one READ ONLY transaction; sampled values stay in memory and are never
// printed, logged or written, nor is the target's URL (it can hold a password).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { isMap, isSeq, parseDocument } from 'yaml';
import { ENDPOINTS_FILE } from '../lambdas/adapters/local/aws-stand-ins.js';
import type { Connection } from '../lambdas/core/config/connection.js';
import {
  type CatalogueColumn,
  type ClassificationProposal,
  classificationKey,
  MAX_SAMPLES,
  proposeClassification,
  worthSampling,
} from '../lambdas/core/masking/propose-classification.js';
import { loadLocalConfig, localConfigSchema } from '../lambdas/wiring/local-config.js';
import {
  type CliContext,
  type CommandIo,
  cliContext,
  type Env,
  localDataDir,
  processIo,
  runCli,
  shownPath,
  UsageError,
} from './cli-kit.js';
import { buildProgram } from './cli-program.js';

/** The parsed options of `tollgate classify <connection>` (cli-program.ts). */
export interface ClassifyOptions {
  /** Values sampled per column, 1 to MAX_SAMPLES. */
  readonly sample: number;
  readonly write: boolean;
  readonly file?: string;
}

const SEED_FILE = resolve(import.meta.dirname, '../db/seed/demo-postgres.sql');

/** Schemas that are PostgreSQL's own, never the application's. */
const CATALOGUE_SQL = `
SELECT c.table_schema::text AS schema, c.table_name::text AS "table", c.column_name::text AS column,
       c.data_type::text AS data_type
  FROM information_schema.columns c
  JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
 WHERE t.table_type = 'BASE TABLE'
   AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
   AND c.table_schema NOT LIKE 'pg\\_%'
 ORDER BY c.table_schema, c.table_name, c.ordinal_position`;

/** Characters of a value the detectors look at: enough for any value they find. */
const SAMPLE_CHARS = 4096;

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

// --- the target ------------------------------------------------------------------------------

interface OpenTarget {
  readonly url: string;
  /** For messages: never the URL. */
  readonly what: string;
  close(): Promise<void>;
}

/** True when the running local gateway of `dataDir` answers at its published endpoint. */
const gatewayRunning = async (dataDir: string): Promise<boolean> => {
  const file = join(dataDir, ENDPOINTS_FILE);
  if (!existsSync(file)) return false;
  let endpoint: unknown;
  try {
    endpoint = (JSON.parse(readFileSync(file, 'utf8')) as { dynamodb?: unknown }).dynamodb;
  } catch {
    return false;
  }
  if (typeof endpoint !== 'string') return false;
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
    return true; // any answer: something serves the gateway's DynamoDB stand-in
  } catch {
    return false; // a file left by a gateway that is gone
  }
};

const openTarget = async (
  connection: Connection,
  env: Env,
  cwd: string,
  io: CommandIo,
): Promise<OpenTarget> => {
  if (connection.kind !== 'postgres')
    throw new Error(
      `connection ${connection.name} is ${connection.kind}: classify reads PostgreSQL targets only`,
    );
  const target = connection.target;
  if ('url' in target) return { url: target.url, what: 'its url', close: async () => {} };
  if ('urlEnv' in target) {
    const url = env[target.urlEnv];
    if (!url) throw new Error(`environment variable ${target.urlEnv} is not set`);
    return { url, what: `$${target.urlEnv}`, close: async () => {} };
  }
  if ('secretArn' in target)
    throw new Error(
      `connection ${connection.name} reads its URL from Secrets Manager: classify runs in local mode; ` +
        'give it a url or urlEnv target (e.g. a copy of the file) to classify a reachable copy of the database',
    );
  const dataDir = localDataDir(env, cwd);
  if (await gatewayRunning(dataDir)) {
    throw new Error(
      `a local gateway is running on the data dir ${shownPath(cwd, dataDir)} and holds the demo database ` +
        '(PGlite lets one process open it): stop the gateway, then run `tollgate classify` again',
    );
  }
  const demoDir = join(dataDir, 'demo-postgres');
  io.stderr(`Starting the demo database (${shownPath(cwd, demoDir)})…\n`);
  // Loaded here: PGlite is large, and only the demo needs it.
  const { startDemoPostgres } = await import('../lambdas/adapters/local/demo-postgres.js');
  const demo = await startDemoPostgres({ dataDir: demoDir, seedFile: SEED_FILE, maxConnections: 1 });
  return { url: demo.url, what: 'the demo database', close: () => demo.stop() };
};

interface Inspection {
  readonly catalogue: CatalogueColumn[];
  readonly samples: Record<string, string[]>;
  /** Columns whose sample query failed: their SQLSTATE (never the message, which can quote data). */
  readonly unsampled: Record<string, string>;
}

/** The catalogue and a sample per column, in one READ ONLY transaction that is rolled back. */
const inspect = async (url: string, connection: Connection, sample: number): Promise<Inspection> => {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'tollgate-classify',
    connectionTimeoutMillis: 10_000,
  });
  // A failed connection's error can quote the URL's host and user, never its password: keep it short.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.trunc(connection.limits.statementTimeoutMs)}`);
    const { rows } = await client.query<{ schema: string; table: string; column: string; data_type: string }>(
      CATALOGUE_SQL,
    );
    const catalogue = rows.map((r) => ({
      schema: r.schema,
      table: r.table,
      column: r.column,
      dataType: r.data_type,
    }));
    const samples: Record<string, string[]> = {};
    const unsampled: Record<string, string> = {};
    for (const c of catalogue) {
      const key = classificationKey(c);
      if (!key || !worthSampling(c.dataType)) continue;
      const col = quoteIdent(c.column);
      await client.query('SAVEPOINT sample');
      try {
        const result = await client.query<{ v: string }>({
          text: `SELECT left(${col}::text, ${SAMPLE_CHARS}) AS v FROM ${quoteIdent(c.schema)}.${quoteIdent(c.table)} WHERE ${col} IS NOT NULL LIMIT $1`,
          values: [sample],
        });
        samples[key] = result.rows.map((r) => r.v);
        await client.query('RELEASE SAVEPOINT sample');
      } catch (error) {
        unsampled[key] = (error as { code?: string }).code ?? 'failed';
        await client.query('ROLLBACK TO SAVEPOINT sample');
      }
    }
    await client.query('ROLLBACK');
    return { catalogue, samples, unsampled };
  } finally {
    await client.end().catch(() => {});
  }
};

// --- output ----------------------------------------------------------------------------------

/** `customers.email` and `public.customers.email` name the same column. */
const normalKey = (key: string) => (key.split('.').length === 2 ? `public.${key}` : key);

export interface RenderInput {
  readonly connection: Connection;
  readonly catalogue: readonly CatalogueColumn[];
  readonly proposal: ClassificationProposal;
  readonly unsampled: Readonly<Record<string, string>>;
  readonly sample: number;
  readonly file: string;
}

interface Line {
  readonly key: string;
  readonly dataClass: string;
  readonly comment: string;
}

/** The classification block: proposed entries, then current entries without a proposal (kept). */
export const renderProposal = (input: RenderInput): { text: string; added: Record<string, string> } => {
  const { connection, catalogue, proposal, unsampled } = input;
  const current = new Map(
    Object.entries(connection.classification).map(([k, c]) => [normalKey(k), { k, c }]),
  );
  const known = new Set(
    catalogue
      .map((c) => classificationKey(c))
      .filter((k): k is string => k !== undefined)
      .map(normalKey),
  );
  const lines: Line[] = [];
  const added: Record<string, string> = {};
  let differ = 0;
  for (const [key, p] of Object.entries(proposal)) {
    const now = current.get(normalKey(key));
    let mark = '';
    if (!now) {
      mark = '  [NEW: not classified yet]';
      added[key] = p.dataClass;
    } else if (now.c !== p.dataClass) {
      mark = `  [DIFFERS: currently ${now.c}]`;
      differ++;
    }
    lines.push({ key, dataClass: p.dataClass, comment: `(${p.confidence}) ${p.evidence}${mark}` });
  }
  const proposed = new Set(Object.keys(proposal).map(normalKey));
  let kept = 0;
  for (const [normal, { k, c }] of current) {
    if (proposed.has(normal)) continue;
    kept++;
    const why = known.has(normal)
      ? `no evidence found${unsampled[k] ? ` (not sampled: ${unsampled[k]})` : ''}`
      : 'column not found in the catalogue';
    lines.push({ key: k, dataClass: c, comment: `(kept) classified now; ${why}` });
  }
  const tables = new Set(catalogue.map((c) => `${c.schema}.${c.table}`)).size;
  const unnamed = catalogue.filter((c) => !classificationKey(c)).length;
  const counts = { both: 0, name: 0, values: 0 };
  for (const p of Object.values(proposal)) counts[p.confidence]++;
  const width = Math.max(0, ...lines.map((l) => l.key.length + l.dataClass.length + 2));
  const out = [
    `# tollgate classify ${connection.name}: ${tables} table${tables === 1 ? '' : 's'}, ${catalogue.length} columns, ` +
      `up to ${input.sample} values sampled per column (read-only; never shown).`,
    `# Paste under connection ${connection.name} in ${input.file}, replacing its classification. Review every line:`,
    '# names and detectors both miss and over-match. Comments: (confidence) evidence.',
    lines.length === 0 ? 'classification: {}' : 'classification:',
    ...lines.map((l) => `  ${`${l.key}: ${l.dataClass}`.padEnd(width)}  # ${l.comment}`),
    `# ${Object.keys(proposal).length} proposed (${counts.both} both, ${counts.name} name, ${counts.values} values); ` +
      `${Object.keys(added).length} new, ${differ} differ from ${input.file}, ${kept} kept without evidence.`,
  ];
  const skipped = Object.keys(unsampled).length;
  if (skipped > 0)
    out.push(
      `# ${skipped} column${skipped === 1 ? '' : 's'} could not be sampled (no SELECT privilege?): judged by name only.`,
    );
  if (unnamed > 0)
    out.push(
      `# ${unnamed} column${unnamed === 1 ? '' : 's'} with upper-case or quoted names left out: classification keys are lower-case.`,
    );
  return { text: `${out.join('\n')}\n`, added };
};

// --- --write ---------------------------------------------------------------------------------

/**
 * Adds `added` to the connection's classification in `file`, in place: comments, order and every
 * other connection are kept. Checks the result still validates before replacing the file.
 */
const writeClassification = (file: string, name: string, added: Readonly<Record<string, string>>): void => {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) throw new Error(`cannot parse ${file}: ${doc.errors[0]!.message}`);
  const connections = doc.get('connections');
  if (!isSeq(connections)) throw new Error(`${file} has no connections list`);
  const node = connections.items.find((item) => isMap(item) && item.get('name') === name);
  if (!isMap(node)) throw new Error(`connection ${name} is not in ${file}`);
  let classification = node.get('classification');
  if (!isMap(classification)) {
    classification = doc.createNode({});
    node.set('classification', classification);
  }
  if (!isMap(classification)) throw new Error('unreachable: classification is not a map');
  for (const [key, dataClass] of Object.entries(added)) classification.set(key, dataClass);
  const parsed = localConfigSchema.safeParse(doc.toJS());
  if (!parsed.success)
    throw new Error(`the written file would be invalid: ${parsed.error.issues[0]?.message}`);
  const temp = join(dirname(file), `.${Date.now()}.tollgate-classify.tmp`);
  writeFileSync(temp, doc.toString({ lineWidth: 0 }));
  renameSync(temp, file);
};

// --- entry ---------------------------------------------------------------------------------

/** Runs `tollgate classify <name>` on parsed options; answers 0 (ok) or 1 (failed), throws UsageError. */
export async function runClassify(name: string, options: ClassifyOptions, cli: CliContext): Promise<number> {
  const { env, io, cwd } = cli;
  const { sample } = options;
  if (!Number.isInteger(sample) || sample < 1 || sample > MAX_SAMPLES)
    throw new UsageError(`--sample must be 1 to ${MAX_SAMPLES}`);
  const file = resolve(cwd, options.file ?? (env.TOLLGATE_CONFIG || 'tollgate.yaml'));
  const shown = shownPath(cwd, file);
  const config = loadLocalConfig(file);
  const connection = config.connections.find((c) => c.name === name);
  if (!connection) {
    throw new UsageError(
      `no connection "${name}" in ${shown} (it has: ${config.connections.map((c) => c.name).join(', ') || 'none'})`,
    );
  }

  const target = await openTarget(connection, env, cwd, io);
  let inspection: Inspection;
  try {
    io.stderr(`Reading the catalogue and sampling columns through ${target.what} (READ ONLY)…\n`);
    inspection = await inspect(target.url, connection, sample);
  } finally {
    await target.close();
  }
  const proposal = proposeClassification(inspection.catalogue, inspection.samples);
  const { text, added } = renderProposal({
    connection,
    catalogue: inspection.catalogue,
    proposal,
    unsampled: inspection.unsampled,
    sample,
    file: shown,
  });
  io.stdout(text);
  if (options.write) {
    const count = Object.keys(added).length;
    if (count === 0) {
      io.stdout(`# --write: nothing to add; ${shown} is unchanged.\n`);
    } else {
      writeClassification(file, connection.name, added);
      io.stdout(
        `# --write: added ${count} entr${count === 1 ? 'y' : 'ies'} to ${connection.name} in ${shown}; ` +
          'existing entries are unchanged (review the DIFFERS lines by hand).\n',
      );
    }
  }
  return 0;
}

/** Runs `tollgate classify <args>` in this process; answers the exit code (0 ok, 1 failed, 2 usage). */
export const classifyCommand = (
  args: readonly string[],
  env: Env,
  io: CommandIo = processIo,
): Promise<number> => {
  const ctx = cliContext(env, io);
  return runCli(buildProgram(ctx), ['classify', ...args], ctx);
};
