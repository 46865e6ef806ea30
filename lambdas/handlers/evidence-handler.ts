// The evidence export routes — thin: HTTP in, the use case's typed input; its answer, JSON out.
//   POST /v1/evidence/exports              {"from": ISO, "to": ISO}  auditors: 202 with the job
//   GET  /v1/evidence/exports/{exportId}   auditors: status, progress, download URL once done
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { BadRequestError } from '../core/errors.js';
import { type ExportApiDeps, getExport, startExport } from '../core/evidence/exports.js';
import type { Logger } from '../core/ports.js';
import { httpErrors } from './http/http-errors-middleware.js';
import { jsonResponse } from './http/json-response.js';
import { bearerToken, jsonBody } from './http/request.js';

export interface EvidenceHandlerDeps extends ExportApiDeps {
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly middlewares?: readonly middy.MiddlewareObj<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2
  >[];
}

const parsed = (raw: string): unknown => {
  try {
    return JSON.parse(raw || '{}');
  } catch (error) {
    throw new BadRequestError('The request body is not valid JSON.', 'invalid_json', { cause: error });
  }
};

export const createEvidenceHandler = (deps: EvidenceHandlerDeps) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use([...(deps.middlewares ?? []), httpErrors(deps.logger)])
    .handler(async (event) => {
      const token = bearerToken(event);
      if (event.routeKey === 'POST /v1/evidence/exports')
        return jsonResponse(
          202,
          await startExport(deps, { token, body: parsed(jsonBody(event, deps.maxBodyBytes)) }),
        );
      return jsonResponse(
        200,
        await getExport(deps, { token, exportId: event.pathParameters?.exportId ?? '' }),
      );
    });
