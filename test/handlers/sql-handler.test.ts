import type { LogEntry, Logger } from '../../lambdas/core/ports.js';
import { postgresAnalyzer } from '../../lambdas/core/sql/analyze-postgres.js';
import { createSqlHandler } from '../../lambdas/handlers/sql-handler.js';
import { httpEvent, lambdaContext } from '../support/api-gateway-events.js';
import { coreDeps } from '../support/core-fixtures.js';
import { inMemoryApprovals } from '../support/in-memory-approvals.js';

const captureLogger = () => {
  const lines: Array<{ level: string; message: string; entry?: LogEntry }> = [];
  const logger: Logger = {
    info: (message, entry) => lines.push({ level: 'info', message, entry }),
    warn: (message, entry) => lines.push({ level: 'warn', message, entry }),
    error: (message, entry) => lines.push({ level: 'error', message, entry }),
  };
  return { logger, lines };
};

const setup = async (maxBodyBytes = 1024) => {
  const { deps, sessions, target } = await coreDeps();
  const { logger, lines } = captureLogger();
  const held = inMemoryApprovals();
  const handler = createSqlHandler({ ...deps, approvals: held.approvals, logger, maxBodyBytes });
  const call = async (
    body: string,
    headers: Record<string, string> = {},
    extra: Parameters<typeof httpEvent>[0] = {},
  ) => {
    const response = await handler(
      httpEvent({
        method: 'POST',
        path: '/v1/connections/demo/sql',
        routeKey: 'POST /v1/connections/{name}/sql',
        pathParameters: { name: 'demo' },
        headers: {
          authorization: 'Bearer token.alice.agents',
          'content-type': 'application/json',
          ...headers,
        },
        body,
        ...extra,
      }),
      lambdaContext,
    );
    return { ...response, json: JSON.parse(response.body ?? 'null') };
  };
  return { call, sessions, target, lines, held };
};

