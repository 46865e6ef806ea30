// The Powertools logger adapter behind the Logger port: JSON lines, the level in force, and the
// request id and Lambda context of its own invocation on every line, concurrent ones included.
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { noopMetrics } from '../../../lambdas/adapters/observability/noop-metrics.js';
import {
  inInvocationScope,
  observabilityMiddlewares,
} from '../../../lambdas/adapters/observability/observability-middlewares.js';
import {
  createPowertoolsLogger,
  type ObservedLogger,
} from '../../../lambdas/adapters/observability/powertools-logger.js';
import { httpEvent } from '../../support/api-gateway-events.js';
import { type CapturedOutput, captureOutput } from './capture-output.js';

const eventFor = (requestId: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 => {
  const event = httpEvent({ method: 'POST', path: '/v1/connections/demo/sql', headers });
  return { ...event, requestContext: { ...event.requestContext, requestId } };
};

const contextFor = (awsRequestId: string): Context =>
  ({
    awsRequestId,
    functionName: 'tollgate-sql',
    memoryLimitInMB: '1024',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:tollgate-sql',
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;

/** Logs as httpErrors does: from onError, after the observability middlewares' own. */
const errorLogging = (logger: ObservedLogger): MiddlewareObj<APIGatewayProxyEventV2> => ({
  onError: (request) => {
    logger.error('unhandled error', { code: 'internal' });
    request.response = { statusCode: 500 };
  },
});

/** A handler that logs at every level, waits `delayMs` between lines, and throws when asked. */
const handlerFor = (logger: ObservedLogger) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(errorLogging(logger))
    .use(observabilityMiddlewares({ logger, metrics: noopMetrics }))
    .handler(async (event) => {
      const delayMs = Number(event.headers['x-delay'] ?? 0);
      logger.info('handling', { route: 'sql' });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      logger.warn('slow target');
      if (event.headers['x-fail']) throw new Error('boom');
      return { statusCode: 200 };
    });

describe('Powertools logger adapter', () => {
  let output: CapturedOutput;

  beforeEach(() => {
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
  });

  // First in the file: cold_start is per process, and only the first invocation is one.
  it('marks only the first invocation of the process as a cold start', async () => {
    // Prepare
    const logger = createPowertoolsLogger();
    const handler = handlerFor(logger);

    // Act
    await handler(eventFor('req-1'), contextFor('lambda-1'));
    await handler(eventFor('req-2'), contextFor('lambda-2'));

    // Assess
    const coldStarts = output.json().map((line) => [line.request_id, line.cold_start]);
    expect(coldStarts).toEqual([
      ['req-1', true],
      ['req-1', true],
      ['req-2', false],
      ['req-2', false],
    ]);
  });

  it('writes every line as JSON with level, message, timestamp, service tollgate and the entry', async () => {
    // Prepare
    const logger = createPowertoolsLogger();

    // Act
    logger.info('sessions archived', { sessions: 2 });

    // Assess
    expect(output.json()).toEqual([
      {
        level: 'INFO',
        message: 'sessions archived',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        service: 'tollgate',
        sampling_rate: 0,
        sessions: 2,
      },
    ]);
  });

  it('puts the API request id and the Lambda context on every line of the invocation, error middleware included', async () => {
    // Prepare
    const logger = createPowertoolsLogger();
    const handler = handlerFor(logger);

    // Act
    await handler(eventFor('apigw-7', { 'x-fail': '1' }), contextFor('lambda-7'));

    // Assess
    const lines = output.json();
    expect(lines.map((line) => line.message)).toEqual(['handling', 'slow target', 'unhandled error']);
    for (const line of lines) {
      expect(line).toMatchObject({
        request_id: 'apigw-7',
        function_request_id: 'lambda-7',
        function_name: 'tollgate-sql',
        function_memory_size: '1024',
        function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:tollgate-sql',
      });
    }
  });

  it('replaces the keys at each invocation: nothing of the previous one remains', async () => {
    // Prepare
    const logger = createPowertoolsLogger();
    const handler = handlerFor(logger);
    await handler(eventFor('first'), contextFor('lambda-first'));
    const firstLines = output.json().length;

    // Act
    await handler(
      { ...eventFor('ignored'), requestContext: undefined } as unknown as APIGatewayProxyEventV2,
      { awsRequestId: 'lambda-second' } as Context,
    );

    // Assess
    const second = output.json().slice(firstLines);
    expect(second).toHaveLength(2);
    for (const line of second) {
      // Without an API Gateway request id, the Lambda request id is the request id.
      expect(line.request_id).toBe('lambda-second');
      expect(line).not.toHaveProperty('function_name');
      expect(JSON.stringify(line)).not.toContain('first');
    }
  });

  it('keeps each concurrent invocation on its own request id when the host scopes them', async () => {
    // Prepare
    const logger = createPowertoolsLogger();
    const handler = inInvocationScope(logger, handlerFor(logger));

    // Act
    // The slowest starts first and finishes last: every line interleaves with the others'.
    await Promise.all(
      ['a', 'b', 'c'].map((id, i) =>
        handler(eventFor(`req-${id}`, { 'x-delay': String(30 - i * 10) }), contextFor(`lambda-${id}`)),
      ),
    );

    // Assess
    const lines = output.json();
    expect(lines.map((line) => line.message)).toEqual([
      'handling',
      'handling',
      'handling',
      'slow target',
      'slow target',
      'slow target',
    ]);
    expect(lines.map((line) => [line.request_id, line.function_request_id])).toEqual([
      ['req-a', 'lambda-a'],
      ['req-b', 'lambda-b'],
      ['req-c', 'lambda-c'],
      ['req-c', 'lambda-c'],
      ['req-b', 'lambda-b'],
      ['req-a', 'lambda-a'],
    ]);
  });

  it('writes nothing below the configured level', async () => {
    // Prepare
    const logger = createPowertoolsLogger({ level: 'warn' });

    // Act
    logger.info('not shown');
    logger.warn('shown');
    logger.error('shown too');

    // Assess
    expect(output.json().map((line) => [line.level, line.message])).toEqual([
      ['WARN', 'shown'],
      ['ERROR', 'shown too'],
    ]);
  });

  it('writes nothing at all when silent', async () => {
    // Prepare
    const logger = createPowertoolsLogger({ level: 'silent' });

    // Act
    logger.error('not shown');

    // Assess
    expect(output.lines()).toEqual([]);
  });

  it('never logs the event, even with POWERTOOLS_LOGGER_LOG_EVENT set', async () => {
    // Prepare
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    try {
      const logger = createPowertoolsLogger();
      const handler = handlerFor(logger);

      // Act
      await handler(eventFor('req-secret', { authorization: 'Bearer secret-token-value' }), contextFor('l'));
    } finally {
      delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    }

    // Assess
    expect(output.lines().length).toBeGreaterThan(0);
    expect(
      output
        .lines()
        .map(({ text }) => text)
        .join('\n'),
    ).not.toContain('secret-token-value');
  });
});
