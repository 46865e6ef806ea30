// Pushing a connection list: validate it (an invalid list never reaches the store), then record
// the change in the hash-chained `config-audit` session and make it the active version, in that
// order (versioned-push.ts). The whole list is one version.
//
// Audit events never hold a target's locator: a URL can carry a password. A target is recorded
// as its kind (`url`, `urlEnv` with the variable's name, `demo`) or its Secrets Manager ARN,
// which names the secret without revealing it.
import { createHash } from 'node:crypto';
import type { StoredConnectionSet } from '../ports.js';
import { canonicalJson, type JsonValue } from '../recording/canonical-json.js';
import type { SessionEventType } from '../recording/events.js';
import { type Connection, connectionsSchema, type TargetLocator } from './connection.js';
import {
  type Actor,
  pushVersion,
  type VersionedPushDeps,
  type VersionedPushResult,
} from './versioned-push.js';

export const CONNECTIONS_CHANGED: SessionEventType = 'connections.changed';
export const CONNECTIONS_CHANGE_FAILED: SessionEventType = 'connections.change-failed';

/** A Secrets Manager secret's full ARN (as lib/tollgate-stack.ts checks it). */
export const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;
/** Leaves time, within API Gateway's 30 s, for recording the outcome and answering. */
export const MAX_AWS_STATEMENT_TIMEOUT_MS = 25_000;

export interface ConnectionRules {
  /**
   * Rules of the AWS runtime on top of the schema: targets are Secrets Manager ARNs, statement
   * timeouts at most 25 s.
   */
  readonly aws: boolean;
}

/** Every problem of an invalid connection list, each with its path. */
export class ConnectionSetError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The connection list is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConnectionSetError';
  }
}

