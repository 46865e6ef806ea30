// The per-session hash chain: each event commits to its predecessor, so removing, reordering or
// editing any recorded event is detectable by anyone holding the events.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { type ChainHead, type EventDraft, GENESIS, type SessionEvent } from './events.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export const hashEvent = (event: Omit<SessionEvent, 'hash'>): string =>
  sha256(
    canonicalJson({
      sessionId: event.sessionId,
      seq: event.seq,
      prevHash: event.prevHash,
      type: event.type,
      requestId: event.requestId,
      at: event.at,
      data: event.data,
    }),
  );

/** Attaches `draft` after `head`. */
export const chainEvent = (sessionId: string, head: ChainHead, draft: EventDraft): SessionEvent => {
  const unhashed = { ...draft, sessionId, seq: head.seq + 1, prevHash: head.hash };
  return { ...unhashed, hash: hashEvent(unhashed) };
};

export type ChainVerdict = { ok: true; head: ChainHead } | { ok: false; seq: number; problem: string };

/**
 * Verifies events of one session, in order, starting after `from` (the genesis by default).
 * Returns the first break found.
 */
export const verifyChain = (events: readonly SessionEvent[], from: ChainHead = GENESIS): ChainVerdict => {
  let head = from;
  for (const event of events) {
    if (event.seq !== head.seq + 1)
      return { ok: false, seq: event.seq, problem: `expected seq ${head.seq + 1}` };
    if (event.prevHash !== head.hash)
      return { ok: false, seq: event.seq, problem: 'prevHash does not match' };
    const { hash, ...rest } = event;
    if (hashEvent(rest) !== hash)
      return { ok: false, seq: event.seq, problem: 'hash does not match content' };
    head = { seq: event.seq, hash };
  }
  return { ok: true, head };
};
