// No warning noise on the supported Node versions (20 and 22): the CLI's commands print their
// output and nothing else on stderr — no ExperimentalWarning, no deprecation, no AWS SDK notice.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadDevIssuer } from '../../lambdas/adapters/local/dev-issuer.js';
import { CLI, cleanEnv, ROOT, tollgate } from './cli-support.js';

const TIMEOUT = 180_000;
const run = promisify(execFile);

/** Node 22 as `npm run test:node22` gets it. */
const node22 = async (): Promise<string> => {
  const { stdout } = await run('npx', ['-y', 'node@22', '-p', 'process.execPath'], {
    cwd: ROOT,
    timeout: 120_000,
  });
  return stdout.trim();
};

describe.each([
  ['this Node', async () => process.execPath, Number(process.versions.node.split('.')[0])],
  ['Node 22', node22, 22],
])('tollgate on %s', (_name, nodeBinary, major) => {
  let node: string;
  let work: string;
  let dataDir: string;

  beforeAll(async () => {
    node = await nodeBinary();
    work = mkdtempSync(join(tmpdir(), 'tollgate-warnings-'));
    dataDir = join(work, 'data');
  }, TIMEOUT);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(
    `runs Node ${major}`,
    async () => {
      const { stdout } = await run(node, ['-p', 'process.versions.node']);
      expect(Number(stdout.split('.')[0])).toBe(major);
    },
    TIMEOUT,
  );

  it.each([
    [['--help']],
    [['token', '--help']],
    [['policy', 'validate']],
    [['policy', 'history']],
    [['connection', 'validate']],
  ])(
    '%j prints nothing on stderr',
    async (args) => {
      const { code, stderr } = await tollgate(args, { node, env: { TOLLGATE_DATA_DIR: dataDir } });

      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    },
    TIMEOUT,
  );

  it(
    'token prints the token and nothing else',
    async () => {
      loadDevIssuer(join(dataDir, 'issuer'), { create: true });

      const { code, stdout, stderr } = await tollgate(['token', '--sub', 'alice'], {
        node,
        env: { TOLLGATE_DATA_DIR: dataDir },
      });

      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    },
    TIMEOUT,
  );

  it(
    'start prints its banner, and on SIGINT only that it stops',
    async () => {
      const child = spawn(node, [CLI, 'start'], {
        cwd: ROOT,
        env: cleanEnv({ TOLLGATE_PORT: '0', TOLLGATE_DATA_DIR: join(work, 'gateway') }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | string | null>((done) =>
        child.once('exit', (code, signal) => done(code ?? signal)),
      );
      await Promise.race([
        new Promise<void>((listening) =>
          child.stdout!.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            if (stdout.includes('Try it:')) listening();
          }),
        ),
        exited.then((code) => {
          throw new Error(`start exited with ${code}:\n${stdout}${stderr}`);
        }),
      ]);
      const startup = stderr;

      child.kill('SIGINT');

      expect(await exited).toBe(0);
      expect(startup).toBe('');
      expect(stderr).toBe('stopping… (press Ctrl-C again to exit at once)\n');
    },
    TIMEOUT,
  );
});
