// The request bench: one SQL text through every scenario, interleaved, summarised as figures
// and ratios to pg direct.
import { type MeasurePlan, measureInterleaved } from './measure.js';
import type { LatencyFigures, Ratio, RequestFigures } from './report.js';
import type { Scenario, ScenarioId } from './scenarios.js';
import { round, summarize } from './stats.js';

const ratio = (of: LatencyFigures, base: LatencyFigures): Ratio => ({
  p50: round(of.p50Ms / base.p50Ms, 2),
  p99: round(of.p99Ms / base.p99Ms, 2),
});

/** Measures `plan.sql` through every scenario; `columns` is only reported. */
export const runRequestBench = async (
  scenarios: readonly Scenario[],
  plan: MeasurePlan,
  columns: number,
): Promise<RequestFigures> => {
  const samples = await measureInterleaved(scenarios, plan);
  const figures = {} as Record<ScenarioId, LatencyFigures>;
  for (const scenario of scenarios) {
    const summary = summarize(samples.get(scenario.id)!);
    figures[scenario.id] = {
      label: scenario.label,
      n: summary.n,
      p50Ms: round(summary.p50),
      p99Ms: round(summary.p99),
      meanMs: round(summary.mean),
    };
  }
  return {
    sql: plan.sql,
    rows: plan.expectedRows,
    columns,
    scenarios: figures,
    ratiosVsDirect: {
      executor: ratio(figures.executor, figures.direct),
      gateway: ratio(figures.gateway, figures.direct),
      gatewayFixedSession: ratio(figures.gatewayFixedSession, figures.direct),
    },
    addedP50MsVsDirect: {
      executor: round(figures.executor.p50Ms - figures.direct.p50Ms),
      gateway: round(figures.gateway.p50Ms - figures.direct.p50Ms),
      gatewayFixedSession: round(figures.gatewayFixedSession.p50Ms - figures.direct.p50Ms),
    },
  };
};
