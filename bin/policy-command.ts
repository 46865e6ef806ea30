// `tollgate policy …`: validate, test, diff, push and list the versions of the Cedar policy set.
// The store is the session table (table-access.ts): on AWS when TOLLGATE_TABLE is set, else the
// local data dir, through the running local gateway when there is one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DynamoDbPolicyStore } from '../lambdas/adapters/aws/dynamodb-policy-store.js';
import { DynamoDbSessionStore } from '../lambdas/adapters/aws/dynamodb-session-store.js';
import { type PolicyFolder, readPolicyFolder, SCHEMA_FILE } from '../lambdas/adapters/config/policy-files.js';
import { createCedarPolicyEngine } from '../lambdas/core/policy/cedar-policy-engine.js';
import { goldenFileSchema, runGoldenCases } from '../lambdas/core/policy/golden-cases.js';
import {
  type CompiledPolicySet,
  compilePolicySet,
  PolicySetError,
} from '../lambdas/core/policy/policy-set.js';
import { diffPolicySets, policiesById, pushPolicies } from '../lambdas/core/policy/push-policies.js';
import type { SqlAnalyzer } from '../lambdas/core/ports.js';
import { SessionRecorder } from '../lambdas/core/recording/session-recorder.js';
import { mysqlAnalyzer } from '../lambdas/core/sql/analyze-mysql.js';
import { postgresAnalyzer } from '../lambdas/core/sql/analyze-postgres.js';
import type { Dialect } from '../lambdas/core/sql/facts.js';
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

export type { Env } from './cli-kit.js';
export type PolicyCommandIo = CommandIo;

export type PolicySubcommand = 'validate' | 'test' | 'diff' | 'push' | 'history';

/** The parsed options of `tollgate policy <subcommand>` (cli-program.ts); each takes some. */
export interface PolicyOptions {
  readonly dir?: string;
  readonly comment?: string;
  readonly as?: string;
  readonly limit?: number;
}

const ANALYZERS: Readonly<Partial<Record<Dialect, SqlAnalyzer>>> = {
  postgres: postgresAnalyzer,
  mysql: mysqlAnalyzer,
};

interface Context {
  readonly env: Env;
  readonly io: PolicyCommandIo;
  readonly cwd: string;
  readonly dir: string;
  readonly values: PolicyOptions;
}

const out = (ctx: Context, line = '') => ctx.io.stdout(`${line}\n`);
const shown = (ctx: Context, path: string) => shownPath(ctx.cwd, path);

const readFolder = (ctx: Context): PolicyFolder => {
  try {
    return readPolicyFolder(ctx.dir);
  } catch (error) {
    throw new UsageError(`cannot read the policy folder ${shown(ctx, ctx.dir)}: ${(error as Error).message}`);
  }
};

// --- validate and test ---------------------------------------------------------------------

/** Compiles the folder, printing the verdict; undefined when invalid. */
const validate = (ctx: Context, folder: PolicyFolder): CompiledPolicySet | undefined => {
  try {
    const set = compilePolicySet(folder.sources, folder.schema, folder.digest);
    out(
      ctx,
      `✓ ${Object.keys(set.policies).length} policies in ${shown(ctx, ctx.dir)} are valid (${folder.digest})`,
    );
    return set;
  } catch (error) {
    if (!(error instanceof PolicySetError)) throw error;
    out(ctx, `✗ ${shown(ctx, ctx.dir)} is invalid (${error.problems.length} problems):`);
    for (const problem of error.problems) out(ctx, `  - ${problem}`);
    return undefined;
  }
};

