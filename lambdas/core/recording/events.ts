// The session event model: what a recording holds, one event per step of a request.
import type { JsonValue } from './canonical-json.js';

export type SessionEventType =
  | 'connections.changed'
  | 'connections.change-failed'
  | 'policy.changed'
  | 'policy.change-failed'
  | 'request.received'
  | 'request.decided'
  | 'request.completed'
  | 'request.failed'
  // a request held for approval (lambdas/core/approval)
  | 'approval.requested'
  | 'approval.decided'
  | 'approval.expired'
  | 'approval.failed'
  | 'request.executing'
  // reads of recordings, in the access audit session
  | 'recordings.listed'
  | 'recording.viewed'
  | 'evidence.exported'
  | 'evidence.downloaded';

/** An event before it joins the chain. */
export interface EventDraft {
  readonly type: SessionEventType;
  readonly requestId: string;
  /** ISO-8601 time the event happened. */
  readonly at: string;
  readonly data: { readonly [k: string]: JsonValue };
}

/** An event in a session's hash chain. `hash` covers every other field. */
export interface SessionEvent extends EventDraft {
  readonly sessionId: string;
  /** 1-based position in the session. */
  readonly seq: number;
  /** `hash` of the previous event; 64 zeros for the first. */
  readonly prevHash: string;
  /** Lower-case hex SHA-256 of the canonical JSON of the event without `hash`. */
  readonly hash: string;
}

/** The end of a chain: where the next event attaches. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Sessions the gateway itself writes (e.g. `tollgate:config-audit`) have ids under this prefix;
 * callers may not use it, and the stores keep such sessions apart.
 */
export const SYSTEM_SESSION_PREFIX = 'tollgate:';

/** Who read which recording (sessions listed and viewed, evidence exported): Teleport #6017. */
export const ACCESS_AUDIT_SESSION = `${SYSTEM_SESSION_PREFIX}access-audit`;

export const GENESIS: ChainHead = { seq: 0, hash: '0'.repeat(64) };
