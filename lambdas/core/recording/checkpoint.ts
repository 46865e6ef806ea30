// Signed checkpoints over the archive: each lists every segment archived since the previous one
// (its key, digest and the sessions' seq ranges and last hashes), the last seq and hash of every
// session it touched, and the previous checkpoint's digest, and is signed. With the hash chains of
// the sessions, dropping, truncating or reordering a whole session or segment becomes detectable,
// not only editing one event: a verifier holding the public key needs nothing else.
//
// Exactly once, without transactions: the checkpoint for number n+1 is written to a fixed key
// before the head moves. A writer that stops after writing finds that object on its next run and
// adopts it (moves the head, forgets its segments) rather than writing another; a lease keeps two
// writers from racing for the same number.
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import type {
  ArchiveLedger,
  CheckpointHead,
  Clock,
  IdGenerator,
  RecordingArchive,
  SegmentRecord,
  Signer,
} from '../ports.js';
import { canonicalJson, type JsonValue } from './canonical-json.js';
import { GENESIS } from './events.js';

export const CHECKPOINT_FORMAT = 'tollgate.checkpoint/1';
export const CHECKPOINT_PREFIX = 'checkpoints/';
export const KEYS_PREFIX = 'keys/';
/** What a checkpoint's signature covers, besides the checkpoint: a signature over a manifest is never one over a checkpoint. */
export const CHECKPOINT_CONTEXT = 'tollgate checkpoint\n';
/** How long a checkpoint writer may hold the lease. */
export const LEASE_SECONDS = 120;

export interface CheckpointSession {
  readonly sessionId: string;
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly lastAt: string;
}

/** A checkpoint as stored (`checkpoints/<number, 12 digits>.json`, canonical JSON). */
export interface Checkpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly number: number;
  readonly at: string;
  /** SHA-256 of the previous checkpoint's bytes; 64 zeros for the first. */
  readonly prevHash: string;
  readonly key: {
    readonly id: string;
    readonly algorithm: 'ECDSA_P256_SHA256';
    readonly fingerprint: string;
  };
  readonly segments: readonly SegmentRecord[];
  readonly sessions: readonly CheckpointSession[];
  /** Base64 DER ECDSA signature over CHECKPOINT_CONTEXT + the canonical JSON of every other field. */
  readonly signature: string;
}

export const checkpointKey = (number: number) =>
  `${CHECKPOINT_PREFIX}${String(number).padStart(12, '0')}.json`;

export const sha256Hex = (text: string | Uint8Array) => createHash('sha256').update(text).digest('hex');

/** SHA-256 of the DER public key: how an auditor names the key they trust. */
export const keyFingerprint = (publicKeyPem: string) =>
  // The key as the crypto library reads it, re-encoded: text around or inside the PEM cannot make
  // one key show another's fingerprint.
  sha256Hex(createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }));

/** True when `signatureBase64` (DER) is the key's ECDSA signature over SHA-256 of `message`. */
export const signedBy = (
  publicKey: string | KeyObject,
  message: string,
  signatureBase64: string,
): boolean => {
  try {
    return verify(
      'sha256',
      Buffer.from(message, 'utf8'),
      publicKey,
      Buffer.from(String(signatureBase64).trim(), 'base64'),
    );
  } catch {
    return false;
  }
};

/** The bytes a checkpoint's signature covers. */
export const signedText = (checkpoint: Omit<Checkpoint, 'signature'>) =>
  `${CHECKPOINT_CONTEXT}${canonicalJson(checkpoint as unknown as JsonValue)}`;

/** The last seq and hash of every session the segments touch. */
export const sessionsOf = (segments: readonly SegmentRecord[]): CheckpointSession[] => {
  const last = new Map<string, CheckpointSession>();
  for (const segment of segments)
    for (const s of segment.sessions) {
      const seen = last.get(s.sessionId);
      if (!seen || seen.lastSeq < s.lastSeq)
        last.set(s.sessionId, {
          sessionId: s.sessionId,
          lastSeq: s.lastSeq,
          lastHash: s.lastHash,
          lastAt: s.lastAt,
        });
    }
  return [...last.values()].sort((a, b) =>
    a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0,
  );
};

