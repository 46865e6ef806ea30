// Masking as information-flow control, tested from the rules (docs/masking.md): every carrier of a
// value, explicit or through control, taints an output; every use of a column to choose, order or
// count rows is listed with its kind. Each carrier is generated over nesting forms, with the
// classified column and with an unclassified one (which must stay clean: plain analytics work).
import {
  type Catalog,
  type ColumnUse,
  lineageOf,
  loadLineage,
} from '../../../../lambdas/core/masking/lineage.js';
import type { UseKind } from '../../../../lambdas/core/sql/column-uses.js';

beforeAll(() => loadLineage());

const TABLES: Record<string, readonly string[]> = {
  'public.customers': ['id', 'status', 'ssn', 'email'],
  'public.orders': ['id', 'customer_id', 'status'],
  'crm.People': ['id', 'SSN', 'ssn'],
};
const catalog: Catalog = {
  resolve: (schema, table) => {
    const columns = TABLES[`${schema ?? 'public'}.${table}`];
    return columns ? { schema: schema ?? 'public', table, columns } : undefined;
  },
};

const traced = (sql: string) => {
  const result = lineageOf(sql, catalog);
  if (!result.ok) throw new Error(`not ok: ${result.reason}`);
  return result;
};
/** The source columns of the first output, as `table.column`. */
const taint = (sql: string): string[] => {
  const [first] = traced(sql).outputs;
  return [...new Set(first!.sources.map((s) => `${s.table}.${s.column}`))].sort();
};
const usesOf = (sql: string): Array<[UseKind, string]> =>
  traced(sql)
    .uses.flatMap((u: ColumnUse) =>
      u.sources.map((s): [UseKind, string] => [u.kind, `${s.table}.${s.column}`]),
    )
    .sort();
const kindsOn = (sql: string, column: string): UseKind[] =>
  [
    ...new Set(
      usesOf(sql)
        .filter(([, c]) => c === column)
        .map(([k]) => k),
    ),
  ].sort();

// ---------------------------------------------------------------------------------------------
// Implicit flows: carriers of a value through control. `$C` is the column that decides.

const CARRIERS: Array<[string, string]> = [
  ['count(*) under WHERE', 'SELECT count(*) FROM customers WHERE $C = $1'],
  [
    'count(*) over a set-returning function',
    'SELECT (SELECT count(*) FROM generate_series(1, ascii($C))) FROM customers',
  ],
  [
    'WITH ORDINALITY',
    "SELECT max(o) FROM customers, unnest(string_to_array($C, '')) WITH ORDINALITY AS u(c, o)",
  ],
  [
    'ordinality column itself',
    "SELECT o FROM customers, unnest(string_to_array($C, '')) WITH ORDINALITY AS u(c, o)",
  ],
  ['cardinality(ARRAY(subquery))', 'SELECT cardinality(ARRAY(SELECT 1 FROM customers WHERE $C > $1))'],
  ['row_number() ordered', 'SELECT row_number() OVER (ORDER BY $C) FROM customers'],
  ['rank() partitioned', 'SELECT rank() OVER (PARTITION BY $C ORDER BY id) FROM customers'],
  ['CASE condition', "SELECT CASE WHEN $C < '5' THEN 1 ELSE 0 END FROM customers"],
  ['EXISTS with WHERE', "SELECT EXISTS (SELECT 1 FROM customers WHERE $C LIKE '1%')"],
  ['scalar subquery with LIMIT chosen by ORDER BY', 'SELECT (SELECT id FROM customers ORDER BY $C LIMIT 1)'],
  [
    'count over a derived table filtered inside',
    'SELECT count(*) FROM (SELECT id FROM customers WHERE $C = $1) s',
  ],
  [
    'count over a CTE filtered inside',
    'WITH s AS (SELECT id FROM customers WHERE $C < $1) SELECT count(*) FROM s',
  ],
  ['aggregate FILTER', 'SELECT count(*) FILTER (WHERE $C < $1) FROM customers'],
  ['string_agg ORDER BY', "SELECT string_agg(id::text, ',' ORDER BY $C) FROM customers"],
  [
    'count under a JOIN condition',
    'SELECT count(*) FROM customers c JOIN orders o ON o.customer_id = c.id AND c.$C < $1',
  ],
  [
    'count of groups kept by HAVING',
    'SELECT count(*) FROM (SELECT 1 FROM customers GROUP BY id HAVING min($C) < $1) s',
  ],
  ['count grouped by the column', 'SELECT count(*) FROM customers GROUP BY $C'],
  ['count of DISTINCT ON rows', 'SELECT count(*) FROM (SELECT DISTINCT ON ($C) id FROM customers) s'],
  [
    'LIMIT computed from the column',
    'SELECT count(*) FROM (SELECT 1 FROM orders LIMIT (SELECT ascii($C) FROM customers LIMIT 1)) s',
  ],
  ['INTERSECT decides the rows', "SELECT count(*) FROM (SELECT $C FROM customers INTERSECT SELECT '1') s"],
  [
    'recursive CTE stops on the column',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < (SELECT ascii($C) FROM customers LIMIT 1)) SELECT max(n) FROM r',
  ],
  [
    'LATERAL count per row',
    'SELECT x.n FROM customers c, LATERAL (SELECT count(*) AS n FROM generate_series(1, length(c.$C))) x',
  ],
  [
    'TABLESAMPLE seed',
    'SELECT count(*) FROM orders TABLESAMPLE BERNOULLI (50) REPEATABLE ((SELECT length($C) FROM customers LIMIT 1))',
  ],
];

