// The recording routes — thin: HTTP in, the use case's typed input; its answer, JSON out.
//   GET /v1/sessions?principal=&connection=&from=&to=&outcome=&limit=&cursor=
//   GET /v1/sessions/{sessionId}
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { getSession, listSessions, type SessionsDeps } from '../core/evidence/sessions.js';
import type { Logger } from '../core/ports.js';
import { httpErrors } from './http/http-errors-middleware.js';
import { jsonResponse } from './http/json-response.js';
import { bearerToken } from './http/request.js';

export interface SessionsHandlerDeps extends SessionsDeps {
  readonly logger: Logger;
  readonly middlewares?: readonly middy.MiddlewareObj<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2
  >[];
}

const route = (event: APIGatewayProxyEventV2, deps: SessionsHandlerDeps): Promise<unknown> => {
  const token = bearerToken(event);
  if (event.routeKey === 'GET /v1/sessions/{sessionId}')
    return getSession(deps, { token, sessionId: event.pathParameters?.sessionId ?? '' });
  const query = new URLSearchParams(event.rawQueryString ?? '');
  const given = (name: string) => query.get(name) ?? undefined;
  // Named one by one: no query parameter can stand in for the token or anything else.
  return listSessions(deps, {
    token,
    principal: given('principal'),
    connection: given('connection'),
    from: given('from'),
    to: given('to'),
    outcome: given('outcome'),
    limit: given('limit'),
    cursor: given('cursor'),
  });
};

export const createSessionsHandler = (deps: SessionsHandlerDeps) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use([...(deps.middlewares ?? []), httpErrors(deps.logger)])
    .handler(async (event) => jsonResponse(200, await route(event, deps)));
