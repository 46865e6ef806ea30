// `tollgate start`: runs the local gateway until SIGINT or SIGTERM. A startup failure (the data
// dir in use, the port taken, an invalid tollgate.yaml) is one line and exit code 2, never a
// stack trace. The first signal stops gracefully (in-flight requests finish); a second exits at once.
import { resolve } from 'node:path';
import { assertDataDirFree, DataDirLockedError } from '../lambdas/adapters/local/data-dir-lock.js';
import { createLocalMetrics } from '../lambdas/adapters/observability/local-metrics.js';
import {
  createPowertoolsLogger,
  type LogLevel,
} from '../lambdas/adapters/observability/powertools-logger.js';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** TOLLGATE_LOG_LEVEL: one of the levels, `warn` when unset; anything else stops the start. */
const logLevelOf = (raw: string | undefined): LogLevel => {
  if (raw === undefined || raw === '') return 'warn';
  if ((LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new UsageError(`TOLLGATE_LOG_LEVEL must be one of ${LEVELS.join(', ')}, got "${raw}"`);
};

import { type CliContext, DEFAULT_DATA_DIR, localDataDir, oneLine, UsageError } from './cli-kit.js';

/** A path as a POSIX shell reads it back: bare when safe, else single-quoted. */
export const shellQuote = (text: string): string =>
  /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

export interface BannerInput {
  readonly url: string;
  readonly dataDir: string;
  readonly connections: readonly string[];
  /** The data dir is the default one (`.tollgate` in the working directory). */
  readonly defaultDataDir: boolean;
}

/** What `start` prints once it listens: where, and commands to paste in another terminal. */
export const startBanner = ({ url, dataDir, connections, defaultDataDir }: BannerInput): string => {
  const first = connections[0] ?? 'demo-postgres';
  // From the same folder `token` finds the default data dir; any other must be named.
  const token = `${defaultDataDir ? '' : `TOLLGATE_DATA_DIR=${shellQuote(dataDir)} `}npx tollgate token --sub alice --groups agents`;
  return `Tollgate listening on ${url}
  data dir:    ${dataDir}
  connections: ${connections.join(', ')}

Try it:
  TOKEN=$(${token})
  curl -s ${url}/v1/connections/${first}/sql \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"sql": "SELECT id, full_name FROM customers ORDER BY id LIMIT 3"}'
  curl -s ${url}/v1/connections/${first}/sql \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"sql": "DROP TABLE customers"}'
`;
};

/** TOLLGATE_PORT: 0 to 65535, 8080 when unset. */
export const parsePort = (text: string | undefined): number => {
  if (text === undefined || text === '') return 8080;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535))
    throw new UsageError(
      `TOLLGATE_PORT must be a whole number from 0 to 65535 (0 picks a free port), got "${text}"`,
    );
  return port;
};

/** One line saying why the gateway did not start. */
export const startFailure = (error: unknown, port: number): string => {
  if (error instanceof DataDirLockedError) return error.message;
  const failure = error as {
    code?: unknown;
    syscall?: unknown;
    message?: unknown;
    cause?: { code?: unknown };
  };
  if (failure.code === 'EADDRINUSE')
    return `port ${port} is in use; set TOLLGATE_PORT to a free port (0 picks one)`;
  if (failure.code === 'EACCES' && failure.syscall === 'listen')
    return `port ${port} needs privileges; set TOLLGATE_PORT to a port above 1023`;
  // dynalite's LevelDB lock: another process has the data dir's DynamoDB open.
  if (failure.cause?.code === 'LEVEL_LOCKED')
    return 'the data dir is in use by another process (its DynamoDB files are locked): stop it, or set TOLLGATE_DATA_DIR to another folder';
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  return `the gateway did not start: ${oneLine(message)}`;
};

/** A repeat within this window is the same Ctrl-C: `npm start` forwards the terminal's SIGINT. */
const SAME_SIGNAL_MS = 300;

export const runStart = async (ctx: CliContext): Promise<number> => {
  const { env, io, cwd } = ctx;
  const port = parsePort(env.TOLLGATE_PORT);
  const dataDir = localDataDir(env, cwd);
  // Fails fast, before the stand-ins and the demo database start; the gateway's own lock decides.
  try {
    assertDataDirFree(dataDir);
  } catch (error) {
    throw new UsageError(startFailure(error, port), { cause: error });
  }
  // Loaded here, not at the top: only `start` loads the gateway.
  const { startLocalGateway } = await import('../lambdas/wiring/local.js');
  // The same JSON lines as on Lambda (Powertools), each with its request id; warnings and
  // errors by default, TOLLGATE_LOG_LEVEL=debug adds the EMF metric lines Lambda would write.
  const level = logLevelOf(env.TOLLGATE_LOG_LEVEL);
  const logger = createPowertoolsLogger({ level });
  const observability = { logger, metrics: createLocalMetrics({ level, logger }) };
  let gateway: Awaited<ReturnType<typeof startLocalGateway>>;
  try {
    gateway = await startLocalGateway({
      dataDir,
      configFile: resolve(cwd, env.TOLLGATE_CONFIG || 'tollgate.yaml'),
      port,
      logger,
      observability,
      env,
    });
  } catch (error) {
    throw new UsageError(startFailure(error, port), { cause: error });
  }
  return new Promise<number>((stopped) => {
    let firstAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      const now = Date.now();
      if (firstAt === undefined) {
        firstAt = now;
        io.stderr('stopping… (press Ctrl-C again to exit at once)\n');
        gateway.stop().then(
          () => stopped(0),
          (error: unknown) => {
            io.stderr(
              `tollgate start: the gateway did not stop cleanly: ${oneLine(error instanceof Error ? error.message : String(error))}\n`,
            );
            stopped(1);
          },
        );
        return;
      }
      if (now - firstAt < SAME_SIGNAL_MS) return;
      io.stderr('exiting at once\n');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    // Before the banner: whoever reads it may signal at once.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    io.stdout(
      startBanner({
        url: gateway.url,
        dataDir: gateway.dataDir,
        connections: gateway.connections.map((c) => c.name),
        defaultDataDir: resolve(gateway.dataDir) === resolve(cwd, DEFAULT_DATA_DIR),
      }),
    );
  });
};
