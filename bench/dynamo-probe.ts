// How many DynamoDB calls one gateway request makes, and how long dynalite takes for them,
// for a new session per request and for a fixed session.
import { performance } from 'node:perf_hooks';
import { countDynamoOps, perRequest } from './dynamo-ops.js';
import type { DynamoModeFigures, DynamoOpsFigures } from './report.js';
import type { Scenario, ScenarioId } from './scenarios.js';
import { round } from './stats.js';

/** Sends `requests` 1-row SELECTs per gateway mode while watching dynalite. */
export const probeDynamoOps = async (
  endpoint: string,
  scenarios: readonly Scenario[],
  sql: string,
  requests: number,
): Promise<DynamoOpsFigures> => {
  const probe = async (id: ScenarioId): Promise<DynamoModeFigures> => {
    const scenario = scenarios.find((s) => s.id === id);
    if (!scenario) throw new Error(`no scenario ${id}`);
    let totalMs = 0;
    const ops = await countDynamoOps(endpoint, async () => {
      for (let i = 0; i < requests; i++) {
        const start = performance.now();
        await scenario.send(sql);
        totalMs += performance.now() - start;
      }
    });
    return {
      calls: perRequest(ops.counts, requests),
      dynaliteMsPerRequest: round(ops.serverMs / requests),
      requestMeanMs: round(totalMs / requests),
    };
  };
  return { requests, newSession: await probe('gateway'), fixedSession: await probe('gatewayFixedSession') };
};
