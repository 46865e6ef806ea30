// The approval loop in the core, with in-memory adapters: holding, the rules of a decision, the
// workflow's tasks (at most once, expiry, interruption, a changed request), the requester's read.
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { SfnApprovalWorkflow } from '../../../../lambdas/adapters/aws/sfn-approval-workflow.js';
import { ReviewError } from '../../../../lambdas/core/approval/approval.js';
import {
  decideApproval,
  getApproval,
  getRequest,
  listApprovals,
} from '../../../../lambdas/core/approval/review.js';
import { runApprovalTask } from '../../../../lambdas/core/approval/tasks.js';
import { TargetError, TollgateError } from '../../../../lambdas/core/errors.js';
import type { PipelineDeps } from '../../../../lambdas/core/pipeline/admit.js';
import { serve } from '../../../../lambdas/core/pipeline/serve.js';
import { coreDeps, demoConnection } from '../../../support/core-fixtures.js';
import { inMemoryApprovals } from '../../../support/in-memory-approvals.js';

const WRITE = "UPDATE customers SET email = 'x@example.org' WHERE id = 1";

const setUp = async () => {
  const core = await coreDeps();
  const held = inMemoryApprovals();
  let now = new Date('2026-12-04T10:00:00.000Z');
  const deps: PipelineDeps = { ...core.deps, clock: { now: () => now }, approvals: held.approvals };
  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  const send = (sql = WRITE, extra: { justification?: string; token?: string } = {}) =>
    serve(deps, {
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      token: extra.token ?? 'token.agent.agents',
      sessionId: undefined,
      connectionName: 'demo',
      request: { ok: true, value: { kind: 'sql', sql, params: [] } },
      ...(extra.justification === undefined ? {} : { justification: extra.justification }),
    });
  const hold = async (sql = WRITE) => {
    const answer = (await send(sql)) as { status: string; approvalId: string; requestId: string };
    expect(answer.status).toBe('pending_approval');
    return answer;
  };
  const decide = (approvalId: string, token: string, verdict: 'approve' | 'deny' = 'approve') =>
    decideApproval(deps, held.approvals, { token, approvalId, verdict, reason: 'looks right' });
  const task = (t: Parameters<typeof runApprovalTask>[2]) => runApprovalTask(deps, held.approvals, t);
  const recorded = async (sessionId: string) =>
    (await core.sessions.listEvents(sessionId, 0, 100)).map((e) => e.type);
  return { ...core, ...held, deps, advance, send, hold, decide, task, recorded };
};

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error instanceof TollgateError ? error.code : String(error);
  }
  return 'resolved';
};

