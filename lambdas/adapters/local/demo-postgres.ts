// Local stand-in for a customer database: the seeded demo database `demo-postgres`, PGlite in a worker
// thread behind a TCP pump that serialises clients and enforces statement_timeout.
import { randomInt } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { DemoBackend, type WorkerInit } from './demo-postgres-backend.js';
import {
  CANCEL_REQUEST,
  copyFailMessage,
  errorResponse,
  type FrontendMessage,
  FrontendReader,
  GSSENC_REQUEST,
  ProtocolViolation,
  queryMessage,
  readyForQuery,
  rewriteBackendKey,
  SSL_REQUEST,
  startupCode,
  startupUser,
  syncMessage,
  type TxStatus,
} from './demo-postgres-protocol.js';

export interface DemoPostgresOptions {
  /** PGlite data directory; created if missing and kept across restarts. */
  dataDir: string;
  /** SQL run once, when the database has no `customers` table yet. */
  seedFile: string;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Concurrent client connections accepted (default 16); more are refused with SQLSTATE 53300. */
  maxConnections?: number;
  /**
   * Statement timeout in ms for sessions that set none (`statement_timeout = 0`). A session's own
   * setting (e.g. `SET LOCAL statement_timeout`) is honoured instead.
   * @default 10_000
   */
  statementTimeoutMs?: number;
  /**
   * A client left idle inside a transaction holds the single backend for everyone: past this many
   * ms it is disconnected (SQLSTATE 25P03), as PostgreSQL's idle_in_transaction_session_timeout does.
   * @default 30_000
   */
  idleInTransactionTimeoutMs?: number;
  /** Told of worker starts and stops (for logs); a throwing listener is ignored. */
  onEvent?: (event: DemoPostgresEvent) => void;
}

/** Why a worker was stopped and replaced. */
export type DemoPostgresStopReason = 'timeout' | 'cancel' | 'client-gone' | 'crash';

export type DemoPostgresEvent =
  | { type: 'worker-started'; startMs: number; worker: Worker }
  | { type: 'worker-stopped'; reason: DemoPostgresStopReason; detail?: string }
  | { type: 'worker-failed'; message: string };

export interface DemoPostgres {
  /** `postgres://` URL for the `pg` driver: sessions run as the reader role. */
  url: string;
  /** The same database as the writer role (SELECT, INSERT, UPDATE, DELETE): for approved writes. */
  writerUrl: string;
  port: number;
  /**
   * Closes the socket server and its connections, then PGlite (which flushes the data dir) and its
   * worker; a worker busy with a statement is stopped at once. Safe to call twice.
   */
  stop(): Promise<void>;
}

const READER = 'tollgate_reader';
/** The role of the approval executor's connections (`writeTarget: { demo: true, role: writer }`). */
const WRITER = 'tollgate_writer';

