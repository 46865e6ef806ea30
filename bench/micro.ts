// Timing of synchronous calls too short for one clock reading each: timed in batches, reported
// per call in microseconds.
import { performance } from 'node:perf_hooks';
import type { MicroFigures } from './report.js';
import { round, summarize } from './stats.js';

/** Keeps results observable so the calls cannot be optimised away. */
let sink = 0;

/**
 * Calls `fn` `calls` times after `calls / 10` warm-up calls, timing batches of `batch` calls.
 * p50/p99 are of the per-call mean within each batch; batch 1 times every call alone.
 */
export const microbench = (fn: () => unknown, calls: number, batch: number): MicroFigures => {
  for (let i = 0; i < Math.ceil(calls / 10); i++) if (fn()) sink++;
  const samples: number[] = [];
  let total = 0;
  for (let done = 0; done < calls; done += batch) {
    const size = Math.min(batch, calls - done);
    const start = performance.now();
    for (let i = 0; i < size; i++) if (fn()) sink++;
    const elapsed = performance.now() - start;
    total += elapsed;
    samples.push(elapsed / size);
  }
  const summary = summarize(samples, 1000);
  return {
    n: calls,
    p50Us: round(summary.p50, 2),
    p99Us: round(summary.p99, 2),
    perSecond: Math.round(calls / (total / 1000)),
  };
};

/** The sink's value; reading it keeps `sink` alive. */
export const microbenchSink = (): number => sink;
