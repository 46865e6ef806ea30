// mysqlColumnUses: how a MySQL statement uses columns to choose, order and count rows, by name.
// Written from the mechanism: every predicate form × every spelling of the column × every place a
// query can stand, every ordering and grouping carrier, every way a name reaches a base table.
import mysqlGrammar from 'node-sql-parser/build/mysql.js';
import { mysqlAnalyzer } from '../../../../lambdas/core/sql/analyze-mysql.js';
import { type NamedColumnUse, USE_KINDS, type UseKind } from '../../../../lambdas/core/sql/column-uses.js';
import { mysqlColumnUses, type Node } from '../../../../lambdas/core/sql/mysql-column-uses.js';

const parser = new mysqlGrammar.Parser();
const astOf = (sql: string): Node => {
  const ast = parser.astify(sql, { database: 'MySQL', trimQuery: false });
  return (Array.isArray(ast) ? ast[0] : ast) as unknown as Node;
};

/** The uses the analyzer reports for one statement (through its lexing, as in production). */
const usesOf = (sql: string): readonly NamedColumnUse[] => {
  const facts = mysqlAnalyzer.analyze(sql);
  if (!facts.parseOk) throw new Error(`did not parse: ${facts.error}: ${sql}`);
  expect(facts.statements).toHaveLength(1);
  return facts.statements[0]!.columnUses ?? [];
};

const use = (kind: UseKind, table: string | undefined, column: string, schema?: string): NamedColumnUse => ({
  kind,
  ...(schema === undefined ? {} : { schema }),
  ...(table === undefined ? {} : { table }),
  ...(column === undefined ? {} : { column }),
});

/** The kinds recorded for a column: on table `t` as written, or by name only (no table). */
const kindsOf = (uses: readonly NamedColumnUse[], column = 'ssn', table = 't'): Set<UseKind> =>
  new Set(
    uses
      .filter((u) => u.column === column && (u.table === undefined || u.table === table))
      .map((u) => u.kind),
  );

/** No use without a column: the analysis followed everything. */
const followed = (uses: readonly NamedColumnUse[]) => uses.filter((u) => u.column === undefined);

const everything = (uses: readonly NamedColumnUse[]) =>
  USE_KINDS.every((kind) => uses.some((u) => u.kind === kind && u.column === undefined));

// ---------------------------------------------------------------------------------------------
// Forms

