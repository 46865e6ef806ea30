// Just-in-time approvals end to end: an agent's write through the local gateway is held (202), a
// reviewer decides over the API, the local engine runs the stack's state machine definition, and
// the approved write runs once on the real PostgreSQL 15 with the connection's write credential
// (the read credential cannot write). Every rule of a decision has its answer here.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { type DevIssuer, loadDevIssuer } from '../../lambdas/adapters/local/dev-issuer.js';
import { type LocalGateway, startLocalGateway } from '../../lambdas/wiring/local.js';
import { createThrowawayDatabase, queryAsAdmin, type ThrowawayDatabase } from '../support/postgres.js';

const CONNECTION = 'orders-db';
const logs: string[] = [];
const logger = {
  info: (m: string, e?: unknown) => logs.push(JSON.stringify([m, e])),
  warn: (m: string, e?: unknown) => logs.push(JSON.stringify([m, e])),
  error: (m: string, e?: unknown) => logs.push(JSON.stringify([m, e])),
};

let db: ThrowawayDatabase;
let gateway: LocalGateway;
let issuer: DevIssuer;
let dataDir: string;
const answers: string[] = [];

const token = (sub: string, groups: string[], actor?: string) =>
  issuer.signToken({ sub, groups, ttlSeconds: 600, ...(actor ? { actor } : {}) });
const AGENT = () => token('agent-7', ['agents']);

/** An answer's JSON, read by path in the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions read JSON answers by path
type Answer = Record<string, any>;

const call = async (method: string, path: string, bearer: string, body?: unknown, headers = {}) => {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, body: JSON.parse(text) as Answer };
};

const write = (sql: string, params: unknown[] = [], headers = {}) =>
  call('POST', `/v1/connections/${CONNECTION}/sql`, AGENT(), { sql, params }, headers);
const decide = (
  approvalId: string,
  verdict: 'approve' | 'deny',
  bearer: string,
  reason = 'checked the ticket',
) => call('POST', `/v1/approvals/${approvalId}/${verdict}`, bearer, { reason });
const outcome = async (requestId: string, bearer = AGENT()) => {
  for (let i = 0; i < 20; i++) {
    const { body } = await call('GET', `/v1/requests/${requestId}?waitSeconds=2`, bearer);
    if (!['pending_approval', 'approved', 'executing'].includes(body.status)) return body;
  }
  throw new Error(`request ${requestId} did not end`);
};
/** `tollgate policy push` of the folder; the gateway takes it within 2 s. */
const pushPolicies = async (dir: string) => {
  // Asynchronously: the CLI reaches this process's DynamoDB stand-in, which must keep answering.
  await promisify(execFile)(
    process.execPath,
    ['bin/tollgate.js', 'policy', 'push', '--dir', dir, '--as', 'test-operator'],
    {
      env: { ...process.env, TOLLGATE_DATA_DIR: dataDir },
    },
  );
  await new Promise((r) => setTimeout(r, 2500));
};
const REVIEWER = () => token('rita', ['reviewers']);
/** The approval once its impact preview is in (the notification task computes it). */
const previewed = async (approvalId: string) => {
  for (let i = 0; i < 40; i++) {
    const { body } = await call('GET', `/v1/approvals/${approvalId}`, REVIEWER());
    if (body.approval?.preview) return body.approval;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`approval ${approvalId} got no preview`);
};
const REVIEWER_2 = () => token('rob', ['reviewers']);
const statusOf = async (id: number) =>
  (await queryAsAdmin(db, `SELECT status FROM orders WHERE id = ${id}`))[0]?.status as string;

