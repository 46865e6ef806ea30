// Metrics that record nothing and write nothing, for tests and tools that build handlers.
import type { FlushableMetrics } from './emf-metrics.js';

export const noopMetrics: FlushableMetrics = {
  count: () => undefined,
  durationMs: () => undefined,
  flush: () => undefined,
};
