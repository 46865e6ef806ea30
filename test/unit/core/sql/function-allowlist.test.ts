// The read allowlist for functions: immutable and stable pass, reviewed volatile built-ins pass,
// every other volatile function, every user-defined one and every unknown name is refused; the
// bundled snapshot answers the way a server's catalogue would for its built-ins.
import { postgresAnalyzer } from '../../../../lambdas/core/sql/analyze-postgres.js';
import type { StatementFacts } from '../../../../lambdas/core/sql/facts.js';
import {
  type FunctionVolatilityAnswer,
  mostVolatile,
  operatorSymbols,
  REVIEWED_VOLATILE_FUNCTIONS,
  REVIEWED_VOLATILE_REASONS,
  snapshotVolatility,
  unreviewedFunctions,
} from '../../../../lambdas/core/sql/function-allowlist.js';
import type { Volatility } from '../../../../lambdas/core/sql/sql-executor.js';

/** An answer as a catalogue would give it: the snapshot's built-ins plus the given overrides. */
const catalogue = (
  names: readonly string[],
  overrides: Record<string, Volatility | undefined> = {},
  userDefined: readonly string[] = [],
): FunctionVolatilityAnswer => {
  const known = snapshotVolatility('postgres', names);
  return {
    source: 'catalogue',
    volatility: new Map(names.map((n) => [n, n in overrides ? overrides[n] : known.get(n)])),
    userDefined: new Set(userDefined),
  };
};

const facts = (sql: string): StatementFacts => {
  const analysed = postgresAnalyzer.analyze(sql);
  if (!analysed.parseOk) throw new Error(analysed.error);
  return analysed.statements[0]!;
};

/** What a PostgreSQL read of `sql` may not call, judged on the snapshot as catalogue. */
const refusedIn = (
  sql: string,
  overrides: Record<string, Volatility | undefined> = {},
  userDefined: readonly string[] = [],
) => {
  const statement = facts(sql);
  const answer = catalogue(statement.codeCandidates, overrides, userDefined);
  return unreviewedFunctions({
    dialect: 'postgres',
    calls: statement.functions,
    candidates: statement.codeCandidates,
    answer,
  });
};

beforeAll(async () => {
  await postgresAnalyzer.load();
});

describe('the bundled PostgreSQL snapshot', () => {
  it.each([
    ['lower', 'immutable'],
    ['now', 'stable'],
    ['random', 'volatile'],
    ['setseed', 'volatile'],
    ['pg_catalog.setseed', 'volatile'],
    ['nextval', 'volatile'],
    ['set_config', 'volatile'],
    // PostgreSQL 18's statistics writers (read from PGlite 0.5, PostgreSQL 18).
    ['pg_restore_relation_stats', 'volatile'],
    ['pg_clear_attribute_stats', 'volatile'],
    ['operator:=', 'stable'],
    ['operator:||', 'stable'],
    ['type:pg_catalog.int4', 'immutable'],
    ['type:regclass', 'stable'],
  ])('knows %s as %s', (name, volatility) => {
    expect(snapshotVolatility('postgres', [name]).get(name)).toBe(volatility);
  });

  it.each([
    ['a name no release has', 'pg_restore_everything'],
    ['a quoted upper-case spelling (no built-in has it)', 'NOW'],
    ['a built-in name in another schema', 'public.lower'],
    ['a built-in name under a catalog and a schema', 'db.pg_catalog.lower'],
    ['an operator no release has', 'operator:#%#'],
    ['an operator qualified by another schema', 'operator:public.='],
    ['a type no release has', 'type:mood'],
  ])('leaves %s unknown', (_, name) => {
    expect(snapshotVolatility('postgres', [name]).has(name)).toBe(false);
  });

  it('reads BETWEEN as the comparisons the server rewrites it into', () => {
    expect(operatorSymbols('NOT BETWEEN SYMMETRIC')).toEqual(['<', '<=', '>', '>=']);
    expect(snapshotVolatility('postgres', ['operator:BETWEEN']).get('operator:BETWEEN')).toBe('stable');
  });

  it('knows MySQL built-ins unqualified only: a qualified name is a stored function', () => {
    const known = snapshotVolatility('mysql', ['concat', 'now', 'sleep', 'db.concat', 'pg_catalog.concat']);
    expect([...known]).toEqual([
      ['concat', 'immutable'],
      ['now', 'stable'],
      ['sleep', 'volatile'],
    ]);
  });
});

