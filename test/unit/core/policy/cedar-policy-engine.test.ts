// The Cedar policy engine: decisions (outcome, rule, reason, hint, approval) and unmask answers.
import { readPolicyFolder } from '../../../../lambdas/adapters/config/policy-files.js';
import type { Connection } from '../../../../lambdas/core/config/connection.js';
import type { Principal } from '../../../../lambdas/core/identity/principal.js';
import { createCedarPolicyEngine } from '../../../../lambdas/core/policy/cedar-policy-engine.js';
import { compilePolicySet } from '../../../../lambdas/core/policy/policy-set.js';
import { postgresAnalyzer } from '../../../../lambdas/core/sql/analyze-postgres.js';
import { decideSql } from '../../../../lambdas/core/sql/sql-questions.js';
import { defaultPolicyEngine, POLICY_DIR } from '../../../support/core-fixtures.js';

beforeAll(() => postgresAnalyzer.load());

const { schema } = readPolicyFolder(POLICY_DIR);
// The default pack, compiled once for the file: deciding does not change an engine.
const defaultEngine = defaultPolicyEngine();
const engineFor = (text: string) =>
  createCedarPolicyEngine(compilePolicySet([{ name: 'test.cedar', text }], schema, 'test-1'));

const connection: Connection = {
  name: 'orders-db',
  kind: 'postgres',
  environment: 'production',
  tags: ['pii'],
  classification: {},
  masking: {},
  allowGroups: ['agents'],
  target: { demo: true },
  limits: { rowLimit: 10, statementTimeoutMs: 1000, maxResultBytes: 1_000_000 },
};
const alice: Principal = {
  sub: 'alice',
  issuer: 'i',
  groups: ['agents'],
  tokenId: undefined,
  actsFor: undefined,
};

const decide = (engine: ReturnType<typeof engineFor>, sql: string, principal = alice) => {
  const facts = postgresAnalyzer.analyze(sql);
  if (!facts.parseOk) throw new Error(facts.error);
  return decideSql(engine, { principal, connection, facts });
};

describe('Cedar policy engine', () => {
  it('denies by default when no policy permits, naming the action', () => {
    const engine = engineFor('@id("nothing") forbid (principal, action, resource) when { false };');
    expect(decide(engine, 'SELECT 1')).toMatchObject({
      outcome: 'deny',
      rule: 'default-deny',
      reason: 'No policy permits sql:read on orders-db.',
      policyVersion: 'test-1',
    });
  });

  it('lets any forbid win over permits, with its templated reason and hint', () => {
    const engine = engineFor(`
      @id("all") permit (principal, action, resource);
      @id("no-prod-writes") @reason("{statement} on {connection} is not allowed in production.") @hint("Use staging.")
      forbid (principal, action == Tollgate::Action::"sql:write", resource) when { resource.environment == "production" };
    `);
    expect(decide(engine, "UPDATE orders SET status = 'x' WHERE id = 1")).toMatchObject({
      outcome: 'block',
      rule: 'no-prod-writes',
      reason: 'UPDATE on orders-db is not allowed in production.',
      hint: 'Use staging.',
      policyIds: ['no-prod-writes'],
    });
  });

  it('requires approval when every permit that applies carries @approval', () => {
    const engine = engineFor(`
      @id("reviewed") @approval("dba") @approvalTtl("30m") @approvalQuorum("2")
      permit (principal, action == Tollgate::Action::"sql:write", resource);
    `);
    expect(decide(engine, 'DELETE FROM orders WHERE id = 1')).toMatchObject({
      outcome: 'approval_required',
      rule: 'reviewed',
      reason: 'DELETE on orders-db needs approval from dba.',
      approval: { group: 'dba', ttlSeconds: 1800, quorum: 2 },
    });
  });

  it('allows outright when one applicable permit carries no @approval', () => {
    const engine = engineFor(`
      @id("reviewed") @approval("dba") permit (principal, action, resource);
      @id("open") permit (principal, action, resource);
    `);
    expect(decide(engine, 'SELECT 1')).toMatchObject({ outcome: 'allow', rule: 'open' });
  });

  it('judges several statements by the most restrictive and says which one', () => {
    expect(decide(defaultEngine, 'SELECT 1; DROP TABLE orders; SELECT 2')).toMatchObject({
      outcome: 'block',
      rule: 'ddl-blocked',
      reason: 'DROP changes the schema, which agents may not do (statement 2).',
      statementIndex: 2,
    });
  });

  it('sees principals as members of their groups, and agents with the person they act for', () => {
    const engine = engineFor(`
      @id("bob-agents") permit (principal is Tollgate::Agent, action, resource) when { principal.actsFor == "bob" };
    `);
    const agent = { ...alice, sub: 'agent-7', actsFor: 'bob' };
    expect(decide(engine, 'SELECT 1', agent)).toMatchObject({ outcome: 'allow' });
    expect(decide(engine, 'SELECT 1', { ...agent, actsFor: 'eve' })).toMatchObject({ outcome: 'deny' });
    expect(decide(engine, 'SELECT 1', alice)).toMatchObject({ outcome: 'deny' });
  });

  it('gives policies the connection’s attributes and the statement’s facts', () => {
    const engine = engineFor(`
      @id("pii-reads") permit (principal, action == Tollgate::Action::"sql:read", resource)
      when { resource.tags.contains("pii") && context.tables.contains("customers") && context.statementCount == 1 };
    `);
    expect(decide(engine, 'SELECT * FROM customers')).toMatchObject({ outcome: 'allow', rule: 'pii-reads' });
    expect(decide(engine, 'SELECT * FROM orders')).toMatchObject({ outcome: 'deny' });
  });

  it('blocks, failing closed, when a policy errors during evaluation', () => {
    // Cedar skips a policy whose evaluation errors (here: integer overflow at run time); a skipped
    // forbid must not let the request through on the strength of the permit.
    const engine = engineFor(`
      @id("all") permit (principal, action, resource);
      @id("overflowing") forbid (principal, action in Tollgate::Action::"sql", resource) when { context.statementCount + 9223372036854775807 > 1 };
    `);
    expect(decide(engine, 'SELECT 1')).toMatchObject({
      outcome: 'block',
      rule: 'policy-evaluation-error',
      policyIds: ['overflowing'],
    });
  });

  it('answers which data classes a principal may unmask, from data:unmask policies', () => {
    const engine = engineFor(`
      @id("auditors-see-emails") permit (principal in Tollgate::Group::"auditors", action == Tollgate::Action::"data:unmask", resource)
      when { context.dataClass == "EMAIL_ADDRESS" };
    `);
    const auditor = { ...alice, groups: ['auditors'] };
    expect([...engine.unmaskable(auditor, connection, ['EMAIL_ADDRESS', 'US_SSN'])]).toEqual([
      'EMAIL_ADDRESS',
    ]);
    expect([...engine.unmaskable(alice, connection, ['EMAIL_ADDRESS'])]).toEqual([]);
  });

  it('unmasks nothing under the default pack', () => {
    expect([
      ...defaultEngine.unmaskable(alice, connection, ['EMAIL_ADDRESS', 'US_SSN', 'CREDIT_CARD']),
    ]).toEqual([]);
  });
});
