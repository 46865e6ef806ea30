// maskResult's throughput, with JSON.stringify of the same rows timed side by side in the same
// run, over synthetic rows of realistic, digit-heavy strings. No gateway and no database: the
// masking bench (masking.ts) uses it, and it runs alone too, for profiling:
//   npx tsx bench/masking-throughput.ts [runs] [rows]
//   node --import tsx --cpu-prof bench/masking-throughput.ts
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { connectionSchema } from '../lambdas/core/config/connection.js';
import type { OutputLineage } from '../lambdas/core/masking/lineage.js';
import { maskResult } from '../lambdas/core/masking/mask-result.js';
import { assumedResolution, resolveClassification } from '../lambdas/core/masking/resolved-classification.js';
import type { ResultSet } from '../lambdas/core/ports.js';
import { SYNTHETIC_CLASSIFIED, syntheticResult } from './masking-rows.js';
import type { MaskingPathFigures } from './report.js';
import { round, summarize } from './stats.js';

const TOKEN_KEY = 'bench-masking-token-key-0123456789abcdef';

/** Untimed runs of maskResult before timing. */
const WARMUP_RUNS = 5;

/**
 * Times `maskResult` on `result` and `JSON.stringify` of the same rows, side by side (each timed
 * run masks, then encodes): WARMUP_RUNS untimed runs, then `runs` timed runs; the medians count.
 */
export const timeMasking = (
  result: ResultSet,
  runs: number,
  classified: boolean,
): { figures: MaskingPathFigures; sink: number } => {
  const connection = connectionSchema.parse({
    name: 'bench-masking',
    kind: 'postgres',
    allowGroups: ['agents'],
    target: { url: 'postgres://bench@127.0.0.1/bench' },
    classification: classified ? SYNTHETIC_CLASSIFIED : {},
  });
  if (connection.kind !== 'postgres') throw new Error('the masking bench needs a postgres connection');
  const lineage: OutputLineage[] | undefined = classified
    ? result.columns.map((c) => ({
        name: c.name,
        sources: [{ schema: 'public', table: 'people', column: c.name }],
        resolved: true,
        wholeRows: [],
        direct: true,
      }))
    : undefined;
  const input = {
    connection,
    result,
    lineage,
    classification: resolveClassification(connection, assumedResolution()),
    reads: { sensitive: classified, statistics: false },
    mayUnmask: () => false,
    tokenKey: TOKEN_KEY,
  };
  let sink = 0;
  const once = () => {
    const masked = maskResult(input);
    sink += masked.result.rows.length;
    return masked.report;
  };
  // Warm-up: enough runs for the JIT to settle (the first few are several times slower).
  const report = once();
  for (let i = 0; i < WARMUP_RUNS - 1; i++) once();
  sink += JSON.stringify(result.rows).length;
  const times: number[] = [];
  const jsonTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    once();
    times.push(performance.now() - start);
    start = performance.now();
    sink += JSON.stringify(result.rows).length;
    jsonTimes.push(performance.now() - start);
  }
  const median = summarize(times).p50;
  const jsonMedian = summarize(jsonTimes).p50;
  const cells = result.rows.length * result.columns.length;
  return {
    figures: {
      runs,
      msPerRun: round(median, 2),
      cellsPerSecond: Math.round(cells / (median / 1000)),
      jsonMsPerRun: round(jsonMedian, 2),
      jsonCellsPerSecond: Math.round(cells / (jsonMedian / 1000)),
      ratioToJson: round(median / jsonMedian, 2),
      maskedColumns: report.maskedColumns.length,
      detectedValues: Object.values(report.detected).reduce((a, b) => a + b, 0),
    },
    sink,
  };
};

/** Run alone: both paths over `rows` synthetic rows (default 10,000), `runs` timed runs each. */
const main = (): void => {
  const runs = Number(process.argv[2] ?? 15);
  const rows = Number(process.argv[3] ?? 10_000);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(rows) || rows < 1) {
    process.stderr.write('usage: npx tsx bench/masking-throughput.ts [runs ≥ 1] [rows ≥ 1]\n');
    process.exitCode = 2;
    return;
  }
  const result = syntheticResult(rows);
  for (const classified of [false, true]) {
    const { figures: f } = timeMasking(result, runs, classified);
    process.stdout.write(
      `${classified ? 'lineage (4 of 8 classified)' : 'detectors only'}: maskResult ${f.msPerRun} ms ` +
        `(${f.cellsPerSecond.toLocaleString('en-US')} cells/s), JSON.stringify ${f.jsonMsPerRun} ms, ` +
        `ratio ×${f.ratioToJson}, ${f.detectedValues.toLocaleString('en-US')} values detected\n`,
    );
  }
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
