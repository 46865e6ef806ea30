// Discovery: GET /v1/connections and GET /v1/connections/{name} through the real pipeline.
import { createConnectionsHandler } from '../../lambdas/handlers/connections-handler.js';
import { httpEvent, lambdaContext } from '../support/api-gateway-events.js';
import { coreDeps, demoConnection } from '../support/core-fixtures.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const setup = async () => {
  const classified = {
    ...demoConnection,
    classification: { 'customers.email': 'EMAIL_ADDRESS' },
    description: 'The demo',
  };
  const hidden = { ...demoConnection, name: 'finance', allowGroups: ['finance'] };
  const { deps, sessions } = await coreDeps({ connections: [classified, hidden] });
  const handler = createConnectionsHandler({ ...deps, logger: silent });
  const call = async (path: string, token = 'token.alice.agents', name?: string) => {
    const response = await handler(
      httpEvent({
        method: 'GET',
        path,
        routeKey: name ? 'GET /v1/connections/{name}' : 'GET /v1/connections',
        headers: { authorization: `Bearer ${token}` },
        ...(name ? { pathParameters: { name } } : {}),
      }),
      lambdaContext,
    );
    return { ...response, json: JSON.parse(response.body ?? 'null') };
  };
  return { call, sessions };
};

describe('connections handler (discovery)', () => {
  it('lists only the connections the caller’s groups may use, never a target', async () => {
    const { call } = await setup();
    const response = await call('/v1/connections');
    expect(response.statusCode).toBe(200);
    expect(response.json.connections).toEqual([
      {
        name: 'demo',
        kind: 'postgres',
        environment: 'development',
        description: 'The demo',
        tags: [],
        url: '/v1/connections/demo/sql',
      },
    ]);
    expect(response.body).not.toContain('secret-password');
  });

  it('describes a connection: tables, columns, data classes and what this caller sees masked', async () => {
    const { call } = await setup();
    const response = await call('/v1/connections/demo', 'token.alice.agents', 'demo');
    expect(response.statusCode).toBe(200);
    expect(response.json.connection.relations).toEqual([
      {
        schema: 'public',
        name: 'customers',
        kind: 'table',
        columns: [
          { name: 'id', dataClass: null, masked: false },
          { name: 'email', dataClass: 'EMAIL_ADDRESS', masked: true },
        ],
      },
    ]);
  });

  it('answers 404 alike for an unknown connection and one the caller may not use', async () => {
    const { call } = await setup();
    const unknown = await call('/v1/connections/nope', 'token.alice.agents', 'nope');
    const forbidden = await call('/v1/connections/finance', 'token.alice.agents', 'finance');
    expect([unknown.statusCode, forbidden.statusCode]).toEqual([404, 404]);
    expect(forbidden.json.error).toEqual({
      code: 'connection_not_found',
      message: 'No connection named finance.',
    });
  });

  it('requires a token', async () => {
    const { call } = await setup();
    expect((await call('/v1/connections', 'garbage')).statusCode).toBe(401);
  });

  it('records the request and why it may be described before the target is asked', async () => {
    const { call, sessions } = await setup();
    await call('/v1/connections/demo', 'token.alice.agents', 'demo');
    expect(sessions.all().map((e) => [e.type, e.data.rule ?? null])).toEqual([
      ['request.received', null],
      ['request.decided', 'members-may-describe'],
      ['request.completed', null],
    ]);
  });

  it('hides a connection the policies do not let the caller describe, and records why', async () => {
    const classified = { ...demoConnection, classification: { 'customers.email': 'EMAIL_ADDRESS' } };
    const { deps, sessions, target } = await coreDeps({ connections: [classified] });
    const engine = await deps.policies.current();
    // A pack without the describe permit: default deny for connection:describe.
    const strict = {
      ...engine,
      decide: (q: Parameters<typeof engine.decide>[0]) =>
        q.action === 'connection:describe'
          ? {
              outcome: 'deny' as const,
              rule: 'default-deny',
              reason: 'No policy permits connection:describe on demo.',
              hint: undefined,
              policyIds: [],
              policyVersion: engine.version,
            }
          : engine.decide(q),
    };
    const handler = createConnectionsHandler({
      ...deps,
      policies: { current: async () => strict },
      logger: silent,
    });
    const one = await handler(
      httpEvent({
        method: 'GET',
        path: '/v1/connections/demo',
        routeKey: 'GET /v1/connections/{name}',
        headers: { authorization: 'Bearer token.alice.agents' },
        pathParameters: { name: 'demo' },
      }),
      lambdaContext,
    );
    const list = await handler(
      httpEvent({
        method: 'GET',
        path: '/v1/connections',
        routeKey: 'GET /v1/connections',
        headers: { authorization: 'Bearer token.alice.agents' },
      }),
      lambdaContext,
    );
    expect(one.statusCode).toBe(404);
    expect(JSON.parse(list.body ?? '{}').connections).toEqual([]);
    const runCalls = target.calls.length;
    expect(runCalls).toBe(0);
    expect(sessions.all().find((e) => e.type === 'request.decided')?.data).toMatchObject({
      outcome: 'deny',
      rule: 'default-deny',
      action: 'connection:describe',
    });
  });

  it('records discovery like any request', async () => {
    const { call, sessions } = await setup();
    await call('/v1/connections');
    expect(sessions.all().map((e) => [e.type, e.data.kind ?? null])).toEqual([
      ['request.received', 'discovery'],
      ['request.completed', null],
    ]);
  });
});
