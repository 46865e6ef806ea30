// The masking bench: maskResult's throughput over synthetic rows of realistic strings (detector
// path and lineage path), and a 1,000-row SELECT through a gateway on a classified connection vs
// the same SELECT on an unclassified one, side by side on the bench's PostgreSQL database.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { loadDevIssuer } from '../lambdas/adapters/local/dev-issuer.js';
import type { Logger } from '../lambdas/core/ports.js';
import { type LocalGateway, startLocalGateway } from '../lambdas/wiring/local.js';
import { BENCH_ROW_LIMIT, BENCH_STATEMENT_TIMEOUT_MS } from './gateway-fixture.js';
import { SYNTHETIC_CLASSIFIED, syntheticResult } from './masking-rows.js';
import { timeMasking } from './masking-throughput.js';
import { BENCH_TABLE } from './postgres-fixture.js';
import type { LatencyFigures, MaskingFigures } from './report.js';
import { THOUSAND_ROWS_SQL } from './statements.js';
import { round, summarize } from './stats.js';

// --- the gateway, classified vs unclassified ----------------------------------------------------

/** Two of the bench table's 8 columns, classified on the `classified` connection. */
export const BENCH_CLASSIFICATION: Readonly<Record<string, string>> = {
  [`${BENCH_TABLE}.customer`]: 'PERSON',
  [`${BENCH_TABLE}.sku`]: 'SECRET',
};
const UNCLASSIFIED = 'bench-unclassified';
const CLASSIFIED = 'bench-classified';

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

interface MaskingGateway {
  readonly url: (connection: string) => string;
  readonly token: string;
  flush(): Promise<void>;
}

