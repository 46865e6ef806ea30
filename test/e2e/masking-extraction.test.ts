// Extraction attempts end to end: a data thief with an agent's token, through the local gateway
// over HTTP, against the real PostgreSQL 15 with the personal data in a non-public schema (`crm`,
// reached through the connection's search_path, a harmless decoy `public.customers` beside it).
// No answer may hold a seeded value, in any form or fragment beyond what the class's masking
// strategy shows, and every oracle (a range, pattern, list or ordering on a masked class) is
// refused with the stable `blocked` / `masked-class-oracles` answer before it runs.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type DevIssuer, loadDevIssuer } from '../../lambdas/adapters/local/dev-issuer.js';
import { type LocalGateway, startLocalGateway } from '../../lambdas/wiring/local.js';
import { createThrowawayDatabase, queryAsAdmin, type ThrowawayDatabase } from '../support/postgres.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const CONNECTION = 'crm-postgres';

// ---------------------------------------------------------------------------------------------
// The seeded customers: values every detector recognises (valid SSN areas, Luhn-valid cards,
// North American phone numbers), so that masking is tested on realistic data.

const NAMES = [
  'Octavia Brightwater',
  'Lysander Quillfeather',
  'Marisol Vantongeren',
  'Thaddeus Okonkwo',
  'Ingrid Halvorsen',
  'Ezekiel Marchetti',
  'Perpetua Lindqvist',
  'Bartholomew Szabo',
  'Guinevere Achterberg',
  'Cornelius Abernathy',
];

/** The Luhn check digit that makes `digits` + it a valid card number. */
const luhnDigit = (digits: string): number => {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
};

interface Customer {
  readonly id: number;
  readonly full_name: string;
  readonly email: string;
  readonly phone: string;
  readonly ssn: string;
  readonly card_number: string;
}

const CUSTOMERS: readonly Customer[] = NAMES.map((name, i) => {
  const n = i + 1;
  const [first, last] = name.toLowerCase().split(' ') as [string, string];
  const card15 = `4${String(735_281_946_017_23 + n * 7_919_311).padStart(14, '0')}`;
  const card = `${card15}${luhnDigit(card15)}`;
  return {
    id: n,
    full_name: name,
    email: `${first}.${last}${n}@crm-mail.net`,
    phone: `(${String(312 + n * 41)}) ${String(247 + n * 53)}-${String(3817 + n * 461).padStart(4, '0')}`,
    ssn: `${String(121 + n * 47)}-${String(13 + n * 7)}-${String(2741 + n * 587)}`,
    card_number: card.replace(/(\d{4})(?=\d)/g, '$1-'),
  };
});

// ---------------------------------------------------------------------------------------------
// Forbidden strings: every seeded value and its transformations, and every fragment of a number
// longer than what its strategy shows (partial: SSN its last 3 digits, card 4, phone 2).

const MIN_DIGIT_FRAGMENT = 5;
const reversed = (s: string) => Array.from(s).reverse().join('');
const digitsOf = (s: string) => s.replace(/\D/g, '');

const formsOf = (value: string): string[] => {
  const utf8 = Buffer.from(value, 'utf8');
  return [
    value,
    value.toUpperCase(),
    value.toLowerCase(),
    reversed(value),
    utf8.toString('base64'),
    utf8.toString('hex'),
    createHash('md5').update(value).digest('hex'),
    createHash('sha256').update(value).digest('hex'),
  ];
};

/** Every run of at least five digits of a number (so the 5-digit head of an SSN), forward and back. */
const digitFragments = (value: string): string[] => {
  const digits = digitsOf(value);
  const out: string[] = [];
  for (let length = MIN_DIGIT_FRAGMENT; length <= digits.length; length++) {
    for (let start = 0; start + length <= digits.length; start++) {
      const run = digits.slice(start, start + length);
      out.push(run, reversed(run));
    }
  }
  return out;
};

const FORBIDDEN: ReadonlyMap<string, string> = new Map(
  CUSTOMERS.flatMap((c) => [
    ...[c.full_name, c.full_name.split(' ')[1]!, c.email, c.email.split('@')[0]!].flatMap((v) =>
      formsOf(v).map((f) => [f, `${c.id}: ${v}`] as const),
    ),
    ...[c.phone, c.ssn, c.card_number].flatMap((v) =>
      [...formsOf(v), ...digitFragments(v)].map((f) => [f, `${c.id}: ${v}`] as const),
    ),
  ]),
);

