// ADMIT, the first phase of every request whatever its protocol: identity, session, connection,
// analysis, decision, and the durable record of request and decision. Its result, an admitted
// request, is what RUN takes now, or later (an approval resuming the stored request).
import type { ApprovalDeps } from '../approval/deps.js';
import { type Connection, describeConnection } from '../config/connection.js';
import { type AllowDecision, type ApprovalDecision, decideAll } from '../decision/decision.js';
import {
  BadRequestError,
  BlockedError,
  DeniedError,
  NotFoundError,
  TollgateError,
  UnauthenticatedError,
} from '../errors.js';
import { questionsRecord } from '../evidence/recorded-questions.js';
import type { Principal } from '../identity/principal.js';
import type {
  Clock,
  ConnectionStore,
  IdentityVerifier,
  IdGenerator,
  Metrics,
  PolicyEngine,
  PolicyProvider,
} from '../ports.js';
import type { ProtocolUnit, ProtocolUnits } from '../protocols/protocol-unit.js';
import type { JsonValue } from '../recording/canonical-json.js';
import { SYSTEM_SESSION_PREFIX } from '../recording/events.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import { decisionRecord, RequestTrail } from './request-trail.js';
import { type GatewayRequest, type Parsed, requestDigests, requestRecord } from './requests.js';

export interface PipelineDeps {
  readonly identity: IdentityVerifier;
  readonly connections: ConnectionStore;
  readonly policies: PolicyProvider;
  readonly units: ProtocolUnits;
  readonly recorder: SessionRecorder;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Requests by outcome and rule, masking counts, recording latency (EMF on Lambda). */
  readonly metrics?: Metrics;
  /** Holding requests for approval; without it, a request needing one answers that it needs one. */
  readonly approvals?: ApprovalDeps;
  /** The key of the recorded digests of exact SQL text and parameters; without it, none is recorded. */
  readonly digestKey?: () => Promise<Uint8Array | string>;
}

export interface AdmitInput {
  readonly requestId: string;
  /** The bearer token, without the `Bearer ` prefix. */
  readonly token: string | undefined;
  /** `X-Tollgate-Session`, when the caller groups requests into a session. */
  readonly sessionId: string | undefined;
  readonly connectionName: string;
  /** The request as the transport parsed it: a parse error is recorded like any refusal. */
  readonly request: Parsed<GatewayRequest>;
  /** Why the agent asks (`X-Tollgate-Justification` or the body's `justification`), for reviewers. */
  readonly justification?: string;
}

/** A request that passed ADMIT: recorded with its decision, ready to RUN (now or once approved). */
export interface AdmittedRequest {
  readonly requestId: string;
  readonly sessionId: string;
  readonly principal: Principal;
  readonly connection: Connection;
  readonly request: GatewayRequest;
  readonly unit: ProtocolUnit;
  readonly analysis: unknown;
  /** What the recording kept of the analysis: the facts the decision was taken on. */
  readonly summary: { readonly [k: string]: JsonValue };
  /** The request as people are shown it (see AnalysisResult.display). */
  readonly display: string;
  /** True when every part only reads: a policy's allow suffices to run it. */
  readonly readOnly: boolean;
  readonly engine: PolicyEngine;
  readonly decision: AllowDecision | ApprovalDecision;
}

export type Admission =
  | { readonly status: 'admitted'; readonly admitted: AdmittedRequest & { decision: AllowDecision } }
  | {
      readonly status: 'approval_required';
      readonly admitted: AdmittedRequest & { decision: ApprovalDecision };
    };

export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;
/** System sessions (e.g. the configuration audit trail) use this prefix; callers may not. */
export const RESERVED_SESSION_PREFIX = SYSTEM_SESSION_PREFIX;

const principalRecord = (p: Principal): JsonValue => ({
  sub: p.sub,
  issuer: p.issuer,
  groups: [...p.groups],
  tokenId: p.tokenId ?? null,
  actsFor: p.actsFor ?? null,
});

/** The session id to record under: the caller's (checked) or a new one. */
const sessionIdOf = (deps: PipelineDeps, given: string | undefined): string => {
  if (given?.startsWith(RESERVED_SESSION_PREFIX)) {
    throw new BadRequestError(
      `Session ids starting with ${RESERVED_SESSION_PREFIX} are reserved for the gateway.`,
    );
  }
  if (given !== undefined && !SESSION_ID_PATTERN.test(given)) {
    throw new BadRequestError(
      'X-Tollgate-Session must be 8-128 characters: letters, digits, . _ : - (starting with a letter or digit).',
    );
  }
  return given ?? deps.ids.newId();
};

/** The principal and its session, the trail of everything that follows. */
export const openTrail = async (
  deps: PipelineDeps,
  input: { requestId: string; token: string | undefined; sessionId: string | undefined },
): Promise<{ principal: Principal; trail: RequestTrail }> => {
  if (!input.token) throw new UnauthenticatedError();
  const principal = await deps.identity.verify(input.token);
  const sessionId = sessionIdOf(deps, input.sessionId);
  try {
    await deps.recorder.open(sessionId, principal, deps.clock.now().toISOString());
  } catch (error) {
    if (error instanceof TollgateError) error.sessionId ??= sessionId;
    throw error;
  }
  return {
    principal,
    trail: new RequestTrail(deps.recorder, deps.clock, sessionId, input.requestId, deps.metrics),
  };
};

/** Whether the principal is in one of the connection's groups (the policies decide the rest). */
export const mayUse = (principal: Principal, connection: Connection): boolean =>
  connection.allowGroups.some((g) => principal.groups.includes(g));

