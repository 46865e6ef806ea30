// What both composition roots share: from adapters to the handlers of the light routes (the SQL
// route is in sql-route.ts). Lambda and the local server call exactly these handlers.
import type { Clock, IdGenerator, Logger, RecordingArchive, SessionStore } from '../core/ports.js';
import { createArchiverHandler } from '../handlers/archiver-handler.js';
import { createFallbackHandler } from '../handlers/fallback-handler.js';
import { createHealthHandler } from '../handlers/health-handler.js';

export const VERSION = '0.1.0';

export const systemClock: Clock = { now: () => new Date() };
export const randomIds: IdGenerator = { newId: () => crypto.randomUUID() };

export const buildHealthHandler = (logger: Logger) => createHealthHandler({ logger, version: VERSION });
export const buildFallbackHandler = (logger: Logger) => createFallbackHandler({ logger });
export const buildArchiverHandler = (deps: {
  sessions: SessionStore;
  archive: RecordingArchive;
  logger: Logger;
}) => createArchiverHandler(deps);
