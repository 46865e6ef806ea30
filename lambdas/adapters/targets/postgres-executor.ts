// SqlExecutor for PostgreSQL over `pg`: every request runs in one transaction (READ ONLY and
// always rolled back for reads; read-write and committed only if every statement succeeded for
// writes) with the connection's search_path pinned, a server-side statement_timeout, a driver-side
// deadline as backstop, a row cap read through a cursor (the target never streams more than
// cap + 1 rows) and a byte budget. Relation, function and operator names resolve the same way, in the same
// kind of transaction. The session is reset after every request, so nothing one request leaves behind
// (temporary tables, settings, locks, prepared statements) reaches the next.
import { randomInt } from 'node:crypto';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { type PostgresConnection, type SqlConnection, searchPathOf } from '../../core/config/connection.js';
import {
  BlastRadiusExceededError,
  TargetError,
  TargetRejectedError,
  type TargetRejection,
  TargetTimeoutError,
  TollgateError,
} from '../../core/errors.js';
import type { ResultColumn, ResultSet } from '../../core/ports.js';
import {
  mostVolatile,
  OPERATOR_PREFIX,
  operatorSymbols,
  TYPE_PREFIX,
} from '../../core/sql/function-allowlist.js';
import {
  distinctRefs,
  type RelationRef,
  type ResolvedRelation,
  type SqlExecutor,
  type SqlRunRequest,
  type Volatility,
} from '../../core/sql/sql-executor.js';
import { gatewayTypes, jsonSafe, typeName } from './postgres-types.js';
import { meaningOf } from './sqlstate.js';
import { gatewaySideFailure } from './target-failures.js';

/** Resolves how to reach a connection's database; credentials stay inside the adapter. */
export type PostgresTargetResolver = (connection: PostgresConnection) => Promise<pg.PoolConfig>;

export interface PostgresExecutorOptions {
  readonly resolve: PostgresTargetResolver;
  /** Connections per pool; Lambda serves one request at a time, so 1–2 is plenty there. */
  readonly maxPoolSize?: number;
  readonly connectTimeoutMs?: number;
}

const QUERY_CANCELED = '57014';
const READ_ONLY_TRANSACTION = '25006';
const PROTOCOL_VIOLATION = '08P01';
/** How PostgreSQL reports a parameter count that does not match the statement's placeholders. */
const BIND_MISMATCH = /^bind message supplies \d+ parameters?, but prepared statement .* requires \d+$/;

/**
 * What DISCARD ALL does (which cannot run in a multi-statement query), after ending the
 * transaction, in one round trip. Session state survives ROLLBACK (advisory locks, prepared
 * statements, cursors WITH HOLD) and a write's COMMIT keeps the rest (settings, temporary tables
 * that would shadow real ones on the next request's search_path). DISCARD ALL leaves the random
 * generator as `setseed` left it, so that a request cannot make the next one's random() (and
 * random_normal, array_shuffle...) predictable, it is reseeded from the strong random source.
 */
export const endAndReset = (): string =>
  [
    'ROLLBACK',
    'CLOSE ALL',
    'SET SESSION AUTHORIZATION DEFAULT',
    'RESET ALL',
    'DEALLOCATE ALL',
    'UNLISTEN *',
    'SELECT pg_advisory_unlock_all()',
    'DISCARD PLANS',
    'DISCARD TEMP',
    'DISCARD SEQUENCES',
    // setseed takes [-1, 1]: 2^47 evenly spaced seeds (randomInt draws at most 2^48 values).
    `SELECT setseed(${(randomInt(0, 2 ** 47) * 2 ** -46 - 1).toString()})`,
  ].join('; ');

interface PgError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  severity?: string;
}

const isServerError = (error: unknown): error is PgError =>
  typeof error === 'object' && error !== null && typeof (error as PgError).severity === 'string';

class Deadline extends Error {}

/** A statement ended the gateway's transaction (COMMIT, ROLLBACK): what follows would run outside it. */
class TransactionEnded extends Error {}

interface Internals {
  processID?: number;
  connection?: { stream?: NodeJS.ReadableStream & { destroy(): void } };
}

/**
 * Counts the bytes the server sends while a request runs and drops the connection past the
 * budget, before the driver can assemble an oversized message (which would exhaust memory or
 * throw outside any promise). Reads the driver's socket: pg exposes no byte-level hook.
 */
const watchBytes = (client: pg.PoolClient, maxBytes: number) => {
  const stream = (client as unknown as Internals).connection?.stream;
  let received = 0;
  const state = {
    exceeded: false,
    stop: () => stream?.removeListener('data', onData),
  };
  function onData(chunk: Buffer) {
    received += chunk.length;
    if (received > maxBytes && !state.exceeded) {
      state.exceeded = true;
      stream?.destroy();
    }
  }
  stream?.on('data', onData);
  return state;
};

