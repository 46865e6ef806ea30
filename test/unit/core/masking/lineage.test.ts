import {
  type Catalog,
  lineageOf,
  loadLineage,
  type OutputLineage,
} from '../../../../lambdas/core/masking/lineage.js';

beforeAll(() => loadLineage());

const TABLES: Record<string, readonly string[]> = {
  'public.customers': [
    'id',
    'full_name',
    'email',
    'phone',
    'ssn',
    'card_number',
    'address',
    'notes',
    'created_at',
  ],
  'public.orders': ['id', 'customer_id', 'amount', 'status', 'created_at'],
  'crm.contacts': ['id', 'Email'],
};
/** A server whose search_path is `public`: unqualified names resolve there, names compare exactly. */
const catalog: Catalog = {
  resolve: (schema, table) => {
    const columns = TABLES[`${schema ?? 'public'}.${table}`];
    return columns ? { schema: schema ?? 'public', table, columns } : undefined;
  },
};
const CUSTOMER_COLUMNS = TABLES['public.customers']!;

const outputs = (sql: string): OutputLineage[] => {
  const result = lineageOf(sql, catalog);
  if (!result.ok) throw new Error(`not ok: ${result.reason}`);
  return result.outputs;
};

/** Each output as `name: table.column, … (resolved?)`, sources sorted. */
const summary = (sql: string): string[] =>
  outputs(sql).map(
    (o) =>
      `${o.name}: ${o.sources
        .map((s) => `${s.schema === 'public' ? '' : `${s.schema}.`}${s.table}.${s.column}`)
        .sort()
        .join(', ')}${o.resolved ? '' : ' (unresolved)'}`,
  );

const one = (sql: string): string => {
  const list = summary(sql);
  expect(list).toHaveLength(1);
  return list[0]!;
};

const customers = (...columns: string[]): string =>
  columns
    .map((c) => `customers.${c}`)
    .sort()
    .join(', ');
const allCustomers = customers(...CUSTOMER_COLUMNS);

describe('lineageOf: plain columns and aliases', () => {
  it('follows unqualified, qualified and schema-qualified columns', () => {
    expect(summary('SELECT id, email FROM customers')).toEqual([
      'id: customers.id',
      'email: customers.email',
    ]);
    expect(one('SELECT c.ssn FROM customers c')).toBe('ssn: customers.ssn');
    expect(one('SELECT public.customers.phone FROM public.customers')).toBe('phone: customers.phone');
    expect(one('SELECT customers.phone FROM customers')).toBe('phone: customers.phone');
  });

  it('names outputs by their alias', () => {
    expect(one('SELECT email AS contact FROM customers')).toBe('contact: customers.email');
    expect(one('SELECT email contact FROM customers')).toBe('contact: customers.email');
  });

  it('reads other schemas, and names columns as the server does (quoted kept, unquoted folded)', () => {
    expect(one('SELECT "Email" FROM crm.contacts')).toBe('Email: crm.contacts.Email');
    expect(one('SELECT id FROM CRM.Contacts')).toBe('id: crm.contacts.id');
    // `email` folds to lower case, which is not the stored "Email": the server would refuse it.
    expect(lineageOf('SELECT email FROM crm.contacts', catalog)).toMatchObject({
      ok: true,
      outputs: [{ resolved: false }],
    });
    // A quoted, differently cased name is another relation: unknown here, so unresolved.
    expect(lineageOf('SELECT email FROM "Customers"', catalog)).toMatchObject({
      ok: true,
      outputs: [{ resolved: false }],
    });
  });

  it('resolves table column aliases', () => {
    expect(one('SELECT b FROM customers AS c(a, b)')).toBe('b: customers.full_name');
    expect(one('SELECT c.email FROM customers AS c(a, b)')).toBe('email: customers.email');
  });

  it('gives literals and column-free expressions no sources', () => {
    expect(summary("SELECT 1, 'x' AS y, now()")).toEqual(['?column?: ', 'y: ', 'now: ']);
  });

  it('keeps the columns of a join apart', () => {
    expect(
      summary('SELECT c.email, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id'),
    ).toEqual(['email: customers.email', 'amount: orders.amount']);
    expect(one('SELECT status FROM customers c, orders o')).toBe('status: orders.status');
  });

  it('keeps an output whose sources come from an outer query (correlation)', () => {
    expect(one('SELECT (SELECT c.email) FROM customers c')).toBe('email: customers.email');
  });
});

