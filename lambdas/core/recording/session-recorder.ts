// Appends events to a session's hash chain through the SessionStore port. Concurrent writers to
// one session are serialised by the store's conditional put on each event's seq: the loser
// re-reads the head and retries. Heads of recently written sessions are cached per process.
import { RecordingUnavailableError, SessionForbiddenError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import type { SessionOwner, SessionStore } from '../ports.js';
import { type ChainHead, type EventDraft, GENESIS, type SessionEvent } from './events.js';
import { chainEvent } from './hash-chain.js';

const MAX_ATTEMPTS = 12;
/** Jittered pause before retrying a lost race, so one busy writer cannot starve another. */
const backoff = (attempt: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 5 * 2 ** attempt)));
const MAX_CACHED = 10_000;

/** Least-recently-written eviction keeps the caches bounded in long-lived processes. */
const remember = <T>(cache: Map<string, T>, key: string, value: T): void => {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
};

export class SessionRecorder {
  private readonly heads = new Map<string, ChainHead>();
  private readonly owners = new Map<string, SessionOwner>();

  constructor(private readonly store: SessionStore) {}

  /**
   * Binds the session to the principal: creates it, or checks that it is theirs.
   * Throws SessionForbiddenError for another principal's session.
   */
  async open(sessionId: string, principal: Principal, at: string): Promise<void> {
    // Owners never change, so a session this process has seen needs no store round trip.
    const owner =
      this.owners.get(sessionId) ??
      (await this.guard(() =>
        this.store.claimSession(sessionId, { sub: principal.sub, issuer: principal.issuer }, at),
      ));
    remember(this.owners, sessionId, owner);
    if (owner.sub !== principal.sub || owner.issuer !== principal.issuer) throw new SessionForbiddenError();
  }

  /** Appends drafts in order; resolves once every event is durably stored. */
  async append(sessionId: string, drafts: readonly EventDraft[]): Promise<SessionEvent[]> {
    const stored: SessionEvent[] = [];
    for (const draft of drafts) stored.push(await this.appendOne(sessionId, draft));
    return stored;
  }

  private async appendOne(sessionId: string, draft: EventDraft): Promise<SessionEvent> {
    let head = this.heads.get(sessionId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      head ??= (await this.guard(() => this.store.head(sessionId))) ?? GENESIS;
      const event = chainEvent(sessionId, head, draft);
      const outcome = await this.guard(() => this.store.putEvent(event));
      if (outcome === 'stored') {
        remember(this.heads, sessionId, { seq: event.seq, hash: event.hash });
        return event;
      }
      head = undefined; // another writer took this seq: re-read the head
      this.heads.delete(sessionId);
      await backoff(attempt);
    }
    throw new RecordingUnavailableError(new Error(`session ${sessionId}: too much contention`));
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new RecordingUnavailableError(error);
    }
  }
}
