// A session's timeline: its recorded events, chain verified, read back as one entry per request
// (who asked, what, the decision, approvals, the outcome), for replays and evidence reports.
// It reads recordings defensively: a field of an unexpected shape reads as null, never throws.
import { canonicalJson, type JsonValue } from '../recording/canonical-json.js';
import { type ChainHead, GENESIS, type SessionEvent } from '../recording/events.js';
import { verifyChain } from '../recording/hash-chain.js';

/** Who made a request, as its `request.received` recorded them. */
export interface TimelinePrincipal {
  readonly sub: string;
  readonly issuer: string;
  readonly groups: readonly string[];
  /** The person the agent acts for (RFC 8693 delegation), null when it acts for nobody. */
  readonly actsFor: string | null;
  readonly tokenId: string | null;
}

/** A reviewer as `approval.decided` recorded them. */
export interface TimelineReviewer {
  readonly sub: string;
  readonly issuer: string;
  readonly groups: readonly string[];
}

/** One recorded event, as a line of evidence. */
export interface TimelineEventRef {
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly hash: string;
  /** False for the event where the chain breaks and every event after it. */
  readonly verified: boolean;
}

/**
 * The chain verdict. `events` counts the session's events after de-duplication;
 * `duplicatesDropped`, identical copies of an event (an archive retry writes some twice).
 */
export type ChainCheck =
  | {
      readonly ok: true;
      readonly events: number;
      readonly duplicatesDropped: number;
      /** The last event (seq 0 and 64 zeros for an empty session). */
      readonly head: ChainHead;
    }
  | {
      readonly ok: false;
      readonly events: number;
      readonly duplicatesDropped: number;
      /** Where the chain first breaks; null when the event there has no usable seq. */
      readonly seq: number | null;
      readonly problem: string;
    };

export interface TimelineStatement {
  readonly kind: string | null;
  readonly nodeType: string | null;
  readonly tables: readonly string[];
  readonly functions: readonly string[];
}

/** A `request.decided`: the policy decision (or the analysis refusal) on the request. */
export interface TimelineDecision {
  readonly seq: number;
  readonly at: string;
  /** `allow`, `block`, `deny` or `approval_required`. */
  readonly outcome: string | null;
  readonly rule: string | null;
  readonly reason: string | null;
  readonly hint: string | null;
  readonly policyIds: readonly string[];
  readonly policyVersion: string | null;
  readonly connection: { readonly name: string; readonly kind: string; readonly environment: string } | null;
  readonly statements: readonly TimelineStatement[];
  /** What the policy asks for when the outcome is `approval_required`. */
  readonly approval: {
    readonly group: string | null;
    readonly quorum: number | null;
    readonly ttlSeconds: number | null;
    readonly justificationRequired: boolean;
  } | null;
}

export interface TimelineApprovalDecision {
  readonly seq: number;
  readonly at: string;
  readonly reviewer: TimelineReviewer | null;
  /** The approval group that qualified the reviewer. */
  readonly group: string | null;
  /** `approve` or `deny`. */
  readonly verdict: string | null;
  readonly reason: string | null;
  /** Approvals counted once this one was, and how many are needed. */
  readonly approvals: number | null;
  readonly quorum: number | null;
}

/** An approval, from its request to its end (`approval.requested`, `.decided`, `.expired`, `.failed`). */
export interface TimelineApproval {
  readonly approvalId: string;
  /** Null when the recording holds no `approval.requested` for it. */
  readonly requestedSeq: number | null;
  readonly requestedAt: string | null;
  readonly groups: readonly string[];
  readonly quorum: number | null;
  readonly expiresAt: string | null;
  /** As recorded: detected values masked. */
  readonly justification: string | null;
  /** The blast radius bound shown to reviewers; null when not bounded. */
  readonly maxAffectedRows: number | null;
  readonly fingerprint: string | null;
  readonly decisions: readonly TimelineApprovalDecision[];
  /** `approved` once a quorum approved, `denied` once a reviewer denied; null while undecided. */
  readonly verdict: 'approved' | 'denied' | null;
  /** When the verdict was reached (the deciding `approval.decided`). */
  readonly decidedAt: string | null;
  readonly end: {
    readonly kind: 'expired' | 'failed';
    readonly seq: number;
    readonly at: string;
    readonly status: string | null;
    readonly code: string | null;
    readonly message: string | null;
  } | null;
}