/** Runs every golden test file; answers the number of failures (invalid files count as one). */
const runTests = async (ctx: Context, set: CompiledPolicySet): Promise<number> => {
  const testDir = join(ctx.dir, 'tests');
  const files = existsSync(testDir)
    ? readdirSync(testDir)
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
    : [];
  if (files.length === 0) {
    out(ctx, `! no golden tests in ${shown(ctx, testDir)}`);
    return 0;
  }
  await Promise.all(Object.values(ANALYZERS).map((a) => a.load()));
  const engine = createCedarPolicyEngine(set);
  let passed = 0;
  let failed = 0;
  for (const name of files) {
    out(ctx, `${shown(ctx, join(testDir, name))}`);
    let file: ReturnType<typeof goldenFileSchema.parse>;
    try {
      const parsed = goldenFileSchema.safeParse(parseYaml(readFileSync(join(testDir, name), 'utf8')));
      if (!parsed.success) {
        failed++;
        out(ctx, `  ✗ the file is invalid:`);
        for (const issue of parsed.error.issues)
          out(ctx, `      ${issue.path.join('.') || '(file)'}: ${issue.message}`);
        continue;
      }
      file = parsed.data;
    } catch (error) {
      failed++;
      out(ctx, `  ✗ the file is not YAML: ${(error as Error).message}`);
      continue;
    }
    try {
      for (const result of runGoldenCases(file, engine, ANALYZERS)) {
        if (result.passed) {
          passed++;
          out(ctx, `  ✓ ${result.name}`);
        } else {
          failed++;
          out(ctx, `  ✗ ${result.name}: expected ${result.expected}, got ${result.actual}`);
          if (result.reason) out(ctx, `      ${result.reason}`);
        }
      }
    } catch (error) {
      failed++;
      out(ctx, `  ✗ the cases could not run: ${(error as Error).message}`);
    }
  }
  out(ctx, `${failed === 0 ? '✓' : '✗'} ${passed} passed, ${failed} failed`);
  return failed;
};

// --- the store -----------------------------------------------------------------------------

interface OpenStore {
  readonly policies: DynamoDbPolicyStore;
  readonly sessions: DynamoDbSessionStore;
  /** Where the store is, for messages. */
  readonly where: string;
}

const storesOver = ({ documentClient: client, tableName, where }: OpenTable): OpenStore => ({
  policies: new DynamoDbPolicyStore({ client, tableName }),
  sessions: new DynamoDbSessionStore({ client, tableName }),
  where,
});

const withStore = <T>(ctx: Context, use: (store: OpenStore) => Promise<T>): Promise<T> =>
  withTable(ctx.env, ctx.cwd, (table) => use(storesOver(table)));

// --- diff ----------------------------------------------------------------------------------

type DiffLine = { readonly op: ' ' | '-' | '+'; readonly text: string };

/** Line diff by longest common subsequence (policies are short). */
export const lineDiff = (before: string, after: string): DiffLine[] => {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > 4_000_000) {
    return [
      ...a.map((text) => ({ op: '-' as const, text })),
      ...b.map((text) => ({ op: '+' as const, text })),
    ];
  }
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ op: ' ', text: a[i++]! });
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      lines.push({ op: '-', text: a[i++]! });
    } else {
      lines.push({ op: '+', text: b[j++]! });
    }
  }
  return lines;
};

/** Changed lines with `context` lines around them; `…` marks what is left out. */
const hunks = (lines: readonly DiffLine[], context = 2): string[] => {
  const keep = lines.map((_line, index) =>
    lines.slice(Math.max(0, index - context), index + context + 1).some((l) => l.op !== ' '),
  );
  const shownLines: string[] = [];
  lines.forEach((line, index) => {
    if (keep[index]) shownLines.push(`    ${line.op} ${line.text}`);
    else if (keep[index - 1] || index === 0) shownLines.push('    …');
  });
  return shownLines;
};

const printDiff = (
  ctx: Context,
  before: { sources: PolicyFolder['sources']; schema: string } | undefined,
  after: PolicyFolder,
) => {
  const diff = diffPolicySets(before, after);
  const old = policiesById(before?.sources ?? []);
  const next = policiesById(after.sources);
  const indent = (text: string, op: string) => text.split('\n').map((line) => `    ${op} ${line}`);
  for (const id of diff.removed) {
    out(ctx, `- ${id}`);
    for (const line of indent(old.get(id)!.text, '-')) out(ctx, line);
  }
  for (const id of diff.added) {
    out(ctx, `+ ${id}`);
    for (const line of indent(next.get(id)!.text, '+')) out(ctx, line);
  }
  for (const id of diff.changed) {
    out(ctx, `~ ${id}`);
    for (const line of hunks(lineDiff(old.get(id)!.text, next.get(id)!.text))) out(ctx, line);
  }
  if (diff.schemaChanged) {
    out(ctx, `~ ${SCHEMA_FILE}`);
    for (const line of hunks(lineDiff(before!.schema, after.schema))) out(ctx, line);
  }
  const total = diff.added.length + diff.removed.length + diff.changed.length;
  if (total === 0 && !diff.schemaChanged)
    out(ctx, '  (no policy changed: only comments, layout or file names)');
  out(
    ctx,
    `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed` +
      (diff.schemaChanged ? ', schema changed' : ''),
  );
};