describe('lineageOf: functions and operators', () => {
  it.each([
    ['SELECT upper(email) FROM customers', 'upper: customers.email'],
    ['SELECT full_name || email FROM customers', `?column?: ${customers('email', 'full_name')}`],
    ['SELECT substring(ssn, 1, 3) FROM customers', 'substring: customers.ssn'],
    ['SELECT substring(ssn FROM 8) FROM customers', 'substring: customers.ssn'],
    ["SELECT replace(phone, '-', '') FROM customers", 'replace: customers.phone'],
    ['SELECT reverse(ssn) FROM customers', 'reverse: customers.ssn'],
    ["SELECT encode(convert_to(email, 'UTF8'), 'base64') FROM customers", 'encode: customers.email'],
    [
      "SELECT format('%s <%s>', full_name, email) FROM customers",
      `format: ${customers('email', 'full_name')}`,
    ],
    ['SELECT md5(card_number) FROM customers', 'md5: customers.card_number'],
    ['SELECT ssn::text FROM customers', 'ssn: customers.ssn'],
    ['SELECT CAST(id AS text) FROM customers', 'id: customers.id'],
    ['SELECT chr(ascii(substr(ssn, 1, 1))) FROM customers', 'chr: customers.ssn'],
    ["SELECT ssn LIKE '1%' FROM customers", '?column?: customers.ssn'],
    ['SELECT email COLLATE "C" FROM customers', 'email: customers.email'],
    ['SELECT ARRAY[email, phone] FROM customers', `array: ${customers('email', 'phone')}`],
    ['SELECT ROW(email, 1) FROM customers', 'row: customers.email'],
    ["SELECT (notes::jsonb)->>'k' FROM customers", '?column?: customers.notes'],
    ["SELECT length(ssn) > 3 AND email <> '' FROM customers", `?column?: ${customers('email', 'ssn')}`],
    ["SELECT '1'::int", 'int4: '],
  ])('%s', (sql, expected) => {
    expect(one(sql)).toBe(expected);
  });

  it.each([
    [
      "SELECT CASE WHEN ssn IS NULL THEN 'none' ELSE email END FROM customers",
      `email: ${customers('email', 'ssn')}`,
    ],
    ['SELECT CASE WHEN ssn IS NULL THEN phone END FROM customers', `case: ${customers('phone', 'ssn')}`],
    ['SELECT COALESCE(phone, email) FROM customers', `coalesce: ${customers('email', 'phone')}`],
    ["SELECT NULLIF(ssn, '') FROM customers", 'nullif: customers.ssn'],
    ['SELECT GREATEST(phone, email) FROM customers', `greatest: ${customers('email', 'phone')}`],
    ['SELECT LEAST(phone, ssn) FROM customers', `least: ${customers('phone', 'ssn')}`],
  ])('conditional expression %s', (sql, expected) => {
    expect(one(sql)).toBe(expected);
  });

  it('marks a function that runs SQL text unresolved', () => {
    expect(one("SELECT query_to_xml('select ssn from customers', true, false, '')")).toBe(
      'query_to_xml:  (unresolved)',
    );
  });
});

describe('lineageOf: aggregates and windows', () => {
  it.each([
    ["SELECT string_agg(email, ',') FROM customers", 'string_agg: customers.email'],
    ['SELECT array_agg(ssn) FROM customers', 'array_agg: customers.ssn'],
    ['SELECT json_agg(phone) FROM customers', 'json_agg: customers.phone'],
    ['SELECT max(card_number) FROM customers', 'max: customers.card_number'],
    // count(x) counts x's non-null values; count(DISTINCT x) its distinct values.
    ['SELECT count(email) FROM customers', 'count: customers.email'],
    ['SELECT count(*) FROM customers', 'count: '],
    ['SELECT count(DISTINCT ssn) FROM customers', 'count: customers.ssn'],
    // A window's ORDER BY and PARTITION BY decide its values.
    [
      'SELECT first_value(email) OVER (ORDER BY ssn) FROM customers',
      'first_value: customers.email, customers.ssn',
    ],
    ['SELECT row_number() OVER (PARTITION BY ssn) FROM customers', 'row_number: customers.ssn'],
    [
      "SELECT string_agg(email, ',' ORDER BY ssn) FILTER (WHERE phone IS NOT NULL) FROM customers",
      'string_agg: customers.email, customers.phone, customers.ssn',
    ],
  ])('%s', (sql, expected) => {
    expect(one(sql)).toBe(expected);
  });

  it('follows characters of a card rebuilt from generate_series', () => {
    expect(
      one("SELECT string_agg(substr(card_number, i, 1), '') FROM customers, generate_series(1, 19) i"),
    ).toBe('string_agg: customers.card_number');
  });

  it('ignores WHERE, GROUP BY, HAVING and ORDER BY', () => {
    expect(
      one(
        "SELECT id FROM customers WHERE ssn LIKE '1%' GROUP BY id, email HAVING max(phone) > '' ORDER BY email",
      ),
    ).toBe('id: customers.id');
  });
});

