// Jest runs the TypeScript sources as native ESM (middy 7 is ESM-only), transpiled by SWC;
// types are checked separately by `tsc --noEmit` in `npm test`.
// Two projects: `unit`, the fast in-process tests (no PostgreSQL, MariaDB, stand-in server, child
// process or CDK synth), and `integration`, every other test file. `npm test` runs both;
// `--selectProjects unit` runs one.

/**
 * The unit test files. A test file not named here is an integration test, so a new test that
 * needs a server cannot land in `unit`. The CDK tests (test/infra) are left out: each synth takes
 * seconds, and together they took longer than all of these. Globs start with `**` (not
 * `<rootDir>`, which Jest does not put into a negated glob); `roots` keeps Jest inside test/.
 */
const UNIT = [
  'test/unit/**/*.test.ts',
  'test/handlers/**/*.test.ts',
  'test/corpus/corpus.test.ts',
  'test/corpus/free-text-recall.test.ts',
  'test/corpus/http-escape.test.ts',
  'test/adapters/aws/secrets-manager-credentials.test.ts',
  'test/adapters/aws/kms-sealer.test.ts',
  'test/adapters/aws/kms-signer.test.ts',
  'test/adapters/aws/sfn-approval-workflow.test.ts',
  'test/adapters/aws/eventbridge-publisher.test.ts',
  'test/adapters/notifications/fan-out-publisher.test.ts',
  'test/adapters/observability/**/*.test.ts',
  'test/adapters/targets/per-target-executor.test.ts',
  'test/adapters/targets/sqlstate.test.ts',
].map((glob) => `**/${glob}`);

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: UNIT },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/*.test.ts', ...UNIT.map((glob) => `!${glob}`)],
    },
  ],
  testTimeout: 30_000,
  maxWorkers: 2,
};
