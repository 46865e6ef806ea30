// An in-memory SessionStore with the same semantics as the DynamoDB one, for core tests.
import type { SessionInfo, SessionOwner, SessionStore } from '../../lambdas/core/ports.js';
import type { ChainHead, SessionEvent } from '../../lambdas/core/recording/events.js';

export class InMemorySessionStore implements SessionStore {
  readonly owners = new Map<string, SessionOwner>();
  readonly created = new Map<string, string>();
  readonly events = new Map<string, SessionEvent[]>();
  readonly archived = new Map<string, number>();
  readonly archiveObjects = new Map<string, string[]>();
  /** Set to make every operation fail, as a store outage would. */
  failWith: Error | undefined;

  async claimSession(sessionId: string, owner: SessionOwner, at = ''): Promise<SessionOwner> {
    this.check();
    if (!this.owners.has(sessionId)) {
      this.owners.set(sessionId, owner);
      this.created.set(sessionId, at);
    }
    return this.owners.get(sessionId)!;
  }

  async head(sessionId: string): Promise<ChainHead | undefined> {
    this.check();
    const last = this.events.get(sessionId)?.at(-1);
    return last ? { seq: last.seq, hash: last.hash } : undefined;
  }

  async putEvent(event: SessionEvent): Promise<'stored' | 'conflict'> {
    this.check();
    const list = this.events.get(event.sessionId) ?? [];
    if (list.some((e) => e.seq === event.seq)) return 'conflict';
    list.push(event);
    list.sort((a, b) => a.seq - b.seq);
    this.events.set(event.sessionId, list);
    return 'stored';
  }

  async listEvents(sessionId: string, afterSeq: number, limit: number): Promise<SessionEvent[]> {
    this.check();
    return (this.events.get(sessionId) ?? []).filter((e) => e.seq > afterSeq).slice(0, limit);
  }

  async archivedSeq(sessionId: string): Promise<number> {
    this.check();
    return this.archived.get(sessionId) ?? 0;
  }

  async sessionInfo(sessionId: string): Promise<SessionInfo | undefined> {
    this.check();
    const owner = this.owners.get(sessionId);
    return owner
      ? {
          owner,
          createdAt: this.created.get(sessionId) ?? '',
          archivedSeq: this.archived.get(sessionId) ?? 0,
        }
      : undefined;
  }

  async markArchived(sessionId: string, fromSeq: number, toSeq: number, objectKey: string): Promise<boolean> {
    this.check();
    if ((this.archived.get(sessionId) ?? 0) !== fromSeq) return false;
    this.archived.set(sessionId, toSeq);
    this.archiveObjects.set(sessionId, [...(this.archiveObjects.get(sessionId) ?? []), objectKey]);
    return true;
  }

  /** Every event of every session, in order. */
  all(): SessionEvent[] {
    return [...this.events.values()].flat();
  }

  private check() {
    if (this.failWith) throw this.failWith;
  }
}
