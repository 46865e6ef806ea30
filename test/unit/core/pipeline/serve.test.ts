import { createHash, createHmac } from 'node:crypto';
import {
  TargetRejectedError,
  TargetTimeoutError,
  type TollgateError,
} from '../../../../lambdas/core/errors.js';
import type { AdmitInput } from '../../../../lambdas/core/pipeline/admit.js';
import { serve } from '../../../../lambdas/core/pipeline/serve.js';
import { verifyChain } from '../../../../lambdas/core/recording/hash-chain.js';
import { postgresAnalyzer } from '../../../../lambdas/core/sql/analyze-postgres.js';
import { parseSqlBody } from '../../../../lambdas/handlers/http/sql-body.js';
import { CORE_DIGEST_KEY, coreDeps, demoConnection } from '../../../support/core-fixtures.js';

type InputOverrides = Partial<Omit<AdmitInput, 'request'>> & { sql?: string; rawBody?: string };

/** The pipeline's input for a request body as an HTTP transport would parse it. */
const input = ({ sql, rawBody, ...overrides }: InputOverrides = {}): AdmitInput => ({
  requestId: 'req-1',
  token: 'token.alice.agents',
  connectionName: 'demo',
  request: parseSqlBody(rawBody ?? JSON.stringify({ sql: sql ?? 'SELECT id FROM customers' })),
  sessionId: undefined,
  ...overrides,
});
const executeSql = serve;

const refusal = async (promise: Promise<unknown>): Promise<TollgateError> => {
  try {
    await promise;
  } catch (error) {
    return error as TollgateError;
  }
  throw new Error('expected a refusal');
};

