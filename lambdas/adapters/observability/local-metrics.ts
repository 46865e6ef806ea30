// Metrics for the local server: the EMF lines Lambda would write, on stdout, at debug level only.
import type { Logger } from '../../core/ports.js';
import { createEmfMetrics, type FlushableMetrics } from './emf-metrics.js';
import { noopMetrics } from './noop-metrics.js';
import type { LogLevel } from './powertools-logger.js';

/**
 * Locally stdout is a person's terminal: an EMF line per request would bury the warnings. At
 * `debug` the same documents as on Lambda are printed (same code, same shape, so what
 * CloudWatch would receive can be checked); at any other level nothing is written.
 */
export const createLocalMetrics = (options: { level: LogLevel; logger?: Logger }): FlushableMetrics =>
  options.level === 'debug'
    ? createEmfMetrics(options.logger ? { logger: options.logger } : {})
    : noopMetrics;
