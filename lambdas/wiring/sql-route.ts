// The SQL route, assembled from adapters: shared by the Lambda and local composition roots.
import type {
  Clock,
  ConnectionStore,
  IdentityVerifier,
  IdGenerator,
  Logger,
  PolicyProvider,
  SessionStore,
  TargetExecutor,
} from '../core/ports.js';
import { SessionRecorder } from '../core/recording/session-recorder.js';
import { postgresAnalyzer } from '../core/sql/analyze-postgres.js';
import { createSqlHandler } from '../handlers/sql-handler.js';
import { randomIds, systemClock } from './gateway.js';

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
