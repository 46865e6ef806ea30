// Evidence exports over the API, for auditors: `POST /v1/evidence/exports` queues a job and
// answers at once; the job runs away from the request (an asynchronous invocation of the archiver
// on AWS, in-process locally), writes the bundle as one zip under `exports/` in the recordings
// bucket, and `GET /v1/evidence/exports/{id}` answers its status, its progress and, once done, a
// download URL valid for 15 minutes. Starting an export is recorded in the access audit session
// before the job exists.
import { zipSync } from 'fflate';
import { AUDITORS } from '../approval/deps.js';
import { BadRequestError, TollgateError, UnauthenticatedError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import type {
  ArchiveReader,
  Clock,
  ExportFiles,
  ExportJob,
  ExportJobStore,
  ExportRunner,
  IdentityVerifier,
  IdGenerator,
  Signer,
} from '../ports.js';
import { sha256Hex } from '../recording/checkpoint.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import { type ConfigHistory, exportEvidence } from './bundle.js';
import { parseInstant } from './instant.js';
import { recordAccess, viewer } from './sessions.js';

export const EXPORTS_PREFIX = 'exports/';
export const DOWNLOAD_TTL_SECONDS = 900;
/** An export covers at most this many days. */
export const MAX_EXPORT_DAYS = 366;
const DAY_MS = 86_400_000;

export interface ExportApiDeps {
  readonly identity: IdentityVerifier;
  readonly jobs: ExportJobStore;
  readonly files: ExportFiles;
  readonly runner: ExportRunner;
  readonly recorder: SessionRecorder;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface ExportWorkDeps {
  readonly jobs: ExportJobStore;
  readonly files: ExportFiles;
  readonly archive: ArchiveReader;
  readonly signer: Signer;
  readonly config: ConfigHistory;
  readonly clock: Clock;
  /** Run first: locally, archive what is pending and checkpoint now. */
  readonly beforeExport?: () => Promise<void>;
}

const auditor = async (deps: ExportApiDeps, token: string | undefined): Promise<Principal> => {
  if (!token) throw new UnauthenticatedError();
  const principal = await deps.identity.verify(token);
  // In person: an agent acting for an auditor (a delegation token) is not one.
  if (!principal.groups.includes(AUDITORS) || principal.actsFor !== undefined)
    throw new TollgateError('not_an_auditor', `Evidence exports are for members of ${AUDITORS}, in person.`);
  return principal;
};

const instant = (name: string, value: unknown, bound: 'start' | 'end'): string => {
  const read =
    typeof value === 'string' ? parseInstant(name, value, bound) : `${name} must be an ISO 8601 date or time`;
  if (typeof read === 'string') throw new BadRequestError(`${read}.`);
  return read.toISOString();
};

const stored = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw error instanceof TollgateError
      ? error
      : new TollgateError('unavailable', 'Evidence exports are unavailable.', { cause: error });
  }
};

const statusUrl = (exportId: string) => `/v1/evidence/exports/${exportId}`;

/** `POST /v1/evidence/exports` `{"from": ISO, "to": ISO}` (to defaults to now): 202 with the job. */
export const startExport = async (
  deps: ExportApiDeps,
  input: { token: string | undefined; body: unknown },
): Promise<{ export: ExportJob; statusUrl: string }> => {
  const principal = await auditor(deps, input.token);
  const body = (typeof input.body === 'object' && input.body !== null ? input.body : {}) as Record<
    string,
    unknown
  >;
  const now = deps.clock.now().toISOString();
  const from = instant('from', body.from, 'start');
  const to = body.to === undefined ? now : instant('to', body.to, 'end');
  if (from > to) throw new BadRequestError('from must not be after to.');
  if (Date.parse(to) - Date.parse(from) > MAX_EXPORT_DAYS * DAY_MS)
    throw new BadRequestError(`An export covers at most ${MAX_EXPORT_DAYS} days.`);
  const job: ExportJob = {
    exportId: deps.ids.newId(),
    status: 'queued',
    from,
    to,
    requestedBy: { sub: principal.sub, issuer: principal.issuer },
    createdAt: now,
    updatedAt: now,
    progress: { done: 0, total: 0 },
    result: null,
    error: null,
  };
  // Recorded before anything is read: who exported which period.
  await recordAccess(deps, 'evidence.exported', {
    viewer: viewer(principal),
    exportId: job.exportId,
    from,
    to,
  });
  await stored(() => deps.jobs.create(job));
  try {
    await deps.runner.start(job.exportId);
  } catch (error) {
    const failed = {
      ...job,
      status: 'failed' as const,
      error: 'The export could not be started.',
      updatedAt: deps.clock.now().toISOString(),
    };
    await deps.jobs.update(failed).catch(() => undefined);
    throw new TollgateError('unavailable', 'The export could not be started.', { cause: error });
  }
  return { export: job, statusUrl: statusUrl(job.exportId) };
};

