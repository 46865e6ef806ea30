// `tollgate connection …`: validate, diff, push and list the versions of the connection list.
// The list is read from the local configuration file (TOLLGATE_CONFIG, default tollgate.yaml)
// or --file: a tollgate.yaml (its `connections`) or a YAML list of connections. The store is the
// session table (table-access.ts): on AWS when TOLLGATE_TABLE is set — and then targets must be
// Secrets Manager ARNs — else the local data dir, through the running local gateway if any.
//
// Nothing here prints a target's URL: a URL can hold a password. Targets show as their kind, the
// environment variable's name, or the secret's ARN.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DynamoDbConnectionStore } from '../lambdas/adapters/aws/dynamodb-connection-store.js';
import { DynamoDbSessionStore } from '../lambdas/adapters/aws/dynamodb-session-store.js';
import type { Connection } from '../lambdas/core/config/connection.js';
import {
  type ConnectionRules,
  connectionSetDigest,
  connectionsByName,
  diffConnectionSets,
  pushConnections,
  redactConnection,
  validateConnections,
} from '../lambdas/core/config/push-connections.js';
import { canonicalJson } from '../lambdas/core/recording/canonical-json.js';
import { SessionRecorder } from '../lambdas/core/recording/session-recorder.js';
import {
  type CliContext,
  type CommandIo,
  cliContext,
  type Env,
  processIo,
  runCli,
  shownPath,
  UsageError,
} from './cli-kit.js';
import { buildProgram } from './cli-program.js';
import { historyLines, type OpenTable, operatorName, withTable } from './table-access.js';

export type ConnectionSubcommand = 'validate' | 'diff' | 'push' | 'history';

/** The parsed options of `tollgate connection <subcommand>` (cli-program.ts); each takes some. */
export interface ConnectionOptions {
  readonly file?: string;
  readonly comment?: string;
  readonly as?: string;
  readonly limit?: number;
}

interface Context {
  readonly env: Env;
  readonly io: CommandIo;
  readonly cwd: string;
  readonly file: string;
  /** AWS rules apply when the store is the stack's table. */
  readonly rules: ConnectionRules;
  readonly values: ConnectionOptions;
}

const out = (ctx: Context, line = '') => ctx.io.stdout(`${line}\n`);
const shownFile = (ctx: Context) => shownPath(ctx.cwd, ctx.file);