describe('lineageOf: subqueries', () => {
  it('follows a scalar subquery', () => {
    expect(one('SELECT (SELECT email FROM customers LIMIT 1) AS x')).toBe('x: customers.email');
    expect(one('SELECT (SELECT email FROM customers LIMIT 1)')).toBe('email: customers.email');
  });

  it('follows EXISTS, IN and ANY subqueries', () => {
    // EXISTS answers its subquery's WHERE.
    expect(one('SELECT EXISTS (SELECT 1 FROM customers WHERE ssn IS NULL)')).toBe('exists: customers.ssn');
    expect(one('SELECT EXISTS (SELECT ssn FROM customers)')).toBe('exists: customers.ssn');
    expect(one('SELECT id IN (SELECT customer_id FROM orders) FROM customers')).toBe(
      '?column?: customers.id, orders.customer_id',
    );
    expect(one('SELECT ARRAY(SELECT phone FROM customers)')).toBe('array: customers.phone');
  });

  it('follows derived tables, with and without column aliases', () => {
    expect(one('SELECT x FROM (SELECT email AS x FROM customers) s')).toBe('x: customers.email');
    expect(one('SELECT s.b FROM (SELECT id, ssn FROM customers) AS s(a, b)')).toBe('b: customers.ssn');
    expect(summary('SELECT * FROM (SELECT id, ssn FROM customers) AS s(a)')).toEqual([
      'a: customers.id',
      'ssn: customers.ssn',
    ]);
  });

  it('follows VALUES in FROM', () => {
    expect(summary('SELECT * FROM (VALUES (1, 2)) AS v(a, b)')).toEqual(['a: ', 'b: ']);
    expect(one('SELECT v.column1 FROM customers c, LATERAL (VALUES (c.ssn)) v')).toBe(
      'column1: customers.ssn',
    );
  });

  it('follows LATERAL subqueries and functions', () => {
    expect(one('SELECT t.v FROM customers c, LATERAL (SELECT c.phone AS v) t')).toBe('v: customers.phone');
    expect(one('SELECT t.v FROM customers c CROSS JOIN LATERAL (SELECT c.ssn AS v) t')).toBe(
      'v: customers.ssn',
    );
    expect(summary('SELECT key, value FROM customers c, jsonb_each(c.notes::jsonb)')).toEqual([
      'key: customers.notes',
      'value: customers.notes',
    ]);
    expect(one('SELECT j.value FROM customers c, LATERAL jsonb_each_text(c.notes::jsonb) AS j')).toBe(
      'value: customers.notes',
    );
    expect(one('SELECT u FROM customers c, unnest(ARRAY[c.email, c.phone]) AS u')).toBe(
      `u: ${customers('email', 'phone')}`,
    );
  });

  it('gives generate_series no sources, with ordinality too', () => {
    expect(summary('SELECT * FROM generate_series(1, 3)')).toEqual(['generate_series: ']);
    expect(summary('SELECT * FROM generate_series(1, 3) WITH ORDINALITY AS g(n, o)')).toEqual(['n: ', 'o: ']);
  });

  it('follows a column definition list', () => {
    expect(
      summary('SELECT r.a FROM customers c, jsonb_to_record(c.notes::jsonb) AS r(a text, b int)'),
    ).toEqual(['a: customers.notes']);
  });
});

