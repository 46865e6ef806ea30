// The `tollgate` CLI as a user runs it: `start` in a child process, `token` minting a JWT that
// the started gateway accepts.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/tollgate.js');
const run = promisify(execFile);

describe('tollgate CLI', () => {
  let dataDir: string;
  let server: ChildProcess;
  let url: string;
  let output = '';

  const cli = (args: string[]) =>
    run(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, TOLLGATE_DATA_DIR: dataDir } });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
    server = spawn(process.execPath, [CLI, 'start'], {
      cwd: ROOT,
      env: { ...process.env, TOLLGATE_PORT: '0', TOLLGATE_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in time:\n${output}`)), 60_000);
      server.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]!);
        }
      });
      server.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      server.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
  }, 90_000);

  afterAll(async () => {
    if (server.exitCode === null) {
      const exited = new Promise((done) => server.once('exit', done));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const query = async (token: string, sql: string) => {
    const response = await fetch(`${url}/v1/connections/demo-postgres/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql }),
    });
    return {
      status: response.status,
      body: (await response.json()) as { rows?: unknown[][]; error?: { code: string } },
    };
  };

  it('prints the listening line and a ready-to-paste example', () => {
    expect(output).toContain(`listening on ${url}`);
    expect(output).toContain('npx tollgate token --sub alice --groups agents');
  });

  it('mints a token alone on stdout that the gateway accepts for a SELECT', async () => {
    const { stdout } = await cli(['token', '--sub', 'alice', '--groups', 'agents', '--ttl', '5m']);
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const { status, body } = await query(stdout.trim(), 'SELECT count(*)::int FROM customers');
    expect(status).toBe(200);
    expect(body.rows).toEqual([[250]]);
  });

  it('refuses DROP TABLE with 403', async () => {
    const { stdout } = await cli(['token', '--sub', 'alice', '--groups', 'agents']);
    const { status, body } = await query(stdout.trim(), 'DROP TABLE customers');
    expect(status).toBe(403);
    expect(body.error?.code).toBe('blocked');
  });

  it('mints tokens for another audience, which this gateway refuses', async () => {
    const { stdout } = await cli(['token', '--sub', 'alice', '--groups', 'agents', '--aud', 'elsewhere']);
    expect((await query(stdout.trim(), 'SELECT 1')).status).toBe(401);
  });

  it.each([
    [['token'], '--sub is required'],
    [['token', '--sub', 'a', '--ttl', 'forever'], 'invalid TTL'],
    [['frobnicate'], 'Usage'],
  ])('fails with exit code 2 and a message for %j', async (args, message) => {
    const failure = await cli(args).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect(`${(failure as { stdout: string }).stdout}${(failure as { stderr: string }).stderr}`).toContain(
      message,
    );
  });
});
