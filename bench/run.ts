// `npm run bench`: gateway overhead against direct pg on the same PostgreSQL, analysis and
// decision cost, DynamoDB calls per request, and Lambda bundle sizes. `--json` for tracking.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runAnalysisBench } from './analysis.js';
import { type BenchOptions, parseBenchArgs, USAGE } from './args.js';
import { estimateBreakdown } from './breakdown.js';
import { bundleSizes } from './bundles.js';
import { Cleanup } from './cleanup.js';
import { runComponentBench } from './components.js';
import { probeDynamoOps } from './dynamo-probe.js';
import { environment, loadAverage } from './environment.js';
import { startBenchGateway } from './gateway-fixture.js';
import { progress } from './log.js';
import { runMaskingBench } from './masking.js';
import { createBenchDatabase } from './postgres-fixture.js';
import type { BenchReport } from './report.js';
import { renderText } from './report-text.js';
import { runRequestBench } from './requests.js';
import { openScenarios } from './scenarios.js';
import { ONE_ROW_SQL, THOUSAND_ROWS_SQL } from './statements.js';

const ROOT = resolve(import.meta.dirname, '..');
const COLUMNS = 8;
/** Requests per gateway mode when counting DynamoDB calls. */
const OPS_PROBE_REQUESTS = 50;
/** Rows of the synthetic result maskResult's throughput is measured on. */
const MASKING_ROWS = 10_000;

const bench = async (options: BenchOptions, cleanup: Cleanup): Promise<BenchReport> => {
  const started = performance.now();
  const loadAtStart = loadAverage();
  progress(`analysis and decision: ${options.analysisIterations} calls per statement`);
  const analysis = await runAnalysisBench(options.analysisIterations);

  progress('creating the throwaway database and reader role');
  const db = await createBenchDatabase(options.adminUrl, (drop) => cleanup.add('drop database', drop));
  progress('starting the local gateway');
  const gw = await startBenchGateway(db.readerUrl, (stop) => cleanup.add('stop gateway', stop));
  const set = await openScenarios(db.readerUrl, gw);
  cleanup.add('close clients', () => set.close());

  const plan = { warmup: options.warmup, betweenRounds: gw.flush };
  progress(`1-row SELECT: ${options.iterations} requests per scenario`);
  const oneRow = await runRequestBench(
    set.scenarios,
    { ...plan, sql: ONE_ROW_SQL, expectedRows: 1, iterations: options.iterations, blockSize: 50 },
    COLUMNS,
  );
  progress(`1,000-row SELECT: ${options.largeIterations} requests per scenario`);
  const thousandRows = await runRequestBench(
    set.scenarios,
    {
      ...plan,
      sql: THOUSAND_ROWS_SQL,
      expectedRows: 1000,
      iterations: options.largeIterations,
      blockSize: 10,
    },
    COLUMNS,
  );

  progress('counting DynamoDB calls; measuring components alone');
  const dynamoOpsPerRequest = await probeDynamoOps(
    gw.gateway.endpoints.dynamodb,
    set.scenarios,
    ONE_ROW_SQL,
    OPS_PROBE_REQUESTS,
  );
  const components = await runComponentBench({
    gatewayUrl: gw.gateway.url,
    dynamoEndpoint: gw.gateway.endpoints.dynamodb,
    token: gw.token,
    calls: 2000,
  });
  progress(
    `masking: maskResult over ${MASKING_ROWS.toLocaleString('en-US')} rows × 8 columns; ` +
      `1,000-row SELECT on a classified vs an unclassified connection, ${options.largeIterations} requests each`,
  );
  const masking = await runMaskingBench({
    readerUrl: db.readerUrl,
    rows: MASKING_ROWS,
    runs: 15,
    iterations: options.largeIterations,
    warmup: options.warmup,
    onStarted: (stop) => cleanup.add('stop masking gateway', stop),
  });
  progress('stopping the gateways, dropping the database');
  await cleanup.run();

  let bundles: BenchReport['bundles'] = null;
  if (options.bundles) {
    progress('bundling the Lambda entry points');
    bundles = await bundleSizes(ROOT);
  }

  const breakdown = (mode: 'newSession' | 'fixedSession') =>
    estimateBreakdown({
      measured: oneRow.scenarios[mode === 'newSession' ? 'gateway' : 'gatewayFixedSession'],
      executor: oneRow.scenarios.executor,
      dynamo: dynamoOpsPerRequest[mode],
      components,
      analysis: analysis[0]!,
    });
  return {
    schemaVersion: 1,
    ...environment(),
    postgres: db.serverVersion,
    loadAverage: { start: loadAtStart, end: loadAverage() },
    options: {
      iterations: options.iterations,
      largeIterations: options.largeIterations,
      warmup: options.warmup,
      analysisIterations: options.analysisIterations,
    },
    requests: { oneRow, thousandRows },
    analysis,
    components,
    dynamoOpsPerRequest,
    breakdown: { newSession: breakdown('newSession'), fixedSession: breakdown('fixedSession') },
    masking,
    bundles,
    durationMs: Math.round(performance.now() - started),
  };
};

const main = async (): Promise<number> => {
  const options = parseBenchArgs(process.argv.slice(2), process.env);
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // --json: stdout carries the JSON object only, whatever a library might log.
  if (options.json) console.log = console.info = console.debug = console.error;
  const cleanup = new Cleanup();
  cleanup.onSignals();
  try {
    const report = await bench(options, cleanup);
    const output = options.json ? `${JSON.stringify(report)}\n` : renderText(report);
    await new Promise<void>((done) => process.stdout.write(output, () => done()));
    return 0;
  } catch (error) {
    if (cleanup.interrupted) return 1;
    progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    await cleanup.run();
  }
};

// Exit explicitly: keep-alive sockets and SDK clients would otherwise hold the process open.
process.exit(await main());