/** A gateway declaring the same target twice: unclassified, and with two columns classified. */
const startMaskingGateway = async (
  targetUrl: string,
  onStarted: (stop: () => Promise<void>) => void,
): Promise<MaskingGateway> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-masking-'));
  let gateway: LocalGateway | undefined;
  onStarted(async () => {
    try {
      await gateway?.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  const connection = (name: string, classification: Record<string, string>) => ({
    name,
    kind: 'postgres',
    allowGroups: ['agents'],
    target: { url: targetUrl },
    classification,
    limits: { rowLimit: BENCH_ROW_LIMIT, statementTimeoutMs: BENCH_STATEMENT_TIMEOUT_MS },
  });
  const configFile = join(dataDir, 'tollgate.yaml');
  writeFileSync(
    configFile,
    stringify({
      connections: [connection(UNCLASSIFIED, {}), connection(CLASSIFIED, { ...BENCH_CLASSIFICATION })],
    }),
  );
  gateway = await startLocalGateway({
    dataDir,
    configFile,
    port: 0,
    logger: silentLogger,
    env: {},
    archiveIntervalMs: 3_600_000,
  });
  const started = gateway;
  return {
    url: (name) => `${started.url}/v1/connections/${name}/sql`,
    token: loadDevIssuer(join(dataDir, 'issuer')).signToken({
      sub: 'bench',
      groups: ['agents'],
      ttlSeconds: 3600,
    }),
    flush: () => started.flushRecordings(),
  };
};

interface Answer {
  readonly rowCount: number;
  readonly masking?: { readonly maskedColumns?: readonly { column: string; reason: string }[] };
}

const post = async (gw: MaskingGateway, connection: string): Promise<Answer> => {
  const response = await fetch(gw.url(connection), {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql: THOUSAND_ROWS_SQL }),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`${connection}: gateway answered ${response.status}: ${text.slice(0, 300)}`);
  const answer = JSON.parse(text) as Answer;
  if (answer.rowCount !== BENCH_ROW_LIMIT)
    throw new Error(`${connection}: ${answer.rowCount} rows, expected 1000`);
  return answer;
};

const latency = (label: string, samples: readonly number[]): LatencyFigures => {
  const s = summarize(samples);
  return { label, n: s.n, p50Ms: round(s.p50), p99Ms: round(s.p99), meanMs: round(s.mean) };
};

export interface MaskingBenchOptions {
  readonly readerUrl: string;
  /** Rows of the synthetic result for maskResult's throughput. */
  readonly rows: number;
  readonly runs: number;
  /** Timed requests per connection, and warm-up requests before. */
  readonly iterations: number;
  readonly warmup: number;
  readonly onStarted: (stop: () => Promise<void>) => void;
}

export const runMaskingBench = async (options: MaskingBenchOptions): Promise<MaskingFigures> => {
  const result = syntheticResult(options.rows);
  const detectorOnly = timeMasking(result, options.runs, false);
  const lineage = timeMasking(result, options.runs, true);
  // maskResult over 1,000 synthetic rows with every detector on: what masking adds to one
  // 1,000-row request (the gateway masks in-process, synchronously, before answering).
  const thousand = timeMasking(syntheticResult(BENCH_ROW_LIMIT), Math.max(options.runs, 21), false);
  if (detectorOnly.sink + lineage.sink + thousand.sink === 0) throw new Error('maskResult returned no rows');

  const gw = await startMaskingGateway(options.readerUrl, options.onStarted);
  // The classified connection masks its two columns by lineage; the other masks none.
  const check = async (connection: string, expected: string[]) => {
    const masked = (await post(gw, connection)).masking?.maskedColumns ?? [];
    const got = masked.map((m) => `${m.column}:${m.reason}`).sort();
    if (JSON.stringify(got) !== JSON.stringify(expected))
      throw new Error(`${connection}: masked ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  };
  await check(UNCLASSIFIED, []);
  await check(CLASSIFIED, ['customer:lineage', 'sku:lineage']);
  for (let i = 0; i < options.warmup; i++) {
    await post(gw, UNCLASSIFIED);
    await post(gw, CLASSIFIED);
  }
  await gw.flush();
  // Interleaved blocks of 10, the order alternating, as the request bench does.
  const samples: Record<string, number[]> = { [UNCLASSIFIED]: [], [CLASSIFIED]: [] };
  const block = 10;
  for (let done = 0, round = 0; done < options.iterations; done += block, round++) {
    const count = Math.min(block, options.iterations - done);
    const order = round % 2 === 0 ? [UNCLASSIFIED, CLASSIFIED] : [CLASSIFIED, UNCLASSIFIED];
    for (const connection of order) {
      for (let i = 0; i < count; i++) {
        const start = performance.now();
        await post(gw, connection);
        samples[connection]!.push(performance.now() - start);
      }
    }
    await gw.flush();
  }
  const unclassified = latency('unclassified connection (detectors only)', samples[UNCLASSIFIED]!);
  const classified = latency('classified connection (2 of 8 columns)', samples[CLASSIFIED]!);
  return {
    throughput: {
      rows: result.rows.length,
      columns: result.columns.length,
      cells: result.rows.length * result.columns.length,
      classifiedOnLineagePath: Object.keys(SYNTHETIC_CLASSIFIED).map((k) => k.split('.')[1]!),
      detectorOnly: detectorOnly.figures,
      lineage: lineage.figures,
    },
    gateway: {
      sql: THOUSAND_ROWS_SQL,
      rows: BENCH_ROW_LIMIT,
      classification: { ...BENCH_CLASSIFICATION },
      unclassified,
      classified,
      ratio: {
        p50: round(classified.p50Ms / unclassified.p50Ms, 2),
        p99: round(classified.p99Ms / unclassified.p99Ms, 2),
      },
      addedP50Ms: round(classified.p50Ms - unclassified.p50Ms),
      maskingShare: {
        maskingMs: thousand.figures.msPerRun,
        requestP50Ms: unclassified.p50Ms,
        share: round(thousand.figures.msPerRun / unclassified.p50Ms, 3),
      },
    },
  };
};
