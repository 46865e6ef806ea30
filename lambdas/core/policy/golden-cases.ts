// Golden policy tests: request facts in, expected outcome out. `tollgate policy test` and
// `npm test` run the same cases (policies/tests/*.yaml) through the real analysis and engine.
import { z } from 'zod';
import { type Connection, connectionSchema } from '../config/connection.js';
import type { DecisionOutcome } from '../decision/decision.js';
import type { Principal } from '../identity/principal.js';
import type { PolicyEngine, SqlAnalyzer } from '../ports.js';
import type { Dialect } from '../sql/facts.js';
import { decideSql } from '../sql/sql-questions.js';

const principalSchema = z
  .object({
    sub: z.string().min(1),
    groups: z.array(z.string()).default([]),
    actsFor: z.string().optional(),
  })
  .strict();

const caseSchema = z
  .object({
    name: z.string().min(1),
    principal: principalSchema,
    sql: z.string().min(1),
    /** Overrides of the file's connection for this case. */
    connection: z.record(z.string(), z.unknown()).optional(),
    expect: z
      .object({
        outcome: z.enum(['allow', 'approval_required', 'deny', 'block', 'unparseable']),
        rule: z.string().optional(),
        approvalGroup: z.string().optional(),
      })
      .strict(),
  })
  .strict();

export const goldenFileSchema = z
  .object({
    connection: connectionSchema,
    cases: z.array(caseSchema).min(1),
  })
  .strict();

export type GoldenFile = z.infer<typeof goldenFileSchema>;

export interface GoldenResult {
  readonly name: string;
  readonly passed: boolean;
  readonly expected: string;
  readonly actual: string;
  readonly reason: string;
}

const describe = (outcome: DecisionOutcome | 'unparseable', rule?: string, group?: string) =>
  [outcome, rule, group && `by ${group}`].filter(Boolean).join(' ');

/** Runs every case; never throws for a failing case, so all results can be reported. */
export const runGoldenCases = (
  file: GoldenFile,
  engine: PolicyEngine,
  analyzers: Readonly<Partial<Record<Dialect, SqlAnalyzer>>>,
): GoldenResult[] =>
  file.cases.map((c) => {
    const connection: Connection = connectionSchema.parse({ ...file.connection, ...c.connection });
    const principal: Principal = {
      sub: c.principal.sub,
      issuer: 'golden-tests',
      groups: [...c.principal.groups].sort(),
      tokenId: undefined,
      actsFor: c.principal.actsFor,
    };
    const expected = describe(c.expect.outcome, c.expect.rule, c.expect.approvalGroup);
    const analyzer = analyzers[connection.kind];
    if (!analyzer)
      return { name: c.name, passed: false, expected, actual: `no ${connection.kind} analyzer`, reason: '' };
    const facts = analyzer.analyze(c.sql);
    if (!facts.parseOk) {
      return {
        name: c.name,
        passed: c.expect.outcome === 'unparseable',
        expected,
        actual: 'unparseable',
        reason: facts.error,
      };
    }
    const decision = decideSql(engine, { principal, connection, facts });
    const actual = describe(
      decision.outcome,
      c.expect.rule === undefined ? undefined : decision.rule,
      c.expect.approvalGroup === undefined
        ? undefined
        : decision.outcome === 'approval_required'
          ? decision.approval.group
          : undefined,
    );
    return { name: c.name, passed: actual === expected, expected, actual, reason: decision.reason };
  });
