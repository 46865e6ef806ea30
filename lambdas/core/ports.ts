// Ports: everything the core needs from the outside world. Adapters implement them at the edge
// (lambdas/adapters); composition roots (lambdas/wiring) choose which.

import type { ApprovalRecord, ImpactPreview, RequestStatus } from './approval/approval.js';
import type { Connection } from './config/connection.js';
import type { AuthorizationQuestion, Decision } from './decision/decision.js';
import type { Principal } from './identity/principal.js';
import type { ChainHead, SessionEvent } from './recording/events.js';
import type { Dialect, SqlFacts } from './sql/facts.js';

/** Verifies a bearer token and returns its principal; throws UnauthenticatedError otherwise. */
export interface IdentityVerifier {
  verify(token: string): Promise<Principal>;
}

/** Connections in force. */
export interface ConnectionStore {
  get(name: string): Promise<Connection | undefined>;
  /** Every connection in force (for discovery: `GET /v1/connections`). */
  list(): Promise<readonly Connection[]>;
}

/** Turns SQL text into facts. Must never throw on bad input: unparseable text is a fact. */
export interface SqlAnalyzer {
  readonly dialect: Dialect;
  /** Loads the parser; called once per process before the first `analyze`. */
  load(): Promise<void>;
  analyze(sql: string): SqlFacts;
}

/** Decides authorization questions. Pure: no I/O on the request path. */
export interface PolicyEngine {
  /** Version of the policy set it enforces. */
  readonly version: string;
  /** May the principal do the action on the resource, in this context? */
  decide(question: AuthorizationQuestion): Decision;
  /** The data classes among `classes` the principal may see raw (Cedar `data:unmask`). */
  unmaskable(principal: Principal, connection: Connection, classes: readonly string[]): ReadonlySet<string>;
}

/** The policy engine in force: versioned policies, cached between requests. */
export interface PolicyProvider {
  current(): Promise<PolicyEngine>;
}

/** What every stored version of a configuration set notes: its number, and who pushed it when. */
export interface VersionStamp {
  /** 1, 2, 3, … */
  readonly version: number;
  /** Digest of the content: equal digests, equal content (a push of it changes nothing). */
  readonly digest: string;
  readonly createdAt: string;
  /** Who pushed it: `sub@issuer` of a token, or the operator's name from the CLI. */
  readonly createdBy: string;
  readonly comment: string | undefined;
}

/**
 * A versioned configuration set (DynamoDB): versions are immutable; pushing makes a new one
 * active. Single-item conditional writes only.
 */
export interface VersionedSetStore<V extends VersionStamp> {
  /** The active version, or undefined before the first push. */
  active(): Promise<V | undefined>;
  get(version: number): Promise<V | undefined>;
  /** Versions, newest first, without their content. */
  list(limit: number): Promise<VersionStamp[]>;
  /**
   * Stores `next` as version `expectedActive + 1` and makes it active. Answers `conflict` when
   * another push got there first (the caller re-reads and decides again).
   */
  push(next: Omit<V, 'version'>, expectedActive: number): Promise<V | 'conflict'>;
}

/** One stored version of the policy set: the files as pushed, and who pushed them when. */
export interface StoredPolicyVersion extends VersionStamp {
  readonly sources: ReadonlyArray<{ readonly name: string; readonly text: string }>;
  readonly schema: string;
  /** SHA-256 digest of schema and sources, as `readPolicyFolder` computes it. */
  readonly digest: string;
}

/** Versioned policy sets. */
export type PolicyStore = VersionedSetStore<StoredPolicyVersion>;

/** One stored version of the connection list: the connections as pushed, and who pushed them when. */
export interface StoredConnectionSet extends VersionStamp {
  /**
   * The connections as validated at push (defaults applied), by name. Stored data: validated
   * again before it is served.
   */
  readonly connections: readonly unknown[];
  /** `connections:<12 hex>`, as `connectionSetDigest` computes it. */
  readonly digest: string;
}

/** Versioned connection lists: the whole list is one version. */
export type ConnectionSetStore = VersionedSetStore<StoredConnectionSet>;

export interface ResultColumn {
  readonly name: string;
  /** The target's type name, e.g. `int4`, `text`, `timestamptz`. */
  readonly type: string;
}

