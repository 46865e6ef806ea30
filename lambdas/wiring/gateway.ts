// What both composition roots share: from adapters to the handlers of every route. Lambda and the
// local server call exactly these handlers, so they run one code path.
import type {
  Clock,
  ConnectionStore,
  IdentityVerifier,
  IdGenerator,
  Logger,
  PolicyProvider,
  RecordingArchive,
  SessionStore,
  TargetExecutor,
} from '../core/ports.js';
import { SessionRecorder } from '../core/recording/session-recorder.js';
import { postgresAnalyzer } from '../core/sql/analyze-postgres.js';
import { createArchiverHandler } from '../handlers/archiver-handler.js';
import { createFallbackHandler } from '../handlers/fallback-handler.js';
import { createHealthHandler } from '../handlers/health-handler.js';
import { createSqlHandler } from '../handlers/sql-handler.js';

export const VERSION = '0.1.0';

export const systemClock: Clock = { now: () => new Date() };
export const randomIds: IdGenerator = { newId: () => crypto.randomUUID() };

export interface SqlRouteDeps {
  readonly identity: IdentityVerifier;
  readonly connections: ConnectionStore;
  readonly policies: PolicyProvider;
  readonly executors: Readonly<Partial<Record<'postgres' | 'mysql', TargetExecutor>>>;
  readonly sessions: SessionStore;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
}

/** The SQL route's handler. Loads the SQL parsers first (once per process). */
export const buildSqlHandler = async (deps: SqlRouteDeps) => {
  await postgresAnalyzer.load();
  return createSqlHandler({
    ...deps,
    analyzers: { postgres: postgresAnalyzer },
    recorder: new SessionRecorder(deps.sessions),
    clock: deps.clock ?? systemClock,
    ids: deps.ids ?? randomIds,
  });
};

export const buildHealthHandler = (logger: Logger) => createHealthHandler({ logger, version: VERSION });
export const buildFallbackHandler = (logger: Logger) => createFallbackHandler({ logger });
export const buildArchiverHandler = (deps: {
  sessions: SessionStore;
  archive: RecordingArchive;
  logger: Logger;
}) => createArchiverHandler(deps);
