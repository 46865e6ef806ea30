// `tollgate evidence checkpoint|export|verify`: what a compliance team hands an auditor, and what
// the auditor runs. export and checkpoint work on the local data dir (through the running local
// gateway's stand-ins, or their folders) or, with TOLLGATE_TABLE and TOLLGATE_RECORDINGS_BUCKET,
// on the stack's table and bucket. verify needs nothing but the bundle: no gateway, no AWS.
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { unzipSync } from 'fflate';
import { DynamoDbArchiveLedger } from '../lambdas/adapters/aws/dynamodb-archive-ledger.js';
import { DynamoDbConnectionStore } from '../lambdas/adapters/aws/dynamodb-connection-store.js';
import { DynamoDbPolicyStore } from '../lambdas/adapters/aws/dynamodb-policy-store.js';
import { DynamoDbSessionStore } from '../lambdas/adapters/aws/dynamodb-session-store.js';
import { KmsSigner } from '../lambdas/adapters/aws/kms-signer.js';
import {
  LocalSigner,
  loadOrCreateSigningKey,
  SIGNING_KEY_FILE,
} from '../lambdas/adapters/local/local-signer.js';
import { CONFIG_AUDIT_SESSION, SYSTEM_PRINCIPAL } from '../lambdas/core/config/versioned-push.js';
import { exportEvidence } from '../lambdas/core/evidence/bundle.js';
import { parseInstant } from '../lambdas/core/evidence/instant.js';
import { type BundleReader, type VerifyReport, verifyBundle } from '../lambdas/core/evidence/verify.js';
import type { Signer } from '../lambdas/core/ports.js';
import { archiveSessions } from '../lambdas/core/recording/archive-sessions.js';
import { writeCheckpoint } from '../lambdas/core/recording/checkpoint.js';
import { ACCESS_AUDIT_SESSION } from '../lambdas/core/recording/events.js';
import { SessionRecorder } from '../lambdas/core/recording/session-recorder.js';
import { randomIds, systemClock } from '../lambdas/wiring/runtime.js';
import { type CliContext, localDataDir, processIo, shownPath, UsageError } from './cli-kit.js';
import { line } from './gateway-client.js';
import { type OpenArchive, type OpenTable, openArchive, openTable, operatorName } from './table-access.js';

export type EvidenceSubcommand = 'checkpoint' | 'export' | 'verify';

export interface EvidenceOptions {
  readonly from?: string;
  readonly to?: string;
  readonly out?: string;
  /** Who exports (`operator:<name>`), recorded in the access audit: --as, else the login name. */
  readonly as?: string;
  /** Comma-separated SHA-256 fingerprints of the keys the auditor trusts. */
  readonly keyFingerprint?: string;
  readonly json: boolean;
}

/** An ISO 8601 time (lambdas/core/evidence/instant.ts), as an ISO string in UTC. */
export const isoTime = (name: string, text: string, bound: 'start' | 'end'): string => {
  const read = parseInstant(name, text, bound);
  if (typeof read === 'string') throw new UsageError(read);
  return read.toISOString();
};

const signerFor = (table: OpenTable, ctx: CliContext): Signer => {
  if (table.aws) {
    const keyArn = ctx.env.TOLLGATE_SIGNING_KEY_ARN;
    if (!keyArn)
      throw new UsageError(
        'on AWS, set TOLLGATE_SIGNING_KEY_ARN to the evidence signing key (the stack output EvidenceSigningKeyArn)',
      );
    return new KmsSigner({ client: new KMSClient({}), keyId: keyArn });
  }
  return new LocalSigner(loadOrCreateSigningKey(join(localDataDir(ctx.env, ctx.cwd), SIGNING_KEY_FILE)));
};

const withStores = async <T>(
  ctx: CliContext,
  use: (table: OpenTable, archive: OpenArchive) => Promise<T>,
) => {
  const table = await openTable(ctx.env, ctx.cwd);
  try {
    const archive = await openArchive(ctx.env, ctx.cwd);
    try {
      return await use(table, archive);
    } finally {
      await archive.close();
    }
  } finally {
    await table.close();
  }
};

