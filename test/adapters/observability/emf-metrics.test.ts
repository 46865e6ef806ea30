// The EMF metrics adapter behind the Metrics port: valid EMF, each metric under its own
// dimensions, flushed once per invocation by the handler's middleware.
import { jest } from '@jest/globals';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createEmfMetrics } from '../../../lambdas/adapters/observability/emf-metrics.js';
import { observabilityMiddlewares } from '../../../lambdas/adapters/observability/observability-middlewares.js';
import type { Logger } from '../../../lambdas/core/ports.js';
import { captureOutput } from './capture-output.js';
import { emfProblems } from './emf.js';

/** Metrics writing into an array, parsed. */
const recorded = (logger?: Logger) => {
  const documents: Array<Record<string, unknown>> = [];
  const metrics = createEmfMetrics({
    write: (line) => documents.push(JSON.parse(line) as Record<string, unknown>),
    ...(logger ? { logger } : {}),
  });
  return { metrics, documents };
};

const directiveOf = (document: Record<string, unknown>) =>
  (document._aws as { CloudWatchMetrics: Array<Record<string, unknown>> }).CloudWatchMetrics[0];

const silentLogger = (): Logger & { warn: jest.Mock<Logger['warn']> } => ({
  info: jest.fn(),
  warn: jest.fn<Logger['warn']>(),
  error: jest.fn(),
});

