// mysqlAnalyzer: MySQL / MariaDB text in, facts out, read as the server reads it.
import { sqlAction } from '../../../../lambdas/core/policy/sql-action.js';
import { MULTIPLE_STATEMENTS, mysqlAnalyzer } from '../../../../lambdas/core/sql/analyze-mysql.js';
import type { SqlFacts, StatementFacts } from '../../../../lambdas/core/sql/facts.js';

beforeAll(() => mysqlAnalyzer.load());

const statements = (sql: string): readonly StatementFacts[] => {
  const facts = mysqlAnalyzer.analyze(sql);
  if (!facts.parseOk) throw new Error(`did not parse: ${facts.error}`);
  return facts.statements;
};
const only = (sql: string): StatementFacts => {
  const list = statements(sql);
  expect(list).toHaveLength(1);
  return list[0]!;
};
const refusal = (sql: string) => {
  const facts = mysqlAnalyzer.analyze(sql);
  if (facts.parseOk) throw new Error(`parsed: ${sql}`);
  return facts;
};

describe('mysqlAnalyzer', () => {
  it('reports a plain SELECT as a read with its tables, database-qualified as written', () => {
    expect(
      only('SELECT c.id, o.amount FROM customers c JOIN `shop`.`orders` o ON o.customer_id = c.id'),
    ).toEqual({
      nodeType: 'select',
      kind: 'select',
      text: 'SELECT c.id, o.amount FROM customers c JOIN `shop`.`orders` o ON o.customer_id = c.id',
      readOnly: true,
      nestedWrites: [],
      relations: [{ name: 'customers' }, { schema: 'shop', name: 'orders' }],
      tables: ['customers', 'shop.orders'],
      tablesWritten: [],
      dmlWithoutWhere: false,
      functions: [],
      codeCandidates: [],
      dangerousCalls: [],
      locking: false,
      explainAnalyze: false,
      // Both sides of the join condition are columns read straight from a table.
      columnUses: [
        { kind: 'join', schema: 'shop', table: 'orders', column: 'customer_id' },
        { kind: 'join', table: 'customers', column: 'id' },
      ],
    });
  });

  it.each([
    ['DROP TABLE customers', 'ddl'],
    ['drop   table   `customers`', 'ddl'],
    ['CREATE TABLE t (id int)', 'ddl'],
    ['CREATE TABLE t AS SELECT * FROM customers', 'ddl'],
    ['ALTER TABLE customers ADD COLUMN x int', 'ddl'],
    ['TRUNCATE TABLE orders', 'ddl'],
    ['RENAME TABLE orders TO old_orders', 'ddl'],
    ['CREATE VIEW v AS SELECT 1', 'ddl'],
    ['CREATE INDEX i ON orders (amount)', 'ddl'],
    ['INSERT INTO orders (amount) VALUES (1)', 'insert'],
    ['INSERT INTO orders SET amount = 1 ON DUPLICATE KEY UPDATE amount = 2', 'insert'],
    ['REPLACE INTO orders (id, amount) VALUES (1, 1)', 'insert'],
    ['UPDATE customers SET email = NULL WHERE id = 1', 'update'],
    ['DELETE FROM orders WHERE id = 1', 'delete'],
    ["GRANT ALL ON *.* TO 'attacker'@'%'", 'dcl'],
    ["CREATE USER 'attacker'@'%' IDENTIFIED BY 'x'", 'dcl'],
    ['SET SESSION max_statement_time = 0', 'session'],
    ['SET @a = 1', 'session'],
    ['USE mysql', 'session'],
    ['SHOW TABLES', 'session'],
    ['SHOW GRANTS', 'session'],
    ['DESC customers', 'session'],
    ['START TRANSACTION READ WRITE', 'transaction'],
    ['COMMIT', 'transaction'],
    ['LOCK TABLES orders WRITE', 'utility'],
    ['UNLOCK TABLES', 'utility'],
    ["LOAD DATA INFILE '/etc/passwd' INTO TABLE t", 'utility'],
    ["LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t", 'utility'],
    ['CALL do_things()', 'procedural'],
  ])('classifies %s as %s and not read-only', (sql, kind) => {
    expect(only(sql)).toMatchObject({ kind, readOnly: false });
  });

  it('is not fooled by letter case', () => {
    expect(only('sElEcT * fRoM Customers')).toMatchObject({
      kind: 'select',
      readOnly: true,
      tables: ['Customers'],
    });
    expect(only('dElEtE fRoM orders')).toMatchObject({ kind: 'delete', dmlWithoutWhere: true });
    expect(only('SELECT LoAd_FiLe(0x2f6574632f706173737764)').dangerousCalls).toEqual([
      { name: 'load_file', category: 'file-access' },
    ]);
  });

  it('sees through comments as the server reads them', () => {
    expect(only("SELECT 1 -- a comment\n, load_file('/etc/passwd')").functions).toEqual(['load_file']);
    expect(only("SELECT 1 # a comment\n, load_file('/etc/passwd')").functions).toEqual(['load_file']);
    expect(only("SELECT 1 /* a ; comment */, load_file('/etc/passwd')").functions).toEqual(['load_file']);
    // The grammar reads `#-` as an operator; the server reads a comment, and drops the WHERE.
    expect(only('UPDATE orders SET amount = 0 #- 1 WHERE id = 5')).toMatchObject({ dmlWithoutWhere: true });
  });

  it('refuses `--` that the server reads as two minus signs, which the grammar would skip as a comment', () => {
    // The server runs `SELECT 1 - (-x), load_file(...)`; the grammar would see `SELECT 1`.
    expect(refusal("SELECT 1 --x, load_file('/etc/passwd')")).toMatchObject({
      error: expect.stringContaining('add a space after "--"'),
      position: 10,
    });
    expect(refusal('SELECT 1--1')).toMatchObject({ parseOk: false });
  });

  it('ends line comments where the server does: at a line feed, not at a carriage return', () => {
    // The grammar alone would end the comment at \r and see the WHERE and the call.
    expect(only('DELETE FROM orders # c\r WHERE id = 1')).toMatchObject({ dmlWithoutWhere: true });
    expect(only("SELECT 1 -- c\r, load_file('/etc/passwd')").functions).toEqual([]);
    expect(only("SELECT 1 # c\r\n, load_file('/etc/passwd')").functions).toEqual(['load_file']);
  });

  it.each([
    "SELECT 1 /*!50000 , load_file('/etc/passwd') */",
    'SELECT 1 /*! UNION SELECT password FROM mysql.user */',
    'SELECT 1 /*M!100100 , sleep(10) */',
    'SELECT 1 /*m! , sleep(10) */',
    "SELECT '/*!' AS inside_a_string",
  ])('refuses executable comments, which the server runs: %s', (sql) => {
    expect(refusal(sql)).toMatchObject({
      error: expect.stringContaining('executable comments'),
      position: expect.any(Number),
    });
  });

  it('is not fooled by keywords, semicolons or comment markers inside strings and identifiers', () => {
    const s = only(
      "SELECT 'DROP TABLE t; -- x', \"it's /* not */ a comment\", 'a\\'; DELETE FROM t', `odd;name` FROM t",
    );
    expect(s).toMatchObject({ kind: 'select', readOnly: true, tables: ['t'] });
  });

  it('folds names as the server does: the Kelvin sign calls BENCHMARK', () => {
    expect(only('SELECT BENCHMAR\u212A(1000000000, 1)').dangerousCalls).toEqual([
      { name: 'benchmark', category: 'sleep' },
    ]);
  });

  it('resolves backticked and database-qualified names', () => {
    expect(only('SELECT `load_file`(0x2f)').dangerousCalls).toEqual([
      { name: 'load_file', category: 'file-access' },
    ]);
    expect(only('SELECT mysql.SLEEP(1)').dangerousCalls).toEqual([
      { name: 'mysql.sleep', category: 'sleep' },
    ]);
    expect(only('UPDATE `shop`.`orders` SET amount = 1 WHERE id = 2')).toMatchObject({
      tables: ['shop.orders'],
      tablesWritten: ['shop.orders'],
      dmlWithoutWhere: false,
    });
  });

  it.each([
    'SELECT 1; DROP TABLE customers',
    'SELECT 1;DROP TABLE customers;',
    "SELECT 'a;b'; DELETE FROM orders",
    'SELECT 1 GO DROP TABLE customers',
  ])('refuses piggy-backed statements: %s', (sql) => {
    expect(refusal(sql)).toMatchObject({ error: MULTIPLE_STATEMENTS });
  });

  it('accepts one statement with a trailing semicolon and cuts its exact text', () => {
    expect(statements('  SELECT 1 ;  -- bye\n').map((s) => s.text)).toEqual(['SELECT 1']);
    expect(only('/* why */ SELECT 1 # note').text).toBe('/* why */ SELECT 1 # note');
    expect(only("SELECT 'größe ✓' AS label;").text).toBe("SELECT 'größe ✓' AS label");
  });

  it('reports SELECT ... INTO OUTFILE / DUMPFILE as a non-read-only select with a file-access call', () => {
    expect(only("SELECT * FROM customers INTO OUTFILE '/tmp/x'")).toMatchObject({
      kind: 'select',
      readOnly: false,
      dangerousCalls: [{ name: 'into outfile', category: 'file-access' }],
    });
    expect(only("SELECT doc INTO DUMPFILE '/var/lib/mysql/x.so' FROM t").dangerousCalls).toEqual([
      { name: 'into dumpfile', category: 'file-access' },
    ]);
    expect(only("SELECT 1 UNION SELECT a FROM t INTO OUTFILE '/tmp/x'")).toMatchObject({ readOnly: false });
  });

  it('does not count SELECT ... INTO @variable or := assignments as reads: they change the session', () => {
    expect(only('SELECT amount INTO @a FROM orders LIMIT 1')).toMatchObject({
      kind: 'select',
      readOnly: false,
      dangerousCalls: [],
    });
    expect(only('SELECT @n := @n + 1 FROM orders')).toMatchObject({ kind: 'select', readOnly: false });
  });

  it.each([
    'SELECT * FROM orders FOR UPDATE',
    'SELECT * FROM orders LOCK IN SHARE MODE',
    'SELECT * FROM orders WHERE id = 1 FOR UPDATE NOWAIT',
    'SELECT (SELECT amount FROM orders LIMIT 1 FOR UPDATE) AS a',
    'SELECT 1 FROM customers UNION SELECT 1 FROM orders FOR UPDATE',
  ])('reports row-locking clauses and does not count them as reads: %s', (sql) => {
    expect(only(sql)).toMatchObject({ kind: 'select', locking: true, readOnly: false });
  });

  it.each([
    ['SELECT SLEEP(1)', 'sleep', 'sleep'],
    ['SELECT sleep (1)', 'sleep', 'sleep'],
    ["SELECT BENCHMARK(1000000000, MD5('x'))", 'benchmark', 'sleep'],
    ["SELECT load_file('/etc/passwd')", 'load_file', 'file-access'],
    ["SELECT GET_LOCK('x', 10)", 'get_lock', 'advisory-lock'],
    ["SELECT RELEASE_LOCK('x')", 'release_lock', 'advisory-lock'],
    ['SELECT RELEASE_ALL_LOCKS()', 'release_all_locks', 'advisory-lock'],
    ["SELECT IS_FREE_LOCK('x')", 'is_free_lock', 'advisory-lock'],
    ["SELECT sys_exec('id')", 'sys_exec', 'executes-sql'],
    ["SELECT sys_eval('id')", 'sys_eval', 'executes-sql'],
    ["SELECT MASTER_POS_WAIT('log', 4)", 'master_pos_wait', 'sleep'],
    ["SELECT SOURCE_POS_WAIT('log', 4)", 'source_pos_wait', 'sleep'],
    ['SELECT NEXTVAL(s)', 'nextval', 'sequence-write'],
    ['SELECT SETVAL(s, 10)', 'setval', 'sequence-write'],
    ['SELECT LASTVAL(s)', 'lastval', 'sequence-write'],
  ])('catalogues %s as dangerous', (sql, name, category) => {
    expect(only(sql).dangerousCalls).toEqual([{ name, category }]);
  });

  it('reports functions in lower case, aggregates included, without EXISTS', () => {
    expect(
      only('SELECT COUNT(*), UPPER(name), db.fn(1) FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id)')
        .functions,
    ).toEqual(['count', 'upper', 'db.fn']);
  });

  it.each([
    ['UPDATE customers SET email = NULL', true],
    ['DELETE FROM orders', true],
    ['DELETE FROM orders LIMIT 10', true],
    ['DELETE FROM orders WHERE 1', true],
    ['DELETE FROM orders WHERE 1=1', true],
    ['DELETE FROM orders WHERE TRUE', true],
    ["DELETE FROM orders WHERE '1'", true],
    ['DELETE FROM orders WHERE NOT 0', true],
    ['DELETE FROM orders WHERE 0 - 1', true],
    ['DELETE FROM orders WHERE ?', true],
    ['DELETE FROM orders WHERE RAND() < 2', true],
    ['DELETE FROM orders WHERE id = 5 OR 1', true],
    ['UPDATE orders SET amount = 0 WHERE id = id', true],
    ['DELETE FROM orders WHERE id = 5', false],
    ['DELETE FROM orders WHERE 0', false],
    ['DELETE FROM orders WHERE 1 = 0', false],
    ['DELETE FROM orders WHERE id = 5 OR 0', false],
    ['UPDATE orders SET amount = 0 WHERE id = ? AND 1 = 1', false],
    ['INSERT INTO orders SELECT * FROM orders', false],
  ])('reports DML that touches every row: %s → %s', (sql, expected) => {
    expect(only(sql).dmlWithoutWhere).toBe(expected);
  });

  it('reports the tables a multi-table DELETE or UPDATE writes, through aliases', () => {
    expect(
      only('DELETE o FROM shop.orders AS o JOIN customers c ON c.id = o.cid WHERE c.gone'),
    ).toMatchObject({
      tables: ['shop.orders', 'customers'],
      tablesWritten: ['shop.orders'],
    });
    expect(
      only('UPDATE orders o JOIN customers c ON c.id = o.cid SET c.flag = 1 WHERE o.x = 2'),
    ).toMatchObject({
      tables: ['orders', 'customers'],
      tablesWritten: ['customers'],
    });
    // An unqualified column could belong to any of the joined tables.
    expect(
      only('UPDATE orders o JOIN customers c ON c.id = o.cid SET flag = 1 WHERE o.x = 2').tablesWritten,
    ).toEqual(['orders', 'customers']);
  });

  it('reports REPLACE as an insert and names its target', () => {
    expect(only('REPLACE INTO shop.orders (id, amount) SELECT id, 0 FROM customers')).toMatchObject({
      nodeType: 'replace',
      kind: 'insert',
      tables: ['shop.orders', 'customers'],
      tablesWritten: ['shop.orders'],
      dmlWithoutWhere: false,
    });
  });

  it('reports LOAD DATA as a file-reading write', () => {
    expect(only("LOAD DATA INFILE '/etc/passwd' INTO TABLE shop.t")).toMatchObject({
      kind: 'utility',
      readOnly: false,
      tables: ['shop.t'],
      tablesWritten: ['shop.t'],
      dangerousCalls: [{ name: 'load data infile', category: 'file-access' }],
    });
  });

  it('does not count SHOW or SET as reads: they expose or change server state', () => {
    expect(only('SHOW CREATE TABLE shop.orders')).toMatchObject({ kind: 'session', readOnly: false });
    expect(only('SET max_statement_time = 0')).toMatchObject({ kind: 'session', readOnly: false });
    expect(only("GRANT SELECT ON shop.* TO 'agent'@'%'")).toMatchObject({ kind: 'dcl', readOnly: false });
  });

  it('does not report CTE names as tables', () => {
    expect(only('WITH recent AS (SELECT * FROM orders) SELECT * FROM recent')).toMatchObject({
      readOnly: true,
      tables: ['orders'],
    });
  });

  it('treats EXPLAIN of a read as a read; refuses EXPLAIN ANALYZE and ANALYZE, which execute', () => {
    expect(only('EXPLAIN SELECT * FROM orders')).toMatchObject({
      kind: 'explain',
      readOnly: true,
      explainAnalyze: false,
      tables: ['orders'],
    });
    expect(refusal('EXPLAIN ANALYZE SELECT * FROM orders')).toMatchObject({ parseOk: false });
    expect(refusal('ANALYZE FORMAT=JSON DELETE FROM orders')).toMatchObject({ parseOk: false });
  });

  it('refuses, as unanalysable, a statement nested too deeply to parse', () => {
    const facts = mysqlAnalyzer.analyze(`SELECT ${'('.repeat(5000)}1${')'.repeat(5000)}`);
    expect(facts).toMatchObject({ parseOk: false, error: 'the statement is too complex to analyse' });
  });

  it('refuses text containing a NUL, and unterminated strings or comments', () => {
    expect(refusal('SELECT 1\u0000; DROP TABLE customers')).toMatchObject({ parseOk: false });
    expect(refusal("SELECT 'open")).toMatchObject({ error: 'unterminated quoted string or identifier' });
    expect(refusal('SELECT 1 /* open')).toMatchObject({ error: 'unterminated comment' });
  });

  it('returns no statements for text holding only comments', () => {
    expect(statements('-- nothing here\n/* nor here */ # nor here')).toEqual([]);
  });

  it('reports unparseable text as a fact with a short message and position, without throwing', () => {
    const facts: SqlFacts = mysqlAnalyzer.analyze('SELECT * FROM customers WHERE');
    expect(facts).toEqual({
      parseOk: false,
      dialect: 'mysql',
      error: 'syntax error at end of input',
      position: 30,
    });
    // Some MySQL the grammar does not know: the position is where it gave up.
    expect(mysqlAnalyzer.analyze('SELECT a FROM t WHERE a <=> 1')).toEqual({
      parseOk: false,
      dialect: 'mysql',
      error: 'syntax error at or near ">"',
      position: 27,
    });
  });

  it('answers well-formed facts, never throwing, whatever the text', () => {
    const pieces = [
      "'",
      '"',
      '`',
      '\\',
      ' ',
      ',',
      '1',
      'a',
      '#',
      '--',
      '-',
      '/*',
      '*/',
      '\n',
      '\r',
      ';',
      '(',
      ')',
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const malformed: string[] = [];
    const seen = { parsed: 0, refused: 0 };
    for (let i = 0; i < 2000; i++) {
      let sql = random() < 0.5 ? 'SELECT ' : 'DELETE FROM t WHERE ';
      for (let j = 0; j < 8; j++) sql += pieces[Math.floor(random() * pieces.length)];
      const facts = mysqlAnalyzer.analyze(sql);
      if (facts.parseOk) seen.parsed++;
      else seen.refused++;
      // One statement at most, with a kind; or a refusal that says why.
      const wellFormed = facts.parseOk
        ? facts.statements.length <= 1 && facts.statements.every((s) => typeof s.kind === 'string')
        : facts.error.length > 0;
      if (facts.dialect !== 'mysql' || !wellFormed) malformed.push(JSON.stringify(sql));
    }
    expect(malformed).toEqual([]);
    // Both paths ran: some texts parse, some are refused.
    expect(seen.parsed).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(100);
  });

  it.each(['SELECT 1 INTO @v', 'SELECT @v := id FROM orders', "SELECT * FROM orders INTO OUTFILE '/tmp/x'"])(
    'treats %s as more than a read, so its action is not sql:read',
    (sql) => {
      expect(sqlAction(only(sql))).toBe('sql:admin');
    },
  );
});

describe('mysqlAnalyzer placeholders', () => {
  it.each([
    ['SELECT ?', 1],
    ['SELECT ?, \'?\', "?", `?` FROM t WHERE a = ? -- ?\n', 2],
    ['SELECT /* ? */ 1 # ?', 0],
  ])('counts the ? placeholders of %j outside quotes and comments (%i)', (sql, count) => {
    expect(mysqlAnalyzer.analyze(sql)).toMatchObject({ parseOk: true, placeholders: count });
  });
});
