// lambdas/core must stay pure: no AWS SDK, middy, aws-lambda, drivers or process.env. Biome
// enforces it while editing; this test enforces it in CI even if the lint config changes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CORE = join(import.meta.dirname, '../../../lambdas/core');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );

const FORBIDDEN = [
  { pattern: /from\s+['"]@aws-sdk\//, what: 'an AWS SDK import' },
  { pattern: /from\s+['"]@middy\//, what: 'a middy import' },
  { pattern: /from\s+['"]aws-lambda['"]/, what: 'an aws-lambda import' },
  { pattern: /from\s+['"](pg|pg-cursor|node:fs|node:http|node:net)['"]/, what: 'an I/O import' },
  { pattern: /process\.env/, what: 'process.env' },
];

describe('lambdas/core', () => {
  const files = sourceFiles(CORE);

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(FORBIDDEN)('contains no $what', ({ pattern }) => {
    const offenders = files.filter((file) => pattern.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
