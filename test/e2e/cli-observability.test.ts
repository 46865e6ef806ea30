// `tollgate start` logs as Lambda does (Powertools JSON lines with the request id) and, at
// TOLLGATE_LOG_LEVEL=debug, prints the EMF metric lines Lambda would send to CloudWatch.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, cleanEnv, ONE_LINE, ROOT, tollgate } from './cli-support.js';

const TIMEOUT = 120_000;

describe('tollgate start observability', () => {
  let work: string;
  let child: ChildProcess | undefined;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-observability-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses an unknown TOLLGATE_LOG_LEVEL with one line', async () => {
    const outcome = await tollgate(['start'], {
      env: { TOLLGATE_LOG_LEVEL: 'verbose', TOLLGATE_PORT: '0', TOLLGATE_DATA_DIR: join(work, 'data') },
    });
    expect(outcome).toMatchObject({ code: 2, stdout: '' });
    expect(outcome.stderr).toMatch(ONE_LINE);
    expect(outcome.stderr).toContain('TOLLGATE_LOG_LEVEL must be one of debug, info, warn, error, silent');
  });

  it(
    'at debug, prints EMF metrics of each request by outcome and rule, on lines carrying its request id',
    async () => {
      const dataDir = join(work, 'data');
      child = spawn(process.execPath, [CLI, 'start'], {
        cwd: ROOT,
        env: cleanEnv({ TOLLGATE_PORT: '0', TOLLGATE_DATA_DIR: dataDir, TOLLGATE_LOG_LEVEL: 'debug' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      while (!/listening on http:\/\/127\.0\.0\.1:(\d+)/.test(output)) {
        if (child.exitCode !== null) throw new Error(output);
        await new Promise((r) => setTimeout(r, 100));
      }
      const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]);
      const token = (
        await tollgate(['token', '--sub', 'alice', '--groups', 'agents'], {
          env: { TOLLGATE_DATA_DIR: dataDir },
        })
      ).stdout.trim();
      const response = await fetch(`http://127.0.0.1:${port}/v1/connections/demo-postgres/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 'DROP TABLE customers' }),
      });
      const { requestId } = (await response.json()) as { requestId: string };
      while (!output.includes('"requests"')) {
        if (child.exitCode !== null) throw new Error(output);
        await new Promise((r) => setTimeout(r, 100));
      }
      const emf = output
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((doc) => 'requests' in doc);
      expect(emf).toMatchObject({
        outcome: 'blocked',
        rule: 'ddl-blocked',
        requests: 1,
        service: 'tollgate',
      });
      expect(JSON.stringify(emf)).toContain('"Namespace":"Tollgate"');
      expect(output).not.toContain(token);
      expect(requestId).toEqual(expect.any(String));
    },
    TIMEOUT,
  );
});
