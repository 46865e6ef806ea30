// The session timeline: chain verified (first break, de-duplication), and one entry per request
// read from a real recording (the pipeline with in-memory adapters) and from hand-built events.
import { sessionSummary, sessionTimeline } from '../../../../lambdas/core/evidence/timeline.js';
import type { JsonValue } from '../../../../lambdas/core/recording/canonical-json.js';
import { type EventDraft, GENESIS, type SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { chainEvent, hashEvent } from '../../../../lambdas/core/recording/hash-chain.js';
import { HOSTILE_JUSTIFICATION, HOSTILE_SQL, recordedSession, SESSION_ID } from './recorded-session.js';

/** Hand-built events chained as the recorder chains them. */
const chained = (sessionId: string, drafts: ReadonlyArray<Omit<EventDraft, 'at'> & { at?: string }>) => {
  let head = GENESIS;
  return drafts.map((d, i) => {
    const event = chainEvent(sessionId, head, { at: `2026-11-26T12:00:0${i}.000Z`, ...d });
    head = { seq: event.seq, hash: event.hash };
    return event;
  });
};

/** An event edited after the fact, its hash left as it was. */
const edited = (event: SessionEvent, data: { [k: string]: JsonValue }): SessionEvent => ({
  ...event,
  data: { ...event.data, ...data },
});

const requestOf = async (requestId: string) => {
  const timeline = sessionTimeline(SESSION_ID, await recordedSession());
  return timeline.requests.find((r) => r.requestId === requestId)!;
};

describe('the chain', () => {
  it('verifies a recorded session and names its head', async () => {
    const events = await recordedSession();
    const { chain } = sessionTimeline(SESSION_ID, events);
    expect(chain).toEqual({
      ok: true,
      events: events.length,
      duplicatesDropped: 0,
      head: { seq: events.at(-1)!.seq, hash: events.at(-1)!.hash },
    });
  });

  it('reads events in any order and keeps identical copies of one seq once', async () => {
    const events = await recordedSession();
    const shuffled = [...events.slice(10), ...events.slice(0, 10), events[3]!, events[20]!];
    const timeline = sessionTimeline(SESSION_ID, shuffled);
    expect(timeline.chain).toMatchObject({ ok: true, events: events.length, duplicatesDropped: 2 });
    expect(timeline.requests).toEqual(sessionTimeline(SESSION_ID, events).requests);
  });

  it('reports an edited event as the first break, and marks it and every later event unverified', async () => {
    const events = await recordedSession();
    const tampered = events.map((e) => (e.seq === 5 ? edited(e, { rule: 'agents-may-read' }) : e));
    const timeline = sessionTimeline(SESSION_ID, tampered);
    expect(timeline.chain).toMatchObject({ ok: false, seq: 5, problem: 'hash does not match content' });
    const refs = timeline.requests.flatMap((r) => r.events);
    expect(refs.filter((e) => !e.verified).map((e) => e.seq)).toEqual(
      events.filter((e) => e.seq >= 5).map((e) => e.seq),
    );
    // Still shown: an auditor sees what the recording says, flagged.
    expect(timeline.requests[1]!.decision?.rule).toBe('agents-may-read');
  });

  it('reports a removed event where the gap is', async () => {
    const events = await recordedSession();
    const { chain } = sessionTimeline(
      SESSION_ID,
      events.filter((e) => e.seq !== 7),
    );
    expect(chain).toMatchObject({ ok: false, seq: 8, problem: 'expected seq 7' });
  });

  it('reports an event re-hashed after an edit by the next event’s prevHash', async () => {
    const events = await recordedSession();
    const rehashed = events.map((e) => {
      if (e.seq !== 3) return e;
      const { hash: _old, ...rest } = edited(e, { rowCount: 0 });
      return { ...rest, hash: hashEvent(rest) };
    });
    expect(sessionTimeline(SESSION_ID, rehashed).chain).toMatchObject({
      ok: false,
      seq: 4,
      problem: 'prevHash does not match',
    });
  });

  it('reports two different events with one seq, even when the first copy verifies', async () => {
    const events = await recordedSession();
    const twin = edited(events[1]!, { outcome: 'block' });
    expect(sessionTimeline(SESSION_ID, [...events, twin]).chain).toMatchObject({
      ok: false,
      seq: 2,
      problem: 'two different events have seq 2',
    });
  });

  it('leaves out events of other sessions (archive objects are shared)', async () => {
    const events = await recordedSession();
    const other = chained('another-session-01', [{ type: 'request.received', requestId: 'x', data: {} }]);
    const timeline = sessionTimeline(SESSION_ID, [...other, ...events]);
    expect(timeline.chain.ok).toBe(true);
    expect(timeline.requests.map((r) => r.requestId)).not.toContain('x');
  });

  it('reports an unreadable event without a seq instead of throwing', async () => {
    const events = await recordedSession();
    const junk = { seq: 'one', hash: 1 } as unknown as SessionEvent;
    expect(sessionTimeline(SESSION_ID, [...events, junk]).chain).toMatchObject({
      ok: false,
      seq: null,
      problem: 'an event has no valid seq',
    });
  });

  it('verifies an empty session as an empty chain', () => {
    expect(sessionTimeline('empty-session-1', [])).toEqual({
      sessionId: 'empty-session-1',
      chain: { ok: true, events: 0, duplicatesDropped: 0, head: GENESIS },
      owner: null,
      principals: [],
      firstAt: null,
      lastAt: null,
      requests: [],
    });
  });
});

describe('the requests of a recorded session', () => {
  it('names the owner, the period, and one entry per request in order, each with where it ended', async () => {
    const timeline = sessionTimeline(SESSION_ID, await recordedSession());
    expect(timeline.owner).toEqual({
      sub: 'agent',
      issuer: 'https://issuer.test',
      groups: ['agents'],
      actsFor: 'alice@example.com',
      tokenId: 'jti-agent',
    });
    expect(timeline.principals).toHaveLength(1);
    expect([timeline.firstAt, timeline.lastAt]).toEqual([
      '2026-11-26T09:00:00.000Z',
      '2026-11-26T10:16:05.000Z',
    ]);
    expect(timeline.requests.map((r) => [r.requestId, r.status])).toEqual([
      ['req-01', 'completed'],
      ['req-02', 'blocked'],
      ['req-03', 'blocked'],
      ['req-04', 'completed'],
      ['req-05', 'rejected'],
      ['req-06', 'expired'],
      ['req-07', 'failed'],
      ['req-08', 'blocked'],
      ['req-09', 'failed'],
      ['req-10', 'pending_approval'],
    ]);
  });

  it('reads an allowed read: masked SQL, digests, the decision, rows and masking per class', async () => {
    const r = await requestOf('req-01');
    expect(r).toMatchObject({
      receivedAt: '2026-11-26T09:00:00.000Z',
      connection: 'demo',
      kind: 'sql',
      text: 'SELECT id, email, note FROM customers WHERE id = $1',
      sqlHmac: expect.stringMatching(/^[0-9a-f]{64}$/),
      paramCount: 1,
      paramsHmac: expect.stringMatching(/^[0-9a-f]{64}$/),
      decision: {
        outcome: 'allow',
        rule: 'agents-may-read',
        reason: 'Permitted by agents-may-read.',
        hint: null,
        policyIds: ['agents-may-read'],
        policyVersion: expect.stringMatching(/^files:/),
        connection: { name: 'demo', kind: 'postgres', environment: 'development' },
        statements: [{ kind: 'select', nodeType: 'SelectStmt', tables: ['customers'], functions: [] }],
        approval: null,
      },
      outcome: {
        kind: 'completed',
        rowCount: 2,
        truncated: false,
        columns: ['id', 'email', 'note'],
        masking: {
          maskedColumns: [{ column: 'email', dataClasses: ['EMAIL_ADDRESS'], reason: 'lineage' }],
          detected: { CREDIT_CARD: 2 },
          unmasked: [],
        },
      },
    });
    expect(r.events.map((e) => e.type)).toEqual(['request.received', 'request.decided', 'request.completed']);
  });

  it('reads a block with its rule, reason and hint, and a refusal of the analysis', async () => {
    expect((await requestOf('req-02')).decision).toMatchObject({
      outcome: 'block',
      rule: 'dml-without-where',
      reason: expect.stringContaining('without a WHERE clause'),
      hint: expect.stringContaining('Add a WHERE clause'),
    });
    expect((await requestOf('req-03')).decision).toMatchObject({
      outcome: 'block',
      rule: 'sql.unparseable',
      policyVersion: 'analysis',
      connection: null,
    });
  });

  it('shows an approval inline: requested, approved by a reviewer, executing, decided again, completed', async () => {
    const r = await requestOf('req-04');
    expect(r.approvals).toEqual([
      {
        approvalId: 'id-00000001',
        requestedSeq: expect.any(Number),
        requestedAt: '2026-11-26T09:03:00.000Z',
        groups: ['reviewers'],
        quorum: 1,
        expiresAt: '2026-11-26T10:03:00.000Z',
        justification: 'customer asked by phone',
        maxAffectedRows: 10,
        fingerprint: expect.stringMatching(/^sha256:/),
        decisions: [
          {
            seq: expect.any(Number),
            at: '2026-11-26T09:08:00.000Z',
            reviewer: { sub: 'rita', issuer: 'https://issuer.test', groups: ['reviewers'] },
            group: 'reviewers',
            verdict: 'approve',
            reason: 'matches ticket 42',
            approvals: 1,
            quorum: 1,
          },
        ],
        verdict: 'approved',
        decidedAt: '2026-11-26T09:08:00.000Z',
        end: null,
      },
    ]);
    expect(r.executing).toMatchObject({
      approvalId: 'id-00000001',
      approvedBy: ['rita'],
      approvedMaxAffectedRows: 10,
    });
    expect(r.decisions.map((d) => d.outcome)).toEqual(['approval_required', 'approval_required']);
    expect(r.outcome).toMatchObject({ kind: 'completed', affectedRows: 1 });
    expect(r.steps.map((s) => s.kind)).toEqual([
      'decision',
      'approval-requested',
      'approval-decided',
      'executing',
      'decision',
      'outcome',
    ]);
  });

  it('shows a denial by a reviewer and an expiry', async () => {
    const denied = await requestOf('req-05');
    expect(denied.approvals[0]).toMatchObject({
      verdict: 'denied',
      decidedAt: '2026-11-26T09:11:05.000Z',
      justification: HOSTILE_JUSTIFICATION,
      decisions: [{ reviewer: { sub: 'rob' }, verdict: 'deny', approvals: 0 }],
    });
    const expired = await requestOf('req-06');
    expect(expired.approvals[0]).toMatchObject({
      verdict: null,
      decidedAt: null,
      decisions: [],
      end: { kind: 'expired', status: 'expired', code: 'approval_expired', at: '2026-11-26T10:12:05.000Z' },
    });
  });

  it('reads failures: the target’s SQLSTATE after a decision, a refusal before any decision', async () => {
    expect((await requestOf('req-07')).outcome).toEqual({
      kind: 'failed',
      seq: expect.any(Number),
      at: '2026-11-26T10:13:05.000Z',
      code: 'statement_rejected',
      message: 'The target rejected the statement: division_by_zero (SQLSTATE 22012).',
      sqlState: '22012',
      condition: 'division_by_zero',
      rule: null,
      durationMs: 0,
    });
    const early = await requestOf('req-09');
    expect(early).toMatchObject({
      status: 'failed',
      connection: 'no-such-db',
      decision: null,
      outcome: { code: 'connection_not_found', sqlState: null },
    });
  });

  it('keeps recorded text as recorded: escaping is the renderers’ job', async () => {
    expect((await requestOf('req-08')).text).toBe(HOSTILE_SQL);
  });

  it('summarises the session for a listing', async () => {
    expect(sessionSummary(sessionTimeline(SESSION_ID, await recordedSession()))).toEqual({
      sessionId: SESSION_ID,
      chainOk: true,
      events: 32,
      firstAt: '2026-11-26T09:00:00.000Z',
      lastAt: '2026-11-26T10:16:05.000Z',
      requests: 10,
      outcomes: { completed: 2, blocked: 3, rejected: 1, expired: 1, failed: 2, pending_approval: 1 },
      connections: ['demo', 'no-such-db'],
      principals: ['agent@https://issuer.test'],
      actsFor: ['alice@example.com'],
    });
  });
});

describe('events the SQL route does not write', () => {
  it('summarises an HTTP request as METHOD path', () => {
    const [received] = chained('http-session-1', [
      {
        type: 'request.received',
        requestId: 'h1',
        data: {
          principal: null,
          connection: 'billing-api',
          kind: 'http',
          method: 'POST',
          path: '/v1/refunds',
        },
      },
    ]);
    const [entry] = sessionTimeline('http-session-1', [received!]).requests;
    expect(entry).toMatchObject({
      kind: 'http',
      text: 'POST /v1/refunds',
      connection: 'billing-api',
      principal: null,
    });
  });

  it('reads configuration pushes of the audit session', () => {
    const events = chained('tollgate:config-audit', [
      {
        type: 'policy.changed',
        requestId: 'p1',
        data: {
          version: 3,
          previousVersion: 2,
          digest: 'd3',
          previousDigest: 'd2',
          actor: { sub: 'ops', issuer: 'https://idp' },
          comment: 'tighten',
        },
      },
      {
        type: 'connections.change-failed',
        requestId: 'c1',
        data: { version: 5, previousVersion: 4, actor: 'tollgate-cli', reason: 'conflict' },
      },
    ]);
    const timeline = sessionTimeline('tollgate:config-audit', events);
    expect(timeline.owner).toBeNull();
    expect(timeline.requests.map((r) => [r.status, r.config])).toEqual([
      [
        'config_changed',
        expect.objectContaining({
          subject: 'policy',
          failed: false,
          version: 3,
          actor: 'ops@https://idp',
          comment: 'tighten',
        }),
      ],
      [
        'config_change_failed',
        expect.objectContaining({
          subject: 'connections',
          failed: true,
          actor: 'tollgate-cli',
          reason: 'conflict',
        }),
      ],
    ]);
  });

  it('shows any other event with its data, and never throws on fields of the wrong shape', () => {
    const events = chained('odd-session-01', [
      { type: 'recording.viewed', requestId: 'v1', data: { viewer: 'ann', sessionId: 'x' } },
      {
        type: 'request.decided',
        requestId: 'r1',
        data: { outcome: 7, policyIds: 'p', statements: [null, 3], connection: 'demo', approval: [] },
      },
    ] as never);
    const timeline = sessionTimeline('odd-session-01', events);
    expect(timeline.requests[0]).toMatchObject({
      status: 'other',
      steps: [{ kind: 'other', data: { viewer: 'ann', sessionId: 'x' } }],
    });
    expect(timeline.requests[1]!.decision).toMatchObject({
      outcome: null,
      policyIds: [],
      statements: [],
      connection: null,
      approval: null,
    });
  });
});
