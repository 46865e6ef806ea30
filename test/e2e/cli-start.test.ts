// `tollgate start` when the gateway cannot start: one clear line and exit code 2, never a stack
// trace — the data dir in use by another gateway, the port taken, an invalid configuration file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataDirLock, LOCK_FILE } from '../../lambdas/adapters/local/data-dir-lock.js';
import { ONE_LINE, tollgate } from './cli-support.js';

const TIMEOUT = 120_000;

describe('tollgate start, when the gateway cannot start', () => {
  let work: string;
  let dataDir: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-start-'));
    dataDir = join(work, 'data');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it(
    'exits 2 with one line naming the pid of the gateway that holds the data dir',
    async () => {
      // This process plays the running gateway.
      const lock = acquireDataDirLock(dataDir);
      try {
        const { code, stdout, stderr } = await tollgate(['start'], {
          env: { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PORT: '0' },
        });

        expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
        expect(stderr).toMatch(ONE_LINE);
        expect(stderr).toContain(
          `tollgate start: the data dir ${dataDir} is in use by another Tollgate gateway (pid ${process.pid}): ` +
            'stop it, or set TOLLGATE_DATA_DIR to another folder',
        );
        expect(stderr).toContain(`delete ${join(dataDir, LOCK_FILE)}`);
      } finally {
        lock.release();
      }
    },
    TIMEOUT,
  );

  describe('with its port taken', () => {
    let taken: Server;
    let port: number;

    beforeAll(async () => {
      taken = createServer();
      await new Promise<void>((ready) => taken.listen(0, '127.0.0.1', ready));
      port = (taken.address() as { port: number }).port;
    });
    afterAll(() => new Promise((done) => taken.close(done)));

    it(
      'exits 2 with one line saying so and what to set',
      async () => {
        const { code, stdout, stderr } = await tollgate(['start'], {
          env: { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PORT: String(port) },
        });

        expect({ code, stdout, stderr }).toEqual({
          code: 2,
          stdout: '',
          stderr: `tollgate start: port ${port} is in use; set TOLLGATE_PORT to a free port (0 picks one)\n`,
        });
      },
      TIMEOUT,
    );
  });

  it(
    'exits 2 with the problems of an invalid configuration file on one line',
    async () => {
      const config = join(work, 'tollgate.yaml');
      writeFileSync(config, 'connections:\n  - name: Bad Name\n    kind: oracle\n');

      const { code, stdout, stderr } = await tollgate(['start'], {
        env: { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PORT: '0', TOLLGATE_CONFIG: config },
      });

      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(stderr).toMatch(ONE_LINE);
      expect(stderr).toContain(
        `tollgate start: the gateway did not start: ${config} is invalid: - connections`,
      );
      expect(stderr).not.toMatch(/\bat .+:\d+:\d+/); // no stack frame
    },
    TIMEOUT,
  );
});