/** Runs a store read; a failure that is not already a refusal becomes `code` (503), cause kept. */
export const fromStore = async <T>(
  read: () => Promise<T>,
  code: 'unavailable' | 'policy_unavailable' | 'approval_unavailable',
  message: string,
): Promise<T> => {
  try {
    return await read();
  } catch (error) {
    throw error instanceof TollgateError ? error : new TollgateError(code, message, { cause: error });
  }
};

const CONNECTIONS_UNAVAILABLE = 'The connections are unavailable.';

/** Every connection in force (discovery), or 503 `unavailable`. */
export const listedConnections = (deps: PipelineDeps): Promise<readonly Connection[]> =>
  fromStore(() => deps.connections.list(), 'unavailable', CONNECTIONS_UNAVAILABLE);

/** The policy engine in force, or 503 `policy_unavailable`: nothing runs undecided. */
export const currentEngine = (deps: PipelineDeps): Promise<PolicyEngine> =>
  fromStore(() => deps.policies.current(), 'policy_unavailable', 'The policies are unavailable.');

const lookUp = async (deps: PipelineDeps, name: string): Promise<Connection> => {
  const connection = await fromStore(
    () => deps.connections.get(name),
    'unavailable',
    CONNECTIONS_UNAVAILABLE,
  );
  if (!connection) throw new NotFoundError('connection_not_found', `No connection named ${name}.`);
  return connection;
};

/** ADMIT. Throws a TollgateError for every refusal, recorded first (once a session exists). */
export const admit = async (deps: PipelineDeps, input: AdmitInput): Promise<Admission> => {
  const { principal, trail } = await openTrail(deps, input);
  const parsed = input.request;
  trail.received({
    principal: principalRecord(principal),
    connection: input.connectionName,
    ...requestRecord(parsed.ok ? parsed.value : undefined),
  });
  return trail.guard(async () => {
    if (!parsed.ok) throw parsed.error;
    if (deps.digestKey) {
      const key = await fromStore(deps.digestKey, 'unavailable', 'The recording key is unavailable.');
      trail.amendReceived(requestDigests(parsed.value, key));
    }
    return judge(deps, trail, principal, input.connectionName, parsed.value);
  });
};

/**
 * The connection, the analysis and the decision of a request, recorded on `trail` (with whatever
 * it has noted): ADMIT after identity, and again when an approved request is about to run (the
 * policy in force then must still allow it). Throws a recorded TollgateError for every refusal.
 */
export const judge = async (
  deps: PipelineDeps,
  trail: RequestTrail,
  principal: Principal,
  connectionName: string,
  request: GatewayRequest,
): Promise<Admission> => {
  const connection = await lookUp(deps, connectionName);
  // A connection outside the caller's groups looks like none at all (no way to learn which
  // names exist); the refusal is recorded like any other.
  if (!mayUse(principal, connection)) {
    throw new NotFoundError('connection_not_found', `No connection named ${connectionName}.`);
  }
  const unit = await deps.units.unitFor(connection.kind);
  if (!unit) {
    throw new TollgateError('internal_error', `Connections of kind ${connection.kind} are not served here.`);
  }
  if (!unit.accepts(request)) {
    throw new BadRequestError(
      `Connection ${connection.name} is of kind ${connection.kind}; it does not take ${(request as GatewayRequest).kind} requests.`,
    );
  }

  const analysed = unit.analyse(connection, request);
  if (!analysed.ok) {
    if (analysed.rule === undefined) throw analysed.error;
    throw await trail.refusedBy(
      {
        outcome: 'block',
        rule: analysed.rule,
        reason: analysed.error.message,
        hint: null,
        policyIds: [],
        policyVersion: 'analysis',
      },
      analysed.error,
    );
  }

  // The recording shows the text masked as the dialect's lexer allows (within literals only).
  trail.amendReceived({ sql: analysed.display });
  const engine = await currentEngine(deps);
  const questions = unit.inspect
    ? await unit.inspect(
        { principal, connection, request, analysis: analysed.analysis, engine },
        analysed.questions,
      )
    : analysed.questions;
  const asked = questions.map((q) => ({ ...q, principal }));
  const decision = decideAll(asked, (q) => engine.decide(q), engine.version);
  // Request and decision are durable before anyone acts on the decision. The questions asked are
  // kept as the engine read them (facts, no values), so a policy change can be backtested on them.
  await trail.record({
    type: 'request.decided',
    data: {
      ...decisionRecord(decision),
      connection: describeConnection(connection),
      ...analysed.summary,
      questions: questionsRecord(principal, connection, asked),
    },
  });
  const summary = {
    rule: decision.rule,
    policyIds: decision.policyIds,
    policyVersion: decision.policyVersion,
  };
  const details = { ...summary, ...(decision.hint ? { hint: decision.hint } : {}) };
  const base = {
    requestId: trail.requestId,
    sessionId: trail.sessionId,
    principal,
    connection,
    request,
    unit,
    analysis: analysed.analysis,
    summary: analysed.summary,
    display: analysed.display,
    readOnly: analysed.readOnly,
    engine,
  };
  switch (decision.outcome) {
    case 'allow':
      return { status: 'admitted', admitted: { ...base, decision } };
    case 'approval_required':
      return { status: 'approval_required', admitted: { ...base, decision } };
    case 'deny':
      throw trail.settled(new DeniedError(decision.reason, details));
    case 'block':
      throw trail.settled(new BlockedError(decision.reason, details));
  }
};
