// An in-memory ArchiveLedger with the semantics of the DynamoDB one (DynamoDbArchiveLedger), for
// core tests: notes kept by segment key in key order, the first note of a key kept, `archived` and
// `checkpointed` harmless on a forgotten key, a conditional head, a lease with an expiry, and a
// session index that applies an archived range once.
import type {
  ArchiveLedger,
  CheckpointHead,
  IndexedSession,
  SegmentRecord,
  SessionIndexEntry,
  SessionOwner,
} from '../../lambdas/core/ports.js';

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** A stored copy: callers never share objects with the ledger (DynamoDB stores JSON text). */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])].sort();

export class InMemoryArchiveLedger implements ArchiveLedger {
  /** Segment notes by key: what DynamoDB keeps under `ARCHIVE` / `SEGMENT#<key>`. */
  readonly notes = new Map<string, { status: 'intended' | 'archived'; segment: SegmentRecord }>();
  head: CheckpointHead | undefined;
  leaseHeld: { holder: string; until: string } | undefined;
  /** Index entries by `<createdAt>#<sessionId>`, as the DynamoDB sort key. */
  readonly sessions = new Map<string, IndexedSession>();
  /** Set to make every operation fail, as a table outage would. */
  failWith: Error | undefined;

  async intend(segment: SegmentRecord): Promise<void> {
    this.check();
    if (!this.notes.has(segment.key))
      this.notes.set(segment.key, { status: 'intended', segment: copy(segment) });
  }

  async intended(): Promise<SegmentRecord[]> {
    this.check();
    return this.withStatus('intended');
  }

  async archived(key: string): Promise<void> {
    this.check();
    const note = this.notes.get(key);
    if (note) note.status = 'archived';
  }

  async uncheckpointed(): Promise<SegmentRecord[]> {
    this.check();
    return this.withStatus('archived');
  }

  async checkpointed(keys: readonly string[]): Promise<void> {
    this.check();
    for (const key of keys) this.notes.delete(key);
  }

  async checkpointHead(): Promise<CheckpointHead | undefined> {
    this.check();
    return this.head ? { ...this.head } : undefined;
  }

  async advanceCheckpoint(from: CheckpointHead | undefined, to: CheckpointHead): Promise<boolean> {
    this.check();
    const matches = from
      ? this.head?.number === from.number && this.head.hash === from.hash
      : this.head === undefined;
    if (!matches) return false;
    this.head = { number: to.number, hash: to.hash };
    return true;
  }

  async lease(holder: string, now: string, until: string): Promise<boolean> {
    this.check();
    const held = this.leaseHeld;
    if (held && !(held.until < now) && held.holder !== holder) return false;
    this.leaseHeld = { holder, until };
    return true;
  }

  async release(holder: string): Promise<void> {
    this.check();
    if (this.leaseHeld?.holder === holder) this.leaseHeld = undefined;
  }

  async index(entry: SessionIndexEntry): Promise<void> {
    this.check();
    const sk = `${entry.createdAt}#${entry.sessionId}`;
    const seen = this.sessions.get(sk);
    // Applied once per archived range: a retry of the same range finds lastSeq already there.
    if (seen && !(seen.lastSeq < entry.lastSeq)) return;
    this.sessions.set(sk, {
      sessionId: entry.sessionId,
      owner: { ...entry.owner },
      createdAt: entry.createdAt,
      lastAt: entry.lastAt,
      lastSeq: entry.lastSeq,
      requests: (seen?.requests ?? 0) + entry.requests,
      principals: union(seen?.principals ?? [], entry.principals),
      actsFor: union(seen?.actsFor ?? [], entry.actsFor),
      connections: union(seen?.connections ?? [], entry.connections),
      outcomes: union(seen?.outcomes ?? [], entry.outcomes),
    });
  }

  async listSessions(query: {
    readonly from: string;
    readonly to: string;
    readonly limit: number;
    readonly cursor?: string;
    readonly owner?: SessionOwner;
  }): Promise<{ sessions: IndexedSession[]; cursor?: string }> {
    this.check();
    if (!Number.isInteger(query.limit) || query.limit < 1)
      throw new RangeError('limit must be a whole number of at least 1');
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (after === null || (after !== undefined && (after < query.from || after > `${query.to}~`)))
      throw new RangeError('invalid cursor');
    const [first, last] = [query.from.slice(0, 10), query.to.slice(0, 10)];
    // Newest first: the DynamoDB ledger reads day partitions backwards, each in descending sort key.
    const matching = [...this.sessions.entries()]
      .filter(([sk, s]) => {
        const day = s.createdAt.slice(0, 10);
        const mine =
          !query.owner || (s.owner.sub === query.owner.sub && s.owner.issuer === query.owner.issuer);
        return mine && day >= first && day <= last && sk >= query.from && sk <= `${query.to}~`;
      })
      .sort(([a], [b]) => byKey(b, a))
      .filter(([sk]) => after === undefined || sk < after);
    const page = matching.slice(0, query.limit);
    const sessions = page.map(([, s]) => copy(s));
    return matching.length > page.length ? { sessions, cursor: encodeCursor(page.at(-1)![0]) } : { sessions };
  }

  private withStatus(status: 'intended' | 'archived'): SegmentRecord[] {
    return [...this.notes.entries()]
      .filter(([, note]) => note.status === status)
      .sort(([a], [b]) => byKey(a, b))
      .map(([, note]) => copy(note.segment));
  }

  private check() {
    if (this.failWith) throw this.failWith;
  }
}

const encodeCursor = (after: string) => Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');

/** The sort key to continue after, or null for a cursor this ledger did not write. */
const decodeCursor = (text: string): string | null => {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof value.after === 'string' ? value.after : null;
  } catch {
    return null;
  }
};