describe('holding a request', () => {
  it('stores a sealed request and a masked view, records the hold, starts the workflow, answers 202', async () => {
    const t = await setUp();
    const answer = await t.hold();
    const record = (await t.store.get(answer.approvalId))!;
    expect(record).toMatchObject({
      status: 'pending_approval',
      groups: ['reviewers'],
      quorum: 1,
      revision: 1,
      maxAffectedRows: 10,
      expiresAt: '2026-12-04T11:00:00.000Z',
    });
    expect(record.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.request.sql).not.toContain('x@example.org');
    expect(t.store.sealed.get(answer.approvalId)).not.toContain('x@example.org');
    expect(t.workflow.started).toEqual([{ approvalId: answer.approvalId, ttlSeconds: 3600 }]);
    expect(t.target.calls).toEqual([]);
    expect(await t.recorded(record.sessionId)).toEqual([
      'request.received',
      'request.decided',
      'approval.requested',
    ]);
  });

  it('refuses with 503 approval_unavailable, recorded, when the workflow cannot start; nothing is left pending', async () => {
    const t = await setUp();
    t.workflow.failStart = true;
    const error = await t.send().catch((e: TollgateError) => e);
    expect((error as TollgateError).code).toBe('approval_unavailable');
    const [record] = [...t.store.records.values()];
    expect(record?.status).toBe('failed');
    expect(t.store.sealed.size).toBe(0);
    expect(await t.recorded((error as TollgateError).sessionId!)).toEqual([
      'request.received',
      'request.decided',
      'approval.requested',
      'request.failed',
    ]);
  });

  it('fails closed when Step Functions refuses the start (aws-sdk-client-mock): 503, recorded, not held', async () => {
    const t = await setUp();
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).rejects(new Error('ThrottlingException'));
    try {
      const workflow = new SfnApprovalWorkflow({
        client: new SFNClient({ region: 'eu-west-1' }),
        stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:tollgate-approvals',
      });
      const deps = { ...t.deps, approvals: { ...t.approvals, workflow } };
      const error = (await serve(deps, {
        requestId: 'req-sfn-down',
        token: 'token.agent.agents',
        sessionId: undefined,
        connectionName: 'demo',
        request: { ok: true, value: { kind: 'sql', sql: WRITE, params: [] } },
      }).catch((e: unknown) => e)) as TollgateError;
      expect(error.code).toBe('approval_unavailable');
      expect([...t.store.records.values()].map((r) => r.status)).toEqual(['failed']);
      expect((await t.recorded(error.sessionId!)).at(-1)).toBe('request.failed');
    } finally {
      sfn.restore();
    }
  });

  it('shows reviewers the parameters, with detected values masked', async () => {
    const t = await setUp();
    const answer = (await serve(t.deps, {
      requestId: 'req-params',
      token: 'token.agent.agents',
      sessionId: undefined,
      connectionName: 'demo',
      request: {
        ok: true,
        value: {
          kind: 'sql',
          sql: 'UPDATE customers SET email = $1, notes = $3 WHERE id = $2',
          params: ['bob@example.com', 7, 4111111111111111],
        },
      },
    })) as { approvalId: string };
    expect((await t.store.get(answer.approvalId))!.request.params).toEqual([
      '[EMAIL_ADDRESS]',
      7,
      '[CREDIT_CARD]',
    ]);
  });

  it('answers 404, not a store error, for ids the gateway never issues', async () => {
    const t = await setUp();
    const long = 'x'.repeat(3000);
    expect(
      await codeOf(getApproval(t.deps, t.approvals, { token: 'token.rita.reviewers', approvalId: long })),
    ).toBe('approval_not_found');
    expect(await codeOf(t.decide(long, 'token.rita.reviewers'))).toBe('approval_not_found');
    expect(
      await codeOf(
        getRequest(t.deps, t.approvals, {
          token: 'token.agent.agents',
          requestId: '../x',
          waitSeconds: undefined,
        }),
      ),
    ).toBe('request_not_found');
  });

  it('masks detected values in the justification', async () => {
    const t = await setUp();
    const answer = (await t.send(WRITE, { justification: 'customer 078-05-1120 asked' })) as {
      approvalId: string;
    };
    expect((await t.store.get(answer.approvalId))!.justification).toBe('customer [US_SSN] asked');
  });
});