const nameOrder = (a: Connection, b: Connection) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const pathOf = (path: readonly PropertyKey[]) =>
  `connections${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;

/** Problems of a valid list on AWS (none when `rules.aws` is false). */
const runtimeProblems = (connections: readonly Connection[], rules: ConnectionRules): string[] => {
  if (!rules.aws) return [];
  const problems: string[] = [];
  connections.forEach((connection, index) => {
    const where = `connections[${index}] (${connection.name})`;
    if (!('secretArn' in connection.target)) {
      problems.push(
        `${where}: on AWS the target must be {"secretArn": "arn:aws:secretsmanager:…"}; url, urlEnv and demo targets are for local runs`,
      );
    } else if (!SECRET_ARN.test(connection.target.secretArn)) {
      problems.push(
        `${where}: secretArn must be the full ARN of a Secrets Manager secret, got ${connection.target.secretArn}`,
      );
    }
    if (connection.limits.statementTimeoutMs > MAX_AWS_STATEMENT_TIMEOUT_MS) {
      problems.push(
        `${where}: limits.statementTimeoutMs must be at most ${MAX_AWS_STATEMENT_TIMEOUT_MS} on AWS (API Gateway answers at 30 s), got ${connection.limits.statementTimeoutMs}`,
      );
    }
  });
  return problems;
};

/**
 * Validates a connection list (as written, or as stored) with the schema and the runtime's
 * rules; answers the connections with defaults applied, by name, or every problem.
 */
export const validateConnections = (
  raw: unknown,
  rules: ConnectionRules,
):
  | { readonly ok: true; readonly connections: Connection[] }
  | { readonly ok: false; readonly problems: string[] } => {
  const parsed = connectionsSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => `${pathOf(issue.path)}: ${issue.message}`),
    };
  }
  const problems = runtimeProblems(parsed.data, rules);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    connections: [...parsed.data].sort(nameOrder),
  };
};

/** Validates, or throws ConnectionSetError listing every problem. */
export const parseConnections = (raw: unknown, rules: ConnectionRules): Connection[] => {
  const result = validateConnections(raw, rules);
  if (!result.ok) throw new ConnectionSetError(result.problems);
  return result.connections;
};

/**
 * `connections:<12 hex>`: a digest of a validated list. Order, layout and spelled-out defaults do
 * not change it.
 */
export const connectionSetDigest = (connections: readonly Connection[]): string => {
  const sorted = [...connections].sort(nameOrder);
  return `connections:${createHash('sha256').update(canonicalJson(sorted)).digest('hex').slice(0, 12)}`;
};

/** A target as recordings and listings may show it: never a URL. */
export const describeTarget = (target: TargetLocator): { [k: string]: JsonValue } => {
  if ('secretArn' in target) return { kind: 'secretArn', secretArn: target.secretArn };
  if ('urlEnv' in target) return { kind: 'urlEnv', variable: target.urlEnv };
  if ('url' in target) return { kind: 'url' };
  return { kind: 'demo' };
};

/** Lenient view of a stored target (stored data may predate the schema). */
const describeStoredTarget = (target: unknown): { [k: string]: JsonValue } => {
  const t = (target ?? {}) as Record<string, unknown>;
  if (typeof t.secretArn === 'string') return { kind: 'secretArn', secretArn: t.secretArn };
  if (typeof t.urlEnv === 'string') return { kind: 'urlEnv', variable: t.urlEnv };
  if ('url' in t) return { kind: 'url' };
  if ('demo' in t) return { kind: 'demo' };
  return { kind: 'unknown' };
};

/** A connection as recordings and listings may show it: every field, the target redacted. */
export const redactConnection = (connection: unknown): { [k: string]: JsonValue } => {
  const { target, ...rest } = (connection ?? {}) as Record<string, unknown>;
  return {
    ...(JSON.parse(JSON.stringify(rest)) as { [k: string]: JsonValue }),
    target: describeStoredTarget(target),
  };
};

/** What a push changes, by connection name. */
export interface ConnectionDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  /** For each changed connection, its top-level fields that differ (`target`, `allowGroups`, …). */
  readonly fields: Readonly<Record<string, readonly string[]>>;
}

/** Connections of a list by name; entries without a name are skipped (validation judges them). */
export const connectionsByName = (
  list: readonly unknown[] | undefined,
): Map<string, Record<string, unknown>> => {
  const byName = new Map<string, Record<string, unknown>>();
  for (const entry of list ?? []) {
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name === 'string') byName.set(name, entry as Record<string, unknown>);
  }
  return byName;
};

/** Connections added, removed and changed from `before` (undefined: nothing) to `after`. */
export const diffConnectionSets = (
  before: readonly unknown[] | undefined,
  after: readonly unknown[],
): ConnectionDiff => {
  const old = connectionsByName(before);
  const next = connectionsByName(after);
  const sorted = (names: Iterable<string>) => [...names].sort();
  const fields: Record<string, string[]> = {};
  for (const [name, connection] of next) {
    const previous = old.get(name);
    if (!previous) continue;
    const differing = sorted(
      new Set(
        [...Object.keys(previous), ...Object.keys(connection)].filter(
          (key) => canonicalJson(previous[key] ?? null) !== canonicalJson(connection[key] ?? null),
        ),
      ),
    );
    if (differing.length > 0) fields[name] = differing;
  }
  return {
    added: sorted([...next.keys()].filter((name) => !old.has(name))),
    removed: sorted([...old.keys()].filter((name) => !next.has(name))),
    changed: sorted(Object.keys(fields)),
    fields,
  };
};

export type PushConnectionsDeps = VersionedPushDeps<StoredConnectionSet>;

export interface PushConnectionsInput {
  /** The list as written (validated here). */
  readonly connections: unknown;
  /** The runtime's rules: `{ aws: true }` when the store is the stack's table. */
  readonly rules: ConnectionRules;
  readonly actor: Actor;
  readonly comment?: string;
}

export type PushConnectionsResult = VersionedPushResult<StoredConnectionSet, ConnectionDiff>;

/**
 * Validates and activates a connection list. Throws ConnectionSetError (listing every problem)
 * for an invalid list and RecordingUnavailableError when the change cannot be recorded — in both
 * cases nothing is activated. Store failures propagate after the failure is recorded.
 */
export const pushConnections = async (
  deps: PushConnectionsDeps,
  input: PushConnectionsInput,
): Promise<PushConnectionsResult> => {
  const connections = parseConnections(input.connections, input.rules);
  return pushVersion(deps, {
    kind: 'connections',
    events: { changed: CONNECTIONS_CHANGED, failed: CONNECTIONS_CHANGE_FAILED },
    digest: connectionSetDigest(connections),
    actor: input.actor,
    comment: input.comment,
    content: { connections },
    change: (active) => {
      const diff = diffConnectionSets(active?.connections, connections);
      const byName = connectionsByName(connections);
      return {
        change: diff,
        data: {
          added: [...diff.added],
          removed: [...diff.removed],
          changed: [...diff.changed],
          changedFields: Object.fromEntries(Object.entries(diff.fields).map(([name, f]) => [name, [...f]])),
          // Who may now reach what: the added and changed connections as they are now, redacted.
          connections: [...diff.added, ...diff.changed]
            .sort()
            .map((name) => redactConnection(byName.get(name))),
          connectionCount: connections.length,
        },
      };
    },
  });
};
