// Reading recordings: `GET /v1/sessions` (a listing) and `GET /v1/sessions/{id}` (one session's
// timeline). Members of `auditors` see every session; anyone else only the sessions they own.
// Every read is itself recorded, before the answer leaves, in the access audit session: who
// listed or viewed what (Teleport #6017). If that record cannot be written, nothing is answered.
import { AUDITORS } from '../approval/deps.js';
import { SYSTEM_PRINCIPAL } from '../config/versioned-push.js';
import { BadRequestError, NotFoundError, TollgateError, UnauthenticatedError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import type {
  ArchiveLedger,
  Clock,
  IdentityVerifier,
  IdGenerator,
  IndexedSession,
  SessionStore,
} from '../ports.js';
import type { JsonValue } from '../recording/canonical-json.js';
import { ACCESS_AUDIT_SESSION, type SessionEvent, type SessionEventType } from '../recording/events.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import { parseInstant } from './instant.js';
import { sessionTimeline, type Timeline } from './timeline.js';

export interface SessionsDeps {
  readonly identity: IdentityVerifier;
  readonly sessions: SessionStore;
  readonly ledger: ArchiveLedger;
  readonly recorder: SessionRecorder;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export const DEFAULT_PERIOD_DAYS = 7;
export const MAX_PERIOD_DAYS = 92;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;
/** A timeline holds at most this many events; a longer session says it was cut. */
export const MAX_TIMELINE_EVENTS = 5_000;
export const OUTCOMES = ['allow', 'deny', 'block', 'approval_required', 'failed'] as const;

const DAY_MS = 86_400_000;

export interface SessionQuery {
  readonly token: string | undefined;
  readonly principal?: string;
  readonly connection?: string;
  readonly from?: string;
  readonly to?: string;
  readonly outcome?: string;
  readonly limit?: string;
  readonly cursor?: string;
}

/**
 * Auditors read every recording, in person: an agent acting for an auditor (a delegation token)
 * is not one, as it may not approve either.
 */
const isAuditor = (p: Principal) => p.groups.includes(AUDITORS) && p.actsFor === undefined;
const owns = (p: Principal, owner: { sub: string; issuer: string }) =>
  owner.sub === p.sub && owner.issuer === p.issuer;

/** Who read: the caller, the person it acts for, and the token, so a delegated read is traceable. */
export const viewer = (p: Principal): JsonValue => ({
  sub: p.sub,
  issuer: p.issuer,
  groups: [...p.groups],
  actsFor: p.actsFor ?? null,
  tokenId: p.tokenId ?? null,
});

const instant = (name: string, text: string | undefined, fallback: Date, bound: 'start' | 'end'): Date => {
  if (text === undefined || text === '') return fallback;
  const read = parseInstant(name, text, bound);
  if (typeof read === 'string') throw new BadRequestError(`${read}.`);
  return read;
};

const text = (name: string, value: string | undefined, max = 256): string | undefined => {
  if (value === undefined || value === '') return undefined;
  if (value.length > max) throw new BadRequestError(`${name} may be at most ${max} characters.`);
  return value;
};

/** Appends one access record; a failure is 503 recording_unavailable (the answer is withheld). */
export const recordAccess = async (
  deps: Pick<SessionsDeps, 'recorder' | 'clock' | 'ids'>,
  type: SessionEventType,
  data: { [k: string]: JsonValue },
): Promise<void> => {
  const at = deps.clock.now().toISOString();
  try {
    await deps.recorder.open(ACCESS_AUDIT_SESSION, SYSTEM_PRINCIPAL, at);
    await deps.recorder.append(ACCESS_AUDIT_SESSION, [{ type, requestId: deps.ids.newId(), at, data }]);
  } catch (error) {
    // A read that cannot be recorded is not answered, whatever failed.
    throw new TollgateError('recording_unavailable', 'The read could not be recorded; nothing is answered.', {
      cause: error,
    });
  }
};

const authenticated = async (deps: SessionsDeps, token: string | undefined): Promise<Principal> => {
  if (!token) throw new UnauthenticatedError();
  return deps.identity.verify(token);
};

export interface SessionListing {
  readonly sessions: readonly IndexedSession[];
  /** Pass as `cursor` for the next page; absent on the last. */
  readonly next: string | null;
  readonly from: string;
  readonly to: string;
}

/** `GET /v1/sessions`: sessions created in [from, to] (default the last 7 days), newest first. */
export const listSessions = async (deps: SessionsDeps, query: SessionQuery): Promise<SessionListing> => {
  const principal = await authenticated(deps, query.token);
  const now = deps.clock.now();
  const to = instant('to', query.to, now, 'end');
  const from = instant('from', query.from, new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS), 'start');
  if (from > to) throw new BadRequestError('from must not be after to.');
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS)
    throw new BadRequestError(`A listing covers at most ${MAX_PERIOD_DAYS} days: narrow from and to.`);
  const outcome = text('outcome', query.outcome);
  if (outcome !== undefined && !(OUTCOMES as readonly string[]).includes(outcome))
    throw new BadRequestError(`outcome must be one of ${OUTCOMES.join(', ')}.`);
  const limit = query.limit === undefined || query.limit === '' ? DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new BadRequestError(`limit must be a whole number from 1 to ${MAX_LIMIT}.`);
  const who = text('principal', query.principal);
  const connection = text('connection', query.connection);
  const cursor = text('cursor', query.cursor, 512);

  let page: { sessions: IndexedSession[]; cursor?: string };
  try {
    page = await deps.ledger.listSessions({
      from: from.toISOString(),
      to: to.toISOString(),
      limit,
      ...(cursor ? { cursor } : {}),
      // Anyone but an auditor reads an index of their own sessions only: no page, count or cursor
      // of theirs touches another's.
      ...(isAuditor(principal) ? {} : { owner: { sub: principal.sub, issuer: principal.issuer } }),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new BadRequestError('cursor is not one this gateway gave.');
    throw new TollgateError('unavailable', 'The session index is unavailable.', { cause: error });
  }
  const sessions = page.sessions.filter(
    (s) =>
      (isAuditor(principal) || owns(principal, s.owner)) &&
      (who === undefined || s.owner.sub === who || s.principals.includes(who) || s.actsFor.includes(who)) &&
      (connection === undefined || s.connections.includes(connection)) &&
      (outcome === undefined || s.outcomes.includes(outcome)),
  );
  await recordAccess(deps, 'recordings.listed', {
    viewer: viewer(principal),
    filters: {
      limit,
      cursor: cursor ?? null,
      from: from.toISOString(),
      to: to.toISOString(),
      principal: who ?? null,
      connection: connection ?? null,
      outcome: outcome ?? null,
    },
    sessions: sessions.map((s) => s.sessionId),
  });
  return { sessions, next: page.cursor ?? null, from: from.toISOString(), to: to.toISOString() };
};

export interface SessionView {
  readonly session: {
    readonly sessionId: string;
    readonly owner: { readonly sub: string; readonly issuer: string };
    readonly createdAt: string;
    readonly archivedSeq: number;
    /** True when the session has more events than a timeline holds. */
    readonly truncated: boolean;
  };
  readonly timeline: Timeline;
}

/** `GET /v1/sessions/{sessionId}`: the timeline, read from the store (the archive lags it). */
export const getSession = async (
  deps: SessionsDeps,
  input: { token: string | undefined; sessionId: string },
): Promise<SessionView> => {
  const principal = await authenticated(deps, input.token);
  const notFound = () =>
    new NotFoundError('session_not_found', `No session ${input.sessionId} that you may read.`);
  if (!input.sessionId || input.sessionId.length > 160) throw notFound();
  let info: Awaited<ReturnType<SessionStore['sessionInfo']>>;
  let events: SessionEvent[];
  try {
    info = await deps.sessions.sessionInfo(input.sessionId);
    // Not yours looks like none at all: no way to learn which session ids exist.
    if (!info || !(isAuditor(principal) || owns(principal, info.owner))) throw notFound();
    events = await deps.sessions.listEvents(input.sessionId, 0, MAX_TIMELINE_EVENTS + 1);
  } catch (error) {
    throw error instanceof TollgateError
      ? error
      : new TollgateError('unavailable', 'The recordings are unavailable.', { cause: error });
  }
  const truncated = events.length > MAX_TIMELINE_EVENTS;
  const kept = truncated ? events.slice(0, MAX_TIMELINE_EVENTS) : events;
  await recordAccess(deps, 'recording.viewed', {
    viewer: viewer(principal),
    sessionId: input.sessionId,
    events: kept.length,
  });
  return {
    session: {
      sessionId: input.sessionId,
      owner: info.owner,
      createdAt: info.createdAt,
      archivedSeq: info.archivedSeq,
      truncated,
    },
    timeline: sessionTimeline(input.sessionId, kept),
  };
};
