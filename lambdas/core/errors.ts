// The one error hierarchy of Tollgate. Every refusal the gateway gives is one of these; the HTTP
// layer maps `code` to a status in one place (lambdas/handlers/http/error-response.ts).

/** Stable, documented error codes. Clients may switch on them; never rename one. */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'sql_unparseable'
  | 'unauthenticated'
  | 'blocked'
  | 'denied'
  | 'session_forbidden'
  | 'connection_not_found'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'statement_rejected'
  | 'target_error'
  | 'target_timeout'
  | 'recording_unavailable'
  | 'policy_unavailable'
  | 'unavailable'
  | 'internal_error'
  // approvals (docs/approvals.md)
  | 'justification_required'
  | 'approval_not_found'
  | 'request_not_found'
  | 'not_a_reviewer'
  | 'self_approval'
  | 'approval_conflict'
  | 'approval_expired'
  | 'approval_unavailable'
  // recordings (docs/evidence.md)
  | 'session_not_found'
  | 'not_an_auditor'
  | 'export_not_found';

/**
 * Codes of how a held request ended (`GET /v1/requests/{id}`'s `error.code`), never an HTTP answer
 * of their own: the approval executor runs it after the agent's request was answered.
 */
export type OutcomeCode = 'blast_radius_exceeded';

export interface TollgateErrorOptions {
  readonly cause?: unknown;
  readonly details?: Record<string, unknown>;
  readonly auditMessage?: string;
}

/** Base class: a refusal with a stable code and a message safe to show to the caller. */
export class TollgateError extends Error {
  readonly code: ErrorCode | OutcomeCode;
  /** Extra, caller-safe fields merged into the error body (e.g. the rule that blocked). */
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /**
   * What recordings and logs may keep. Equal to `message` unless the message can quote data
   * (a database's error text can quote parameter or column values).
   */
  readonly auditMessage: string;
  /** The session the refused request belongs to, once known: answers carry it. */
  sessionId: string | undefined;

  constructor(code: ErrorCode | OutcomeCode, message: string, options?: TollgateErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
    this.auditMessage = options?.auditMessage ?? message;
  }
}

export class BadRequestError extends TollgateError {
  constructor(
    message: string,
    code: 'bad_request' | 'invalid_json' | 'unsupported_media_type' = 'bad_request',
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** Identity could not be established. The message never says which check failed. */
export class UnauthenticatedError extends TollgateError {
  constructor(cause?: unknown) {
    super('unauthenticated', 'A valid bearer token is required.', { cause });
  }
}

export class SqlUnparseableError extends TollgateError {
  constructor(message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super('sql_unparseable', message, { ...options, ...(details ? { details } : {}) });
  }
}

/** The decision refused the request. `rule` names what refused it. */
export class BlockedError extends TollgateError {
  constructor(message: string, details: { rule: string; [key: string]: unknown }) {
    super('blocked', message, { details });
  }
}

/** No policy permits the request (default deny). */
export class DeniedError extends TollgateError {
  constructor(message: string, details: { rule: string; [key: string]: unknown }) {
    super('denied', message, { details });
  }
}

export class SessionForbiddenError extends TollgateError {
  constructor() {
    super('session_forbidden', 'This session belongs to another principal; start a new session.');
  }
}

export class NotFoundError extends TollgateError {
  constructor(
    code: 'connection_not_found' | 'route_not_found' | 'session_not_found',
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

export class MethodNotAllowedError extends TollgateError {
  /** The methods the route takes (the `Allow` header of the answer). */
  readonly allow: readonly string[];

  constructor(method: string, allow: readonly string[]) {
    super(
      'method_not_allowed',
      `Method ${method} is not allowed on this route; it takes ${allow.join(', ')}.`,
    );
    this.allow = allow;
  }
}

export class PayloadTooLargeError extends TollgateError {
  constructor(limitBytes: number) {
    super('payload_too_large', `The request body exceeds ${limitBytes} bytes.`);
  }
}

/** What a target's refusal of a statement says, as the executor read it off the server's error. */
export interface TargetRejection {
  /** SQLSTATE (PostgreSQL, MySQL), or null when the server gave none. */
  readonly sqlState: string | null;
  /** The condition's name, e.g. `undefined_table`, `division_by_zero` (never holds data). */
  readonly condition: string;
  /**
   * `caller`: the statement itself is wrong (syntax, undefined objects, wrong parameter count,
   * a data error such as division by zero) — the agent can fix it, 4xx. `target`: the server
   * failed (resources, serialization, configuration) — 502.
   */
  readonly fault: 'caller' | 'target';
  /** The server's own message. Can quote a value (`invalid input syntax ...: "906-94-0318"`). */
  readonly serverMessage: string;
  /**
   * False for conditions whose text quotes only the statement's own names and types (syntax,
   * undefined objects); true where it can quote data (data exceptions, constraint violations,
   * raised exceptions, anything unknown).
   */
  readonly messageMayHoldData: boolean;
}

/**
 * The target refused the statement. The message shown is safe: the condition and SQLSTATE; the
 * pipeline decides whether the server's own text may be added (it never reaches recordings).
 */
export class TargetRejectedError extends TollgateError {
  readonly rejection: TargetRejection;

  constructor(rejection: TargetRejection, options?: { cause?: unknown }) {
    const said = `The target rejected the statement: ${rejection.condition} (SQLSTATE ${rejection.sqlState ?? 'unknown'}).`;
    super(rejection.fault === 'caller' ? 'statement_rejected' : 'target_error', said, {
      cause: options?.cause,
      details: { sqlState: rejection.sqlState, condition: rejection.condition },
    });
    this.rejection = rejection;
  }
}

/** The target answered with an error. The message is the target's, stripped of credentials. */
export class TargetError extends TollgateError {
  constructor(message: string, options?: TollgateErrorOptions) {
    super('target_error', message, options);
  }
}

export class TargetTimeoutError extends TollgateError {
  constructor(timeoutMs: number, cause?: unknown) {
    super(
      'target_timeout',
      `The target did not answer within ${timeoutMs} ms; the statement was cancelled.`,
      {
        cause,
      },
    );
  }
}

/** An approved write changed more rows than approved: it was rolled back, nothing committed. */
export class BlastRadiusExceededError extends TollgateError {
  /** `atLeast`: the target could count no further than `affectedRows`. */
  constructor(affectedRows: number, maxAffectedRows: number, atLeast = false) {
    super(
      'blast_radius_exceeded',
      `The write changed ${atLeast ? 'at least ' : ''}${affectedRows} rows, more than the ${maxAffectedRows} approved; it was rolled back.`,
      { details: { affectedRows, maxAffectedRows } },
    );
  }
}

/** The session recording could not be written: nothing runs unrecorded. */
export class RecordingUnavailableError extends TollgateError {
  constructor(cause?: unknown) {
    super('recording_unavailable', 'The session recording is unavailable; the request was not run.', {
      cause,
    });
  }
}

/** The gateway is not ready to serve (starting or stopping). */
export class UnavailableError extends TollgateError {
  constructor(message = 'The gateway is starting; retry shortly.') {
    super('unavailable', message);
  }
}

export const isTollgateError = (error: unknown): error is TollgateError => error instanceof TollgateError;