/** Predicate forms over a column expression `c`, with the kind each one is. */
const PREDICATES: ReadonlyArray<[string, (c: string) => string, UseKind]> = [
  ['=', (c) => `${c} = ?`, 'equality'],
  ['= reversed', (c) => `'123' = ${c}`, 'equality'],
  ['<>', (c) => `${c} <> ?`, 'equality'],
  ['!=', (c) => `${c} != '1'`, 'equality'],
  ['IS NULL', (c) => `${c} IS NULL`, 'equality'],
  ['IS NOT NULL', (c) => `${c} IS NOT NULL`, 'equality'],
  ['IS TRUE', (c) => `${c} IS TRUE`, 'equality'],
  ['IN one', (c) => `${c} IN ('1')`, 'equality'],
  ['bare boolean', (c) => `${c}`, 'equality'],
  ['NOT boolean', (c) => `NOT ${c}`, 'equality'],
  ['IN two', (c) => `${c} IN ('1', '2')`, 'membership'],
  ['NOT IN', (c) => `${c} NOT IN (?, ?, ?)`, 'membership'],
  ['IN constant subquery', (c) => `${c} IN (SELECT '1' UNION SELECT '2')`, 'membership'],
  ['<', (c) => `${c} < ?`, 'range'],
  ['<=', (c) => `${c} <= ?`, 'range'],
  ['>', (c) => `${c} > '5'`, 'range'],
  ['>= reversed', (c) => `? >= ${c}`, 'range'],
  ['BETWEEN', (c) => `${c} BETWEEN ? AND ?`, 'range'],
  ['NOT BETWEEN', (c) => `${c} NOT BETWEEN '1' AND '2'`, 'range'],
  ['between bounds', (c) => `'5' BETWEEN ${c} AND '9'`, 'range'],
  ['> ALL', (c) => `${c} > ALL (SELECT '5')`, 'range'],
  ['LIKE', (c) => `${c} LIKE '1%'`, 'pattern'],
  ['NOT LIKE', (c) => `${c} NOT LIKE ?`, 'pattern'],
  ['LIKE as pattern', (c) => `'123' LIKE ${c}`, 'pattern'],
  ['RLIKE', (c) => `${c} RLIKE '^1'`, 'pattern'],
  ['REGEXP', (c) => `${c} REGEXP '^1'`, 'pattern'],
  ['NOT REGEXP', (c) => `${c} NOT REGEXP '^1'`, 'pattern'],
  ['MATCH AGAINST', (c) => `MATCH (${c}) AGAINST ('1')`, 'pattern'],
];
/** MATCH takes column references only. */
const OVER_EXPRESSIONS = PREDICATES.filter(([name]) => name !== 'MATCH AGAINST');
const isReference = (spelling: string) => /^[`\w.]+( COLLATE \w+)?$/.test(spelling);

/** The column itself, however it is spelled (in a statement reading `t`, or `db`.`t`). */
const BARE: ReadonlyArray<[string, string, string]> = [
  ['plain', 'ssn', 't'],
  ['upper case', 'SSN', 't'],
  ['backticks', '`Ssn`', 't'],
  ['qualified', 't.ssn', 't'],
  ['qualified in backticks', '`t`.`ssn`', 't'],
  ['alias', 'x.ssn', 't x'],
  ['alias in backticks', '`x`.ssn', 't AS `x`'],
  ['parenthesised', '(ssn)', 't'],
  ['CAST', 'CAST(ssn AS CHAR)', 't'],
  ['COLLATE', 'ssn COLLATE utf8mb4_bin', 't'],
  ['BINARY', 'BINARY(ssn)', 't'],
  ['CONVERT type', 'CONVERT(ssn, CHAR)', 't'],
  ['CONVERT USING', 'CONVERT(ssn USING utf8mb4)', 't'],
];

/** The column inside an expression: any bit of it can be tested. */
const COMPUTED: ReadonlyArray<[string, string]> = [
  ['function', 'lower(ssn)'],
  ['substring', 'substr(ssn, 1, 1)'],
  ['ascii', 'ascii(ssn)'],
  ['arithmetic', 'ssn + 0'],
  ['concat', "concat(ssn, '')"],
  ['CASE', "CASE WHEN ssn > '5' THEN 1 ELSE 0 END"],
  ['simple CASE', "CASE ssn WHEN '1' THEN 1 END"],
  ['IF', 'IF(ssn, 1, 0)'],
  ['JSON', "ssn->>'$.a'"],
  ['cast of a function', 'CAST(lower(ssn) AS CHAR)'],
  // Casts that keep a part: a prefix, or the leading digits of a number.
  ['CAST to CHAR(1)', 'CAST(ssn AS CHAR(1))'],
  ['CONVERT to CHAR(2)', 'CONVERT(ssn, CHAR(2))'],
  ['CAST to UNSIGNED', 'CAST(ssn AS UNSIGNED)'],
  ['CAST to SIGNED', 'CAST(ssn AS SIGNED)'],
  ['CAST to DECIMAL', 'CAST(ssn AS DECIMAL(3, 0))'],
  ['CAST to DATE', 'CAST(ssn AS DATE)'],
];

/** Places a predicate on `t` can stand in a statement: `p` is the predicate. */
const PLACES: ReadonlyArray<[string, (p: string) => string]> = [
  ['WHERE', (p) => `SELECT id FROM t WHERE ${p}`],
  ['WHERE under AND/OR', (p) => `SELECT id FROM t WHERE id = 1 AND (id = 2 OR ${p})`],
  ['WHERE under NOT', (p) => `SELECT id FROM t WHERE NOT (${p})`],
  ['JOIN ON', (p) => `SELECT u.id FROM u JOIN t ON u.id = t.id AND ${p}`],
  ['LEFT JOIN ON', (p) => `SELECT u.id FROM u LEFT JOIN t ON ${p}`],
  ['HAVING', (p) => `SELECT id FROM t GROUP BY id HAVING ${p}`],
  ['EXISTS', (p) => `SELECT 1 FROM DUAL WHERE EXISTS (SELECT 1 FROM t WHERE ${p})`],
  ['IN subquery', (p) => `SELECT id FROM u WHERE u.id IN (SELECT id FROM t WHERE ${p})`],
  ['scalar subquery in the select list', (p) => `SELECT (SELECT count(*) FROM t WHERE ${p}) AS n`],
  ['derived table', (p) => `SELECT n FROM (SELECT id AS n FROM t WHERE ${p}) AS d`],
  ['nested derived table', (p) => `SELECT n FROM (SELECT n FROM (SELECT id AS n FROM t WHERE ${p}) a) b`],
  ['CTE', (p) => `WITH c AS (SELECT id FROM t WHERE ${p}) SELECT id FROM c`],
  ['second UNION arm', (p) => `SELECT id FROM u UNION SELECT id FROM t WHERE ${p}`],
  ['UPDATE', (p) => `UPDATE t SET flag = 1 WHERE ${p}`],
  ['DELETE', (p) => `DELETE FROM t WHERE ${p}`],
  ['INSERT ... SELECT', (p) => `INSERT INTO copy (id) SELECT id FROM t WHERE ${p}`],
  ['REPLACE ... SELECT', (p) => `REPLACE INTO copy (id) SELECT id FROM t WHERE ${p}`],
  ['a subquery in UPDATE SET', (p) => `UPDATE u SET n = (SELECT count(*) FROM t WHERE ${p})`],
  ['a subquery in INSERT VALUES', (p) => `INSERT INTO u (n) VALUES ((SELECT count(*) FROM t WHERE ${p}))`],
  ['EXPLAIN', (p) => `EXPLAIN SELECT id FROM t WHERE ${p}`],
  ['CREATE TABLE ... AS SELECT', (p) => `CREATE TABLE copy AS SELECT id FROM t WHERE ${p}`],
];

const cross = <A, B>(as: readonly A[], bs: readonly B[]): Array<[A, B]> =>
  as.flatMap((a) => bs.map((b) => [a, b] as [A, B]));

describe('mysqlColumnUses: predicates', () => {
  it.each(
    cross(PREDICATES, PLACES).map(
      ([[name, form, kind], [place, build]]) => [name, place, form, kind, build] as const,
    ),
  )('%s in %s is recorded with its kind, on the column itself', (_name, _place, form, kind, build) => {
    const uses = usesOf(build(form('ssn')));
    const kinds = kindsOf(uses);
    expect(kinds).toContain(kind);
    expect(kinds).not.toContain('computed');
    expect(followed(uses)).toEqual([]);
  });

  it.each(
    cross(PREDICATES, BARE)
      .filter(([[name], [, column]]) => name !== 'MATCH AGAINST' || isReference(column))
      .map(
        ([[name, form, kind], [spelling, column, from]]) =>
          [name, spelling, form, kind, column, from] as const,
      ),
  )(
    '%s on the column spelled %s resolves to the base table',
    (_name, _spelling, form, kind, column, from) => {
      const uses = usesOf(`SELECT id FROM ${from} WHERE ${form(column)}`);
      expect(uses).toContainEqual(use(kind, 't', 'ssn'));
      expect(uses).not.toContainEqual(use('computed', 't', 'ssn'));
    },
  );

  it.each(
    cross(OVER_EXPRESSIONS, COMPUTED).map(
      ([[name, form, kind], [what, expr]]) => [name, what, form, kind, expr] as const,
    ),
  )('%s on a %s of the column is recorded as computed too', (_name, _what, form, kind, expr) => {
    const uses = usesOf(`SELECT id FROM t WHERE ${form(expr)}`);
    expect(uses).toContainEqual(use('computed', 't', 'ssn'));
    expect(kindsOf(uses)).toContain(kind);
  });

  it.each(PREDICATES.map(([name, form, kind]) => [name, form, kind] as const))(
    '%s on a database-qualified column keeps the database as written',
    (_name, form, kind) => {
      expect(usesOf(`SELECT id FROM shop.t WHERE ${form('shop.t.ssn')}`)).toContainEqual(
        use(kind, 't', 'ssn', 'shop'),
      );
      expect(usesOf(`SELECT id FROM \`Shop\`.\`T\` WHERE ${form('ssn')}`)).toContainEqual(
        use(kind, 'T', 'ssn', 'Shop'),
      );
    },
  );

  it.each([
    "ssn = '1' OR ssn = '2'",
    "ssn = '1' OR ssn = '2' OR ssn = '3'",
    "ssn = '1' || ssn = '2'",
    "ssn = '1' XOR ssn = '2'",
    "NOT (ssn <> '1' AND ssn <> '2')",
    "NOT (ssn != '1' && ssn != '2')",
    "(ssn = '1' AND id > 0) OR (ssn = '2' AND id > 0)",
    "ssn IN ('1') OR `SSN` IN ('2')",
    "ssn = '1' OR t.ssn = '2'",
  ])('records %s as membership: two equalities on one column under OR or NOT', (predicate) => {
    expect(usesOf(`SELECT 1 FROM t WHERE ${predicate}`)).toContainEqual(use('membership', 't', 'ssn'));
  });

  it.each(['ssn = 168', '168 = ssn', 'ssn = -168', 'ssn = 1 + 1', 'ssn = TRUE', 'ssn = (168)'])(
    'records %s as computed: a string compared with a number is read by its leading digits',
    (predicate) => {
      expect(kindsOf(usesOf(`SELECT 1 FROM t WHERE ${predicate}`))).toEqual(new Set(['computed']));
    },
  );

  it.each([
    ["SELECT ssn FROM t UNION SELECT 'x'", 'membership'],
    ["SELECT 1 FROM (SELECT ssn FROM t UNION SELECT CONCAT('1-', seq) FROM seq_0_to_9) u", 'membership'],
    ["SELECT ssn FROM t INTERSECT SELECT 'x'", 'membership'],
    ['SELECT ssn FROM t UNION SELECT ssn FROM t', 'grouping'],
    ['SELECT ssn FROM t UNION DISTINCT SELECT lower(ssn) FROM t', 'membership'],
  ] as const)('records the deduplication of %s as %s', (sql, kind) => {
    expect(kindsOf(usesOf(sql))).toContain(kind);
  });

  it.each([
    'SELECT 1 FROM (SELECT id FROM t GROUP BY ssn, id LIMIT 1 OFFSET 3) s WHERE s.id = 3',
    "SELECT 1 FROM (SELECT DISTINCT ssn, id FROM t ORDER BY 'k' LIMIT 1) s",
    'SELECT id FROM (SELECT id FROM t GROUP BY ssn, id) s ORDER BY NOW() LIMIT 2',
  ])('records the grouping under a LIMIT as ordering: %s', (sql) => {
    expect(kindsOf(usesOf(sql))).toContain('ordering');
  });

  it.each([
    'SELECT 1 FROM (SELECT k FROM (SELECT ssn AS k FROM t UNION ALL SELECT CAST(seq AS CHAR) FROM seq_1_to_9) u GROUP BY k) s',
    'SELECT 1 FROM (SELECT ssn AS k FROM t UNION ALL SELECT code FROM u) x GROUP BY k',
  ])('records grouping a column mixed with another column as membership: %s', (sql) => {
    expect(kindsOf(usesOf(sql))).toContain('membership');
  });

  it('records nothing for a UNION ALL, which keeps every row', () => {
    expect(kindsOf(usesOf("SELECT ssn FROM t UNION ALL SELECT 'x'"))).toEqual(new Set());
  });

  it.each(["ssn = '1' AND ssn = '2'", "ssn = '1' OR id = 2", "ssn = '1' OR email = '2'"])(
    'keeps %s an equality (one guess)',
    (predicate) => {
      expect(kindsOf(usesOf(`SELECT 1 FROM t WHERE ${predicate}`))).not.toContain('membership');
    },
  );

  it.each(['ssn IN (1, 2)', 'ssn IN (?, ?)', "ssn IN ('1', CONCAT('2', ''))"])(
    'records %s as membership (several guesses per request)',
    (predicate) => {
      expect(usesOf(`SELECT 1 FROM t WHERE ${predicate}`)).toContainEqual(use('membership', 't', 'ssn'));
    },
  );

  it.each([
    ['row equality', "(ssn, id) = ('1', 2)", ['equality'], []],
    ['row IN', "(ssn, id) IN (('1', 2), ('3', 4))", ['membership'], []],
    ['row range', "(ssn, id) < ('1', 2)", ['range', 'computed'], []],
  ] as const)('compares a %s element by element', (_name, predicate, kinds, _none) => {
    const recorded = kindsOf(usesOf(`SELECT 1 FROM t WHERE ${predicate}`));
    for (const kind of kinds) expect(recorded).toContain(kind);
  });

  it('records a comparison in any position: nested in a function, CASE or IF, or in the select list', () => {
    for (const sql of [
      "SELECT IF(ssn < '5', 1, 0) FROM t",
      "SELECT CASE WHEN ssn < '5' THEN 'a' ELSE 'b' END FROM t",
      "SELECT ssn < '5' FROM t",
      "SELECT id FROM t ORDER BY ssn < '5'",
      "SELECT id FROM t WHERE coalesce(ssn < '5', 0)",
      "SELECT sum(ssn < '5') FROM t",
    ]) {
      const kinds = kindsOf(usesOf(sql));
      expect(kinds).toContain('range');
      expect(kinds).toContain('computed');
    }
  });

  it('records a pattern test in the select list as well', () => {
    expect(kindsOf(usesOf("SELECT ssn LIKE '1%' FROM t"))).toContain('pattern');
  });

  it('records nothing for a column that is only output', () => {
    for (const sql of ['SELECT ssn FROM t', 'SELECT lower(ssn), ssn + 1 FROM t', 'SELECT max(ssn) FROM t']) {
      expect(usesOf(sql)).toEqual([]);
    }
  });

  it('keeps plain analytics over unclassified columns to what they use', () => {
    expect(usesOf("SELECT status, count(*) FROM orders WHERE status <> 'void' GROUP BY status")).toEqual([
      use('equality', 'orders', 'status'),
      use('grouping', 'orders', 'status'),
    ]);
  });

  it('records nothing for predicates over values only', () => {
    expect(usesOf('SELECT id FROM t WHERE 1 = 1 AND ? < 5')).toEqual([]);
  });
});