describe('implicit flows: an output is tainted by what decides it', () => {
  it.each(CARRIERS)('%s carries the deciding column', (_name, template) => {
    expect(taint(template.replaceAll('$C', 'ssn'))).toContain('customers.ssn');
  });
  it.each(CARRIERS)('%s over an unclassified column carries no ssn', (_name, template) => {
    expect(taint(template.replaceAll('$C', 'status'))).not.toContain('customers.ssn');
  });
  it.each(CARRIERS)(
    '%s nested in a derived table and a scalar subquery still carries it',
    (_name, template) => {
      const sql = template.replaceAll('$C', 'ssn');
      expect(taint(`SELECT * FROM (${sql}) AS nested`)).toContain('customers.ssn');
      expect(taint(`SELECT (SELECT v FROM (${sql}) AS n(v) LIMIT 1)`)).toContain('customers.ssn');
    },
  );

  it('keeps plain analytics clean: count(*) GROUP BY status', () => {
    const result = traced('SELECT status, count(*) FROM customers GROUP BY status ORDER BY 2 DESC');
    expect(result.outputs.map((o) => o.sources.map((s) => s.column))).toEqual([['status'], ['status']]);
    expect(result.outputs.every((o) => o.resolved)).toBe(true);
  });

  it('a plain column in a filtered block is not tainted by the filter (the predicate channel governs it)', () => {
    expect(taint('SELECT id FROM customers WHERE ssn = $1')).toEqual(['customers.id']);
  });
});

// ---------------------------------------------------------------------------------------------
// Uses: how a statement chooses, orders and counts rows.

const PREDICATES: Array<[string, UseKind]> = [
  ['$C = $1', 'equality'],
  ["$C <> 'x'", 'equality'],
  ['$C IS NULL', 'equality'],
  ['$C IS NOT DISTINCT FROM $1', 'equality'],
  ['lower($C) = lower($1)', 'equality'],
  ['$C::text = $1', 'equality'],
  ["$C IN ('a')", 'equality'],
  ["$C IN ('a', 'b')", 'membership'],
  ['$C = ANY($1::text[])', 'membership'],
  ['$C IN (SELECT unnest($1::text[]))', 'membership'],
  ["$C = (SELECT x FROM (VALUES ('a')) v(x) LIMIT 1)", 'equality'],
  ['$C < $1', 'range'],
  ['$C >= $1', 'range'],
  ["$C BETWEEN '1' AND '5'", 'range'],
  ["$C NOT BETWEEN SYMMETRIC '1' AND '5'", 'range'],
  ['$C > ALL($1::text[])', 'range'],
  ["$C LIKE '1%'", 'pattern'],
  ["$C ILIKE '1%'", 'pattern'],
  ["$C SIMILAR TO '1%'", 'pattern'],
  ["$C ~ '^1'", 'pattern'],
  ["$C ^@ '1'", 'pattern'],
  ["substr($C, 1, 1) = '1'", 'computed'],
  ['ascii($C) = 49', 'computed'],
  ["CASE WHEN $C = '1' THEN true END", 'computed'],
  ["($C || '') = $1", 'computed'],
];

