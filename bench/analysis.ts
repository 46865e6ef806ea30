// Cost of the request path's pure steps: SQL analysis (libpg-query) and the Cedar decision.

import { compilePolicyFolder } from '../lambdas/adapters/config/policy-files.js';
import { connectionSchema } from '../lambdas/core/config/connection.js';
import type { Principal } from '../lambdas/core/identity/principal.js';
import { createCedarPolicyEngine } from '../lambdas/core/policy/cedar-policy-engine.js';
import { postgresAnalyzer } from '../lambdas/core/sql/analyze-postgres.js';
import { decideSql } from '../lambdas/core/sql/sql-questions.js';
import { microbench } from './micro.js';
import type { AnalysisFigures } from './report.js';
import { ANALYSIS_STATEMENTS } from './statements.js';

const principal: Principal = {
  sub: 'bench',
  issuer: 'tollgate-local',
  groups: ['agents'],
  tokenId: undefined,
  actsFor: undefined,
};

const connection = connectionSchema.parse({
  name: 'bench-postgres',
  kind: 'postgres',
  allowGroups: ['agents'],
  target: { url: 'postgres://reader@127.0.0.1:5432/bench' },
});

/** Times `analyze` call by call and `decide` in batches of 100, for each representative statement. */
export const runAnalysisBench = async (calls: number): Promise<AnalysisFigures[]> => {
  await postgresAnalyzer.load();
  const engine = createCedarPolicyEngine(compilePolicyFolder('policies'));
  return ANALYSIS_STATEMENTS.map(({ id, sql }) => {
    const facts = postgresAnalyzer.analyze(sql);
    if (!facts.parseOk) throw new Error(`${id} does not parse: ${facts.error}`);
    const input = { principal, connection, facts };
    const analyze = microbench(() => postgresAnalyzer.analyze(sql), calls, 1);
    const both = microbench(
      () => {
        const analysed = postgresAnalyzer.analyze(sql);
        return analysed.parseOk && decideSql(engine, { principal, connection, facts: analysed });
      },
      calls,
      1,
    );
    return {
      statement: id,
      chars: sql.length,
      analyze,
      decide: microbench(() => decideSql(engine, input), calls, 1),
      analyzeAndDecide: both,
      ratioToParse: {
        p50: Math.round((both.p50Us / analyze.p50Us) * 100) / 100,
        p99: Math.round((both.p99Us / analyze.p99Us) * 100) / 100,
      },
      rule: decideSql(engine, input).rule,
    };
  });
};
