// The SQL request use case: authenticate, analyse, decide, record, then (only if allowed and
// recorded) run on the target and record the outcome. Shared by Lambda and the local server.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Connection, describeConnection } from '../config/connection.js';
import type { ApprovalRequirement, Decision } from '../decision/decision.js';
import {
  BadRequestError,
  BlockedError,
  DeniedError,
  NotFoundError,
  SqlUnparseableError,
  TargetError,
  TollgateError,
  UnauthenticatedError,
} from '../errors.js';
import type { Principal } from '../identity/principal.js';
import { type CatalogCache, maskOutput } from '../masking/mask-output.js';
import { scrubText } from '../masking/scrub.js';
import type {
  Clock,
  ConnectionStore,
  IdentityVerifier,
  IdGenerator,
  PolicyEngine,
  PolicyProvider,
  ResultColumn,
  SqlAnalyzer,
  TargetExecutor,
} from '../ports.js';
import { canonicalJson, type JsonValue } from '../recording/canonical-json.js';
import { type EventDraft, type SessionEventType, SYSTEM_SESSION_PREFIX } from '../recording/events.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import type { Dialect, StatementFacts } from '../sql/facts.js';

export interface ExecuteSqlDeps {
  readonly identity: IdentityVerifier;
  readonly connections: ConnectionStore;
  /** One analyzer per dialect; a connection whose dialect has none is refused. */
  readonly analyzers: Readonly<Partial<Record<Dialect, SqlAnalyzer>>>;
  readonly policies: PolicyProvider;
  readonly recorder: SessionRecorder;
  /** One executor per connection kind. */
  readonly executors: Readonly<Partial<Record<Connection['kind'], TargetExecutor>>>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Inline masking: the token key (Secrets Manager on AWS, generated locally), table catalogues. */
  readonly masking: {
    readonly tokenKey: () => Promise<Uint8Array | string>;
    readonly catalogs: CatalogCache;
  };
}

export interface ExecuteSqlInput {
  readonly requestId: string;
  /** The bearer token, without the `Bearer ` prefix. */
  readonly token: string | undefined;
  readonly connectionName: string;
  /** The request body as received (JSON text). */
  readonly rawBody: string;
  /** `X-Tollgate-Session`, when the caller groups requests into a session. */
  readonly sessionId: string | undefined;
}

interface DecisionSummary {
  readonly rule: string;
  readonly policyIds: readonly string[];
  readonly policyVersion: string;
}

/** The request ran: its (capped) result. */
export interface CompletedOutput {
  readonly status: 'completed';
  readonly requestId: string;
  readonly sessionId: string;
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly unknown[])[];
  readonly rowCount: number;
  readonly truncated: boolean;
  /** What was masked: columns by lineage (or masked whole when lineage was unknown), and values the detectors found, per class. */
  readonly masking: {
    readonly maskedColumns: ReadonlyArray<{ column: string; dataClasses: string[]; reason: string }>;
    readonly detected: Readonly<Record<string, number>>;
    /** Classes this principal may see raw (Cedar data:unmask) that the result held. */
    readonly unmasked: readonly string[];
  };
  readonly decision: DecisionSummary;
}

/** The request needs a person's approval; it has not run. */
export interface ApprovalRequiredOutput {
  readonly status: 'approval_required';
  readonly requestId: string;
  readonly sessionId: string;
  readonly reason: string;
  readonly hint: string | undefined;
  readonly approval: ApprovalRequirement;
  readonly decision: DecisionSummary;
}

export type ExecuteSqlOutput = CompletedOutput | ApprovalRequiredOutput;

export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;
export const MAX_SQL_LENGTH = 100_000;
/** System sessions (e.g. the configuration audit trail) use this prefix; callers may not. */
export const RESERVED_SESSION_PREFIX = SYSTEM_SESSION_PREFIX;

const paramSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const bodySchema = z
  .object({
    sql: z
      .string()
      .min(1, 'sql must not be empty')
      .max(MAX_SQL_LENGTH, `sql is longer than ${MAX_SQL_LENGTH} characters`),
    params: z.array(paramSchema).max(1000, 'at most 1000 params').optional(),
  })
  .strict();

type Body = z.infer<typeof bodySchema>;

const parseBody = (raw: string): Body => {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new BadRequestError('The request body is not valid JSON.', 'invalid_json');
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new BadRequestError(`Invalid request body: ${path}${issue.message}.`);
  }
  return parsed.data;
};