describe('mysqlColumnUses: joins', () => {
  it.each([
    ['JOIN ON', 'SELECT 1 FROM t JOIN u ON t.ssn = u.ssn'],
    ['JOIN ON reversed', 'SELECT 1 FROM t JOIN u ON u.ssn = t.ssn'],
    ['<=> spelled as =', 'SELECT 1 FROM t, u WHERE t.ssn = u.ssn'],
    ['USING', 'SELECT 1 FROM t JOIN u USING (ssn)'],
    ['IN subquery', 'SELECT 1 FROM t WHERE t.ssn IN (SELECT u.ssn FROM u)'],
    ['= ANY', 'SELECT 1 FROM t WHERE t.ssn = ANY (SELECT u.ssn FROM u)'],
    ['= SOME', 'SELECT 1 FROM t WHERE t.ssn = SOME (SELECT u.ssn FROM u)'],
    ['scalar subquery', 'SELECT 1 FROM t WHERE t.ssn = (SELECT u.ssn FROM u LIMIT 1)'],
    ['correlated EXISTS', 'SELECT 1 FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.ssn = t.ssn)'],
    ['through a derived table', 'SELECT 1 FROM t JOIN (SELECT ssn AS s FROM u) d ON d.s = t.ssn'],
    ['through a CTE', 'WITH d AS (SELECT ssn FROM u) SELECT 1 FROM t JOIN d ON d.ssn = t.ssn'],
  ])('records %s between two base columns as a join on both', (_name, sql) => {
    const uses = usesOf(sql);
    expect(uses).toContainEqual(use('join', 't', 'ssn'));
    expect(kindsOf(uses, 'ssn', 'u')).toContain('join');
    expect(kindsOf(uses)).not.toContain('computed');
  });

  it.each([
    ['a function on one side', 'SELECT 1 FROM t JOIN u ON lower(t.ssn) = u.ssn'],
    ['an expression on the other side', 'SELECT 1 FROM t JOIN u ON t.ssn = concat(u.ssn, "")'],
    ['IN over an expression', 'SELECT 1 FROM t WHERE t.ssn IN (SELECT lower(u.ssn) FROM u)'],
  ])('records a comparison with %s as computed on both sides', (_name, sql) => {
    const uses = usesOf(sql);
    expect(uses).toContainEqual(use('computed', 't', 'ssn'));
    expect(uses).toContainEqual(use('computed', 'u', 'ssn'));
  });

  it.each([
    [
      'a derived table of constants',
      "SELECT 1 FROM t JOIN (SELECT '1' AS x UNION SELECT '2') d ON d.x = t.ssn",
    ],
    [
      'a CTE of constants',
      "WITH d (x) AS (SELECT '1' UNION ALL SELECT '2') SELECT 1 FROM t, d WHERE t.ssn = d.x",
    ],
    [
      'a derived table of placeholders',
      'SELECT 1 FROM t JOIN (SELECT ? AS x UNION SELECT ?) d ON t.ssn = d.x',
    ],
    ['IN over constants', "SELECT 1 FROM t WHERE t.ssn IN (SELECT x FROM (SELECT '1' AS x) d)"],
  ])('records a comparison against %s as membership (a list of guesses)', (_name, sql) => {
    expect(usesOf(sql)).toContainEqual(use('membership', 't', 'ssn'));
  });
});