describe('the request pipeline (serve: admit, then run)', () => {
  it('runs an allowed read and returns rows, truncation and the session', async () => {
    // Prepare
    const { deps, target } = await coreDeps();
    // Act
    const output = await executeSql(deps, input());
    // Assess
    expect(output).toEqual({
      requestId: 'req-1',
      sessionId: 'id-00000001',
      columns: [{ name: 'id', type: 'int4' }],
      rows: [[1], [2]],
      rowCount: 2,
      truncated: true,
      status: 'completed',
      masking: { maskedColumns: [], detected: {}, unmasked: [] },
      decision: {
        rule: 'agents-may-read',
        policyIds: ['agents-may-read'],
        policyVersion: expect.stringMatching(/^files:/),
      },
    });
    expect(target.calls).toEqual([
      {
        mode: 'read',
        statements: ['SELECT id FROM customers'],
        params: [],
        rowLimit: 2,
        timeoutMs: 1000,
        maxResultBytes: 1_000_000,
      },
    ]);
  });

  it('records request, decision and completion as a verifiable chain tied to the principal', async () => {
    const { deps, sessions } = await coreDeps();
    await executeSql(deps, input());
    const events = sessions.all();
    expect(events.map((e) => e.type)).toEqual(['request.received', 'request.decided', 'request.completed']);
    expect(events[0]!.data).toMatchObject({
      principal: { sub: 'alice', issuer: 'https://issuer.test', groups: ['agents'], tokenId: 'jti-alice' },
      connection: 'demo',
      sql: 'SELECT id FROM customers',
    });
    expect(events[1]!.data).toMatchObject({ outcome: 'allow', policyIds: ['agents-may-read'] });
    expect(events[2]!.data).toMatchObject({ rowCount: 2, truncated: true, columns: ['id'] });
    expect(verifyChain(events)).toMatchObject({ ok: true });
  });

  it('records the decision before the target is called', async () => {
    const { deps, sessions, target } = await coreDeps();
    let typesAtExecution: string[] = [];
    const run = target.run.bind(target);
    target.run = async (...args) => {
      typesAtExecution = sessions.all().map((e) => e.type);
      return run(...args);
    };
    await executeSql(deps, input());
    expect(typesAtExecution).toEqual(['request.received', 'request.decided']);
  });

  it('blocks a write with 403 details, records it, and never calls the target', async () => {
    const { deps, sessions, target } = await coreDeps();
    const error = await refusal(executeSql(deps, input({ sql: 'DROP TABLE customers' })));
    expect(error).toMatchObject({
      code: 'blocked',
      message: 'DROP changes the schema, which agents may not do.',
      details: {
        rule: 'ddl-blocked',
        hint: 'Ask an administrator; schema changes go through your migration process.',
        policyIds: ['ddl-blocked'],
      },
    });
    expect(target.calls).toEqual([]);
    expect(sessions.all().map((e) => [e.type, e.data.outcome])).toEqual([
      ['request.received', undefined],
      ['request.decided', 'block'],
    ]);
  });

  describe('judges a read’s functions by the connection’s catalogue (function-allowlist.ts)', () => {
    it.each([
      ['a stable built-in', 'SELECT now(), lower(email) FROM customers'],
      ['a volatile built-in reviewed as harmless', 'SELECT id FROM customers ORDER BY random()'],
    ])('runs %s', async (_what, sql) => {
      const { deps, target } = await coreDeps();
      await expect(executeSql(deps, input({ sql }))).resolves.toMatchObject({ status: 'completed' });
      expect(target.calls).toHaveLength(1);
    });

    it.each([
      ['a volatile built-in', 'SELECT setseed(0.5)', 'setseed'],
      ['a function the server does not have', 'SELECT brand_new(1)', 'brand_new'],
    ])('blocks %s, naming it, and never calls the target', async (_what, sql, name) => {
      const { deps, target, sessions } = await coreDeps();
      const error = await refusal(executeSql(deps, input({ sql })));
      expect(error).toMatchObject({ code: 'blocked', details: { rule: 'unreviewed-functions' } });
      expect(error.message).toContain(`The read calls ${name}:`);
      expect(target.calls).toEqual([]);
      expect(sessions.all().map((e) => [e.type, e.data.outcome])).toEqual([
        ['request.received', undefined],
        ['request.decided', 'block'],
      ]);
    });

    it('blocks user code whatever volatility it declares: function, operator, cast', async () => {
      const { deps, target } = await coreDeps();
      target.userFunctionNames = new Set(['tidy', 'operator:###', 'type:shadow.tracked']);
      target.volatility.set('tidy', 'immutable');
      for (const [sql, names] of [
        ['SELECT tidy(email) FROM customers', 'tidy'],
        ['SELECT 1 ### 2', 'operator:###'],
        ['SELECT id::shadow.tracked, tidy(email) FROM customers', 'tidy and type:shadow.tracked'],
      ] as const) {
        const error = await refusal(executeSql(deps, input({ sql })));
        expect([sql, error.message]).toEqual([sql, expect.stringContaining(`The read calls ${names}:`)]);
      }
      expect(target.calls).toEqual([]);
    });

    it('falls back on the bundled snapshot when the catalogue cannot be read: built-ins still judged', async () => {
      const { deps, target } = await coreDeps();
      target.functionVolatility = async () => {
        throw new Error('catalogue unavailable');
      };
      await expect(
        executeSql(deps, input({ sql: 'SELECT lower(email) FROM customers' })),
      ).resolves.toMatchObject({
        status: 'completed',
      });
      // Without a catalogue no user function is visible, so no volatile one counts as reviewed.
      for (const sql of ['SELECT setseed(0)', 'SELECT random()']) {
        const error = await refusal(executeSql(deps, input({ sql })));
        expect([sql, error.code]).toEqual([sql, 'blocked']);
      }
    });
  });

  it('refuses a reviewed write (503, recorded) where nothing can hold it, and does not run it', async () => {
    const { deps, sessions, target } = await coreDeps();
    const error = await refusal(
      executeSql(deps, input({ sql: "UPDATE orders SET status = 'paid' WHERE id = 3" })),
    );
    expect(error.code).toBe('approval_unavailable');
    expect(target.calls).toEqual([]);
    expect(sessions.all().map((e) => [e.type, e.data.outcome ?? e.data.code ?? null])).toEqual([
      ['request.received', null],
      ['request.decided', 'approval_required'],
      ['request.failed', 'approval_unavailable'],
    ]);
  });

  it('never sends anything but plain reads to the target, even when a policy allows more', async () => {
    const { deps, sessions, target } = await coreDeps();
    const permissive = {
      version: 'open',
      unmaskable: () => new Set<string>(),
      decide: () => ({
        outcome: 'allow' as const,
        rule: 'all',
        reason: '',
        hint: undefined,
        policyIds: ['all'],
        policyVersion: 'open',
      }),
    };
    const allowAll = { ...deps, policies: { current: async () => permissive } };
    const error = await refusal(
      executeSql(allowAll, input({ sql: 'SELECT 1; COMMIT; SELECT nextval($$s$$)' })),
    );
    expect(error).toMatchObject({ code: 'blocked', details: { rule: 'executor-reads-only' } });
    expect(target.calls).toEqual([]);
    expect(sessions.all().map((e) => e.type)).toEqual([
      'request.received',
      'request.decided',
      'request.failed',
    ]);
  });

  it('answers denied when no policy permits, and runs nothing', async () => {
    const connection = { ...demoConnection, allowGroups: ['agents', 'auditors'] };
    const { deps: withAuditors, target } = await coreDeps({ connections: [connection] });
    const error = await refusal(executeSql(withAuditors, input({ token: 'token.ann.auditors' })));
    expect(error).toMatchObject({ code: 'denied', details: { rule: 'default-deny' } });
    expect(target.calls).toEqual([]);
  });

  it('masks the values the parser quotes when SQL does not parse: in the answer and in the recording', async () => {
    const { deps, sessions } = await coreDeps();
    // An unterminated literal: the parser's message quotes the rest of the text, values and all.
    const error = await refusal(
      executeSql(
        deps,
        input({
          sql: "SELECT id FROM customers WHERE email = 'alice.private@example.com AND ssn = 906-94-0318",
        }),
      ),
    );
    expect(error).toMatchObject({ code: 'sql_unparseable' });
    const recorded = JSON.stringify(sessions.all());
    for (const text of [error.message, recorded]) {
      expect(text).not.toContain('alice.private@example.com');
      expect(text).not.toContain('906-94-0318');
    }
  });

  it('refuses unparseable SQL (fail closed) and records why', async () => {
    const { deps, sessions, target } = await coreDeps();
    const error = await refusal(executeSql(deps, input({ sql: 'SELEC 1' })));
    expect(error).toMatchObject({ code: 'sql_unparseable', details: { position: 1 } });
    expect(target.calls).toEqual([]);
    expect(sessions.all()[1]!.data).toMatchObject({ outcome: 'block', rule: 'sql.unparseable' });
  });

  it.each([
    ['{not json', 'invalid_json'],
    ['[]', 'bad_request'],
    ['{"sql": 42}', 'bad_request'],
    ['{"sql": ""}', 'bad_request'],
    ['{"sql": "select 1", "extra": true}', 'bad_request'],
    ['{"sql": "select $1", "params": [{"a": 1}]}', 'bad_request'],
    ['{"sql": "-- only a comment"}', 'bad_request'],
    ['{"sql": "select $1; select 2", "params": [1]}', 'bad_request'],
  ])('refuses the body %s with %s, records it, and runs nothing', async (rawBody, code) => {
    const { deps, sessions, target } = await coreDeps();
    const error = await refusal(executeSql(deps, input({ rawBody })));
    expect(error.code).toBe(code);
    expect(target.calls).toEqual([]);
    expect(sessions.all().at(-1)).toMatchObject({ type: 'request.failed', data: { code } });
  });

  it('records the SQL text with detected values redacted, and the digest of the exact text', async () => {
    const { deps, sessions, target } = await coreDeps();
    const sql = "SELECT id FROM customers WHERE email = 'maria.garcia42@example.com'";
    await executeSql(deps, input({ sql }));
    expect(target.calls[0]!.statements).toEqual([sql]);
    expect(JSON.stringify(sessions.all())).not.toContain('maria.garcia42@example.com');
    expect(sessions.all()[0]!.data).toMatchObject({
      sql: "SELECT id FROM customers WHERE email = '[EMAIL_ADDRESS]'",
      sqlHmac: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('passes params to the target and records their digest, not their values', async () => {
    const { deps, sessions, target } = await coreDeps();
    await executeSql(
      deps,
      input({
        rawBody: JSON.stringify({ sql: 'SELECT * FROM customers WHERE ssn = $1', params: ['900-12-3456'] }),
      }),
    );
    expect(target.calls[0]!.params).toEqual(['900-12-3456']);
    expect(JSON.stringify(sessions.all())).not.toContain('900-12-3456');
    expect(sessions.all()[0]!.data).toMatchObject({
      paramCount: 1,
      paramsHmac: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('keys the digests of the exact text and parameters: a plain hash would give a masked value back', async () => {
    const { deps, sessions } = await coreDeps();
    const sql = "SELECT id FROM customers WHERE ssn = '906-94-0318' AND id = $1";
    await executeSql(deps, input({ rawBody: JSON.stringify({ sql, params: [7] }) }));
    const received = sessions.all()[0]!.data as { sqlHmac: string; paramsHmac: string };
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(received.sqlHmac).not.toBe(sha256(sql));
    expect(received.paramsHmac).not.toBe(sha256('[7]'));
    const keyed = (kind: string, text: string) =>
      createHmac('sha256', CORE_DIGEST_KEY).update(`tollgate request digest\n${kind}\n${text}`).digest('hex');
    expect(received).toMatchObject({ sqlHmac: keyed('sql', sql), paramsHmac: keyed('params', '[7]') });
  });

  it('answers 404 for an unknown connection and records it', async () => {
    const { deps, sessions } = await coreDeps();
    const error = await refusal(executeSql(deps, input({ connectionName: 'nope' })));
    expect(error.code).toBe('connection_not_found');
    expect(sessions.all().at(-1)!.data).toMatchObject({ code: 'connection_not_found' });
  });

  it.each([[undefined], ['garbage']])(
    'refuses a missing or invalid token (%s) before recording anything',
    async (token) => {
      const { deps, sessions } = await coreDeps();
      const error = await refusal(executeSql(deps, input({ token })));
      expect(error.code).toBe('unauthenticated');
      expect(sessions.all()).toEqual([]);
    },
  );

  it('answers members of other groups as if the connection did not exist (no enumeration), and records it', async () => {
    const { deps, sessions, target } = await coreDeps();
    const error = await refusal(executeSql(deps, input({ token: 'token.rita.reviewers' })));
    expect(error).toMatchObject({ code: 'connection_not_found', message: 'No connection named demo.' });
    expect(target.calls).toEqual([]);
    expect(sessions.all().at(-1)).toMatchObject({
      type: 'request.failed',
      data: { code: 'connection_not_found' },
    });
  });

  it('groups requests into the caller’s session, in one chain', async () => {
    const { deps, sessions } = await coreDeps();
    await executeSql(deps, input({ sessionId: 'agent-run-0001' }));
    await executeSql(deps, input({ sessionId: 'agent-run-0001', requestId: 'req-2' }));
    const events = sessions.events.get('agent-run-0001')!;
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(verifyChain(events)).toMatchObject({ ok: true });
  });

  it('refuses to write into another principal’s session', async () => {
    const { deps, sessions, target } = await coreDeps();
    await executeSql(deps, input({ sessionId: 'agent-run-0001' }));
    const error = await refusal(
      executeSql(deps, input({ sessionId: 'agent-run-0001', token: 'token.mallory.agents' })),
    );
    expect(error.code).toBe('session_forbidden');
    expect(target.calls).toHaveLength(1);
    expect(sessions.events.get('agent-run-0001')).toHaveLength(3);
  });

  it.each(['short', 'has space in it', 'x'.repeat(200), '../../etc/passwd'])(
    'refuses the session id %s',
    async (sessionId) => {
      const { deps } = await coreDeps();
      expect((await refusal(executeSql(deps, input({ sessionId })))).code).toBe('bad_request');
    },
  );

  it('refuses session ids in the prefix reserved for system sessions', async () => {
    const { deps } = await coreDeps();
    const error = await refusal(executeSql(deps, input({ sessionId: 'tollgate:config-audit' })));
    expect(error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('reserved') });
  });

  it('records and refuses a request when the policies cannot be loaded (503), running nothing', async () => {
    const { deps, sessions, target } = await coreDeps();
    const broken = { ...deps, policies: { current: () => Promise.reject(new Error('DynamoDB down')) } };
    const error = await refusal(executeSql(broken, input()));
    expect(error.code).toBe('policy_unavailable');
    expect(target.calls).toEqual([]);
    expect(sessions.all().map((e) => e.type)).toEqual(['request.received', 'request.failed']);
  });

  it('records a failure inside the gateway as internal_error before passing it on', async () => {
    const analyzer = {
      ...postgresAnalyzer,
      analyze: () => {
        throw new TypeError('bug');
      },
    };
    const { deps, sessions, target } = await coreDeps({ analyzer });
    const error = await refusal(executeSql(deps, input()));
    // The caller gets a stable code; the bug stays the cause, for the server log only.
    expect(error).toMatchObject({ code: 'internal_error', cause: expect.any(TypeError) });
    expect(target.calls).toEqual([]);
    expect(sessions.all().map((e) => [e.type, e.data.code ?? null])).toEqual([
      ['request.received', null],
      ['request.failed', 'internal_error'],
    ]);
  });

  it('does not run the request when the recording is unavailable (503)', async () => {
    const { deps, sessions, target } = await coreDeps();
    sessions.failWith = new Error('DynamoDB down');
    const error = await refusal(executeSql(deps, input()));
    expect(error.code).toBe('recording_unavailable');
    expect(target.calls).toEqual([]);
  });

  it('withholds results that could not be recorded', async () => {
    const { deps, sessions, target } = await coreDeps();
    const run = target.run.bind(target);
    target.run = async (...args) => {
      const result = await run(...args);
      sessions.failWith = new Error('DynamoDB down');
      return result;
    };
    expect((await refusal(executeSql(deps, input()))).code).toBe('recording_unavailable');
  });

  it('records a target failure and passes its code on', async () => {
    const { deps, sessions, target } = await coreDeps();
    target.failWith = new TargetTimeoutError(1000);
    expect((await refusal(executeSql(deps, input()))).code).toBe('target_timeout');
    expect(sessions.all().at(-1)).toMatchObject({ type: 'request.failed', data: { code: 'target_timeout' } });
  });

  it('answers a statement the server refused as the caller’s mistake (400) with its text, recording only its SQLSTATE', async () => {
    const { deps, sessions, target } = await coreDeps();
    target.failWith = new TargetRejectedError({
      sqlState: '22P02',
      condition: 'invalid_text_representation',
      fault: 'caller',
      serverMessage: 'invalid input syntax for type integer: "900-12-3456"',
      messageMayHoldData: true,
    });
    const error = await refusal(executeSql(deps, input()));
    expect(error).toMatchObject({ code: 'statement_rejected', details: { sqlState: '22P02' } });
    expect(error.message).toContain('900-12-3456');
    expect(JSON.stringify(sessions.all())).not.toContain('900-12-3456');
    expect(sessions.all().at(-1)!.data).toMatchObject({ code: 'statement_rejected', sqlState: '22P02' });
  });

  it.each([
    ['42P01', 'undefined_table', 'relation "custmers" does not exist', false, true],
    // A server-side syntax error in a statement that parsed is runtime text (jsonpath, casts): withheld.
    ['42601', 'syntax_error', 'syntax error at or near "FORM"', false, false],
    ['42703', 'undefined_column', 'column "form" does not exist', false, true],
    ['42883', 'undefined_function', 'function upper(integer, integer) does not exist', false, false],
    [
      '22P02',
      'invalid_text_representation',
      'invalid input syntax for type integer: "900-12-3456"',
      true,
      false,
    ],
    ['22012', 'division_by_zero', 'division by zero', true, false],
  ])(
    'on a classified connection, %s (%s) shows the server text only when it cannot quote data beyond the request',
    async (sqlState, condition, serverMessage, messageMayHoldData, shown) => {
      const classified = { ...demoConnection, classification: { 'customers.email': 'EMAIL_ADDRESS' } };
      const { deps, target } = await coreDeps({ connections: [classified] });
      target.failWith = new TargetRejectedError({
        sqlState,
        condition,
        fault: 'caller',
        serverMessage,
        messageMayHoldData,
      });
      // The shown templates name only what the statement wrote (custmers, form); `upper` is in a
      // comment only, so a message naming it is not the statement's.
      const error = await refusal(
        executeSql(deps, input({ sql: 'SELECT id FROM custmers WHERE form = 1 -- upper' })),
      );
      expect(error.code).toBe('statement_rejected');
      expect(error.message.includes(serverMessage)).toBe(shown);
      expect(error.message).toContain(condition);
    },
  );

  it.each([
    // Runtime values quoted by "undefined object" conditions: ssn::regclass, current_setting(email).
    ['42P01', 'undefined_table', 'relation "906-94-0318" does not exist'],
    ['42704', 'undefined_object', 'unrecognized configuration parameter "ethan@example.com"'],
    ['42601', 'syntax_error', 'syntax error at or near "906" of jsonpath input'],
  ])(
    'on a classified connection, withholds %s text that quotes anything not in the request',
    async (sqlState, condition, serverMessage) => {
      const classified = { ...demoConnection, classification: { 'customers.email': 'EMAIL_ADDRESS' } };
      const { deps, target } = await coreDeps({ connections: [classified] });
      target.failWith = new TargetRejectedError({
        sqlState,
        condition,
        fault: 'caller',
        serverMessage,
        messageMayHoldData: false,
      });
      const error = await refusal(executeSql(deps, input({ sql: 'SELECT id FROM customers' })));
      expect(error).toMatchObject({ code: 'statement_rejected', details: { sqlState, condition } });
      expect(error.message).not.toContain(serverMessage);
      expect(error.message).toContain('withheld');
    },
  );

  it('on a classified connection, shows only the first line of a safe template, never its DETAIL or HINT', async () => {
    const classified = { ...demoConnection, classification: { 'customers.email': 'EMAIL_ADDRESS' } };
    const { deps, target } = await coreDeps({ connections: [classified] });
    target.failWith = new TargetRejectedError({
      sqlState: '42P01',
      condition: 'undefined_table',
      fault: 'caller',
      serverMessage: 'relation "nope" does not exist\nDETAIL: 906-94-0318\nHINT: maria@example.com',
      messageMayHoldData: false,
    });
    const error = await refusal(executeSql(deps, input({ sql: 'SELECT * FROM nope' })));
    expect(error.message).toContain('relation "nope" does not exist');
    expect(error.message).not.toMatch(/906-94-0318|maria@example\.com|DETAIL|HINT/);
  });

  it('answers 503, not the refusal, when the refusal itself cannot be recorded', async () => {
    const { deps, sessions, target } = await coreDeps();
    const run = target.run.bind(target);
    target.run = async (...args) => {
      await run(...args).catch(() => undefined);
      sessions.failWith = new Error('DynamoDB down');
      throw new TargetRejectedError({
        sqlState: '22012',
        condition: 'division_by_zero',
        fault: 'caller',
        serverMessage: 'division by zero',
        messageMayHoldData: true,
      });
    };
    const error = await refusal(executeSql(deps, input()));
    expect(error).toMatchObject({ code: 'recording_unavailable', sessionId: 'id-00000001' });
  });

  it('carries the session id on refusals, so an agent can find the recording', async () => {
    const { deps } = await coreDeps();
    const error = await refusal(
      executeSql(deps, input({ sql: 'DROP TABLE customers', sessionId: 'agent-run-0001' })),
    );
    expect(error).toMatchObject({ code: 'blocked', sessionId: 'agent-run-0001' });
  });

  it('hides unexpected target errors behind target_error', async () => {
    const { deps, target } = await coreDeps();
    target.failWith = new Error('password authentication failed for user "secret-user"');
    const error = await refusal(executeSql(deps, input()));
    expect(error).toMatchObject({ code: 'target_error', message: 'The target failed.' });
  });

  it('never puts the connection’s credentials in a recording', async () => {
    const { deps, sessions } = await coreDeps();
    await executeSql(deps, input());
    expect(JSON.stringify(sessions.all())).not.toContain('secret-password');
  });
});
