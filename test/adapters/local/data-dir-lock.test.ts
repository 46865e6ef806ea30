// The data dir's lock: one gateway per data dir. A live holder, in this process or another, is
// refused with its pid; a lock left by a process that is gone is taken over.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  acquireDataDirLock,
  assertDataDirFree,
  DataDirLockedError,
  LOCK_FILE,
} from '../../../lambdas/adapters/local/data-dir-lock.js';

const ROOT = resolve(import.meta.dirname, '../../..');

/** The pid of a process that has exited: no process has it (until the system reuses it). */
const deadPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.once('exit', done));
  return child.pid!;
};

const lockOf = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'));

const caught = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
};

describe('acquireDataDirLock', () => {
  let work: string;
  let dataDir: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-lock-'));
    dataDir = join(work, 'data');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('creates the data dir and a lock naming this process', () => {
    const lock = acquireDataDirLock(dataDir);

    expect(lockOf(dataDir)).toMatchObject({ pid: process.pid, host: hostname() });
    // Only the lock: the temporary file it was written to is gone.
    expect(readdirSync(dataDir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  it('refuses a second lock while the first is held, naming the holder pid', () => {
    const lock = acquireDataDirLock(dataDir);

    const error = caught(() => acquireDataDirLock(dataDir));

    expect(error).toBeInstanceOf(DataDirLockedError);
    expect(error).toMatchObject({ holderPid: process.pid, dataDir: resolve(dataDir) });
    expect((error as Error).message).toContain(`is in use by a gateway in this process (pid ${process.pid})`);
    expect((error as Error).message).toContain('set TOLLGATE_DATA_DIR to another folder');
    lock.release();
  });

  it('can be taken again once released, and release is idempotent', () => {
    const first = acquireDataDirLock(dataDir);
    first.release();
    first.release();

    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const second = acquireDataDirLock(dataDir);
    expect(lockOf(dataDir).pid).toBe(process.pid);
    // A late release of the first lock leaves the second in place.
    first.release();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    second.release();
  });

  describe('held by another process', () => {
    let holder: ChildProcess;

    beforeEach(async () => {
      // A process that takes the lock and keeps it until it is killed.
      holder = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `import('./lambdas/adapters/local/data-dir-lock.ts').then((m) => { m.acquireDataDirLock(${JSON.stringify(dataDir)}); console.log('locked'); setInterval(() => {}, 1000); });`,
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((locked, fail) => {
        holder.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('locked')) locked();
        });
        holder.once('exit', (code) => fail(new Error(`the holder exited with ${code}`)));
      });
    }, 30_000);

    afterEach(async () => {
      if (holder.exitCode === null && holder.signalCode === null) {
        const exited = new Promise((done) => holder.once('exit', done));
        holder.kill('SIGKILL');
        await exited;
      }
    });

    it('is refused while that process lives, naming its pid', () => {
      const error = caught(() => acquireDataDirLock(dataDir));

      expect(error).toBeInstanceOf(DataDirLockedError);
      expect((error as DataDirLockedError).holderPid).toBe(holder.pid);
      expect((error as Error).message).toContain(`is in use by another Tollgate gateway (pid ${holder.pid})`);
      expect(lockOf(dataDir).pid).toBe(holder.pid);
    });

    it('is taken over once that process is killed without releasing it', async () => {
      const exited = new Promise((done) => holder.once('exit', done));
      holder.kill('SIGKILL');
      await exited;
      expect(lockOf(dataDir).pid).toBe(holder.pid);

      const lock = acquireDataDirLock(dataDir);

      expect(lockOf(dataDir).pid).toBe(process.pid);
      lock.release();
    });
  });

  it('takes over a lock whose process is gone', async () => {
    const pid = await deadPid();
    acquireDataDirLock(dataDir).release();
    writeFileSync(
      join(dataDir, LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), token: 'old', since: '2026-01-01T00:00:00Z' }),
    );

    const lock = acquireDataDirLock(dataDir);

    expect(lockOf(dataDir)).toMatchObject({ pid: process.pid });
    expect(readdirSync(dataDir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  it('takes over a lock an earlier process with this same pid left (a restarted container)', () => {
    acquireDataDirLock(dataDir).release();
    writeFileSync(
      join(dataDir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), token: 'earlier', since: '2026-01-01T00:00:00Z' }),
    );

    const lock = acquireDataDirLock(dataDir);

    expect(lockOf(dataDir).token).not.toBe('earlier');
    lock.release();
  });

  it('refuses a lock held from another host, whose process it cannot check', async () => {
    acquireDataDirLock(dataDir).release();
    writeFileSync(
      join(dataDir, LOCK_FILE),
      JSON.stringify({ pid: await deadPid(), host: 'elsewhere.example', token: 't', since: 'x' }),
    );

    const error = caught(() => acquireDataDirLock(dataDir));

    expect((error as Error).message).toContain('is in use by a gateway on host elsewhere.example');
  });

  it('refuses an unreadable lock file, saying which file to delete if no gateway runs', () => {
    acquireDataDirLock(dataDir).release();
    writeFileSync(join(dataDir, LOCK_FILE), 'not json');

    const error = caught(() => acquireDataDirLock(dataDir));

    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as DataDirLockedError).holderPid).toBeUndefined();
    expect((error as Error).message).toContain(`cannot be read (${join(resolve(dataDir), LOCK_FILE)})`);
    expect(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).toBe('not json');
  });
});

describe('assertDataDirFree', () => {
  let work: string;
  let dataDir: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-lock-check-'));
    dataDir = join(work, 'data');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('passes a data dir without a lock, and writes nothing', () => {
    assertDataDirFree(dataDir);

    expect(existsSync(dataDir)).toBe(false);
  });

  it('throws the lock error while a live process holds the lock', () => {
    const lock = acquireDataDirLock(dataDir);

    expect(() => assertDataDirFree(dataDir)).toThrow(DataDirLockedError);
    lock.release();
  });

  it('passes a stale lock, leaving it for acquireDataDirLock to take over', async () => {
    acquireDataDirLock(dataDir).release();
    const stale = JSON.stringify({ pid: await deadPid(), host: hostname(), token: 'old', since: 'x' });
    writeFileSync(join(dataDir, LOCK_FILE), stale);

    assertDataDirFree(dataDir);

    expect(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).toBe(stale);
  });
});
