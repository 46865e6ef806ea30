// The readable rendering of a bench report: one table per measurement.
import type {
  BenchReport,
  ComponentFigures,
  DynamoOpsFigures,
  MaskingFigures,
  RequestFigures,
} from './report.js';
import type { ScenarioId } from './scenarios.js';
import { num, renderTable } from './table.js';

const requestTable = (title: string, figures: RequestFigures): string => {
  const rows = (Object.keys(figures.scenarios) as ScenarioId[]).map((id) => {
    const s = figures.scenarios[id];
    const r = id === 'direct' ? { p50: 1, p99: 1 } : figures.ratiosVsDirect[id];
    const added = id === 'direct' ? '' : num(figures.addedP50MsVsDirect[id], 3);
    return [
      s.label,
      num(s.n),
      num(s.p50Ms, 3),
      num(s.p99Ms, 3),
      num(s.meanMs, 3),
      num(r.p50, 2),
      num(r.p99, 2),
      added,
    ];
  });
  return [
    `${title} (${num(figures.rows)} row${figures.rows === 1 ? '' : 's'} × ${figures.columns} columns)`,
    renderTable(
      ['scenario', 'n', 'p50 ms', 'p99 ms', 'mean ms', '×direct p50', '×direct p99', '+ms p50'],
      rows,
    ),
  ].join('\n');
};

const ops = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .map(([op, n]) => `${op} ${num(n, Number.isInteger(n) ? 0 : 2)}`)
    .join(', ') || 'none';

const dynamoSection = (figures: DynamoOpsFigures): string =>
  [
    `DynamoDB calls per gateway request (1-row SELECT, seen at dynalite, ${figures.requests} requests per mode)`,
    renderTable(
      ['mode', 'calls per request', 'ms in dynalite', 'request mean ms'],
      (
        [
          ['new session per request', figures.newSession],
          ['fixed X-Tollgate-Session', figures.fixedSession],
        ] as const
      ).map(([mode, f]) => [mode, ops(f.calls), num(f.dynaliteMsPerRequest, 3), num(f.requestMeanMs, 3)]),
      [0, 1],
    ),
  ].join('\n');

const componentsSection = (components: ComponentFigures): string =>
  [
    'Components alone (in this process, sequential)',
    renderTable(
      ['component', 'n', 'p50 µs', 'p99 µs', 'per s'],
      (
        [
          ['GET /healthz on the gateway (HTTP hop + middy)', components.httpHealthz],
          ['token verification (RS256, cached JWKS)', components.tokenVerify],
          ['conditional PutItem to dynalite (AWS SDK)', components.dynamoConditionalPut],
          ['head Query (Limit 1) to dynalite (AWS SDK)', components.dynamoHeadQuery],
        ] as const
      ).map(([label, f]) => [label, num(f.n), num(f.p50Us, 1), num(f.p99Us, 1), num(f.perSecond)]),
    ),
  ].join('\n');

const breakdownSection = (breakdown: BenchReport['breakdown']): string =>
  [
    "Where a 1-row gateway request's p50 goes (components' p50 alone; rough, medians do not add)",
    renderTable(
      ['mode', 'measured', 'HTTP hop', 'token', 'analysis', 'DynamoDB', 'calls', 'target pg', 'rest'],
      (
        [
          ['new session per request', breakdown.newSession],
          ['fixed X-Tollgate-Session', breakdown.fixedSession],
        ] as const
      ).map(([mode, b]) => [
        mode,
        num(b.measuredP50Ms, 2),
        num(b.httpHopMs, 2),
        num(b.tokenMs, 2),
        num(b.analysisAndDecisionMs, 2),
        num(b.dynamoMs, 2),
        num(b.dynamoCalls, 0),
        num(b.targetMs, 2),
        num(b.restMs, 2),
      ]),
    ),
    '  (ms; HTTP hop = GET /healthz; DynamoDB = calls × p50 of one call; rest = middy, validation, hash chain, JSON, GC)',
  ].join('\n');