describe('lineageOf: CTEs', () => {
  it('follows a CTE', () => {
    expect(one('WITH t AS (SELECT ssn FROM customers) SELECT * FROM t')).toBe('ssn: customers.ssn');
    expect(one('WITH t(x) AS (SELECT ssn FROM customers) SELECT t.x FROM t')).toBe('x: customers.ssn');
    expect(
      one('WITH a AS (SELECT email FROM customers), b AS (SELECT upper(email) AS e FROM a) SELECT e FROM b'),
    ).toBe('e: customers.email');
  });

  it('lets a CTE hide a table of the same name', () => {
    expect(summary('WITH customers AS (SELECT 1 AS id) SELECT * FROM customers')).toEqual(['id: ']);
    expect(one('WITH customers AS (SELECT 1 AS id) SELECT id FROM public.customers')).toBe(
      'id: customers.id',
    );
  });

  it('follows a recursive CTE to a fixed point', () => {
    expect(
      one('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT n FROM t'),
    ).toBe('n: ');
    expect(
      summary(
        'WITH RECURSIVE t(a, b) AS (SELECT id, 1 FROM customers UNION SELECT b, a FROM t) SELECT a, b FROM t',
      ),
    ).toEqual(['a: customers.id', 'b: customers.id']);
    expect(
      summary(
        `WITH RECURSIVE t(a, b, c) AS (SELECT ssn, '', '' FROM customers UNION ALL SELECT '', a, b FROM t)
         SELECT * FROM t`,
      ),
    ).toEqual(['a: customers.ssn', 'b: customers.ssn', 'c: customers.ssn']);
  });

  it('marks a data-modifying CTE unresolved', () => {
    expect(one('WITH d AS (DELETE FROM orders RETURNING status) SELECT status FROM d')).toBe(
      'status:  (unresolved)',
    );
  });
});

describe('lineageOf: set operations', () => {
  it('unions each position of both arms', () => {
    expect(one('SELECT id FROM customers UNION SELECT email FROM customers')).toBe(
      `id: ${customers('email', 'id')}`,
    );
    expect(summary('SELECT id, ssn FROM customers INTERSECT SELECT id, status FROM orders')).toEqual([
      'id: customers.id, orders.id',
      'ssn: customers.ssn, orders.status',
    ]);
    expect(one('SELECT email FROM customers EXCEPT SELECT phone FROM customers ORDER BY 1')).toBe(
      `email: ${customers('email', 'phone')}`,
    );
    expect(
      one('(SELECT 1 AS a) UNION ALL (SELECT ssn FROM customers) UNION ALL SELECT phone FROM customers'),
    ).toBe(`a: ${customers('phone', 'ssn')}`);
  });

  it('marks arms of different widths unresolved', () => {
    expect(summary('SELECT id FROM customers UNION SELECT id, ssn FROM customers')).toEqual([
      `id: ${customers('id', 'ssn')} (unresolved)`,
    ]);
  });
});

describe('lineageOf: joins', () => {
  it('merges a USING column from both sides', () => {
    expect(one('SELECT id FROM customers JOIN orders USING (id)')).toBe('id: customers.id, orders.id');
    expect(summary('SELECT * FROM customers c JOIN orders o USING (id, created_at)').slice(0, 3)).toEqual([
      'id: customers.id, orders.id',
      'created_at: customers.created_at, orders.created_at',
      'full_name: customers.full_name',
    ]);
    expect(one('SELECT c.id FROM customers c JOIN orders o USING (id)')).toBe('id: customers.id');
    expect(one('SELECT j.id FROM (customers JOIN orders USING (id)) AS j')).toBe(
      'id: customers.id, orders.id',
    );
  });

  it('merges NATURAL join columns', () => {
    const list = summary('SELECT * FROM customers NATURAL JOIN orders');
    expect(list.slice(0, 2)).toEqual([
      'id: customers.id, orders.id',
      'created_at: customers.created_at, orders.created_at',
    ]);
    expect(list).toHaveLength(9 + 5 - 2);
  });

  it('expands stars over joins', () => {
    expect(
      summary('SELECT o.*, c.email FROM orders o LEFT JOIN customers c ON c.id = o.customer_id'),
    ).toEqual([
      'id: orders.id',
      'customer_id: orders.customer_id',
      'amount: orders.amount',
      'status: orders.status',
      'created_at: orders.created_at',
      'email: customers.email',
    ]);
    expect(summary('SELECT * FROM customers, orders')).toHaveLength(14);
  });
});

