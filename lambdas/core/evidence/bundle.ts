// An evidence bundle for a period: what an auditor takes away and checks offline
// (`tollgate evidence verify`), trusting nothing but the public key.
//
// What is in it, and why each part can be trusted:
//   checkpoints/…          every signed checkpoint, from the first: the chain that names every segment
//   segments/recordings/…  every archive segment holding an event of a session in scope, byte for byte
//   keys/<fingerprint>.pem the public keys the checkpoints and the manifest name
//   public-key.pem         the key that signed the manifest
//   approvals.json         the approvals in scope, as the recordings hold them (requested, decided, by whom, why)
//   config/…               the policy and connection versions in force in the period, with who pushed them
//   controls.json, .md     the SOC 2 control map: which files and figures support each control
//   report.html            the figures as charts, self-contained
//   manifest.json, .sig    SHA-256 of every file, signed
// A session is in scope when a checkpoint lists events of it inside the period; a session is
// exported whole (every segment, before and after the period), so its chain verifies from its
// first event. Events archived after the last checkpoint are not in scope: the manifest says up
// to when the bundle is covered.

import { CONFIG_AUDIT_SESSION } from '../config/versioned-push.js';
import type {
  ArchiveReader,
  SegmentRecord,
  Signer,
  StoredConnectionSet,
  StoredPolicyVersion,
  VersionStamp,
} from '../ports.js';
import { canonicalJson } from '../recording/canonical-json.js';
import {
  CHECKPOINT_PREFIX,
  type Checkpoint,
  KEYS_PREFIX,
  keyFingerprint,
  sha256Hex,
} from '../recording/checkpoint.js';
import type { SessionEvent } from '../recording/events.js';
import { type ControlEntry, controlMap, controlsMarkdown } from './controls.js';
import { renderReportHtml, reportFigures } from './report.js';

export const MANIFEST_FORMAT = 'tollgate.evidence/1';
/** What a manifest's signature covers, besides the manifest: never mistaken for a checkpoint's. */
export const MANIFEST_CONTEXT = 'tollgate evidence manifest\n';
export const SEGMENTS_DIR = 'segments/';

export interface ManifestFile {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly generatedAt: string;
  readonly period: { readonly from: string; readonly to: string };
  /** The time of the last checkpoint: events archived after it are not in this bundle. */
  readonly coveredUntil: string | null;
  readonly key: { readonly id: string; readonly fingerprint: string };
  readonly counts: {
    readonly checkpoints: number;
    readonly segments: number;
    readonly sessions: number;
    readonly events: number;
    readonly approvals: number;
  };
  readonly files: readonly ManifestFile[];
}

/** Where the bundle goes: a folder on disk for the CLI. */
export interface BundleWriter {
  write(path: string, content: string): Promise<void>;
}

export interface ConfigHistory {
  /** Versions of the policy set, newest first, and one version's files. */
  readonly policies?: {
    list(limit: number): Promise<VersionStamp[]>;
    get(version: number): Promise<StoredPolicyVersion | undefined>;
  };
  readonly connections?: {
    list(limit: number): Promise<VersionStamp[]>;
    get(version: number): Promise<StoredConnectionSet | undefined>;
  };
}

export interface ExportDeps {
  readonly archive: ArchiveReader;
  readonly signer: Signer;
  readonly config: ConfigHistory;
  readonly writer: BundleWriter;
  /** Told as work is done (the CLI draws a progress bar). */
  readonly progress?: (done: number, total: number, what: string) => void;
}

export interface ExportRequest {
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
}

export interface ExportResult {
  readonly manifest: Manifest;
  /** Problems noticed while exporting (a segment whose bytes do not match its checkpoint…). */
  readonly warnings: readonly string[];
}

const overlaps = (s: { firstAt: string; lastAt: string }, from: string, to: string) =>
  s.firstAt <= to && s.lastAt >= from;

/** Sessions with events inside [from, to], as the checkpoints list them, and the configuration audit trail. */
export const sessionsInScope = (
  checkpoints: readonly Checkpoint[],
  from: string,
  to: string,
): Set<string> => {
  const scope = new Set<string>();
  // The configuration audit trail is always whole: the versions in force at the period's
  // start were pushed before it, and the bundle shows who pushed them.
  for (const checkpoint of checkpoints)
    for (const segment of checkpoint.segments)
      for (const session of segment.sessions)
        if (overlaps(session, from, to) || session.sessionId === CONFIG_AUDIT_SESSION)
          scope.add(session.sessionId);
  return scope;
};

/** Every segment holding an event of a session in scope, in checkpoint order. */
export const segmentsInScope = (
  checkpoints: readonly Checkpoint[],
  scope: ReadonlySet<string>,
): SegmentRecord[] =>
  checkpoints.flatMap((c) => c.segments.filter((s) => s.sessions.some((x) => scope.has(x.sessionId))));

export const parseSegment = (text: string): SessionEvent[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as SessionEvent);

