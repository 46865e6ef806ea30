// Worker thread of the demo database: owns PGlite, seeds and opens the data dir, and runs the wire
// protocol messages the pump on the main thread sends it, off the gateway's event loop.
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { FromWorker, ToWorker, WorkerInit } from './demo-postgres-backend.js';
import { BackendFramer, queryMessage } from './demo-postgres-protocol.js';

/** The parts of PGlite's Emscripten module used to read session state without running SQL. */
interface SessionReader {
  _GetConfigOption?: (name: number, missingOk: number, restrictPrivileged: number) => number;
  _GetUserId?: () => number;
  stringToNewUTF8(text: string): number;
  UTF8ToString(pointer: number): string;
}

interface Session {
  readonly db: PGlite;
  /** The session's statement_timeout in ms (0: none set). */
  statementTimeoutMs(): number;
  /** Whether the session runs as the reader role. */
  isReader(): boolean;
  /** Whether the session runs as the writer role. */
  isWriter(): boolean;
}

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const FLUSH_BYTES = 64 * 1024;
const SET_ROLE = `SET ROLE ${init.role}`;
const SET_WRITER_ROLE = `SET ROLE ${init.writerRole}`;

const open = async (): Promise<Session> => {
  const db = await PGlite.create({
    dataDir: init.dataDir,
    ...(init.wasmModule ? { pgliteWasmModule: init.wasmModule } : {}),
  });
  try {
    const { rows } = await db.query<{ seeded: boolean }>(
      "SELECT to_regclass('public.customers') IS NOT NULL AS seeded",
    );
    if (!rows[0]?.seeded) {
      await db.exec(await readFile(init.seedFile, 'utf8'));
      // The seed is then in the data files, not only in the WAL: a later worker that is
      // stopped mid-query (statement timeout) leaves nothing of it to replay.
      await db.exec('CHECKPOINT');
    }
    if (init.setupSql) await db.exec(init.setupSql);
    const oidOf = async (name: string) => {
      const role = await db.query<{ oid: number }>(
        'SELECT oid::int AS oid FROM pg_roles WHERE rolname = $1',
        [name],
      );
      const oid = role.rows[0]?.oid;
      if (oid === undefined) throw new Error(`role ${name} does not exist`);
      return oid;
    };
    const roleId = await oidOf(init.role);
    const writerId = await oidOf(init.writerRole);
    await db.exec(SET_ROLE);
    // Both are read from PostgreSQL's C variables between batches, without running SQL.
    // statement_timeout: PGlite never arms a timer for it, so the pump enforces it, with the
    // value GetConfigOption prints (an integer in ms; SET LOCAL and RESET included).
    // The current user: PGlite's session user is the superuser, so RESET ROLE or SET SESSION
    // AUTHORIZATION DEFAULT (the gateway's own session reset sends it) would leave the next
    // request running as the superuser.
    const mod = db.Module as unknown as SessionReader;
    const { _GetConfigOption: getConfigOption, _GetUserId: getUserId } = mod;
    if (typeof getConfigOption !== 'function' || typeof getUserId !== 'function') {
      throw new Error(
        'this PGlite build exports no GetConfigOption or GetUserId: the demo cannot enforce its limits',
      );
    }
    const name = mod.stringToNewUTF8('statement_timeout');
    return {
      db,
      statementTimeoutMs: () => Number(mod.UTF8ToString(getConfigOption(name, 0, 0))) || 0,
      isReader: () => getUserId() === roleId,
      isWriter: () => getUserId() === writerId,
    };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
};

const main = async () => {
  const { db, statementTimeoutMs, isReader, isWriter } = await open();
  const setRole = queryMessage(SET_ROLE);
  const setWriterRole = queryMessage(SET_WRITER_ROLE);
  let queue = Promise.resolve();
  /** The session is idle outside any transaction (as after open): a role may change. */
  let idle = true;

  const exec = async (id: number, bytes: Uint8Array, asWriter: boolean) => {
    // A writer client (the approval executor) starts its transaction as the writer role; the
    // reset below returns the session to the reader once it is idle again.
    if (asWriter && idle && !isWriter()) {
      await db.execProtocolRawStream(setWriterRole, { onRawData: () => undefined });
      if (!isWriter()) throw new Error(`the session did not take role ${init.writerRole}`);
    }
    const framer = new BackendFramer();
    let out: Uint8Array[] = [];
    let outSize = 0;
    const take = () => {
      const joined = new Uint8Array(outSize);
      let at = 0;
      for (const part of out) {
        joined.set(part, at);
        at += part.length;
      }
      out = [];
      outSize = 0;
      return joined;
    };
    await db.execProtocolRawStream(bytes, {
      onRawData: (chunk) => {
        const whole = framer.push(chunk);
        if (whole.length === 0) return;
        out.push(whole);
        outSize += whole.length;
        // A long result streams to the client while it is produced, in whole messages.
        if (outSize >= FLUSH_BYTES) {
          const data = take();
          post({ type: 'data', id, bytes: data }, [data.buffer as ArrayBuffer]);
        }
      },
    });
    if (framer.leftover > 0) throw new Error('PGlite ended a batch inside a protocol message');
    // Back to the reader role where that changes nothing a client may rely on: idle, outside any
    // transaction and extended-query sequence.
    if (framer.lastReady === 'I' && !isReader()) {
      await db.execProtocolRawStream(setRole, { onRawData: () => undefined });
      if (!isReader()) throw new Error(`the session did not return to role ${init.role}`);
    }
    idle = framer.lastReady === 'I';
    const data = take();
    post(
      { type: 'done', id, bytes: data, ready: framer.lastReady, statementTimeoutMs: statementTimeoutMs() },
      [data.buffer as ArrayBuffer],
    );
  };

  port.on('message', (message: ToWorker) => {
    queue = queue.then(async () => {
      if (message.type === 'exec') {
        await exec(message.id, message.bytes, message.asWriter).catch((error: unknown) => {
          post({ type: 'fatal', message: `PGlite failed: ${errorText(error)}` });
        });
      } else {
        await db.close().catch(() => undefined);
        post({ type: 'closed' });
        port.close();
      }
    });
  });
  post({ type: 'ready', statementTimeoutMs: statementTimeoutMs() });
};

main().catch((error: unknown) => post({ type: 'fatal', message: errorText(error) }));
