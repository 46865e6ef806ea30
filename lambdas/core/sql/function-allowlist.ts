// Which functions a read may call, fail closed: immutable and stable functions, and volatile ones
// reviewed as harmless; any other volatile function, any user-defined one, and any name neither
// the connection's catalogue nor the bundled snapshot knows is refused unless policy allows it.
// A denylist (dangerous-functions.ts) lets every function a new server release adds through
// (PostgreSQL 18's pg_restore_*_stats / pg_clear_*_stats); this list cannot.

import type { BuiltinVolatility } from './builtin-functions/builtin-volatility.js';
import { MYSQL_BUILTIN_FUNCTIONS } from './builtin-functions/mysql.js';
import {
  POSTGRES_BUILTIN_CAST_TARGETS,
  POSTGRES_BUILTIN_FUNCTIONS,
  POSTGRES_BUILTIN_OPERATORS,
} from './builtin-functions/postgres.js';
import type { Dialect } from './facts.js';
import type { Volatility } from './sql-executor.js';

/** How the analysis names an operator a statement uses (`StatementFacts.codeCandidates`). */
export const OPERATOR_PREFIX = 'operator:';
/** How the analysis names a type a statement casts to. */
export const TYPE_PREFIX = 'type:';

const RANK: Readonly<Record<Volatility, number>> = { immutable: 0, stable: 1, volatile: 2 };

/** The more volatile of two answers (an absent one loses to any). */
export const mostVolatile = (a: Volatility | undefined, b: Volatility | undefined): Volatility | undefined =>
  a === undefined ? b : b === undefined ? a : RANK[a] >= RANK[b] ? a : b;

/**
 * The operators an `operator:` entry stands for. PostgreSQL's parser names BETWEEN by its keywords
 * (`BETWEEN`, `NOT BETWEEN`, `... SYMMETRIC`), and the server rewrites it into comparisons.
 */
export const operatorSymbols = (symbol: string): readonly string[] =>
  /^(NOT )?BETWEEN( SYMMETRIC)?$/.test(symbol) ? ['<', '<=', '>', '>='] : [symbol];

/**
 * Volatile built-ins a read may call: each reads the clock, a random source or server state and
 * changes nothing another request, session or transaction can see. Keyed by the function's own
 * name; only the server's own function of that name is meant (`unreviewedFunctions` checks no
 * user function shares the name, and a qualification names the server's own schema).
 */
export const REVIEWED_VOLATILE_REASONS: Readonly<Record<Dialect, ReadonlyMap<string, string>>> = {
  postgres: new Map([
    ['random', 'draws from the session PRNG; only setseed (not reviewed) can make it predictable'],
    ['random_normal', 'draws from the session PRNG, like random (PostgreSQL 16+)'],
    ['array_shuffle', 'reorders its argument with the session PRNG, like random (PostgreSQL 16+)'],
    ['array_sample', 'samples its argument with the session PRNG, like random (PostgreSQL 16+)'],
    ['clock_timestamp', 'reads the clock'],
    ['timeofday', 'reads the clock, as text'],
    ['gen_random_uuid', 'draws from the strong random source'],
    ['uuidv4', 'draws from the strong random source (PostgreSQL 18)'],
    ['uuidv7', 'reads the clock and the strong random source (PostgreSQL 18)'],
    ['pg_is_in_recovery', 'reads whether the server is a standby'],
    ['pg_current_wal_lsn', 'reads the WAL write position'],
    ['pg_last_wal_receive_lsn', 'reads a standby’s WAL receive position'],
    ['pg_last_wal_replay_lsn', 'reads a standby’s WAL replay position'],
    ['pg_last_xact_replay_timestamp', 'reads a standby’s replay time'],
    ...[
      'pg_relation_size',
      'pg_total_relation_size',
      'pg_table_size',
      'pg_indexes_size',
      'pg_database_size',
      'pg_tablespace_size',
    ].map((name): [string, string] => [name, 'reads the size of files on disk']),
    ['pg_partition_tree', 'reads the partitions of a table from the catalogue'],
    ['pg_partition_ancestors', 'reads the ancestors of a partition from the catalogue'],
  ]),
  mysql: new Map([
    ['rand', 'draws from the session PRNG; RAND(n) seeds a generator of its own call only'],
    ['uuid', 'reads the clock and the node id'],
    ['uuid_short', 'advances a server counter that only makes ids unique'],
    ['sys_guid', 'reads the clock and the node id, like uuid (MariaDB)'],
    ['random_bytes', 'draws from the strong random source (MySQL)'],
    ['sysdate', 'reads the clock at the call'],
  ]),
};

