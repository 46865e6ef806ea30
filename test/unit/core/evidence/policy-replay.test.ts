// Backtesting a policy change on recorded history: decisions taken by the real pipeline (the
// repository's policy pack on the real Cedar engine, the real PostgreSQL analysis and unit), then
// replayed from their recorded questions under the same pack and under stricter candidates.
import { readPolicyFolder } from '../../../../lambdas/adapters/config/policy-files.js';
import type { SqlConnection } from '../../../../lambdas/core/config/connection.js';
import type { AuthorizationQuestion } from '../../../../lambdas/core/decision/decision.js';
import { replayPolicy } from '../../../../lambdas/core/evidence/policy-replay.js';
import {
  isUnreadable,
  questionsFromRecord,
  questionsRecord,
} from '../../../../lambdas/core/evidence/recorded-questions.js';
import { admit, type PipelineDeps } from '../../../../lambdas/core/pipeline/admit.js';
import { createCedarPolicyEngine } from '../../../../lambdas/core/policy/cedar-policy-engine.js';
import { compilePolicySet } from '../../../../lambdas/core/policy/policy-set.js';
import { staticPolicyProvider } from '../../../../lambdas/core/policy/static-policy-provider.js';
import type { PolicyEngine } from '../../../../lambdas/core/ports.js';
import { canonicalJson, type JsonValue } from '../../../../lambdas/core/recording/canonical-json.js';
import type { SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { parseSqlBody } from '../../../../lambdas/handlers/http/sql-body.js';
import {
  coreDeps,
  defaultPolicyEngine,
  demoConnection,
  POLICY_DIR,
  principal,
} from '../../../support/core-fixtures.js';

const folder = readPolicyFolder(POLICY_DIR);

/** The repository's pack, each file changed by `edit`, plus `extra` policies in a file of their own. */
const candidate = (version: string, edit: (text: string) => string = (t) => t, extra = ''): PolicyEngine =>
  createCedarPolicyEngine(
    compilePolicySet(
      [
        ...folder.sources.map((s) => ({ ...s, text: edit(s.text) })),
        ...(extra ? [{ name: 'zz-candidate.cedar', text: extra }] : []),
      ],
      folder.schema,
      version,
    ),
  );

const CUSTOMERS_BLOCKED = `
@id("customers-reads-blocked")
@reason("Reads of customers are blocked during the audit.")
forbid (principal, action == Tollgate::Action::"sql:read", resource)
when { context.tables.contains("customers") };
`;
/** Every approval of the pack needs two reviewers instead of one. */
const twoReviewers = (text: string) => text.replaceAll('@approvalQuorum("1")', '@approvalQuorum("2")');
/** The pack without its masked-class oracle rule. */
const withoutOracleRule = (text: string) => text.replace(/@id\("masked-class-oracles"\)[\s\S]*?\n};\n/, '');

interface Asked {
  readonly sql: string;
  readonly params?: readonly (string | number)[];
  readonly token?: string;
  readonly at?: string;
  readonly connection?: string;
}

/**
 * The pipeline deciding each request in turn (ADMIT: recorded, never run), with the questions
 * the engine was asked; answers every recorded event.
 */
const decideAll = async (
  requests: readonly Asked[],
  options: { connections?: readonly SqlConnection[]; engine?: PolicyEngine } = {},
) => {
  const { deps: base, sessions } = await coreDeps(
    options.connections ? { connections: options.connections } : {},
  );
  const engine = options.engine ?? defaultPolicyEngine();
  const asked: AuthorizationQuestion[][] = [];
  let current: AuthorizationQuestion[] = [];
  const spying: PolicyEngine = {
    version: engine.version,
    unmaskable: (...args) => engine.unmaskable(...args),
    decide: (q) => {
      current.push(q);
      return engine.decide(q);
    },
  };
  let now = '2026-11-26T10:00:00.000Z';
  const deps: PipelineDeps = {
    ...base,
    policies: staticPolicyProvider(spying),
    clock: { now: () => new Date(now) },
  };
  for (const [i, r] of requests.entries()) {
    if (r.at) now = r.at;
    current = [];
    await admit(deps, {
      requestId: `req-${i + 1}`,
      token: r.token ?? 'token.alice.agents',
      sessionId: undefined,
      connectionName: r.connection ?? 'demo',
      request: parseSqlBody(JSON.stringify({ sql: r.sql, params: r.params ?? [] })),
    }).catch(() => undefined);
    asked.push(current);
  }
  return { events: sessions.all(), asked };
};

