// A MySQL-family connection end to end through the local gateway, against the real MariaDB:
// the same identity, policy and recording path as PostgreSQL, with MySQL's parser and driver.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevIssuer, loadDevIssuer } from '../../lambdas/adapters/local/dev-issuer.js';
import { type LocalGateway, startLocalGateway } from '../../lambdas/wiring/local.js';
import { createThrowawayDatabase, queryAsAdmin, type ThrowawayDatabase } from '../support/mysql.js';

/** A value of the classified ssn column: it must never come back. */
const SSN = '123-45-6789';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface ApiBody {
  status?: string;
  rows?: unknown[][];
  columns?: Array<{ name: string; type: string }>;
  error?: { code: string; rule?: string; message: string };
}

describe('MySQL connection through the local gateway', () => {
  let dir: string;
  let db: ThrowawayDatabase;
  let gateway: LocalGateway;
  let issuer: DevIssuer;

  const sql = async (text: string, params?: unknown[]) => {
    const response = await fetch(`${gateway.url}/v1/connections/shop-mariadb/sql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${issuer.signToken({ sub: 'alice', groups: ['agents'], ttlSeconds: 300 })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ sql: text, ...(params ? { params } : {}) }),
    });
    return { status: response.status, json: (await response.json()) as ApiBody };
  };

  beforeAll(async () => {
    db = await createThrowawayDatabase(
      [
        "CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(20), amount DECIMAL(10,2)); INSERT INTO orders VALUES (1, 'paid', 10.50), (2, 'pending', 3.00);",
        `CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(100), ssn VARCHAR(11)); INSERT INTO customers VALUES (1, 'ana@example.com', '${SSN}');`,
        'CREATE FUNCTION tidy(s VARCHAR(100)) RETURNS VARCHAR(100) DETERMINISTIC RETURN lower(s);',
      ].join(' '),
    );
    dir = mkdtempSync(join(tmpdir(), 'tollgate-mysql-e2e-'));
    writeFileSync(
      join(dir, 'tollgate.yaml'),
      `connections:
  - name: shop-mariadb
    kind: mysql
    allowGroups: [agents]
    target: { urlEnv: SHOP_URL }
    classification:
      customers.email: EMAIL_ADDRESS
      customers.ssn: US_SSN
`,
    );
    gateway = await startLocalGateway({
      dataDir: join(dir, 'data'),
      configFile: join(dir, 'tollgate.yaml'),
      port: 0,
      logger: silent,
      env: { SHOP_URL: db.readerUrl },
    });
    issuer = loadDevIssuer(join(dir, 'data', 'issuer'));
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a read with bound parameters and typed columns', async () => {
    const { status, json } = await sql('SELECT id, status, amount FROM orders WHERE id = ?', [1]);
    expect(status).toBe(200);
    expect(json.rows).toEqual([[1, 'paid', '10.50']]);
    expect(json.columns?.map((c) => c.name)).toEqual(['id', 'status', 'amount']);
  });

  it('blocks DROP TABLE by policy and leaves the table', async () => {
    const { status, json } = await sql('DROP TABLE orders');
    expect([status, json.error?.rule]).toEqual([403, 'ddl-blocked']);
    expect(await queryAsAdmin(db, 'SELECT count(*) AS n FROM orders')).toEqual([{ n: 2 }]);
  });

  it('asks for approval for an UPDATE with a WHERE, and blocks one without', async () => {
    expect((await sql("UPDATE orders SET status = 'x' WHERE id = 2")).status).toBe(202);
    expect((await sql("UPDATE orders SET status = 'x'")).json.error?.rule).toBe('dml-without-where');
  });

  it('refuses executable comments and piggy-backed statements as unparseable', async () => {
    expect((await sql('SELECT 1 /*!50000 , SLEEP(5) */')).json.error?.code).toBe('sql_unparseable');
    expect((await sql('SELECT 1; DROP TABLE orders')).json.error?.code).toBe('sql_unparseable');
  });

  it.each([
    ['a range', 'SELECT id FROM customers WHERE ssn < ?', ['5']],
    ['a pattern', "SELECT id FROM customers WHERE `SSN` LIKE '1%'", undefined],
    ['an ordering', 'SELECT id FROM customers c ORDER BY c.ssn', undefined],
    ['a computed comparison', 'SELECT id FROM customers WHERE substr(ssn, 1, 1) = ?', ['1']],
    ['a list of guesses', "SELECT id FROM customers WHERE ssn IN ('1', '2', '3')", undefined],
    ['a derived table', 'SELECT d.id FROM (SELECT id, ssn AS s FROM customers) d WHERE d.s > ?', ['5']],
    ['a number, read from the leading digits', 'SELECT id FROM customers WHERE ssn = 123', undefined],
    ['a numeric parameter', 'SELECT id FROM customers WHERE ssn = ?', [123]],
    [
      'a deduplication against guesses',
      "SELECT 1 FROM (SELECT ssn FROM customers UNION SELECT '1') u",
      undefined,
    ],
    ['two guesses under OR', "SELECT id FROM customers WHERE ssn = '1' OR ssn = '2'", undefined],
    [
      'a grouping kept by plan order under LIMIT',
      'SELECT 1 AS hit FROM (SELECT id FROM customers GROUP BY ssn, id LIMIT 1 OFFSET 0) s WHERE s.id = 1',
      undefined,
    ],
    [
      'a join with a sequence of guesses',
      'SELECT 1 FROM customers c JOIN seq_1_to_499 s ON c.ssn = s.seq WHERE c.id = 1',
      undefined,
    ],
    [
      'a join USING a renamed sequence',
      'SELECT 1 FROM customers c JOIN (SELECT seq AS ssn FROM seq_1_to_999) s USING (ssn)',
      undefined,
    ],
    [
      'IN a subquery of guesses',
      'SELECT id FROM customers c WHERE c.ssn IN (SELECT seq FROM seq_1_to_999)',
      undefined,
    ],
    [
      'EXISTS over guesses',
      'SELECT id FROM customers c WHERE EXISTS (SELECT 1 FROM seq_1_to_999 s WHERE s.seq = c.ssn)',
      undefined,
    ],
    ['a join with another class', 'SELECT 1 FROM customers c JOIN customers d ON c.ssn = d.email', undefined],
    [
      'a grouping of the column mixed with a sequence of guesses',
      'SELECT 1 FROM (SELECT k FROM (SELECT ssn AS k FROM customers UNION ALL SELECT CAST(seq AS CHAR) FROM seq_1_to_9) u GROUP BY k) s',
      undefined,
    ],
  ])('refuses %s on a masked class before it runs (masked-class-oracles)', async (_what, text, params) => {
    const { status, json } = await sql(text, params);
    expect([status, json.error?.rule]).toEqual([403, 'masked-class-oracles']);
  });

  it('answers a self-join on a masked class (finding duplicates)', async () => {
    const { status, json } = await sql(
      'SELECT a.id FROM customers a JOIN customers b ON a.ssn = b.ssn AND a.id < b.id',
    );
    expect(status).toBe(200);
    expect(JSON.stringify(json)).not.toContain(SSN);
  });

  it('answers equality on a masked class; without lineage, every output is masked whole', async () => {
    const { status, json } = await sql('SELECT id, ssn FROM customers WHERE ssn = ?', [SSN]);
    expect(status).toBe(200);
    expect(json.rows).toEqual([['[MASKED]', '[MASKED]']]);
    expect(JSON.stringify(json)).not.toContain(SSN);
  });

  it('refuses a stored function and an unknown one in a read (unreviewed-functions)', async () => {
    expect((await sql('SELECT tidy(status) FROM orders')).json.error?.rule).toBe('unreviewed-functions');
    expect((await sql('SELECT no_such_fn(1)')).json.error?.rule).toBe('unreviewed-functions');
    expect((await sql('SELECT RAND(), UUID(), lower(status) FROM orders')).status).toBe(200);
  });

  it('blocks dangerous functions such as SLEEP and LOAD_FILE', async () => {
    expect((await sql('SELECT SLEEP(10)')).json.error?.rule).toBe('dangerous-functions');
    expect((await sql("SELECT LOAD_FILE('/etc/passwd')")).json.error?.rule).toBe('dangerous-functions');
  });
});