/** The names of `REVIEWED_VOLATILE_REASONS`, per dialect. */
export const REVIEWED_VOLATILE_FUNCTIONS: Readonly<Record<Dialect, ReadonlySet<string>>> = {
  postgres: new Set(REVIEWED_VOLATILE_REASONS.postgres.keys()),
  mysql: new Set(REVIEWED_VOLATILE_REASONS.mysql.keys()),
};

/**
 * Built-ins the catalogue declares stable that act like volatile ones, so a read refuses them as
 * volatile: they assign a transaction id (a write from a read), or run what text names out of
 * the analysis's sight (whole tables; a type's input function and domain checks, user code).
 */
export const ACTS_BEYOND_ITS_VOLATILITY: Readonly<Record<Dialect, ReadonlyMap<string, string>>> = {
  postgres: new Map([
    ['txid_current', 'assigns a transaction id'],
    ['pg_current_xact_id', 'assigns a transaction id'],
    ...[
      'table_to_xml',
      'table_to_xml_and_xmlschema',
      'table_to_xmlschema',
      'schema_to_xml',
      'schema_to_xml_and_xmlschema',
      'schema_to_xmlschema',
      'database_to_xml',
      'database_to_xml_and_xmlschema',
      'database_to_xmlschema',
    ].map((name): [string, string] => [name, 'reads whole tables named by text']),
    ['pg_input_is_valid', 'runs the input function and domain checks of a type named by text'],
    ['pg_input_error_info', 'runs the input function and domain checks of a type named by text'],
  ]),
  mysql: new Map(),
};

const LEVEL: Readonly<Record<keyof BuiltinVolatility, Volatility>> = {
  i: 'immutable',
  s: 'stable',
  v: 'volatile',
};

const indexOf = (list: BuiltinVolatility): ReadonlyMap<string, Volatility> => {
  const index = new Map<string, Volatility>();
  for (const level of ['i', 's', 'v'] as const) {
    for (const name of list[level].split(/\s+/)) if (name) index.set(name, LEVEL[level]);
  }
  return index;
};

let indexes:
  | {
      postgres: {
        functions: ReadonlyMap<string, Volatility>;
        operators: ReadonlyMap<string, Volatility>;
        types: ReadonlyMap<string, Volatility>;
      };
      mysql: ReadonlyMap<string, Volatility>;
    }
  | undefined;

/** Built on first use: most processes never fall back on the snapshot. */
const snapshot = () => {
  indexes ??= {
    postgres: {
      functions: indexOf(POSTGRES_BUILTIN_FUNCTIONS),
      operators: indexOf(POSTGRES_BUILTIN_OPERATORS),
      types: indexOf(POSTGRES_BUILTIN_CAST_TARGETS),
    },
    mysql: indexOf(MYSQL_BUILTIN_FUNCTIONS),
  };
  return indexes;
};

/**
 * The built-in a name can mean, read as the server reads it: unqualified, or qualified with the
 * server's own schema (PostgreSQL `pg_catalog`; MySQL never qualifies a built-in, `db.f` is a
 * stored function). Names compare exactly: the analysis gives them as the parser folded or kept
 * them, and a quoted `"NOW"` is no built-in on either server.
 */
const ownName = (dialect: Dialect, name: string): string | undefined => {
  if (!name.includes('.')) return name;
  if (dialect === 'postgres' && name.startsWith('pg_catalog.')) {
    const rest = name.slice('pg_catalog.'.length);
    return rest.includes('.') ? undefined : rest;
  }
  return undefined;
};

/**
 * The volatility of each name by the bundled snapshot of the server's built-ins, for when a
 * connection's catalogue cannot be read. Names as `StatementFacts.codeCandidates` gives them
 * (`operator:<symbol>`, `type:<name>`); a name the snapshot does not hold is absent. MySQL has
 * neither operators nor casts that run user code, so only function names are looked up there.
 */
