// Moves new events from the session store to the immutable archive. One run writes ONE archive
// object holding the new events of every session it was given, so archive PUTs scale with runs
// (one per DynamoDB Stream batch on AWS, one per tick locally), not with requests or sessions.
// Each session's entry in the store then points at the objects holding its events.
import type { RecordingArchive, SessionStore } from '../ports.js';
import { canonicalJson } from './canonical-json.js';
import { GENESIS, type SessionEvent } from './events.js';
import { verifyChain } from './hash-chain.js';

export interface ArchiveDeps {
  readonly sessions: SessionStore;
  readonly archive: RecordingArchive;
}

/** Events per archive object at most; a longer backlog is archived over several objects. */
export const BATCH_MAX_EVENTS = 5000;

export interface ArchiveRun {
  /** Archive objects written. */
  readonly objects: number;
  /** Events archived. */
  readonly events: number;
  /** Sessions whose new events do not continue their chain: not archived, to be investigated. */
  readonly broken: ReadonlyArray<{ sessionId: string; seq: number; problem: string }>;
}

/**
 * Archives every event of `sessionIds` not archived yet. `batchId` names the object (unique per
 * run, e.g. the stream batch's first sequence number). A failure leaves the marks where they
 * were, so a retry archives the same events again: an event can then appear in two objects,
 * identical in both, and readers de-duplicate by (sessionId, seq).
 */
export const archiveSessions = async (
  deps: ArchiveDeps,
  sessionIds: readonly string[],
  batchId: string,
): Promise<ArchiveRun> => {
  let objects = 0;
  let archived = 0;
  const broken: Array<{ sessionId: string; seq: number; problem: string }> = [];
  let pending = [...new Set(sessionIds)];
  while (pending.length > 0) {
    const runs: Array<{ sessionId: string; from: number; events: SessionEvent[] }> = [];
    let budget = BATCH_MAX_EVENTS;
    const next: string[] = [];
    for (const sessionId of pending) {
      if (budget === 0) {
        next.push(sessionId);
        continue;
      }
      const from = await deps.sessions.archivedSeq(sessionId);
      // The last archived event anchors the new ones: the chain must continue from it.
      const listed = await deps.sessions.listEvents(
        sessionId,
        Math.max(0, from - 1),
        from === 0 ? budget : budget + 1,
      );
      const anchor = from === 0 ? undefined : listed[0];
      const events = from === 0 ? listed : listed.slice(1);
      if (events.length === 0) continue;
      const verdict =
        from > 0 && anchor?.seq !== from
          ? ({ ok: false, seq: from, problem: 'the last archived event is missing' } as const)
          : verifyChain(events, anchor ? { seq: anchor.seq, hash: anchor.hash } : GENESIS);
      if (!verdict.ok) {
        // Never archive a broken chain as genuine: leave it in the store, as evidence, and report it.
        broken.push({ sessionId, seq: verdict.seq, problem: verdict.problem });
        continue;
      }
      runs.push({ sessionId, from, events });
      budget -= events.length;
      if (budget === 0) next.push(sessionId); // it may have more
    }
    if (runs.length === 0) break;
    const body = runs.flatMap((r) => r.events.map((e) => `${canonicalJson(e)}\n`)).join('');
    const key = await deps.archive.putBatch({
      batchId: objects === 0 ? batchId : `${batchId}-${objects}`,
      at: runs[0]!.events[0]!.at,
      body,
      sessions: runs.map((r) => ({
        sessionId: r.sessionId,
        firstSeq: r.events[0]!.seq,
        lastSeq: r.events.at(-1)!.seq,
        lastHash: r.events.at(-1)!.hash,
      })),
    });
    objects++;
    let moved = 0;
    for (const run of runs) {
      const lastSeq = run.events.at(-1)!.seq;
      // false: another archiver moved the mark first; its object holds these events too.
      if (await deps.sessions.markArchived(run.sessionId, run.from, lastSeq, key)) {
        archived += run.events.length;
        moved++;
      }
    }
    pending = moved > 0 ? next : []; // no mark moved: another archiver owns these sessions
  }
  return { objects, events: archived, broken };
};