describe('mysqlColumnUses: ordering and grouping', () => {
  const ORDERINGS: ReadonlyArray<[string, (c: string) => string, UseKind]> = [
    ['ORDER BY', (c) => `SELECT id FROM t ORDER BY ${c}`, 'ordering'],
    ['ORDER BY DESC', (c) => `SELECT id FROM t ORDER BY id, ${c} DESC`, 'ordering'],
    [
      'ORDER BY in a derived table',
      (c) => `SELECT id FROM (SELECT id FROM t ORDER BY ${c} LIMIT 5) d`,
      'ordering',
    ],
    [
      'ORDER BY in a CTE',
      (c) => `WITH c AS (SELECT id FROM t ORDER BY ${c} LIMIT 5) SELECT id FROM c`,
      'ordering',
    ],
    ['ORDER BY in a subquery', (c) => `SELECT (SELECT id FROM t ORDER BY ${c} LIMIT 1) AS x`, 'ordering'],
    ['window ORDER BY', (c) => `SELECT row_number() OVER (ORDER BY ${c}) FROM t`, 'ordering'],
    [
      'window ORDER BY with PARTITION',
      (c) => `SELECT rank() OVER (PARTITION BY id ORDER BY ${c}) FROM t`,
      'ordering',
    ],
    [
      'named window ORDER BY',
      (c) => `SELECT row_number() OVER w FROM t WINDOW w AS (ORDER BY ${c})`,
      'ordering',
    ],
    ['GROUP_CONCAT ORDER BY', (c) => `SELECT GROUP_CONCAT(id ORDER BY ${c}) FROM t`, 'ordering'],
    ['UPDATE ORDER BY', (c) => `UPDATE t SET flag = 1 ORDER BY ${c} LIMIT 1`, 'ordering'],
    ['DELETE ORDER BY', (c) => `DELETE FROM t ORDER BY ${c} LIMIT 1`, 'ordering'],
    ['GROUP BY', (c) => `SELECT count(*) FROM t GROUP BY ${c}`, 'grouping'],
    ['GROUP BY WITH ROLLUP', (c) => `SELECT count(*) FROM t GROUP BY ${c} WITH ROLLUP`, 'grouping'],
    [
      'GROUP BY in a derived table',
      (c) => `SELECT n FROM (SELECT count(*) n FROM t GROUP BY ${c}) d`,
      'grouping',
    ],
    ['PARTITION BY', (c) => `SELECT count(*) OVER (PARTITION BY ${c}) FROM t`, 'grouping'],
    ['DISTINCT', (c) => `SELECT DISTINCT ${c} FROM t`, 'grouping'],
    ['DISTINCT in a subquery', (c) => `SELECT count(*) FROM (SELECT DISTINCT ${c} FROM t) d`, 'grouping'],
    ['count(DISTINCT)', (c) => `SELECT count(DISTINCT ${c}) FROM t`, 'grouping'],
    ['GROUP_CONCAT(DISTINCT)', (c) => `SELECT GROUP_CONCAT(DISTINCT ${c}) FROM t`, 'grouping'],
  ];

  it.each(
    cross(
      ORDERINGS,
      BARE.filter(([, , from]) => from === 't'),
    ).map(([[name, build, kind], [spelling, column]]) => [name, spelling, build, kind, column] as const),
  )('%s on the column spelled %s is recorded without computed', (_name, _spelling, build, kind, column) => {
    const uses = usesOf(build(column));
    expect(uses).toContainEqual(use(kind, 't', 'ssn'));
    expect(uses).not.toContainEqual(use('computed', 't', 'ssn'));
  });

  it.each(
    cross(ORDERINGS, COMPUTED).map(
      ([[name, build, kind], [what, expr]]) => [name, what, build, kind, expr] as const,
    ),
  )('%s on a %s of the column is recorded with computed', (_name, _what, build, kind, expr) => {
    const uses = usesOf(build(expr));
    expect(uses).toContainEqual(use(kind, 't', 'ssn'));
    expect(uses).toContainEqual(use('computed', 't', 'ssn'));
  });

  it.each([
    ['ORDER BY an alias', 'SELECT ssn AS k FROM t ORDER BY k', 'ordering'],
    ['ORDER BY an alias in backticks and another case', 'SELECT ssn AS `K` FROM t ORDER BY `k`', 'ordering'],
    ['ORDER BY a position', 'SELECT id, ssn FROM t ORDER BY 2', 'ordering'],
    ['GROUP BY an alias', 'SELECT ssn AS k, count(*) FROM t GROUP BY k', 'grouping'],
    ['GROUP BY a position', 'SELECT ssn, count(*) FROM t GROUP BY 1', 'grouping'],
    ['HAVING on an alias', "SELECT ssn AS k FROM t GROUP BY id HAVING k < '5'", 'range'],
    ['the whole UNION ORDER BY', 'SELECT id FROM u UNION SELECT ssn FROM t ORDER BY id', 'ordering'],
    [
      'the whole UNION ORDER BY, parenthesised',
      '(SELECT id FROM u) UNION (SELECT ssn FROM t) ORDER BY id',
      'ordering',
    ],
    [
      'the whole UNION ORDER BY a position',
      '(SELECT id FROM u) UNION (SELECT ssn FROM t) ORDER BY 1',
      'ordering',
    ],
  ] as const)('follows %s to the column', (_name, sql, kind) => {
    expect(usesOf(sql)).toContainEqual(use(kind, 't', 'ssn'));
  });

  it.each([
    ['ORDER BY an alias of an expression', 'SELECT lower(ssn) AS k FROM t ORDER BY k', 'ordering'],
    ['ORDER BY the position of an expression', 'SELECT id, lower(ssn) FROM t ORDER BY 2', 'ordering'],
    [
      'a derived window rank',
      'SELECT id FROM (SELECT id, row_number() OVER (ORDER BY ssn) AS r FROM t) d WHERE r = 1',
      'ordering',
    ],
  ] as const)('follows %s to the column, computed', (_name, sql, kind) => {
    const uses = usesOf(sql);
    expect(uses).toContainEqual(use(kind, 't', 'ssn'));
    expect(uses).toContainEqual(use('computed', 't', 'ssn'));
  });

  it('records SELECT DISTINCT * as grouping on columns it cannot name', () => {
    expect(usesOf('SELECT DISTINCT * FROM t')).toContainEqual({ kind: 'grouping' });
  });
});

