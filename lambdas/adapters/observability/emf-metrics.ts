// Metrics port as CloudWatch Embedded Metric Format, serialised by Powertools for AWS Lambda
// Metrics: buffered during an invocation, then one EMF line per distinct set of dimensions.
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Logger, Metrics } from '../../core/ports.js';

/** Metrics that a handler's middleware writes out once per invocation. */
export interface FlushableMetrics extends Metrics {
  /** Writes what was recorded since the last flush. Never throws: metrics must not fail a request. */
  flush(): void;
}

export interface EmfMetricsOptions {
  /**
   * The CloudWatch namespace.
   * @default - 'Tollgate'
   */
  readonly namespace?: string;
  /**
   * The `service` dimension of every metric.
   * @default - 'tollgate'
   */
  readonly serviceName?: string;
  /**
   * Receives each EMF document, one JSON line.
   * @default - stdout, which the Lambda runtime sends to CloudWatch Logs (EMF is parsed there)
   */
  readonly write?: (line: string) => void;
  /**
   * Where problems are reported (a metric Powertools refuses, an invalid dimension).
   * @default - Powertools' own console warnings
   */
  readonly logger?: Logger;
}

type Unit = typeof MetricUnit.Count | typeof MetricUnit.Milliseconds;
type Dimensions = Readonly<Record<string, string>>;

interface Group {
  readonly dimensions: Dimensions;
  /** Counters summed per name; durations kept as samples. */
  readonly counts: Map<string, number>;
  readonly durations: Array<readonly [string, number]>;
}

// Powertools publishes by itself (to its own console, bypassing `write`) when a document reaches
// 100 metrics or a metric 100 values: documents stay below both.
const MAX_ENTRIES_PER_DOCUMENT = 99;

const stdoutLine = (line: string) => {
  process.stdout.write(`${line}\n`);
};

const groupKey = (dimensions: Dimensions) =>
  JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * EMF documents share their dimension values across all their metrics, so per-metric dimensions
 * need one document per distinct set: Powertools' `logMetrics` middleware flushes one instance
 * with one set (and warns on every invocation that recorded nothing), hence this buffer.
 */
export const createEmfMetrics = (options: EmfMetricsOptions = {}): FlushableMetrics => {
  const namespace = options.namespace ?? 'Tollgate';
  const serviceName = options.serviceName ?? 'tollgate';
  const write = options.write ?? stdoutLine;
  const { logger } = options;
  const powertoolsLogger = logger && {
    debug: () => undefined,
    info: (message: string) => logger.info(message),
    warn: (message: string) => logger.warn(message),
    error: (message: string) => logger.error(message),
  };
  const groups = new Map<string, Group>();

  const groupOf = (dimensions: Dimensions = {}): Group => {
    const key = groupKey(dimensions);
    let group = groups.get(key);
    if (!group) {
      group = { dimensions: { ...dimensions }, counts: new Map(), durations: [] };
      groups.set(key, group);
    }
    return group;
  };

  const writeDocument = (dimensions: Dimensions, entries: ReadonlyArray<readonly [string, Unit, number]>) => {
    try {
      const document = new PowertoolsMetrics({
        namespace,
        serviceName,
        defaultDimensions: { ...dimensions },
        ...(powertoolsLogger ? { logger: powertoolsLogger } : {}),
      });
      for (const [name, unit, value] of entries) document.addMetric(name, unit, value);
      write(JSON.stringify(document.serializeMetrics()));
    } catch (error) {
      // Names only: they are code constants; values and dimension values stay out of the log.
      logger?.warn('metrics not written', {
        reason: error instanceof Error ? error.name : 'unknown',
        metrics: [...new Set(entries.map(([name]) => name))],
      });
    }
  };

  // Powertools accepts NaN and Infinity, which serialise as null and spoil the whole document.
  const finite = (name: string, value: number) => {
    if (Number.isFinite(value)) return true;
    logger?.warn('metric value not finite; not recorded', { metric: name });
    return false;
  };

  return {
    count(name, value, dimensions) {
      if (!finite(name, value)) return;
      const { counts } = groupOf(dimensions);
      counts.set(name, (counts.get(name) ?? 0) + value);
    },
    durationMs(name, ms, dimensions) {
      if (!finite(name, ms)) return;
      groupOf(dimensions).durations.push([name, ms]);
    },
    flush() {
      const pending = [...groups.values()];
      groups.clear();
      for (const { dimensions, counts, durations } of pending) {
        const entries: Array<readonly [string, Unit, number]> = [
          ...[...counts].map(([name, value]) => [name, MetricUnit.Count, value] as const),
          ...durations.map(([name, ms]) => [name, MetricUnit.Milliseconds, ms] as const),
        ];
        for (let i = 0; i < entries.length; i += MAX_ENTRIES_PER_DOCUMENT) {
          writeDocument(dimensions, entries.slice(i, i + MAX_ENTRIES_PER_DOCUMENT));
        }
      }
    },
  };
};