/** Approvals as the recordings hold them: one entry per approval id. */
export const approvalsOf = (events: readonly SessionEvent[]) => {
  const approvals = new Map<string, Record<string, unknown>>();
  const ordered = [...events].sort((a, b) =>
    a.sessionId === b.sessionId ? a.seq - b.seq : a.sessionId < b.sessionId ? -1 : 1,
  );
  for (const e of ordered) {
    const id = e.data.approvalId;
    if (typeof id !== 'string') continue;
    const entry = approvals.get(id) ?? {
      approvalId: id,
      sessionId: e.sessionId,
      requestId: e.requestId,
      decisions: [],
    };
    if (e.type === 'approval.requested') Object.assign(entry, { requestedAt: e.at, ...e.data });
    else if (e.type === 'approval.decided') (entry.decisions as unknown[]).push({ at: e.at, ...e.data });
    else if (e.type === 'approval.expired' || e.type === 'approval.failed')
      Object.assign(entry, { endedAt: e.at, ended: e.type, ...e.data });
    else if (e.type === 'request.executing')
      Object.assign(entry, { executingAt: e.at, approvedBy: e.data.approvedBy });
    approvals.set(id, entry);
  }
  return [...approvals.values()].sort((a, b) => (String(a.approvalId) < String(b.approvalId) ? -1 : 1));
};

/** Versions in force during [from, to]: the one active at `from`, and every one pushed inside. */
const versionsInForce = (stamps: readonly VersionStamp[], from: string, to: string) => {
  const ascending = [...stamps].sort((a, b) => a.version - b.version).filter((s) => s.createdAt <= to);
  const before = ascending.filter((s) => s.createdAt <= from).at(-1);
  return ascending.filter((s) => s === before || s.createdAt > from);
};

const HISTORY_LIMIT = 1000;

/** A database URL without its password: `postgres://app:***@db/x`. */
const redactedUrl = (url: string) => url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^/?#]*@/i, '$1:***@');

/**
 * A connection as a bundle shows it: where it points, never a credential. A local `url` target may
 * hold a password; Secrets Manager ARNs and environment variable names are names, not secrets.
 */
const withoutSecrets = (connection: unknown): unknown => {
  if (typeof connection !== 'object' || connection === null) return connection;
  const shown: Record<string, unknown> = { ...(connection as Record<string, unknown>) };
  for (const field of ['target', 'writeTarget']) {
    const locator = shown[field] as { url?: unknown } | undefined;
    if (locator && typeof locator.url === 'string')
      shown[field] = { ...locator, url: redactedUrl(locator.url) };
  }
  return shown;
};

