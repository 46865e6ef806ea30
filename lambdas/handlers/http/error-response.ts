// The one place where errors become HTTP responses. Anything that is not a TollgateError is an
// internal error: logged with its detail, answered without it.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type ErrorCode, isTollgateError } from '../../core/errors.js';
import type { Logger } from '../../core/ports.js';
import { jsonResponse } from './json-response.js';

export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  invalid_json: 400,
  sql_unparseable: 400,
  unauthenticated: 401,
  blocked: 403,
  denied: 403,
  session_forbidden: 403,
  connection_not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal_error: 500,
  target_error: 502,
  recording_unavailable: 503,
  policy_unavailable: 503,
  unavailable: 503,
  target_timeout: 504,
};

/** The cause's class and, for database errors, its SQLSTATE: never its message, which can quote data. */
const describeCause = (error: unknown): unknown => {
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (!(cause instanceof Error)) return undefined;
  const code = (cause as { code?: unknown }).code;
  return { name: cause.constructor.name, ...(typeof code === 'string' ? { code } : {}) };
};

export const errorResponse = (
  error: unknown,
  requestId: string,
  logger: Logger,
): APIGatewayProxyStructuredResultV2 => {
  if (!isTollgateError(error)) {
    logger.error('unhandled error', {
      requestId,
      error:
        error instanceof Error
          ? { name: error.name, message: error.message, stack: error.stack }
          : String(error),
    });
    return jsonResponse(500, {
      error: { code: 'internal_error', message: 'The gateway failed; the request was not completed.' },
      requestId,
    });
  }
  const status = STATUS_BY_CODE[error.code];
  if (status >= 500)
    logger.error(error.auditMessage, { requestId, code: error.code, cause: describeCause(error) });
  const headers = error.code === 'unauthenticated' ? { 'www-authenticate': 'Bearer' } : undefined;
  return jsonResponse(
    status,
    { error: { code: error.code, message: error.message, ...error.details }, requestId },
    headers,
  );
};
