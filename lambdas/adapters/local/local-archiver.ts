// The local stand-in for the DynamoDB Stream that triggers archiving on AWS (dynalite has no
// streams): it notes which sessions received events and archives them on a timer and at stop,
// through the same archive use case.
import type { Logger, RecordingArchive, SessionStore } from '../../core/ports.js';
import { archiveSessions } from '../../core/recording/archive-sessions.js';
import type { SessionEvent } from '../../core/recording/events.js';

export interface LocalArchiver {
  /** The session store to give the gateway: it reports each stored event to the archiver. */
  readonly sessions: SessionStore;
  /** Archives every session with new events now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export const createLocalArchiver = (options: {
  sessions: SessionStore;
  archive: RecordingArchive;
  logger: Logger;
  intervalMs: number;
}): LocalArchiver => {
  const pending = new Set<string>();
  const { sessions, archive, logger } = options;
  const observed: SessionStore = {
    claimSession: (...args) => sessions.claimSession(...args),
    head: (sessionId) => sessions.head(sessionId),
    listEvents: (...args) => sessions.listEvents(...args),
    archivedSeq: (sessionId) => sessions.archivedSeq(sessionId),
    markArchived: (...args) => sessions.markArchived(...args),
    async putEvent(event: SessionEvent) {
      const outcome = await sessions.putEvent(event);
      if (outcome === 'stored') pending.add(event.sessionId);
      return outcome;
    },
  };
  let running: Promise<void> = Promise.resolve();
  let runs = 0;
  const flush = () => {
    running = running.then(async () => {
      if (pending.size === 0) return;
      const batch = [...pending];
      pending.clear();
      try {
        // One archive object per tick, whatever the number of sessions.
        await archiveSessions({ sessions, archive }, batch, `local-${Date.now()}-${runs++}`);
      } catch (error) {
        for (const sessionId of batch) pending.add(sessionId); // retried next tick, as a stream retries
        logger.warn('archiving failed; will retry', { error: (error as Error).message });
      }
    });
    return running;
  };
  const timer = setInterval(() => void flush(), options.intervalMs);
  timer.unref();
  return {
    sessions: observed,
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
};
