// Main-thread handle on one demo database worker thread: starts it (through tsx, so its TypeScript
// entry loads under `npm start` and under jest alike), runs protocol batches on it, and stops it.
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TxStatus } from './demo-postgres-protocol.js';

/** What a worker is started with. */
export interface WorkerInit {
  readonly dataDir: string;
  readonly seedFile: string;
  /** Run once after opening (seeding first if needed), as the superuser; skipped when undefined. */
  readonly setupSql: string | undefined;
  /** The role sessions run as (SET ROLE); set again when a batch leaves the session idle as another user. */
  readonly role: string;
  /** The role a writer client's batches run as, set when the session is idle (approved writes). */
  readonly writerRole: string;
  /** PGlite's compiled WebAssembly module, shared by successive workers (compiled once). */
  readonly wasmModule?: WebAssembly.Module;
}

export type ToWorker = { type: 'exec'; id: number; bytes: Uint8Array; asWriter: boolean } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; statementTimeoutMs: number }
  | { type: 'data'; id: number; bytes: Uint8Array }
  | { type: 'done'; id: number; bytes: Uint8Array; ready: TxStatus | null; statementTimeoutMs: number }
  | { type: 'fatal'; message: string }
  | { type: 'closed' };

const require = createRequire(import.meta.url);
// tsx's ESM API by its exported path (the CommonJS build, loaded from the bootstrap, could not find
// its own loader).
const tsxPackage = require('tsx/package.json') as {
  exports: Record<string, { import: { default: string } }>;
};
const TSX_API = pathToFileURL(
  join(dirname(require.resolve('tsx/package.json')), tsxPackage.exports['./esm/api']!.import.default),
).href;
// The entry sits beside this file, with the same extension (.ts from source, .js if compiled).
const ENTRY = new URL(`./demo-postgres-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)
  .href;
// A worker does not inherit tsx from the main thread (bin/tollgate.js registers it in-process, and
// jest does not use it at all): the bootstrap loads the entry through tsx's scoped import.
const BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then((tsx) => tsx.tsImport(${JSON.stringify(ENTRY)}, ${JSON.stringify(ENTRY)}))`;

const CLOSE_GRACE_MS = 10_000;

/**
 * One worker thread running PGlite. Runs one batch at a time (the caller serialises). A worker
 * that fails (an error it reports, an uncaught exception, an exit nobody asked for) calls
 * `onFailure` once; the batch it was running then never completes.
 */
export class DemoBackend {
  /** The session's statement_timeout after the last batch, in ms (0: none set). */
  statementTimeoutMs = 0;
  private nextId = 1;
  private current:
    | { id: number; onData: (bytes: Buffer) => void; onDone: (ready: TxStatus | null) => void }
    | undefined;
  private ending = false;
  private closed: (() => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly onFailure: (message: string) => void,
  ) {}

  /** Starts a worker and resolves once its database is open (seeded, reader role set). */
  static start(init: WorkerInit, onFailure: (message: string) => void): Promise<DemoBackend> {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: init });
    return new Promise<DemoBackend>((resolve, reject) => {
      let backend: DemoBackend | undefined;
      const fail = (message: string) => {
        if (!backend) {
          void worker.terminate();
          reject(new Error(`the demo database did not start: ${message}`));
          return;
        }
        backend.fail(message);
      };
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready' && !backend) {
          backend = new DemoBackend(worker, onFailure);
          backend.statementTimeoutMs = message.statementTimeoutMs;
          resolve(backend);
        } else if (message.type === 'fatal') {
          fail(message.message);
        } else {
          backend?.receive(message);
        }
      });
      worker.on('error', (error) => fail(error.message));
      worker.on('exit', (code) => {
        backend?.closed?.();
        if (!backend?.ending) fail(`the worker exited (code ${code})`);
      });
    });
  }

  /** The worker, for diagnostics (its threadId) and tests (terminating it stands in for a crash). */
  get thread(): Worker {
    return this.worker;
  }

  /**
   * Runs frontend messages, as the writer role when `asWriter`; `onData` gets the output in whole
   * messages, `onDone` its last status.
   */
  exec(
    bytes: Buffer,
    onData: (bytes: Buffer) => void,
    onDone: (ready: TxStatus | null) => void,
    asWriter = false,
  ): void {
    if (this.current) throw new Error('a batch is already running');
    const id = this.nextId++;
    this.current = { id, onData, onDone };
    // A copy of its own: posting a view on a pooled buffer would clone the whole pool slab.
    const own = new Uint8Array(bytes);
    this.worker.postMessage({ type: 'exec', id, bytes: own, asWriter } satisfies ToWorker, [own.buffer]);
  }

  /** Stops the worker now, whatever it runs (a read-only session: nothing to lose). */
  async kill(): Promise<void> {
    this.ending = true;
    this.current = undefined;
    await this.worker.terminate();
  }

  /** Closes PGlite (a clean shutdown of the data dir), then the worker; kills it if that hangs. */
  async close(): Promise<void> {
    if (this.ending) return this.kill();
    this.ending = true;
    const done = new Promise<void>((resolve) => {
      this.closed = resolve;
      this.worker.once('message', (message: FromWorker) => message.type === 'closed' && resolve());
    });
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }

  private receive(message: FromWorker): void {
    const current = this.current;
    if (!current || this.ending) return;
    if (message.type === 'data' && message.id === current.id) {
      current.onData(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.length));
    } else if (message.type === 'done' && message.id === current.id) {
      this.current = undefined;
      this.statementTimeoutMs = message.statementTimeoutMs;
      if (message.bytes.length > 0) {
        current.onData(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.length));
      }
      current.onDone(message.ready);
    }
  }

  private fail(message: string): void {
    if (this.ending) return;
    this.ending = true;
    this.current = undefined;
    void this.worker.terminate();
    this.onFailure(message);
  }
}