/** Writes the bundle for [from, to] through `writer`; answers its manifest. */
export const exportEvidence = async (deps: ExportDeps, request: ExportRequest): Promise<ExportResult> => {
  const { from, to } = request;
  const files: ManifestFile[] = [];
  const warnings: string[] = [];
  const put = async (path: string, content: string) => {
    await deps.writer.write(path, content);
    files.push({ path, sha256: sha256Hex(content), bytes: Buffer.byteLength(content, 'utf8') });
  };

  // The checkpoint chain, whole: the verifier walks it from the first.
  const checkpointKeys = (await deps.archive.list(CHECKPOINT_PREFIX)).filter((k) => k.endsWith('.json'));
  const checkpoints: Checkpoint[] = [];
  const fingerprints = new Set<string>();
  for (const key of checkpointKeys) {
    const text = await deps.archive.get(key);
    if (text === undefined) continue;
    // Exported as it is, whatever it holds: verify names what is wrong with it.
    await put(key, text);
    try {
      const checkpoint = JSON.parse(text) as Checkpoint;
      if (!Array.isArray(checkpoint.segments) || typeof checkpoint.key?.fingerprint !== 'string')
        throw new Error('not a checkpoint');
      checkpoints.push(checkpoint);
      fingerprints.add(checkpoint.key.fingerprint);
    } catch {
      warnings.push(`checkpoint ${key} cannot be read`);
    }
  }
  checkpoints.sort((a, b) => a.number - b.number);

  const scope = sessionsInScope(checkpoints, from, to);
  const segments = segmentsInScope(checkpoints, scope);
  const events: SessionEvent[] = [];
  let done = 0;
  for (const segment of segments) {
    const text = await deps.archive.get(segment.key);
    deps.progress?.(++done, segments.length, segment.key);
    if (text === undefined) {
      warnings.push(`segment ${segment.key} is missing from the archive`);
      continue;
    }
    if (sha256Hex(text) !== segment.sha256)
      warnings.push(`segment ${segment.key} does not match its checkpoint`);
    await put(`${SEGMENTS_DIR}${segment.key}`, text);
    try {
      for (const event of parseSegment(text)) {
        const readable =
          typeof event?.data === 'object' && event.data !== null && typeof event.at === 'string';
        if (!readable) throw new Error('not an event');
        if (scope.has(event.sessionId)) events.push(event);
      }
    } catch {
      warnings.push(`segment ${segment.key} holds a line that is not an event`);
    }
  }

  const publicKey = await deps.signer.publicKey();
  const fingerprint = keyFingerprint(publicKey);
  fingerprints.add(fingerprint);
  for (const fp of fingerprints) {
    const pem = fp === fingerprint ? publicKey : await deps.archive.get(`${KEYS_PREFIX}${fp}.pem`);
    if (pem === undefined) warnings.push(`public key ${fp} is missing from the archive`);
    else await put(`${KEYS_PREFIX}${fp}.pem`, pem);
  }
  await put('public-key.pem', publicKey);

  // One copy of each event (a segment retried by an older archiver may repeat one).
  const unique = new Map<string, SessionEvent>();
  for (const e of events) unique.set(`${e.sessionId}\u0000${e.seq}`, e);
  const inPeriod = [...unique.values()];
  const approvals = approvalsOf(inPeriod);
  await put('approvals.json', `${JSON.stringify(approvals, null, 2)}\n`);

  const configFiles = await exportConfig(deps.config, from, to, put);
  const bySession = new Map<string, SessionEvent[]>();
  for (const e of inPeriod) bySession.set(e.sessionId, [...(bySession.get(e.sessionId) ?? []), e]);
  const sessions = [...bySession].map(([sessionId, list]) => ({
    sessionId,
    events: list.sort((a, b) => a.seq - b.seq),
  }));
  const figures = reportFigures({ from, to, sessions });
  const controls: ControlEntry[] = controlMap({
    from,
    to,
    sessions: scope.size,
    events: inPeriod,
    approvals: approvals.length,
    checkpoints: checkpoints.length,
    configFiles,
  });
  await put('controls.json', `${JSON.stringify(controls, null, 2)}\n`);
  await put('controls.md', controlsMarkdown(controls, from, to));
  await put(
    'report.html',
    renderReportHtml({ generatedAt: request.generatedAt, from, to, figures, verification: null, controls }),
  );
  await put('README.txt', readme(fingerprint));

  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    generatedAt: request.generatedAt,
    period: { from, to },
    coveredUntil: checkpoints.at(-1)?.at ?? null,
    key: { id: deps.signer.keyId, fingerprint },
    counts: {
      checkpoints: checkpoints.length,
      segments: segments.length,
      sessions: scope.size,
      events: inPeriod.length,
      approvals: approvals.length,
    },
    files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  await deps.writer.write('manifest.json', manifestText);
  const signature = await deps.signer.sign(`${MANIFEST_CONTEXT}${manifestText}`);
  await deps.writer.write('manifest.sig', `${Buffer.from(signature).toString('base64')}\n`);
  return { manifest, warnings };
};

const exportConfig = async (
  config: ConfigHistory,
  from: string,
  to: string,
  put: (path: string, content: string) => Promise<void>,
): Promise<string[]> => {
  const written: string[] = [];
  const versions: Record<string, VersionStamp[]> = {};
  if (config.policies) {
    const inForce = versionsInForce(await config.policies.list(HISTORY_LIMIT), from, to);
    versions.policies = inForce;
    for (const stamp of inForce) {
      const stored = await config.policies.get(stamp.version);
      if (!stored) continue;
      for (const source of stored.sources) {
        const path = `config/policies/v${stamp.version}/${source.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
        await put(path, source.text);
        written.push(path);
      }
      const schema = `config/policies/v${stamp.version}/tollgate.cedarschema`;
      await put(schema, stored.schema);
      written.push(schema);
    }
  }
  if (config.connections) {
    const inForce = versionsInForce(await config.connections.list(HISTORY_LIMIT), from, to);
    versions.connections = inForce;
    for (const stamp of inForce) {
      const stored = await config.connections.get(stamp.version);
      if (!stored) continue;
      const path = `config/connections/v${stamp.version}.json`;
      await put(
        path,
        `${canonicalJson({ ...stored, connections: stored.connections.map(withoutSecrets) })}\n`,
      );
      written.push(path);
    }
  }
  await put('config/versions.json', `${JSON.stringify(versions, null, 2)}\n`);
  written.push('config/versions.json');
  return written;
};

const readme = (fingerprint: string) => `Tollgate evidence bundle
========================

Verify it offline, on any machine with Node.js 20 or later and no AWS credentials:

    npx tollgate evidence verify <this folder> --key-fingerprint ${fingerprint}

Compare the key fingerprint with the one the organisation published for its Tollgate signing key
(on AWS: \`aws kms get-public-key --key-id <key>\`, then SHA-256 of the DER key). verify checks
every file's SHA-256 against manifest.json, the manifest's signature, the signed checkpoint chain,
every session's hash chain, and that every session the checkpoints place in the period is here,
whole. It prints what is wrong and where, and exits 0 only when everything holds.

report.html and controls.md explain what the figures mean for SOC 2 (CC6.1, CC6.2, CC6.3, CC6.6,
CC7.2, CC8.1).
`;
