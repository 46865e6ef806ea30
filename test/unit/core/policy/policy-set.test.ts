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
      justificationRequired: false,
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

  it('reads the justification and blast-radius annotations', () => {
    const set = compilePolicySet(
      [
        {
          name: 'p.cedar',
          text: '@id("x") @approval("dba") @approvalTtl("30m") @approvalJustification("required") @approvalMaxRows("250") permit (principal, action, resource);',
        },
      ],
      schema,
      'v1',
    );
    expect(set.meta.get('x')?.approval).toEqual({
      group: 'dba',
      ttlSeconds: 1800,
      quorum: 1,
      justificationRequired: true,
      maxAffectedRows: 250,
    });
  });

  it.each([
    ['@approvalJustification("maybe")', 'x: @approvalJustification must be "required" or "optional"'],
    ['@approvalMaxRows("-1")', 'x: @approvalMaxRows must be a whole number of rows'],
    ['@approvalMaxRows("1e3")', 'x: @approvalMaxRows must be a whole number of rows'],
    ['@approvalMaxRows("")', 'x: @approvalMaxRows must be a whole number of rows'],
    ['@approvalTtl("30s")', 'x: @approvalTtl must be 1m to 7d'],
    ['@approvalTtl("8d")', 'x: @approvalTtl must be 1m to 7d'],
  ])('refuses %s', (annotation, problem) => {
    expect(
      problemsOf(`@id("x") @approval("dba") ${annotation} permit (principal, action, resource);`),
    ).toEqual([problem]);
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
