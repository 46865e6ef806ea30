// Moves new events from the session store to the immutable archive. One run writes ONE archive
// object (a segment) holding the new events of every session it was given, so archive PUTs scale
// with runs (one per DynamoDB Stream batch on AWS, one per tick locally), not with requests.
//
// Exactly once, without transactions: a segment is noted in the ledger (its key is the SHA-256 of
// its bytes, its sessions and seq ranges) BEFORE its object is written. A run that stops anywhere
// after that leaves the note; the next run completes noted segments first, rebuilding the same
// bytes from the store (events never change), so a retry writes no second copy of any event and
// loses none. Only then does it archive anything new.
import { createHash } from 'node:crypto';
import type {
  ArchiveLedger,
  RecordingArchive,
  SegmentRecord,
  SegmentSession,
  SessionIndexEntry,
  SessionStore,
} from '../ports.js';
import { canonicalJson } from './canonical-json.js';
import { GENESIS, type SessionEvent } from './events.js';
import { verifyChain } from './hash-chain.js';

export interface ArchiveDeps {
  readonly sessions: SessionStore;
  readonly archive: RecordingArchive;
  readonly ledger: ArchiveLedger;
}

/** Events per archive object at most; a longer backlog is archived over several objects. */
export const BATCH_MAX_EVENTS = 5000;
/** Sessions per archive object at most: its ledger note stays far below DynamoDB's 400 KB item. */
export const BATCH_MAX_SESSIONS = 1000;