describe('EMF metrics adapter', () => {
  it('writes one valid EMF document per distinct set of dimensions, each with its own', () => {
    // Prepare
    const { metrics, documents } = recorded();

    // Act
    metrics.count('Requests', 1, { route: 'sql', outcome: 'allowed' });
    metrics.count('Requests', 1, { route: 'sql', outcome: 'denied' });
    metrics.durationMs('Latency', 12.5, { route: 'sql' });
    metrics.flush();

    // Assess
    expect(documents.map(emfProblems)).toEqual([[], [], []]);
    expect(documents).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'Tollgate',
              Dimensions: [['service', 'route', 'outcome']],
              Metrics: [{ Name: 'Requests', Unit: 'Count' }],
            },
          ],
        },
        service: 'tollgate',
        route: 'sql',
        outcome: 'allowed',
        Requests: 1,
      },
      expect.objectContaining({ outcome: 'denied', Requests: 1 }),
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'Tollgate',
              Dimensions: [['service', 'route']],
              Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }],
            },
          ],
        },
        service: 'tollgate',
        route: 'sql',
        Latency: 12.5,
      },
    ]);
  });

  it('gives a metric without dimensions only the service dimension', () => {
    // Prepare
    const { metrics, documents } = recorded();

    // Act
    metrics.count('ColdStarts', 1);
    metrics.flush();

    // Assess
    expect(emfProblems(documents[0]!)).toEqual([]);
    expect(directiveOf(documents[0]!)!.Dimensions).toEqual([['service']]);
  });

  it('shares one document between metrics of the same dimensions, in any key order: counters summed, durations as samples', () => {
    // Prepare
    const { metrics, documents } = recorded();

    // Act
    metrics.count('Decisions', 1, { kind: 'postgres', decision: 'allow' });
    metrics.count('Decisions', 2, { decision: 'allow', kind: 'postgres' });
    metrics.durationMs('DecideTime', 3, { kind: 'postgres', decision: 'allow' });
    metrics.durationMs('DecideTime', 5, { kind: 'postgres', decision: 'allow' });
    metrics.flush();

    // Assess
    expect(documents).toHaveLength(1);
    expect(emfProblems(documents[0]!)).toEqual([]);
    expect(documents[0]).toMatchObject({
      Decisions: 3,
      DecideTime: [3, 5],
      kind: 'postgres',
      decision: 'allow',
    });
    expect(directiveOf(documents[0]!)!.Metrics).toEqual([
      { Name: 'Decisions', Unit: 'Count' },
      { Name: 'DecideTime', Unit: 'Milliseconds' },
    ]);
  });

  it('writes nothing until flushed, and each recording in one flush only', () => {
    // Prepare
    const { metrics, documents } = recorded();
    metrics.count('Requests', 1, { route: 'sql' });
    const beforeFlush = documents.length;

    // Act
    metrics.flush();
    metrics.flush();

    // Assess
    expect(beforeFlush).toBe(0);
    expect(documents).toHaveLength(1);
  });

  it('writes to stdout by default, one JSON line per document', () => {
    // Prepare
    const output = captureOutput();
    const metrics = createEmfMetrics();

    // Act
    try {
      metrics.count('Requests', 1, { route: 'health' });
      metrics.durationMs('Latency', 2, { route: 'sql' });
      metrics.flush();
    } finally {
      output.restore();
    }

    // Assess
    expect(output.lines().map(({ stream }) => stream)).toEqual(['stdout', 'stdout']);
    expect(output.json().map(emfProblems)).toEqual([[], []]);
  });

  it('splits more than 99 recordings of one dimension set across documents, all through its writer', () => {
    // Prepare
    const output = captureOutput();
    const { metrics, documents } = recorded();

    // Act
    try {
      for (let i = 0; i < 150; i++) metrics.durationMs('RowTime', i, { route: 'sql' });
      metrics.flush();
    } finally {
      output.restore();
    }

    // Assess
    expect(output.lines()).toEqual([]);
    expect(documents.map(emfProblems)).toEqual([[], []]);
    const samples = documents.flatMap((document) => document.RowTime as number[]);
    expect(samples).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });

  it('drops a value that is not finite, naming only the metric, and keeps the rest', () => {
    // Prepare
    const logger = silentLogger();
    const { metrics, documents } = recorded(logger);

    // Act
    metrics.durationMs('Latency', Number.NaN, { route: 'sql' });
    metrics.count('Requests', Number.POSITIVE_INFINITY, { route: 'sql' });
    metrics.count('Requests', 1, { route: 'sql' });
    metrics.flush();

    // Assess
    expect(logger.warn.mock.calls).toEqual([
      ['metric value not finite; not recorded', { metric: 'Latency' }],
      ['metric value not finite; not recorded', { metric: 'Requests' }],
    ]);
    expect(documents).toHaveLength(1);
    expect(emfProblems(documents[0]!)).toEqual([]);
    expect(documents[0]).toMatchObject({ Requests: 1 });
  });

  it('reports a document Powertools refuses by metric name only, never throws, and writes the others', () => {
    // Prepare
    const logger = silentLogger();
    const { metrics, documents } = recorded(logger);
    const tooManyDimensions = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i}`, 'v']));

    // Act
    metrics.count('Exploded', 1, tooManyDimensions);
    metrics.count('Requests', 1, { route: 'sql' });
    metrics.flush();

    // Assess
    expect(logger.warn).toHaveBeenCalledWith('metrics not written', {
      reason: 'RangeError',
      metrics: ['Exploded'],
    });
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ Requests: 1 });
  });

  describe('with the handler middlewares', () => {
    const logger = { setInvocationKeys: () => undefined };
    const context = { awsRequestId: 'lambda-1', functionName: 'tollgate-sql' } as Context;

    it('flushes once per invocation, each invocation its own metrics', async () => {
      // Prepare
      const { metrics, documents } = recorded();
      const handler = middy<{ route: string }, string>()
        .use(observabilityMiddlewares({ logger, metrics }))
        .handler(async (event) => {
          metrics.count('Requests', 1, { route: event.route });
          metrics.count('Requests', 1, { route: event.route });
          return 'ok';
        });

      // Act
      await handler({ route: 'sql' }, context);
      const afterFirst = documents.length;
      await handler({ route: 'health' }, context);

      // Assess
      expect(afterFirst).toBe(1);
      expect(documents).toEqual([
        expect.objectContaining({ route: 'sql', Requests: 2 }),
        expect.objectContaining({ route: 'health', Requests: 2 }),
      ]);
    });

    it('flushes when the handler throws too', async () => {
      // Prepare
      const { metrics, documents } = recorded();
      const handler = middy<{ route: string }, string>()
        .use(observabilityMiddlewares({ logger, metrics }))
        .handler(async () => {
          metrics.count('Failures', 1, { route: 'sql' });
          throw new Error('target down');
        });

      // Act
      const failure = await handler({ route: 'sql' }, context).catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(Error);
      expect(documents).toEqual([expect.objectContaining({ route: 'sql', Failures: 1 })]);
    });

    it('writes nothing, and warns nothing, for an invocation that recorded no metric', async () => {
      // Prepare
      const output = captureOutput();
      const metrics = createEmfMetrics();
      const handler = middy<unknown, string>()
        .use(observabilityMiddlewares({ logger, metrics }))
        .handler(async () => 'ok');

      // Act
      try {
        await handler({}, context);
      } finally {
        output.restore();
      }

      // Assess
      expect(output.lines()).toEqual([]);
    });
  });
});
