// middy middleware: turns any error thrown by a handler into the JSON error response.
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '../../core/ports.js';
import { errorResponse } from './error-response.js';
import { requestIdOf } from './request.js';

export const httpErrors = (
  logger: Logger,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error, requestIdOf(request.event), logger);
  },
});
