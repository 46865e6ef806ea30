// GET /openapi.json — the API description (openapi.yaml), for agents and tools that discover the API.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '../core/ports.js';
import { httpErrors } from './http/http-errors-middleware.js';
import { jsonResponse } from './http/json-response.js';

export const createOpenApiHandler = (deps: { readonly logger: Logger; readonly document: unknown }) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrors(deps.logger))
    .handler(async () => jsonResponse(200, deps.document, { 'cache-control': 'public, max-age=300' }));