export const snapshotVolatility = (
  dialect: Dialect,
  names: readonly string[],
): ReadonlyMap<string, Volatility> => {
  const found = new Map<string, Volatility>();
  const { postgres, mysql } = snapshot();
  for (const name of new Set(names)) {
    let volatility: Volatility | undefined;
    if (dialect === 'mysql') {
      const own = ownName(dialect, name);
      volatility = own === undefined ? undefined : mysql.get(own);
    } else if (name.startsWith(OPERATOR_PREFIX)) {
      const symbol = ownName(dialect, name.slice(OPERATOR_PREFIX.length));
      const each = symbol === undefined ? [] : operatorSymbols(symbol).map((s) => postgres.operators.get(s));
      // Every operator the entry stands for must be known, or the entry is not.
      if (each.length > 0 && each.every((v) => v !== undefined))
        volatility = each.reduce<Volatility | undefined>(mostVolatile, undefined);
    } else if (name.startsWith(TYPE_PREFIX)) {
      const type = ownName(dialect, name.slice(TYPE_PREFIX.length));
      volatility = type === undefined ? undefined : postgres.types.get(type);
    } else {
      const own = ownName(dialect, name);
      volatility = own === undefined ? undefined : postgres.functions.get(own);
    }
    if (volatility !== undefined) found.set(name, volatility);
  }
  return found;
};

/** What a connection's volatility question was answered with (`RelationResolver.functionVolatility`). */
export interface FunctionVolatilityAnswer {
  /**
   * `catalogue`: the connection's server answered (PostgreSQL pg_proc / pg_operator / pg_cast;
   * MySQL: its stored functions, and the bundled list for built-ins). `snapshot`: it could not be
   * asked, and the bundled snapshot of built-ins answered: user functions are then invisible.
   */
  readonly source: 'catalogue' | 'snapshot';
  /** Every name asked, with its volatility, or undefined when the server has no such function. */
  readonly volatility: ReadonlyMap<string, Volatility | undefined>;
  /**
   * The names that may run user-defined code (`SqlExecutor.userFunctions`), or undefined when the
   * catalogue could not say (then no volatile function counts as reviewed).
   */
  readonly userDefined: ReadonlySet<string> | undefined;
}

/** A function a read may not call without a policy allowing it, and why. */
export interface UnreviewedFunction {
  /** As the analysis gives it (`StatementFacts.codeCandidates`). */
  readonly name: string;
  /**
   * `volatile`: a built-in that is volatile and not reviewed as harmless. `user-defined`: the
   * name may run code the target's users wrote (whatever volatility they declared: a declaration
   * is a promise, not a guarantee). `unknown`: neither the catalogue nor the snapshot has it.
   */
  readonly why: 'volatile' | 'unknown' | 'user-defined';
}

export interface FunctionsToJudge {
  readonly dialect: Dialect;
  /** Functions called (`StatementFacts.functions`): one the server does not have is unknown. */
  readonly calls: readonly string[];
  /**
   * Everything else that may run code (`StatementFacts.codeCandidates`): operators and cast types
   * (unknown when absent too), and field selections `x.f`, which only count when a function `f`
   * exists (otherwise they are columns).
   */
  readonly candidates: readonly string[];
  readonly answer: FunctionVolatilityAnswer;
}

const reviewed = (dialect: Dialect, name: string, answer: FunctionVolatilityAnswer): boolean => {
  if (answer.userDefined === undefined || answer.userDefined.has(name)) return false;
  const own = ownName(dialect, name);
  return own !== undefined && REVIEWED_VOLATILE_FUNCTIONS[dialect].has(own);
};

/**
 * The functions a read may not call: volatile and not reviewed as harmless, user-defined, or
 * unknown to the catalogue (and snapshot), each once, in the order first named. Operators and cast
 * types count by the functions they run (user code behind one counts as volatile already).
 */
export const unreviewedFunctions = ({
  dialect,
  calls,
  candidates,
  answer,
}: FunctionsToJudge): UnreviewedFunction[] => {
  const called = new Set(calls);
  const refused: UnreviewedFunction[] = [];
  for (const name of new Set([...calls, ...candidates])) {
    if (name === '') continue;
    const structural = name.startsWith(OPERATOR_PREFIX) || name.startsWith(TYPE_PREFIX);
    const user = answer.userDefined?.has(name) ?? false;
    const volatility = answer.volatility.get(name);
    if (!structural && user) {
      refused.push({ name, why: 'user-defined' });
    } else if (volatility === undefined) {
      // A field selection no function answers to is a column; a call, an operator or a cast
      // target the server does not have is unknown (and the server would refuse it anyway).
      if (called.has(name) || structural) refused.push({ name, why: 'unknown' });
    } else if (volatility === 'volatile' && (structural || !reviewed(dialect, name, answer))) {
      refused.push({ name, why: user ? 'user-defined' : 'volatile' });
    } else if (!structural && ACTS_BEYOND_ITS_VOLATILITY[dialect].has(ownName(dialect, name) ?? '')) {
      refused.push({ name, why: 'volatile' });
    }
  }
  return refused;
};
