import type { Connection } from '../../../../lambdas/core/config/connection.js';
import { readOnlyPolicy } from '../../../../lambdas/core/decision/read-only-policy.js';
import type { Principal } from '../../../../lambdas/core/identity/principal.js';
import { postgresAnalyzer } from '../../../../lambdas/core/sql/analyze-postgres.js';

beforeAll(() => postgresAnalyzer.load());

const connection: Connection = {
  name: 'demo',
  kind: 'postgres',
  environment: 'development',
  tags: [],
  allowGroups: ['agents'],
  target: { demo: true },
  limits: { rowLimit: 10, statementTimeoutMs: 1000, maxResultBytes: 1_000_000 },
};
const agent: Principal = {
  sub: 'a',
  issuer: 'i',
  groups: ['agents'],
  tokenId: undefined,
  actsFor: undefined,
};

const decide = (sql: string, principal: Principal = agent) => {
  const facts = postgresAnalyzer.analyze(sql);
  if (!facts.parseOk) throw new Error('unparseable');
  return readOnlyPolicy.decide({ principal, connection, facts });
};

describe('readOnlyPolicy', () => {
  it('allows plain reads and names the policy that decided', () => {
    expect(decide('SELECT count(*) FROM orders')).toMatchObject({
      outcome: 'allow',
      rule: 'read-only.plain-read',
      policyIds: ['tollgate.builtin.read-only'],
      policyVersion: 'builtin-1',
    });
  });

  it('refuses principals outside the connection’s groups', () => {
    const outsider = { ...agent, groups: ['reviewers'] };
    expect(decide('SELECT 1', outsider)).toMatchObject({
      outcome: 'block',
      rule: 'connection.group-required',
    });
  });

  it('blocks DDL with a reason an agent can act on', () => {
    const decision = decide('DROP TABLE customers');
    expect(decision).toMatchObject({ outcome: 'block', rule: 'read-only.not-a-read' });
    expect(decision.reason).toBe('DDL statements are not allowed on demo; only reads run.');
    expect(decision.hint).toBe('Run plain SELECT statements.');
  });

  it('judges a multi-statement request by its most dangerous statement', () => {
    expect(decide('SELECT 1; DELETE FROM orders; SELECT 2')).toMatchObject({
      outcome: 'block',
      reason: expect.stringContaining('(statement 2)'),
    });
  });

  it('blocks DML hidden in a CTE', () => {
    expect(decide('WITH x AS (DELETE FROM orders RETURNING 1) SELECT * FROM x')).toMatchObject({
      outcome: 'block',
      rule: 'read-only.write-in-cte',
    });
  });

  it('blocks row locks', () => {
    expect(decide('SELECT * FROM orders FOR SHARE')).toMatchObject({
      outcome: 'block',
      rule: 'read-only.row-locks',
    });
  });

  it.each([
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT pg_catalog.set_config('role', 'x', false)",
    'SELECT pg_sleep(60)',
    'SELECT mydb.pg_catalog.pg_sleep(60)',
    "SELECT * FROM public.dblink('host=evil', 'select 1') AS t(x int)",
    "SELECT * FROM ts_stat('SELECT to_tsvector(pg_read_file(''/etc/passwd''))')",
    'SELECT pg_try_advisory_lock(42)',
    'SELECT pg_advisory_lock_shared(7)',
    "SELECT pg_logical_emit_message(false, 'x', 'y')",
    "SELECT query_to_xmlschema('select 1', true, true, '')",
  ])('blocks a read that calls a dangerous function: %s', (sql) => {
    expect(decide(sql)).toMatchObject({ outcome: 'block', rule: 'read-only.dangerous-function' });
  });

  it('refuses database-qualified function names, which the catalogue cannot vouch for', () => {
    expect(decide('SELECT mydb.public.upper(full_name) FROM customers')).toMatchObject({
      outcome: 'block',
      rule: 'read-only.qualified-function',
      hint: 'Call public.upper() instead.',
    });
  });
});
