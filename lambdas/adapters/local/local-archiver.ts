// The local stand-in for the DynamoDB Stream that triggers archiving on AWS (dynalite has no
// streams) and for the checkpoint schedule: it notes which sessions received events, archives
// them on a timer and at stop, and writes a signed checkpoint on its own timer and at stop,
// through the same use cases as on AWS. The system sessions (the configuration audit trail, which
// the CLI writes straight to the table, and the access audit trail) are archived every tick.
import type {
  ArchiveLedger,
  Clock,
  IdGenerator,
  Logger,
  RecordingArchive,
  SessionStore,
  Signer,
} from '../../core/ports.js';
import { archiveSessions } from '../../core/recording/archive-sessions.js';
import { type CheckpointRun, writeCheckpoint } from '../../core/recording/checkpoint.js';
import type { SessionEvent } from '../../core/recording/events.js';

export interface LocalArchiver {
  /** The session store to give the gateway: it reports each stored event to the archiver. */
  readonly sessions: SessionStore;
  /** Archives every session with new events now. */
  flush(): Promise<void>;
  /** Archives, then writes a checkpoint over what is archived (with `force`, even over nothing new). */
  checkpoint(options?: { force?: boolean }): Promise<CheckpointRun>;
  stop(): Promise<void>;
}

export interface LocalArchiverOptions {
  readonly sessions: SessionStore;
  readonly archive: RecordingArchive;
  readonly ledger: ArchiveLedger;
  readonly signer: Signer;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** How often a checkpoint is written (when something new was archived). */
  readonly checkpointIntervalMs: number;
  /** Sessions archived on every tick, whoever wrote them. */
  readonly systemSessions?: readonly string[];
}

export const createLocalArchiver = (options: LocalArchiverOptions): LocalArchiver => {
  const pending = new Set<string>();
  const { sessions, archive, ledger, logger } = options;
  const observed: SessionStore = {
    claimSession: (...args) => sessions.claimSession(...args),
    head: (sessionId) => sessions.head(sessionId),
    listEvents: (...args) => sessions.listEvents(...args),
    archivedSeq: (sessionId) => sessions.archivedSeq(sessionId),
    sessionInfo: (sessionId) => sessions.sessionInfo(sessionId),
    markArchived: (...args) => sessions.markArchived(...args),
    async putEvent(event: SessionEvent) {
      const outcome = await sessions.putEvent(event);
      if (outcome === 'stored') pending.add(event.sessionId);
      return outcome;
    },
  };
  // Archiving and checkpointing run one after another, never at once.
  let running: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = running.then(work, work);
    running = next.catch(() => undefined);
    return next;
  };

  const archiveNow = async () => {
    const batch = [...new Set([...pending, ...(options.systemSessions ?? [])])];
    pending.clear();
    try {
      // One archive object per tick, whatever the number of sessions.
      const run = await archiveSessions({ sessions, archive, ledger }, batch);
      for (const problem of run.broken) logger.error('recording chain broken; session not archived', problem);
    } catch (error) {
      for (const sessionId of batch) pending.add(sessionId); // retried next tick, as a stream retries
      logger.warn('archiving failed; will retry', { error: (error as Error).message });
    }
  };
  const flush = () => serial(archiveNow);
  const checkpoint = (checkpointOptions: { force?: boolean } = {}) =>
    serial(async () => {
      await archiveNow();
      return writeCheckpoint(
        { ledger, archive, signer: options.signer, clock: options.clock, ids: options.ids },
        checkpointOptions,
      );
    });
  const checkpointQuietly = () =>
    checkpoint().catch((error: unknown) => {
      logger.warn('checkpoint failed; will retry', { error: (error as Error).message });
    });

  const timers = [
    setInterval(() => void flush(), options.intervalMs),
    setInterval(() => void checkpointQuietly(), options.checkpointIntervalMs),
  ];
  for (const timer of timers) timer.unref();
  return {
    sessions: observed,
    flush,
    checkpoint,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await checkpointQuietly();
    },
  };
};