export interface CheckpointDeps {
  readonly ledger: ArchiveLedger;
  readonly archive: RecordingArchive;
  readonly signer: Signer;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export type CheckpointRun =
  | { readonly status: 'written'; readonly checkpoint: Checkpoint; readonly key: string }
  | { readonly status: 'nothing-new' }
  | { readonly status: 'busy' };

const parse = (text: string): Checkpoint => JSON.parse(text) as Checkpoint;

/**
 * Writes the next checkpoint over every archived segment no checkpoint lists yet. With `force`,
 * writes one even when there is none (an auditor's "as of now"). `busy` when another writer holds
 * the lease. Throws on a store, archive or signer failure; the next run completes what this began.
 */
export const writeCheckpoint = async (
  deps: CheckpointDeps,
  options: { force?: boolean } = {},
): Promise<CheckpointRun> => {
  const holder = deps.ids.newId();
  const now = deps.clock.now();
  const until = new Date(now.getTime() + LEASE_SECONDS * 1000).toISOString();
  if (!(await deps.ledger.lease(holder, now.toISOString(), until))) return { status: 'busy' };
  try {
    const head = await deps.ledger.checkpointHead();
    const from = head ?? { number: 0, hash: GENESIS.hash };
    const key = checkpointKey(from.number + 1);
    // A previous run wrote this number and stopped before moving the head: adopt what it wrote.
    const written = await deps.archive.get(key);
    if (written !== undefined) {
      const checkpoint = parse(written);
      if (checkpoint.prevHash !== from.hash)
        throw new Error(`checkpoint ${key} does not continue the chain head ${from.number}`);
      // Adopted only if this key signed it: an object someone else put there is not ours to settle.
      const { signature, ...unsigned } = checkpoint;
      if (!signedBy(await deps.signer.publicKey(), signedText(unsigned), signature))
        throw new Error(`checkpoint ${key} in the archive is not signed by this key`);
      await settle(deps, head, checkpoint, written);
      return { status: 'written', checkpoint, key };
    }
    // Segments the head's own checkpoint lists were forgotten too late (a stop after it moved).
    const listed = new Set<string>();
    if (head) {
      const previous = await deps.archive.get(checkpointKey(head.number));
      for (const segment of previous ? parse(previous).segments : []) listed.add(segment.key);
    }
    const stale = (await deps.ledger.uncheckpointed()).filter((s) => listed.has(s.key));
    if (stale.length > 0) await deps.ledger.checkpointed(stale.map((s) => s.key));
    const segments = (await deps.ledger.uncheckpointed())
      .filter((s) => !listed.has(s.key))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (segments.length === 0 && !options.force) return { status: 'nothing-new' };

    const publicKey = await deps.signer.publicKey();
    const fingerprint = keyFingerprint(publicKey);
    const keyObject = `${KEYS_PREFIX}${fingerprint}.pem`;
    if ((await deps.archive.get(keyObject)) === undefined)
      await deps.archive.putCheckpoint(keyObject, publicKey);
    const unsigned: Omit<Checkpoint, 'signature'> = {
      format: CHECKPOINT_FORMAT,
      number: from.number + 1,
      at: deps.clock.now().toISOString(),
      prevHash: from.hash,
      key: { id: deps.signer.keyId, algorithm: 'ECDSA_P256_SHA256', fingerprint },
      segments,
      sessions: sessionsOf(segments),
    };
    const signature = Buffer.from(await deps.signer.sign(signedText(unsigned))).toString('base64');
    const checkpoint: Checkpoint = { ...unsigned, signature };
    const text = canonicalJson(checkpoint as unknown as JsonValue);
    await deps.archive.putCheckpoint(key, text);
    // The first object under a number stays: a writer whose lease ran out midway may have beaten
    // this one to it. Settle only on our own bytes; the next run adopts the other's.
    if ((await deps.archive.get(key)) !== text)
      throw new Error(`checkpoint ${key} was written by another writer meanwhile`);
    await settle(deps, head, checkpoint, text);
    return { status: 'written', checkpoint, key };
  } finally {
    await deps.ledger.release(holder);
  }
};

/** Moves the head to the written checkpoint and forgets the segments it lists. */
const settle = async (
  deps: CheckpointDeps,
  head: CheckpointHead | undefined,
  checkpoint: Checkpoint,
  text: string,
): Promise<void> => {
  if (!(await deps.ledger.advanceCheckpoint(head, { number: checkpoint.number, hash: sha256Hex(text) })))
    throw new Error(`the checkpoint head moved while checkpoint ${checkpoint.number} was written`);
  await deps.ledger.checkpointed(checkpoint.segments.map((s) => s.key));
};
