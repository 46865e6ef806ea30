// The shape of one bench run's figures: what --json prints and the text tables render.
import type { ScenarioId } from './scenarios.js';

/** Latency of one scenario, in milliseconds. */
export interface LatencyFigures {
  readonly label: string;
  readonly n: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

/** A scenario's latency divided by pg direct's, at p50 and p99. */
export interface Ratio {
  readonly p50: number;
  readonly p99: number;
}

/** One SQL text measured across every scenario. */
export interface RequestFigures {
  readonly sql: string;
  readonly rows: number;
  readonly columns: number;
  readonly scenarios: Readonly<Record<ScenarioId, LatencyFigures>>;
  /** Each non-direct scenario over pg direct. */
  readonly ratiosVsDirect: Readonly<Record<Exclude<ScenarioId, 'direct'>, Ratio>>;
  /** Each non-direct scenario's p50 minus pg direct's, in ms: the added latency. */
  readonly addedP50MsVsDirect: Readonly<Record<Exclude<ScenarioId, 'direct'>, number>>;
}

/** p50/p99 in microseconds and calls per second (from the mean). */
export interface MicroFigures {
  readonly n: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly perSecond: number;
}

/** Analysis and decision of one statement, without I/O. */
export interface AnalysisFigures {
  readonly statement: string;
  readonly chars: number;
  readonly analyze: MicroFigures;
  readonly decide: MicroFigures;
  /** Analysis and Cedar decision together, as the request path runs them. */
  readonly analyzeAndDecide: MicroFigures;
  /** analyzeAndDecide p50 / analyze p50 and p99 / p99: what the policy engine adds to parsing. */
  readonly ratioToParse: { readonly p50: number; readonly p99: number };
  /** The decision's rule, to show the path taken. */
  readonly rule: string;
}

/** Single components of a gateway request, measured alone in this process. */
export interface ComponentFigures {
  /** Verifying the bench token (RS256, cached JWKS), via the gateway's verifier adapter. */
  readonly tokenVerify: MicroFigures;
  /** One conditional PutItem to the gateway's dynalite, via the AWS SDK. */
  readonly dynamoConditionalPut: MicroFigures;
  /** The recorder's head read: a Query, newest first, Limit 1, to the gateway's dynalite. */
  readonly dynamoHeadQuery: MicroFigures;
  /** GET /healthz on the gateway: the HTTP hop, routing and middy, without any work. */
  readonly httpHealthz: MicroFigures;
}

/** DynamoDB calls of one gateway mode, seen at dynalite, per request. */
export interface DynamoModeFigures {
  /** Calls by operation; `<operation> (refused)` for conditional failures. */
  readonly calls: Readonly<Record<string, number>>;
  /** Time inside dynalite (request start to response end), summed over a request's calls. */
  readonly dynaliteMsPerRequest: number;
  /** Mean latency of the probed gateway requests, for scale. */
  readonly requestMeanMs: number;
}

/** DynamoDB calls per gateway request, for a new session each time and for a fixed session. */
export interface DynamoOpsFigures {
  readonly requests: number;
  readonly newSession: DynamoModeFigures;
  readonly fixedSession: DynamoModeFigures;
}

/** A gateway request's p50 attributed to components measured alone (rough: medians do not add). */
export interface BreakdownFigures {
  readonly measuredP50Ms: number;
  /** GET /healthz p50: client fetch, local server, routing, middy. */
  readonly httpHopMs: number;
  readonly tokenMs: number;
  readonly analysisAndDecisionMs: number;
  /** DynamoDB calls per request, from the dynalite probe. */
  readonly dynamoCalls: number;
  /** Calls × their p50 alone (AWS SDK client + dynalite). */
  readonly dynamoMs: number;
  /** The PostgresExecutor alone (BEGIN READ ONLY, SET LOCAL, cursor, ROLLBACK). */
  readonly targetMs: number;
  /** Measured minus the rest: middy, validation, hash chain, JSON, event mapping, GC. */
  readonly restMs: number;
}

/** A package's share of a bundle. */
export interface PackageShare {
  /** npm package name, or `(project)` for this repository's own code. */
  readonly name: string;
  readonly bytes: number;
}

/** One Lambda bundle. */
export interface BundleFigures {
  readonly entry: string;
  readonly mjsBytes: number;
  readonly mjsGzipBytes: number;
  /** The largest contributors to the .mjs, by bytes in the output. */
  readonly largestPackages: readonly PackageShare[];
}

/** maskResult over a synthetic result, one path (median of the timed runs). */
export interface MaskingPathFigures {
  readonly runs: number;
  readonly msPerRun: number;
  readonly cellsPerSecond: number;
  /** JSON.stringify of the same rows, timed in the same runs (median). */
  readonly jsonMsPerRun: number;
  readonly jsonCellsPerSecond: number;
  /** msPerRun / jsonMsPerRun: the target is at most 1. */
  readonly ratioToJson: number;
  /** Output columns masked whole (lineage); 0 on the detector-only path. */
  readonly maskedColumns: number;
  /** Values the detectors masked in one run. */
  readonly detectedValues: number;
}

/** Inline masking: maskResult's throughput, and its cost on a 1,000-row gateway request. */
export interface MaskingFigures {
  readonly throughput: {
    readonly rows: number;
    readonly columns: number;
    readonly cells: number;
    /** Columns classified (and lineage-resolved) on the lineage path; the rest go to the detectors. */
    readonly classifiedOnLineagePath: readonly string[];
    /** Nothing classified, no lineage: every cell through every detector. */
    readonly detectorOnly: MaskingPathFigures;
    readonly lineage: MaskingPathFigures;
  };
  /** The same SELECT on two connections to the same database, interleaved, new session per request. */
  readonly gateway: {
    readonly sql: string;
    readonly rows: number;
    /** The classified connection's classification. */
    readonly classification: Readonly<Record<string, string>>;
    readonly unclassified: LatencyFigures;
    readonly classified: LatencyFigures;
    /** classified / unclassified, at p50 and p99. */
    readonly ratio: Ratio;
    readonly addedP50Ms: number;
    /**
     * maskResult over 1,000 synthetic rows × 8 columns, every detector on (median), against the
     * 1,000-row request's p50 on the unclassified connection (where every cell goes through the
     * detectors): the share of the request masking takes.
     */
    readonly maskingShare: {
      readonly maskingMs: number;
      readonly requestP50Ms: number;
      readonly share: number;
    };
  };
}

/** Everything one run measured. */
export interface BenchReport {
  readonly schemaVersion: 1;
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly postgres: string;
  /** os.loadavg() (1, 5, 15 min) at start and end: other work on the machine skews absolute figures. */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly options: {
    readonly iterations: number;
    readonly largeIterations: number;
    readonly warmup: number;
    readonly analysisIterations: number;
  };
  readonly requests: { readonly oneRow: RequestFigures; readonly thousandRows: RequestFigures };
  readonly analysis: readonly AnalysisFigures[];
  readonly components: ComponentFigures;
  readonly dynamoOpsPerRequest: DynamoOpsFigures;
  /** The 1-row SELECT's gateway p50, attributed to components. */
  readonly breakdown: { readonly newSession: BreakdownFigures; readonly fixedSession: BreakdownFigures };
  readonly masking: MaskingFigures;
  /** null with --skip-bundles. */
  readonly bundles: {
    readonly entries: readonly BundleFigures[];
    readonly libpgQueryWasmBytes: number;
  } | null;
  readonly durationMs: number;
}