describe('uses: every predicate form on a column, in every position', () => {
  const positions: Array<[string, (p: string) => string]> = [
    ['WHERE', (p) => `SELECT id FROM customers WHERE ${p}`],
    ['WHERE under AND/OR/NOT', (p) => `SELECT id FROM customers WHERE id > 0 AND (NOT (${p}) OR false)`],
    ['JOIN ON', (p) => `SELECT o.id FROM orders o JOIN customers ON o.customer_id = customers.id AND ${p}`],
    ['HAVING', (p) => `SELECT status FROM customers GROUP BY status, ssn HAVING ${p}`],
    ['EXISTS subquery', (p) => `SELECT 1 WHERE EXISTS (SELECT 1 FROM customers WHERE ${p})`],
    ['derived table', (p) => `SELECT id FROM (SELECT id FROM customers WHERE ${p}) s`],
    ['CTE', (p) => `WITH s AS (SELECT id FROM customers WHERE ${p}) SELECT * FROM s`],
    ['UNION arm', (p) => `SELECT id FROM orders UNION ALL SELECT id FROM customers WHERE ${p}`],
    ['scalar subquery in the select list', (p) => `SELECT (SELECT count(*) FROM customers WHERE ${p})`],
    ['aggregate FILTER', (p) => `SELECT count(*) FILTER (WHERE ${p}) FROM customers`],
    ['EXPLAIN', (p) => `EXPLAIN SELECT id FROM customers WHERE ${p}`],
  ];
  for (const [position, wrap] of positions) {
    it.each(PREDICATES)(`${position}: %s is %s`, (predicate, kind) => {
      expect(kindsOn(wrap(predicate.replaceAll('$C', 'ssn')), 'customers.ssn')).toContain(kind);
    });
  }

  it.each(PREDICATES)('through a renamed CTE column and a derived alias: %s is %s', (predicate, kind) => {
    const cte = `WITH t AS (SELECT id, ssn AS x FROM customers) SELECT id FROM t WHERE ${predicate.replaceAll('$C', 'x')}`;
    expect(kindsOn(cte, 'customers.ssn')).toContain(kind);
    const derived = `SELECT id FROM (SELECT id, ssn AS "Y" FROM customers) s WHERE ${predicate.replaceAll('$C', 's."Y"')}`;
    expect(kindsOn(derived, 'customers.ssn')).toContain(kind);
  });

  it.each([
    ['ORDER BY the column', 'SELECT id FROM customers ORDER BY ssn', 'ordering'],
    ['ORDER BY an output alias of it', 'SELECT ssn AS s FROM customers ORDER BY s', 'ordering'],
    ['ORDER BY its position', 'SELECT id, ssn FROM customers ORDER BY 2', 'ordering'],
    ['ORDER BY an expression', 'SELECT id FROM customers ORDER BY reverse(ssn)', 'computed'],
    ['a window ORDER BY', 'SELECT id, row_number() OVER (ORDER BY ssn) FROM customers', 'ordering'],
    [
      'a named window',
      'SELECT id, row_number() OVER w FROM customers WINDOW w AS (ORDER BY ssn)',
      'ordering',
    ],
    ['an aggregate ORDER BY', "SELECT string_agg(id::text, ',' ORDER BY ssn) FROM customers", 'ordering'],
    ['GROUP BY', 'SELECT count(*) FROM customers GROUP BY ssn', 'grouping'],
    ['GROUP BY position', 'SELECT ssn, count(*) FROM customers GROUP BY 1', 'grouping'],
    ['PARTITION BY', 'SELECT count(*) OVER (PARTITION BY ssn) FROM customers', 'grouping'],
    ['DISTINCT', 'SELECT DISTINCT ssn FROM customers', 'grouping'],
    ['DISTINCT ON', 'SELECT DISTINCT ON (ssn) id FROM customers', 'grouping'],
    ['a join between base columns', 'SELECT 1 FROM customers a JOIN customers b ON a.ssn = b.ssn', 'join'],
    ['JOIN USING base columns', 'SELECT 1 FROM customers a JOIN customers b USING (ssn)', 'join'],
    [
      'a join against a list of guesses',
      "SELECT 1 FROM customers c JOIN (VALUES ('1'), ('2')) g(x) ON c.ssn = g.x",
      'membership',
    ],
    ['INTERSECT with guesses', 'SELECT ssn FROM customers INTERSECT SELECT unnest($1::text[])', 'membership'],
    [
      'a set-returning function in FROM',
      "SELECT 1 FROM customers, unnest(string_to_array(ssn, '-'))",
      'rows',
    ],
    ['LIMIT', 'SELECT id FROM orders LIMIT (SELECT length(ssn) FROM customers LIMIT 1)', 'rows'],
  ])('%s', (_name, sql, kind) => {
    expect(kindsOn(sql, 'customers.ssn')).toContain(kind);
  });

  it('lists nothing for a statement that does not choose rows by a column', () => {
    expect(usesOf('SELECT id, ssn FROM customers')).toEqual([]);
  });

  it('plain analytics use only unclassified columns', () => {
    const used = usesOf(
      "SELECT status, count(*) FROM customers WHERE status <> 'closed' GROUP BY status ORDER BY 2",
    );
    expect(used.every(([, c]) => c === 'customers.status')).toBe(true);
  });

  it('an unresolvable value in a predicate is an unresolved use (every class counts)', () => {
    const result = traced('SELECT id FROM customers, no_such_function() f WHERE f.x < 5');
    expect(result.uses.some((u) => !u.resolved)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The select list: comparisons there are predicates, computations beyond carrying a value are
// `computed`, set-returning functions count rows. Each channel × the places a select list stands.

/** Select-list expressions over `$C` and the kind each must be listed with. */
const SELECT_LIST: Array<[string, UseKind]> = [
  ["CASE WHEN $C < '95' THEN 1 END", 'range'],
  ["CASE WHEN $C LIKE '9%' THEN 1 ELSE 0 END", 'pattern'],
  ["1 / CASE WHEN $C < '95' THEN 1 ELSE 0 END", 'computed'],
  ["CASE $C WHEN 'a' THEN 1 WHEN 'b' THEN 2 END", 'membership'],
  ["$C < '95'", 'range'],
  ["$C LIKE '9%'", 'pattern'],
  ["nullif(substr($C, 2, 1), '9')", 'computed'],
  ["substring($C from '^99')", 'computed'],
  ["ntile(position('9' in $C)) OVER ()", 'computed'],
  ['chr(ascii(substr($C, 1, 1)) * 100000000)', 'computed'],
  ['length($C)', 'computed'],
  ['md5($C)', 'computed'],
  ['$C::int', 'computed'],
  ['$C::char(1)', 'computed'],
  ["array_position(ARRAY['9'], substr($C, 2, 1))", 'computed'],
  ["greatest($C, '5')", 'computed'],
  ['lag(id, length($C)) OVER ()', 'computed'],
  ['generate_series(1, ascii($C))', 'rows'],
  ["regexp_matches($C, '^99')", 'rows'],
  ["unnest(CASE WHEN $C < '95' THEN ARRAY[1] END)", 'rows'],
  ["string_to_table($C, '.')", 'rows'],
];

/** Select-list expressions that only carry the value: no use of it at all. */
const CARRIED: string[] = [
  '$C',
  'lower($C)',
  'upper(trim($C))',
  "$C || ' ' || status",
  '$C::text',
  "concat($C, '-', id)",
  'coalesce($C, status)',
  'to_jsonb(customers)',
  'ROW(id, $C)',
  'ARRAY[$C, status]',
  'count($C)',
  'min($C)',
  'string_agg($C, status)',
  'lag($C) OVER ()',
];

describe('the select list: conditions, computations and set-returning functions are uses', () => {
  const places: Array<[string, (e: string) => string]> = [
    ['the select list', (e) => `SELECT id, ${e} FROM customers`],
    ['a derived table', (e) => `SELECT id FROM (SELECT id, ${e} AS v FROM customers) s`],
    ['a CTE', (e) => `WITH s AS (SELECT id, ${e} AS v FROM customers) SELECT id FROM s`],
    [
      'an EXISTS subquery',
      (e) => `SELECT id FROM customers c WHERE EXISTS (SELECT ${e.replaceAll('$C', 'c.$C')})`,
    ],
    ['a scalar subquery', (e) => `SELECT (SELECT ${e} FROM customers LIMIT 1)`],
    [
      'a LATERAL subquery',
      (e) => `SELECT c.id FROM customers c, LATERAL (SELECT ${e.replaceAll('$C', 'c.$C')}) l`,
    ],
    ['a UNION arm', (e) => `SELECT id, status FROM orders UNION ALL SELECT id, ${e} FROM customers`],
  ];
  for (const [place, wrap] of places) {
    it.each(SELECT_LIST)(`in ${place}, %s is %s`, (expr, kind) => {
      expect(kindsOn(wrap(expr.replaceAll('$C', 'ssn')), 'customers.ssn')).toContain(kind);
    });
  }

  it.each(CARRIED)('%s only carries the value: no use of the column', (expr) => {
    expect(kindsOn(`SELECT id, ${expr.replaceAll('$C', 'ssn')} FROM customers`, 'customers.ssn')).toEqual([]);
  });

  it.each(SELECT_LIST)('%s over an unclassified column lists nothing of ssn', (expr) => {
    expect(kindsOn(`SELECT id, ${expr.replaceAll('$C', 'status')} FROM customers`, 'customers.ssn')).toEqual(
      [],
    );
  });

  it('an aggregate over rows an equality chose is no computed use of the equality’s column', () => {
    expect(kindsOn('SELECT sum(id), avg(id) FROM customers WHERE ssn = $1', 'customers.ssn')).toEqual([
      'equality',
    ]);
  });
});

describe('casts: only a whole cast keeps a column itself', () => {
  it.each([
    'ssn::text',
    'ssn::varchar',
    'CAST(ssn AS text)',
    'ssn::pg_catalog.text',
    'ssn::bpchar',
    'ssn::int8',
  ])('%s = $1 is equality', (expr) => {
    expect(kindsOn(`SELECT id FROM customers WHERE ${expr} = $1`, 'customers.ssn')).toEqual(['equality']);
  });
  it.each([
    'ssn::char(1)',
    'ssn::char',
    'ssn::varchar(3)',
    'ssn::"char"',
    'CAST(ssn AS character(2))',
    'lower(ssn::varchar(3))',
    'ssn::char(5)::text',
    'ssn::float4',
    'ssn::shadow.text',
    'ssn::text[]',
  ])('%s = $1 keeps a part: computed', (expr) => {
    expect(kindsOn(`SELECT id FROM customers WHERE ${expr} = $1`, 'customers.ssn')).toContain('computed');
  });
  it.each([
    ['a join', 'SELECT 1 FROM customers a JOIN customers b ON a.ssn::char(1) = b.ssn::char(1)'],
    ['GROUP BY', 'SELECT count(*) FROM customers GROUP BY ssn::char(2)'],
    ['DISTINCT ON', 'SELECT DISTINCT ON (ssn::char(2)) id FROM customers'],
    ['IN', "SELECT id FROM customers WHERE ssn::varchar(3) IN ('906')"],
  ])('a truncating cast in %s is computed', (_where, sql) => {
    expect(kindsOn(sql, 'customers.ssn')).toContain('computed');
  });
});

describe('several equalities on one column under OR or NOT are a list of guesses', () => {
  it.each([
    "ssn = 'a' OR ssn = 'b'",
    "ssn = 'a' OR ssn = 'b' OR ssn = 'c'",
    "NOT (ssn <> 'a' AND ssn <> 'b')",
    "(ssn = 'a' AND id > 0) OR (ssn = 'b' AND id > 0)",
    "ssn IS NOT DISTINCT FROM 'a' OR ssn IS NOT DISTINCT FROM 'b'",
    "lower(ssn) = 'a' OR ssn::text = 'b'",
    "ssn IN ('a') OR ssn IN ('b')",
  ])('%s is membership', (where) => {
    expect(kindsOn(`SELECT id FROM customers WHERE ${where}`, 'customers.ssn')).toContain('membership');
    expect(
      kindsOn(
        `SELECT id FROM customers c WHERE EXISTS (SELECT 1 FROM customers d WHERE d.id = c.id AND (${where.replaceAll('ssn', 'd.ssn')}))`,
        'customers.ssn',
      ),
    ).toContain('membership');
  });
  it.each(["ssn = 'a' AND ssn = 'b'", "ssn = 'a' OR email = 'b'", "ssn = 'a' OR id = 1"])(
    '%s stays equality',
    (where) => {
      expect(kindsOn(`SELECT id FROM customers WHERE ${where}`, 'customers.ssn')).toEqual(['equality']);
    },
  );
});

describe('exactness: only one base column’s value per row is compared as the column itself', () => {
  it.each([
    [
      'max over the column and a guess',
      'SELECT 1 FROM (SELECT max(x) AS m FROM (SELECT ssn AS x FROM customers WHERE id = $2 UNION ALL SELECT $1::text) u) s WHERE m = $1',
    ],
    [
      'the same through CTEs',
      'WITH u AS (SELECT ssn AS x FROM customers WHERE id = $2 UNION ALL SELECT $1::text), s AS (SELECT max(x) AS m FROM u) SELECT 1 FROM s WHERE m = $1',
    ],
    [
      'min over VALUES in a LATERAL',
      'SELECT 1 FROM customers c JOIN LATERAL (SELECT min(x) AS m FROM (VALUES (c.ssn), ($1)) v(x)) l ON l.m = $1',
    ],
    ['a two-argument trim', "SELECT 1 FROM (SELECT ltrim(ssn, $1) AS x FROM customers) s WHERE x = ''"],
    ['coalesce with a guess', 'SELECT 1 FROM (SELECT coalesce(ssn, $1) AS x FROM customers) s WHERE x = $1'],
    [
      'IS NULL on a computed column',
      'SELECT 1 FROM (SELECT nullif(ssn, $1) AS x FROM customers) s WHERE x IS NULL',
    ],
    [
      'GROUP BY a column mixed with guesses',
      "SELECT x FROM (SELECT ssn AS x FROM customers WHERE id = 1 UNION ALL SELECT unnest(ARRAY['a', 'b'])) s GROUP BY x",
    ],
    [
      'DISTINCT ON a column mixed with guesses',
      "SELECT DISTINCT ON (x) x FROM (SELECT ssn AS x FROM customers UNION ALL SELECT 'a') s",
    ],
    [
      'GROUP BY an output alias of a mixed column',
      "SELECT x AS p, count(*) FROM (SELECT ssn AS x FROM customers UNION ALL SELECT 'a') s GROUP BY p",
    ],
  ])('%s is computed', (_what, sql) => {
    expect(kindsOn(sql, 'customers.ssn')).toContain('computed');
  });

  it.each([
    [
      'a case-folded derived column',
      'SELECT * FROM (SELECT id, lower(ssn) AS e FROM customers) s WHERE e = $1',
    ],
    ['a text cast in a CTE', 'WITH t AS (SELECT ssn::text AS x FROM customers) SELECT 1 FROM t WHERE x = $1'],
    [
      'a UNION ALL of the column with itself',
      'SELECT 1 FROM (SELECT ssn AS x FROM customers UNION ALL SELECT ssn FROM customers) s WHERE x = $1',
    ],
    ['a renamed derived column', 'SELECT 1 FROM (SELECT ssn FROM customers) AS s(y) WHERE y IS NULL'],
  ])('%s stays equality', (_what, sql) => {
    expect(kindsOn(sql, 'customers.ssn')).toEqual(['equality']);
  });

  it('a one-argument trim carries the value; a trim with a character set tests it', () => {
    expect(kindsOn('SELECT ltrim(ssn), btrim(ssn) FROM customers', 'customers.ssn')).toEqual([]);
    expect(kindsOn('SELECT ltrim(ssn, $1) FROM customers', 'customers.ssn')).toEqual(['computed']);
    expect(kindsOn("SELECT trim(BOTH '0' FROM ssn) FROM customers", 'customers.ssn')).toEqual(['computed']);
  });
});

describe('LIMIT or OFFSET without ORDER BY keeps rows by the plan’s order', () => {
  it.each([
    'SELECT DISTINCT ssn FROM customers LIMIT 1',
    'SELECT ssn, count(*) FROM customers GROUP BY ssn OFFSET 3',
    'SELECT DISTINCT ON (ssn) id FROM customers LIMIT 1',
    'SELECT ssn FROM customers UNION SELECT ssn FROM customers LIMIT 1',
    'SELECT ssn FROM customers INTERSECT SELECT ssn FROM customers OFFSET 1',
  ])('%s orders by the compared column', (sql) => {
    expect(kindsOn(sql, 'customers.ssn')).toContain('ordering');
  });
  it.each([
    'SELECT DISTINCT ssn FROM customers',
    'SELECT DISTINCT id, status FROM customers WHERE ssn = $1 ORDER BY id, status LIMIT 1',
    'SELECT ssn FROM customers LIMIT 1',
    'SELECT ssn FROM customers UNION ALL SELECT ssn FROM customers LIMIT 1',
    'SELECT status, count(*) FROM customers GROUP BY status LIMIT 1',
  ])('%s does not', (sql) => {
    expect(kindsOn(sql, 'customers.ssn')).not.toContain('ordering');
  });
});

describe('a third attack pass: recursion, inherited order, unresolved columns, tied ORDER BY', () => {
  it.each([
    [
      'a recursive CTE whose column takes guesses in a later round',
      'WITH RECURSIVE r(x, y, n) AS (SELECT ssn, ssn, 1 FROM customers WHERE id = $1 UNION ALL SELECT y, $2::text, n + 1 FROM r WHERE n < 3) SELECT x FROM r GROUP BY x',
      'computed',
    ],
    [
      'an outer LIMIT over a grouped subquery',
      'SELECT id FROM (SELECT ssn, id FROM customers GROUP BY ssn, id) s LIMIT 3',
      'ordering',
    ],
    [
      'an outer OFFSET over a DISTINCT CTE',
      'WITH d AS (SELECT DISTINCT ssn, id FROM customers) SELECT id FROM d OFFSET 7',
      'ordering',
    ],
    [
      'an outer FETCH over a UNION',
      'SELECT 1 FROM (SELECT ssn FROM customers UNION SELECT ssn FROM customers) u FETCH FIRST 1 ROW ONLY',
      'ordering',
    ],
    [
      'a LIMIT two levels above the grouping',
      'SELECT id FROM (SELECT id FROM (SELECT ssn, id FROM customers GROUP BY ssn, id) a) b LIMIT 1',
      'ordering',
    ],
    [
      'an ORDER BY the caller cannot see, over a grouping',
      'SELECT id FROM (SELECT ssn, id, status FROM customers GROUP BY ssn, id, status) s ORDER BY lower(status)',
      'ordering',
    ],
    [
      'grouping on a column lineage cannot follow, mixed with guesses',
      'SELECT 1 FROM (SELECT v FROM unnest($1::text[], ARRAY[1]) AS u(v, w) UNION ALL SELECT ssn FROM customers WHERE id = 1) s GROUP BY v',
      'computed',
    ],
  ])('%s is %s', (_what, sql, kind) => {
    expect(kindsOn(sql, 'customers.ssn')).toContain(kind);
  });

  it.each([
    [
      'an ORDER BY of a constant over a grouped subquery, with OFFSET',
      'SELECT g, x.b FROM generate_series(0, 9) g CROSS JOIN LATERAL (SELECT b FROM (SELECT id::bit(8) AS b FROM customers GROUP BY ssn, id::bit(8)) s ORDER BY now() OFFSET g LIMIT 1) x',
    ],
    [
      'an ORDER BY of a shown column that ties, with LIMIT',
      'SELECT b FROM (SELECT id AS b, status FROM customers GROUP BY ssn, id, status) s ORDER BY status LIMIT 3',
    ],
    [
      'DISTINCT ON with no ORDER BY',
      'SELECT DISTINCT ON (status) id FROM (SELECT id, status FROM customers GROUP BY ssn, id, status) s',
    ],
    [
      'a window partition, then LIMIT',
      'SELECT b FROM (SELECT id AS b, count(*) OVER (PARTITION BY ssn) AS n FROM customers) s LIMIT 3',
    ],
    [
      'a named window, then OFFSET',
      'SELECT id FROM (SELECT id, rank() OVER w FROM customers WINDOW w AS (PARTITION BY ssn)) s OFFSET 2',
    ],
  ])('%s is ordering', (_what, sql) => {
    expect(kindsOn(sql, 'customers.ssn')).toContain('ordering');
  });

  it.each([
    [
      'a UNION ALL of the column with a catalogue column, grouped',
      'SELECT k FROM (SELECT ssn AS k FROM customers UNION ALL SELECT oid::text FROM pg_proc) s GROUP BY k',
    ],
  ])('%s is computed: the other column’s values are guesses', (_what, sql) => {
    expect(kindsOn(sql, 'customers.ssn')).toContain('computed');
  });

  it('an ORDER BY of aggregates is read in the grouped scope: no unresolved use, no classified one', () => {
    const sql =
      'SELECT status, count(*) FROM customers GROUP BY status ORDER BY count(*) DESC, max(id) LIMIT 5';
    expect(kindsOn(sql, 'customers.ssn')).toEqual([]);
    expect(traced(sql).uses.every((u) => u.resolved)).toBe(true);
  });

  it.each([
    ['no ORDER BY', 'SELECT id, ssn FROM customers', { kind: 'none' }],
    ['a constant ORDER BY', "SELECT id, ssn FROM customers ORDER BY 'k' || ''", { kind: 'none' }],
    [
      'ORDER BY positions',
      'SELECT id, status FROM customers ORDER BY 2, 1',
      { kind: 'outputs', keys: [1, 0] },
    ],
    [
      'ORDER BY output names',
      'SELECT id, status AS s FROM customers ORDER BY s',
      { kind: 'outputs', keys: [1] },
    ],
    [
      'ORDER BY an expression of the select list',
      'SELECT id, lower(status) FROM customers ORDER BY lower(status)',
      { kind: 'outputs', keys: [1] },
    ],
    ['ORDER BY a column not shown', 'SELECT id FROM customers ORDER BY status', { kind: 'other' }],
  ])('the result order of %s', (_what, sql, order) => {
    expect(traced(sql).order).toEqual(order);
  });
});

describe('set operations over computed arms', () => {
  it.each([
    "SELECT 1 FROM (SELECT substr(ssn, 1, 2) FROM customers WHERE id = 1 UNION SELECT '90') s",
    "SELECT 1 FROM (SELECT ssn::char(3) FROM customers WHERE id = 2 UNION SELECT '997') s",
  ])('%s is computed', (sql) => {
    expect(kindsOn(sql, 'customers.ssn')).toContain('computed');
  });
  it.each([
    "SELECT lower(ssn) FROM customers INTERSECT SELECT 'x'",
    "SELECT upper(ssn) FROM customers EXCEPT SELECT 'x'",
    "SELECT 1 FROM (SELECT ssn FROM customers UNION SELECT to_char(g, 'FM000-00-0000') FROM generate_series(1, 999) g) u",
    'SELECT ssn FROM customers UNION SELECT unnest($1::text[])',
  ])('%s tests guesses: membership', (sql) => {
    expect(kindsOn(sql, 'customers.ssn')).toContain('membership');
  });
  it('a UNION of plain columns is grouping only', () => {
    expect(kindsOn('SELECT ssn FROM customers UNION SELECT ssn FROM customers', 'customers.ssn')).toEqual([
      'grouping',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Identifier semantics: names resolve as PostgreSQL resolves them (unquoted folded by the parser,
// quoted kept), for tables, CTEs, aliases and columns, at every nesting level.

describe('identifiers: quoted and unquoted, every kind of name', () => {
  const names: Array<[string, string]> = [
    ['unquoted', 'sub'],
    ['quoted lower', '"sub"'],
    ['quoted mixed case', '"Sub"'],
    ['quoted upper', '"SUB"'],
  ];
  const wrappers: Array<[string, (inner: string) => string]> = [
    ['flat', (q) => q],
    ['in a derived table', (q) => `SELECT * FROM (${q}) AS wrap`],
    ['in a CTE', (q) => `WITH wrap AS (${q}) SELECT * FROM wrap`],
    ['in a scalar subquery', (q) => `SELECT (${q} LIMIT 1) AS v`],
  ];
  for (const [nameKind, name] of names) {
    for (const [wrapKind, wrap] of wrappers) {
      it(`a ${nameKind} CTE shadowed by a differently-cased one, ${wrapKind}`, () => {
        // Two CTEs whose names differ only in case: PostgreSQL keeps them apart when quoted.
        const decoy = name === 'sub' || name === '"sub"' ? '"SUB"' : 'sub';
        const q = `WITH ${name} AS (SELECT ssn AS v FROM customers), ${decoy} AS (SELECT status AS v FROM customers) SELECT v FROM ${name}`;
        expect(taint(wrap(q))).toEqual(['customers.ssn']);
        const other = `WITH ${name} AS (SELECT ssn AS v FROM customers), ${decoy} AS (SELECT status AS v FROM customers) SELECT v FROM ${decoy}`;
        expect(taint(wrap(other))).toEqual(['customers.status']);
      });
      it(`a ${nameKind} column alias against a differently-cased one, ${wrapKind}`, () => {
        const decoy = name === 'sub' || name === '"sub"' ? '"SUB"' : 'sub';
        const q = `SELECT ${name} FROM (SELECT ssn AS ${name}, status AS ${decoy} FROM customers) t`;
        expect(taint(wrap(q))).toEqual(['customers.ssn']);
      });
    }
  }
  it('a quoted table name resolves exactly: "People"."SSN" and "People".ssn are different columns', () => {
    expect(taint('SELECT "SSN" FROM crm."People"')).toEqual(['People.SSN']);
    expect(taint('SELECT ssn FROM crm."People"')).toEqual(['People.ssn']);
    expect(taint('SELECT "SSN" FROM crm."People" p WHERE p.ssn = $1')).toEqual(['People.SSN']);
  });
});