/** A `request.executing`: an approved request about to run. */
export interface TimelineExecuting {
  readonly seq: number;
  readonly at: string;
  readonly approvalId: string | null;
  readonly fingerprint: string | null;
  readonly approvedBy: readonly string[];
  readonly approvedMaxAffectedRows: number | null;
}

export interface TimelineMasking {
  readonly maskedColumns: ReadonlyArray<{
    readonly column: string;
    readonly dataClasses: readonly string[];
    /** `lineage` (from classified columns) or `unresolved` (lineage unknown, masked whole). */
    readonly reason: string | null;
  }>;
  /** Values the detectors masked, per data class. */
  readonly detected: Readonly<Record<string, number>>;
  /** Classes the principal could see raw. */
  readonly unmasked: readonly string[];
}

export type TimelineOutcome =
  | {
      readonly kind: 'completed';
      readonly seq: number;
      readonly at: string;
      readonly rowCount: number | null;
      readonly affectedRows: number | null;
      readonly truncated: boolean;
      readonly durationMs: number | null;
      readonly columns: readonly string[];
      readonly masking: TimelineMasking;
    }
  | {
      readonly kind: 'failed';
      readonly seq: number;
      readonly at: string;
      readonly code: string | null;
      readonly message: string | null;
      readonly sqlState: string | null;
      readonly condition: string | null;
      readonly rule: string | null;
      readonly durationMs: number | null;
    };

/** A push recorded in the configuration audit session (`policy.changed`, `connections.change-failed`, …). */
export interface TimelineConfigChange {
  readonly seq: number;
  readonly at: string;
  readonly subject: 'policy' | 'connections';
  readonly failed: boolean;
  readonly version: number | null;
  readonly previousVersion: number | null;
  readonly digest: string | null;
  /** `sub@issuer`, or the name of a system actor. */
  readonly actor: string | null;
  readonly comment: string | null;
  /** Why a push failed (`conflict`, `store-error`). */
  readonly reason: string | null;
}

/** The steps of a request in recorded order; each refers to the structured parts of its entry. */
export type TimelineStep =
  | { readonly kind: 'decision'; readonly seq: number; readonly decision: TimelineDecision }
  | { readonly kind: 'approval-requested'; readonly seq: number; readonly approval: TimelineApproval }
  | {
      readonly kind: 'approval-decided';
      readonly seq: number;
      readonly approval: TimelineApproval;
      readonly decision: TimelineApprovalDecision;
    }
  | { readonly kind: 'approval-ended'; readonly seq: number; readonly approval: TimelineApproval }
  | { readonly kind: 'executing'; readonly seq: number; readonly executing: TimelineExecuting }
  | { readonly kind: 'outcome'; readonly seq: number; readonly outcome: TimelineOutcome }
  | { readonly kind: 'config'; readonly seq: number; readonly change: TimelineConfigChange }
  /** Any other event (an access-audit read, a type this version does not know), with its data as recorded. */
  | {
      readonly kind: 'other';
      readonly seq: number;
      readonly event: TimelineEventRef;
      readonly data: { readonly [k: string]: JsonValue };
    };

/**
 * Where a request ended up, by its last recorded step: `received` (no decision recorded),
 * `allowed` (allowed, no outcome recorded), `blocked`/`denied` (by policy or analysis),
 * `pending_approval`, `approved`, `rejected` (a reviewer denied it), `expired`, `executing`,
 * `completed`, `failed`, `outcome_unknown`; `config_changed`/`config_change_failed` for pushes;
 * `other` for a group of events that is not a gateway request (an access-audit read).
 */
export type TimelineStatus =
  | 'received'
  | 'allowed'
  | 'blocked'
  | 'denied'
  | 'pending_approval'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'executing'
  | 'completed'
  | 'failed'
  | 'outcome_unknown'
  | 'config_changed'
  | 'config_change_failed'
  | 'other';

/** One request of the session: its events grouped by `requestId`. */
export interface TimelineRequest {
  readonly requestId: string;
  /** 1-based position among the session's requests. */
  readonly index: number;
  readonly status: TimelineStatus;
  readonly receivedAt: string | null;
  readonly firstAt: string;
  readonly lastAt: string;
  readonly principal: TimelinePrincipal | null;
  /** The connection name the request named. */
  readonly connection: string | null;
  /** `sql`, `http`, … (null when the body did not parse). */
  readonly kind: string | null;
  /** The SQL text as recorded (detected values masked), or `METHOD path` for an HTTP request. */
  readonly text: string | null;
  readonly sqlHmac: string | null;
  readonly paramCount: number | null;
  readonly paramsHmac: string | null;
  /** The first decision (an approved request is decided again before it runs: see `decisions`). */
  readonly decision: TimelineDecision | null;
  readonly decisions: readonly TimelineDecision[];
  readonly approvals: readonly TimelineApproval[];
  readonly executing: TimelineExecuting | null;
  readonly outcome: TimelineOutcome | null;
  readonly config: TimelineConfigChange | null;
  readonly steps: readonly TimelineStep[];
  readonly events: readonly TimelineEventRef[];
}