describe('mysqlColumnUses: names', () => {
  it('lower-cases column names and keeps table and database names as written', () => {
    expect(usesOf('SELECT 1 FROM `Shop`.`Customers` AS c WHERE c.`SSN` < ?')).toEqual([
      use('range', 'Customers', 'ssn', 'Shop'),
    ]);
  });

  it('resolves a qualifier through aliases case-insensitively, to every relation it may mean', () => {
    expect(usesOf('SELECT 1 FROM t AS X WHERE x.ssn < ?')).toEqual([use('range', 't', 'ssn')]);
    const uses = usesOf('SELECT 1 FROM t AS a JOIN u AS A ON a.id = A.id WHERE a.ssn < ?');
    expect(uses).toContainEqual(use('range', 't', 'ssn'));
    expect(uses).toContainEqual(use('range', 'u', 'ssn'));
  });

  it('names no table for an unqualified column when several tables are in scope', () => {
    expect(usesOf('SELECT 1 FROM t JOIN u ON t.id = u.id WHERE ssn < ?')).toContainEqual(
      use('range', undefined, 'ssn'),
    );
    expect(usesOf('SELECT 1 FROM t, (SELECT 1 AS one) d WHERE ssn < ?')).toContainEqual(
      use('range', 't', 'ssn'),
    );
  });

  it('names no table for an unqualified column in a subquery that may be the outer query’s', () => {
    expect(usesOf('SELECT 1 FROM t WHERE EXISTS (SELECT 1 FROM u WHERE ssn < ?)')).toContainEqual(
      use('range', undefined, 'ssn'),
    );
    // A LATERAL derived table sees the FROM items before it.
    expect(
      usesOf('SELECT * FROM u, LATERAL (SELECT ssn FROM t WHERE t.id = u.id) l WHERE l.ssn < ?'),
    ).toContainEqual(use('range', undefined, 'ssn'));
  });

  it('resolves the same table under two aliases to that table', () => {
    expect(usesOf('SELECT 1 FROM t a JOIN t b ON a.id = b.id WHERE ssn < ?')).toContainEqual(
      use('range', 't', 'ssn'),
    );
  });

  it.each([
    ['an alias of the column', 'SELECT s FROM (SELECT ssn AS s FROM t) d WHERE d.s < ?'],
    ['the column’s own name', 'SELECT ssn FROM (SELECT ssn FROM t) d WHERE ssn < ?'],
    ['a star', 'SELECT * FROM (SELECT * FROM t) d WHERE d.ssn < ?'],
    ['a qualified star', 'SELECT * FROM (SELECT t.* FROM t JOIN u ON t.id = u.id) d WHERE d.ssn < ?'],
    ['two levels', 'SELECT * FROM (SELECT s AS z FROM (SELECT ssn AS s FROM t) a) b WHERE b.z < ?'],
    ['a CTE', 'WITH c AS (SELECT ssn AS s FROM t) SELECT * FROM c WHERE c.s < ?'],
    ['a CTE column list', 'WITH c (s) AS (SELECT ssn FROM t) SELECT * FROM c WHERE s < ?'],
    [
      'a CTE read by a later CTE',
      'WITH a AS (SELECT ssn FROM t), b AS (SELECT ssn AS s FROM a) SELECT * FROM b WHERE s < ?',
    ],
    [
      'a CTE in a subquery',
      'WITH c AS (SELECT ssn FROM t) SELECT 1 FROM DUAL WHERE EXISTS (SELECT 1 FROM c WHERE c.ssn < ?)',
    ],
    ['a UNION by position', 'SELECT * FROM (SELECT ssn AS s FROM t UNION SELECT x FROM u) d WHERE s < ?'],
    [
      'a LATERAL derived table',
      'SELECT * FROM u, LATERAL (SELECT t.ssn FROM t WHERE t.id = u.id) l WHERE l.ssn < ?',
    ],
  ])('follows a derived column through %s to its base column', (_name, sql) => {
    const uses = usesOf(sql);
    expect(uses).toContainEqual(use('range', 't', 'ssn'));
    expect(followed(uses)).toEqual([]);
  });

  it('follows every UNION arm of a derived table', () => {
    const uses = usesOf('SELECT * FROM (SELECT ssn AS s FROM t UNION ALL SELECT email FROM u) d WHERE s < ?');
    expect(uses).toContainEqual(use('range', 't', 'ssn'));
    expect(uses).toContainEqual(use('range', 'u', 'email'));
  });

  it('follows a derived expression as computed', () => {
    const uses = usesOf("SELECT * FROM (SELECT substr(ssn, 1, 3) AS area FROM t) d WHERE area = '123'");
    expect(uses).toContainEqual(use('equality', 't', 'ssn'));
    expect(uses).toContainEqual(use('computed', 't', 'ssn'));
  });

  it('never names a CTE or derived table as a table', () => {
    const uses = usesOf(
      'WITH c AS (SELECT ssn FROM t) SELECT * FROM c, (SELECT 1 AS one) d WHERE c.ssn < ? AND d.one = 1',
    );
    expect(uses.map((u) => u.table)).not.toContain('c');
    expect(uses.map((u) => u.table)).not.toContain('d');
  });

  it('reads a CTE named in another letter case both as the CTE and as a table of that name', () => {
    const uses = usesOf('WITH c AS (SELECT ssn FROM t) SELECT * FROM C WHERE C.ssn < ?');
    expect(uses).toContainEqual(use('range', 't', 'ssn'));
    expect(uses).toContainEqual(use('range', 'C', 'ssn'));
  });

  it('lets a CTE shadow a table of the same name', () => {
    expect(usesOf('WITH t AS (SELECT ssn AS s FROM people) SELECT * FROM t WHERE s < ?')).toEqual([
      use('range', 'people', 'ssn'),
    ]);
  });

  it.each([
    [
      'a column named by its expression',
      'SELECT * FROM (SELECT lower(ssn) FROM t) d WHERE d.`lower(ssn)` < ?',
    ],
    ['a star in a UNION', 'SELECT * FROM (SELECT * FROM t UNION SELECT * FROM u) d WHERE d.ssn < ?'],
    ['a position after a star', 'WITH c (a, b) AS (SELECT *, 1 FROM t) SELECT * FROM c WHERE b < ?'],
  ])('records a use with no column when it cannot follow %s', (_name, sql) => {
    expect(usesOf(sql)).toContainEqual({ kind: 'range' });
  });

  it('ends on a recursive CTE, with what its arms contribute', () => {
    const uses = usesOf(
      'WITH RECURSIVE r (a, b) AS (SELECT ssn, email FROM t UNION ALL SELECT b, a FROM r WHERE a < ?) SELECT * FROM r ORDER BY b',
    );
    for (const column of ['ssn', 'email']) {
      expect(uses).toContainEqual(use('range', 't', column));
      expect(uses).toContainEqual(use('ordering', 't', column));
    }
  });
});

