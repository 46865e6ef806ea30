// The masking bench: maskResult's throughput over synthetic rows of realistic strings (detector
// path and lineage path), and a 1,000-row SELECT through a gateway on a classified connection vs
// the same SELECT on an unclassified one, side by side on the bench's PostgreSQL database.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { loadDevIssuer } from '../lambdas/adapters/local/dev-issuer.js';
import { connectionSchema } from '../lambdas/core/config/connection.js';
import type { OutputLineage } from '../lambdas/core/masking/lineage.js';
import { maskResult } from '../lambdas/core/masking/mask-result.js';
import { assumedResolution, resolveClassification } from '../lambdas/core/masking/resolved-classification.js';
import type { Logger, ResultSet } from '../lambdas/core/ports.js';
import { type LocalGateway, startLocalGateway } from '../lambdas/wiring/local.js';
import { BENCH_ROW_LIMIT, BENCH_STATEMENT_TIMEOUT_MS } from './gateway-fixture.js';
import { BENCH_TABLE } from './postgres-fixture.js';
import type { LatencyFigures, MaskingFigures, MaskingPathFigures } from './report.js';
import { THOUSAND_ROWS_SQL } from './statements.js';
import { round, summarize } from './stats.js';

// --- synthetic rows ---------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so every run masks the same rows. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const FIRST = ['Ethan', 'Priya', 'Yuki', 'Oliver', 'Amara', 'Lucas', 'Fatima', 'Mateo', 'Grace', 'Omar'];
const LAST = ['Garcia', "O'Brien", 'Williams', 'Khan', 'Rossi', 'Okafor', 'Tanaka', 'Müller', 'Novak', 'Lee'];
const STREETS = ['Willow Boulevard', 'Mission Road', 'Cedar Street', 'Hill Court', 'Maple Drive'];
const CITIES = ['Denver, CO 80205', 'Seattle, WA 98103', 'Boston, MA 02134', 'London N1 9GU'];
const STATUSES = ['pending', 'paid', 'shipped', 'refunded', 'cancelled'];
const PLAIN_NOTES = [
  'Gift orders go to a different address each December.',
  'VIP - expedite shipping on all orders.',
  'Order #1042 arrived damaged; replacement sent.',
  'Tax exempt certificate pending.',
];

/** A Luhn-valid 16-digit test card number on a test BIN. */
const cardNumber = (random: () => number): string => {
  const digits = [...(random() < 0.5 ? '411111' : '555555')].map(Number);
  while (digits.length < 15) digits.push(Math.floor(random() * 10));
  const sum = digits
    .slice()
    .reverse()
    .reduce((s, d, i) => s + (i % 2 === 0 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
  digits.push((10 - (sum % 10)) % 10);
  const text = digits.join('');
  return random() < 0.5 ? text : text.replace(/(\d{4})(?=\d)/g, '$1 ');
};

const phone = (random: () => number): string => {
  const n = String(100 + Math.floor(random() * 100)).slice(1);
  const area = ['303', '206', '617', '212'][Math.floor(random() * 4)]!;
  return [`(${area}) 555-01${n}`, `+1 ${area} 555 01${n}`, `${area}-555-01${n}`, `+44 20 7946 0${n}1`][
    Math.floor(random() * 4)
  ]!;
};

/** Columns of the synthetic result; four of them classified on the lineage path. */
const SYNTHETIC_COLUMNS = [
  'order_ref',
  'full_name',
  'email',
  'phone',
  'card_number',
  'status',
  'address',
  'notes',
];
const SYNTHETIC_CLASSIFIED: Readonly<Record<string, string>> = {
  'people.full_name': 'PERSON',
  'people.email': 'EMAIL_ADDRESS',
  'people.phone': 'PHONE_NUMBER',
  'people.card_number': 'CREDIT_CARD',
};

/** `rows` × 8 columns of strings: plain text, e-mails, phones, cards, notes with PII in about half. */
export const syntheticResult = (rows: number): ResultSet => {
  const random = prng(20_260_101);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const data = Array.from({ length: rows }, (_, i) => {
    const first = pick(FIRST);
    const last = pick(LAST);
    const email = `${first}.${last.replace(/\W/g, '')}${i % 100}@example.com`.toLowerCase();
    const r = random();
    const notes =
      r < 0.5
        ? pick(PLAIN_NOTES)
        : r < 0.7
          ? `Left voicemail at ${phone(random)}; follow up by email ${first.toLowerCase()}.billing@example.org.`
          : r < 0.85
            ? `Card ${cardNumber(random)} was declined twice; customer updated billing details.`
            : `Identity verified by phone, SSN 123-45-${String(1000 + (i % 9000))} on file.`;
    return [
      `ORD-${String(i).padStart(6, '0')}`,
      `${first} ${last}`,
      email,
      phone(random),
      cardNumber(random),
      pick(STATUSES),
      `${100 + Math.floor(random() * 9000)} ${pick(STREETS)}, ${pick(CITIES)}`,
      notes,
    ];
  });
  return {
    columns: SYNTHETIC_COLUMNS.map((name) => ({ name, type: 'text' })),
    rows: data,
    rowCount: rows,
    truncated: false,
  };
};

const TOKEN_KEY = 'bench-masking-token-key-0123456789abcdef';

/**
 * Times `maskResult` on `result` and `JSON.stringify` of the same rows, side by side (each timed
 * run masks, then encodes): one warm-up run, then `runs` timed runs; the medians count.
 */
const timeMasking = (
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
  const report = once();
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
      msPerRun: round(median, 1),
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
