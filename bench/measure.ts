// Interleaved latency measurement: every scenario is warmed up, then timed in alternating
// blocks, so machine noise (GC, other processes, CPU frequency) falls on all of them alike.
import { performance } from 'node:perf_hooks';
import type { Scenario, ScenarioId } from './scenarios.js';

/** How to measure one SQL text across scenarios. */
export interface MeasurePlan {
  readonly sql: string;
  /** Rows every scenario must return; a mismatch aborts the bench. */
  readonly expectedRows: number;
  readonly iterations: number;
  readonly warmup: number;
  /** Timed requests per scenario per round; the scenario order rotates every round. */
  readonly blockSize: number;
  /** Untimed work between rounds (archiving recordings). */
  readonly betweenRounds: () => Promise<void>;
}

const checkRows = (scenario: Scenario, rows: number, expected: number): void => {
  if (rows !== expected) throw new Error(`${scenario.label}: ${rows} rows, expected ${expected}`);
};

/** Runs the plan; returns each scenario's latencies in milliseconds. */
export const measureInterleaved = async (
  scenarios: readonly Scenario[],
  plan: MeasurePlan,
): Promise<Map<ScenarioId, number[]>> => {
  for (const scenario of scenarios) {
    for (let i = 0; i < plan.warmup; i++)
      checkRows(scenario, await scenario.send(plan.sql), plan.expectedRows);
  }
  await plan.betweenRounds();

  const samples = new Map<ScenarioId, number[]>(scenarios.map((s) => [s.id, []]));
  const rounds = Math.ceil(plan.iterations / plan.blockSize);
  for (let round = 0; round < rounds; round++) {
    const count = Math.min(plan.blockSize, plan.iterations - round * plan.blockSize);
    for (let k = 0; k < scenarios.length; k++) {
      const scenario = scenarios[(round + k) % scenarios.length]!;
      const into = samples.get(scenario.id)!;
      for (let i = 0; i < count; i++) {
        const start = performance.now();
        const rows = await scenario.send(plan.sql);
        into.push(performance.now() - start);
        checkRows(scenario, rows, plan.expectedRows);
      }
    }
    await plan.betweenRounds();
  }
  return samples;
};