/** Asks the server, on a second connection, to cancel what `client` is running. Best effort. */
export const cancelBackend = async (config: pg.PoolConfig, client: pg.Client): Promise<void> => {
  const pid = (client as unknown as Internals).processID;
  if (pid === undefined) return;
  const canceller = new pg.Client({ ...config, connectionTimeoutMillis: 2000, query_timeout: 2000 });
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // The connection is dropped anyway; the server's own statement_timeout remains.
  } finally {
    await canceller.end().catch(() => undefined);
  }
};

/**
 * `SET LOCAL search_path` for the connection: each schema quoted as an identifier, so names keep
 * their case; `"$user"` quoted is still the special entry (it is how PostgreSQL writes its default).
 * pg_temp goes last: unlisted, it is searched first, and a temporary table a request creates
 * would shadow a real one for that request while resolution (in its own transaction) still
 * names the real one.
 */
export const pinSearchPath = (connection: PostgresConnection): string =>
  `SET LOCAL search_path TO ${[...searchPathOf(connection).map(pg.escapeIdentifier), 'pg_temp'].join(', ')}`;

/** What the server's refusal means; `mode` matters for a write refused as read-only. */
export const postgresRejection = (error: PgError, mode: 'read' | 'write'): TargetRejection => {
  const serverMessage = [
    error.message ?? '',
    ...(error.detail ? [`DETAIL: ${error.detail}`] : []),
    ...(error.hint ? [`HINT: ${error.hint}`] : []),
  ].join('\n');
  const sqlState = error.code ?? null;
  let meaning = meaningOf(sqlState);
  if (sqlState === PROTOCOL_VIOLATION && BIND_MISMATCH.test(error.message ?? '')) {
    meaning = { ...meaning, condition: 'wrong_parameter_count', fault: 'caller' };
  }
  // A read that writes is the statement's doing; an approved write refused as read-only is the
  // target's (a standby, or default_transaction_read_only forced on).
  if (sqlState === READ_ONLY_TRANSACTION && mode === 'write') meaning = { ...meaning, fault: 'target' };
  return { sqlState, serverMessage, ...meaning };
};

const EMPTY: ResultSet = { columns: [], rows: [], rowCount: 0, truncated: false };

type Mode = 'read' | 'write';

interface SessionLimits {
  readonly mode: Mode;
  readonly timeoutMs: number;
  /** Bytes the server may send; unlimited when undefined (resolution reads a bounded catalog answer). */
  readonly maxResultBytes?: number;
  /** The gateway's own catalog reads (resolution, listing, function look-ups), not a request's statements. */
  readonly catalog?: boolean;
}

/**
 * JIT off for the gateway's catalog reads: recursive CTEs over pg_inherits and pg_depend get
 * estimates that cross jit_above_cost, and compiling costs ~1 s for a query that runs in ~10 ms.
 * Conditional, so a server without the setting (before PostgreSQL 11) is not refused.
 */
const NO_JIT =
  "SELECT set_config('jit', 'off', true) WHERE EXISTS (SELECT 1 FROM pg_settings WHERE name = 'jit')";

interface SessionState {
  /** The request failed (the deadline, say) while `work` still runs: it must send nothing more. */
  abandoned: boolean;
  /** COMMIT was sent and not yet answered: a lost answer leaves the outcome unknown. */
  committing: boolean;
}

/** Stops `work` from sending anything once the request has been given up. */
const stillWanted = (state: SessionState) => {
  if (state.abandoned) throw new Deadline();
};

/** One row of the resolution query. */
interface ResolvedRow {
  ord: number;
  nspname: string;
  relname: string;
  relkind: string;
  columns: string[];
  reads: Array<[string, string]>;
  ancestors: Array<[string, string]>;
  /** A view that runs user code (a function, operator or type outside the catalogs), itself or in a view it reads. */
  opaque: boolean;
}

/**
 * Describes the relations `targets` (a CTE of `ord`, `relid`) picks, in one statement: kind,
 * columns, the tables each inherits from or is a partition of (pg_inherits, up the chain), and
 * for views what they read, followed through views and materialized views. A view's reads are
 * what pg_depend records for its rule, plus the relations in the rule's range table: PostgreSQL
 * records no dependency on pinned catalogs (pg_shadow reading pg_authid). A view's reads include
 * the ancestors of what it reads: a partition's rows are its parent's data.
 *
 * A view is `opaque` when the rule of it or of any view it reads depends on a function, operator
 * or type outside the server's catalogs (or an operator whose function is): user code can read any
 * table, so what the view reads cannot be told from its relations. The test is written as "not
 * known to be a catalog's", so a dependency the catalogs cannot place counts too.
 */