export interface Timeline {
  readonly sessionId: string;
  readonly chain: ChainCheck;
  /** The session's principal: the one of its first `request.received` (sessions bind to it). */
  readonly owner: TimelinePrincipal | null;
  /** Every distinct principal of a request (one, unless the recording says otherwise). */
  readonly principals: readonly TimelinePrincipal[];
  readonly firstAt: string | null;
  readonly lastAt: string | null;
  readonly requests: readonly TimelineRequest[];
}

// --- reading recorded data -------------------------------------------------------------------

type Data = { readonly [k: string]: JsonValue };

const isObject = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const obj = (v: unknown): Data => (isObject(v) ? v : {});

const principalOf = (v: unknown): TimelinePrincipal | null => {
  if (!isObject(v)) return null;
  const sub = str(v.sub);
  const issuer = str(v.issuer);
  if (sub === null || issuer === null) return null;
  return { sub, issuer, groups: strs(v.groups), actsFor: str(v.actsFor), tokenId: str(v.tokenId) };
};

const reviewerOf = (v: unknown): TimelineReviewer | null => {
  if (!isObject(v)) return null;
  const sub = str(v.sub);
  const issuer = str(v.issuer);
  return sub === null || issuer === null ? null : { sub, issuer, groups: strs(v.groups) };
};

const samePrincipal = (a: TimelinePrincipal, b: TimelinePrincipal) =>
  a.sub === b.sub && a.issuer === b.issuer && a.actsFor === b.actsFor;

/** The request as people read it: the SQL text, or `METHOD path` once HTTP requests are recorded. */
const requestText = (d: Data): string | null => {
  const sql = str(d.sql);
  if (sql !== null) return sql;
  const method = str(d.method);
  const path = str(d.path);
  if (method !== null && path !== null) return `${method} ${path}`;
  return method ?? path;
};

const decisionOf = (e: SessionEvent): TimelineDecision => {
  const d = e.data;
  const c = obj(d.connection);
  const name = str(c.name);
  const approval = isObject(d.approval) ? d.approval : null;
  return {
    seq: e.seq,
    at: e.at,
    outcome: str(d.outcome),
    rule: str(d.rule),
    reason: str(d.reason),
    hint: str(d.hint),
    policyIds: strs(d.policyIds),
    policyVersion: str(d.policyVersion),
    connection:
      name === null ? null : { name, kind: str(c.kind) ?? 'unknown', environment: str(c.environment) ?? '' },
    statements: (Array.isArray(d.statements) ? d.statements : []).filter(isObject).map((s) => ({
      kind: str(s.kind),
      nodeType: str(s.nodeType),
      tables: strs(s.tables),
      functions: strs(s.functions),
    })),
    approval:
      approval === null
        ? null
        : {
            group: str(approval.group),
            quorum: num(approval.quorum),
            ttlSeconds: num(approval.ttlSeconds),
            justificationRequired: approval.justificationRequired === true,
          },
  };
};

const maskingOf = (v: unknown): TimelineMasking => {
  const m = obj(v);
  // fromEntries: a recorded class named `__proto__` stays a class.
  const detected = Object.fromEntries(
    Object.entries(obj(m.detected)).flatMap(([dataClass, n]) => {
      const count = num(n);
      return count === null ? [] : [[dataClass, count] as const];
    }),
  );
  return {
    maskedColumns: (Array.isArray(m.maskedColumns) ? m.maskedColumns : []).filter(isObject).map((c) => ({
      column: str(c.column) ?? '',
      dataClasses: strs(c.dataClasses),
      reason: str(c.reason),
    })),
    detected,
    unmasked: strs(m.unmasked),
  };
};