const maskingSection = (masking: MaskingFigures): string => {
  const { throughput: t, gateway: g } = masking;
  const classes = Object.entries(g.classification)
    .map(([column, dataClass]) => `${column.split('.').pop()} → ${dataClass}`)
    .join(', ');
  return [
    `Inline masking: maskResult over ${num(t.rows)} rows × ${t.columns} columns (${num(t.cells)} cells of names, ` +
      'e-mails, phones, cards, notes with PII), all detectors on',
    renderTable(
      [
        'path',
        'runs',
        'ms per run',
        'cells/s',
        'JSON ms',
        'JSON cells/s',
        '×JSON',
        'columns masked whole',
        'values detected',
      ],
      (
        [
          ['detector-only (nothing classified)', t.detectorOnly],
          [`lineage (${t.classifiedOnLineagePath.join(', ')} classified)`, t.lineage],
        ] as const
      ).map(([label, f]) => [
        label,
        num(f.runs),
        num(f.msPerRun, 1),
        num(f.cellsPerSecond),
        num(f.jsonMsPerRun, 2),
        num(f.jsonCellsPerSecond),
        num(f.ratioToJson, 2),
        num(f.maskedColumns),
        num(f.detectedValues),
      ]),
    ),
    '',
    `1,000-row SELECT through the gateway, classified (${classes}) vs unclassified connection, same database`,
    renderTable(
      ['connection', 'n', 'p50 ms', 'p99 ms', 'mean ms', '×unclassified p50', '×unclassified p99', '+ms p50'],
      (
        [
          [g.unclassified, { p50: 1, p99: 1 }, ''],
          [g.classified, g.ratio, num(g.addedP50Ms, 3)],
        ] as const
      ).map(([f, r, added]) => [
        f.label,
        num(f.n),
        num(f.p50Ms, 3),
        num(f.p99Ms, 3),
        num(f.meanMs, 3),
        num(r.p50, 2),
        num(r.p99, 2),
        added,
      ]),
    ),
    '  (both connections run the value detectors on every string; the classified one also traces column lineage)',
    `  masking share of the 1,000-row request: maskResult over 1,000 rows × 8 columns, all detectors on, ` +
      `${num(g.maskingShare.maskingMs, 1)} ms of the unclassified p50 ${num(g.maskingShare.requestP50Ms, 3)} ms ` +
      `= ${num(100 * g.maskingShare.share, 1)}%`,
    `  target: maskResult at most JSON.stringify of the same rows (×JSON ≤ 1); the detector-only path ran at ` +
      `×${num(t.detectorOnly.ratioToJson, 2)}`,
  ].join('\n');
};

const bundlesSection = (bundles: NonNullable<BenchReport['bundles']>): string =>
  [
    'Lambda bundles (esbuild: ESM, node22, minified, createRequire banner)',
    renderTable(
      ['file', 'bytes', 'gzip bytes', 'largest packages (KB in output)'],
      [
        ...bundles.entries.map((b) => [
          `${b.entry} → index.mjs`,
          num(b.mjsBytes),
          num(b.mjsGzipBytes),
          b.largestPackages.map((p) => `${p.name} ${num(p.bytes / 1024)}`).join(', '),
        ]),
        ['libpg-query.wasm (beside the sql bundle)', num(bundles.libpgQueryWasmBytes), '', ''],
      ],
      [0, 3],
    ),
  ].join('\n');

/** Renders the whole report as text. */
export const renderText = (report: BenchReport): string => {
  const { requests, components } = report;
  const sections = [
    `Tollgate bench — ${report.date}`,
    `Node ${report.node}, ${report.platform}, ${report.cpus} × ${report.cpuModel}; PostgreSQL ${report.postgres}`,
    `Load average (1/5/15 min): ${report.loadAverage.start.join(' ')} at start, ${report.loadAverage.end.join(' ')} at end`,
    `Requests are sequential on one connection (HTTP keep-alive); ${report.options.warmup} warm-up requests per scenario, ` +
      'then timed rounds with the scenario order rotating.',
    '',
    requestTable('1-row SELECT', requests.oneRow),
    '',
    requestTable('1,000-row SELECT', requests.thousandRows),
    '',
    dynamoSection(report.dynamoOpsPerRequest),
    '',
    componentsSection(components),
    '',
    breakdownSection(report.breakdown),
    '',
    maskingSection(report.masking),
    '',
    'SQL analysis (libpg-query) and decision (Cedar, default pack), no I/O',
    renderTable(
      [
        'statement',
        'chars',
        'parse p50 µs',
        'p99 µs',
        'Cedar p50 µs',
        'decisions/s',
        'parse+decide p50 µs',
        'p99 µs',
        'ratio p50',
        'ratio p99',
        'rule',
      ],
      report.analysis.map((a) => [
        a.statement,
        num(a.chars),
        num(a.analyze.p50Us, 1),
        num(a.analyze.p99Us, 1),
        num(a.decide.p50Us, 1),
        num(a.decide.perSecond),
        num(a.analyzeAndDecide.p50Us, 1),
        num(a.analyzeAndDecide.p99Us, 1),
        `${num(a.ratioToParse.p50, 2)}×`,
        `${num(a.ratioToParse.p99, 2)}×`,
        a.rule,
      ]),
      [0, 10],
    ),
    '',
  ];
  if (report.bundles) sections.push(bundlesSection(report.bundles), '');
  sections.push(`Total runtime ${num(report.durationMs / 1000, 1)} s`);
  return `${sections.join('\n')}\n`;
};
