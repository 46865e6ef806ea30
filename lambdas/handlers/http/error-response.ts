// The one place where errors become HTTP responses. Anything that is not a TollgateError is an
// internal error: logged with its detail, answered without it.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type ErrorCode, isTollgateError, MethodNotAllowedError } from '../../core/errors.js';
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
  statement_rejected: 400,
  internal_error: 500,
  target_error: 502,
  recording_unavailable: 503,
  policy_unavailable: 503,
  unavailable: 503,
  target_timeout: 504,
  justification_required: 400,
  approval_not_found: 404,
  request_not_found: 404,
  not_a_reviewer: 403,
  self_approval: 403,
  approval_conflict: 409,
  approval_expired: 409,
  approval_unavailable: 503,
  session_not_found: 404,
  not_an_auditor: 403,
  export_not_found: 404,
};

/**
 * The chain of causes, for the server log: each one's class and code (a SQLSTATE, an errno name),
 * never its message, which can quote data. The caller never sees any of it.
 */
export const describeCauses = (error: unknown): unknown[] | undefined => {
  const chain: unknown[] = [];
  let cause = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    chain.push({
      name: cause.constructor.name,
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
      // A refusal's audit message is safe; a bug's stack (without its first line, the message,
      // which can quote anything) says where it happened.
      ...(isTollgateError(cause)
        ? { message: cause.auditMessage }
        : { stack: cause.stack?.split('\n').slice(1, 8).join('\n') }),
    });
    cause = (cause as { cause?: unknown }).cause;
  }
  return chain.length > 0 ? chain : undefined;
};

export const errorResponse = (
  error: unknown,
  requestId: string,
  logger: Logger,
): APIGatewayProxyStructuredResultV2 => {
  if (!isTollgateError(error)) {
    // Not a refusal: a bug. Its name and stack go to the log; its message can hold anything
    // (a driver's text quoting a value), so it stays out even there.
    logger.error('unhandled error', {
      requestId,
      error:
        error instanceof Error
          ? { name: error.name, stack: error.stack?.split('\n').slice(1).join('\n') }
          : typeof error,
    });
    return jsonResponse(500, {
      error: { code: 'internal_error', message: 'The gateway failed; the request was not completed.' },
      requestId,
    });
  }
  // An outcome code never reaches here by design; were it to, it is the gateway's fault.
  const status = STATUS_BY_CODE[error.code as ErrorCode] ?? 500;
  if (status >= 500)
    logger.error(error.auditMessage, { requestId, code: error.code, causes: describeCauses(error) });
  else if (error.cause !== undefined)
    logger.info(error.auditMessage, { requestId, code: error.code, causes: describeCauses(error) });
  const headers: Record<string, string> = {};
  if (error.code === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
  if (error instanceof MethodNotAllowedError) headers.allow = error.allow.join(', ');
  return jsonResponse(
    status,
    {
      error: { code: error.code, message: error.message, ...error.details },
      requestId,
      ...(error.sessionId ? { sessionId: error.sessionId } : {}),
    },
    headers,
  );
};
