// The local HTTP server: turns Node requests into API Gateway v2 events and dispatches them to
// the same handlers Lambda runs. It adds only what API Gateway itself does: routing, the body
// size limit while reading, and the local issuer's JWKS; and, to stop gracefully, a drain that
// lets in-flight requests finish while it refuses new ones.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { BadRequestError, PayloadTooLargeError, UnavailableError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';
import { errorResponse } from '../handlers/http/error-response.js';
import { jsonResponse } from '../handlers/http/json-response.js';
import { matchRoute, type RouteName } from '../handlers/routes.js';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalHandlers {
  readonly routes: Readonly<Record<RouteName, HttpHandler>>;
  readonly fallback: HttpHandler;
  readonly jwks: unknown;
}

/** What `drain` saw: requests running when it began, and those still running when it ended. */
export interface DrainResult {
  readonly inFlightAtStart: number;
  /** 0 when every in-flight request finished; else the grace period ended first. */
  readonly stillRunning: number;
}

export interface LocalServerOptions {
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

/** Reads the body, or stops at `limit` bytes and reports it too large. */
const readBody = (req: IncomingMessage, limit: number): Promise<string | 'too_large'> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve('too_large');
        req.removeAllListeners('data');
        req.resume(); // drain without buffering
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    // A client that goes away mid-body must not leave the request pending forever.
    req.on('aborted', () => reject(new Error('client aborted')));
  });

const toEvent = (
  req: IncomingMessage,
  url: URL,
  body: string,
  routeKey: string,
  pathParameters?: Record<string, string>,
): APIGatewayProxyEventV2 => {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(pathParameters ? { pathParameters } : {}),
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: req.headers['user-agent'] ?? '',
      },
    },
  };
};

const lambdaContext = (requestId: string): Context =>
  ({
    awsRequestId: requestId,
    functionName: 'tollgate-local',
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;

const send = (res: ServerResponse, response: APIGatewayProxyStructuredResultV2) => {
  res.writeHead(response.statusCode ?? 200, response.headers as Record<string, string>);
  res.end(response.body ?? '');
};

/**
 * Creates the server. Handlers can be attached after it listens (the JWKS URI depends on the
 * port); until then every route answers 503 `unavailable`.
 */
export const createLocalServer = (options: LocalServerOptions) => {
  let handlers: LocalHandlers | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return send(
        res,
        errorResponse(
          new BadRequestError('The request target is not a valid URL.'),
          'unknown',
          options.logger,
        ),
      );
    }
    if (req.method === 'GET' && url.pathname === '/.well-known/jwks.json' && handlers) {
      return send(res, jsonResponse(200, handlers.jwks, { 'cache-control': 'max-age=300' }));
    }
    const body = await readBody(req, options.maxBodyBytes);
    const match = matchRoute(req.method ?? 'GET', url.pathname);
    const routed = match?.kind === 'route' ? match : undefined;
    const event = toEvent(
      req,
      url,
      body === 'too_large' ? '' : body,
      routed?.route.routeKey ?? '$default',
      routed?.pathParameters,
    );
    const requestId = event.requestContext.requestId;
    if (body === 'too_large')
      return send(
        res,
        errorResponse(new PayloadTooLargeError(options.maxBodyBytes), requestId, options.logger),
      );
    if (!handlers) return send(res, errorResponse(new UnavailableError(), requestId, options.logger));
    const handler = routed ? handlers.routes[routed.route.name] : handlers.fallback;
    send(res, await handler(event, lambdaContext(requestId)));
  };

  let inFlight = 0;
  let draining: Promise<DrainResult> | undefined;
  /** Called when the last in-flight request ends, while draining. */
  let onIdle: (() => void) | undefined;

  /** A request on a kept-alive socket after the drain began: 503, and the socket closes. */
  const refuse = (req: IncomingMessage, res: ServerResponse) => {
    req.resume(); // discard the body
    res.setHeader('connection', 'close');
    send(
      res,
      errorResponse(
        new UnavailableError('The gateway is stopping; retry once it is back.'),
        randomUUID(),
        options.logger,
      ),
    );
  };

  const server: Server = createServer((req, res) => {
    if (draining) return refuse(req, res);
    inFlight++;
    // 'close' follows the response's end, or the client going away: either way it is over.
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) onIdle?.();
    });
    handle(req, res).catch((error: unknown) => {
      if (req.destroyed || res.headersSent) res.destroy();
      else send(res, errorResponse(error, 'unknown', options.logger));
    });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;

  /**
   * Stops accepting connections (idle kept-alive ones close), answers any new request on a
   * kept-alive socket with 503 `unavailable`, and resolves when the in-flight requests have
   * finished or `graceMs` has passed, whichever is first. It does not end running requests:
   * closing the server's connections and the target pools afterwards does. Idempotent.
   */
  const drain = (graceMs: number): Promise<DrainResult> => {
    if (!Number.isFinite(graceMs) || graceMs < 0)
      throw new RangeError(`graceMs must be a finite number ≥ 0, got ${graceMs}`);
    draining ??= new Promise<DrainResult>((done) => {
      const inFlightAtStart = inFlight;
      if (server.listening) server.close();
      if (inFlight === 0) return done({ inFlightAtStart, stillRunning: 0 });
      const finish = () => {
        clearTimeout(timer);
        onIdle = undefined;
        done({ inFlightAtStart, stillRunning: inFlight });
      };
      const timer = setTimeout(finish, graceMs);
      onIdle = finish;
    });
    return draining;
  };

  return {
    server,
    attach(next: LocalHandlers) {
      handlers = next;
    },
    drain,
    /** Requests being handled now. */
    inFlight: () => inFlight,
  };
};