const describeSql = (targets: string) => `
WITH RECURSIVE targets AS (${targets}),
reads(root, relid) AS (
  SELECT c.oid, c.oid FROM targets JOIN pg_class c ON c.oid = targets.relid WHERE c.relkind IN ('v', 'm')
  UNION
  SELECT reads.root, used.relid
    FROM reads
    JOIN pg_class v ON v.oid = reads.relid AND v.relkind IN ('v', 'm')
    JOIN pg_rewrite w ON w.ev_class = v.oid
    CROSS JOIN LATERAL (
      SELECT d.refobjid AS relid FROM pg_depend d
       WHERE d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid AND d.refclassid = 'pg_class'::regclass
      UNION
      SELECT m[1]::oid FROM regexp_matches(w.ev_action::text, ':relid (\\d+)', 'g') AS m
    ) used
   WHERE used.relid <> reads.relid
),
lineage(root, relid, depth) AS (
  SELECT i.inhrelid, i.inhparent, 1
    FROM (SELECT relid FROM targets UNION SELECT relid FROM reads) x
    JOIN pg_inherits i ON i.inhrelid = x.relid
  UNION
  SELECT lineage.root, i.inhparent, lineage.depth + 1
    FROM lineage JOIN pg_inherits i ON i.inhrelid = lineage.relid
)
SELECT targets.ord, n.nspname::text, c.relname::text, c.relkind::text,
       ARRAY(SELECT a.attname::text FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
       COALESCE((SELECT json_agg(json_build_array(bn.nspname, b.relname) ORDER BY bn.nspname, b.relname)
                   FROM (SELECT reads.relid FROM reads WHERE reads.root = c.oid
                         UNION
                         SELECT lineage.relid FROM reads JOIN lineage ON lineage.root = reads.relid
                          WHERE reads.root = c.oid) base
                   JOIN pg_class b ON b.oid = base.relid
                   JOIN pg_namespace bn ON bn.oid = b.relnamespace
                  WHERE b.relkind NOT IN ('v', 'm', 'c', 'i', 'I')), '[]') AS reads,
       COALESCE((SELECT json_agg(json_build_array(an.nspname, a.relname) ORDER BY up.depth, an.nspname, a.relname)
                   FROM (SELECT lineage.relid, min(lineage.depth) AS depth FROM lineage
                          WHERE lineage.root = c.oid GROUP BY lineage.relid) up
                   JOIN pg_class a ON a.oid = up.relid
                   JOIN pg_namespace an ON an.oid = a.relnamespace), '[]') AS ancestors,
       EXISTS (SELECT 1 FROM reads
                 JOIN pg_class v ON v.oid = reads.relid AND v.relkind IN ('v', 'm')
                 JOIN pg_rewrite w ON w.ev_class = v.oid
                 JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                WHERE reads.root = c.oid
                  AND CASE d.refclassid
                        WHEN 'pg_proc'::regclass THEN NOT EXISTS (
                          SELECT 1 FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
                           WHERE p.oid = d.refobjid AND pn.nspname IN ('pg_catalog', 'information_schema'))
                        WHEN 'pg_operator'::regclass THEN NOT EXISTS (
                          SELECT 1 FROM pg_operator o JOIN pg_namespace ons ON ons.oid = o.oprnamespace
                           WHERE o.oid = d.refobjid AND ons.nspname IN ('pg_catalog', 'information_schema')
                             AND (o.oprcode::oid = 0 OR EXISTS (
                               SELECT 1 FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
                                WHERE p.oid = o.oprcode::oid AND pn.nspname IN ('pg_catalog', 'information_schema'))))
                        WHEN 'pg_type'::regclass THEN NOT EXISTS (
                          SELECT 1 FROM pg_type t JOIN pg_namespace tn ON tn.oid = t.typnamespace
                           WHERE t.oid = d.refobjid AND tn.nspname IN ('pg_catalog', 'information_schema'))
                        ELSE false
                      END) AS opaque
  FROM targets
  JOIN pg_class c ON c.oid = targets.relid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 ORDER BY targets.ord`;

/**
 * Refs resolved as the server does: `to_regclass` applies the transaction's search_path (and the
 * implicit pg_catalog and pg_temp), privileges on schemas, and identifier rules.
 */
const RESOLVE_SQL = describeSql(`
  SELECT r.ord::int AS ord,
         to_regclass(CASE WHEN r.nsp IS NULL THEN quote_ident(r.rel)
                          ELSE quote_ident(r.nsp) || '.' || quote_ident(r.rel) END)::oid AS relid
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r(nsp, rel, ord)`);

/** Tables and views (foreign tables too) of the schemas on the transaction's search_path. */
const LIST_SQL = describeSql(`
  SELECT (row_number() OVER (ORDER BY n.nspname, c.relname))::int AS ord, c.oid AS relid
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = ANY (current_schemas(false)) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   ORDER BY n.nspname, c.relname
   LIMIT $1`);

