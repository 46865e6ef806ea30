// The local server's drain, the first step of a graceful stop: in-flight requests finish, new
// connections are refused, a new request on a kept-alive socket is answered 503 `unavailable`,
// and the drain reports what was still running when its grace period ended.
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ROUTES, type RouteName } from '../../../lambdas/handlers/routes.js';
import { createLocalServer, type HttpHandler } from '../../../lambdas/local/server.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request through `agent` (keep-alive: the same socket serves the next request). */
const call = (port: number, agent: Agent, path: string): Promise<Answer> =>
  new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });

const ok = (body: string): APIGatewayProxyStructuredResultV2 => ({ statusCode: 200, body });

/** A handler that waits until the test releases the request it is handling. */
const slowHandler = () => {
  const waiting: Array<() => void> = [];
  const entered: Array<() => void> = [];
  let calls = 0;
  const handler: HttpHandler = async (event) => {
    calls++;
    for (const notify of entered.splice(0)) notify();
    await new Promise<void>((release) => waiting.push(release));
    return ok(`done ${event.rawPath}`);
  };
  return {
    handler,
    calls: () => calls,
    /** Resolves once the handler has been entered `count` times in all. */
    entered: async (count: number) => {
      while (calls < count) await new Promise<void>((notify) => entered.push(notify));
    },
    /** Lets the oldest waiting request answer. */
    releaseOne: () => waiting.shift()?.(),
    releaseAll: () => {
      for (const release of waiting.splice(0)) release();
    },
  };
};

describe('createLocalServer drain', () => {
  let local: ReturnType<typeof createLocalServer>;
  let port: number;
  let slow: ReturnType<typeof slowHandler>;
  let agents: Agent[];
  const agent = () => {
    const created = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(created);
    return created;
  };

  beforeEach(async () => {
    slow = slowHandler();
    agents = [];
    local = createLocalServer({ maxBodyBytes: 1024, logger: silent });
    local.attach({
      // Every route, and the fallback that serves the paths below, is the slow handler.
      routes: Object.fromEntries(ROUTES.map((route) => [route.name, slow.handler])) as Record<
        RouteName,
        HttpHandler
      >,
      fallback: slow.handler,
      jwks: { keys: [] },
    });
    await new Promise<void>((ready) => local.server.listen(0, '127.0.0.1', ready));
    port = (local.server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    slow.releaseAll();
    for (const created of agents) created.destroy();
    local.server.closeAllConnections();
    if (local.server.listening) await new Promise((done) => local.server.close(done));
  });

  it('waits for a slow in-flight request to finish, then resolves with nothing still running', async () => {
    // Prepare
    const answer = call(port, agent(), '/slow');
    await slow.entered(1);

    // Act
    let drained = false;
    const drain = local.drain(60_000).then((result) => {
      drained = true;
      return result;
    });
    await new Promise((next) => setImmediate(next));
    const drainedBeforeRelease = drained;
    slow.releaseOne();

    // Assess
    expect(drainedBeforeRelease).toBe(false);
    expect(await answer).toMatchObject({ status: 200, body: 'done /slow' });
    expect(await drain).toEqual({ inFlightAtStart: 1, stillRunning: 0 });
  });

  it('answers a new request on a kept-alive socket with 503 unavailable, without running it', async () => {
    // Prepare: two slow requests in flight, each on its own kept-alive socket.
    const first = agent();
    const firstAnswer = call(port, first, '/first');
    const secondAnswer = call(port, agent(), '/second');
    await slow.entered(2);
    const drain = local.drain(60_000);

    // Act: the first request finishes; its socket stays open and carries a new request.
    slow.releaseOne();
    expect(await firstAnswer).toMatchObject({ status: 200 });
    const late = await call(port, first, '/late');

    // Assess
    expect(late.status).toBe(503);
    expect(JSON.parse(late.body)).toMatchObject({ error: { code: 'unavailable' } });
    expect(late.headers.connection).toBe('close');
    expect(slow.calls()).toBe(2);
    slow.releaseOne();
    expect(await secondAnswer).toMatchObject({ status: 200 });
    expect(await drain).toEqual({ inFlightAtStart: 2, stillRunning: 0 });
  });

  it('refuses new connections once the drain has begun', async () => {
    const answer = call(port, agent(), '/slow');
    await slow.entered(1);

    const drain = local.drain(60_000);

    await expect(call(port, agent(), '/new')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    slow.releaseOne();
    await answer;
    await drain;
  });

  it('resolves when the grace period ends, reporting the requests still running', async () => {
    const answer = call(port, agent(), '/stuck');
    await slow.entered(1);

    const result = await local.drain(20);

    expect(result).toEqual({ inFlightAtStart: 1, stillRunning: 1 });
    expect(local.inFlight()).toBe(1);
    slow.releaseOne();
    await answer;
  });

  it('resolves at once with nothing in flight, and the server then closes as the gateway stops it', async () => {
    expect(await local.drain(60_000)).toEqual({ inFlightAtStart: 0, stillRunning: 0 });

    // The gateway's stop after the drain (lambdas/wiring/local.ts) must still complete.
    await new Promise<void>((done) => {
      local.server.close(() => done());
      local.server.closeAllConnections();
    });
    expect(local.server.listening).toBe(false);
  });

  it('answers the same drain when called again', async () => {
    const answer = call(port, agent(), '/slow');
    await slow.entered(1);

    const once = local.drain(60_000);
    const twice = local.drain(5);
    slow.releaseOne();

    expect(twice).toBe(once);
    expect(await twice).toEqual({ inFlightAtStart: 1, stillRunning: 0 });
    await answer;
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a grace period of %p', (graceMs) => {
    expect(() => local.drain(graceMs)).toThrow(RangeError);
  });
});
