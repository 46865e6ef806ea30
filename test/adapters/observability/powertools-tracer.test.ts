// The tracer outside Lambda (locally, in tests, in CloudShell or CodeBuild): off, clients left
// as they are, and nothing sent or printed.
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { noopMetrics } from '../../../lambdas/adapters/observability/noop-metrics.js';
import { observabilityMiddlewares } from '../../../lambdas/adapters/observability/observability-middlewares.js';
import {
  createTracer,
  runningInLambda,
  traceAwsClient,
} from '../../../lambdas/adapters/observability/powertools-tracer.js';
import { captureOutput } from './capture-output.js';

const LAMBDA_ENV = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'tollgate-sql',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
};

/** A client whose calls fail at once: nothing listens on port 9. */
const unreachableClient = () =>
  new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

/** Builds a tracer, traces a client and a handler, and runs both, capturing all output. */
const exercise = async (tracerEnv?: Record<string, string>) => {
  const output = captureOutput();
  try {
    const tracer = createTracer(tracerEnv ? { env: tracerEnv } : {});
    const client = unreachableClient();
    const stack = client.middlewareStack.identify();
    const traced = traceAwsClient(client, tracer);
    const handler = middy<unknown, string>()
      .use(
        observabilityMiddlewares({
          logger: { setInvocationKeys: () => undefined },
          metrics: noopMetrics,
          tracer,
        }),
      )
      .handler(async () => {
        await traced.send(new ListTablesCommand({})).catch(() => undefined);
        tracer.putAnnotation('route', 'sql');
        return 'ok';
      });
    const response = await handler({}, { awsRequestId: 'l-1', functionName: 'tollgate-sql' } as Context);
    return {
      enabled: tracer.isTracingEnabled(),
      sameClient: traced === client,
      stackUnchanged: JSON.stringify(client.middlewareStack.identify()) === JSON.stringify(stack),
      response,
      lines: output.lines(),
    };
  } finally {
    output.restore();
  }
};

describe('Powertools tracer outside Lambda', () => {
  it('is off, leaves clients unchanged and prints nothing', async () => {
    // Act
    const run = await exercise();

    // Assess
    expect(run).toEqual({
      enabled: false,
      sameClient: true,
      stackUnchanged: true,
      response: 'ok',
      lines: [],
    });
  });

  it('stays off where only AWS_EXECUTION_ENV is set (CloudShell, CodeBuild), printing nothing', async () => {
    // Prepare
    // Powertools reads AWS_EXECUTION_ENV itself and would switch tracing on.
    process.env.AWS_EXECUTION_ENV = 'CloudShell';
    let run: Awaited<ReturnType<typeof exercise>>;
    try {
      // Act
      run = await exercise({ AWS_EXECUTION_ENV: 'CloudShell' });
    } finally {
      delete process.env.AWS_EXECUTION_ENV;
    }

    // Assess
    expect(run).toEqual({
      enabled: false,
      sameClient: true,
      stackUnchanged: true,
      response: 'ok',
      lines: [],
    });
  });

  it('leaves the decision to Powertools inside Lambda', () => {
    // Prepare
    process.env.AWS_EXECUTION_ENV = LAMBDA_ENV.AWS_EXECUTION_ENV;
    try {
      // Act
      const tracer = createTracer({ env: LAMBDA_ENV });

      // Assess
      expect(tracer.isTracingEnabled()).toBe(true);
    } finally {
      delete process.env.AWS_EXECUTION_ENV;
    }
  });

  it.each([
    ['the Lambda runtime', LAMBDA_ENV, true],
    ['CloudShell', { AWS_EXECUTION_ENV: 'CloudShell' }, false],
    ['ECS', { AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE' }, false],
    ['a laptop', {}, false],
  ])('knows whether it runs in Lambda: %s', (_where, env, expected) => {
    // Act
    const inLambda = runningInLambda(env);

    // Assess
    expect(inLambda).toBe(expected);
  });
});