describe('REVIEWED_VOLATILE_FUNCTIONS', () => {
  it('gives a reason for every entry', () => {
    for (const reasons of Object.values(REVIEWED_VOLATILE_REASONS)) {
      for (const [name, reason] of reasons) expect([name, reason.length > 10]).toEqual([name, true]);
    }
  });

  it.each([
    'setseed',
    'nextval',
    'setval',
    'txid_current',
    'pg_stat_reset',
    'set_config',
    'lo_import',
    'pg_sleep',
    'pg_advisory_lock',
    'pg_restore_relation_stats',
    'query_to_xml',
  ])('does not list %s for PostgreSQL', (name) => {
    expect(REVIEWED_VOLATILE_FUNCTIONS.postgres.has(name)).toBe(false);
  });

  it.each([
    'sleep',
    'benchmark',
    'get_lock',
    'release_lock',
    'release_all_locks',
    'is_used_lock',
    'last_insert_id',
    'load_file',
    'master_pos_wait',
    'nextval',
  ])('does not list %s for MySQL', (name) => {
    expect(REVIEWED_VOLATILE_FUNCTIONS.mysql.has(name)).toBe(false);
  });

  it('lists only volatile built-ins the snapshot knows (a stable one needs no review)', () => {
    const names = [...REVIEWED_VOLATILE_FUNCTIONS.postgres];
    const known = snapshotVolatility('postgres', names);
    expect(names.filter((n) => known.get(n) !== 'volatile')).toEqual([]);
    const mysql = [...REVIEWED_VOLATILE_FUNCTIONS.mysql];
    const knownMysql = snapshotVolatility('mysql', mysql);
    expect(mysql.filter((n) => knownMysql.get(n) !== 'volatile')).toEqual([]);
  });
});