/**
 * Locally, archives the system sessions (the CLI writes the configuration audit straight to the
 * table) and writes a checkpoint as of now, so a bundle covers everything recorded so far. On AWS
 * only the archiver may sign checkpoints: the bundle is covered up to the last scheduled one.
 */
const checkpointNow = async (table: OpenTable, archive: OpenArchive, signer: Signer) => {
  const ledger = new DynamoDbArchiveLedger({ client: table.documentClient, tableName: table.tableName });
  const sessions = new DynamoDbSessionStore({ client: table.documentClient, tableName: table.tableName });
  await archiveSessions({ sessions, archive: archive.archive, ledger }, [
    CONFIG_AUDIT_SESSION,
    ACCESS_AUDIT_SESSION,
  ]);
  for (let attempt = 0; attempt < 20; attempt++) {
    const run = await writeCheckpoint(
      { ledger, archive: archive.archive, signer, clock: systemClock, ids: randomIds },
      { force: true },
    );
    if (run.status !== 'busy') return run;
    await new Promise((resolve) => setTimeout(resolve, 500)); // the gateway's own checkpoint is being written
  }
  throw new Error('another process keeps the checkpoint lease; try again in a minute');
};

const progressBar = (ctx: CliContext) => {
  // A bar only on a terminal: redirected output gets the summary alone.
  const tty = ctx.io === processIo && process.stderr.isTTY === true;
  let last = -1;
  return (done: number, total: number) => {
    if (!tty || total === 0) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    if (filled === last && done !== total) return;
    last = filled;
    ctx.io.stderr(
      `\rexporting [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} segments`,
    );
    if (done === total) ctx.io.stderr('\n');
  };
};

