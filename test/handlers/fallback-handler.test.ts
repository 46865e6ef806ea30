import { createFallbackHandler } from '../../lambdas/handlers/fallback-handler.js';
import { createHealthHandler } from '../../lambdas/handlers/health-handler.js';
import { httpEvent, lambdaContext } from '../support/api-gateway-events.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('fallback handler ($default route)', () => {
  const handler = createFallbackHandler({ logger: silent });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await handler(httpEvent({ method: 'GET', path: '/admin' }), lambdaContext);
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body!)).toEqual({
      error: { code: 'route_not_found', message: 'No route for GET /admin.' },
      requestId: 'apigw-request-1',
    });
  });

  it('answers a path with malformed percent-encoding with a JSON 404, not a crash', async () => {
    const response = await handler(
      httpEvent({ method: 'POST', path: '/v1/connections/%E0%A4%A/sql' }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body!).error.code).toBe('route_not_found');
  });

  it('answers a known path with the wrong method with a JSON 405', async () => {
    const response = await handler(
      httpEvent({ method: 'GET', path: '/v1/connections/demo/sql' }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(405);
    expect(JSON.parse(response.body!).error.code).toBe('method_not_allowed');
    expect(response.headers).toMatchObject({ allow: 'POST' });
  });

  it('names every method a path takes in Allow', async () => {
    const response = await handler(
      httpEvent({ method: 'DELETE', path: '/v1/connections/demo' }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(405);
    expect(response.headers).toMatchObject({ allow: 'GET' });
  });
});

describe('health handler', () => {
  it('answers 200 ok with the version', async () => {
    const response = await createHealthHandler({ logger: silent, version: '1.2.3' })(
      httpEvent({ path: '/healthz' }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ status: 'ok', version: '1.2.3' });
  });
});