const outcomeOf = (e: SessionEvent): TimelineOutcome => {
  const d = e.data;
  if (e.type === 'request.completed') {
    return {
      kind: 'completed',
      seq: e.seq,
      at: e.at,
      rowCount: num(d.rowCount),
      affectedRows: num(d.affectedRows),
      truncated: d.truncated === true,
      durationMs: num(d.durationMs),
      columns: strs(d.columns),
      masking: maskingOf(d.masking),
    };
  }
  return {
    kind: 'failed',
    seq: e.seq,
    at: e.at,
    code: str(d.code),
    message: str(d.message),
    sqlState: str(d.sqlState),
    condition: str(d.condition),
    rule: str(d.rule),
    durationMs: num(d.durationMs),
  };
};

const actorOf = (v: unknown): string | null => {
  if (typeof v === 'string') return v;
  if (!isObject(v)) return null;
  const sub = str(v.sub);
  const issuer = str(v.issuer);
  return sub === null ? null : issuer === null ? sub : `${sub}@${issuer}`;
};

const configOf = (e: SessionEvent): TimelineConfigChange => {
  const d = e.data;
  return {
    seq: e.seq,
    at: e.at,
    subject: e.type.startsWith('policy.') ? 'policy' : 'connections',
    failed: e.type.endsWith('.change-failed'),
    version: num(d.version),
    previousVersion: num(d.previousVersion),
    digest: str(d.digest),
    actor: actorOf(d.actor),
    comment: str(d.comment),
    reason: str(d.reason),
  };
};

// --- building a request's entry --------------------------------------------------------------

interface MutableApproval {
  approvalId: string;
  requestedSeq: number | null;
  requestedAt: string | null;
  groups: string[];
  quorum: number | null;
  expiresAt: string | null;
  justification: string | null;
  maxAffectedRows: number | null;
  fingerprint: string | null;
  decisions: TimelineApprovalDecision[];
  verdict: 'approved' | 'denied' | null;
  decidedAt: string | null;
  end: TimelineApproval['end'];
}

const STATUS_OF_DECISION: ReadonlyMap<string, TimelineStatus> = new Map<string, TimelineStatus>([
  ['allow', 'allowed'],
  ['block', 'blocked'],
  ['deny', 'denied'],
  ['approval_required', 'pending_approval'],
]);

