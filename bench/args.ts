// Command-line options of `npm run bench`.
import { parseArgs } from 'node:util';

/** What one bench run measures and how it reports. */
export interface BenchOptions {
  /** Print one JSON object on stdout instead of tables. */
  readonly json: boolean;
  /** Timed requests per scenario for the 1-row SELECT. */
  readonly iterations: number;
  /** Timed requests per scenario for the 1,000-row SELECT. */
  readonly largeIterations: number;
  /** Untimed requests per scenario before measuring. */
  readonly warmup: number;
  /** Timed calls per statement for analysis and decision. */
  readonly analysisIterations: number;
  /** Bundle the Lambda entry points and report their sizes. */
  readonly bundles: boolean;
  /** Administrator URL of the PostgreSQL server to measure against. */
  readonly adminUrl: string;
}

export const USAGE = `Usage: npm run bench -- [options]
  --json               one JSON object on stdout (progress goes to stderr)
  --iterations N       timed requests per scenario, 1-row SELECT (default 1000);
                       the 1,000-row SELECT runs N/5 (default 200)
  --warmup N           untimed requests per scenario first (default 50)
  --skip-bundles       do not bundle the Lambda entry points
  --help               this text
Environment: TOLLGATE_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres)`;

const positiveInt = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return value;
};

/** Parses argv (without node and script); returns undefined when help was asked for. */
export const parseBenchArgs = (
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): BenchOptions | undefined => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      iterations: { type: 'string' },
      warmup: { type: 'string' },
      'skip-bundles': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const iterations = positiveInt('iterations', values.iterations, 1000);
  return {
    json: values.json,
    iterations,
    largeIterations: Math.max(1, Math.ceil(iterations / 5)),
    warmup: positiveInt('warmup', values.warmup, 50),
    analysisIterations: 5000,
    bundles: !values['skip-bundles'],
    adminUrl: env.TOLLGATE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
};
