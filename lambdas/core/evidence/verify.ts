// Offline verification of an evidence bundle (bundle.ts): needs the bundle and, to be more than
// self-consistent, the fingerprint of the key the organisation published. Reports every problem
// with where it is; `ok` only when everything holds.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../recording/canonical-json.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_PREFIX,
  type Checkpoint,
  checkpointKey,
  KEYS_PREFIX,
  keyFingerprint,
  sha256Hex,
  signedBy,
  signedText,
} from '../recording/checkpoint.js';
import { GENESIS, type SessionEvent } from '../recording/events.js';
import { verifyChain } from '../recording/hash-chain.js';
import {
  approvalsOf,
  MANIFEST_CONTEXT,
  MANIFEST_FORMAT,
  type Manifest,
  SEGMENTS_DIR,
  segmentsInScope,
  sessionsInScope,
} from './bundle.js';

/** The bundle's files, read-only: a folder on disk for the CLI. */
export interface BundleReader {
  /** Every file's path, relative, with `/` separators. */
  list(): Promise<string[]>;
  read(path: string): Promise<Buffer | undefined>;
}

export type ProblemCode =
  | 'manifest_missing'
  | 'manifest_invalid'
  | 'manifest_signature_invalid'
  | 'manifest_mismatch'
  | 'key_untrusted'
  | 'file_missing'
  | 'file_altered'
  | 'file_unlisted'
  | 'checkpoint_invalid'
  | 'checkpoint_missing'
  | 'checkpoint_chain_broken'
  | 'checkpoint_signature_invalid'
  | 'segment_missing'
  | 'segment_altered'
  | 'segment_unlisted'
  | 'segment_content_mismatch'
  | 'session_missing'
  | 'session_chain_broken'
  | 'session_truncated'
  | 'approvals_mismatch';

export interface Problem {
  readonly code: ProblemCode;
  /** The file, checkpoint or session it is about. */
  readonly where: string;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly Problem[];
  /** SHA-256 of the manifest's public key, and whether it was compared with a trusted one. */
  readonly key: { readonly fingerprint: string | null; readonly trusted: boolean };
  readonly period: { readonly from: string; readonly to: string } | null;
  readonly coveredUntil: string | null;
  readonly counts: {
    readonly files: number;
    readonly checkpoints: number;
    readonly segments: number;
    readonly sessions: number;
    readonly events: number;
  };
}

/**
 * The public key in a PEM file and its fingerprint, or why there is none. The fingerprint is of
 * the key the crypto library reads (keyFingerprint re-encodes it), so text around the block cannot
 * show one key's fingerprint while signatures are checked with another.
 */