const entryOf = (
  requestId: string,
  index: number,
  events: readonly SessionEvent[],
  refs: TimelineEventRef[],
) => {
  let status: TimelineStatus = 'other';
  let received: SessionEvent | undefined;
  const decisions: TimelineDecision[] = [];
  const approvals = new Map<string, MutableApproval>();
  const steps: TimelineStep[] = [];
  let executing: TimelineExecuting | null = null;
  let outcome: TimelineOutcome | null = null;
  let config: TimelineConfigChange | null = null;

  const approvalFor = (id: string): MutableApproval => {
    let a = approvals.get(id);
    if (!a) {
      a = {
        approvalId: id,
        requestedSeq: null,
        requestedAt: null,
        groups: [],
        quorum: null,
        expiresAt: null,
        justification: null,
        maxAffectedRows: null,
        fingerprint: null,
        decisions: [],
        verdict: null,
        decidedAt: null,
        end: null,
      };
      approvals.set(id, a);
    }
    return a;
  };

  for (const [i, e] of events.entries()) {
    const d = e.data;
    switch (e.type) {
      case 'request.received':
        received ??= e;
        if (status === 'other') status = 'received';
        break;
      case 'request.decided': {
        const decision = decisionOf(e);
        decisions.push(decision);
        steps.push({ kind: 'decision', seq: e.seq, decision });
        // The decision taken again just before an approved request runs keeps it executing.
        if (status !== 'executing' || decision.outcome === 'block' || decision.outcome === 'deny')
          status = STATUS_OF_DECISION.get(decision.outcome ?? '') ?? status;
        break;
      }
      case 'approval.requested': {
        const a = approvalFor(str(d.approvalId) ?? '');
        a.requestedSeq = e.seq;
        a.requestedAt = e.at;
        a.groups = strs(d.groups);
        a.quorum = num(d.quorum);
        a.expiresAt = str(d.expiresAt);
        a.justification = str(d.justification);
        a.maxAffectedRows = num(d.maxAffectedRows);
        a.fingerprint = str(d.fingerprint);
        steps.push({ kind: 'approval-requested', seq: e.seq, approval: a });
        status = 'pending_approval';
        break;
      }
      case 'approval.decided': {
        const a = approvalFor(str(d.approvalId) ?? '');
        const decision: TimelineApprovalDecision = {
          seq: e.seq,
          at: e.at,
          reviewer: reviewerOf(d.reviewer),
          group: str(d.group),
          verdict: str(d.verdict),
          reason: str(d.reason),
          approvals: num(d.approvals),
          quorum: num(d.quorum),
        };
        a.decisions.push(decision);
        a.quorum ??= decision.quorum;
        if (a.verdict === null && decision.verdict === 'deny') {
          a.verdict = 'denied';
          a.decidedAt = e.at;
          status = 'rejected';
        } else if (
          a.verdict === null &&
          decision.verdict === 'approve' &&
          (decision.approvals ?? 0) >= (decision.quorum ?? a.quorum ?? 1)
        ) {
          a.verdict = 'approved';
          a.decidedAt = e.at;
          status = 'approved';
        }
        steps.push({ kind: 'approval-decided', seq: e.seq, approval: a, decision });
        break;
      }
      case 'approval.expired':
      case 'approval.failed': {
        const a = approvalFor(str(d.approvalId) ?? '');
        const kind = e.type === 'approval.expired' ? 'expired' : 'failed';
        a.end = {
          kind,
          seq: e.seq,
          at: e.at,
          status: str(d.status),
          code: str(d.code),
          message: str(d.message),
        };
        steps.push({ kind: 'approval-ended', seq: e.seq, approval: a });
        status =
          kind === 'expired' ? 'expired' : str(d.status) === 'outcome_unknown' ? 'outcome_unknown' : 'failed';
        break;
      }
      case 'request.executing':
        executing = {
          seq: e.seq,
          at: e.at,
          approvalId: str(d.approvalId),
          fingerprint: str(d.fingerprint),
          approvedBy: strs(d.approvedBy),
          approvedMaxAffectedRows: num(d.approvedMaxAffectedRows),
        };
        steps.push({ kind: 'executing', seq: e.seq, executing });
        status = 'executing';
        break;
      case 'request.completed':
      case 'request.failed':
        outcome = outcomeOf(e);
        steps.push({ kind: 'outcome', seq: e.seq, outcome });
        status = outcome.kind;
        break;
      case 'policy.changed':
      case 'policy.change-failed':
      case 'connections.changed':
      case 'connections.change-failed':
        config = configOf(e);
        steps.push({ kind: 'config', seq: e.seq, change: config });
        status = config.failed ? 'config_change_failed' : 'config_changed';
        break;
      default:
        steps.push({ kind: 'other', seq: e.seq, event: refs[i]!, data: d });
    }
  }

  const r = received?.data ?? {};
  const entry: TimelineRequest = {
    requestId,
    index,
    status,
    receivedAt: received?.at ?? null,
    firstAt: events[0]!.at,
    lastAt: events.at(-1)!.at,
    principal: principalOf(r.principal),
    connection: str(r.connection) ?? decisions[0]?.connection?.name ?? null,
    kind: str(r.kind),
    text: requestText(r),
    sqlHmac: str(r.sqlHmac),
    paramCount: num(r.paramCount),
    paramsHmac: str(r.paramsHmac),
    decision: decisions[0] ?? null,
    decisions,
    approvals: [...approvals.values()],
    executing,
    outcome,
    config,
    steps,
    events: refs,
  };
  return entry;
};

// --- the chain -------------------------------------------------------------------------------

/** Why an event cannot be read at all, or undefined when its envelope is usable. */
const malformed = (e: unknown): string | undefined => {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'an event is not an object';
  const x = e as Record<string, unknown>;
  if (typeof x.seq !== 'number' || !Number.isInteger(x.seq) || x.seq < 1) return 'an event has no valid seq';
  for (const key of ['sessionId', 'type', 'requestId', 'at', 'prevHash', 'hash'] as const)
    if (typeof x[key] !== 'string') return `event ${x.seq} has no ${key}`;
  if (!isObject(x.data)) return `event ${x.seq} has no data`;
  return undefined;
};

const sameEvent = (a: SessionEvent, b: SessionEvent): boolean => {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
};

interface Checked {
  readonly events: SessionEvent[];
  readonly chain: ChainCheck;
  /** Seq of the first event not verified (Infinity when all are). */
  readonly firstUnverified: number;
}

