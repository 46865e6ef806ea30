import { readPolicyFolder } from '../../../../lambdas/adapters/config/policy-files.js';
import { compilePolicySet, PolicySetError } from '../../../../lambdas/core/policy/policy-set.js';
import { POLICY_DIR } from '../../../support/core-fixtures.js';

const { schema, sources } = readPolicyFolder(POLICY_DIR);
const problemsOf = (text: string): readonly string[] => {
  try {
    compilePolicySet([{ name: 'p.cedar', text }], schema, 'v');
  } catch (error) {
    if (error instanceof PolicySetError) return error.problems;
    throw error;
  }
  return [];
};

describe('compilePolicySet', () => {
  it('compiles the default pack against the schema', () => {
    const set = compilePolicySet(sources, schema, 'v1');
    expect(Object.keys(set.policies)).toContain('dml-without-where');
    expect(set.meta.get('agents-write-with-review')?.approval).toEqual({
      group: 'reviewers',
      ttlSeconds: 3600,
      quorum: 1,
    });
  });

  it('requires an @id on every policy', () => {
    expect(problemsOf('permit (principal, action, resource);')).toEqual([
      expect.stringContaining('every policy needs an @id'),
    ]);
  });

  it('refuses duplicate ids', () => {
    expect(
      problemsOf(
        '@id("a") permit (principal, action, resource); @id("a") permit (principal, action, resource);',
      ),
    ).toEqual(['p.cedar: duplicate policy id a']);
  });

  it('validates policies against the schema (strict)', () => {
    const problems = problemsOf(
      '@id("typo") forbid (principal, action == Tollgate::Action::"sql:read", resource) when { context.lockng };',
    );
    expect(problems.join('\n')).toMatch(/lockng/);
  });

  it('reports syntax errors with the file name', () => {
    expect(problemsOf('@id("x") permit (principal, action resource);')[0]).toMatch(/^p\.cedar: /);
  });

  it('refuses malformed approval annotations', () => {
    const problems = problemsOf(
      '@id("x") @approval("dba") @approvalTtl("soon") @approvalQuorum("0") permit (principal, action, resource);',
    );
    expect(problems).toEqual([
      'x: @approvalTtl must look like 30m, 1h or 2d',
      'x: @approvalQuorum must be 1 to 10',
    ]);
  });
});