export interface ResultSet {
  readonly columns: readonly ResultColumn[];
  /** Rows as arrays aligned with `columns`; values are JSON-safe. */
  readonly rows: readonly (readonly unknown[])[];
  readonly rowCount: number;
  /** True when the target had more rows than `rowLimit`. */
  readonly truncated: boolean;
  /** For a write that returns no rows: the rows it changed. */
  readonly affectedRows?: number;
}

export interface SessionOwner {
  readonly sub: string;
  readonly issuer: string;
}

export interface SessionInfo {
  readonly owner: SessionOwner;
  /** ISO time the session was claimed. */
  readonly createdAt: string;
  readonly archivedSeq: number;
}

/**
 * Durable storage of sessions and their events (DynamoDB on AWS and locally). Every write is a
 * single-item conditional write: the event's own key is the lock that keeps a chain linear.
 */
export interface SessionStore {
  /** Creates the session if absent; returns its owner either way. */
  claimSession(sessionId: string, owner: SessionOwner, at: string): Promise<SessionOwner>;
  /** The last event's position, or undefined for an empty session. */
  head(sessionId: string): Promise<ChainHead | undefined>;
  /** Stores the event unless its seq is taken, in which case it answers `conflict`. */
  putEvent(event: SessionEvent): Promise<'stored' | 'conflict'>;
  /** Events with seq > afterSeq, ascending, at most `limit`. */
  listEvents(sessionId: string, afterSeq: number, limit: number): Promise<SessionEvent[]>;
  /** The last event already archived (0 when none). */
  archivedSeq(sessionId: string): Promise<number>;
  /** Who owns the session, since when, how far it is archived; undefined when there is none. */
  sessionInfo(sessionId: string): Promise<SessionInfo | undefined>;
  /**
   * Moves the archive mark from `fromSeq` to `toSeq` and notes the archive object holding those
   * events; false when another archiver moved the mark first.
   */
  markArchived(sessionId: string, fromSeq: number, toSeq: number, objectKey: string): Promise<boolean>;
}

/** One archive object (a segment): the new events of several sessions, as canonical JSON lines. */
export interface RecordingBatch {
  /** `recordings/<yyyy-mm-dd>/<sha256 of body>.ndjson` (segmentKey in core/recording). */
  readonly key: string;
  /** NDJSON, one canonical event per line, each session's events consecutive and in order. */
  readonly body: string;
  readonly sessions: readonly SegmentSession[];
}

/** One session's events in one archive segment. */
export interface SegmentSession {
  readonly sessionId: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly lastHash: string;
  /** ISO times of its first and last event in the segment. */
  readonly firstAt: string;
  readonly lastAt: string;
}

/** An archive object as the ledger and the checkpoints know it. */
export interface SegmentRecord {
  readonly key: string;
  /** Lower-case hex SHA-256 of the object's bytes. */
  readonly sha256: string;
  readonly events: number;
  readonly sessions: readonly SegmentSession[];
}

/** Where a chain of signed checkpoints ends. */
export interface CheckpointHead {
  readonly number: number;
  /** SHA-256 of the checkpoint object's bytes. */
  readonly hash: string;
}

/** A listed session. */
export interface IndexedSession {
  readonly sessionId: string;
  readonly owner: SessionOwner;
  readonly createdAt: string;
  readonly lastAt: string;
  readonly lastSeq: number;
  readonly requests: number;
  readonly principals: readonly string[];
  readonly actsFor: readonly string[];
  readonly connections: readonly string[];
  readonly outcomes: readonly string[];
}

/**
 * What the archiver merges into a session's index entry as it archives events: the facts of the
 * newly archived ones (sets merged, `requests` added, the last seq and time), once per range.
 */
export type SessionIndexEntry = IndexedSession;

/**
 * The archiver's book-keeping (DynamoDB): segments about to be written (so a retry after a crash
 * completes the same segment rather than writing another), segments awaiting a checkpoint, the
 * checkpoint chain's head, a lease so that one checkpointer runs at a time, and the session index.
 */
