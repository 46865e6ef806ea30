// Local metrics: the same EMF lines as on Lambda on stdout at debug level, nothing otherwise.
import { createLocalMetrics } from '../../../lambdas/adapters/observability/local-metrics.js';
import type { LogLevel } from '../../../lambdas/adapters/observability/powertools-logger.js';
import { captureOutput } from './capture-output.js';
import { emfProblems } from './emf.js';

const flushedOutput = (level: LogLevel) => {
  const output = captureOutput();
  try {
    const metrics = createLocalMetrics({ level });
    metrics.count('Requests', 1, { route: 'sql' });
    metrics.durationMs('Latency', 4, { route: 'sql' });
    metrics.flush();
  } finally {
    output.restore();
  }
  return output;
};

describe('local metrics', () => {
  it('prints the EMF documents Lambda would write on stdout at debug level', () => {
    // Act
    const output = flushedOutput('debug');

    // Assess
    expect(output.lines().map(({ stream }) => stream)).toEqual(['stdout']);
    const [document] = output.json();
    expect(emfProblems(document!)).toEqual([]);
    expect(document).toMatchObject({ route: 'sql', Requests: 1, Latency: 4 });
  });

  it.each<LogLevel>(['info', 'warn', 'error', 'silent'])('prints nothing at level %s', (level) => {
    // Act
    const output = flushedOutput(level);

    // Assess
    expect(output.lines()).toEqual([]);
  });
});