describe('deciding', () => {
  it('lists and shows it to reviewers and auditors only', async () => {
    const t = await setUp();
    const { approvalId } = await t.hold();
    const listed = (token: string) => listApprovals(t.deps, t.approvals, { token, status: 'pending' });
    expect((await listed('token.rita.reviewers')).approvals).toHaveLength(1);
    expect((await listed('token.ann.auditors')).approvals).toHaveLength(1);
    expect((await listed('token.otto.analysts')).approvals).toHaveLength(0);
    expect(await codeOf(getApproval(t.deps, t.approvals, { token: 'token.otto.analysts', approvalId }))).toBe(
      'approval_not_found',
    );
    expect(
      await codeOf(listApprovals(t.deps, t.approvals, { token: 'token.rita.reviewers', status: 'nope' })),
    ).toBe('bad_request');
  });

  it('refuses the requester, non-reviewers, a second decision and an expired approval, each with its code', async () => {
    const t = await setUp();
    const { approvalId } = await t.hold();
    expect(await codeOf(t.decide(approvalId, 'token.agent.agents~reviewers'))).toBe('self_approval');
    expect(await codeOf(t.decide(approvalId, 'token.otto.analysts'))).toBe('not_a_reviewer');
    expect(await codeOf(t.decide(approvalId, 'token.ann.auditors'))).toBe('not_a_reviewer');
    expect(await codeOf(t.decide('no-such-id', 'token.rita.reviewers'))).toBe('approval_not_found');
    expect(
      await codeOf(
        decideApproval(t.deps, t.approvals, {
          token: 'token.rita.reviewers',
          approvalId,
          verdict: 'approve',
          reason: ' ',
        }),
      ),
    ).toBe('bad_request');
    await t.decide(approvalId, 'token.rita.reviewers');
    expect(await codeOf(t.decide(approvalId, 'token.rob.reviewers'))).toBe('approval_conflict');

    const late = await t.hold();
    t.advance(3600);
    expect(await codeOf(t.decide(late.approvalId, 'token.rita.reviewers'))).toBe('approval_expired');
  });

  it('counts a quorum of distinct reviewers, also when they decide at the same moment', async () => {
    const t = await setUp();
    const { approvalId } = await t.hold();
    // Quorum 2 for this one (as `@approvalQuorum("2")` would set it).
    const record = (await t.store.get(approvalId))!;
    t.store.records.set(approvalId, { ...record, quorum: 2 });
    t.store.tokens.set(approvalId, 'token-1');
    const [a, b] = await Promise.all([
      t.decide(approvalId, 'token.rita.reviewers'),
      t.decide(approvalId, 'token.rob.reviewers'),
    ]);
    const statuses = [a.approval.status, b.approval.status].sort();
    expect(statuses).toEqual(['approved', 'pending_approval']);
    expect((await t.store.get(approvalId))!.decisions.map((d) => d.reviewer.sub).sort()).toEqual([
      'rita',
      'rob',
    ]);
    expect(t.workflow.sent).toEqual([{ token: 'token-1', decision: 'approved' }]);
    expect(t.events.map((e) => e.type)).toEqual(['approval.approved']);
  });

  it('keeps a decision when its event cannot be published (best effort, logged)', async () => {
    const t = await setUp();
    const { approvalId } = await t.hold();
    const failing = {
      ...t.approvals,
      events: { publish: async () => Promise.reject(new Error('PutEvents failed')) },
    };
    const decided = await decideApproval(t.deps, failing, {
      token: 'token.rita.reviewers',
      approvalId,
      verdict: 'deny',
      reason: 'no',
    });
    expect(decided.approval.status).toBe('denied');
    expect(t.logged).toContain('approval event not published');
  });

  it('answers 503 when the workflow cannot be resumed, the decision kept and recorded', async () => {
    const t = await setUp();
    const { approvalId } = await t.hold();
    t.store.tokens.set(approvalId, 'tok');
    t.workflow.approved = async () => Promise.reject(new Error('TaskTimedOut'));
    expect(await codeOf(t.decide(approvalId, 'token.rita.reviewers'))).toBe('approval_unavailable');
    const record = (await t.store.get(approvalId))!;
    expect(record.status).toBe('approved');
    expect((await t.recorded(record.sessionId)).at(-1)).toBe('approval.decided');
    expect(t.target.calls).toEqual([]);
  });

  it('sends the decision once when a reviewer and the waiting task race to resume the workflow', async () => {
    for (let round = 0; round < 20; round++) {
      const t = await setUp();
      const { approvalId } = await t.hold();
      await Promise.all([
        t.decide(approvalId, 'token.rita.reviewers'),
        t.task({ task: 'notify', approvalId, taskToken: 'tok' }),
      ]);
      expect(t.workflow.sent).toEqual([{ token: 'tok', decision: 'approved' }]);
    }
  });

  it('takes a decision back when it cannot be recorded: it never counts unrecorded', async () => {
    const t = await setUp();
    const { approvalId } = await t.hold();
    const record = (await t.store.get(approvalId))!;
    t.store.records.set(approvalId, { ...record, quorum: 2 });
    const failing = {
      ...t.deps,
      recorder: {
        append: async () => Promise.reject(new Error('DynamoDB down')),
      } as unknown as PipelineDeps['recorder'],
    };
    const error = await decideApproval(failing, t.approvals, {
      token: 'token.rita.reviewers',
      approvalId,
      verdict: 'approve',
      reason: 'ok',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((await t.store.get(approvalId))!.decisions).toEqual([]);
    await t.decide(approvalId, 'token.rob.reviewers');
    expect((await t.store.get(approvalId))!.status).toBe('pending_approval');
  });

  it('counts no approval whose recording is still pending or failed, whoever else decides meanwhile', async () => {
    const t = await setUp();
    const { approvalId } = await t.hold();
    const record = (await t.store.get(approvalId))!;
    t.store.records.set(approvalId, { ...record, quorum: 2 });
    t.store.tokens.set(approvalId, 'tok');
    // Rita's recording hangs, then fails; Rob decides in between.
    let fail!: (e: Error) => void;
    const hanging = new Promise<never>((_, reject) => {
      fail = reject;
    });
    const slow = {
      ...t.deps,
      recorder: { append: () => hanging } as unknown as PipelineDeps['recorder'],
    };
    const rita = decideApproval(slow, t.approvals, {
      token: 'token.rita.reviewers',
      approvalId,
      verdict: 'approve',
      reason: 'ok',
    }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));
    const rob = await t.decide(approvalId, 'token.rob.reviewers');
    expect(rob.approval).toMatchObject({ status: 'pending_approval', approvals: 1 });
    fail(new Error('DynamoDB down'));
    await rita;
    const after = (await t.store.get(approvalId))!;
    expect(after.status).toBe('pending_approval');
    expect(after.decisions.map((d) => d.reviewer.sub)).toEqual(['rob']);
    expect(t.workflow.sent).toEqual([]);
  });

  it('records each decision in the request’s session before resuming the workflow', async () => {
    const t = await setUp();
    const { approvalId } = await t.hold();
    await t.decide(approvalId, 'token.rita.reviewers', 'deny');
    const record = (await t.store.get(approvalId))!;
    expect(record.status).toBe('denied');
    expect((await t.recorded(record.sessionId)).at(-1)).toBe('approval.decided');
    // No token stored yet: the notification task resumes the workflow when it stores it.
    expect(t.workflow.sent).toEqual([]);
    await t.task({ task: 'notify', approvalId, taskToken: 'late-token' });
    expect(t.workflow.sent).toEqual([{ token: 'late-token', decision: 'denied' }]);
  });
});

describe('running the approved request', () => {
  const approved = async () => {
    const t = await setUp();
    const held = await t.hold();
    await t.task({ task: 'notify', approvalId: held.approvalId, taskToken: 'tok' });
    await t.decide(held.approvalId, 'token.rita.reviewers');
    return { t, ...held };
  };

  it('runs once: a duplicate execution task finds it taken', async () => {
    const { t, approvalId, requestId } = await approved();
    const results = await Promise.allSettled([
      t.task({ task: 'execute', approvalId }),
      t.task({ task: 'execute', approvalId }),
    ]);
    expect(t.target.calls.filter((c) => c.mode === 'write')).toHaveLength(1);
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value.status : (r.reason as Error).name)).sort(),
    ).toEqual(['executed', 'executing']);
    const view = await getRequest(t.deps, t.approvals, {
      token: 'token.agent.agents',
      requestId,
      waitSeconds: undefined,
    });
    expect(view).toMatchObject({ status: 'executed', result: { rowCount: 2 } });
    // A retry after it ended runs nothing either.
    expect((await t.task({ task: 'execute', approvalId })).status).toBe('executed');
    expect(t.target.calls.filter((c) => c.mode === 'write')).toHaveLength(1);
    expect(t.store.sealed.has(approvalId)).toBe(false);
    expect(t.target.calls[0]).toMatchObject({ mode: 'write', maxAffectedRows: 10, writes: [true] });
  });

  it('never runs an expired approval, nor one still pending', async () => {
    const t = await setUp();
    const { approvalId } = await t.hold();
    expect((await t.task({ task: 'execute', approvalId })).status).toBe('pending_approval');
    await t.task({ task: 'expire', approvalId });
    expect((await t.task({ task: 'execute', approvalId })).status).toBe('expired');
    expect(t.target.calls).toEqual([]);
    expect(t.events.map((e) => e.type)).toContain('approval.expired');
  });

  it('ends outcome_unknown when the commit is not confirmed, and when the execution was interrupted', async () => {
    const first = await approved();
    first.t.target.failWith = new TargetError('The target did not confirm the commit.', {
      details: { outcome: 'unknown' },
    });
    expect((await first.t.task({ task: 'execute', approvalId: first.approvalId })).status).toBe(
      'outcome_unknown',
    );

    const second = await approved();
    const record = (await second.t.store.get(second.approvalId))!;
    second.t.store.records.set(second.approvalId, {
      ...record,
      status: 'executing',
      revision: record.revision + 1,
    });
    // A retried task finds it held and runs nothing; the workflow's RecordFailed (the first
    // execution's function died) ends it unknown, and it stays so.
    expect((await second.t.task({ task: 'execute', approvalId: second.approvalId })).status).toBe(
      'executing',
    );
    expect(
      (await second.t.task({ task: 'fail', approvalId: second.approvalId, error: 'Lambda.Unknown' })).status,
    ).toBe('outcome_unknown');
    expect((await second.t.task({ task: 'execute', approvalId: second.approvalId })).status).toBe(
      'outcome_unknown',
    );
    expect(second.t.target.calls.filter((c) => c.mode === 'write')).toEqual([]);
  });

  it('refuses to run a request that is not the one approved', async () => {
    const { t, approvalId } = await approved();
    const record = (await t.store.get(approvalId))!;
    const other = await t.approvals.sealer.seal(
      JSON.stringify({
        connection: 'demo',
        kind: 'sql',
        sql: 'UPDATE customers SET email = null WHERE id > 0',
        params: [],
        facts: {},
      }),
      { approvalId, requestId: record.requestId },
    );
    t.store.sealed.set(approvalId, other);
    expect((await t.task({ task: 'execute', approvalId })).status).toBe('failed');
    expect((await t.store.get(approvalId))!.outcome).toMatchObject({
      code: 'blocked',
      details: { rule: 'approved-request-changed' },
    });
    expect(t.target.calls.filter((c) => c.mode === 'write')).toEqual([]);
  });

  it.each([
    ['another target', { target: { url: 'postgres://elsewhere@db.other:5432/app' } }],
    ['a write credential added', { writeTarget: { url: 'postgres://writer@db.other:5432/app' } }],
    ['a column classified', { classification: { 'customers.email': 'EMAIL_ADDRESS' } }],
    ['other limits', { limits: { ...demoConnection.limits, statementTimeoutMs: 60_000 } }],
    ['another environment', { environment: 'production' }],
  ])('refuses to run when the connection changed after the approval: %s', async (_change, change) => {
    const { t, approvalId } = await approved();
    const moved = { ...demoConnection, ...change } as typeof demoConnection;
    const deps = { ...t.deps, connections: { get: async () => moved, list: async () => [moved] } };
    expect((await runApprovalTask(deps, t.approvals, { task: 'execute', approvalId })).status).toBe('failed');
    expect((await t.store.get(approvalId))!.outcome).toMatchObject({
      details: { rule: 'approved-request-changed' },
    });
    expect(t.target.calls.filter((c) => c.mode === 'write')).toEqual([]);
  });

  it('shows reviewers the outcome’s code, not a target’s message (it can quote a parameter)', async () => {
    const { t, approvalId } = await approved();
    t.target.failWith = new TargetError('invalid input syntax for type integer: "078-05-1120"');
    await t.task({ task: 'execute', approvalId });
    const { approval } = await getApproval(t.deps, t.approvals, {
      token: 'token.rita.reviewers',
      approvalId,
    });
    expect(approval.outcome).toMatchObject({ code: 'target_error' });
    expect(JSON.stringify(approval)).not.toContain('078-05-1120');
  });

  it('answers another agent 404, and long-polls until the status changes', async () => {
    const { t, requestId } = await approved();
    expect(
      await codeOf(
        getRequest(t.deps, t.approvals, { token: 'token.other.agents', requestId, waitSeconds: undefined }),
      ),
    ).toBe('request_not_found');
    expect(
      await codeOf(
        getRequest(t.deps, t.approvals, { token: 'token.agent.agents', requestId, waitSeconds: '26' }),
      ),
    ).toBe('bad_request');
    let pauses = 0;
    const polled = getRequest(
      { ...t.deps },
      {
        ...t.approvals,
        pause: async (ms) => {
          pauses++;
          t.advance(ms / 1000);
          if (pauses === 3)
            await t.task({ task: 'execute', approvalId: (await t.store.byRequest(requestId))!.approvalId });
        },
      },
      { token: 'token.agent.agents', requestId, waitSeconds: '25' },
    );
    expect((await polled).status).toBe('executed');
    expect(pauses).toBe(3);
  });
});

it('review() refuses a token that acts for someone', async () => {
  const t = await setUp();
  const { approvalId } = await t.hold();
  const record = (await t.store.get(approvalId))!;
  const { review } = await import('../../../../lambdas/core/approval/approval.js');
  expect(() =>
    review(
      record,
      {
        sub: 'rita',
        issuer: 'https://issuer.test',
        groups: ['reviewers'],
        tokenId: undefined,
        actsFor: 'dana',
      },
      'approve',
      'ok',
      new Date('2026-12-04T10:00:00.000Z'),
    ),
  ).toThrow(ReviewError);
});