const decidedOf = (events: readonly SessionEvent[]) => events.filter((e) => e.type === 'request.decided');

/** What the Cedar engine reads of a question: compared field by field with what it was asked. */
const asCedarSees = (q: AuthorizationQuestion) => ({
  principal: {
    sub: q.principal.sub,
    issuer: q.principal.issuer,
    groups: q.principal.groups,
    actsFor: q.principal.actsFor,
  },
  action: q.action,
  resource: {
    name: q.resource.name,
    kind: q.resource.kind,
    environment: q.resource.environment,
    allowGroups: q.resource.allowGroups,
    tags: q.resource.tags,
  },
  context: q.context,
  label: q.label,
});

const rebuilt = (record: JsonValue | undefined) => {
  const questions = questionsFromRecord(record ?? null);
  if (isUnreadable(questions)) throw new Error(questions.unreadable);
  return questions;
};

const customersRead = "SELECT id, email FROM customers WHERE email = 'alice@example.com'";

/** A period's traffic under the default pack: reads, a write held for approval, a DROP, bad SQL. */
const HISTORY: readonly Asked[] = [
  { sql: customersRead, at: '2026-11-26T10:00:00.000Z' },
  { sql: 'SELECT 1', at: '2026-11-26T10:01:00.000Z' },
  { sql: customersRead, at: '2026-11-26T10:02:00.000Z' },
  { sql: "UPDATE customers SET email = 'bob@example.com' WHERE id = 7", at: '2026-11-26T10:03:00.000Z' },
  { sql: 'SELECT id FROM customers', token: 'token.bob.admins', at: '2026-11-26T10:04:00.000Z' },
  { sql: 'DROP TABLE customers', at: '2026-11-26T10:05:00.000Z' },
  { sql: 'SELEC 1', at: '2026-11-26T10:06:00.000Z' },
  { sql: 'SELECT 1; SELECT id FROM customers', at: '2026-11-26T10:07:00.000Z' },
  { sql: customersRead, at: '2026-11-26T10:08:00.000Z' },
];

const admins: SqlConnection = { ...demoConnection, allowGroups: ['agents', 'admins'] };

