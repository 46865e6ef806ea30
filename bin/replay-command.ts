// `tollgate sessions` and `tollgate replay <sessionId>`: the recordings, read over the gateway's
// API (GET /v1/sessions, GET /v1/sessions/{id}: every read is itself recorded), or, for replay,
// straight from an evidence bundle (`--bundle <dir>`), offline. Replay renders the timeline in the
// terminal, or as a self-contained HTML page with `--html <file>`.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseSegment, SEGMENTS_DIR } from '../lambdas/core/evidence/bundle.js';
import { renderTimelineHtml } from '../lambdas/core/evidence/replay-html.js';
import { renderTimelineText } from '../lambdas/core/evidence/replay-text.js';
import { sessionTimeline, type Timeline } from '../lambdas/core/evidence/timeline.js';
import { verifyBundle } from '../lambdas/core/evidence/verify.js';
import type { IndexedSession } from '../lambdas/core/ports.js';
import type { SessionEvent } from '../lambdas/core/recording/events.js';
import { type CliContext, processIo, shownPath, UsageError } from './cli-kit.js';
import { bundleAt, fingerprintsOf } from './evidence-command.js';
import { call, type GatewayOptions, gatewayOf, line } from './gateway-client.js';

/** Tokens minted for the local gateway read as an auditor unless --groups says otherwise. */
const DEFAULT_GROUPS = 'auditors';

export interface ReplayOptions extends GatewayOptions {
  readonly html?: string;
  readonly bundle?: string;
  /** With --bundle: comma-separated SHA-256 fingerprints of the keys the reader trusts. */
  readonly keyFingerprint?: string;
  readonly json: boolean;
}

export interface SessionsOptions extends GatewayOptions {
  readonly from?: string;
  readonly to?: string;
  readonly principal?: string;
  readonly connection?: string;
  readonly outcome?: string;
  readonly limit?: number;
  readonly cursor?: string;
  readonly json: boolean;
}

/**
 * A session from a bundle, only once the whole bundle verifies against a key the reader trusts:
 * anyone can write segments whose chains hold, so a chain alone proves nothing about who wrote it.
 */
const fromBundle = async (
  root: string,
  sessionId: string,
  fingerprints: readonly string[],
): Promise<Timeline> => {
  if (fingerprints.length === 0)
    throw new UsageError(
      'give --key-fingerprint <sha256>: a bundle is replayed only once it verifies against the key you trust',
    );
  const reader = bundleAt(root);
  const report = await verifyBundle(reader, { trustedFingerprints: fingerprints });
  if (!report.ok || !report.key.trusted) {
    const first = report.problems.slice(0, 3).map((p) => `${p.code} ${line(p.where)}`);
    throw new Error(
      `the bundle does not verify (${report.problems.length} problems${first.length ? `: ${first.join('; ')}` : ''}); run tollgate evidence verify on it`,
    );
  }
  const events: SessionEvent[] = [];
  for (const path of (await reader.list()).filter((p) => p.startsWith(SEGMENTS_DIR))) {
    const bytes = await reader.read(path);
    if (bytes) events.push(...parseSegment(bytes.toString('utf8')).filter((e) => e.sessionId === sessionId));
  }
  if (events.length === 0) throw new UsageError(`the bundle holds no session ${sessionId}`);
  return sessionTimeline(
    sessionId,
    events.sort((a, b) => a.seq - b.seq),
  );
};

export const runReplay = async (
  sessionId: string,
  options: ReplayOptions,
  ctx: CliContext,
): Promise<number> => {
  let timeline: Timeline;
  if (options.bundle !== undefined) {
    timeline = await fromBundle(
      resolve(ctx.cwd, options.bundle),
      sessionId,
      fingerprintsOf(options.keyFingerprint),
    );
  } else {
    const gateway = gatewayOf(options, ctx, DEFAULT_GROUPS);
    const answer = await call(gateway, 'GET', `/v1/sessions/${encodeURIComponent(sessionId)}`);
    timeline = answer.timeline as Timeline;
  }
  if (options.html !== undefined) {
    const file = resolve(ctx.cwd, options.html);
    writeFileSync(file, renderTimelineHtml(timeline, { generatedAt: new Date().toISOString() }));
    ctx.io.stdout(`Replay of session ${line(sessionId)} written to ${shownPath(ctx.cwd, file)}\n`);
    return 0;
  }
  if (options.json) {
    ctx.io.stdout(`${JSON.stringify(timeline, null, 2)}\n`);
    return 0;
  }
  const color = ctx.io === processIo && process.stdout.isTTY === true && !ctx.env.NO_COLOR;
  ctx.io.stdout(`${renderTimelineText(timeline, { color })}\n`);
  return 0;
};

const listLines = (sessions: readonly IndexedSession[], next: string | null): string[] => [
  sessions.length === 0 ? 'No sessions.' : `${sessions.length} sessions, newest first:`,
  ...sessions.map(
    (s) =>
      `  ${line(s.sessionId)}  ${s.createdAt}  ${line(s.owner.sub)}${s.actsFor.length ? ` for ${line(s.actsFor.join(', '))}` : ''}  ` +
      `${s.requests} requests  ${line(s.connections.join(', ') || '-')}  ${line(s.outcomes.join(', ') || '-')}`,
  ),
  ...(next ? [`More: --cursor ${next}`] : []),
  '',
];

export const runSessions = async (options: SessionsOptions, ctx: CliContext): Promise<number> => {
  const gateway = gatewayOf(options, ctx, DEFAULT_GROUPS);
  const query = new URLSearchParams();
  for (const key of ['from', 'to', 'principal', 'connection', 'outcome', 'cursor'] as const) {
    const value = options[key];
    if (value !== undefined) query.set(key, value);
  }
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  const answer = await call(gateway, 'GET', `/v1/sessions${query.size > 0 ? `?${query}` : ''}`);
  if (options.json) {
    ctx.io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  }
  ctx.io.stdout(
    listLines(answer.sessions as IndexedSession[], (answer.next as string | null) ?? null).join('\n'),
  );
  return 0;
};