const diffCommand = async (ctx: Context): Promise<number> => {
  const folder = readFolder(ctx);
  return withStore(ctx, async ({ policies, where }) => {
    const active = await policies.active();
    if (!active) {
      out(ctx, `No version has been pushed to ${where}: the gateway enforces its bundled policies.`);
      out(ctx, `Pushing ${shown(ctx, ctx.dir)} would store:`);
      printDiff(ctx, undefined, folder);
      return 0;
    }
    if (active.digest === folder.digest) {
      out(ctx, `✓ ${shown(ctx, ctx.dir)} matches the active version v${active.version} (${active.digest})`);
      return 0;
    }
    out(
      ctx,
      `From the active version v${active.version} (${active.digest}, ${active.createdBy}, ${active.createdAt}) ` +
        `to ${shown(ctx, ctx.dir)} (${folder.digest}):`,
    );
    printDiff(ctx, active, folder);
    return 0;
  });
};

// --- push and history ----------------------------------------------------------------------

const pushCommand = async (ctx: Context): Promise<number> => {
  const actor = operatorName(ctx.values.as, ctx.env);
  const folder = readFolder(ctx);
  const set = validate(ctx, folder);
  if (!set) {
    out(ctx, '✗ Not pushed: the policy set is invalid.');
    return 1;
  }
  const failures = await runTests(ctx, set);
  if (failures > 0) {
    out(ctx, `✗ Not pushed: ${failures} golden test${failures === 1 ? '' : 's'} failed.`);
    return 1;
  }
  return withStore(ctx, async ({ policies, sessions, where }) => {
    const result = await pushPolicies(
      { store: policies, recorder: new SessionRecorder(sessions), clock: { now: () => new Date() } },
      {
        sources: folder.sources,
        schema: folder.schema,
        digest: folder.digest,
        actor,
        comment: ctx.values.comment,
      },
    );
    if (result.outcome === 'unchanged') {
      out(ctx, `✓ Nothing to push: ${shown(ctx, ctx.dir)} is already the active version v${result.version}.`);
      return 0;
    }
    if (result.outcome === 'conflict') {
      out(ctx, '✗ Not pushed: other pushes got there first. Run `tollgate policy diff`, then push again.');
      return 1;
    }
    const { diff, version, previousVersion } = result;
    out(
      ctx,
      `✓ Pushed v${version.version}${previousVersion ? ` (was v${previousVersion})` : ''} to ${where} as ${actor}: ` +
        `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed` +
        `${diff.schemaChanged ? ', schema changed' : ''}.`,
    );
    for (const [mark, ids] of [
      ['+', diff.added],
      ['-', diff.removed],
      ['~', diff.changed],
    ] as const) {
      for (const id of ids) out(ctx, `  ${mark} ${id}`);
    }
    out(ctx, 'Gateways enforce it within their refresh interval (2 s locally, 30 s on AWS).');
    return 0;
  });
};

const historyCommand = async (ctx: Context): Promise<number> => {
  return withStore(ctx, async ({ policies, where }) => {
    const versions = await policies.list(ctx.values.limit ?? 20);
    if (versions.length === 0) {
      out(ctx, `No version has been pushed to ${where}: the gateway enforces its bundled policies.`);
      return 0;
    }
    for (const line of historyLines(`Policy versions in ${where}`, versions)) out(ctx, line);
    return 0;
  });
};

// --- entry ---------------------------------------------------------------------------------

/** Runs `tollgate policy <subcommand>` on parsed options; answers 0 (ok) or 1 (failed), throws UsageError. */
export async function runPolicy(
  sub: PolicySubcommand,
  options: PolicyOptions,
  cli: CliContext,
): Promise<number> {
  const ctx: Context = {
    env: cli.env,
    io: cli.io,
    cwd: cli.cwd,
    dir: resolve(cli.cwd, options.dir ?? 'policies'),
    values: options,
  };
  switch (sub) {
    case 'validate':
      return validate(ctx, readFolder(ctx)) ? 0 : 1;
    case 'test': {
      const set = validate(ctx, readFolder(ctx));
      return set && (await runTests(ctx, set)) === 0 ? 0 : 1;
    }
    case 'diff':
      return diffCommand(ctx);
    case 'push':
      return pushCommand(ctx);
    case 'history':
      return historyCommand(ctx);
  }
}

/** Runs `tollgate policy <args>` in this process; answers the exit code (0 ok, 1 failed, 2 usage). */
export const policyCommand = (
  args: readonly string[],
  env: Env,
  io: PolicyCommandIo = processIo,
): Promise<number> => {
  const ctx = cliContext(env, io);
  return runCli(buildProgram(ctx), ['policy', ...args], ctx);
};