const runExport = async (options: EvidenceOptions, ctx: CliContext): Promise<number> => {
  if (!options.from) throw new UsageError('give the period with --from <ISO time> (and --to, default now)');
  if (!options.out) throw new UsageError('say where the bundle goes with --out <dir>');
  const from = isoTime('--from', options.from, 'start');
  const to = options.to ? isoTime('--to', options.to, 'end') : new Date().toISOString();
  if (from > to) throw new UsageError('--from must not be after --to');
  const out = resolve(ctx.cwd, options.out);
  try {
    if (readdirSync(out).length > 0)
      throw new UsageError(`${shownPath(ctx.cwd, out)} is not empty: give a new folder`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return withStores(ctx, async (table, archive) => {
    const signer = signerFor(table, ctx);
    // Who exported which period is recorded before anything is read, as the API does.
    const operator = operatorName(options.as, ctx.env);
    const recorder = new SessionRecorder(
      new DynamoDbSessionStore({ client: table.documentClient, tableName: table.tableName }),
    );
    const at = new Date().toISOString();
    await recorder.open(ACCESS_AUDIT_SESSION, SYSTEM_PRINCIPAL, at);
    await recorder.append(ACCESS_AUDIT_SESSION, [
      {
        type: 'evidence.exported',
        requestId: randomIds.newId(),
        at,
        data: { viewer: { operator }, exportId: null, from, to, via: 'cli' },
      },
    ]);
    const checkpoint = table.aws ? undefined : await checkpointNow(table, archive, signer);
    const bar = progressBar(ctx);
    const policies = new DynamoDbPolicyStore({ client: table.documentClient, tableName: table.tableName });
    const connections = new DynamoDbConnectionStore({
      client: table.documentClient,
      tableName: table.tableName,
    });
    const result = await exportEvidence(
      {
        archive: archive.archive,
        signer,
        config: { policies, connections },
        writer: {
          async write(path, content) {
            const file = join(out, ...path.split('/'));
            mkdirSync(dirname(file), { recursive: true });
            writeFileSync(file, content, { flag: 'wx' });
          },
        },
        progress: (done, total) => bar(done, total),
      },
      { from, to, generatedAt: new Date().toISOString() },
    );
    const { manifest } = result;
    if (options.json) {
      ctx.io.stdout(
        `${JSON.stringify({ out, manifest: { ...manifest, files: manifest.files.length }, warnings: result.warnings }, null, 2)}\n`,
      );
      return 0;
    }
    const c = manifest.counts;
    ctx.io.stdout(
      [
        `Evidence for ${from} to ${to} written to ${shownPath(ctx.cwd, out)}:`,
        `  ${c.sessions} sessions, ${c.events} events in ${c.segments} segments, ${c.approvals} approvals, ${c.checkpoints} checkpoints, ${manifest.files.length} files`,
        `  covered until ${manifest.coveredUntil ?? 'never (no checkpoint yet)'}${checkpoint?.status === 'written' ? ` (checkpoint ${checkpoint.checkpoint.number} written now)` : ''}`,
        `  signed by key ${manifest.key.fingerprint}`,
        ...result.warnings.map((w) => `  warning: ${line(w)}`),
        `Verify it with: tollgate evidence verify ${shownPath(ctx.cwd, out)} --key-fingerprint ${manifest.key.fingerprint}`,
        '',
      ].join('\n'),
    );
    return 0;
  });
};

const runCheckpoint = async (options: EvidenceOptions, ctx: CliContext): Promise<number> =>
  withStores(ctx, async (table, archive) => {
    if (table.aws)
      throw new UsageError(
        'on AWS, checkpoints are written by the archiver on its schedule (only it may sign them)',
      );
    const run = await checkpointNow(table, archive, signerFor(table, ctx));
    if (options.json) ctx.io.stdout(`${JSON.stringify(run, null, 2)}\n`);
    else if (run.status === 'written')
      ctx.io.stdout(
        `Checkpoint ${run.checkpoint.number} written (${run.key}): ${run.checkpoint.segments.length} segments, ${run.checkpoint.sessions.length} sessions, key ${run.checkpoint.key.fingerprint}\n`,
      );
    else ctx.io.stdout(`No checkpoint written (${run.status}).\n`);
    return 0;
  });

/** A bundle folder on disk, read-only. */
/**
 * Bundles come from elsewhere, so reading one is bounded: a file at most this big, all files
 * together at most BUNDLE_MAX_BYTES, and nothing but regular files inside the folder (a symbolic
 * link to /dev/zero, a FIFO or a file outside the bundle is not read).
 */
export const FILE_MAX_BYTES = 256 * 1024 * 1024;
export const BUNDLE_MAX_BYTES = 2 * 1024 * 1024 * 1024;

const bundleTooBig = (what: string) =>
  new UsageError(
    `${what} is larger than a bundle may be (${FILE_MAX_BYTES} bytes a file, ${BUNDLE_MAX_BYTES} in all)`,
  );

/** A bundle folder on disk, read-only. */
export const folderReader = (root: string): BundleReader => {
  const base = realpathSync(root);
  return {
    async list() {
      const paths: string[] = [];
      let total = 0;
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (entry.isFile()) {
            total += lstatSync(path).size;
            if (total > BUNDLE_MAX_BYTES) throw bundleTooBig(root);
            paths.push(relative(base, path).split(sep).join('/'));
          }
        }
      };
      walk(base);
      return paths;
    },
    async read(path) {
      if (
        typeof path !== 'string' ||
        path.split('/').some((part) => part === '..' || part === '' || part === '.')
      )
        return undefined;
      const file = join(base, ...path.split('/'));
      try {
        // A regular file inside the folder, not a link to one elsewhere.
        const stats = lstatSync(file);
        if (!stats.isFile() || !realpathSync(file).startsWith(`${base}${sep}`)) return undefined;
        if (stats.size > FILE_MAX_BYTES) throw bundleTooBig(path);
        return readFileSync(file);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        return undefined;
      }
    },
  };
};