const publicKeyOf = (pem: string): { key: KeyObject; fingerprint: string } | string => {
  try {
    return { key: createPublicKey(pem), fingerprint: keyFingerprint(pem) };
  } catch {
    return 'is not a public key (SPKI PEM)';
  }
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string';
const isSeq = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

/** Why a parsed manifest cannot be used, or undefined when its shape holds. */
const manifestFault = (value: unknown): string | undefined => {
  if (!isObject(value) || value.format !== MANIFEST_FORMAT) return `expected format ${MANIFEST_FORMAT}`;
  if (!isObject(value.period) || !isText(value.period.from) || !isText(value.period.to))
    return 'its period is not two times';
  if (
    !Array.isArray(value.files) ||
    !value.files.every((f) => isObject(f) && isText(f.path) && isText(f.sha256))
  )
    return 'its files are not a list of paths with SHA-256 digests';
  return undefined;
};

const isSegmentSession = (s: unknown) =>
  isObject(s) &&
  isText(s.sessionId) &&
  isSeq(s.firstSeq) &&
  isSeq(s.lastSeq) &&
  isText(s.lastHash) &&
  isText(s.firstAt) &&
  isText(s.lastAt);

/** Why a parsed checkpoint cannot be used, or undefined when its shape holds. */
const checkpointFault = (value: unknown): string | undefined => {
  if (!isObject(value) || value.format !== CHECKPOINT_FORMAT || !Number.isInteger(value.number))
    return `expected format ${CHECKPOINT_FORMAT}`;
  if (!isObject(value.key) || !isText(value.key.fingerprint)) return 'it names no key';
  if (!isText(value.prevHash) || !isText(value.at) || !isText(value.signature))
    return 'its prevHash, time or signature is missing';
  if (
    !Array.isArray(value.segments) ||
    !value.segments.every(
      (s) =>
        isObject(s) &&
        isText(s.key) &&
        isText(s.sha256) &&
        Array.isArray(s.sessions) &&
        s.sessions.every(isSegmentSession),
    )
  )
    return 'its segments are not segment listings';
  if (
    !Array.isArray(value.sessions) ||
    !value.sessions.every((s) => isObject(s) && isText(s.sessionId) && isSeq(s.lastSeq) && isText(s.lastHash))
  )
    return 'its sessions are not session listings';
  return undefined;
};

const isEvent = (e: unknown): e is SessionEvent =>
  isObject(e) &&
  isText(e.sessionId) &&
  isSeq(e.seq) &&
  isText(e.prevHash) &&
  isText(e.hash) &&
  isText(e.type) &&
  isText(e.requestId) &&
  isText(e.at) &&
  isObject(e.data);

/** A segment's events, or which line is not one. */
const eventsOfSegment = (text: string): SessionEvent[] | string => {
  const events: SessionEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    let event: unknown;
    try {
      event = JSON.parse(lines[i]!);
    } catch {
      return `line ${i + 1} is not JSON`;
    }
    if (!isEvent(event)) return `line ${i + 1} is not an event`;
    events.push(event);
  }
  return events;
};

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const verifyBundle = async (
  bundle: BundleReader,
  options: { readonly trustedFingerprints?: readonly string[] } = {},
): Promise<VerifyReport> => {
  const problems: Problem[] = [];
  const problem = (code: ProblemCode, where: string, message: string) =>
    problems.push({ code, where, message });
  const paths = (await bundle.list()).sort(byPath);
  const text = async (path: string) => (await bundle.read(path))?.toString('utf8');
  const counts = { files: paths.length, checkpoints: 0, segments: 0, sessions: 0, events: 0 };
  const trusted = new Set(options.trustedFingerprints ?? []);
  const report = (fingerprint: string | null, manifest: Manifest | null): VerifyReport => ({
    ok: problems.length === 0,
    problems,
    key: {
      fingerprint,
      trusted: fingerprint !== null && trusted.has(fingerprint),
    },
    period: manifest?.period ?? null,
    coveredUntil: manifest?.coveredUntil ?? null,
    counts,
  });

  // 1. The manifest, its signature, the key.
  const manifestText = await text('manifest.json');
  if (manifestText === undefined) {
    problem(
      'manifest_missing',
      'manifest.json',
      'there is no manifest.json: this is not an evidence bundle, or it lost its manifest',
    );
    return report(null, null);
  }
  let manifest: Manifest;
  try {
    const parsed: unknown = JSON.parse(manifestText);
    const fault = manifestFault(parsed);
    if (fault !== undefined) throw new Error(fault);
    manifest = parsed as Manifest;
  } catch (error) {
    problem('manifest_invalid', 'manifest.json', `manifest.json cannot be read: ${(error as Error).message}`);
    return report(null, null);
  }
  const publicKeyPem = await text('public-key.pem');
  const publicKey = publicKeyPem === undefined ? undefined : publicKeyOf(publicKeyPem);
  let fingerprint: string | null = null;
  if (publicKey === undefined) problem('file_missing', 'public-key.pem', 'the public key is missing');
  else if (typeof publicKey === 'string')
    problem('manifest_signature_invalid', 'public-key.pem', `public-key.pem ${publicKey}`);
  else {
    fingerprint = publicKey.fingerprint;
    const signature = await text('manifest.sig');
    if (signature === undefined)
      problem('manifest_signature_invalid', 'manifest.sig', 'the manifest signature is missing');
    else if (!signedBy(publicKey.key, `${MANIFEST_CONTEXT}${manifestText}`, signature))
      problem(
        'manifest_signature_invalid',
        'manifest.sig',
        'the manifest signature does not verify with public-key.pem',
      );
    if (manifest.key?.fingerprint !== fingerprint)
      problem(
        'key_untrusted',
        'public-key.pem',
        `public-key.pem (${fingerprint}) is not the key the manifest names (${manifest.key?.fingerprint})`,
      );
  }
  if (trusted.size > 0 && (fingerprint === null || !trusted.has(fingerprint)))
    problem(
      'key_untrusted',
      'public-key.pem',
      `the manifest's key ${fingerprint ?? '(none)'} is not a trusted key`,
    );

  // 2. Every file as the manifest lists it, and nothing else.
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  for (const file of manifest.files) {
    const bytes = await bundle.read(file.path);
    if (bytes === undefined)
      problem('file_missing', file.path, 'listed in the manifest, missing from the bundle');
    else if (sha256Hex(bytes) !== file.sha256)
      problem('file_altered', file.path, 'its SHA-256 differs from the manifest');
  }
  for (const path of paths)
    if (!listed.has(path) && path !== 'manifest.json' && path !== 'manifest.sig')
      problem('file_unlisted', path, 'in the bundle, not in the manifest');

  // 3. The checkpoint chain, from the first, each signed by a key of the bundle.
  const checkpoints: Checkpoint[] = [];
  const checkpointBytes = new Map<number, string>();
  for (const path of paths.filter((p) => p.startsWith(CHECKPOINT_PREFIX) && p.endsWith('.json'))) {
    const body = (await text(path)) ?? '';
    try {
      const parsed: unknown = JSON.parse(body);
      const fault = checkpointFault(parsed);
      if (fault !== undefined) throw new Error(fault);
      const checkpoint = parsed as Checkpoint;
      // Its name is its number: a copy under another name would otherwise stand in for it.
      if (path !== checkpointKey(checkpoint.number))
        throw new Error(
          `it is checkpoint ${checkpoint.number}, which belongs in ${checkpointKey(checkpoint.number)}`,
        );
      checkpoints.push(checkpoint);
      checkpointBytes.set(checkpoint.number, body);
    } catch (error) {
      problem('checkpoint_invalid', path, `cannot be read: ${(error as Error).message}`);
    }
  }
  checkpoints.sort((a, b) => a.number - b.number);
  counts.checkpoints = checkpoints.length;
  let previous = { number: 0, hash: GENESIS.hash };
  for (const checkpoint of checkpoints) {
    const where = `checkpoint ${checkpoint.number}`;
    if (checkpoint.number !== previous.number + 1)
      problem('checkpoint_missing', where, `checkpoint ${previous.number + 1} is missing before it`);
    else if (checkpoint.prevHash !== previous.hash)
      problem(
        'checkpoint_chain_broken',
        where,
        `its prevHash is not the SHA-256 of checkpoint ${previous.number}`,
      );
    const keyFile = `${KEYS_PREFIX}${checkpoint.key.fingerprint}.pem`;
    const pem = await text(keyFile);
    const key = pem === undefined ? undefined : publicKeyOf(pem);
    const { signature, ...unsigned } = checkpoint;
    if (key === undefined)
      problem(
        'checkpoint_signature_invalid',
        where,
        `the key it names (${checkpoint.key.fingerprint}) is not in keys/`,
      );
    else if (typeof key === 'string') problem('checkpoint_signature_invalid', where, `${keyFile} ${key}`);
    else if (key.fingerprint !== checkpoint.key.fingerprint)
      problem('checkpoint_signature_invalid', where, `${keyFile} holds another key (${key.fingerprint})`);
    else if (!signedBy(key.key, signedText(unsigned), signature))
      problem('checkpoint_signature_invalid', where, 'its signature does not verify');
    if (trusted.size > 0 && !trusted.has(checkpoint.key.fingerprint))
      problem('key_untrusted', where, `signed by ${checkpoint.key.fingerprint}, not by a trusted key`);
    previous = { number: checkpoint.number, hash: sha256Hex(checkpointBytes.get(checkpoint.number)!) };
  }
  if (checkpoints.length !== manifest.counts?.checkpoints)
    problem(
      'checkpoint_missing',
      'checkpoints/',
      `the manifest counts ${manifest.counts?.checkpoints} checkpoints, the bundle holds ${checkpoints.length}`,
    );
  if ((checkpoints.at(-1)?.at ?? null) !== manifest.coveredUntil)
    problem(
      'checkpoint_missing',
      'checkpoints/',
      `the manifest is covered until ${manifest.coveredUntil}, the last checkpoint is of ${checkpoints.at(-1)?.at ?? 'never'}`,
    );

  // 4. Segments: every one the checkpoints place in scope, byte for byte, and no other.
  const { from, to } = manifest.period;
  const scope = sessionsInScope(checkpoints, from, to);
  const wanted = segmentsInScope(checkpoints, scope);
  counts.segments = wanted.length;
  const wantedKeys = new Set(wanted.map((s) => `${SEGMENTS_DIR}${s.key}`));
  for (const path of paths.filter((p) => p.startsWith(SEGMENTS_DIR)))
    if (!wantedKeys.has(path))
      problem('segment_unlisted', path, 'no checkpoint places this segment in the period');
  const eventsOf = new Map<string, Map<number, SessionEvent>>();
  for (const segment of wanted) {
    const path = `${SEGMENTS_DIR}${segment.key}`;
    const bytes = await bundle.read(path);
    if (bytes === undefined) {
      problem(
        'segment_missing',
        path,
        `listed by a checkpoint for sessions ${segment.sessions.map((s) => s.sessionId).join(', ')}`,
      );
      continue;
    }
    if (sha256Hex(bytes) !== segment.sha256)
      problem('segment_altered', path, 'its SHA-256 differs from its checkpoint');
    const events = eventsOfSegment(bytes.toString('utf8'));
    if (typeof events === 'string') {
      problem('segment_altered', path, `${events}: its events cannot be checked`);
      continue;
    }
    for (const listing of segment.sessions) {
      const own = events.filter((e) => e.sessionId === listing.sessionId);
      const seqs = own.map((e) => e.seq);
      // Compared without building the listed range: a forged listing may claim billions of events.
      const asListed =
        seqs.length === listing.lastSeq - listing.firstSeq + 1 &&
        seqs.every((seq, i) => seq === listing.firstSeq + i);
      if (!asListed || own.at(-1)?.hash !== listing.lastHash)
        problem(
          'segment_content_mismatch',
          path,
          `session ${listing.sessionId}: holds seq ${seqs[0] ?? '-'}..${seqs.at(-1) ?? '-'} (${seqs.length} events), its checkpoint lists ${listing.firstSeq}..${listing.lastSeq}`,
        );
    }
    for (const event of events) {
      if (!scope.has(event.sessionId)) continue;
      const seen = eventsOf.get(event.sessionId) ?? new Map<number, SessionEvent>();
      const before = seen.get(event.seq);
      if (before && canonicalJson(before) !== canonicalJson(event))
        problem(
          'session_chain_broken',
          `session ${event.sessionId}`,
          `seq ${event.seq} appears twice with different content`,
        );
      seen.set(event.seq, before ?? event);
      eventsOf.set(event.sessionId, seen);
    }
  }

  // 5. Sessions: each chain whole from its first event, up to what the checkpoints last list.
  const lastListed = new Map<string, { lastSeq: number; lastHash: string }>();
  for (const checkpoint of checkpoints)
    for (const s of checkpoint.sessions)
      if (scope.has(s.sessionId) && (lastListed.get(s.sessionId)?.lastSeq ?? 0) < s.lastSeq)
        lastListed.set(s.sessionId, s);
  const allEvents: SessionEvent[] = [];
  for (const sessionId of [...scope].sort(byPath)) {
    const where = `session ${sessionId}`;
    const events = [...(eventsOf.get(sessionId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
    allEvents.push(...events);
    if (events.length === 0) {
      problem(
        'session_missing',
        where,
        'the checkpoints place it in the period; none of its events is in the bundle',
      );
      continue;
    }
    const verdict = verifyChain(events);
    if (!verdict.ok) problem('session_chain_broken', where, `at seq ${verdict.seq}: ${verdict.problem}`);
    const last = lastListed.get(sessionId);
    const end = events.at(-1)!;
    if (last && end.seq !== last.lastSeq)
      problem(
        'session_truncated',
        where,
        `ends at seq ${end.seq}; the checkpoints list it up to seq ${last.lastSeq}`,
      );
    else if (last && end.hash !== last.lastHash)
      problem(
        'session_chain_broken',
        where,
        `its last event (seq ${end.seq}) is not the one the checkpoints list: the events were rewritten`,
      );
  }
  counts.sessions = scope.size;
  counts.events = allEvents.length;

  const recorded = approvalsOf(allEvents);
  // The manifest's figures, as the bundle holds them (a manifest signed over wrong figures is not evidence).
  const figures = manifest.counts;
  const held = {
    segments: wanted.length,
    sessions: scope.size,
    events: allEvents.length,
    approvals: recorded.length,
  };
  const differ = (Object.keys(held) as Array<keyof typeof held>).filter((k) => figures?.[k] !== held[k]);
  if (differ.length > 0)
    problem(
      'manifest_mismatch',
      'manifest.json',
      `the manifest counts ${differ.map((k) => `${figures?.[k]} ${k}`).join(', ')}; the bundle holds ${differ.map((k) => `${held[k]} ${k}`).join(', ')}`,
    );

  // 6. Approvals as the recordings hold them.
  const approvalsText = await text('approvals.json');
  if (approvalsText !== undefined) {
    let stated: unknown;
    try {
      stated = JSON.parse(approvalsText);
    } catch {
      stated = undefined;
    }
    if (canonicalJson(stated ?? null) !== canonicalJson(recorded))
      problem(
        'approvals_mismatch',
        'approvals.json',
        'differs from the approvals the recorded sessions hold',
      );
  }
  return report(fingerprint, manifest);
};