export interface ArchiveLedger {
  /** Notes a segment before its object is written; writing the same note again is harmless. */
  intend(segment: SegmentRecord): Promise<void>;
  /** Segments noted and not yet archived: runs that stopped midway, to complete. */
  intended(): Promise<SegmentRecord[]>;
  /** The segment's object is written and every mark moved: it awaits the next checkpoint. */
  archived(key: string): Promise<void>;
  /** Archived segments no checkpoint lists yet, oldest first. */
  uncheckpointed(): Promise<SegmentRecord[]>;
  /** Forgets segments a checkpoint now lists; forgetting one already forgotten is harmless. */
  checkpointed(keys: readonly string[]): Promise<void>;
  checkpointHead(): Promise<CheckpointHead | undefined>;
  /** Moves the head from `from` (undefined: none yet) to `to`; false when it is elsewhere. */
  advanceCheckpoint(from: CheckpointHead | undefined, to: CheckpointHead): Promise<boolean>;
  /** Takes the checkpoint lease until `until` unless another holder's is still running at `now`. */
  lease(holder: string, now: string, until: string): Promise<boolean>;
  release(holder: string): Promise<void>;
  /** Merges newly archived facts into the session's index entry; applying one twice changes nothing. */
  index(entry: SessionIndexEntry): Promise<void>;
  /**
   * Sessions created in [from, to], newest first, a page at a time; with `owner`, that owner's
   * only (read from an index of their own, so a page or its cursor never touches anyone else's).
   */
  listSessions(query: {
    readonly from: string;
    readonly to: string;
    readonly limit: number;
    readonly cursor?: string;
    readonly owner?: SessionOwner;
  }): Promise<{ readonly sessions: IndexedSession[]; readonly cursor?: string }>;
}

/** Signs checkpoints and evidence manifests (KMS on AWS, a key in the data dir locally). */
export interface Signer {
  /** The key's identifier (a KMS key ARN, or `local`). */
  readonly keyId: string;
  /** The public key, SPKI PEM: what a verifier needs, with nothing else. */
  publicKey(): Promise<string>;
  /** An ECDSA P-256 signature (DER) over SHA-256 of `message` (UTF-8). */
  sign(message: string): Promise<Uint8Array>;
}

/** Reading the immutable archive: segments and checkpoints (evidence, replay, backtests). */
export interface ArchiveReader {
  /** Keys under `prefix`, ascending, every page. */
  list(prefix: string): Promise<string[]>;
  /** The object's text, or undefined when there is none. */
  get(key: string): Promise<string | undefined>;
}