// PGlite runs a single backend whose session user is always the superuser `postgres`, and the
// pump ignores the user in the startup message: every connection shares that one session.
// So the reader role is applied with SET ROLE, as PGlite's own `username` option does. That makes
// accidental writes fail (42501) but is no security boundary: a client can RESET ROLE.
const READER_SETUP = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${READER}') THEN CREATE ROLE ${READER} LOGIN; END IF;
END $$;
GRANT USAGE ON SCHEMA public TO ${READER};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READER};
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${WRITER}') THEN CREATE ROLE ${WRITER} LOGIN; END IF;
END $$;
GRANT USAGE ON SCHEMA public TO ${WRITER};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${WRITER};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${WRITER};
`;
// After a client leaves: end whatever it left open (a COPY, an extended-query sequence, a
// transaction); the worker then sets the reader role again. Once nobody else is connected, the
// session's settings, cursors and prepared statements go too, as with a new PostgreSQL backend.
const END_LEFT_OPEN = [copyFailMessage(), syncMessage()];
const RESET_SESSION = Buffer.concat([...END_LEFT_OPEN, queryMessage('ROLLBACK')]);
const RESET_IDLE_SESSION = Buffer.concat([
  ...END_LEFT_OPEN,
  queryMessage('ROLLBACK; CLOSE ALL; RESET ALL; DEALLOCATE ALL'),
]);
// A fresh session in the state a statement error leaves a transaction in (25P02 until ROLLBACK).
const ABORTED_TRANSACTION = queryMessage('BEGIN; SELECT 1/0');

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_IN_TRANSACTION_MS = 30_000;
const GUARD_TIMEOUT_MS = 30_000;

class Client {
  readonly reader = new FrontendReader(MAX_MESSAGE_BYTES);
  /** Its key in BackendKeyData, which a CancelRequest names; set when admitted, unique. */
  processId = 0;
  readonly secretKey = randomInt(-(2 ** 31), 2 ** 31 - 1);
  /** Frontend messages waiting for the backend. */
  pending: FrontendMessage[] = [];
  /** Transaction status as last told to the client. */
  status: TxStatus = 'I';
  /** After an error mid extended-query sequence: drop messages until Sync, as PostgreSQL does. */
  discarding = false;
  /** Its StartupMessage was accepted: it counts against maxConnections. */
  admitted = false;
  /** Startup answered: the client has a session. */
  started = false;
  queued = false;
  closed = false;
  /** Connected as the writer role (the approval executor). */
  writer = false;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(readonly socket: Socket) {}

  write(bytes: Buffer): void {
    if (!this.closed && this.socket.writable) this.socket.write(bytes);
  }
}

interface InFlight {
  /** Null for the pump's own batches (session reset, restoring an aborted transaction). */
  readonly client: Client | null;
  /** The batch ended with Sync or Query: the client expects ReadyForQuery after an error. */
  readonly endsWithSync: boolean;
  readonly wasInTransaction: boolean;
  readonly timer: NodeJS.Timeout;
}

const compileWasm = async (): Promise<WebAssembly.Module | undefined> => {
  // Compiled once here and handed to each worker: a restart then skips compiling 9 MB of wasm.
  // The file sits beside PGlite's entry; if it moves, each worker compiles its own.
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('@electric-sql/pglite')), 'pglite.wasm');
  // @types/node declares WebAssembly's types, not its global (that comes with the DOM lib).
  const wasm = (
    globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }
  ).WebAssembly;
  return wasm.compile(await readFile(file)).catch(() => undefined);
};

/**
 * Starts the demo PostgreSQL database on a local TCP port, backed by PGlite with an on-disk data
 * directory. Seeds it from `seedFile` only when it is first created (no `customers` table yet).
 * Connections run as the non-superuser role `tollgate_reader` (SELECT on the tables of schema
 * `public`), applied with SET ROLE: PGlite has no real logins, so this guards against mistakes, not
 * against a hostile client. All clients share PGlite's single session, so session settings leak
 * between them; a client's transaction is never interleaved with another's.
 *
 * PGlite runs in a worker thread, so a long query does not hold up the caller's event loop. A
 * statement that outlives the session's statement_timeout (or `statementTimeoutMs` when none is
 * set), or that a CancelRequest names, gets SQLSTATE 57014: the worker is stopped and a fresh one
 * opens the data dir again, the client's transaction then being in the failed state.
 */
export async function startDemoPostgres(options: DemoPostgresOptions): Promise<DemoPostgres> {
  const host = options.host ?? '127.0.0.1';
  const maxConnections = options.maxConnections ?? 16;
  const defaultTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const idleTimeoutMs = options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_MS;
  await mkdir(options.dataDir, { recursive: true });
  const wasmModule = await compileWasm();
  const init = (setup: boolean): WorkerInit => ({
    dataDir: options.dataDir,
    seedFile: options.seedFile,
    setupSql: setup ? READER_SETUP : undefined,
    role: READER,
    writerRole: WRITER,
    ...(wasmModule ? { wasmModule } : {}),
  });

  const emit = (event: DemoPostgresEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // Diagnostics must not break the pump.
    }
  };

  const clients = new Set<Client>();
  const byProcessId = new Map<number, Client>();
  const waiting: Client[] = [];
  let backend: DemoBackend | undefined;
  let restarting: Promise<void> | undefined;
  let failure: string | undefined;
  let inFlight: InFlight | undefined;
  /** The client whose transaction (or unfinished extended-query sequence) owns the backend. */
  let holder: Client | undefined;
  let restoreFor: Client | undefined;
  let resetPending = false;
  let stopped = false;

  const startBackend = async (setup: boolean): Promise<DemoBackend> => {
    const started = performance.now();
    const created = await DemoBackend.start(init(setup), (message) => onCrash(created, message));
    emit({
      type: 'worker-started',
      startMs: Math.round(performance.now() - started),
      worker: created.thread,
    });
    return created;
  };

  /** Stops the current worker and opens the data dir in a new one; the pump waits meanwhile. */
  const restart = (reason: DemoPostgresStopReason, detail?: string) => {
    const old = backend;
    backend = undefined;
    if (old) emit({ type: 'worker-stopped', reason, ...(detail ? { detail } : {}) });
    restarting = (async () => {
      // Never two PGlite instances on one data dir: the old worker is gone before the new one opens.
      await old?.kill().catch(() => undefined);
      if (stopped) return;
      try {
        const next = await startBackend(false);
        if (stopped) {
          await next.close();
          return;
        }
        backend = next;
        failure = undefined;
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
        emit({ type: 'worker-failed', message: failure });
        // Fail those waiting, clearly; the next client to arrive triggers another attempt.
        for (const client of [...clients]) {
          if (client.pending.length > 0 || client === holder) {
            drop(client, errorResponse('FATAL', '57P03', failure));
          }
        }
      } finally {
        // Only one restart runs at a time: a restart needs a backend, and there is none meanwhile.
        restarting = undefined;
      }
      pump();
    })();
  };

  const onCrash = (crashed: DemoBackend, message: string) => {
    if (crashed !== backend || stopped) return;
    const interrupted = inFlight;
    if (interrupted) clearTimeout(interrupted.timer);
    inFlight = undefined;
    const victims = new Set([interrupted?.client, holder]);
    holder = undefined;
    restoreFor = undefined;
    restart('crash', message);
    // Their session is gone with the worker: they must not carry on as if in a transaction.
    for (const victim of victims) {
      if (victim) drop(victim, errorResponse('FATAL', '57P02', 'the demo database stopped unexpectedly'));
    }
  };

  const armIdleTimer = (client: Client) => {
    clearTimeout(client.idleTimer);
    if (holder !== client || client.pending.length > 0 || client.closed) return;
    client.idleTimer = setTimeout(() => {
      if (holder !== client || client.pending.length > 0 || inFlight?.client === client) return;
      drop(
        client,
        errorResponse('FATAL', '25P03', 'terminating connection due to idle-in-transaction timeout'),
      );
    }, idleTimeoutMs);
  };

  const enqueue = (client: Client) => {
    if (client.queued || client === holder || client.closed) return;
    client.queued = true;
    waiting.push(client);
  };

  /** Runs a batch on the backend with the statement timeout in force. */
  const run = (active: DemoBackend, client: Client | null, batch: FrontendMessage[] | Buffer) => {
    const messages = Array.isArray(batch) ? batch : [];
    const last = messages.at(-1)?.type;
    const startup = messages[0]?.type === 'startup';
    // statement_timeout is for statements: startup and the pump's own batches only get a guard.
    const limitMs =
      startup || !client
        ? GUARD_TIMEOUT_MS
        : active.statementTimeoutMs > 0
          ? active.statementTimeoutMs
          : defaultTimeoutMs;
    const flight: InFlight = {
      client,
      endsWithSync: last === 'S' || last === 'Q' || startup,
      wasInTransaction: client ? client.status !== 'I' : false,
      timer: setTimeout(() => cancel(flight, 'timeout'), limitMs),
    };
    inFlight = flight;
    const bytes = Array.isArray(batch) ? Buffer.concat(batch.map((m) => m.bytes)) : batch;
    try {
      execOn(active, flight, bytes, startup);
    } catch (error) {
      // A fault of the pump's own: handled as a crash, so nothing waits on a batch never sent.
      onCrash(active, error instanceof Error ? error.message : String(error));
    }
  };

  const execOn = (active: DemoBackend, flight: InFlight, bytes: Buffer, startup: boolean) => {
    const client = flight.client;
    active.exec(
      bytes,
      (output) => {
        if (!client) return;
        if (startup) rewriteBackendKey(output, client.processId, client.secretKey);
        client.write(output);
      },
      (ready) => {
        clearTimeout(flight.timer);
        inFlight = undefined;
        if (client) {
          if (startup) client.started = true;
          if (ready) client.status = ready;
          // The backend is this client's until it is idle outside any transaction again.
          if (ready === 'I') {
            if (holder === client) holder = undefined;
          } else {
            holder = client;
          }
          if (holder === client) armIdleTimer(client);
          else if (client.pending.length > 0) enqueue(client);
        }
        pump();
      },
      client?.writer ?? false,
    );
  };

  /** Ends the running statement: the worker is replaced, the client told as PostgreSQL would. */
  const cancel = (flight: InFlight, reason: 'timeout' | 'cancel') => {
    if (inFlight !== flight) return;
    clearTimeout(flight.timer);
    inFlight = undefined;
    // First: the pump must not hand the busy worker anything more.
    restart(reason);
    const client = flight.client;
    if (client && !client.closed) {
      const text =
        reason === 'timeout'
          ? 'canceling statement due to statement timeout'
          : 'canceling statement due to user request';
      client.write(errorResponse('ERROR', '57014', text));
      // Inside a transaction, the new session is put in the failed-transaction state, so the
      // client's ROLLBACK ends it and nothing runs outside the transaction it thinks it is in.
      client.status = flight.wasInTransaction ? 'E' : 'I';
      holder = flight.wasInTransaction ? client : undefined;
      restoreFor = flight.wasInTransaction ? client : undefined;
      if (flight.endsWithSync) client.write(readyForQuery(client.status));
      else client.discarding = true;
      const queued = client.pending;
      client.pending = [];
      accept(client, queued);
      if (holder === client) armIdleTimer(client);
    }
  };

  /**
   * Picks the next batch: restoring a failed transaction first, then the holder's, then a session
   * reset after a client left, then the next waiting client's.
   */
  const pump = () => {
    if (stopped || inFlight || restarting) return;
    if (!backend) {
      // After a failed restart, new work tries again.
      if (failure && [...clients].some((c) => c.pending.length > 0)) restart('crash', failure);
      return;
    }
    if (restoreFor) {
      const client = restoreFor;
      restoreFor = undefined;
      if (!client.closed) return run(backend, null, ABORTED_TRANSACTION);
    }
    if (holder) {
      if (holder.pending.length > 0) run(backend, holder, takeBatch(holder));
      return;
    }
    if (resetPending) {
      resetPending = false;
      const alone = ![...clients].some((c) => c.started);
      return run(backend, null, alone ? RESET_IDLE_SESSION : RESET_SESSION);
    }
    for (let client = waiting.shift(); client; client = waiting.shift()) {
      client.queued = false;
      if (!client.closed && client.pending.length > 0) return run(backend, client, takeBatch(client));
    }
  };

  /** Messages up to the next one the backend answers with ReadyForQuery (Sync, Query, startup). */
  const takeBatch = (client: Client): FrontendMessage[] => {
    const batch: FrontendMessage[] = [];
    while (client.pending.length > 0) {
      const message = client.pending.shift()!;
      batch.push(message);
      if (message.type === 'S' || message.type === 'Q' || message.type === 'startup') break;
    }
    clearTimeout(client.idleTimer);
    return batch;
  };

  /** Takes framed messages from a client: answers what the pump handles itself, queues the rest. */
  const accept = (client: Client, messages: FrontendMessage[]) => {
    for (const message of messages) {
      if (client.closed) return;
      if (message.type === 'startup') {
        const code = startupCode(message.bytes);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          client.write(Buffer.from('N'));
        } else if (code === CANCEL_REQUEST && message.bytes.length === 16) {
          const target = byProcessId.get(message.bytes.readInt32BE(8));
          if (target && target.secretKey === message.bytes.readInt32BE(12) && inFlight?.client === target) {
            cancel(inFlight, 'cancel');
          }
          return drop(client);
        } else if (code >> 16 !== 3) {
          return drop(client, errorResponse('FATAL', '0A000', `unsupported frontend protocol ${code >> 16}`));
        } else if ([...clients].filter((c) => c.admitted).length >= maxConnections) {
          return drop(client, errorResponse('FATAL', '53300', 'sorry, too many clients already'));
        } else {
          client.admitted = true;
          // The user named at startup picks the role: the writer's, or the reader's for anyone else.
          client.writer = startupUser(message.bytes) === WRITER;
          do client.processId = randomInt(1, 2 ** 31 - 1);
          while (byProcessId.has(client.processId));
          byProcessId.set(client.processId, client);
          client.pending.push(message);
        }
      } else if (message.type === 'X') {
        return drop(client);
      } else if (client.discarding) {
        if (message.type === 'S') {
          client.discarding = false;
          client.write(readyForQuery(client.status));
        }
      } else {
        client.pending.push(message);
      }
    }
    clearTimeout(client.idleTimer);
    if (client.pending.length > 0) enqueue(client);
    else armIdleTimer(client);
    pump();
  };

  /** Closes a client's connection (after `last`, if given) and frees what it held. */
  const drop = (client: Client, last?: Buffer) => {
    if (client.closed) return;
    if (last) client.write(last);
    client.closed = true;
    client.socket.end(() => client.socket.destroy());
    onGone(client);
  };

  const onGone = (client: Client) => {
    clients.delete(client);
    if (byProcessId.get(client.processId) === client) byProcessId.delete(client.processId);
    clearTimeout(client.idleTimer);
    client.pending = [];
    if (inFlight?.client === client) {
      // Nobody reads the result any more: stop the work rather than let it run to the timeout.
      clearTimeout(inFlight.timer);
      inFlight = undefined;
      if (holder === client) holder = undefined;
      restart('client-gone');
      return;
    }
    if (holder === client) holder = undefined;
    if (client.started) resetPending = true;
    pump();
  };

  const server: Server = createServer((socket) => {
    const client = new Client(socket);
    if (stopped) {
      socket.destroy();
      return;
    }
    clients.add(client);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      if (client.closed) return;
      try {
        accept(client, client.reader.push(chunk));
      } catch (error) {
        // One client's garbage (or a fault here) must not take the gateway down with it.
        const text =
          error instanceof ProtocolViolation
            ? `invalid frontend message: ${error.message}`
            : 'internal error in the demo database';
        drop(client, errorResponse('FATAL', error instanceof ProtocolViolation ? '08P01' : 'XX000', text));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (client.closed) return;
      client.closed = true;
      onGone(client);
    });
  });

  backend = await startBackend(true);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(options.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    await backend.close();
    throw error;
  }
  server.on('error', () => undefined);

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${READER}@${urlHost}:${port}/postgres`,
    writerUrl: `postgres://${WRITER}@${urlHost}:${port}/postgres`,
    port,
    stop: () => {
      stopping ??= (async () => {
        stopped = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const client of [...clients]) {
          client.closed = true;
          clearTimeout(client.idleTimer);
          client.socket.destroy();
        }
        clients.clear();
        if (inFlight) clearTimeout(inFlight.timer);
        await restarting;
        const last = backend;
        backend = undefined;
        // A worker busy with a statement cannot close cleanly; the session is read-only anyway.
        if (last) await (inFlight ? last.kill() : last.close());
        inFlight = undefined;
        await closed;
      })();
      return stopping;
    },
  };
}
