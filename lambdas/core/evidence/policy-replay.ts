// Backtesting a policy change: every recorded decision of a period decided again by a candidate
// policy set, on the questions the gateway recorded with it (recorded-questions.ts), combined by
// the gateway's own decideAll, and compared with what was decided then. Pure: the events come in,
// the report goes out (`tollgate policy replay` reads them from the archive or a bundle).
import { type Decision, type DecisionOutcome, decideAll } from '../decision/decision.js';
import type { PolicyEngine } from '../ports.js';
import { canonicalJson, type JsonValue } from '../recording/canonical-json.js';
import type { SessionEvent } from '../recording/events.js';
import { isUnreadable, questionsFromRecord } from './recorded-questions.js';

/** Recorded by the analysis (SQL that does not parse), not by a policy: no candidate changes it. */
export const ANALYSIS_VERSION = 'analysis';

/** How a decision would change, from the most to the least consequential. */
export type ChangeKind =
  /** Allowed (outright or once approved) then, refused (deny or block) now. */
  | 'now-refused'
  /** Allowed outright then, held for an approval now. */
  | 'approval-added'
  /** Refused then, allowed (outright or once approved) now. */
  | 'now-permitted'
  /** Held for an approval then, allowed outright now. */
  | 'approval-dropped'
  /** Refused either way: deny ↔ block. */
  | 'refusal-changed'
  /** The same outcome, determined by another rule. */
  | 'rule-changed'
  /** Held for an approval either way, by the same rule, with another requirement (group, quorum, TTL, bound). */
  | 'approval-changed';

export const CHANGE_KINDS: readonly ChangeKind[] = [
  'now-refused',
  'approval-added',
  'now-permitted',
  'approval-dropped',
  'refusal-changed',
  'rule-changed',
  'approval-changed',
];

/** Who must approve, as a replay compares it. */
export interface ReplayApproval {
  readonly group: string;
  readonly quorum: number;
  readonly ttlSeconds: number;
  readonly justificationRequired: boolean;
  readonly maxAffectedRows: number | null;
}

/** One changed decision, as people are shown it. */
export interface ReplayExample {
  readonly sessionId: string;
  readonly requestId: string;
  /** When it was decided. */
  readonly at: string;
  /** The principal's `sub`, as the engine saw it. */
  readonly sub: string;
  readonly connection: string;
  /** The SQL as recorded (literals masked), or null when its `request.received` was not given. */
  readonly sql: string | null;
  /** `approval`: with an approval_required outcome. */
  readonly recorded: {
    readonly outcome: DecisionOutcome;
    readonly rule: string;
    readonly approval?: ReplayApproval;
  };
  readonly candidate: {
    readonly outcome: DecisionOutcome;
    readonly rule: string;
    readonly reason: string;
    readonly approval?: ReplayApproval;
  };
}

/** The decisions that would change the same way: from one outcome to another, by one rule. */
export interface ReplayChange {
  readonly kind: ChangeKind;
  readonly from: DecisionOutcome;
  readonly to: DecisionOutcome;
  /** The candidate's determining rule. */
  readonly rule: string;
  readonly count: number;
  /** The rules that had decided them, with how many each. */
  readonly recordedRules: Readonly<Record<string, number>>;
  /** The first few, in the order they were decided. */
  readonly examples: readonly ReplayExample[];
}

export interface PolicyReplayReport {
  /** The candidate's version label (`files:<digest>` for a folder). */
  readonly candidateVersion: string;
  /** The policy versions that had decided, as recorded. */
  readonly recordedVersions: readonly string[];
  readonly totals: {
    /** `request.decided` events in the period. */
    readonly decisions: number;
    /** Decided again by the candidate: unchanged + changed. */
    readonly reDecided: number;
    readonly unchanged: number;
    readonly changed: number;
    /** Refusals by the analysis (policy version `analysis`): not policy decisions, unchanged by any. */
    readonly fromAnalysis: number;
    /** Recorded without their questions (before the gateway kept them, or a decision with none kept). */
    readonly withoutQuestions: number;
    /** Whose recorded questions or outcome could not be read back. */
    readonly unreadable: number;
  };
  /** By kind (most consequential first), then by count. */
  readonly changes: readonly ReplayChange[];
}

export interface ReplayOptions {
  /** Only decisions made at or after this instant. */
  readonly from?: Date;
  /** Only decisions made at or before this instant. */
  readonly to?: Date;
  /** Examples kept per change. @default 3 */
  readonly examples?: number;
}

const OUTCOMES: ReadonlySet<string> = new Set(['allow', 'approval_required', 'deny', 'block']);
const permits = (outcome: DecisionOutcome) => outcome === 'allow' || outcome === 'approval_required';

const kindOf = (from: DecisionOutcome, to: DecisionOutcome, sameRule: boolean): ChangeKind => {
  if (from === to) return sameRule ? 'approval-changed' : 'rule-changed';
  if (permits(from) && !permits(to)) return 'now-refused';
  if (!permits(from) && permits(to)) return 'now-permitted';
  if (from === 'allow') return 'approval-added';
  if (from === 'approval_required') return 'approval-dropped';
  return 'refusal-changed';
};

/** An approval requirement, recorded (JSON) or decided: absent and false are the same. */
const approvalOf = (approval: unknown): ReplayApproval => {
  const a = (typeof approval === 'object' && approval !== null ? approval : {}) as Record<string, unknown>;
  const count = (value: unknown) => (typeof value === 'number' ? value : null);
  return {
    group: typeof a.group === 'string' ? a.group : '',
    quorum: count(a.quorum) ?? 0,
    ttlSeconds: count(a.ttlSeconds) ?? 0,
    justificationRequired: a.justificationRequired === true,
    maxAffectedRows: count(a.maxAffectedRows),
  };
};