/**
 * Which candidates (`ord`, `nsp` or null when unqualified, `fn`, `op`) may run user code.
 * A function (`op` false) counts when one of that name is outside the server's own catalogs: in
 * the named schema, or in any schema of the transaction's effective path (`current_schemas(true)`,
 * which drops schemas the login may not use). An unqualified name counts even when a pg_catalog
 * overload would win: over-approximating is the safe side. Names compare case-insensitively for
 * the same reason, whichever way the analysis folded a quoted name.
 * An operator (`op` true; its symbol, which has no case) counts when one of that name is outside
 * the catalogs in the same schemas, or when any of that name there (a catalog's included) is
 * implemented by a function outside them: a superuser can put a user operator into pg_catalog.
 */
const USER_FUNCTIONS_SQL = `
  SELECT DISTINCT c.ord::int AS ord
    FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS c(ord, nsp, fn, kind)
   WHERE CASE c.kind
   WHEN 'operator' THEN EXISTS (
     SELECT 1 FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
      WHERE o.oprname = c.fn
        AND CASE WHEN c.nsp IS NULL THEN n.nspname = ANY (current_schemas(true))
                 ELSE lower(n.nspname) = lower(c.nsp) END
        AND (n.nspname NOT IN ('pg_catalog', 'information_schema')
             OR EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
                         WHERE p.oid = o.oprcode::oid
                           AND pn.nspname NOT IN ('pg_catalog', 'information_schema'))))
   WHEN 'type' THEN EXISTS (
     -- A cast to or from a user type can run a user function (CREATE CAST ... WITH FUNCTION).
     SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE lower(t.typname) = lower(c.fn)
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND CASE WHEN c.nsp IS NULL THEN n.nspname = ANY (current_schemas(true))
                 ELSE lower(n.nspname) = lower(c.nsp) END)
   ELSE EXISTS (
     SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE lower(p.proname) = lower(c.fn)
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND CASE WHEN c.nsp IS NULL THEN n.nspname = ANY (current_schemas(true))
                 ELSE lower(n.nspname) = lower(c.nsp) END)
   END`;

/**
 * The volatility (0 immutable, 1 stable, 2 volatile) of what each candidate (`ord`, `nsp` or null
 * when unqualified, `fn`, `kind`) can run, the most volatile over every object it can name. Scope
 * and case rules as in USER_FUNCTIONS_SQL: a name is matched case-insensitively in the named
 * schema or in every schema of the effective path, not only the one whose overload would win,
 * which can only make the answer more volatile, never less.
 * - A function outside the server's own code counts as volatile whatever it declares: one in a
 *   schema other than pg_catalog / information_schema, or one with an OID initdb did not assign
 *   (FirstNormalObjectId, 16384: an extension's, or a superuser's put into pg_catalog).
 * - An operator counts by its implementing function and its planner estimators (oprrest,
 *   oprjoin), which run at plan time.
 * - A type cast to counts by the functions such a cast can run: the cast functions into it from
 *   the server's own types (pg_cast), its input function (a cast from text or a literal) and typmod
 *   input function, and for a domain the functions its constraints call and the same for each
 *   type it is based on. A cast from a user type is left out: a value of one comes from a cast to
 *   it or a function returning it, each user code of its own, or from a column of that type,
 *   whose output function runs on every read anyway (docs/guardrails.md); counting it would make
 *   every `::text` volatile on a server where one user type casts to text.
 * A candidate with no object of that name has no row.
 */