beforeAll(async () => {
  db = await createThrowawayDatabase(`
    CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL, region text NOT NULL)
      WITH (autovacuum_enabled = false);
    INSERT INTO orders SELECT g, 'open', CASE WHEN g <= 5 THEN 'eu' ELSE 'us' END FROM generate_series(1, 50) g;
    ANALYZE orders;
    CREATE ROLE tollgate_writer_${process.pid} LOGIN;
    GRANT SELECT, UPDATE, INSERT, DELETE ON orders TO tollgate_writer_${process.pid};
  `);
  const writer = new URL(db.adminUrl);
  writer.username = `tollgate_writer_${process.pid}`;
  dataDir = mkdtempSync(join(tmpdir(), 'tollgate-approvals-'));
  const configFile = join(dataDir, 'tollgate.yaml');
  writeFileSync(
    configFile,
    stringify({
      connections: [
        {
          name: CONNECTION,
          kind: 'postgres',
          allowGroups: ['agents'],
          target: { url: db.readerUrl },
          writeTarget: { url: writer.toString() },
        },
      ],
    }),
  );
  // A policy folder of its own (the default pack without its golden tests, which a freeze breaks).
  const policyDir = join(dataDir, 'policies');
  cpSync('policies', policyDir, { recursive: true });
  rmSync(join(policyDir, 'tests'), { recursive: true, force: true });
  gateway = await startLocalGateway({
    dataDir,
    configFile,
    port: 0,
    logger,
    policyDir,
    archiveIntervalMs: 3_600_000,
  });
  issuer = loadDevIssuer(join(dataDir, 'issuer'));
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await db?.drop();
  await queryAsAdmin(
    { adminUrl: 'postgres://postgres@127.0.0.1:5432/postgres' } as ThrowawayDatabase,
    `DROP ROLE IF EXISTS tollgate_writer_${process.pid}`,
  ).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a held write', () => {
  it('is held (202), approved by a reviewer, runs once, and the requester reads the outcome', async () => {
    const held = await write("UPDATE orders SET status = 'shipped' WHERE id = $1", [1], {
      'x-tollgate-justification': 'Ticket OPS-42: customer confirmed delivery',
    });
    expect([held.status, held.body.error]).toEqual([202, undefined]);
    expect(held.body).toMatchObject({
      status: 'pending_approval',
      groups: ['reviewers'],
      quorum: 1,
      statusUrl: `/v1/requests/${held.body.requestId}`,
    });
    expect(await statusOf(1)).toBe('open');
    // The executor's EXPLAIN (with the write credential) fills the impact preview in.
    expect((await previewed(held.body.approvalId)).preview).toEqual({
      estimatedRows: 1,
      tablesWritten: ['orders'],
    });

    const listed = await call('GET', '/v1/approvals?status=pending', REVIEWER());
    const mine = listed.body.approvals.find(
      (a: { approvalId: string }) => a.approvalId === held.body.approvalId,
    );
    expect(mine).toMatchObject({
      requester: { sub: 'agent-7', actsFor: null },
      justification: 'Ticket OPS-42: customer confirmed delivery',
      connection: CONNECTION,
      status: 'pending_approval',
    });
    const shown = await call('GET', `/v1/approvals/${held.body.approvalId}`, REVIEWER());
    expect(shown.body.approval.request.sql).toContain('UPDATE orders');

    const approved = await decide(held.body.approvalId, 'approve', REVIEWER());
    expect(approved.status).toBe(200);
    expect(approved.body.approval.status).toBe('approved');
    const done = await outcome(held.body.requestId);
    expect(done).toMatchObject({ status: 'executed', result: { rowCount: 1 } });
    expect(await statusOf(1)).toBe('shipped');
    // A second decision on a decided approval: 409, and nothing runs again.
    const again = await decide(held.body.approvalId, 'approve', REVIEWER_2());
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('approval_conflict');
  });

  it('denied, never runs', async () => {
    const held = await write("UPDATE orders SET status = 'void' WHERE id = 2");
    const denied = await decide(held.body.approvalId, 'deny', REVIEWER(), 'not during the freeze');
    expect(denied.body.approval.status).toBe('denied');
    expect((await outcome(held.body.requestId)).status).toBe('denied');
    expect(await statusOf(2)).toBe('open');
  });

  it('refuses self-approval, approval by the person the agent acts for, and non-reviewers', async () => {
    const delegated = token('dana', ['agents', 'reviewers'], 'agent-9');
    const held = await call('POST', `/v1/connections/${CONNECTION}/sql`, delegated, {
      sql: "UPDATE orders SET status = 'x' WHERE id = 3",
    });
    expect(held.status).toBe(202);
    // The agent itself, in reviewers too, with its own token (no delegation).
    const self = await decide(held.body.approvalId, 'approve', token('agent-9', ['reviewers']));
    expect([self.status, self.body.error.code]).toEqual([403, 'self_approval']);
    // The person it acts for.
    const person = await decide(held.body.approvalId, 'approve', token('dana', ['reviewers']));
    expect([person.status, person.body.error.code]).toEqual([403, 'self_approval']);
    const outsider = await decide(held.body.approvalId, 'approve', token('otto', ['analysts']));
    expect([outsider.status, outsider.body.error.code]).toEqual([403, 'not_a_reviewer']);
    // A delegated token decides nothing.
    const viaAgent = await decide(held.body.approvalId, 'approve', token('rita', ['reviewers'], 'bot-1'));
    expect([viaAgent.status, viaAgent.body.error.code]).toEqual([403, 'not_a_reviewer']);
    expect(await statusOf(3)).toBe('open');
  });

  it('another agent reading the request gets 404; so does a reviewer not in the group', async () => {
    const held = await write("UPDATE orders SET status = 'y' WHERE id = 4");
    const other = await call('GET', `/v1/requests/${held.body.requestId}`, token('agent-8', ['agents']));
    expect([other.status, other.body.error.code]).toEqual([404, 'request_not_found']);
    const stranger = await call('GET', `/v1/approvals/${held.body.approvalId}`, token('otto', ['analysts']));
    expect([stranger.status, stranger.body.error.code]).toEqual([404, 'approval_not_found']);
    const auditor = await call('GET', `/v1/requests/${held.body.requestId}`, token('ann', ['auditors']));
    expect(auditor.status).toBe(200);
  });

  it('rolls back a write that changes more rows than approved (the planner underestimated)', async () => {
    // Statistics say region 'us' has 45 rows of 50; after this they are stale: all 50 are 'us'.
    await queryAsAdmin(db, "UPDATE orders SET region = 'us' WHERE region = 'eu'");
    await queryAsAdmin(db, "INSERT INTO orders SELECT g, 'open', 'us' FROM generate_series(51, 200) g");
    const held = await write("UPDATE orders SET status = 'archived' WHERE region = 'us' AND id > 5");
    const approval = await previewed(held.body.approvalId);
    expect(approval.preview.estimatedRows).toBeLessThan(100);
    expect(approval.maxAffectedRows).toBeLessThan(190);
    await decide(held.body.approvalId, 'approve', REVIEWER());
    const failed = await outcome(held.body.requestId);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'blast_radius_exceeded' } });
    expect(failed.error.affectedRows).toBeGreaterThan(failed.error.maxAffectedRows);
    expect(
      (await queryAsAdmin(db, "SELECT count(*)::int AS n FROM orders WHERE status = 'archived'"))[0]?.n,
    ).toBe(0);
  });

  it('a policy tightened between approval and execution blocks it', async () => {
    const held = await write("UPDATE orders SET status = 'late' WHERE id = 6");
    const policyDir = join(dataDir, 'policies');
    writeFileSync(
      join(policyDir, 'freeze.cedar'),
      '@id("change-freeze")\n@reason("A change freeze is on.")\nforbid (principal, action == Tollgate::Action::"sql:write", resource);\n',
    );
    try {
      // The folder is the fallback policy source: push it so the gateway's provider takes it.
      await pushPolicies(policyDir);
      await decide(held.body.approvalId, 'approve', REVIEWER());
      const blocked = await outcome(held.body.requestId);
      expect(blocked).toMatchObject({ status: 'failed', error: { code: 'blocked', rule: 'change-freeze' } });
      expect(await statusOf(6)).toBe('open');
    } finally {
      rmSync(join(policyDir, 'freeze.cedar'));
      await pushPolicies(policyDir);
    }
  });

  it('keeps the task token out of every answer and log line', () => {
    const tokens = logs.join('\n').match(/local-[0-9a-f-]{36}/g) ?? [];
    expect(tokens).toEqual([]);
    expect(answers.join('\n')).not.toMatch(/local-[0-9a-f-]{36}/);
    expect(answers.join('\n')).not.toMatch(/taskToken/i);
  });
});
