// Ctrl-C on `tollgate start`: the first SIGINT stops gracefully, a second one exits at once — but
// the same Ctrl-C delivered twice (npm forwards the terminal's SIGINT to a child that a bash
// script shell exec'd) counts once.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, cleanEnv, ROOT } from './cli-support.js';

const TIMEOUT = 120_000;

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** Resolves once the output contains `text`. */
  printed(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const start = async (dataDir: string): Promise<Started> => {
  const child = spawn(process.execPath, [CLI, 'start'], {
    cwd: ROOT,
    env: cleanEnv({ TOLLGATE_PORT: '0', TOLLGATE_DATA_DIR: dataDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: Array<() => void> = [];
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const check of waiters.splice(0)) check();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const printed = (text: string) =>
    new Promise<void>((done, fail) => {
      const check = () => {
        if (output.includes(text)) done();
        else if (child.exitCode !== null) fail(new Error(`exited before printing "${text}":\n${output}`));
        else waiters.push(check);
      };
      check();
      void exited.then(() => check());
    });
  await printed('listening on http://127.0.0.1:');
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]);
  return { child, port, output: () => output, printed, exited };
};

describe('tollgate start and signals', () => {
  let work: string;
  let gateway: Started | undefined;
  let upload: Socket | undefined;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-signals-'));
  });
  afterEach(async () => {
    upload?.destroy();
    if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'stops gracefully when one Ctrl-C arrives twice at once',
    async () => {
      gateway = await start(join(work, 'data'));

      gateway.child.kill('SIGINT');
      gateway.child.kill('SIGINT');

      expect(await gateway.exited).toEqual({ code: 0, signal: null });
      expect(gateway.output()).toContain('stopping… (press Ctrl-C again to exit at once)');
      expect(gateway.output()).not.toContain('exiting at once');
    },
    TIMEOUT,
  );

  it(
    'exits at once on a second Ctrl-C while the stop waits for an in-flight request',
    async () => {
      gateway = await start(join(work, 'data'));
      // A request whose body never comes: in flight until the stop gives up on it. The server's
      // `100 Continue` says it has parsed the request and handed it on.
      upload = connect(gateway.port, '127.0.0.1');
      upload.on('error', () => undefined);
      const continued = new Promise<void>((done) =>
        upload!.on('data', (chunk: Buffer) => {
          if (chunk.toString().startsWith('HTTP/1.1 100')) done();
        }),
      );
      upload.write(
        'POST /v1/connections/demo-postgres/sql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
          'Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n',
      );
      await continued;

      gateway.child.kill('SIGINT');
      await gateway.printed('stopping…');
      // A person's second Ctrl-C, not the same one delivered twice.
      await new Promise((later) => setTimeout(later, 600));
      gateway.child.kill('SIGINT');

      expect(await gateway.exited).toEqual({ code: 130, signal: null });
      expect(gateway.output()).toContain('exiting at once');
    },
    TIMEOUT,
  );
});
