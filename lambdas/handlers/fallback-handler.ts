// The `$default` route: every request no other route matched gets a JSON 404 (or 405).
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MethodNotAllowedError, NotFoundError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';
import { httpErrors } from './http/http-errors-middleware.js';
import { matchRoute } from './routes.js';

export const createFallbackHandler = (deps: { readonly logger: Logger }) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrors(deps.logger))
    .handler(async (event) => {
      const method = event.requestContext?.http?.method ?? 'GET';
      const match = matchRoute(method, event.rawPath ?? '/');
      if (match?.kind === 'method_not_allowed') throw new MethodNotAllowedError(method, match.allow);
      throw new NotFoundError('route_not_found', `No route for ${method} ${event.rawPath ?? '/'}.`);
    });
