// A rough attribution of a gateway request's p50 to its components, each measured alone. Medians
// do not add up exactly; `restMs` holds the difference (middy, body validation, hash chain,
// JSON, the local server's event mapping, GC).
import type {
  AnalysisFigures,
  BreakdownFigures,
  ComponentFigures,
  DynamoModeFigures,
  LatencyFigures,
} from './report.js';
import { round } from './stats.js';

const callsOf = (mode: DynamoModeFigures, operation: string): number =>
  Object.entries(mode.calls)
    .filter(([key]) => key === operation || key === `${operation} (refused)`)
    .reduce((sum, [, n]) => sum + n, 0);

/** Splits `measured` (a gateway scenario of the 1-row SELECT) into component estimates. */
export const estimateBreakdown = (inputs: {
  readonly measured: LatencyFigures;
  readonly executor: LatencyFigures;
  readonly dynamo: DynamoModeFigures;
  readonly components: ComponentFigures;
  readonly analysis: AnalysisFigures;
}): BreakdownFigures => {
  const { components, dynamo } = inputs;
  const ms = (us: number) => us / 1000;
  // GetItem costs about what a PutItem does; Query is measured on its own.
  const writesAndGets = callsOf(dynamo, 'PutItem') + callsOf(dynamo, 'GetItem');
  const queries = callsOf(dynamo, 'Query');
  const parts = {
    httpHopMs: ms(components.httpHealthz.p50Us),
    tokenMs: ms(components.tokenVerify.p50Us),
    analysisAndDecisionMs: ms(inputs.analysis.analyze.p50Us + inputs.analysis.decide.p50Us),
    dynamoMs:
      writesAndGets * ms(components.dynamoConditionalPut.p50Us) +
      queries * ms(components.dynamoHeadQuery.p50Us),
    targetMs: inputs.executor.p50Ms,
  };
  const explained = Object.values(parts).reduce((sum, v) => sum + v, 0);
  return {
    measuredP50Ms: inputs.measured.p50Ms,
    httpHopMs: round(parts.httpHopMs),
    tokenMs: round(parts.tokenMs),
    analysisAndDecisionMs: round(parts.analysisAndDecisionMs),
    dynamoCalls: round(writesAndGets + queries, 2),
    dynamoMs: round(parts.dynamoMs),
    targetMs: round(parts.targetMs),
    restMs: round(inputs.measured.p50Ms - explained),
  };
};
