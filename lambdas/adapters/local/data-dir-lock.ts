// One local gateway per data dir: an exclusive lock file (<dataDir>/gateway.lock) naming the
// holder's pid. Two gateways on one data dir would share dynalite's, s3rver's and PGlite's files,
// which each expect a single owner. A lock left by a process that is gone (a crash, kill -9) is
// stale and is taken over.
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'gateway.lock';

/** What the lock file holds. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  /** Tells this acquisition from an earlier process that had the same pid. */
  readonly token: string;
  readonly since: string;
}

export interface DataDirLock {
  /** Removes the lock if it is still this one. Idempotent. */
  release(): void;
}

/** The data dir is locked by a live process, or by a lock this process cannot judge. */
export class DataDirLockedError extends Error {
  readonly dataDir: string;
  readonly lockFile: string;
  /** The holder's pid; undefined when the lock file cannot be read. */
  readonly holderPid: number | undefined;

  constructor(dataDir: string, lockFile: string, holder: Holder | undefined) {
    super(DataDirLockedError.describe(dataDir, lockFile, holder));
    this.name = 'DataDirLockedError';
    this.dataDir = dataDir;
    this.lockFile = lockFile;
    this.holderPid = holder?.pid;
  }

  private static describe(dataDir: string, lockFile: string, holder: Holder | undefined): string {
    if (!holder)
      return `the data dir ${dataDir} has a lock file that cannot be read (${lockFile}): if no gateway runs on it, delete that file`;
    const stop = 'stop it, or set TOLLGATE_DATA_DIR to another folder';
    if (holder.host !== hostname())
      return `the data dir ${dataDir} is in use by a gateway on host ${holder.host} (pid ${holder.pid}): ${stop}`;
    if (holder.pid === process.pid)
      return `the data dir ${dataDir} is in use by a gateway in this process (pid ${holder.pid}): ${stop}`;
    // A pid can be reused by an unrelated process after a crash: say how to recover.
    return (
      `the data dir ${dataDir} is in use by another Tollgate gateway (pid ${holder.pid}): ${stop} ` +
      `(if pid ${holder.pid} is not a gateway, delete ${lockFile})`
    );
  }
}

/** Tokens of the locks this process holds, by lock file. */
const held = new Map<string, string>();

const readHolder = (file: string): Holder | undefined | 'gone' => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const holder = JSON.parse(text) as Partial<Holder>;
    return Number.isSafeInteger(holder.pid) &&
      (holder.pid as number) > 0 &&
      typeof holder.host === 'string' &&
      typeof holder.token === 'string'
      ? (holder as Holder)
      : undefined;
  } catch {
    return undefined;
  }
};

/** True unless the holder is certainly gone. A holder on another host cannot be checked: alive. */
const alive = (holder: Holder, file: string): boolean => {
  if (holder.host !== hostname()) return true;
  // The same pid in this process is ours only if we took it; else it is an earlier process's.
  if (holder.pid === process.pid) return held.get(file) === holder.token;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists under another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/** Creates `file` with `temp`'s complete content, or answers false when it exists. */
const linkExclusive = (temp: string, file: string, content: string): boolean => {
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
  }
  // A file system without hard links: exclusive create, then write.
  try {
    writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
};

/**
 * Takes the data dir's lock (creating the data dir if needed), or throws DataDirLockedError naming
 * the pid of the live holder. A stale lock (its process is gone) is taken over.
 */
export const acquireDataDirLock = (dataDir: string): DataDirLock => {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, LOCK_FILE);
  const mine: Holder = {
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    since: new Date().toISOString(),
  };
  const content = `${JSON.stringify(mine)}\n`;
  // Written whole beside the lock, then linked in: nobody ever reads a half-written lock.
  const temp = `${file}.${mine.token}.tmp`;
  writeFileSync(temp, content, { mode: 0o600, flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (linkExclusive(temp, file, content)) {
        held.set(file, mine.token);
        return { release: () => release(file, mine.token) };
      }
      const holder = readHolder(file);
      if (holder === 'gone') continue; // released meanwhile: try again
      if (!holder || alive(holder, file)) throw new DataDirLockedError(dir, file, holder);
      // Stale. Move it aside, then check it is the lock judged stale: another gateway may have
      // taken it over between the read and the rename.
      const aside = `${file}.${mine.token}.stale`;
      try {
        renameSync(file, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const moved = readHolder(aside);
      if (moved === 'gone' || moved?.token !== holder.token) {
        // A live lock was moved: put it back (unless yet another one is in place) and report it.
        try {
          linkSync(aside, file);
        } catch {
          // another lock is in place: it is the one to report
        }
      }
      rmSync(aside, { force: true });
    }
    const holder = readHolder(file);
    throw new DataDirLockedError(dir, file, holder === 'gone' ? undefined : holder);
  } finally {
    rmSync(temp, { force: true });
  }
};

/**
 * Throws DataDirLockedError when a live process holds the data dir's lock, without taking it or
 * writing anything: a quick check before the work of starting (acquire still decides).
 */
export const assertDataDirFree = (dataDir: string): void => {
  const dir = resolve(dataDir);
  const file = join(dir, LOCK_FILE);
  const holder = readHolder(file);
  if (holder === 'gone') return;
  if (!holder || alive(holder, file)) throw new DataDirLockedError(dir, file, holder);
};

const release = (file: string, token: string): void => {
  if (held.get(file) !== token) return;
  held.delete(file);
  const holder = readHolder(file);
  if (holder !== 'gone' && holder?.token === token) rmSync(file, { force: true });
};
