// POST /v1/connections/{name}/sql — thin: HTTP in, the pipeline's typed input; its answer, JSON out.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { PipelineDeps } from '../core/pipeline/admit.js';
import { serve } from '../core/pipeline/serve.js';
import type { Logger } from '../core/ports.js';
import { httpErrors } from './http/http-errors-middleware.js';
import { jsonResponse } from './http/json-response.js';
import { bearerToken, header, jsonBody, requestIdOf } from './http/request.js';
import { parseSqlBody } from './http/sql-body.js';

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
      const answer = await serve(deps, {
        requestId: requestIdOf(event),
        token: bearerToken(event),
        connectionName: event.pathParameters?.name ?? '',
        request: parseSqlBody(jsonBody(event, deps.maxBodyBytes)),
        sessionId: header(event, 'x-tollgate-session'),
      });
      // 202: accepted for a person's decision, not run (yet).
      const status = answer.status === 'approval_required' ? 202 : 200;
      return jsonResponse(status, answer, { 'x-tollgate-session': answer.sessionId });
    });