const FUNCTION_VOLATILITY_SQL = `
  WITH RECURSIVE c AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS c(ord, nsp, fn, kind)
  ),
  scope AS (
    SELECT c.ord, n.oid AS nsp FROM c JOIN pg_namespace n
        ON CASE WHEN c.nsp IS NULL THEN n.nspname = ANY (current_schemas(true))
                ELSE lower(n.nspname) = lower(c.nsp) END
  ),
  named_types AS (
    SELECT c.ord, t.oid AS root, t.oid AS typ
      FROM c JOIN scope s ON s.ord = c.ord JOIN pg_type t ON t.typnamespace = s.nsp
     WHERE c.kind = 'type' AND lower(t.typname) = lower(c.fn)
  ),
  chain(ord, root, typ) AS (
    SELECT ord, root, typ FROM named_types
    UNION
    SELECT chain.ord, chain.root, t.typbasetype FROM chain JOIN pg_type t ON t.oid = chain.typ
     WHERE t.typbasetype <> 0
  ),
  runs(ord, fn) AS (
    SELECT c.ord, p.oid
      FROM c JOIN scope s ON s.ord = c.ord JOIN pg_proc p ON p.pronamespace = s.nsp
     WHERE c.kind = 'function' AND lower(p.proname) = lower(c.fn)
    UNION ALL
    SELECT c.ord, f.fn
      FROM c JOIN scope s ON s.ord = c.ord JOIN pg_operator o ON o.oprnamespace = s.nsp
     CROSS JOIN LATERAL (VALUES (o.oprcode::oid), (o.oprrest::oid), (o.oprjoin::oid)) f(fn)
     WHERE c.kind = 'operator' AND o.oprname = c.fn
    UNION ALL
    SELECT chain.ord, f.fn
      FROM chain JOIN pg_type t ON t.oid = chain.typ
     CROSS JOIN LATERAL (
       SELECT t.typinput::oid UNION ALL SELECT t.typmodin::oid
       UNION ALL SELECT k.castfunc::oid FROM pg_cast k JOIN pg_type src ON src.oid = k.castsource
        WHERE k.casttarget = t.oid
          AND src.oid < 16384 AND src.typnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
       UNION ALL SELECT d.refobjid FROM pg_constraint r
         JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = r.oid
                         AND d.refclassid = 'pg_proc'::regclass
        WHERE r.contypid = t.oid
     ) f(fn)
  )
  -- Every object named has a row in runs (a function its own; an operator its three; a type its
  -- input function): an OID 0 or one no function has (an absent estimator) adds nothing.
  SELECT runs.ord::int AS ord,
         max(CASE WHEN p.oid IS NULL THEN 0
                  WHEN p.oid >= 16384 OR n.nspname NOT IN ('pg_catalog', 'information_schema') THEN 2
                  WHEN p.provolatile = 'i' THEN 0 WHEN p.provolatile = 's' THEN 1 ELSE 2 END)::int AS v
    FROM runs LEFT JOIN pg_proc p ON p.oid = runs.fn LEFT JOIN pg_namespace n ON n.oid = p.pronamespace
   GROUP BY runs.ord`;

const VOLATILITIES: readonly Volatility[] = ['immutable', 'stable', 'volatile'];

/** The session's own temporary schema: a function there is the request's own, never a catalog's. */
const TEMP_SCHEMA = /^pg_temp(_\d+)?$/i;

interface FunctionCandidate {
  readonly schema: string | null;
  readonly name: string;
  /** An operator's symbol, or a type's name, rather than a function's name. */
  readonly operator?: boolean;
  readonly type?: boolean;
}

/**
 * The ways a name the analysis gives (`parts.join('.')`) can be read: a schema before some dot
 * (a quoted part may hold a dot), `catalog.schema.name`, or the whole text as one quoted name.
 */
export const functionCandidates = (name: string): FunctionCandidate[] => {
  const dots = [...name.matchAll(/\./g)].map((m) => m.index);
  const found: FunctionCandidate[] = [{ schema: null, name }];
  for (const [i, dot] of dots.entries()) {
    found.push({ schema: name.slice(0, dot), name: name.slice(dot + 1) });
    for (const before of dots.slice(0, i)) {
      found.push({ schema: name.slice(before + 1, dot), name: name.slice(dot + 1) });
    }
  }
  return found;
};

/**
 * The ways an operator entry (`operator:` already removed) can be read: a symbol holds no dot, so
 * a dot in the text qualifies it (`OPERATOR(schema.###)`), and the symbol is what follows the last one.
 */
export const operatorCandidates = (entry: string): FunctionCandidate[] =>
  functionCandidates(entry)
    .filter((c) => !c.name.includes('.'))
    .map((c) => ({ ...c, operator: true }));

interface AskedCandidate {
  /** The name as the analysis gave it. */
  readonly name: string;
  readonly candidate: FunctionCandidate;
}

/**
 * Every reading of each name worth asking the server about, and the names not to ask: text the
 * server cannot hold (a NUL), or a name in the request's own temporary schema. An operator entry
 * is also read as a function's name, and a type entry too: a quoted function name can spell
 * `operator:...`, and missing it would fail open. BETWEEN is read as the comparisons it becomes.
 */
const askable = (names: readonly string[]): { asked: AskedCandidate[]; unasked: string[] } => {
  const asked: AskedCandidate[] = [];
  const unasked: string[] = [];
  for (const name of new Set(names)) {
    const candidates = [
      ...(name.startsWith(OPERATOR_PREFIX)
        ? operatorCandidates(name.slice(OPERATOR_PREFIX.length)).flatMap((c) =>
            operatorSymbols(c.name).map((symbol) => ({ ...c, name: symbol })),
          )
        : []),
      ...(name.startsWith(TYPE_PREFIX)
        ? functionCandidates(name.slice(TYPE_PREFIX.length)).map((c) => ({ ...c, type: true }))
        : []),
      ...functionCandidates(name),
    ];
    if (name.includes('\u0000') || candidates.some((c) => c.schema !== null && TEMP_SCHEMA.test(c.schema))) {
      unasked.push(name);
    } else {
      asked.push(...candidates.map((candidate) => ({ name, candidate })));
    }
  }
  return { asked, unasked };
};

const kindOf = (relkind: string): ResolvedRelation['kind'] => {
  if (relkind === 'r' || relkind === 'p') return 'table';
  if (relkind === 'v' || relkind === 'm') return 'view';
  return 'other';
};