const principalData = (p: Principal): JsonValue => ({
  sub: p.sub,
  issuer: p.issuer,
  groups: [...p.groups],
  tokenId: p.tokenId ?? null,
  actsFor: p.actsFor ?? null,
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const statementData = (s: StatementFacts): JsonValue => ({
  kind: s.kind,
  nodeType: s.nodeType,
  tables: [...s.tables],
  functions: [...s.functions],
});

const decisionData = (d: Decision): { [k: string]: JsonValue } => ({
  outcome: d.outcome,
  rule: d.rule,
  reason: d.reason,
  hint: d.hint ?? null,
  policyIds: [...d.policyIds],
  policyVersion: d.policyVersion,
});

/** Runs one SQL request end to end. Throws a TollgateError for every refusal. */
export const executeSql = async (deps: ExecuteSqlDeps, input: ExecuteSqlInput): Promise<ExecuteSqlOutput> => {
  if (!input.token) throw new UnauthenticatedError();
  const principal = await deps.identity.verify(input.token);

  if (input.sessionId?.startsWith(RESERVED_SESSION_PREFIX)) {
    throw new BadRequestError(
      `Session ids starting with ${RESERVED_SESSION_PREFIX} are reserved for the gateway.`,
    );
  }
  if (input.sessionId !== undefined && !SESSION_ID_PATTERN.test(input.sessionId)) {
    throw new BadRequestError(
      'X-Tollgate-Session must be 8-128 characters: letters, digits, . _ : - (starting with a letter or digit).',
    );
  }
  const sessionId = input.sessionId ?? deps.ids.newId();
  const { requestId } = input;
  const now = () => deps.clock.now().toISOString();
  const draft = (type: SessionEventType, data: EventDraft['data']): EventDraft => ({
    type,
    requestId,
    at: now(),
    data,
  });
  let receivedStored = false;
  const record = async (...drafts: EventDraft[]) => {
    const events = await deps.recorder.append(sessionId, drafts);
    if (drafts[0]?.type === 'request.received') receivedStored = true;
    return events;
  };

  await deps.recorder.open(sessionId, principal, now());

  let body: Body | undefined;
  let refusal: TollgateError | undefined;
  try {
    body = parseBody(input.rawBody);
  } catch (error) {
    refusal = error as TollgateError;
  }
  const received = draft('request.received', {
    principal: principalData(principal),
    connection: input.connectionName,
    // Literals in the SQL text can be personal data: the recording keeps the text with detected
    // values redacted, and the digest of the exact text (an auditor holding it can prove it).
    sql: body
      ? scrubText(body.sql, { strategyFor: () => ({ kind: 'redact' }), tokenKey: 'unused' }).text
      : null,
    sqlSha256: body ? sha256(body.sql) : null,
    // Parameter values may be personal data: the recording keeps their digest, not the values.
    paramCount: body?.params?.length ?? 0,
    paramsSha256: body?.params ? sha256(canonicalJson(body.params)) : null,
  });
  const failed = (error: TollgateError) =>
    draft('request.failed', { code: error.code, message: error.auditMessage });

  if (refusal || !body) {
    await record(received, failed(refusal!));
    throw refusal;
  }

  try {
    let connection: Connection | undefined;
    try {
      connection = await deps.connections.get(input.connectionName);
    } catch (error) {
      const known =
        error instanceof TollgateError
          ? error
          : new TollgateError('unavailable', 'The connections are unavailable.');
      await record(received, failed(known));
      throw known;
    }
    if (!connection) {
      const error = new NotFoundError('connection_not_found', `No connection named ${input.connectionName}.`);
      await record(received, failed(error));
      throw error;
    }

    const executor = deps.executors[connection.kind];
    const analyzer = deps.analyzers[connection.kind];
    if (!executor || !analyzer) {
      const error = new TollgateError(
        'internal_error',
        `Connections of kind ${connection.kind} are not served here.`,
      );
      await record(received, failed(error));
      throw error;
    }
    const facts = analyzer.analyze(body.sql);
    if (!facts.parseOk) {
      const error = new SqlUnparseableError(`The SQL does not parse as ${facts.dialect}: ${facts.error}.`, {
        position: facts.position ?? null,
      });
      await record(
        received,
        draft('request.decided', {
          outcome: 'block',
          rule: 'sql.unparseable',
          reason: error.message,
          hint: null,
          policyIds: [],
          policyVersion: 'analysis',
        }),
      );
      throw error;
    }
    const params = body.params ?? [];
    const shapeError =
      facts.statements.length === 0
        ? new BadRequestError('The SQL holds no statement.')
        : params.length > 0 && facts.statements.length > 1
          ? new BadRequestError('params can only be used with a single statement.')
          : undefined;
    if (shapeError) {
      await record(received, failed(shapeError));
      throw shapeError;
    }

    let engine: PolicyEngine;
    try {
      engine = await deps.policies.current();
    } catch (error) {
      const known =
        error instanceof TollgateError
          ? error
          : new TollgateError('policy_unavailable', 'The policies are unavailable.');
      await record(received, failed(known));
      throw known;
    }
    const decision = engine.decide({ principal, connection, facts });
    await record(
      received,
      draft('request.decided', {
        ...decisionData(decision),
        connection: describeConnection(connection),
        statements: facts.statements.map(statementData),
      }),
    );
    const summary = {
      rule: decision.rule,
      policyIds: decision.policyIds,
      policyVersion: decision.policyVersion,
    };
    if (decision.outcome === 'approval_required' && decision.approval) {
      return {
        status: 'approval_required',
        requestId,
        sessionId,
        reason: decision.reason,
        hint: decision.hint,
        approval: decision.approval,
        decision: summary,
      };
    }
    if (decision.outcome !== 'allow') {
      const details = { ...summary, ...(decision.hint ? { hint: decision.hint } : {}) };
      throw decision.outcome === 'deny'
        ? new DeniedError(decision.reason, details)
        : new BlockedError(decision.reason, details);
    }

    // Until approvals run writes exactly once, the executor only ever reads: a policy that allows
    // anything else (a custom pack permitting sql:admin, say) must not reach the target, where a
    // COMMIT or SET TRANSACTION could end or lift the read-only transaction.
    const notARead = facts.statements.findIndex((s) => !s.readOnly);
    if (notARead >= 0) {
      const error = new BlockedError(
        `Statement ${notARead + 1} is not a plain read; only reads run until approvals land.`,
        { rule: 'executor-reads-only', policyIds: [], policyVersion: decision.policyVersion },
      );
      await record(draft('request.failed', { code: error.code, message: error.message }));
      throw error;
    }

    // Request and decision are durable: only now may the target see the request.
    const started = deps.clock.now().getTime();
    let result: Awaited<ReturnType<TargetExecutor['read']>>;
    try {
      result = await executor.read(connection, {
        statements: facts.statements.map((s) => s.text),
        params,
        rowLimit: connection.limits.rowLimit,
        timeoutMs: connection.limits.statementTimeoutMs,
        maxResultBytes: connection.limits.maxResultBytes,
      });
    } catch (error) {
      let known =
        error instanceof TollgateError ? error : new TollgateError('target_error', 'The target failed.');
      // A database's error text can quote a value (`invalid input syntax for type integer:
      // "906-94-0318"`): on a connection with classified columns the agent gets the SQLSTATE only.
      if (known.code === 'target_error' && Object.keys(connection.classification).length > 0) {
        const state = typeof known.details?.sqlState === 'string' ? known.details.sqlState : null;
        known = new TargetError(
          `The target rejected the statement (SQLSTATE ${state ?? 'unknown'}); its message is withheld because ${connection.name} has classified columns.`,
          { details: { sqlState: state } },
        );
      }
      const durationMs = deps.clock.now().getTime() - started;
      const sqlState = typeof known.details?.sqlState === 'string' ? known.details.sqlState : null;
      await record(
        draft('request.failed', { code: known.code, message: known.auditMessage, sqlState, durationMs }),
      );
      throw known;
    }
    // Masking before anything else sees the rows: the agent, the recording, the logs.
    let masked: Awaited<ReturnType<typeof maskOutput>>;
    try {
      masked = await maskOutput({
        connection,
        executor,
        engine,
        principal,
        statement: facts.statements.at(-1)!,
        result,
        tokenKey: deps.masking.tokenKey,
        catalogs: deps.masking.catalogs,
      });
    } catch {
      // Fail closed: a result that cannot be masked is withheld, never returned raw.
      const error = new TollgateError(
        'internal_error',
        'The result could not be masked, so it was withheld.',
      );
      await record(draft('request.failed', { code: error.code, message: error.message }));
      throw error;
    }
    const masking = {
      maskedColumns: masked.report.maskedColumns.map((m) => ({
        column: m.column,
        dataClasses: [...m.dataClasses],
        reason: m.reason,
      })),
      detected: { ...masked.report.detected },
      unmasked: [...masked.report.unmasked],
    };
    await record(
      draft('request.completed', {
        rowCount: result.rowCount,
        truncated: result.truncated,
        columns: result.columns.map((c) => c.name),
        // Counts and column names only: recordings never hold result values.
        masking,
        durationMs: deps.clock.now().getTime() - started,
      }),
    );
    return {
      status: 'completed',
      requestId,
      sessionId,
      columns: masked.result.columns,
      rows: masked.result.rows,
      rowCount: masked.result.rowCount,
      truncated: masked.result.truncated,
      masking,
      decision: summary,
    };
  } catch (error) {
    // A failure inside the gateway (a bug, not a refusal) is recorded too, best effort.
    if (!(error instanceof TollgateError)) {
      const internal = new TollgateError(
        'internal_error',
        'The gateway failed; the request was not completed.',
      );
      await record(...(receivedStored ? [] : [received]), failed(internal)).catch(() => undefined);
    }
    throw error;
  }
};