const byTime = (a: SessionEvent, b: SessionEvent) => {
  const ta = Date.parse(a.at);
  const tb = Date.parse(b.at);
  if (ta !== tb) return ta - tb;
  if (a.sessionId !== b.sessionId) return a.sessionId < b.sessionId ? -1 : 1;
  return a.seq - b.seq;
};

const inPeriod = (at: string, options: ReplayOptions) => {
  if (!options.from && !options.to) return true;
  const time = Date.parse(at);
  if (Number.isNaN(time)) return false;
  return (!options.from || time >= options.from.getTime()) && (!options.to || time <= options.to.getTime());
};

const text = (value: JsonValue | undefined): string | undefined =>
  typeof value === 'string' ? value : undefined;

interface Group {
  kind: ChangeKind;
  from: DecisionOutcome;
  to: DecisionOutcome;
  rule: string;
  count: number;
  recordedRules: Record<string, number>;
  examples: ReplayExample[];
}

/**
 * Decides every recorded decision of the period again with `candidate` and reports what would
 * change. Events are de-duplicated by (session, seq); `request.received` events given (from any
 * time) supply the recorded SQL of the examples.
 */
export const replayPolicy = (
  events: readonly SessionEvent[],
  candidate: PolicyEngine,
  options: ReplayOptions = {},
): PolicyReplayReport => {
  const perChange = Math.max(0, options.examples ?? 3);
  const seen = new Set<string>();
  const unique: SessionEvent[] = [];
  for (const event of events) {
    const key = `${event.sessionId}\u0000${event.seq}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(event);
  }
  const sqlOf = new Map<string, string | null>();
  for (const event of unique) {
    if (event.type !== 'request.received') continue;
    const key = `${event.sessionId}\u0000${event.requestId}`;
    if (!sqlOf.has(key)) sqlOf.set(key, text(event.data.sql) ?? null);
  }
  const decided = unique.filter((e) => e.type === 'request.decided' && inPeriod(e.at, options)).sort(byTime);

  const totals = {
    reDecided: 0,
    unchanged: 0,
    changed: 0,
    fromAnalysis: 0,
    withoutQuestions: 0,
    unreadable: 0,
  };
  const versions = new Set<string>();
  const groups = new Map<string, Group>();
  for (const event of decided) {
    const { data } = event;
    const version = text(data.policyVersion);
    if (version !== undefined) versions.add(version);
    if (version === ANALYSIS_VERSION) {
      totals.fromAnalysis++;
      continue;
    }
    if (data.questions === undefined) {
      totals.withoutQuestions++;
      continue;
    }
    const outcome = text(data.outcome);
    const rule = text(data.rule);
    const questions = questionsFromRecord(data.questions);
    if (isUnreadable(questions) || outcome === undefined || !OUTCOMES.has(outcome) || rule === undefined) {
      totals.unreadable++;
      continue;
    }
    const recorded = outcome as DecisionOutcome;
    const now: Decision = decideAll(questions, (q) => candidate.decide(q), candidate.version);
    totals.reDecided++;
    const sameRule = now.rule === rule;
    const recordedApproval = recorded === 'approval_required' ? approvalOf(data.approval) : undefined;
    const candidateApproval = now.outcome === 'approval_required' ? approvalOf(now.approval) : undefined;
    const sameApproval =
      !recordedApproval ||
      !candidateApproval ||
      canonicalJson(recordedApproval) === canonicalJson(candidateApproval);
    if (now.outcome === recorded && sameRule && sameApproval) {
      totals.unchanged++;
      continue;
    }
    totals.changed++;
    const kind = kindOf(recorded, now.outcome, sameRule);
    const key = canonicalJson([kind, recorded, now.outcome, now.rule]);
    let group = groups.get(key);
    if (!group) {
      group = {
        kind,
        from: recorded,
        to: now.outcome,
        rule: now.rule,
        count: 0,
        recordedRules: {},
        examples: [],
      };
      groups.set(key, group);
    }
    group.count++;
    group.recordedRules[rule] = (group.recordedRules[rule] ?? 0) + 1;
    if (group.examples.length < perChange) {
      group.examples.push({
        sessionId: event.sessionId,
        requestId: event.requestId,
        at: event.at,
        sub: questions[0]?.principal.sub ?? '',
        connection:
          questions[0]?.resource.name ?? text((data.connection as { name?: JsonValue })?.name) ?? '',
        sql: sqlOf.get(`${event.sessionId}\u0000${event.requestId}`) ?? null,
        recorded: { outcome: recorded, rule, ...(recordedApproval ? { approval: recordedApproval } : {}) },
        candidate: {
          outcome: now.outcome,
          rule: now.rule,
          reason: now.reason,
          ...(candidateApproval ? { approval: candidateApproval } : {}),
        },
      });
    }
  }

  const changes = [...groups.values()].sort(
    (a, b) =>
      CHANGE_KINDS.indexOf(a.kind) - CHANGE_KINDS.indexOf(b.kind) ||
      b.count - a.count ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (a.from < b.from ? -1 : a.from > b.from ? 1 : 0) ||
      (a.to < b.to ? -1 : a.to > b.to ? 1 : 0),
  );
  return {
    candidateVersion: candidate.version,
    recordedVersions: [...versions].sort(),
    totals: { decisions: decided.length, ...totals },
    changes,
  };
};