describe('request.decided keeps the questions the engine was asked', () => {
  it('records principal, connection, action, label and context exactly as the engine read them', async () => {
    // Prepare / Act
    const { events, asked } = await decideAll([
      { sql: 'SELECT id FROM customers WHERE email = $1 AND id > 3', params: ['carol@example.com'] },
    ]);
    // Assess
    const [decided] = decidedOf(events);
    expect(asked[0]).toHaveLength(1);
    expect(rebuilt(decided!.data.questions).map(asCedarSees)).toEqual(asked[0]!.map(asCedarSees));
    expect(decided!.data.questions).toMatchObject({
      principal: { sub: 'alice', issuer: 'https://issuer.test', groups: ['agents'], actsFor: null },
      resource: {
        name: 'demo',
        kind: 'postgres',
        environment: 'development',
        allowGroups: ['agents'],
        tags: [],
      },
      shared: {
        action: 'sql:read',
        label: 'SELECT',
        context: expect.objectContaining({ tables: ['customers'], readOnly: true, statementCount: 1 }),
      },
      asked: [{}],
    });
  });

  it('holds no literal, no parameter and nothing of where the connection lives', async () => {
    const { events } = await decideAll([
      { sql: "SELECT id FROM customers WHERE email = 'dave@example.com' AND id = $1", params: [424242] },
    ]);
    const text = canonicalJson(decidedOf(events)[0]!.data.questions);
    for (const secret of ['dave@example.com', '424242', 'secret-password', 'secret-user', 'db.internal'])
      expect(text).not.toContain(secret);
  });

  it('writes what the statements share once and keeps each statement’s own facts', async () => {
    const sql = "SELECT id FROM customers; SELECT 1; DELETE FROM customers WHERE id = 3; SELECT lower('X')";
    const { events, asked } = await decideAll([{ sql }]);
    const record = decidedOf(events)[0]!.data.questions as { shared: unknown; asked: unknown[] };
    expect(record.asked).toHaveLength(4);
    expect(record.asked[2]).toMatchObject({
      action: 'sql:write',
      label: 'DELETE',
      context: expect.objectContaining({
        statementIndex: 3,
        statementKind: 'delete',
        tablesWritten: ['customers'],
      }),
    });
    expect(record.shared).toMatchObject({
      context: expect.objectContaining({ statementCount: 4, dialect: 'postgres' }),
    });
    expect(rebuilt(record as unknown as JsonValue).map(asCedarSees)).toEqual(asked[0]!.map(asCedarSees));
  });

  it('stays compact for many similar statements: a few dozen bytes each', async () => {
    const sql = Array.from({ length: 300 }, (_, i) => `INSERT INTO customers (id) VALUES (${i})`).join(';\n');
    const { events, asked } = await decideAll([{ sql }]);
    const record = decidedOf(events)[0]!.data.questions!;
    expect(asked[0]).toHaveLength(300);
    expect(canonicalJson(record).length).toBeLessThan(300 * 40 + 1500);
    expect(rebuilt(record).map(asCedarSees)).toEqual(asked[0]!.map(asCedarSees));
  });

  it('reads a record back only when it is whole: an unknown or missing field is unreadable', () => {
    const record = questionsRecord(principal('alice'), demoConnection, []) as { [k: string]: JsonValue };
    expect(rebuilt(record)).toEqual([]);
    expect(questionsFromRecord({ ...record, extra: 1 })).toEqual({ unreadable: expect.stringContaining('') });
    const { resource: _gone, ...partial } = record;
    expect(isUnreadable(questionsFromRecord(partial))).toBe(true);
    expect(isUnreadable(questionsFromRecord('questions'))).toBe(true);
  });
});

