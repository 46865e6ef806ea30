// `tollgate policy replay`: backtests a candidate policy folder on recorded history. Every decision
// recorded in the period is decided again on the questions the gateway recorded with it
// (lambdas/core/evidence/policy-replay.ts), and what would change is reported by rule, with
// examples. The events come from the recordings archive (S3 on AWS, the local data dir's S3
// stand-in) or, with --bundle, from an evidence bundle's segments/ folder (no store at all).
// Text agents wrote (SQL, names) is shown with control and bidirectional characters escaped.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readPolicyFolder } from '../lambdas/adapters/config/policy-files.js';
import { parseInstant as instantOf } from '../lambdas/core/evidence/instant.js';
import {
  type ChangeKind,
  type PolicyReplayReport,
  type ReplayApproval,
  type ReplayChange,
  replayPolicy,
} from '../lambdas/core/evidence/policy-replay.js';
import { createCedarPolicyEngine } from '../lambdas/core/policy/cedar-policy-engine.js';
import { compilePolicySet, PolicySetError } from '../lambdas/core/policy/policy-set.js';
import type { ArchiveReader, PolicyEngine } from '../lambdas/core/ports.js';
import type { JsonValue } from '../lambdas/core/recording/canonical-json.js';
import type { SessionEvent } from '../lambdas/core/recording/events.js';
import { type CliContext, localDataDir, oneLine, shownPath, UsageError } from './cli-kit.js';
import { formatDuration } from './option-values.js';

/** The parsed options of `tollgate policy replay` (cli-program.ts). */
export interface PolicyReplayOptions {
  readonly policies: string;
  readonly from?: string;
  readonly to?: string;
  readonly bundle?: string;
  readonly json?: boolean;
}

/** Days listed from the archive at most: longer periods are replayed in parts. */
export const MAX_PERIOD_DAYS = 366;
/** Archive objects read at once. */
const PARALLEL_READS = 8;
/** SQL longer than this is cut in the text summary (--json has all of it). */
const SQL_SHOWN = 500;
const DAY_MS = 86_400_000;

const messageOf = (error: unknown) => oneLine(error instanceof Error ? error.message : String(error));

// --- the period ----------------------------------------------------------------------------------

/** An ISO 8601 instant (lambdas/core/evidence/instant.ts): --from starts, --to ends, a bare date. */
export const parseInstant = (option: 'from' | 'to', text: string): Date => {
  const read = instantOf(`--${option}`, text, option === 'from' ? 'start' : 'end');
  if (typeof read === 'string') throw new UsageError(read);
  return read;
};

interface Period {
  readonly from: Date | undefined;
  readonly to: Date | undefined;
}

/** The period a bundle's manifest says it covers, when it says one. */
const bundlePeriod = (bundle: string): Period => {
  try {
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as {
      period?: { from?: unknown; to?: unknown };
    };
    const at = (value: unknown) =>
      typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : undefined;
    return { from: at(manifest.period?.from), to: at(manifest.period?.to) };
  } catch {
    return { from: undefined, to: undefined };
  }
};

const periodOf = (ctx: CliContext, options: PolicyReplayOptions): Period => {
  const bundle = options.bundle === undefined ? undefined : bundlePeriod(resolve(ctx.cwd, options.bundle));
  const from = options.from === undefined ? bundle?.from : parseInstant('from', options.from);
  const to = options.to === undefined ? bundle?.to : parseInstant('to', options.to);
  if (options.bundle === undefined && (!from || !to))
    throw new UsageError(
      "--from and --to are needed to read the archive (with --bundle they default to the bundle's period)",
    );
  if (from && to && from.getTime() > to.getTime())
    throw new UsageError(`--from ${from.toISOString()} is after --to ${to.toISOString()}`);
  return { from, to };
};

// --- the candidate -------------------------------------------------------------------------------

const candidateOf = (ctx: CliContext, dir: string): PolicyEngine => {
  const shown = shownPath(ctx.cwd, dir);
  let folder: ReturnType<typeof readPolicyFolder>;
  try {
    folder = readPolicyFolder(dir);
  } catch (error) {
    throw new UsageError(`cannot read the policy folder ${shown}: ${messageOf(error)}`);
  }
  try {
    return createCedarPolicyEngine(compilePolicySet(folder.sources, folder.schema, folder.digest));
  } catch (error) {
    if (!(error instanceof PolicySetError)) throw error;
    throw new Error(
      `the candidate ${shown} is invalid (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}; ` +
        `see tollgate policy validate --dir ${shown}): ${error.problems.map(oneLine).join('; ')}`,
    );
  }
};

// --- the recorded events -------------------------------------------------------------------------

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The events of one segment that the replay reads (decisions, and the SQL of received requests);
 * a line that is not a recorded event fails the whole replay: nothing is left out unsaid.
 */