const checkChain = (sessionId: string, given: readonly SessionEvent[]): Checked => {
  // The earliest break with a seq; an unreadable event has none, and counts only without one.
  let located: { seq: number; problem: string } | undefined;
  let unlocated: string | undefined;
  const broken = (seq: number, problem: string) => {
    if (located === undefined || seq < located.seq) located = { seq, problem };
  };
  const bySeq = new Map<number, SessionEvent>();
  let duplicatesDropped = 0;
  for (const event of given) {
    const problem = malformed(event);
    if (problem !== undefined) {
      unlocated ??= problem;
      continue;
    }
    // Archive objects hold many sessions' events: this session's only.
    if (event.sessionId !== sessionId) continue;
    const known = bySeq.get(event.seq);
    if (known === undefined) bySeq.set(event.seq, event);
    else if (sameEvent(known, event)) duplicatesDropped += 1;
    else broken(event.seq, `two different events have seq ${event.seq}`);
  }
  const events = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  let head: ChainHead = GENESIS;
  for (const event of events) {
    let verdict: ReturnType<typeof verifyChain>;
    try {
      verdict = verifyChain([event], head);
    } catch {
      verdict = { ok: false, seq: event.seq, problem: 'the event cannot be hashed (not canonical JSON)' };
    }
    if (!verdict.ok) {
      broken(verdict.seq, verdict.problem);
      break;
    }
    head = verdict.head;
  }
  const counts = { events: events.length, duplicatesDropped };
  if (located !== undefined)
    return {
      events,
      chain: { ok: false, ...counts, seq: located.seq, problem: located.problem },
      firstUnverified: located.seq,
    };
  return {
    events,
    chain:
      unlocated !== undefined
        ? { ok: false, ...counts, seq: null, problem: unlocated }
        : { ok: true, ...counts, head },
    firstUnverified: Number.POSITIVE_INFINITY,
  };
};

/**
 * The timeline of one session from its recorded events, in any order and possibly repeated
 * (archive objects can hold an event twice): events of other sessions are left out, identical
 * copies of one `(sessionId, seq)` are kept once, the chain is verified from the genesis and its
 * first break reported. Events at and after a break are still shown, marked unverified.
 */
export const sessionTimeline = (sessionId: string, events: readonly SessionEvent[]): Timeline => {
  const checked = checkChain(sessionId, events);
  const groups = new Map<string, SessionEvent[]>();
  for (const event of checked.events) {
    const group = groups.get(event.requestId);
    if (group) group.push(event);
    else groups.set(event.requestId, [event]);
  }
  const requests = [...groups.entries()].map(([requestId, group], i) =>
    entryOf(
      requestId,
      i + 1,
      group,
      group.map((e) => ({
        seq: e.seq,
        type: e.type,
        at: e.at,
        hash: e.hash,
        verified: e.seq < checked.firstUnverified,
      })),
    ),
  );
  const principals: TimelinePrincipal[] = [];
  for (const r of requests)
    if (r.principal && !principals.some((p) => samePrincipal(p, r.principal!))) principals.push(r.principal);
  const times = checked.events.map((e) => e.at).sort();
  return {
    sessionId,
    chain: checked.chain,
    owner: requests.find((r) => r.principal !== null)?.principal ?? null,
    principals,
    firstAt: times[0] ?? null,
    lastAt: times.at(-1) ?? null,
    requests,
  };
};

/** What a listing of sessions shows of one. */
export interface SessionSummary {
  readonly sessionId: string;
  readonly chainOk: boolean;
  readonly events: number;
  readonly firstAt: string | null;
  readonly lastAt: string | null;
  readonly requests: number;
  /** Requests per status; statuses no request has are left out. */
  readonly outcomes: Readonly<Partial<Record<TimelineStatus, number>>>;
  /** Connection names, sorted. */
  readonly connections: readonly string[];
  /** Request principals as `sub@issuer`, sorted. */
  readonly principals: readonly string[];
  /** The people the principals act for, sorted. */
  readonly actsFor: readonly string[];
}

const sortedSet = (values: Iterable<string | null>): string[] =>
  [...new Set([...values].filter((v): v is string => v !== null))].sort();

/** A compact summary of a timeline, for listings. */
export const sessionSummary = (timeline: Timeline): SessionSummary => {
  const outcomes: Partial<Record<TimelineStatus, number>> = {};
  for (const r of timeline.requests) outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
  return {
    sessionId: timeline.sessionId,
    chainOk: timeline.chain.ok,
    events: timeline.chain.events,
    firstAt: timeline.firstAt,
    lastAt: timeline.lastAt,
    requests: timeline.requests.length,
    outcomes,
    connections: sortedSet(timeline.requests.map((r) => r.connection)),
    principals: sortedSet(timeline.principals.map((p) => `${p.sub}@${p.issuer}`)),
    actsFor: sortedSet(timeline.principals.map((p) => p.actsFor)),
  };
};