describe('lineageOf: stars and whole rows', () => {
  it('expands * from the catalogue', () => {
    const list = outputs('SELECT * FROM customers');
    expect(list.map((o) => o.name)).toEqual(CUSTOMER_COLUMNS);
    expect(list.every((o) => o.resolved && o.sources.length === 1 && o.wholeRows.length === 0)).toBe(true);
    expect(summary('SELECT c.* FROM customers c').at(4)).toBe('ssn: customers.ssn');
    expect(summary('TABLE orders')).toHaveLength(5);
  });

  it.each([
    ['SELECT c FROM customers c', 'c'],
    ['SELECT row_to_json(c) FROM customers c', 'row_to_json'],
    ['SELECT to_jsonb(c) FROM customers c', 'to_jsonb'],
    ['SELECT json_agg(c) FROM customers c', 'json_agg'],
    ['SELECT json_agg(c.*) FROM customers c', 'json_agg'],
    ['SELECT c::text FROM customers c', 'c'],
    ['SELECT customers FROM customers', 'customers'],
    ['SELECT md5(c::text) FROM customers c', 'md5'],
    ['SELECT ROW(c.*) FROM customers c', 'row'],
  ])('carries every column of a whole-row reference: %s', (sql, name) => {
    const [out] = outputs(sql);
    expect(out).toMatchObject({
      name,
      resolved: true,
      wholeRows: [{ schema: 'public', table: 'customers' }],
    });
    expect(out!.sources.map((s) => s.column)).toEqual(CUSTOMER_COLUMNS);
  });

  it('carries a derived table whole row through its columns', () => {
    expect(one('SELECT s FROM (SELECT email, phone FROM customers) s')).toBe(
      `s: ${customers('email', 'phone')}`,
    );
    const [out] = outputs('SELECT x FROM (SELECT c AS x FROM customers c) s');
    expect(out!.wholeRows).toEqual([{ schema: 'public', table: 'customers' }]);
  });

  it('reads a field of a whole row through the row', () => {
    expect(one('SELECT (c).email FROM customers c')).toBe(`email: ${allCustomers}`);
  });
});

describe('lineageOf: fail closed', () => {
  it('marks an unknown table unresolved, and its star', () => {
    expect(one('SELECT secret FROM vault')).toBe('secret:  (unresolved)');
    expect(one('SELECT * FROM vault')).toBe('*:  (unresolved)');
    expect(one('SELECT v.* FROM vault v')).toBe('*:  (unresolved)');
  });

  it('says whether the outputs match the result columns one to one', () => {
    expect(lineageOf('SELECT * FROM customers c JOIN orders o USING (id)', catalog)).toMatchObject({
      ok: true,
      columnsKnown: true,
    });
    for (const sql of [
      'SELECT * FROM (SELECT * FROM vault) v, customers',
      'SELECT id FROM customers UNION SELECT * FROM vault',
      'SELECT * FROM customers c, my_func(c.id) f',
    ]) {
      expect(lineageOf(sql, catalog)).toMatchObject({ ok: true, columnsKnown: false });
    }
  });

  it('marks an unknown column unresolved', () => {
    expect(one('SELECT nope FROM customers')).toBe('nope:  (unresolved)');
    expect(one('SELECT ctid FROM customers')).toBe('ctid:  (unresolved)');
    expect(one('SELECT x.email FROM customers c')).toBe('email:  (unresolved)');
  });

  it('marks a qualified name that is no column as unresolved, with the whole row', () => {
    expect(one('SELECT c.nope FROM customers c')).toBe(`nope: ${allCustomers} (unresolved)`);
  });

  it('marks an ambiguous column unresolved, keeping both sources', () => {
    expect(one('SELECT id FROM customers, orders')).toBe('id: customers.id, orders.id (unresolved)');
    expect(one('SELECT created_at FROM customers c JOIN orders o ON o.customer_id = c.id')).toBe(
      'created_at: customers.created_at, orders.created_at (unresolved)',
    );
  });

  it('marks a column next to an unknown table unresolved', () => {
    expect(one('SELECT email FROM customers, vault')).toBe('email: customers.email (unresolved)');
  });

  it('marks a function of unknown shape in FROM unresolved', () => {
    expect(summary('SELECT * FROM customers c, my_func(c.ssn) f')).toContain('*: customers.ssn (unresolved)');
    expect(one('SELECT f.x FROM customers c, my_func(c.ssn) f')).toBe('x: customers.ssn (unresolved)');
  });

  it('marks a bare column without FROM unresolved', () => {
    expect(one('SELECT email')).toBe('email:  (unresolved)');
  });

  it.each([
    ['VALUES (1)'],
    ['SELECT 1; SELECT 2'],
    ['SELECT email INTO t FROM customers'],
    ['UPDATE customers SET email = 1'],
    ['SELECT FROM WHERE'],
    [''],
    ['SELECT 1\u0000'],
  ])('refuses %j', (sql) => {
    expect(lineageOf(sql, catalog).ok).toBe(false);
  });

  it('never throws, even when the catalogue does', () => {
    const broken: Catalog = {
      resolve: () => {
        throw new Error('boom');
      },
    };
    expect(lineageOf('SELECT email FROM customers', broken)).toEqual({
      ok: false,
      reason: 'the statement could not be analysed',
    });
  });

  it('follows moderately deep nesting', () => {
    expect(one(`SELECT ${'upper('.repeat(200)}email${')'.repeat(200)} FROM customers`)).toBe(
      'upper: customers.email',
    );
  });

  it('refuses a statement too deep to analyse rather than throwing', () => {
    const deep = `SELECT ${'upper('.repeat(3000)}email${')'.repeat(3000)} FROM customers`;
    expect(lineageOf(deep, catalog)).toEqual({
      ok: false,
      reason: 'the statement is too complex to analyse',
    });
  });
});