const toRelation = (row: ResolvedRow): ResolvedRelation => {
  const kind = kindOf(row.relkind);
  return {
    schema: row.nspname,
    name: row.relname,
    kind,
    columns: row.columns,
    // An opaque view can read anything: callers mask it whole.
    dependsOn:
      kind !== 'view' ? [] : row.opaque ? undefined : row.reads.map(([schema, name]) => ({ schema, name })),
    ancestors: row.ancestors.map(([schema, name]) => ({ schema, name })),
  };
};

/**
 * Rows inserted, updated or deleted so far by this session, as the server counts them for its
 * statistics (`pg_stat_xact_user_tables`): every write counts, in a CTE, a trigger or a function,
 * not only the command tag's. The counters include what earlier transactions of the session left
 * unflushed, so callers take a difference within one transaction (no flush happens inside one).
 * Without `track_counts` nothing is counted: then no bound can be enforced, and nothing runs.
 */
const tuplesChanged = async (client: pg.PoolClient): Promise<number> => {
  const { rows } = await client.query<{ counting: string; changed: string }>(
    "SELECT current_setting('track_counts') AS counting, " +
      'coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::text AS changed FROM pg_stat_xact_user_tables',
  );
  const row = rows[0];
  if (row?.counting !== 'on') {
    throw new TargetError(
      'The target does not count the rows a transaction changes (track_counts is off), so the approved bound cannot be held; nothing was committed.',
    );
  }
  return Number(row.changed);
};

/** Pinned in every transaction: the server lexes text as the analysis did. */
const LEXICAL_MODES =
  "SET LOCAL standard_conforming_strings = on; SET LOCAL backslash_quote = 'safe_encoding'";

interface PlanNode {
  readonly 'Node Type'?: string;
  readonly 'Plan Rows'?: number;
  readonly Plans?: readonly PlanNode[];
}

/**
 * The rows a plan's writes would change: for every ModifyTable node (a CTE can hold several),
 * the estimate of the rows its input yields. Null when the plan has no write.
 */