describe('mysqlColumnUses: rows and bounds', () => {
  it('records nothing for LIMIT and OFFSET of values', () => {
    for (const sql of [
      'SELECT id FROM t LIMIT 5',
      'SELECT id FROM t LIMIT ? OFFSET ?',
      'SELECT id FROM t LIMIT 1, 2',
    ]) {
      expect(usesOf(sql)).toEqual([]);
    }
  });

  it('records a column in LIMIT or OFFSET as rows', () => {
    const ast = astOf('SELECT id FROM t LIMIT 1, 2');
    (ast.limit as { value: unknown[] }).value = [
      { type: 'column_ref', column: 'ssn' },
      {
        type: 'function',
        name: { name: [{ type: 'default', value: 'length' }] },
        args: { type: 'expr_list', value: [{ type: 'column_ref', column: 'n' }] },
      },
    ];
    const uses = mysqlColumnUses(ast);
    expect(uses).toContainEqual(use('rows', 't', 'ssn'));
    expect(uses).toContainEqual(use('rows', 't', 'n'));
    expect(uses).toContainEqual(use('computed', 't', 'n'));
  });

  it('records a FROM item it does not know (a table function) as rows with no column', () => {
    const ast = astOf('SELECT id FROM t');
    (ast.from as unknown[]).push({
      expr: {
        type: 'function',
        name: { name: [{ type: 'default', value: 'json_table' }] },
        args: { type: 'expr_list', value: [{ type: 'column_ref', table: 't', column: 'doc' }] },
      },
      as: 'jt',
    });
    expect(mysqlColumnUses(ast)).toContainEqual({ kind: 'rows' });
  });

  it('answers every kind with no column for a clause it does not know that reads columns', () => {
    const ast = astOf('SELECT id FROM t');
    ast.qualify = {
      type: 'binary_expr',
      operator: '<',
      left: { type: 'column_ref', column: 'ssn' },
      right: { type: 'number', value: 1 },
    };
    expect(everything(mysqlColumnUses(ast))).toBe(true);
  });

  it('deep nesting is followed or given up on (every kind), never left half-read or thrown', () => {
    const n = 500;
    const sql = 'SELECT 1 FROM t WHERE a IN '.concat(
      '(SELECT a FROM t WHERE a IN '.repeat(n),
      '(1)',
      ')'.repeat(n),
    );
    // Whether the stack or the depth bound ends the walk depends on where it runs.
    const uses = usesOf(sql);
    const followed =
      uses.some((u) => u.kind === 'join' && u.column === 'a') &&
      uses.some((u) => u.kind === 'computed' && u.column === 'a');
    expect(everything(uses) || followed).toBe(true);
  });

  it('fails closed on a tree deeper than the stack, without throwing', () => {
    let expr: Node = { type: 'column_ref', column: 'ssn' };
    for (let i = 0; i < 100_000; i++)
      expr = {
        type: 'function',
        name: { name: [{ type: 'default', value: 'lower' }] },
        args: { type: 'expr_list', value: [expr] },
      };
    const ast = astOf('SELECT id FROM t');
    ast.where = expr;
    expect(everything(mysqlColumnUses(ast))).toBe(true);
  });

  it('follows long flat chains without giving up', () => {
    for (const sql of [
      `SELECT 1 FROM t WHERE ${Array(3000).fill("ssn = '1'").join(' AND ')}`,
      `SELECT 1 FROM t WHERE ${Array(3000).fill('ssn').join(' + ')} < 1`,
      `SELECT ${Array(3000).fill('ssn').join(' + ')} FROM t`,
    ]) {
      expect(followed(usesOf(sql))).toEqual([]);
    }
  });

  it('does not multiply sources through derived tables that read a column twice per level', () => {
    const n = 40;
    const sql = `SELECT x FROM ${'(SELECT x + x AS x FROM '.repeat(n)}t${') d'.repeat(n)} WHERE x < 1`;
    expect(usesOf(sql)).toEqual([use('range', 't', 'x'), use('computed', 't', 'x')]);
  });

  it('never throws and answers only known kinds, whatever the AST', () => {
    const shapes: unknown[] = [
      null,
      1,
      'x',
      [],
      {},
      { type: 'column_ref' },
      { ast: null },
      { type: 'binary_expr' },
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const keys = [
      'where',
      'from',
      'columns',
      'orderby',
      'groupby',
      'having',
      'limit',
      'with',
      '_next',
      'expr',
      'left',
      'right',
      'args',
      'value',
      'ast',
    ];
    for (let i = 0; i < 500; i++) {
      const ast = astOf('SELECT a FROM t x JOIN u ON x.a = u.b WHERE a < 1 GROUP BY b ORDER BY c LIMIT 1');
      const node = ast as Record<string, unknown>;
      node[keys[Math.floor(random() * keys.length)]!] = shapes[Math.floor(random() * shapes.length)];
      const uses = mysqlColumnUses(ast);
      for (const u of uses) expect(USE_KINDS).toContain(u.kind);
    }
  });
});