describe('replayPolicy', () => {
  it('changes nothing when the candidate is the policy set that decided', async () => {
    const { events } = await decideAll(HISTORY, { connections: [admins] });
    const report = replayPolicy(events, defaultPolicyEngine());
    expect(report.totals).toEqual({
      decisions: 9,
      reDecided: 8,
      unchanged: 8,
      changed: 0,
      fromAnalysis: 1,
      withoutQuestions: 0,
      unreadable: 0,
    });
    expect(report.changes).toEqual([]);
    expect(report.recordedVersions).toEqual(['analysis', defaultPolicyEngine().version]);
  });

  it('reports what a stricter candidate would refuse, by rule, with the first examples', async () => {
    // Prepare
    const { events } = await decideAll(HISTORY, { connections: [admins] });
    const stricter = candidate('candidate-1', twoReviewers, CUSTOMERS_BLOCKED);
    // Act
    const report = replayPolicy(events, stricter);
    // Assess
    expect(report.candidateVersion).toBe('candidate-1');
    expect(report.totals).toMatchObject({
      decisions: 9,
      reDecided: 8,
      unchanged: 2,
      changed: 6,
      fromAnalysis: 1,
    });
    expect(report.changes.map((c) => [c.kind, c.from, c.to, c.rule, c.count])).toEqual([
      ['now-refused', 'allow', 'block', 'customers-reads-blocked', 5],
      ['approval-changed', 'approval_required', 'approval_required', 'agents-write-with-review', 1],
    ]);
    const [refused, approval] = report.changes;
    expect(refused!.recordedRules).toEqual({ 'agents-may-read': 4, 'admins-may-read': 1 });
    expect(refused!.examples).toHaveLength(3);
    expect(refused!.examples[0]).toEqual({
      sessionId: expect.any(String),
      requestId: 'req-1',
      at: '2026-11-26T10:00:00.000Z',
      sub: 'alice',
      connection: 'demo',
      sql: expect.stringMatching(/^SELECT id, email FROM customers WHERE email = '.+'$/),
      recorded: { outcome: 'allow', rule: 'agents-may-read' },
      candidate: {
        outcome: 'block',
        rule: 'customers-reads-blocked',
        reason: 'Reads of customers are blocked during the audit.',
      },
    });
    expect(refused!.examples[0]!.sql).not.toContain('alice@example.com');
    expect(refused!.examples.map((e) => e.requestId)).toEqual(['req-1', 'req-3', 'req-5']);
    expect(approval!.examples[0]).toMatchObject({
      requestId: 'req-4',
      recorded: { approval: { group: 'reviewers', quorum: 1, ttlSeconds: 3600 } },
      candidate: {
        outcome: 'approval_required',
        approval: { group: 'reviewers', quorum: 2, ttlSeconds: 3600 },
      },
    });
  });

  it('combines the statements of a request as the gateway does: the strictest wins, named by position', async () => {
    const { events } = await decideAll([{ sql: 'SELECT 1; SELECT id FROM customers' }]);
    const report = replayPolicy(events, candidate('candidate-2', undefined, CUSTOMERS_BLOCKED));
    expect(report.changes[0]!.examples[0]!.candidate.reason).toBe(
      'Reads of customers are blocked during the audit (statement 2).',
    );
  });

  it('decides on the facts the target’s catalogue gave then, not on a new reading of the text', async () => {
    // Prepare: a classified column used to order rows is refused as an oracle; the uses come
    // from the connection's catalogue (inspect), which no re-parse of the SQL could give.
    const classified: SqlConnection = {
      ...demoConnection,
      classification: { 'customers.email': 'EMAIL_ADDRESS' },
    };
    const { events } = await decideAll([{ sql: 'SELECT id FROM customers ORDER BY email' }], {
      connections: [classified],
    });
    expect(decidedOf(events)[0]!.data).toMatchObject({ outcome: 'block', rule: 'masked-class-oracles' });
    // Act
    const same = replayPolicy(events, defaultPolicyEngine());
    const looser = replayPolicy(events, candidate('candidate-3', withoutOracleRule));
    // Assess
    expect(same.totals).toMatchObject({ reDecided: 1, unchanged: 1 });
    expect(looser.changes.map((c) => [c.kind, c.from, c.to, c.rule])).toEqual([
      ['now-permitted', 'block', 'allow', 'agents-may-read'],
    ]);
  });

  it('counts decisions recorded without their questions, or with questions it cannot read, apart', async () => {
    const { events } = await decideAll([{ sql: 'SELECT 1' }, { sql: 'SELECT 2' }, { sql: 'SELECT 3' }]);
    const [first, second] = decidedOf(events);
    const { questions: _old, ...before } = first!.data;
    const changed = events.map((e) =>
      e === first
        ? { ...e, data: before }
        : e === second
          ? { ...e, data: { ...e.data, questions: { asked: 1 } } }
          : e,
    );
    const report = replayPolicy(changed, candidate('candidate-4', undefined, CUSTOMERS_BLOCKED));
    expect(report.totals).toEqual({
      decisions: 3,
      reDecided: 1,
      unchanged: 1,
      changed: 0,
      fromAnalysis: 0,
      withoutQuestions: 1,
      unreadable: 1,
    });
  });

  it('reads each event once, however many copies it is given in', async () => {
    const { events } = await decideAll([{ sql: customersRead }]);
    const report = replayPolicy(
      [...events, ...events, ...events],
      candidate('c', undefined, CUSTOMERS_BLOCKED),
    );
    expect(report.totals).toMatchObject({ decisions: 1, changed: 1 });
  });

  it('keeps only the decisions of the period, and finds their SQL in events before it', async () => {
    const { events } = await decideAll(HISTORY, { connections: [admins] });
    const report = replayPolicy(events, candidate('c', undefined, CUSTOMERS_BLOCKED), {
      from: new Date('2026-11-26T10:02:00.000Z'),
      to: new Date('2026-11-26T10:05:00.000Z'),
    });
    expect(report.totals).toMatchObject({ decisions: 4, reDecided: 4, changed: 2 });
    // The request's own `request.received` is dated before the period here: still found.
    const moved = events.map((e) =>
      e.type === 'request.received' && e.requestId === 'req-3' ? { ...e, at: '2026-11-25T00:00:00.000Z' } : e,
    );
    const again = replayPolicy(moved, candidate('c', undefined, CUSTOMERS_BLOCKED), {
      from: new Date('2026-11-26T10:02:00.000Z'),
      to: new Date('2026-11-26T10:05:00.000Z'),
    });
    expect(again.changes[0]!.examples[0]).toMatchObject({
      requestId: 'req-3',
      sql: expect.stringContaining('customers'),
    });
  });

  it('shows no SQL for a decision whose request is not among the events', async () => {
    const { events } = await decideAll([{ sql: customersRead }]);
    const report = replayPolicy(decidedOf(events), candidate('c', undefined, CUSTOMERS_BLOCKED));
    expect(report.changes[0]!.examples[0]!.sql).toBeNull();
  });

  it('keeps at most the examples asked for', async () => {
    const { events } = await decideAll(HISTORY, { connections: [admins] });
    const report = replayPolicy(events, candidate('c', undefined, CUSTOMERS_BLOCKED), { examples: 1 });
    expect(report.changes[0]).toMatchObject({
      count: 5,
      examples: [expect.objectContaining({ requestId: 'req-1' })],
    });
  });

  it('names an approval added or dropped, a refusal changed and a rule changed', async () => {
    const { events } = await decideAll(
      [
        { sql: 'SELECT 1' },
        { sql: "UPDATE customers SET email = 'x' WHERE id = 1" },
        { sql: 'DROP TABLE customers' },
        { sql: 'SELECT id FROM customers', token: 'token.bob.admins' },
      ],
      { connections: [admins] },
    );
    // Agents' reads need review, their writes do not; nothing permits or forbids DDL (a deny now,
    // a block then); admins read by another rule.
    const text = `
@id("reads-with-review")
@approval("reviewers")
permit (principal in Tollgate::Group::"agents", action == Tollgate::Action::"sql:read", resource);
@id("writes-outright")
permit (principal in Tollgate::Group::"agents", action == Tollgate::Action::"sql:write", resource);
@id("admins-read-everything")
permit (principal in Tollgate::Group::"admins", action == Tollgate::Action::"sql:read", resource);
`;
    const engine = createCedarPolicyEngine(
      compilePolicySet([{ name: 'candidate.cedar', text }], folder.schema, 'candidate-5'),
    );
    const report = replayPolicy(events, engine);
    expect(report.changes.map((c) => [c.kind, c.from, c.to, c.rule])).toEqual([
      ['approval-added', 'allow', 'approval_required', 'reads-with-review'],
      ['approval-dropped', 'approval_required', 'allow', 'writes-outright'],
      ['refusal-changed', 'block', 'deny', 'default-deny'],
      ['rule-changed', 'allow', 'allow', 'admins-read-everything'],
    ]);
    expect(report.totals).toMatchObject({ reDecided: 4, changed: 4, unchanged: 0 });
  });
});
