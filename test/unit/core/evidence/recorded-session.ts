// Real recordings for the evidence tests: requests sent through the real pipeline (ADMIT, RUN,
// hold, review, the approval tasks) with in-memory adapters, so the timeline reads the shapes the
// gateway records, not hand-written ones.
import { decideApproval } from '../../../../lambdas/core/approval/review.js';
import { runApprovalTask } from '../../../../lambdas/core/approval/tasks.js';
import type { SqlConnection } from '../../../../lambdas/core/config/connection.js';
import { TargetRejectedError, TollgateError } from '../../../../lambdas/core/errors.js';
import type { PipelineDeps } from '../../../../lambdas/core/pipeline/admit.js';
import { serve } from '../../../../lambdas/core/pipeline/serve.js';
import type { SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { coreDeps, demoConnection, fakeIdentity } from '../../../support/core-fixtures.js';
import { inMemoryApprovals } from '../../../support/in-memory-approvals.js';

export const SESSION_ID = 'sess-evidence-0001';
export const START = '2026-11-26T09:00:00.000Z';

/** Agent-written text an attacker could aim at a terminal or a browser. */
export const HOSTILE_SQL =
  'SELECT \'</script><script>alert(1)</script><img src=x onerror=alert(2)>" onmouseover="alert(3)\x1b[2J\u202egnp.exe\' AS x FROM customers WHERE id = 1';
export const HOSTILE_JUSTIFICATION = 'ticket 42 \x1b[31mURGENT\x1b[0m \u202eevil\u202c <b>now</b>';

const classified: SqlConnection = {
  ...demoConnection,
  classification: { 'customers.email': 'EMAIL_ADDRESS' },
  limits: { ...demoConnection.limits, rowLimit: 100 },
};

/** A session of ten requests covering every path a request takes; returns its events in order. */
export const recordSession = async (): Promise<SessionEvent[]> => {
  const core = await coreDeps({ connections: [classified] });
  core.target.relations.set('public.customers', {
    schema: 'public',
    name: 'customers',
    kind: 'table',
    columns: ['id', 'email', 'note'],
    dependsOn: [],
    ancestors: [],
  });
  const held = inMemoryApprovals();
  let now = new Date(START);
  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  // The agent acts for a person (RFC 8693 delegation); reviewers act for nobody.
  const identity: PipelineDeps['identity'] = {
    verify: async (token) => {
      const p = await fakeIdentity.verify(token);
      return p.sub === 'agent' ? { ...p, actsFor: 'alice@example.com' } : p;
    },
  };
  const deps: PipelineDeps = {
    ...core.deps,
    identity,
    clock: { now: () => now },
    approvals: held.approvals,
  };
  let n = 0;
  const send = async (sql: string, justification?: string, connectionName = 'demo') => {
    n += 1;
    try {
      return await serve(deps, {
        requestId: `req-${String(n).padStart(2, '0')}`,
        token: 'token.agent.agents',
        sessionId: SESSION_ID,
        connectionName,
        request: { ok: true, value: { kind: 'sql', sql, params: sql.includes('$1') ? [1] : [] } },
        ...(justification === undefined ? {} : { justification }),
      });
    } catch (error) {
      if (error instanceof TollgateError) return { status: error.code };
      throw error;
    }
  };
  const approvalOf = async (answer: unknown) => (answer as { approvalId: string }).approvalId;
  const decide = (approvalId: string, reviewer: string, verdict: 'approve' | 'deny', reason: string) =>
    decideApproval(deps, held.approvals, {
      token: `token.${reviewer}.reviewers`,
      approvalId,
      verdict,
      reason,
    });
  const task = (t: Parameters<typeof runApprovalTask>[2]) => runApprovalTask(deps, held.approvals, t);

  // 1. A read, masked: email by lineage, a card number in free text by the detectors.
  core.target.result = {
    columns: [
      { name: 'id', type: 'int4' },
      { name: 'email', type: 'text' },
      { name: 'note', type: 'text' },
    ],
    rows: [
      [1, 'ann@example.com', 'paid with 4111 1111 1111 1111'],
      [2, 'bob@example.com', 'card 5555 5555 5555 4444 on file'],
    ],
    rowCount: 2,
    truncated: false,
  };
  await send('SELECT id, email, note FROM customers WHERE id = $1');
  advance(60);
  // 2. Blocked by policy: a DELETE without WHERE.
  await send('DELETE FROM customers');
  advance(60);
  // 3. Blocked by analysis: SQL that does not parse.
  await send('SELEC * FRM customers');
  advance(60);
  // 4. Held, approved by rita after 5 minutes, executed.
  core.target.result = { columns: [], rows: [], rowCount: 1, truncated: false, affectedRows: 1 };
  const approved = await approvalOf(
    await send("UPDATE customers SET email = 'new@example.org' WHERE id = 1", 'customer asked by phone'),
  );
  await task({ task: 'notify', approvalId: approved, taskToken: 'tok-1' });
  advance(300);
  await decide(approved, 'rita', 'approve', 'matches ticket 42');
  advance(5);
  await task({ task: 'execute', approvalId: approved });
  advance(60);
  // 5. Held, denied by rob after 2 minutes; the agent's justification is hostile text.
  const denied = await approvalOf(
    await send('UPDATE customers SET note = NULL WHERE id = 2', HOSTILE_JUSTIFICATION),
  );
  advance(120);
  await decide(denied, 'rob', 'deny', 'no ticket \x1b]8;;http://evil.example\x07link\x1b]8;;\x07');
  advance(60);
  // 6. Held and never decided: it expires.
  const expired = await approvalOf(await send('UPDATE customers SET note = $1 WHERE id = 3'));
  advance(3600);
  await task({ task: 'expire', approvalId: expired });
  advance(60);
  // 7. The target refuses a read (SQLSTATE recorded, the server's text not).
  core.target.failWith = new TargetRejectedError({
    sqlState: '22012',
    condition: 'division_by_zero',
    fault: 'caller',
    serverMessage: 'division by zero',
    messageMayHoldData: false,
  });
  await send('SELECT 1 / 0 AS x FROM customers WHERE id = 1');
  core.target.failWith = undefined;
  advance(60);
  // 8. Hostile SQL text (analysis refuses it; it is recorded all the same).
  await send(HOSTILE_SQL);
  advance(60);
  // 9. Refused before a decision: no such connection.
  await send('SELECT 1', undefined, 'no-such-db');
  advance(60);
  // 10. A write whose approval is still pending when the recording ends.
  await send('UPDATE customers SET note = $1 WHERE id = 4');

  return [...(core.sessions.events.get(SESSION_ID) ?? [])];
};

let cached: Promise<SessionEvent[]> | undefined;
/** The recorded session, produced once per test file. */
export const recordedSession = (): Promise<SessionEvent[]> => {
  cached ??= recordSession();
  return cached;
};