describe('unreviewedFunctions', () => {
  it('allows immutable and stable functions, operators and casts', () => {
    expect(
      refusedIn(
        "SELECT lower(name), now(), count(*), 'x'::int, id BETWEEN 1 AND 3, name LIKE 'a%' FROM customers WHERE id = 1",
      ),
    ).toEqual([]);
  });

  it('allows the reviewed volatile built-ins, unqualified and qualified with pg_catalog', () => {
    expect(
      refusedIn('SELECT random(), pg_catalog.clock_timestamp(), gen_random_uuid(), timeofday()'),
    ).toEqual([]);
  });

  it.each([
    ['SELECT setseed(0.5)', 'setseed'],
    ['SELECT pg_catalog.setseed(0.5)', 'pg_catalog.setseed'],
    ["SELECT nextval('s')", 'nextval'],
    ["SELECT set_config('work_mem', '1GB', false)", 'set_config'],
    ["SELECT pg_restore_relation_stats('relation', 't'::regclass)", 'pg_restore_relation_stats'],
    ["SELECT pg_clear_relation_stats('t'::regclass)", 'pg_clear_relation_stats'],
    ['SELECT pg_current_xact_id_if_assigned() IS NULL, pg_stat_reset()', 'pg_stat_reset'],
    ['SELECT * FROM (SELECT setseed(0)) s', 'setseed'],
    ['WITH s AS (SELECT setseed(0)) SELECT * FROM s', 'setseed'],
  ])('refuses an unreviewed volatile built-in: %s', (sql, name) => {
    expect(refusedIn(sql)).toEqual([{ name, why: 'volatile' }]);
  });

  it.each([
    'SELECT txid_current()',
    'SELECT pg_catalog.pg_current_xact_id()',
    "SELECT table_to_xml('customers', true, false, '')",
    "SELECT database_to_xmlschema(true, false, '')",
    "SELECT pg_input_is_valid('x', 'mood')",
  ])('refuses a built-in declared stable that acts beyond it: %s', (sql) => {
    expect(refusedIn(sql).map((r) => r.why)).toEqual(['volatile']);
  });

  it('refuses a volatile function reached by functional notation (a field selection)', () => {
    expect(refusedIn('SELECT (0.5).setseed')).toEqual([{ name: 'setseed', why: 'volatile' }]);
  });

  it('lets a field selection through when no function has its name (it is a column)', () => {
    expect(refusedIn('SELECT c.email FROM customers c')).toEqual([]);
  });

  it('refuses a call no catalogue knows, as unknown', () => {
    expect(refusedIn('SELECT pg_restore_everything()')).toEqual([
      { name: 'pg_restore_everything', why: 'unknown' },
    ]);
  });

  it('refuses a user-defined function whatever volatility it declares, and a reviewed name a user function shares', () => {
    expect(
      refusedIn('SELECT add_one(1), random()', { add_one: 'immutable', random: 'volatile' }, [
        'add_one',
        'random',
      ]),
    ).toEqual([
      { name: 'add_one', why: 'user-defined' },
      { name: 'random', why: 'user-defined' },
    ]);
  });

  it('refuses a reviewed name in another schema: it is not the built-in', () => {
    expect(refusedIn('SELECT archive.random()', { 'archive.random': 'volatile' })).toEqual([
      { name: 'archive.random', why: 'volatile' },
    ]);
  });

  it('judges an overload set by its most volatile member, as the catalogue answers it', () => {
    // The catalogue folds overloads (lower(text) immutable, a user lower(int) volatile) into one.
    expect(refusedIn('SELECT lower(1)', { lower: 'volatile' })).toEqual([{ name: 'lower', why: 'volatile' }]);
  });

  it('refuses an operator whose function is volatile, and one no catalogue knows', () => {
    expect(refusedIn('SELECT 1 ### 2', { 'operator:###': 'volatile' }, ['operator:###'])).toEqual([
      { name: 'operator:###', why: 'user-defined' },
    ]);
    expect(refusedIn('SELECT 1 #%# 2')).toEqual([{ name: 'operator:#%#', why: 'unknown' }]);
  });

  it('allows a user operator or cast type whose functions are the server’s own, stable ones', () => {
    expect(
      refusedIn("SELECT 'calm'::mood, 1 ### 2", { 'type:mood': 'stable', 'operator:###': 'immutable' }, [
        'type:mood',
        'operator:###',
      ]),
    ).toEqual([]);
  });

  it('refuses a cast whose cast function is volatile, and a cast to a type no catalogue knows', () => {
    expect(refusedIn("SELECT 'x'::mood", { 'type:mood': 'volatile' }, ['type:mood'])).toEqual([
      { name: 'type:mood', why: 'user-defined' },
    ]);
    expect(refusedIn("SELECT 'x'::mood")).toEqual([{ name: 'type:mood', why: 'unknown' }]);
  });

  it('allows no volatile function when the catalogue could not say which are user-defined', () => {
    const statement = facts('SELECT random(), lower(name) FROM customers');
    const answer: FunctionVolatilityAnswer = {
      source: 'snapshot',
      volatility: snapshotVolatility('postgres', statement.codeCandidates),
      userDefined: undefined,
    };
    expect(
      unreviewedFunctions({
        dialect: 'postgres',
        calls: statement.functions,
        candidates: statement.codeCandidates,
        answer,
      }),
    ).toEqual([{ name: 'random', why: 'volatile' }]);
  });

  it('judges MySQL names: reviewed RAND passes, SLEEP and stored functions do not', () => {
    const names = ['rand', 'concat', 'sleep', 'get_lock', 'my_fn', 'no_such_fn'];
    const known = snapshotVolatility('mysql', names);
    const answer: FunctionVolatilityAnswer = {
      source: 'catalogue',
      volatility: new Map(names.map((n) => [n, n === 'my_fn' ? 'volatile' : known.get(n)])),
      userDefined: new Set(['my_fn']),
    };
    expect(unreviewedFunctions({ dialect: 'mysql', calls: names, candidates: names, answer })).toEqual([
      { name: 'sleep', why: 'volatile' },
      { name: 'get_lock', why: 'volatile' },
      { name: 'my_fn', why: 'user-defined' },
      { name: 'no_such_fn', why: 'unknown' },
    ]);
  });

  it('orders answers by volatility', () => {
    expect([
      mostVolatile('immutable', 'stable'),
      mostVolatile('volatile', 'stable'),
      mostVolatile(undefined, 'immutable'),
    ]).toEqual(['stable', 'volatile', 'immutable']);
  });
});
