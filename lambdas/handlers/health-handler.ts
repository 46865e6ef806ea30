// GET /healthz — answers once the composition root has finished its cold start.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '../core/ports.js';
import { httpErrors } from './http/http-errors-middleware.js';
import { jsonResponse } from './http/json-response.js';

export const createHealthHandler = (deps: { readonly logger: Logger; readonly version: string }) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrors(deps.logger))
    .handler(async () => jsonResponse(200, { status: 'ok', version: deps.version }));
