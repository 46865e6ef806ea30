// POST /v1/connections/{name}/sql — thin: read the HTTP request, run the use case, answer JSON.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '../core/ports.js';
import { type ExecuteSqlDeps, executeSql } from '../core/use-cases/execute-sql.js';
import { httpErrors } from './http/http-errors-middleware.js';
import { jsonResponse } from './http/json-response.js';
import { bearerToken, header, jsonBody, requestIdOf } from './http/request.js';

export interface SqlHandlerDeps extends ExecuteSqlDeps {
  readonly logger: Logger;
  readonly maxBodyBytes: number;
}

export const createSqlHandler = (deps: SqlHandlerDeps) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrors(deps.logger))
    .handler(async (event) => {
      const rawBody = jsonBody(event, deps.maxBodyBytes);
      const result = await executeSql(deps, {
        requestId: requestIdOf(event),
        token: bearerToken(event),
        connectionName: event.pathParameters?.name ?? '',
        rawBody,
        sessionId: header(event, 'x-tollgate-session'),
      });
      // 202: accepted for a person's decision, not run (yet).
      const status = result.status === 'approval_required' ? 202 : 200;
      return jsonResponse(status, result, { 'x-tollgate-session': result.sessionId });
    });
