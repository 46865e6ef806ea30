// Appends events to a session's hash chain through the SessionStore port. In one process, the
// appends to a session wait in a per-session queue, so they never race each other on the store;
// across processes the store's conditional put on each event's seq is the lock: the loser re-reads
// the head and retries. Heads of recently written sessions are cached per process.
import { RecordingUnavailableError, SessionForbiddenError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import type { SessionOwner, SessionStore } from '../ports.js';
import { type ChainHead, type EventDraft, GENESIS, type SessionEvent } from './events.js';
import { chainEvent } from './hash-chain.js';

/**
 * Every lost race means another process stored an event, so under live contention the chain still
 * grows; the bound only stops a store that never accepts. 40 processes appending at once cost the
 * last one 39 lost races per event at worst.
 */
const DEFAULT_MAX_ATTEMPTS = 100;
const MAX_CACHED = 10_000;

export interface SessionRecorderOptions {
  /**
   * Pause before retrying an event that lost the race for its seq to another process; `attempt`
   * counts the races lost so far (1 for the first). The core has no timers: composition roots pass
   * a jittered pause (`jitteredBackoff` in adapters/timing/backoff.ts).
   * @default - no pause
   */
  readonly backoff?: (attempt: number) => Promise<void>;
  /**
   * Attempts per event before the append fails with RecordingUnavailableError.
   * @default 100
   */
  readonly maxAttempts?: number;
}

/** Least-recently-written eviction keeps the caches bounded in long-lived processes. */
const remember = <T>(cache: Map<string, T>, key: string, value: T): void => {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
};

const noPause = async (): Promise<void> => undefined;
const ignore = (): void => undefined;

export class SessionRecorder {
  private readonly heads = new Map<string, ChainHead>();
  private readonly owners = new Map<string, SessionOwner>();
  /** The last queued append of each session with appends queued or running; settles, never rejects. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly backoff: (attempt: number) => Promise<void>;
  private readonly maxAttempts: number;

  constructor(
    private readonly store: SessionStore,
    options: SessionRecorderOptions = {},
  ) {
    this.backoff = options.backoff ?? noPause;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  }

  /** Sessions with appends queued or running in this recorder; 0 when idle. */
  get queuedSessions(): number {
    return this.queues.size;
  }

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

  /**
   * Appends drafts in order, after every append to the session this recorder started before; no
   * other append of this recorder comes between them. Resolves once every event is durably stored;
   * throws RecordingUnavailableError otherwise (events before the failing one may be stored).
   */
  append(sessionId: string, drafts: readonly EventDraft[]): Promise<SessionEvent[]> {
    const previous = this.queues.get(sessionId);
    const appended = previous
      ? previous.then(() => this.appendInOrder(sessionId, drafts))
      : this.appendInOrder(sessionId, drafts);
    // The queue waits for this append to settle either way: a failure is its caller's alone.
    const settled = appended.then(ignore, ignore);
    this.queues.set(sessionId, settled);
    void settled.then(() => {
      if (this.queues.get(sessionId) === settled) this.queues.delete(sessionId);
    });
    return appended;
  }

  private async appendInOrder(sessionId: string, drafts: readonly EventDraft[]): Promise<SessionEvent[]> {
    const stored: SessionEvent[] = [];
    try {
      for (const draft of drafts) stored.push(await this.appendOne(sessionId, draft));
    } catch (error) {
      // A put that failed may still have been stored: the next append re-reads the head.
      this.heads.delete(sessionId);
      throw error;
    }
    return stored;
  }

  private async appendOne(sessionId: string, draft: EventDraft): Promise<SessionEvent> {
    let head = this.heads.get(sessionId);
    for (let attempt = 1; ; attempt++) {
      head ??= (await this.guard(() => this.store.head(sessionId))) ?? GENESIS;
      const event = chainEvent(sessionId, head, draft);
      if ((await this.guard(() => this.store.putEvent(event))) === 'stored') {
        remember(this.heads, sessionId, { seq: event.seq, hash: event.hash });
        return event;
      }
      // Another process took this seq: re-read the head after the pause.
      head = undefined;
      this.heads.delete(sessionId);
      if (attempt >= this.maxAttempts) break;
      await this.guard(() => this.backoff(attempt));
    }
    throw new RecordingUnavailableError(
      new Error(`lost the race for the next seq ${this.maxAttempts} times`),
    );
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new RecordingUnavailableError(error);
    }
  }
}
