// Moves a session's new events from the session store to the immutable archive as one segment.
// Batching is the caller's choice (a DynamoDB Stream batch on AWS, a timer locally): one segment
// per session per run, so archive PUTs scale with active sessions, not with requests.
import type { RecordingArchive, SessionStore } from '../ports.js';
import { canonicalJson } from './canonical-json.js';

export interface ArchiveDeps {
  readonly sessions: SessionStore;
  readonly archive: RecordingArchive;
}

/** Events per segment at most; a longer backlog is archived over several segments. */
export const SEGMENT_MAX_EVENTS = 1000;

/** Archives everything not yet archived; returns the number of events archived. */
export const archiveSession = async (deps: ArchiveDeps, sessionId: string): Promise<number> => {
  let archived = 0;
  for (;;) {
    const from = await deps.sessions.archivedSeq(sessionId);
    const events = await deps.sessions.listEvents(sessionId, from, SEGMENT_MAX_EVENTS);
    if (events.length === 0) return archived;
    const first = events[0]!;
    const last = events[events.length - 1]!;
    // Deterministic key and body: a retry or a racing archiver writes the same segment again.
    await deps.archive.putSegment({
      sessionId,
      firstSeq: first.seq,
      lastSeq: last.seq,
      firstPrevHash: first.prevHash,
      lastHash: last.hash,
      body: `${events.map(canonicalJson).join('\n')}\n`,
    });
    if (!(await deps.sessions.markArchived(sessionId, from, last.seq))) return archived;
    archived += events.length;
    if (events.length < SEGMENT_MAX_EVENTS) return archived;
  }
};
