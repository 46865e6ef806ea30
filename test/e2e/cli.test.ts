// The `tollgate` CLI as a user runs it: `start` in a child process, `token` minting a JWT that
// the started gateway accepts (the banner's own example included), a second `start` on the same
// data dir refused, and a graceful stop on the first signal.
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

  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, TOLLGATE_DATA_DIR: dataDir, ...env },
    });

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

  it('prints the listening line and a ready-to-paste example that names the data dir', () => {
    expect(output).toContain(`listening on ${url}`);
    // Not the default data dir: the example says which one, so it works from any folder.
    expect(output).toContain(
      `TOKEN=$(TOLLGATE_DATA_DIR=${dataDir} npx tollgate token --sub alice --groups agents)`,
    );
  });

  it('prints no warning while it starts', () => {
    expect(output).not.toMatch(/Warning|DEP\d{4}/);
  });

  it("mints, with the banner's example pasted as is, a token the gateway accepts", async () => {
    const example = /^ {2}TOKEN=\$\((.+)\)$/m.exec(output)![1]!;
    // The shell of a user in the folder where `npm start` runs, without TOLLGATE_DATA_DIR.
    const { TOLLGATE_DATA_DIR: _set, ...shellEnv } = process.env;
    const { stdout } = await run('sh', ['-c', example], { cwd: ROOT, env: shellEnv });
    // A refusal by policy, not 401: the token was accepted.
    const { status, body } = await query(stdout.trim(), 'DROP TABLE customers');
    expect(status).toBe(403);
    expect(body.error?.code).toBe('blocked');
  }, 60_000);

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
    [['token'], "tollgate token: required option '--sub <id>' not specified"],
    [['token', '--sub', 'a', '--ttl', 'forever'], "option '--ttl <duration>' argument 'forever' is invalid"],
    [['token', '--sub', 'a', '--ttl', '15'], 'A duration needs a unit'],
    [['frobnicate'], "tollgate: unknown command 'frobnicate'"],
  ])('fails with exit code 2 and one line for %j', async (args, message) => {
    const failure = await cli(args).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2, stdout: '' });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toMatch(/^[^\n]+\n$/);
    expect(stderr).toContain(message);
  });

  it('refuses a second start on the same data dir with one line naming the running gateway', async () => {
    const second = await cli(['start'], { TOLLGATE_PORT: '0' }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

    expect(second).toMatchObject({ code: 2, stdout: '' });
    const { stderr } = second as { stderr: string };
    expect(stderr).toMatch(/^[^\n]+\n$/);
    expect(stderr).toContain(`is in use by another Tollgate gateway (pid ${server.pid})`);
    // The first gateway still serves.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 120_000);

  // Last: it stops the gateway.
  it('stops gracefully on the first SIGINT: says so, and exits 0', async () => {
    const exited = new Promise<number | null>((done) => server.once('exit', (code) => done(code)));
    server.kill('SIGINT');

    expect(await exited).toBe(0);
    expect(output).toContain('stopping… (press Ctrl-C again to exit at once)');
  }, 60_000);
});
