// GET /v1/connections and GET /v1/connections/{name} — discovery, thin: HTTP in, JSON out.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { PipelineDeps } from '../core/pipeline/admit.js';
import { describeConnectionFor, listConnections } from '../core/pipeline/discover.js';
import type { Logger } from '../core/ports.js';
import { httpErrors } from './http/http-errors-middleware.js';
import { jsonResponse } from './http/json-response.js';
import { bearerToken, header, requestIdOf } from './http/request.js';

export interface ConnectionsHandlerDeps extends PipelineDeps {
  readonly logger: Logger;
  readonly middlewares?: readonly middy.MiddlewareObj<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2
  >[];
}

const input = (event: APIGatewayProxyEventV2) => ({
  requestId: requestIdOf(event),
  token: bearerToken(event),
  sessionId: header(event, 'x-tollgate-session'),
});

/** GET /v1/connections, or GET /v1/connections/{name} when the route has a name. */
export const createConnectionsHandler = (deps: ConnectionsHandlerDeps) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use([...(deps.middlewares ?? []), httpErrors(deps.logger)])
    .handler(async (event) => {
      const name = event.pathParameters?.name;
      const answer =
        name === undefined
          ? await listConnections(deps, input(event))
          : await describeConnectionFor(deps, { ...input(event), connectionName: name });
      return jsonResponse(200, answer, { 'x-tollgate-session': answer.sessionId });
    });