export const rowsToChange = (explained: unknown): number | null => {
  const root = (Array.isArray(explained) ? explained[0] : undefined) as { Plan?: PlanNode } | undefined;
  let total: number | null = null;
  const visit = (node: PlanNode | undefined) => {
    if (!node) return;
    if (node['Node Type'] === 'ModifyTable') {
      const input = node.Plans?.[0]?.['Plan Rows'];
      total = (total ?? 0) + (typeof input === 'number' ? input : 0);
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(root?.Plan);
  return total;
};

const postgresOnly = (connection: SqlConnection): PostgresConnection => {
  if (connection.kind !== 'postgres') {
    throw new TargetError(`Connection ${connection.name} is not a PostgreSQL connection.`);
  }
  return connection;
};

export class PostgresExecutor implements SqlExecutor {
  private readonly pools = new Map<string, Promise<{ pool: pg.Pool; config: pg.PoolConfig }>>();

  constructor(private readonly options: PostgresExecutorOptions) {}

  async run(connection: SqlConnection, request: SqlRunRequest): Promise<ResultSet> {
    return this.session(postgresOnly(connection), request, async (client, state) => {
      let result = EMPTY;
      const bounded = request.mode === 'write' && request.maxAffectedRows !== undefined;
      const before = bounded ? await tuplesChanged(client) : 0;
      for (const statement of request.statements) {
        stillWanted(state);
        result = await this.fetch(client, statement, request);
        if (client.getTransactionStatus() !== 'T') throw new TransactionEnded();
      }
      if (bounded) {
        // Before COMMIT: the transaction is rolled back when the session ends.
        const changed = (await tuplesChanged(client)) - before;
        if (changed > request.maxAffectedRows!)
          throw new BlastRadiusExceededError(changed, request.maxAffectedRows!);
      }
      if (request.mode === 'write') {
        stillWanted(state);
        state.committing = true;
        const committed = await client.query('COMMIT');
        state.committing = false;
        // COMMIT of a failed transaction answers ROLLBACK without an error.
        if (committed.command !== 'COMMIT') throw new TransactionEnded();
      }
      return result;
    });
  }

  async resolveRelations(
    connection: SqlConnection,
    refs: readonly RelationRef[],
  ): Promise<ReadonlyMap<string, ResolvedRelation>> {
    const postgres = postgresOnly(connection);
    const unique = distinctRefs(refs);
    const resolved = new Map<string, ResolvedRelation>();
    if (unique.size === 0) return resolved;
    const asked = [...unique.entries()];
    const limits = { mode: 'read' as const, timeoutMs: postgres.limits.statementTimeoutMs, catalog: true };
    const rows = await this.session(postgres, limits, async (client) => {
      const answer = await client.query<ResolvedRow>(RESOLVE_SQL, [
        asked.map(([, ref]) => ref.schema ?? null),
        asked.map(([, ref]) => ref.name),
      ]);
      return answer.rows;
    });
    for (const row of rows) resolved.set(asked[row.ord - 1]![0], toRelation(row));
    return resolved;
  }

  async listRelations(connection: SqlConnection, limit: number): Promise<ResolvedRelation[]> {
    const postgres = postgresOnly(connection);
    const count = Math.max(0, Math.trunc(limit));
    if (count === 0) return [];
    const limits = { mode: 'read' as const, timeoutMs: postgres.limits.statementTimeoutMs, catalog: true };
    const rows = await this.session(postgres, limits, async (client) => {
      return (await client.query<ResolvedRow>(LIST_SQL, [count])).rows;
    });
    return rows.map(toRelation);
  }

  async userFunctions(connection: SqlConnection, names: readonly string[]): Promise<ReadonlySet<string>> {
    const postgres = postgresOnly(connection);
    const { asked, unasked } = askable(names);
    const flagged = new Set<string>(unasked);
    if (asked.length === 0) return flagged;
    const rows = await this.catalogQuery<{ ord: number }>(postgres, USER_FUNCTIONS_SQL, asked);
    for (const row of rows) flagged.add(asked[row.ord]!.name);
    return flagged;
  }

  async functionVolatility(
    connection: SqlConnection,
    names: readonly string[],
  ): Promise<ReadonlyMap<string, Volatility>> {
    const postgres = postgresOnly(connection);
    const { asked, unasked } = askable(names);
    const found = new Map<string, Volatility>();
    // The request's own temporary schema holds nothing of the server's: volatile, unasked. Text
    // the server cannot hold names nothing (absent: a call of it is unknown, and refused).
    for (const name of unasked) if (!name.includes('\u0000')) found.set(name, 'volatile');
    if (asked.length === 0) return found;
    const rows = await this.catalogQuery<{ ord: number; v: number }>(
      postgres,
      FUNCTION_VOLATILITY_SQL,
      asked,
    );
    for (const row of rows) {
      const { name } = asked[row.ord]!;
      found.set(name, mostVolatile(found.get(name), VOLATILITIES[row.v] ?? 'volatile')!);
    }
    return found;
  }

  /** Runs a catalog question over candidates (`ord`, `nsp`, `fn`, `kind`) in a read of its own. */
  private catalogQuery<R extends pg.QueryResultRow>(
    postgres: PostgresConnection,
    sql: string,
    asked: readonly AskedCandidate[],
  ): Promise<R[]> {
    const limits = { mode: 'read' as const, timeoutMs: postgres.limits.statementTimeoutMs, catalog: true };
    return this.session(postgres, limits, async (client) => {
      const answer = await client.query<R>(sql, [
        asked.map((_, i) => i),
        asked.map((a) => a.candidate.schema),
        asked.map((a) => a.candidate.name),
        asked.map((a) => (a.candidate.operator ? 'operator' : a.candidate.type ? 'type' : 'function')),
      ]);
      return answer.rows;
    });
  }

  async estimateWrites(
    connection: SqlConnection,
    request: { readonly statements: readonly string[]; readonly params: readonly unknown[] },
  ): Promise<(number | null)[]> {
    const postgres = postgresOnly(connection);
    const limits = { mode: 'read' as const, timeoutMs: postgres.limits.statementTimeoutMs };
    // Plain EXPLAIN plans without running, and in a READ ONLY transaction nothing a planner
    // might evaluate can write either.
    return this.session(postgres, limits, async (client, state) => {
      const estimates: (number | null)[] = [];
      for (const statement of request.statements) {
        stillWanted(state);
        const answer = await client.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (FORMAT JSON) ${statement}`,
          request.params.length > 0 ? [...request.params] : undefined,
        );
        estimates.push(rowsToChange(answer.rows[0]?.['QUERY PLAN']));
      }
      return estimates;
    });
  }

  /** Closes every pool. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map(async (p) => (await p).pool.end()));
  }

  /**
   * Runs `work` in a transaction of the given mode with the search_path pinned, under the
   * timeout, the deadline and the byte budget; ends the transaction and resets the session.
   */
  private async session<R>(
    connection: PostgresConnection,
    limits: SessionLimits,
    work: (client: pg.PoolClient, state: SessionState) => Promise<R>,
  ): Promise<R> {
    const { pool, config } = await this.pool(connection);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      this.pools.delete(connection.name); // re-resolve (e.g. rotated credentials) next time
      throw new TargetError('The target database is unreachable.', { cause: error });
    }
    const budget =
      limits.maxResultBytes === undefined ? undefined : watchBytes(client, limits.maxResultBytes);
    const state: SessionState = { abandoned: false, committing: false };
    let broken = false;
    let timer: NodeJS.Timeout | undefined;
    // Backstop for servers that do not enforce statement_timeout: give up on the connection.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Deadline()), limits.timeoutMs + 1000);
    });
    const begin = [
      limits.mode === 'read' ? 'BEGIN READ ONLY' : 'BEGIN READ WRITE',
      `SET LOCAL statement_timeout = ${Math.trunc(limits.timeoutMs)}`,
      pinSearchPath(connection),
      // The lexical modes the analysis (libpg-query) reads text in: with standard_conforming_strings
      // off (a role's or database's default), 'a\'' would end elsewhere for the server than for the
      // analysis, and the server would run a statement nobody judged.
      LEXICAL_MODES,
      ...(limits.catalog ? [NO_JIT] : []),
    ].join('; ');
    try {
      return await Promise.race([
        (async () => {
          await client.query(begin);
          stillWanted(state);
          return work(client, state);
        })(),
        deadline,
      ]);
    } catch (error) {
      state.abandoned = true;
      const exceeded = budget?.exceeded ?? false;
      // A statement that ended the transaction leaves the session in an unknown state: drop it.
      // A write over its bound is rolled back by the reset below; the session itself is sound.
      broken =
        !(error instanceof BlastRadiusExceededError) &&
        (error instanceof Deadline || error instanceof TransactionEnded || exceeded || !isServerError(error));
      // Dropping the socket does not stop the server's work: cancel it first.
      if (error instanceof Deadline) await cancelBackend(config, client);
      throw this.translate(error, limits, state, exceeded);
    } finally {
      clearTimeout(timer);
      budget?.stop();
      if (!broken) {
        try {
          await client.query(endAndReset());
        } catch {
          broken = true;
        }
      }
      client.release(broken ? true : undefined);
    }
  }

  private fetch(client: pg.PoolClient, text: string, request: SqlRunRequest) {
    const { params, rowLimit, mode } = request;
    const cursor = client.query(
      new Cursor(text, params.length > 0 ? [...params] : undefined, {
        rowMode: 'array',
        types: gatewayTypes,
      }),
    );
    return new Promise<ResultSet>((resolve, reject) => {
      cursor.read(rowLimit + 1, (error, rows, result) => {
        if (error) return reject(error);
        const truncated = rows.length > rowLimit;
        const kept = (truncated ? rows.slice(0, rowLimit) : rows) as unknown[][];
        const fields = result?.fields ?? [];
        const columns: ResultColumn[] = fields.map((f) => ({ name: f.name, type: typeName(f.dataTypeID) }));
        // A write without a result (UPDATE, INSERT without RETURNING) reports the rows it changed.
        const affected = fields.length === 0 && mode === 'write' ? (result?.rowCount ?? 0) : undefined;
        cursor.close(() =>
          resolve({
            columns,
            rows: kept.map((row) => row.map(jsonSafe)),
            rowCount: affected ?? kept.length,
            truncated,
            ...(affected === undefined ? {} : { affectedRows: affected }),
          }),
        );
      });
    });
  }

  private translate(error: unknown, limits: SessionLimits, state: SessionState, exceeded: boolean): Error {
    // Refusals the session work itself made (the blast radius, no counting) pass as they are.
    if (error instanceof TollgateError) return error;
    const ours = gatewaySideFailure(error, {
      mode: limits.mode,
      maxResultBytes: limits.maxResultBytes,
      timeoutMs: limits.timeoutMs,
      commitUnconfirmed: state.committing && !isServerError(error),
      budgetExceeded: exceeded,
      deadline: error instanceof Deadline,
      transactionEnded: error instanceof TransactionEnded,
    });
    if (ours) return ours;
    if (!isServerError(error)) {
      return new TargetError('The target database connection failed.', { cause: error });
    }
    if (error.code === QUERY_CANCELED) return new TargetTimeoutError(limits.timeoutMs, error);
    return new TargetRejectedError(postgresRejection(error, limits.mode), { cause: error });
  }

  private pool(connection: PostgresConnection): Promise<{ pool: pg.Pool; config: pg.PoolConfig }> {
    let pool = this.pools.get(connection.name);
    if (!pool) {
      pool = this.options.resolve(connection).then(
        (resolved) => {
          const config: pg.PoolConfig = {
            max: this.options.maxPoolSize ?? 4,
            connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
            idleTimeoutMillis: 60_000,
            application_name: 'tollgate',
            ...resolved,
          };
          const created = new pg.Pool(config);
          // A client's error (the server restarted, or the byte budget dropped the socket) must
          // not crash the process: the pending query rejects and the client is discarded.
          created.on('error', () => undefined);
          created.on('connect', (client) => client.on('error', () => undefined));
          return { pool: created, config };
        },
        (error: unknown) => {
          this.pools.delete(connection.name);
          throw new TargetError('The target credentials could not be resolved.', { cause: error });
        },
      );
      this.pools.set(connection.name, pool);
    }
    return pool;
  }
}