/** Parts of an answer that are the gateway's own (ids, tokens, the policy version), not data. */
const OWN_PARTS = [
  /tok_[a-z_]+_[0-9a-f]{16}/g,
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
  /"policyVersion":"[^"]*"/g,
  /SQLSTATE [0-9A-Z]{5}/g,
];

/** The seeded values (or forms, or fragments) an answer holds, with whose they are. */
const leaksIn = (text: string, body: unknown): string[] => {
  const texts = [text];
  // One character per row, put back together: each column's values in row order.
  const rows = (body as { rows?: unknown[][] }).rows;
  if (Array.isArray(rows) && rows.length > 0) {
    for (let column = 0; column < (rows[0]?.length ?? 0); column++) {
      const values = rows.map((r) => r[column]);
      texts.push(values.filter((v) => typeof v === 'string').join(''));
      if (values.every((v) => Number.isInteger(v) && (v as number) >= 32 && (v as number) <= 126)) {
        texts.push(String.fromCharCode(...(values as number[])));
      }
    }
  }
  const scanned = [...texts, ...texts.map((t) => t.replace(/\s+/g, ''))].map((t) =>
    OWN_PARTS.reduce((acc, pattern) => acc.replace(pattern, '~'), t),
  );
  const found = new Set<string>();
  for (const t of scanned)
    for (const [form, origin] of FORBIDDEN) if (t.includes(form)) found.add(`${origin} as ${form}`);
  return [...found];
};

// ---------------------------------------------------------------------------------------------

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly body: {
    rows?: unknown[][];
    error?: { code: string; rule?: string };
  };
}

const EXTRACTIONS = [
  'SELECT * FROM customers',
  'SELECT * FROM crm.customers',
  'SELECT * FROM "crm"."customers"',
  'SELECT C.SSN, C.EMAIL, C.CARD_NUMBER FROM CRM.CUSTOMERS C',
  'TABLE crm.customers',
  'SELECT * FROM customers JOIN crm.orders o ON o.customer_id = customers.id',
  'SELECT row_to_json(c) FROM customers c',
  'SELECT to_jsonb(c)::text FROM crm.customers c',
  'SELECT c::text, ROW(c.*)::text FROM customers c',
  'SELECT json_agg(c), array_agg(c)::text FROM customers c',
  'SELECT (c).ssn, ssn(c), email(c) FROM customers c',
  'SELECT x.ssn FROM customers c, jsonb_to_record(to_jsonb(c)) AS x(ssn text)',
  "SELECT jsonb_path_query(to_jsonb(c), '$.ssn') FROM customers c",
  "SELECT string_agg(ssn || ':' || card_number, ','), string_agg(phone, ';' ORDER BY id) FROM customers",
  'SELECT array_agg(email ORDER BY id), array_agg(full_name) FROM customers',
  'SELECT reverse(ssn), reverse(card_number), reverse(email) FROM customers',
  "SELECT encode(convert_to(ssn, 'UTF8'), 'base64'), encode(convert_to(email, 'UTF8'), 'hex') FROM customers",
  "SELECT convert_to(card_number, 'UTF8'), md5(ssn), sha256(convert_to(phone, 'UTF8')) FROM customers",
  "SELECT replace(ssn, '-', ''), translate(card_number, '-', ''), translate(phone, '()- ', '') FROM customers",
  "SELECT substr(ssn, 1, 6), left(card_number, 14), split_part(email, '@', 1), right(ssn, 4) FROM customers",
  'SELECT c.id, i, substr(c.ssn, i, 1) FROM customers c, generate_series(1, 11) AS i ORDER BY c.id, i',
  'SELECT c.id, i, ascii(substr(c.card_number, i, 1)) FROM customers c, generate_series(1, 19) AS i ORDER BY c.id, i',
  `WITH RECURSIVE r(id, i, acc) AS (
     SELECT id, 0, ''::text FROM customers
     UNION ALL
     SELECT r.id, r.i + 1, r.acc || substr(c.ssn, r.i + 1, 1) FROM r JOIN customers c ON c.id = r.id WHERE r.i < 11
   ) SELECT id, acc FROM r WHERE i = 11`,
  'SELECT l.x FROM customers c, LATERAL (SELECT c.ssn AS x) l',
  'WITH t AS (SELECT ssn AS s, email AS e FROM customers) SELECT s, e FROM t',
  "SELECT 'x' AS v UNION ALL SELECT ssn FROM customers",
  'SELECT first_value(ssn) OVER (ORDER BY id), lag(card_number) OVER (ORDER BY id) FROM customers',
  'SELECT id, mode() WITHIN GROUP (ORDER BY full_name) FROM customers GROUP BY id',
  'SELECT xmlforest(ssn, email, card_number) FROM customers',
  "SELECT format('%s|%s', ssn, phone), upper(full_name), lower(email) FROM customers",
  'SELECT string_to_array(ssn, NULL), string_to_array(card_number, $$-$$) FROM customers',
  "SELECT regexp_matches(card_number, '(\\d+)-(\\d+)-(\\d+)-(\\d+)') FROM customers",
  "SELECT replace(card_number, '-', '')::numeric + 0 FROM customers",
  'SELECT CASE WHEN id > 0 THEN ssn END, coalesce(NULL, email), nullif(card_number, $$$$) FROM customers',
  'SELECT attname, most_common_vals::text, histogram_bounds::text FROM pg_stats WHERE schemaname = $$crm$$',
  // Errors whose text would quote a value: withheld.
  'SELECT ssn::int FROM customers',
  'SELECT email::numeric FROM customers',
  'SELECT quote_ident(ssn)::regclass FROM customers',
  "SELECT ('x.y.' || replace(email, '.', '_'))::regtype FROM customers",
];

