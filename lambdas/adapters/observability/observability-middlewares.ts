// The middy middlewares every Lambda handler gets: invocation keys on log lines, metrics flushed
// once per invocation, and (where the function traces) the handler's X-Ray subsegment.
import type { Tracer } from '@aws-lambda-powertools/tracer';
// The middleware alone, not the Tracer: it does not load aws-xray-sdk-core.
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { LogEntry } from '../../core/ports.js';
import type { FlushableMetrics } from './emf-metrics.js';
import type { ObservedLogger } from './powertools-logger.js';

export interface Observability {
  readonly logger: Pick<ObservedLogger, 'setInvocationKeys'>;
  readonly metrics: FlushableMetrics;
  /** Only functions that trace pass one (see powertools-tracer.ts). */
  readonly tracer?: Tracer;
}

let coldStart = true;

/** The API Gateway request id (the one error responses show) when the event has one. */
const apiRequestId = (event: unknown): string | undefined => {
  if (typeof event !== 'object' || event === null) return undefined;
  const { requestContext } = event as { requestContext?: { requestId?: unknown } };
  return typeof requestContext?.requestId === 'string' ? requestContext.requestId : undefined;
};

/** The keys of one invocation, named as Powertools' injectLambdaContext names them. */
export const invocationKeys = (event: unknown, context: Partial<Context>): LogEntry => {
  const keys: LogEntry = {
    request_id: apiRequestId(event) ?? context.awsRequestId,
    cold_start: coldStart,
    function_name: context.functionName,
    function_memory_size: context.memoryLimitInMB,
    function_arn: context.invokedFunctionArn,
    function_request_id: context.awsRequestId,
  };
  coldStart = false;
  return keys;
};

// Keys are replaced at the start of each invocation, not cleared at its end: error middlewares
// that run after ours (httpErrors) still log with them.
const logInvocationKeys = (logger: Observability['logger']): MiddlewareObj => ({
  before: (request) => logger.setInvocationKeys(invocationKeys(request.event, request.context)),
});

const flushMetrics = (metrics: FlushableMetrics): MiddlewareObj => ({
  after: () => metrics.flush(),
  onError: () => metrics.flush(),
});

/**
 * In order: the tracer's subsegment wraps the rest, log keys are set before anything logs, and
 * metrics are flushed first on the way out.
 */
export const observabilityMiddlewares = ({ logger, metrics, tracer }: Observability): MiddlewareObj[] => [
  // captureResponse false: a response holds result rows (see powertools-tracer.ts).
  ...(tracer ? [captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj] : []),
  logInvocationKeys(logger),
  flushMetrics(metrics),
];

/**
 * Wraps a handler so that each call is one invocation for the logger's keys. For hosts that run
 * invocations concurrently in one process: the local server.
 */
export const inInvocationScope =
  <Args extends unknown[], Result>(
    logger: Pick<ObservedLogger, 'runInvocation'>,
    handler: (...args: Args) => Result,
  ) =>
  (...args: Args): Result =>
    logger.runInvocation(() => handler(...args));