/** The connections of the file, as written. */
const readFile = (ctx: Context): unknown => {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(ctx.file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${shownFile(ctx)}: ${(error as Error).message}`);
  }
  if (Array.isArray(document)) return document;
  if (document && typeof document === 'object' && 'connections' in document)
    return (document as { connections: unknown }).connections;
  throw new UsageError(
    `${shownFile(ctx)} has no connections: give a tollgate.yaml or a YAML list of connections`,
  );
};

/** Validates the file's connections, printing the verdict; undefined when invalid. */
const validate = (ctx: Context): Connection[] | undefined => {
  const result = validateConnections(readFile(ctx), ctx.rules);
  const rules = ctx.rules.aws ? ' for AWS' : '';
  if (!result.ok) {
    out(ctx, `✗ ${shownFile(ctx)} is invalid${rules} (${result.problems.length} problems):`);
    for (const problem of result.problems) out(ctx, `  - ${problem}`);
    return undefined;
  }
  const count = result.connections.length;
  out(
    ctx,
    `✓ ${count} connection${count === 1 ? '' : 's'} in ${shownFile(ctx)} ${count === 1 ? 'is' : 'are'} valid${rules} ` +
      `(${connectionSetDigest(result.connections)})`,
  );
  return result.connections;
};

// --- the store -----------------------------------------------------------------------------

interface OpenStore {
  readonly connections: DynamoDbConnectionStore;
  readonly sessions: DynamoDbSessionStore;
  /** Where the store is, for messages. */
  readonly where: string;
}

const storesOver = ({ documentClient: client, tableName, where }: OpenTable): OpenStore => ({
  connections: new DynamoDbConnectionStore({ client, tableName }),
  sessions: new DynamoDbSessionStore({ client, tableName }),
  where,
});

const withStore = <T>(ctx: Context, use: (store: OpenStore) => Promise<T>): Promise<T> =>
  withTable(ctx.env, ctx.cwd, (table) => use(storesOver(table)));

// --- diff ----------------------------------------------------------------------------------

/** A field's value as shown: JSON, with the target redacted. */
const shownValue = (field: string, connection: Record<string, unknown>): string => {
  if (field === 'target') {
    const target = redactConnection(connection).target as Record<string, string>;
    return target.kind === 'secretArn'
      ? `secretArn ${target.secretArn}`
      : target.kind === 'urlEnv'
        ? `urlEnv ${target.variable}`
        : target.kind!;
  }
  return field in connection ? canonicalJson(connection[field]) : '(none)';
};

/** `kind, environment, target`: one line about a connection. */
const summary = (connection: Record<string, unknown>) =>
  `${String(connection.kind)}, ${String(connection.environment)}, allowGroups ${canonicalJson(connection.allowGroups ?? [])}, ` +
  `target ${shownValue('target', connection)}`;

const printDiff = (ctx: Context, before: readonly unknown[] | undefined, after: readonly Connection[]) => {
  const diff = diffConnectionSets(before, after);
  const old = connectionsByName(before);
  const next = connectionsByName(after);
  for (const name of diff.removed) out(ctx, `- ${name}  (${summary(old.get(name)!)})`);
  for (const name of diff.added) out(ctx, `+ ${name}  (${summary(next.get(name)!)})`);
  for (const name of diff.changed) {
    out(ctx, `~ ${name}`);
    for (const field of diff.fields[name] ?? []) {
      const was = shownValue(field, old.get(name)!);
      const now = shownValue(field, next.get(name)!);
      // A target can change where its kind does not (another URL): say so without showing it.
      out(ctx, `    ${field}: ${was} → ${now}${was === now ? ' (changed)' : ''}`);
    }
  }
  out(ctx, `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`);
};

const diffCommand = async (ctx: Context): Promise<number> => {
  const connections = validate(ctx);
  if (!connections) return 1;
  const digest = connectionSetDigest(connections);
  return withStore(ctx, async ({ connections: store, where }) => {
    const active = await store.active();
    if (!active) {
      out(
        ctx,
        `No version has been pushed to ${where}: gateways serve the connections they started with ` +
          '(tollgate.yaml locally, the stack’s connections on AWS).',
      );
      out(ctx, `Pushing ${shownFile(ctx)} would store:`);
      printDiff(ctx, undefined, connections);
      return 0;
    }
    if (active.digest === digest) {
      out(ctx, `✓ ${shownFile(ctx)} matches the active version v${active.version} (${digest})`);
      return 0;
    }
    out(
      ctx,
      `From the active version v${active.version} (${active.digest}, ${active.createdBy}, ${active.createdAt}) ` +
        `to ${shownFile(ctx)} (${digest}):`,
    );
    printDiff(ctx, active.connections, connections);
    return 0;
  });
};

// --- push and history ----------------------------------------------------------------------

const pushCommand = async (ctx: Context): Promise<number> => {
  const actor = operatorName(ctx.values.as, ctx.env);
  const connections = validate(ctx);
  if (!connections) {
    out(ctx, '✗ Not pushed: the connections are invalid.');
    return 1;
  }
  return withStore(ctx, async ({ connections: store, sessions, where }) => {
    const result = await pushConnections(
      { store, recorder: new SessionRecorder(sessions), clock: { now: () => new Date() } },
      { connections, rules: ctx.rules, actor, comment: ctx.values.comment },
    );
    if (result.outcome === 'unchanged') {
      out(ctx, `✓ Nothing to push: ${shownFile(ctx)} is already the active version v${result.version}.`);
      return 0;
    }
    if (result.outcome === 'conflict') {
      out(
        ctx,
        '✗ Not pushed: other pushes got there first. Run `tollgate connection diff`, then push again.',
      );
      return 1;
    }
    const { change: diff, version, previousVersion } = result;
    out(
      ctx,
      `✓ Pushed v${version.version}${previousVersion ? ` (was v${previousVersion})` : ''} to ${where} as ${actor}: ` +
        `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed.`,
    );
    for (const name of diff.added) out(ctx, `  + ${name}`);
    for (const name of diff.removed) out(ctx, `  - ${name}`);
    for (const name of diff.changed) out(ctx, `  ~ ${name} (${(diff.fields[name] ?? []).join(', ')})`);
    out(ctx, 'Gateways serve it within their refresh interval (2 s locally, 30 s on AWS).');
    if (ctx.rules.aws) {
      out(
        ctx,
        'The SQL function reads only the secrets the stack grants it: declare new secrets in its `connections` context.',
      );
    }
    return 0;
  });
};

const historyCommand = async (ctx: Context): Promise<number> => {
  return withStore(ctx, async ({ connections: store, where }) => {
    const versions = await store.list(ctx.values.limit ?? 20);
    if (versions.length === 0) {
      out(ctx, `No version has been pushed to ${where}: gateways serve the connections they started with.`);
      return 0;
    }
    for (const line of historyLines(`Connection list versions in ${where}`, versions)) out(ctx, line);
    return 0;
  });
};

// --- entry ---------------------------------------------------------------------------------

/** Runs `tollgate connection <subcommand>` on parsed options; answers 0 (ok) or 1 (failed), throws UsageError. */
export async function runConnection(
  sub: ConnectionSubcommand,
  options: ConnectionOptions,
  cli: CliContext,
): Promise<number> {
  const { env, cwd } = cli;
  const ctx: Context = {
    env,
    io: cli.io,
    cwd,
    file: resolve(cwd, options.file ?? (env.TOLLGATE_CONFIG || 'tollgate.yaml')),
    rules: { aws: Boolean(env.TOLLGATE_TABLE) },
    values: options,
  };
  switch (sub) {
    case 'validate':
      return validate(ctx) ? 0 : 1;
    case 'diff':
      return diffCommand(ctx);
    case 'push':
      return pushCommand(ctx);
    case 'history':
      return historyCommand(ctx);
  }
}

/** Runs `tollgate connection <args>` in this process; answers the exit code (0 ok, 1 failed, 2 usage). */
export const connectionCommand = (
  args: readonly string[],
  env: Env,
  io: CommandIo = processIo,
): Promise<number> => {
  const ctx = cliContext(env, io);
  return runCli(buildProgram(ctx), ['connection', ...args], ctx);
};
