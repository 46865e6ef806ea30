// The guardrail corpus (test/corpus/postgres.yaml): loads and validates it, and runs a case through
// the real PostgreSQL analysis and a policy engine, as the gateway does before anything executes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { type Connection, connectionSchema } from '../../lambdas/core/config/connection.js';
import type { DecisionOutcome } from '../../lambdas/core/decision/decision.js';
import type { Principal } from '../../lambdas/core/identity/principal.js';
import type { PolicyEngine } from '../../lambdas/core/ports.js';
import { postgresAnalyzer } from '../../lambdas/core/sql/analyze-postgres.js';
import { decideSql } from '../../lambdas/core/sql/sql-questions.js';

export const CORPUS_FILE = join(import.meta.dirname, '../corpus/postgres.yaml');

export const CORPUS_OUTCOMES = ['allow', 'approval_required', 'deny', 'block', 'unparseable'] as const;
export type CorpusOutcome = (typeof CORPUS_OUTCOMES)[number];

/** The rule reported for text the analysis refuses (as the use case records it). */
export const UNPARSEABLE_RULE = 'sql.unparseable';

const principalSchema = z
  .object({
    sub: z.string().min(1),
    groups: z.array(z.string().min(1)).default([]),
    actsFor: z.string().min(1).optional(),
  })
  .strict();

const caseSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case words joined by dashes'),
    sql: z.string().min(1),
    expect: z.enum(CORPUS_OUTCOMES),
    /** The policy id that must decide (a refusal's rule, or the permit that allows). */
    rule: z.string().min(1).optional(),
    principal: principalSchema.optional(),
    note: z.string().min(1).optional(),
    /** The engine does not yet answer `expect`: the test expects it to disagree. */
    known_gap: z.boolean().optional(),
  })
  .strict()
  .refine((c) => !(c.expect === 'unparseable' && c.rule !== undefined), {
    message: 'an unparseable case names no rule',
  })
  .refine((c) => c.known_gap !== true || c.note !== undefined, {
    message: 'a known gap needs a note saying what is wrong',
  });

export const corpusFileSchema = z
  .object({
    connection: z
      .object({
        name: z.string().min(1),
        environment: z.string().min(1),
        allowGroups: z.array(z.string().min(1)).min(1),
      })
      .strict(),
    /** Who asks when a case names no principal. */
    principal: principalSchema,
    cases: z.array(caseSchema).min(1),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    for (const [index, c] of file.cases.entries()) {
      if (seen.has(c.id)) {
        ctx.addIssue({ code: 'custom', path: ['cases', index, 'id'], message: `duplicate id ${c.id}` });
      }
      seen.add(c.id);
    }
  });

export interface CorpusCase {
  readonly id: string;
  readonly sql: string;
  readonly expect: CorpusOutcome;
  readonly rule: string | undefined;
  readonly principal: Principal;
  readonly note: string | undefined;
  readonly knownGap: boolean;
  /** Anything not expected to be allowed outright: it must not run as sent. */
  readonly dangerous: boolean;
}

export interface Corpus {
  readonly connection: Connection;
  readonly cases: readonly CorpusCase[];
}

const toPrincipal = (p: z.infer<typeof principalSchema>): Principal => ({
  sub: p.sub,
  issuer: 'https://corpus.test',
  groups: [...new Set(p.groups)].sort(),
  tokenId: undefined,
  actsFor: p.actsFor,
});

/** Reads and validates the corpus; throws with every problem zod finds. */
export const loadCorpus = (file = CORPUS_FILE): Corpus => {
  const raw = corpusFileSchema.parse(parse(readFileSync(file, 'utf8')));
  const connection = connectionSchema.parse({
    ...raw.connection,
    kind: 'postgres',
    target: { demo: true },
  });
  return {
    connection,
    cases: raw.cases.map((c) => ({
      id: c.id,
      sql: c.sql,
      expect: c.expect,
      rule: c.rule,
      principal: toPrincipal(c.principal ?? raw.principal),
      note: c.note,
      knownGap: c.known_gap === true,
      dangerous: c.expect !== 'allow',
    })),
  };
};

export interface CaseResult {
  readonly outcome: CorpusOutcome;
  /** The deciding policy id, or `sql.unparseable`. */
  readonly rule: string;
  /** The sentence the agent reads (the parser's message for unparseable text). */
  readonly reason: string;
  /** In a multi-statement request, the statement that decided. */
  readonly statementIndex: number | undefined;
}

/** Loads the parser; call once (beforeAll) before `runCase`. */
export const loadAnalyzer = (): Promise<void> => postgresAnalyzer.load();

/** Analyses the case's SQL and decides it for the case's principal on the corpus connection. */
export const runCase = (c: CorpusCase, engine: PolicyEngine, connection: Connection): CaseResult => {
  const facts = postgresAnalyzer.analyze(c.sql);
  if (!facts.parseOk) {
    return { outcome: 'unparseable', rule: UNPARSEABLE_RULE, reason: facts.error, statementIndex: undefined };
  }
  const decision = decideSql(engine, { principal: c.principal, connection, facts });
  const outcome: DecisionOutcome = decision.outcome;
  return {
    outcome,
    rule: decision.rule,
    reason: decision.reason,
    statementIndex: decision.statementIndex,
  };
};

/** Whether the engine answered what the case expects (outcome, and rule when the case names one). */
export const matches = (c: CorpusCase, result: CaseResult): boolean =>
  result.outcome === c.expect && (c.rule === undefined || result.rule === c.rule);

/** `block by ddl-blocked`, for messages and reports. */
export const describeResult = (r: Pick<CaseResult, 'outcome' | 'rule'>): string =>
  `${r.outcome} by ${r.rule}`;