const eventsOfSegment = (body: string, source: string): SessionEvent[] => {
  const events: SessionEvent[] = [];
  for (const [index, line] of body.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${source} line ${index + 1} is not JSON`);
    }
    if (
      !isObject(value) ||
      typeof value.sessionId !== 'string' ||
      !Number.isSafeInteger(value.seq) ||
      typeof value.type !== 'string' ||
      typeof value.requestId !== 'string' ||
      typeof value.at !== 'string' ||
      !isObject(value.data)
    )
      throw new Error(`${source} line ${index + 1} is not a recorded event`);
    const event = value as unknown as SessionEvent;
    if (event.type === 'request.decided') events.push(event);
    else if (event.type === 'request.received')
      // Only its SQL is shown: the rest need not be held for a long period.
      events.push({ ...event, data: { sql: (event.data.sql ?? null) as JsonValue } });
  }
  return events;
};

/** Every `*.ndjson` below `dir`, in name order. */
const ndjsonFiles = (dir: string): string[] =>
  (readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.ndjson') && statSync(join(dir, name)).isFile())
    .sort();

const bundleEvents = (ctx: CliContext, bundle: string): { events: SessionEvent[]; where: string } => {
  const segments = join(bundle, 'segments');
  const where = `the bundle ${shownPath(ctx.cwd, bundle)}`;
  if (!existsSync(segments) || !statSync(segments).isDirectory())
    throw new UsageError(`${where} has no segments/ folder`);
  const events: SessionEvent[] = [];
  for (const name of ndjsonFiles(segments)) {
    const path = join(segments, name);
    events.push(...eventsOfSegment(readFileSync(path, 'utf8'), shownPath(ctx.cwd, path)));
  }
  return { events, where };
};

/** `yyyy-mm-dd` of every day whose archive folder may hold events of the period. */
export const archiveDays = (from: Date, to: Date): string[] => {
  // A segment lives under the day of its first event, so events just after midnight may be in
  // the previous day's folder: it is read too.
  const first = Math.floor(from.getTime() / DAY_MS) - 1;
  const last = Math.floor(to.getTime() / DAY_MS);
  const days: string[] = [];
  for (let day = first; day <= last; day++) days.push(new Date(day * DAY_MS).toISOString().slice(0, 10));
  return days;
};

const inParallel = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

const archiveEvents = async (archive: ArchiveReader, days: readonly string[]): Promise<SessionEvent[]> => {
  const keys = (await inParallel(days, PARALLEL_READS, (day) => archive.list(`recordings/${day}/`)))
    .flat()
    .filter((key) => key.endsWith('.ndjson'));
  const bodies = await inParallel(keys, PARALLEL_READS, async (key) => ({
    key,
    body: await archive.get(key),
  }));
  return bodies.flatMap(({ key, body }) => (body === undefined ? [] : eventsOfSegment(body, key)));
};

const storeEvents = async (ctx: CliContext, period: { readonly from: Date; readonly to: Date }) => {
  const days = archiveDays(period.from, period.to);
  if (days.length - 1 > MAX_PERIOD_DAYS)
    throw new UsageError(`the period is longer than ${MAX_PERIOD_DAYS} days: replay it in parts`);
  if (!ctx.env.TOLLGATE_RECORDINGS_BUCKET && !existsSync(localDataDir(ctx.env, ctx.cwd)))
    throw new UsageError(
      `no recordings: the local data dir ${shownPath(ctx.cwd, localDataDir(ctx.env, ctx.cwd))} does not exist ` +
        '(set TOLLGATE_DATA_DIR or TOLLGATE_RECORDINGS_BUCKET, or replay a bundle with --bundle)',
    );
  // Loaded only here: a bundle replay touches no store and loads no AWS SDK.
  const { openArchive } = await import('./table-access.js');
  let opened: Awaited<ReturnType<typeof openArchive>>;
  try {
    opened = await openArchive(ctx.env, ctx.cwd);
  } catch (error) {
    throw new Error(`cannot open the recordings archive: ${messageOf(error)}`);
  }
  try {
    return { events: await archiveEvents(opened.archive, days), where: opened.where };
  } catch (error) {
    throw new Error(`cannot read the recordings in ${opened.where}: ${messageOf(error)}`);
  } finally {
    await opened.close();
  }
};

// --- the summary ---------------------------------------------------------------------------------

/** Characters that move the cursor, recolour, or reorder text; `layout` keeps newlines and tabs. */
const hidden = (code: number, layout: boolean): boolean =>
  (code < 0x20 && !(layout && (code === 0x0a || code === 0x09))) ||
  (code >= 0x7f && code <= 0x9f) ||
  code === 0x061c ||
  (code >= 0x200b && code <= 0x200f) ||
  (code >= 0x2028 && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069) ||
  code === 0xfeff;

const escaped = (text: string, layout = false): string =>
  Array.from(text, (ch) => {
    const code = ch.codePointAt(0)!;
    return hidden(code, layout) ? `\\u{${code.toString(16)}}` : ch;
  }).join('');

/** JSON whose strings hold no character a terminal would act on (JSON escapes only C0 controls). */
const safeJson = (value: unknown): string =>
  JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

const TITLES: Readonly<Record<ChangeKind, string>> = {
  'now-refused': 'Would be refused, permitted then',
  'approval-added': 'Would need an approval, ran without one then',
  'now-permitted': 'Would be permitted, refused then',
  'approval-dropped': 'Would run without the approval needed then',
  'refusal-changed': 'Refused either way, now otherwise (deny ↔ block)',
  'rule-changed': 'The same outcome, by another rule',
  'approval-changed': 'Held either way, with another approval requirement',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const sqlLines = (sql: string | null): string[] => {
  if (sql === null) return ['      (its request is not in the recordings read)'];
  const cut = sql.length > SQL_SHOWN ? `${Array.from(sql).slice(0, SQL_SHOWN).join('')}…` : sql;
  return escaped(cut, true)
    .split('\n')
    .map((line) => `      ${line}`);
};

/** `2 of reviewers within 1h, a justification, at most 50 rows`. */
const approvalText = (a: ReplayApproval): string =>
  [
    `${a.quorum} of ${escaped(a.group)} within ${formatDuration(a.ttlSeconds)}`,
    ...(a.justificationRequired ? ['a justification'] : []),
    ...(a.maxAffectedRows === null ? [] : [`at most ${a.maxAffectedRows} rows`]),
  ].join(', ');

const changeLines = (change: ReplayChange): string[] => {
  const was = Object.entries(change.recordedRules)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([rule, n]) => `${escaped(rule)}: ${n}`)
    .join(', ');
  const lines = [
    `  ${change.from} → ${change.to} by ${escaped(change.rule)}: ${plural(change.count, 'decision')} (was ${was})`,
  ];
  for (const e of change.examples) {
    lines.push(
      `    ${e.at}  ${escaped(e.sub)} on ${escaped(e.connection)}  session ${escaped(e.sessionId)}  request ${escaped(e.requestId)}`,
      ...sqlLines(e.sql),
      `      → ${escaped(e.candidate.reason)}`,
    );
    const { approval: now } = e.candidate;
    const { approval: then } = e.recorded;
    if (now) lines.push(`      → needs ${approvalText(now)}${then ? ` (was ${approvalText(then)})` : ''}`);
  }
  const more = change.count - change.examples.length;
  if (more > 0) lines.push(`    … and ${more} more`);
  return lines;
};

const summaryLines = (
  report: PolicyReplayReport,
  context: { candidate: string; where: string; period: Period },
): string[] => {
  const { totals } = report;
  const span =
    context.period.from || context.period.to
      ? ` from ${context.period.from?.toISOString() ?? 'the start'} to ${context.period.to?.toISOString() ?? 'the end'}`
      : '';
  const lines = [
    `Backtest of ${context.candidate} (${report.candidateVersion}) on ${plural(totals.decisions, 'decision')} recorded${span} in ${context.where}:`,
    `  ${totals.reDecided} re-decided: ${totals.unchanged} unchanged, ${totals.changed} would change`,
  ];
  if (totals.fromAnalysis > 0)
    lines.push(
      `  ${totals.fromAnalysis} refused by the analysis (SQL that does not parse): no policy decides them`,
    );
  if (totals.withoutQuestions > 0)
    lines.push(
      `  ${totals.withoutQuestions} recorded without their questions (before the gateway kept them): not re-decided`,
    );
  if (totals.unreadable > 0)
    lines.push(`  ${totals.unreadable} whose recorded questions could not be read back: not re-decided`);
  if (report.recordedVersions.length > 0)
    lines.push(`  decided then by ${report.recordedVersions.map((v) => escaped(v)).join(', ')}`);
  if (report.changes.length === 0) {
    lines.push('', totals.reDecided > 0 ? '✓ Nothing would change.' : 'Nothing to re-decide.');
    return lines;
  }
  for (const kind of Object.keys(TITLES) as ChangeKind[]) {
    const changes = report.changes.filter((c) => c.kind === kind);
    if (changes.length === 0) continue;
    const count = changes.reduce((sum, c) => sum + c.count, 0);
    lines.push('', `${TITLES[kind]}: ${count}`);
    for (const change of changes) lines.push(...changeLines(change));
  }
  return lines;
};

// --- entry ---------------------------------------------------------------------------------------

/** Runs `tollgate policy replay`; answers 0 once it ran (whatever would change), throws otherwise. */
export async function runPolicyReplay(options: PolicyReplayOptions, ctx: CliContext): Promise<number> {
  const period = periodOf(ctx, options);
  const dir = resolve(ctx.cwd, options.policies);
  const candidate = candidateOf(ctx, dir);
  const { events, where } =
    options.bundle === undefined
      ? await storeEvents(ctx, { from: period.from!, to: period.to! })
      : bundleEvents(ctx, resolve(ctx.cwd, options.bundle));
  const report = replayPolicy(events, candidate, {
    ...(period.from ? { from: period.from } : {}),
    ...(period.to ? { to: period.to } : {}),
  });
  const shownDir = shownPath(ctx.cwd, dir);
  if (options.json) {
    ctx.io.stdout(
      `${safeJson({
        source: where,
        period: { from: period.from?.toISOString() ?? null, to: period.to?.toISOString() ?? null },
        candidateFolder: shownDir,
        ...report,
      })}\n`,
    );
  } else {
    ctx.io.stdout(`${summaryLines(report, { candidate: shownDir, where, period }).join('\n')}\n`);
  }
  return 0;
}
