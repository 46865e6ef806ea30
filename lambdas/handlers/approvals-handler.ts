// The approval routes — thin: HTTP in, the use case's typed input; its answer, JSON out.
//   GET  /v1/approvals?status=            reviewers: what they may decide
//   GET  /v1/approvals/{approvalId}       reviewers: the exact request, masked, with its preview
//   POST /v1/approvals/{approvalId}/approve|deny   {"reason": "..."}
//   GET  /v1/requests/{requestId}?waitSeconds=N    the requester: status and, once run, the result
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApprovalDeps } from '../core/approval/deps.js';
import { decideApproval, getApproval, getRequest, listApprovals } from '../core/approval/review.js';
import { BadRequestError } from '../core/errors.js';
import type { PipelineDeps } from '../core/pipeline/admit.js';
import type { Logger } from '../core/ports.js';
import { httpErrors } from './http/http-errors-middleware.js';
import { jsonResponse } from './http/json-response.js';
import { bearerToken, jsonBody } from './http/request.js';

export interface ApprovalsHandlerDeps extends PipelineDeps {
  readonly approvals: ApprovalDeps;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly middlewares?: readonly middy.MiddlewareObj<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2
  >[];
}

/** `{"reason": "..."}`: the reason itself is checked by the use case. */
const reasonOf = (raw: string): unknown => {
  try {
    return (JSON.parse(raw || '{}') as { reason?: unknown } | null)?.reason;
  } catch (error) {
    throw new BadRequestError('The request body is not valid JSON.', 'invalid_json', { cause: error });
  }
};

const route = (event: APIGatewayProxyEventV2, deps: ApprovalsHandlerDeps): Promise<unknown> => {
  const token = bearerToken(event);
  const params = event.pathParameters ?? {};
  // The raw string: the local server and API Gateway both give it.
  const query = Object.fromEntries(new URLSearchParams(event.rawQueryString ?? ''));
  switch (event.routeKey) {
    case 'GET /v1/approvals':
      return listApprovals(deps, deps.approvals, { token, status: query.status });
    case 'GET /v1/approvals/{approvalId}':
      return getApproval(deps, deps.approvals, { token, approvalId: params.approvalId ?? '' });
    case 'POST /v1/approvals/{approvalId}/approve':
    case 'POST /v1/approvals/{approvalId}/deny':
      return decideApproval(deps, deps.approvals, {
        token,
        approvalId: params.approvalId ?? '',
        verdict: event.routeKey.endsWith('/approve') ? 'approve' : 'deny',
        reason: reasonOf(jsonBody(event, deps.maxBodyBytes)),
      });
    default:
      return getRequest(deps, deps.approvals, {
        token,
        requestId: params.requestId ?? '',
        waitSeconds: query.waitSeconds,
      });
  }
};

export const createApprovalsHandler = (deps: ApprovalsHandlerDeps) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use([...(deps.middlewares ?? []), httpErrors(deps.logger)])
    .handler(async (event) => jsonResponse(200, await route(event, deps)));
