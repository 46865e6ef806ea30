// POST /v1/connections/{name}/sql — thin: HTTP in, the pipeline's typed input; its answer, JSON out.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { PipelineDeps } from '../core/pipeline/admit.js';
import { serve } from '../core/pipeline/serve.js';
import type { Logger } from '../core/ports.js';
import { httpErrors } from './http/http-errors-middleware.js';
import { jsonResponse } from './http/json-response.js';
import { bearerToken, header, jsonBody, requestIdOf } from './http/request.js';
import { justificationOf, parseSqlBody } from './http/sql-body.js';

export interface SqlHandlerDeps extends PipelineDeps {
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly middlewares?: readonly middy.MiddlewareObj<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2
  >[];
}

export const createSqlHandler = (deps: SqlHandlerDeps) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use([...(deps.middlewares ?? []), httpErrors(deps.logger)])
    .handler(async (event) => {
      const body = jsonBody(event, deps.maxBodyBytes);
      const justification = header(event, 'x-tollgate-justification') ?? justificationOf(body);
      const answer = await serve(deps, {
        requestId: requestIdOf(event),
        token: bearerToken(event),
        connectionName: event.pathParameters?.name ?? '',
        request: parseSqlBody(body),
        sessionId: header(event, 'x-tollgate-session'),
        ...(justification === undefined ? {} : { justification }),
      });
      // 202: held for a person's decision, not run (yet).
      const status = answer.status === 'completed' ? 200 : 202;
      return jsonResponse(status, answer, { 'x-tollgate-session': answer.sessionId });
    });