/** The immutable recording store (S3 with Object Lock on AWS). */
export interface RecordingArchive extends ArchiveReader {
  /** Writes the segment under its key, unless an object is there already (the same bytes: keys are digests). */
  putBatch(batch: RecordingBatch): Promise<void>;
  /**
   * Writes a checkpoint object (JSON, or the public key's PEM) under `key`, unless an object is
   * there already: the first writer's stays (the caller reads it back to know whose it is).
   */
  putCheckpoint(key: string, body: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A new unguessable id (UUID v4). */
  newId(): string;
}

export interface LogEntry {
  readonly [key: string]: unknown;
}

/** Operational metrics (EMF on Lambda). Names and dimensions are low-cardinality; never values. */
export interface Metrics {
  /** Adds `value` to the counter `name` (unit Count) under these dimensions. */
  count(name: string, value: number, dimensions?: Readonly<Record<string, string>>): void;
  /** Records a duration in milliseconds under these dimensions. */
  durationMs(name: string, ms: number, dimensions?: Readonly<Record<string, string>>): void;
}

/** Metrics that go nowhere (tests, tools). */
export const noMetrics: Metrics = { count: () => undefined, durationMs: () => undefined };

/** Structured operational log. Never pass it tokens, credentials or result values. */
export interface Logger {
  info(message: string, entry?: LogEntry): void;
  warn(message: string, entry?: LogEntry): void;
  error(message: string, entry?: LogEntry): void;
}

// --- approvals (lambdas/core/approval) -----------------------------------------------------------

/**
 * Held requests (DynamoDB on AWS and locally). The record is what reviewers and the requester
 * read; the sealed request and the task token are separate items no API answer ever includes.
 */
export interface ApprovalStore {
  /** Stores a new record with its sealed request; throws if the id exists. */
  create(record: ApprovalRecord, sealedRequest: string): Promise<void>;
  get(approvalId: string): Promise<ApprovalRecord | undefined>;
  byRequest(requestId: string): Promise<ApprovalRecord | undefined>;
  /** Records in `status`, newest first, at most `limit`. */
  list(status: RequestStatus, limit: number): Promise<ApprovalRecord[]>;
  /** Stores `next` if the stored revision is still `next.revision - 1`, else `conflict`. */
  update(next: ApprovalRecord): Promise<'stored' | 'conflict'>;
  sealedRequest(approvalId: string): Promise<string | undefined>;
  /** Forgets the sealed request (the approval ended); absent is fine. */
  dropSealedRequest(approvalId: string): Promise<void>;
  saveTaskToken(approvalId: string, taskToken: string): Promise<void>;
  taskToken(approvalId: string): Promise<string | undefined>;
}

/**
 * Encrypts a held request at rest (KMS on AWS, a local key in local mode). `context` is bound to
 * the ciphertext (KMS encryption context, GCM additional data): a sealed request opens only
 * under the approval it was sealed for.
 */
export interface Sealer {
  seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  open(sealed: string, context: Readonly<Record<string, string>>): Promise<string>;
}

/**
 * The approval workflow (a Step Functions state machine on AWS, the same definition run locally):
 * started once per held request; its waiting task resumes on a decision sent with its task token.
 */
export interface ApprovalWorkflow {
  start(input: { readonly approvalId: string; readonly ttlSeconds: number }): Promise<void>;
  /** SendTaskSuccess: the approval reached its quorum; the workflow goes on to execute. */
  approved(taskToken: string): Promise<void>;
  /** SendTaskFailure with error `Denied`: the workflow records the denial and ends. */
  denied(taskToken: string): Promise<void>;
}

/** A state change of a held request, as published (EventBridge, SNS, a webhook): no raw values, no token. */
export interface ApprovalEvent {
  readonly type:
    | 'approval.requested'
    | 'approval.approved'
    | 'approval.denied'
    | 'approval.expired'
    | 'request.executed'
    | 'request.failed';
  readonly at: string;
  readonly approvalId: string;
  readonly requestId: string;
  readonly connection: string;
  readonly status: RequestStatus;
  readonly requester: { readonly sub: string; readonly actsFor: string | null };
  readonly groups: readonly string[];
  readonly quorum: number;
  readonly expiresAt: string;
  readonly justification: string | null;
  /** The SQL with detected literals masked. */
  readonly request: string;
  readonly preview: ImpactPreview | null;
  /** The reviewer and reason of the decision this event reports, when it reports one. */
  readonly decidedBy?: { readonly sub: string; readonly reason: string };
  /** The outcome's code (failed, outcome unknown) when it reports one. */
  readonly code?: string;
  /** Where reviewers decide: `GET /v1/approvals/{approvalId}` (relative to the gateway's URL). */
  readonly path: string;
}

export interface EventPublisher {
  /** Best effort from the caller's side: a failure is logged, never undoes a state change. */
  publish(event: ApprovalEvent): Promise<void>;
}

/** Waits (the long poll of `GET /v1/requests/{id}`); a port so the core holds no timers. */
export type Pause = (ms: number) => Promise<void>;

// --- evidence exports (lambdas/core/evidence/exports.ts) ----------------------------------------

export type ExportStatus = 'queued' | 'running' | 'completed' | 'failed';

/** An evidence export job, as `GET /v1/evidence/exports/{id}` shows it. */
export interface ExportJob {
  readonly exportId: string;
  readonly status: ExportStatus;
  readonly from: string;
  readonly to: string;
  readonly requestedBy: { readonly sub: string; readonly issuer: string };
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Segments exported so far, of how many. */
  readonly progress: { readonly done: number; readonly total: number };
  /** Once completed: the archive object, its size and digest, and the bundle's figures. */
  readonly result: {
    readonly key: string;
    readonly bytes: number;
    readonly sha256: string;
    readonly keyFingerprint: string;
    readonly counts: { readonly [name: string]: number };
    readonly warnings: readonly string[];
  } | null;
  readonly error: string | null;
}

/** Export jobs (DynamoDB). */
export interface ExportJobStore {
  create(job: ExportJob): Promise<void>;
  get(exportId: string): Promise<ExportJob | undefined>;
  /** Replaces the job; writing a job that is already completed or failed is refused (false). */
  update(job: ExportJob): Promise<boolean>;
}

/** Where finished bundles go (the recordings bucket, under `exports/`) and how one is fetched. */
export interface ExportFiles {
  put(key: string, body: Uint8Array): Promise<void>;
  /** A time-limited URL to download the object, for whoever holds it. */
  downloadUrl(key: string, ttlSeconds: number): Promise<string>;
}

/** Runs an export job away from the request (an asynchronous Lambda invocation on AWS). */
export interface ExportRunner {
  start(exportId: string): Promise<void>;
}