/** Oracles: a predicate, list or ordering on a masked class, with the params that would drive it. */
const ORACLES: ReadonlyArray<readonly [string, unknown[]]> = [
  ['SELECT id FROM customers WHERE ssn < $1', ['500']],
  ['SELECT id FROM customers WHERE ssn BETWEEN $1 AND $2', ['100', '500']],
  ['SELECT id FROM crm.customers WHERE email > $1', ['m']],
  ['SELECT id FROM customers WHERE ssn LIKE $1', ['1%']],
  ['SELECT id FROM customers WHERE card_number ~ $1', ['^4735']],
  ['SELECT id FROM customers WHERE substr(ssn, 1, 1) = $1', ['1']],
  ['SELECT id FROM customers WHERE ssn IN ($1, $2)', ['100-00-0001', '100-00-0002']],
  ['SELECT id FROM customers ORDER BY ssn', []],
  ['SELECT id, row_number() OVER (ORDER BY ssn) FROM customers', []],
  ['SELECT id, ssn FROM customers ORDER BY 2', []],
  ["SELECT string_agg(id::text, ',' ORDER BY card_number) FROM customers", []],
  ['SELECT count(*) FILTER (WHERE ssn < $1) FROM customers', ['500']],
  ['SELECT id FROM crm.orders LIMIT (SELECT ascii(ssn) FROM customers WHERE id = 1)', []],
  ['SELECT c.id FROM customers c, generate_series(1, ascii(c.ssn)) g WHERE c.id = 1', []],
  // A second attack pass: equality on a value a carrier computed, guesses mixed into a column,
  // deduplication against ranges of guesses, the statistics views, trims with a character set.
  [
    'SELECT 1 FROM (SELECT max(x) AS m FROM (SELECT ssn AS x FROM customers WHERE id = $2 UNION ALL SELECT $1::text) u) s WHERE m = $1',
    ['500', 1],
  ],
  [
    'SELECT 1 FROM customers c JOIN LATERAL (SELECT min(x) AS m FROM (VALUES (c.ssn), ($1)) v(x)) l ON l.m = $1',
    ['500'],
  ],
  ["SELECT 1 FROM (SELECT ltrim(ssn, $1) AS x FROM customers WHERE id = 1) s WHERE x = ''", ['0123456789-']],
  [
    "SELECT x FROM (SELECT ssn AS x FROM customers WHERE id = 1 UNION ALL SELECT unnest(ARRAY['100-00-0001', '100-00-0002'])) s GROUP BY x",
    [],
  ],
  [
    "SELECT 1 FROM (SELECT ssn FROM customers WHERE id = 1 UNION SELECT to_char(g, 'FM000-00-0000') FROM generate_series(168203000, 168203999) g) u OFFSET 1000",
    [],
  ],
  [
    "SELECT 1 FROM pg_stats s, generate_series(1, ascii(substr(s.histogram_bounds::text, $1::int, 1))) g WHERE s.attname = 'card_number'",
    [1],
  ],
  ["SELECT 1 FROM pg_stats WHERE histogram_bounds::text LIKE '{4%' AND attname = 'ssn'", []],
  // The statistics in every spelling the server resolves alike.
  ["SELECT 1 FROM pg_catalog.pg_stats WHERE histogram_bounds::text LIKE '{4%' AND attname = 'ssn'", []],
  ['SELECT 1 FROM "pg_stats" s WHERE s.most_common_vals::text > $1', ['{4']],
  ['SELECT 1 FROM PG_CATALOG.PG_STATS ORDER BY histogram_bounds::text LIMIT 1', []],
  ['SELECT string_agg(ltrim(email, $1), $2) FROM customers WHERE id = 1', ['a', '']],
  ['SELECT DISTINCT ssn FROM customers LIMIT 1', []],
  // A third pass: a recursive CTE's column taking guesses in a later round, an outer LIMIT over
  // an inner grouping, an ORDER BY that ties every row, an unresolved column mixed with guesses.
  [
    "WITH RECURSIVE r(x, y, n) AS (SELECT ssn, ssn, 1 FROM customers WHERE id = $1::int UNION ALL SELECT y, to_char($2::bigint + g * $3::bigint, 'FM000-00-0000'), n + 1 FROM r, generate_series(1, CASE WHEN n = 1 THEN 999 ELSE 1 END) g WHERE n < 3) SELECT t FROM (SELECT x, n::bit(2) AS t FROM r) s GROUP BY x, t ORDER BY 'k' || ''",
    [1, 100000000, 100000],
  ],
  [
    'SELECT b::int FROM (SELECT full_name, id::bit(8) AS b FROM customers GROUP BY full_name, id::bit(8)) s LIMIT 3',
    [],
  ],
  [
    'SELECT b::int FROM (SELECT full_name, id::bit(8) AS b, segment FROM customers) s GROUP BY segment, full_name, b ORDER BY segment',
    [],
  ],
  [
    "SELECT 1 AS one FROM (SELECT 1 AS k FROM (SELECT v FROM unnest(ARRAY['100-00-0001', '100-00-0002'], ARRAY[1]) AS u(v, w) UNION ALL SELECT ssn FROM customers WHERE id = 1) s GROUP BY v) z OFFSET 1",
    [],
  ],
  ['SELECT ssn FROM customers UNION SELECT ssn FROM customers LIMIT 1', []],
  // A fourth pass: an ORDER BY that ties every row under OFFSET, a window partition as the plan's
  // order, a catalogue column as reference values for a sort.
  [
    'SELECT g, x.b FROM generate_series(0, 9) g CROSS JOIN LATERAL (SELECT b FROM (SELECT id::bit(8) AS b FROM customers GROUP BY full_name, id::bit(8)) s ORDER BY now() OFFSET g LIMIT 1) x',
    [],
  ],
  [
    'SELECT b, n FROM (SELECT id::bit(8) AS b, count(*) OVER (PARTITION BY full_name) AS n FROM customers) s LIMIT 3',
    [],
  ],
  ['SELECT k FROM (SELECT ssn AS k FROM customers UNION ALL SELECT oid::text FROM pg_proc) s GROUP BY k', []],
  [
    'SELECT DISTINCT ON (segment) id FROM (SELECT id, segment FROM customers GROUP BY full_name, id, segment) s',
    [],
  ],
  // A join of a masked column with another column: that column's values are guesses that come back.
  ['SELECT p.oid FROM customers c JOIN pg_proc p ON c.ssn = p.oid::text', []],
  ['SELECT o.status FROM customers c JOIN orders o ON c.email = o.status', []],
  ['SELECT c.id FROM customers c WHERE c.ssn = ANY (SELECT oid::text FROM pg_proc)', []],
];

