// The golden cases of policies/tests/*.yaml, each one a test: the default pack as users get it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { goldenFileSchema, runGoldenCases } from '../../../../lambdas/core/policy/golden-cases.js';
import { postgresAnalyzer } from '../../../../lambdas/core/sql/analyze-postgres.js';
import { defaultPolicyEngine, POLICY_DIR } from '../../../support/core-fixtures.js';

const TESTS = join(POLICY_DIR, 'tests');
const files = readdirSync(TESTS).filter((f) => f.endsWith('.yaml'));
// Compiled once for the file: deciding does not change the engine, and compiling the pack per
// case was most of this file's time.
const engine = defaultPolicyEngine();

beforeAll(() => postgresAnalyzer.load());

describe.each(files)('golden policy cases in %s', (file) => {
  const golden = goldenFileSchema.parse(parse(readFileSync(join(TESTS, file), 'utf8')));

  it.each(golden.cases.map((c) => [c.name]))('%s', (name) => {
    const single = { ...golden, cases: golden.cases.filter((c) => c.name === name) };
    const [result] = runGoldenCases(single, engine, { postgres: postgresAnalyzer });
    expect({ outcome: result!.actual, reason: result!.reason }).toEqual({
      outcome: result!.expected,
      reason: expect.any(String),
    });
  });
});