describe('lineageOf: more forms', () => {
  it('follows a column definition list inside ROWS FROM', () => {
    expect(
      summary(
        'SELECT * FROM customers c, ROWS FROM (jsonb_to_record(c.notes::jsonb) AS (a text), generate_series(1, 2)) r',
      ),
    ).toEqual([
      ...CUSTOMER_COLUMNS.map((col) => `${col}: customers.${col}`),
      'a: customers.notes',
      'generate_series: ',
    ]);
  });

  it('marks a CTE with SEARCH or CYCLE unresolved', () => {
    expect(
      summary(
        'WITH RECURSIVE t AS (SELECT ssn FROM customers) SEARCH DEPTH FIRST BY ssn SET ord SELECT * FROM t',
      ),
    ).toEqual(['*:  (unresolved)']);
  });

  it('follows a CTE referred to from a subquery and a nested WITH', () => {
    expect(one('WITH t AS (SELECT phone FROM customers) SELECT (SELECT max(phone) FROM t) AS p')).toBe(
      'p: customers.phone',
    );
    expect(
      one(
        'WITH t AS (SELECT phone FROM customers) SELECT x FROM (WITH u AS (SELECT phone AS x FROM t) SELECT x FROM u) s',
      ),
    ).toBe('x: customers.phone');
  });

  it('returns the wholeRows of a join alias row', () => {
    const [out] = outputs('SELECT j FROM (customers c JOIN orders o ON o.customer_id = c.id) AS j');
    expect(out!.wholeRows).toEqual([
      { schema: 'public', table: 'customers' },
      { schema: 'public', table: 'orders' },
    ]);
    expect(out!.sources).toHaveLength(14);
  });

  it('names outputs as PostgreSQL does', () => {
    expect(
      outputs(
        'SELECT email::varchar(5), 1::text, CASE WHEN true THEN 1 END, current_user, (SELECT 1), trim(ssn), ssn IS NULL FROM customers',
      ).map((o) => o.name),
    ).toEqual(['email', 'text', 'case', 'current_user', '?column?', 'btrim', '?column?']);
  });

  it('handles DISTINCT ON, LIMIT and locking clauses', () => {
    expect(one('SELECT DISTINCT ON (ssn) email FROM customers ORDER BY ssn LIMIT 1 FOR UPDATE')).toBe(
      'email: customers.email',
    );
  });

  it('follows a recursive CTE through forward references', () => {
    expect(
      one(
        `WITH RECURSIVE a AS (SELECT x FROM b), b(x) AS (SELECT email FROM customers UNION SELECT x FROM b)
         SELECT x FROM a`,
      ),
    ).toBe('x: customers.email');
  });
});