/** A zipped bundle, as `POST /v1/evidence/exports` gives it: one top folder, stripped. */
export const zipReader = (file: string): BundleReader => {
  let total = 0;
  // Sizes are checked before anything is inflated: a small zip cannot unpack into gigabytes.
  const entries = unzipSync(readFileSync(file), {
    filter: (entry) => {
      total += entry.originalSize;
      if (entry.originalSize > FILE_MAX_BYTES || total > BUNDLE_MAX_BYTES) throw bundleTooBig(file);
      return !entry.name.endsWith('/');
    },
  });
  const names = Object.keys(entries).filter(
    (name) =>
      !name.endsWith('/') &&
      !name.split('/').some((part) => part === '..' || part === '.' || part === '') &&
      !name.startsWith('/'),
  );
  const tops = new Set(names.map((name) => name.split('/')[0]));
  const strip = tops.size === 1 && names.every((name) => name.includes('/')) ? `${[...tops][0]}/` : '';
  const files = new Map(names.map((name) => [name.slice(strip.length), Buffer.from(entries[name]!)]));
  return { list: async () => [...files.keys()], read: async (path) => files.get(path) };
};

/** A bundle folder, or a zipped bundle. */
export const bundleAt = (path: string): BundleReader => {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new UsageError(`${path} is neither a bundle folder nor a .zip of one`);
  }
  if (stats.isDirectory()) return folderReader(path);
  if (stats.isFile() && path.endsWith('.zip')) {
    if (stats.size > BUNDLE_MAX_BYTES) throw bundleTooBig(path);
    try {
      return zipReader(path);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`${path} is not a readable zip file`);
    }
  }
  throw new UsageError(`${path} is neither a bundle folder nor a .zip of one`);
};

/** --key-fingerprint: comma-separated SHA-256 fingerprints, checked. */
export const fingerprintsOf = (text: string | undefined): string[] => {
  const fingerprints = (text ?? '')
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter(Boolean);
  for (const fingerprint of fingerprints)
    if (!/^[0-9a-f]{64}$/.test(fingerprint))
      throw new UsageError(
        `--key-fingerprint takes SHA-256 fingerprints (64 hex digits), got "${fingerprint}"`,
      );
  return fingerprints;
};

const verdictLines = (report: VerifyReport, where: string): string[] => [
  !report.ok
    ? `FAILED: ${where} does not verify (${report.problems.length} problems).`
    : report.key.trusted
      ? `OK: ${where} verifies.`
      : `UNVERIFIED: ${where} is consistent, but its signing key was not compared with a trusted fingerprint.`,
  ...(report.period
    ? [
        `  period ${report.period.from} to ${report.period.to}, covered until ${report.coveredUntil ?? 'never'}`,
      ]
    : []),
  `  ${report.counts.sessions} sessions, ${report.counts.events} events, ${report.counts.segments} segments, ${report.counts.checkpoints} checkpoints, ${report.counts.files} files`,
  report.key.trusted
    ? `  key ${report.key.fingerprint}: the trusted key`
    : `  key ${report.key.fingerprint ?? '(none)'}: NOT compared with a trusted fingerprint (pass --key-fingerprint <the published one>)`,
  ...report.problems.map((p) => `  ${p.code}  ${line(p.where)}: ${line(p.message)}`),
  '',
];

const runVerify = async (
  dir: string | undefined,
  options: EvidenceOptions,
  ctx: CliContext,
): Promise<number> => {
  if (!dir) throw new UsageError('say which bundle: tollgate evidence verify <dir or .zip>');
  const root = resolve(ctx.cwd, dir);
  const bundle = bundleAt(root);
  const trusted = fingerprintsOf(options.keyFingerprint);
  const report = await verifyBundle(bundle, { trustedFingerprints: trusted });
  ctx.io.stdout(
    options.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : verdictLines(report, shownPath(ctx.cwd, root)).join('\n'),
  );
  // Consistent is not proven: without the trusted key, a bundle re-signed by anyone would pass.
  return report.ok && report.key.trusted ? 0 : 1;
};

export const runEvidence = (
  subcommand: EvidenceSubcommand,
  dir: string | undefined,
  options: EvidenceOptions,
  ctx: CliContext,
): Promise<number> => {
  switch (subcommand) {
    case 'export':
      return runExport(options, ctx);
    case 'checkpoint':
      return runCheckpoint(options, ctx);
    case 'verify':
      return runVerify(dir, options, ctx);
  }
};