/**
 * A job that stopped moving (its run was cut short: a timeout, a crash) is answered as failed:
 * nothing resumes it, and an asynchronous retry leaves a job that is no longer queued alone.
 */
export const STALLED_AFTER_MS = 15 * 60_000;
const stalled = (job: ExportJob, now: Date): ExportJob =>
  (job.status === 'queued' || job.status === 'running') &&
  now.getTime() - Date.parse(job.updatedAt) > STALLED_AFTER_MS
    ? {
        ...job,
        status: 'failed',
        error: 'The export stopped without finishing; start a new one (a shorter period exports faster).',
      }
    : job;

/** `GET /v1/evidence/exports/{exportId}`: the job, and a download URL once it is completed. */
export const getExport = async (
  deps: ExportApiDeps,
  input: { token: string | undefined; exportId: string },
): Promise<{ export: ExportJob; downloadUrl: string | null; expiresInSeconds: number | null }> => {
  const principal = await auditor(deps, input.token);
  const job = input.exportId.length <= 100 ? await stored(() => deps.jobs.get(input.exportId)) : undefined;
  if (!job) throw new TollgateError('export_not_found', `No evidence export ${input.exportId}.`);
  if (job.status !== 'completed' || !job.result)
    return { export: stalled(job, deps.clock.now()), downloadUrl: null, expiresInSeconds: null };
  const url = await stored(() => deps.files.downloadUrl(job.result!.key, DOWNLOAD_TTL_SECONDS));
  // Whoever holds the link can download for its lifetime: who was given one is recorded first.
  await recordAccess(deps, 'evidence.downloaded', { viewer: viewer(principal), exportId: job.exportId });
  return { export: job, downloadUrl: url, expiresInSeconds: DOWNLOAD_TTL_SECONDS };
};

/** How often progress is written while segments are exported. */
const PROGRESS_EVERY = 25;

/**
 * Runs a queued job to completion (or failure). A job that is not queued is left alone: an
 * asynchronous invocation may be delivered twice.
 */
export const runExportJob = async (deps: ExportWorkDeps, exportId: string): Promise<void> => {
  const queued = await deps.jobs.get(exportId);
  if (queued?.status !== 'queued') return;
  let job: ExportJob = { ...queued, status: 'running', updatedAt: deps.clock.now().toISOString() };
  if (!(await deps.jobs.update(job))) return;
  let progressWrites: Promise<unknown> = Promise.resolve();
  try {
    await deps.beforeExport?.();
    const files: Record<string, Uint8Array> = {};
    const folder = `tollgate-evidence-${job.from.slice(0, 10)}-to-${job.to.slice(0, 10)}/`;
    const result = await exportEvidence(
      {
        archive: deps.archive,
        signer: deps.signer,
        config: deps.config,
        writer: {
          async write(path, content) {
            files[`${folder}${path}`] = new TextEncoder().encode(content);
          },
        },
        progress: (done, total) => {
          if (done % PROGRESS_EVERY !== 0 && done !== total) return;
          job = { ...job, progress: { done, total }, updatedAt: deps.clock.now().toISOString() };
          const snapshot = job;
          progressWrites = progressWrites.then(() => deps.jobs.update(snapshot)).catch(() => undefined);
        },
      },
      { from: job.from, to: job.to, generatedAt: deps.clock.now().toISOString() },
    );
    await progressWrites;
    const zip = zipSync(files, { level: 6 });
    const key = `${EXPORTS_PREFIX}${exportId}.zip`;
    await deps.files.put(key, zip);
    await deps.jobs.update({
      ...job,
      status: 'completed',
      updatedAt: deps.clock.now().toISOString(),
      result: {
        key,
        bytes: zip.byteLength,
        sha256: sha256Hex(zip),
        keyFingerprint: result.manifest.key.fingerprint,
        counts: { ...result.manifest.counts },
        warnings: [...result.warnings],
      },
    });
  } catch (error) {
    await progressWrites;
    await deps.jobs.update({
      ...job,
      status: 'failed',
      updatedAt: deps.clock.now().toISOString(),
      error:
        error instanceof TollgateError
          ? error.message
          : 'The export failed; the operators have the details in the log.',
    });
    throw error;
  }
};