export interface ArchiveRun {
  /** Archive objects written (segments completed, resumed ones included). */
  readonly objects: number;
  /** Events archived. */
  readonly events: number;
  /** Sessions whose new events do not continue their chain: not archived, to be investigated. */
  readonly broken: ReadonlyArray<{ sessionId: string; seq: number; problem: string }>;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Where a segment lives: by the day of its first event, named by the digest of its bytes. */
export const segmentKey = (at: string, digest: string) => `recordings/${at.slice(0, 10)}/${digest}.ndjson`;

export const segmentBody = (events: readonly SessionEvent[]) =>
  events.map((e) => `${canonicalJson(e)}\n`).join('');

const segmentOf = (runs: ReadonlyArray<{ events: readonly SessionEvent[] }>) => {
  const events = runs.flatMap((r) => r.events);
  const body = segmentBody(events);
  const digest = sha256(body);
  const sessions: SegmentSession[] = runs.map(({ events: own }) => ({
    sessionId: own[0]!.sessionId,
    firstSeq: own[0]!.seq,
    lastSeq: own.at(-1)!.seq,
    lastHash: own.at(-1)!.hash,
    firstAt: own[0]!.at,
    lastAt: own.at(-1)!.at,
  }));
  const segment: SegmentRecord = {
    key: segmentKey(events[0]!.at, digest),
    sha256: digest,
    events: events.length,
    sessions,
  };
  return { segment, body };
};

const strings = (values: Iterable<unknown>) =>
  [...new Set([...values].filter((v): v is string => typeof v === 'string' && v !== ''))].sort();

/** What the session index learns from newly archived events. */
export const indexFacts = (
  events: readonly SessionEvent[],
): Pick<SessionIndexEntry, 'requests' | 'principals' | 'actsFor' | 'connections' | 'outcomes'> => {
  const received = events.filter((e) => e.type === 'request.received');
  const principal = (e: SessionEvent) => e.data.principal as { sub?: unknown; actsFor?: unknown } | null;
  return {
    requests: received.length,
    principals: strings(received.map((e) => principal(e)?.sub)),
    actsFor: strings(received.map((e) => principal(e)?.actsFor)),
    connections: strings(received.map((e) => e.data.connection)),
    outcomes: strings(
      events.map((e) =>
        e.type === 'request.decided' ? e.data.outcome : e.type === 'request.failed' ? 'failed' : undefined,
      ),
    ),
  };
};

/**
 * Moves the session's mark to the segment's end: from where it is, when that is inside the
 * segment (a racing archiver may have archived a prefix of these events). Answers the events it
 * newly marked; a mark before the segment would leave a gap, and fails the run.
 */
const moveMark = async (deps: ArchiveDeps, session: SegmentSession, key: string): Promise<number> => {
  let refused: number | undefined;
  for (;;) {
    const mark = await deps.sessions.archivedSeq(session.sessionId);
    if (mark >= session.lastSeq) return 0;
    if (mark < session.firstSeq - 1)
      throw new Error(`session ${session.sessionId} would have a gap before segment ${key}`);
    // Another archiver moving the mark is progress; a store refusing a mark that stays put (no
    // session record) would otherwise spin here for ever.
    if (mark === refused)
      throw new Error(`the archive mark of session ${session.sessionId} did not move from ${mark}`);
    if (await deps.sessions.markArchived(session.sessionId, mark, session.lastSeq, key))
      return session.lastSeq - mark;
    refused = mark;
  }
};

/** Writes the noted segment's object (unless there), moves every mark, indexes, and closes the note. */
const complete = async (
  deps: ArchiveDeps,
  segment: SegmentRecord,
  body: string,
  eventsOf: ReadonlyMap<string, readonly SessionEvent[]>,
): Promise<number> => {
  await deps.archive.putBatch({ key: segment.key, body, sessions: segment.sessions });
  let archived = 0;
  for (const session of segment.sessions) {
    archived += await moveMark(deps, session, segment.key);
    const info = await deps.sessions.sessionInfo(session.sessionId);
    await deps.ledger.index({
      sessionId: session.sessionId,
      owner: info?.owner ?? { sub: 'unknown', issuer: 'unknown' },
      createdAt: info?.createdAt ?? session.firstAt,
      lastSeq: session.lastSeq,
      lastAt: session.lastAt,
      ...indexFacts(eventsOf.get(session.sessionId) ?? []),
    });
  }
  await deps.ledger.archived(segment.key);
  return archived;
};

/** Rebuilds a noted segment's bytes from the store: the same events, so the same digest (else undefined). */
const rebuild = async (deps: ArchiveDeps, segment: SegmentRecord) => {
  const eventsOf = new Map<string, SessionEvent[]>();
  for (const s of segment.sessions) {
    const count = s.lastSeq - s.firstSeq + 1;
    eventsOf.set(s.sessionId, await deps.sessions.listEvents(s.sessionId, s.firstSeq - 1, count));
  }
  const body = segmentBody([...eventsOf.values()].flat());
  return sha256(body) === segment.sha256 ? { body, eventsOf } : undefined;
};

/**
 * Archives every event of `sessionIds` not archived yet, after completing any segment a previous
 * run noted and did not finish. Throws on a store or archive failure: the caller retries (the
 * stream retries the batch; the local archiver its next tick), and the retry completes exactly
 * what this run began.
 */
export const archiveSessions = async (
  deps: ArchiveDeps,
  sessionIds: readonly string[],
): Promise<ArchiveRun> => {
  let objects = 0;
  let archived = 0;
  const broken: Array<{ sessionId: string; seq: number; problem: string }> = [];
  for (const noted of await deps.ledger.intended()) {
    const rebuilt = await rebuild(deps, noted);
    if (!rebuilt) {
      // Its events changed in the store since it was noted: evidence, not a segment.
      broken.push({
        sessionId: noted.sessions[0]!.sessionId,
        seq: noted.sessions[0]!.firstSeq,
        problem: `segment ${noted.key} cannot be rebuilt: the stored events changed`,
      });
      continue;
    }
    archived += await complete(deps, noted, rebuilt.body, rebuilt.eventsOf);
    objects++;
  }

  let pending = [...new Set(sessionIds)];
  while (pending.length > 0) {
    const runs: Array<{ sessionId: string; events: SessionEvent[] }> = [];
    let budget = BATCH_MAX_EVENTS;
    const next: string[] = [];
    for (const sessionId of pending) {
      if (budget === 0 || runs.length === BATCH_MAX_SESSIONS) {
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
      if (from === 0 && (await deps.sessions.sessionInfo(sessionId)) === undefined) {
        // Its mark cannot move (the store moves it on the session's record): noting a segment
        // for it would stall every later run on a segment that can never be completed.
        broken.push({ sessionId, seq: events[0]!.seq, problem: 'the session has no record in the store' });
        continue;
      }
      const verdict =
        from > 0 && anchor?.seq !== from
          ? ({ ok: false, seq: from, problem: 'the last archived event is missing' } as const)
          : verifyChain(events, anchor ? { seq: anchor.seq, hash: anchor.hash } : GENESIS);
      if (!verdict.ok) {
        // Never archive a broken chain as genuine: leave it in the store, as evidence, and report it.
        broken.push({ sessionId, seq: verdict.seq, problem: verdict.problem });
        continue;
      }
      runs.push({ sessionId, events });
      budget -= events.length;
      if (budget === 0) next.push(sessionId); // it may have more
    }
    if (runs.length === 0) break;
    const { segment, body } = segmentOf(runs);
    await deps.ledger.intend(segment);
    archived += await complete(deps, segment, body, new Map(runs.map((r) => [r.sessionId, r.events])));
    objects++;
    pending = next;
  }
  return { objects, events: archived, broken };
};