describe('SQL handler', () => {
  it('answers 200 with the result, the session header and the API Gateway request id', async () => {
    const { call } = await setup();
    const response = await call('{"sql":"SELECT 1"}');
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-tollgate-session': 'id-00000001',
    });
    expect(response.json).toMatchObject({
      requestId: 'apigw-request-1',
      sessionId: 'id-00000001',
      rowCount: 2,
      truncated: true,
    });
  });

  it('uses the X-Tollgate-Session header, whatever its case', async () => {
    const { call } = await setup();
    const response = await call('{"sql":"SELECT 1"}', { 'X-Tollgate-Session': 'run-2026-11-26' });
    expect(response.json.sessionId).toBe('run-2026-11-26');
  });

  it.each([
    [{ authorization: '' }],
    [{ authorization: 'Basic dXNlcjpwYXNz' }],
    [{ authorization: 'Bearer' }],
    [{ authorization: 'Bearer not-a-token' }],
  ])('answers 401 with a Bearer challenge for %j', async (headers) => {
    const { call, target } = await setup();
    const response = await call('{"sql":"SELECT 1"}', headers);
    expect(response.statusCode).toBe(401);
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer' });
    expect(response.json).toEqual({
      error: { code: 'unauthenticated', message: 'A valid bearer token is required.' },
      requestId: 'apigw-request-1',
    });
    expect(target.calls).toEqual([]);
  });

  it('answers 403 blocked with the rule, reason and hint', async () => {
    const { call } = await setup();
    const response = await call('{"sql":"DROP TABLE customers"}');
    expect(response.statusCode).toBe(403);
    expect(response.json.error).toEqual({
      code: 'blocked',
      message: 'DROP changes the schema, which agents may not do.',
      rule: 'ddl-blocked',
      hint: 'Ask an administrator; schema changes go through your migration process.',
      policyIds: ['ddl-blocked'],
      policyVersion: expect.stringMatching(/^files:/),
    });
  });

  it('answers 202 pending_approval for a write that needs review, holding it without running it', async () => {
    const { call, target, held } = await setup();
    const response = await call('{"sql":"DELETE FROM orders WHERE id = 9"}', {
      'x-tollgate-justification': 'OPS-7',
    });
    expect(response.statusCode).toBe(202);
    expect(response.json).toMatchObject({ status: 'pending_approval', groups: ['reviewers'], quorum: 1 });
    expect(target.calls).toEqual([]);
    expect([...held.store.records.values()].map((r) => r.justification)).toEqual(['OPS-7']);
  });

  it.each([
    ['{"sql": "SELEC 1"}', 400, 'sql_unparseable'],
    ['{"sql": ', 400, 'invalid_json'],
    ['', 400, 'invalid_json'],
    ['{"sql": ["SELECT 1"]}', 400, 'bad_request'],
  ])('answers %s with %i %s', async (body, status, code) => {
    const { call, target } = await setup();
    const response = await call(body);
    expect(response.statusCode).toBe(status);
    expect(response.json.error.code).toBe(code);
    expect(target.calls).toEqual([]);
  });

  it('answers 413 for a body over the limit without reading it further', async () => {
    const { call, target, sessions } = await setup(64);
    const response = await call(JSON.stringify({ sql: `SELECT '${'x'.repeat(100)}'` }));
    expect(response.statusCode).toBe(413);
    expect(response.json.error.code).toBe('payload_too_large');
    expect(target.calls).toEqual([]);
    expect(sessions.all()).toEqual([]);
  });

  it('counts a base64-encoded body by its decoded size and decodes it', async () => {
    const { call } = await setup();
    const response = await call(
      Buffer.from('{"sql":"SELECT 1"}').toString('base64'),
      {},
      { isBase64Encoded: true },
    );
    expect(response.statusCode).toBe(200);
  });

  it('answers 415 for a body that is not declared as JSON', async () => {
    const { call } = await setup();
    const response = await call('sql=SELECT 1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.statusCode).toBe(415);
    expect(response.json.error.code).toBe('unsupported_media_type');
  });

  it('answers 503 when the recording is down, and logs the cause without tokens', async () => {
    const { call, sessions, target, lines } = await setup();
    sessions.failWith = new Error('ProvisionedThroughputExceededException');
    const response = await call('{"sql":"SELECT 1"}');
    expect(response.statusCode).toBe(503);
    expect(response.json.error.code).toBe('recording_unavailable');
    expect(target.calls).toEqual([]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        entry: expect.objectContaining({ code: 'recording_unavailable' }),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('token.alice');
  });

  it('hides an unexpected executor failure behind a 502 without its message', async () => {
    const { call, target } = await setup();
    target.run = () => {
      throw new TypeError('boom at secretFunction (/var/task/index.mjs:1:2)');
    };
    const response = await call('{"sql":"SELECT 1"}');
    expect(response.statusCode).toBe(502);
    expect(response.json.error).toEqual({ code: 'target_error', message: 'The target failed.' });
  });

  it('answers 500 without a stack trace for a failure inside the gateway, and logs it', async () => {
    const { logger, lines } = captureLogger();
    // The analyzer's contract is never to throw: if it does, that is a bug inside the gateway.
    const analyzer = {
      ...postgresAnalyzer,
      analyze: () => {
        throw new TypeError('boom at secretFunction');
      },
    };
    const { deps: broken } = await coreDeps({ analyzer });
    const handler = createSqlHandler({ ...broken, logger, maxBodyBytes: 1024 });
    const response = await handler(
      httpEvent({
        method: 'POST',
        pathParameters: { name: 'demo' },
        headers: { authorization: 'Bearer token.alice.agents' },
        body: '{"sql":"SELECT 1"}',
      }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({
      error: { code: 'internal_error', message: 'The gateway failed; the request was not completed.' },
      requestId: 'apigw-request-1',
      sessionId: 'id-00000001',
    });
    // The log keeps the cause's class (never its message, which could quote data).
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'The gateway failed; the request was not completed.',
        entry: expect.objectContaining({
          code: 'internal_error',
          causes: [{ name: 'TypeError', stack: expect.stringContaining('at ') }],
        }),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('secretFunction');
  });
});