describe('extracting classified data from a non-public schema through the gateway', () => {
  let dir: string;
  let db: ThrowawayDatabase;
  let gateway: LocalGateway;
  let issuer: DevIssuer;

  const ask = async (sql: string, params?: unknown[]): Promise<Answer> => {
    const response = await fetch(`${gateway.url}/v1/connections/${CONNECTION}/sql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${issuer.signToken({ sub: 'thief-agent', groups: ['agents'], ttlSeconds: 300 })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(params ? { sql, params } : { sql }),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Answer['body'] };
  };

  beforeAll(async () => {
    const values = CUSTOMERS.map(
      (c) =>
        `(${c.id}, '${c.full_name}', '${c.email}', '${c.phone}', '${c.ssn}', '${c.card_number}', 'retail')`,
    ).join(',\n');
    db = await createThrowawayDatabase(`
      CREATE SCHEMA crm;
      CREATE TABLE crm.customers (id int PRIMARY KEY, full_name text, email text, phone text, ssn text,
        card_number text, segment text);
      INSERT INTO crm.customers VALUES ${values};
      CREATE TABLE crm.orders (id int PRIMARY KEY, customer_id int, status text);
      INSERT INTO crm.orders SELECT id, id, 'paid' FROM crm.customers;
      -- A decoy of the same name in public, holding nothing personal: search_path reaches crm first.
      CREATE TABLE public.customers (LIKE crm.customers);
      INSERT INTO public.customers SELECT id, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', segment FROM crm.customers;
      ANALYZE crm.customers;
    `);
    const reader = new URL(db.readerUrl).username;
    await queryAsAdmin(
      db,
      `GRANT USAGE ON SCHEMA crm TO ${reader}; GRANT SELECT ON ALL TABLES IN SCHEMA crm TO ${reader};`,
    );
    dir = mkdtempSync(join(tmpdir(), 'tollgate-extraction-'));
    writeFileSync(
      join(dir, 'tollgate.yaml'),
      stringify({
        connections: [
          {
            name: CONNECTION,
            kind: 'postgres',
            allowGroups: ['agents'],
            target: { urlEnv: 'CRM_URL' },
            searchPath: ['crm', 'public'],
            classification: {
              'crm.customers.full_name': 'PERSON',
              'crm.customers.email': 'EMAIL_ADDRESS',
              'crm.customers.phone': 'PHONE_NUMBER',
              'crm.customers.ssn': 'US_SSN',
              'crm.customers.card_number': 'CREDIT_CARD',
            },
          },
        ],
      }),
    );
    gateway = await startLocalGateway({
      dataDir: join(dir, 'data'),
      configFile: join(dir, 'tollgate.yaml'),
      port: 0,
      logger: silent,
      env: { CRM_URL: db.readerUrl },
      archiveIntervalMs: 60_000,
    });
    issuer = loadDevIssuer(join(dir, 'data', 'issuer'));
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('seeds values the forbidden scan recognises, and the scan finds them', () => {
    expect(
      CUSTOMERS.every(
        (c) => luhnDigit(digitsOf(c.card_number).slice(0, 15)) === Number(c.card_number.at(-1)),
      ),
    ).toBe(true);
    expect(leaksIn(JSON.stringify({ rows: [[CUSTOMERS[0]!.ssn]] }), {})).not.toEqual([]);
    // An SSN one character per row, its 5-digit head alone; the forms the strategies show are allowed.
    expect(leaksIn('{}', { rows: [...CUSTOMERS[0]!.ssn].map((ch) => [ch]) })).not.toEqual([]);
    expect(leaksIn(`["${digitsOf(CUSTOMERS[0]!.ssn).slice(0, 5)}"]`, {})).not.toEqual([]);
    expect(
      leaksIn(
        `["***-**-*${CUSTOMERS[0]!.ssn.slice(-3)}","****-****-****-${CUSTOMERS[0]!.card_number.slice(-4)}"]`,
        {},
      ),
    ).toEqual([]);
  });

  it('masks the data that search_path reaches in crm, and leaves the decoy in public alone', async () => {
    const answer = await ask('SELECT id, ssn, card_number, segment FROM customers WHERE id = 1');
    expect(answer.status).toBe(200);
    expect(answer.body.rows).toEqual([
      [
        1,
        `***-**-*${CUSTOMERS[0]!.ssn.slice(-3)}`,
        `****-****-****-${CUSTOMERS[0]!.card_number.slice(-4)}`,
        'retail',
      ],
    ]);
    const decoy = await ask('SELECT ssn FROM public.customers WHERE id = 1');
    expect(decoy.body.rows).toEqual([['n/a']]);
  });

  it.each(EXTRACTIONS)('%s: no seeded value in the answer', async (sql) => {
    const answer = await ask(sql);
    expect([200, 400, 403]).toContain(answer.status);
    expect(leaksIn(answer.text, answer.body)).toEqual([]);
  });

  it.each(ORACLES)('%s: refused before it runs (masked-class-oracles)', async (sql, params) => {
    const answer = await ask(sql, params.length > 0 ? params : undefined);
    expect({ status: answer.status, error: answer.body.error }).toMatchObject({
      status: 403,
      error: { code: 'blocked', rule: 'masked-class-oracles' },
    });
    expect(leaksIn(answer.text, answer.body)).toEqual([]);
  });

  it('keeps a join of a masked column with itself answerable (finding duplicates)', async () => {
    const answer = await ask(
      'SELECT a.id, b.id FROM customers a JOIN customers b ON a.ssn = b.ssn AND a.id < b.id',
    );
    expect(answer.status).toBe(200);
    expect(leaksIn(answer.text, answer.body)).toEqual([]);
  });

  it('keeps equality with one value answerable (looking a customer up)', async () => {
    const answer = await ask('SELECT id FROM customers WHERE ssn = $1', [CUSTOMERS[2]!.ssn]);
    expect({ status: answer.status, rows: answer.body.rows }).toEqual({ status: 200, rows: [[3]] });
  });

  // Whole attacks: each stops at its first refusal, and must recover nothing of customer 1's SSN.

  it('a binary search on ssn (WHERE ssn < $1) stops at its first request', async () => {
    let low = '000-00-0000';
    let high = '999-99-9999';
    let refused = 0;
    for (let round = 0; round < 40 && refused === 0; round++) {
      const mid = String(Math.floor((Number(digitsOf(low)) + Number(digitsOf(high))) / 2)).padStart(9, '0');
      const guess = `${mid.slice(0, 3)}-${mid.slice(3, 5)}-${mid.slice(5)}`;
      const answer = await ask('SELECT id FROM customers WHERE id = 1 AND ssn < $1', [guess]);
      if (answer.status !== 200) refused++;
      else if ((answer.body.rows ?? []).length > 0) high = guess;
      else low = guess;
    }
    expect({ refused, low, high }).toEqual({ refused: 1, low: '000-00-0000', high: '999-99-9999' });
  });

  it('a prefix search through a truncating cast (ssn::char(k) = $1) recovers nothing', async () => {
    let known = '';
    for (let k = 1; k <= 11; k++) {
      let next: string | undefined;
      for (const ch of '0123456789-') {
        const answer = await ask(`SELECT id FROM customers WHERE id = 1 AND ssn::char(${k}) = $1`, [
          known + ch,
        ]);
        if (answer.status !== 200) break;
        if ((answer.body.rows ?? []).length > 0) next = ch;
      }
      if (next === undefined) break;
      known += next;
    }
    expect(known).toBe('');
  });

  it('NULL among masked values does not spell out every SSN in one request', async () => {
    const columns = Array.from({ length: 11 }, (_, k) =>
      [...'0123456789-'].map((ch) => `nullif(substr(ssn, ${k + 1}, 1), '${ch}')`).join(', '),
    ).join(', ');
    const answer = await ask(`SELECT id, ${columns} FROM customers ORDER BY id`);
    const recovered = (answer.status === 200 ? (answer.body.rows ?? []) : []).map((row) =>
      Array.from({ length: 11 }, (_, k) => {
        const at = row.slice(1 + k * 11, 1 + (k + 1) * 11).indexOf(null);
        return at < 0 ? '?' : '0123456789-'[at];
      }).join(''),
    );
    expect(recovered.filter((ssn) => CUSTOMERS.some((c) => c.ssn === ssn))).toEqual([]);
  });

  it('rows in no asked-for order come in an order of what is shown, not of the masked values', async () => {
    // A sort for the UNION (a bit column has no hash operator class) orders rows by full_name.
    const answer = await ask(
      'SELECT full_name, id::bit(8) AS tag FROM customers UNION SELECT full_name, id::bit(8) FROM customers',
    );
    expect(answer.status).toBe(200);
    const shown = (answer.body.rows ?? []).map((r) => JSON.stringify(r));
    expect(shown).toEqual([...shown].sort());
    const ids = (answer.body.rows ?? []).map((r) => Number.parseInt(String(r[1]), 2));
    const byName = [...CUSTOMERS].sort((a, b) => (a.full_name < b.full_name ? -1 : 1)).map((c) => c.id);
    expect(ids).not.toEqual(byName);
    expect(leaksIn(answer.text, answer.body)).toEqual([]);
  });

  it('row counts from a set-returning function in a select list do not spell out an SSN', async () => {
    let known = '';
    for (let k = 1; k <= 11; k++) {
      const answer = await ask(
        'SELECT id FROM (SELECT id, generate_series(1, ascii(substr(ssn, $1::int, 1))) AS g FROM customers) s WHERE id = 1',
        [k],
      );
      if (answer.status !== 200) break;
      known += String.fromCharCode((answer.body.rows ?? []).length);
    }
    expect(known).toBe('');
  });
});
