// writeCheckpoint as a fault injector sees it: a crash right after every effect in turn (the
// lease, the public key object, the checkpoint object, the head, forgetting the segments), by an
// exception (the lease is released) and by the process dying (the lease stays until it expires);
// a busy lease; forcing with nothing new; a chain of checkpoints; a planted checkpoint; and the
// signature and key fingerprint as an auditor checks them with node:crypto alone.
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { LocalSigner } from '../../../../lambdas/adapters/local/local-signer.js';
import type { Clock, SegmentRecord, Signer } from '../../../../lambdas/core/ports.js';
import { archiveSessions } from '../../../../lambdas/core/recording/archive-sessions.js';
import { canonicalJson } from '../../../../lambdas/core/recording/canonical-json.js';
import {
  CHECKPOINT_CONTEXT,
  type Checkpoint,
  type CheckpointDeps,
  type CheckpointRun,
  checkpointKey,
  keyFingerprint,
  LEASE_SECONDS,
  signedText,
  writeCheckpoint,
} from '../../../../lambdas/core/recording/checkpoint.js';
import { GENESIS } from '../../../../lambdas/core/recording/events.js';
import { chainEvent } from '../../../../lambdas/core/recording/hash-chain.js';
import { FaultInjector, InjectedCrash } from '../../../support/fault-injection.js';
import { InMemoryArchiveLedger } from '../../../support/in-memory-archive-ledger.js';
import { InMemoryRecordingArchive } from '../../../support/in-memory-recording-archive.js';
import { InMemorySessionStore } from '../../../support/in-memory-session-store.js';

const OWNER = { sub: 'alice', issuer: 'https://issuer.example' };
const START = Date.parse('2026-11-02T12:00:00.000Z');
const ZEROS = '0'.repeat(64);

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let privateKey: KeyObject;
beforeAll(() => {
  ({ privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }));
});

interface World {
  readonly store: InMemorySessionStore;
  readonly ledger: InMemoryArchiveLedger;
  readonly archive: InMemoryRecordingArchive;
  readonly faults: FaultInjector;
  readonly signer: Signer;
  /** Milliseconds since the epoch; tests move it. */
  now: number;
  /** An injected crash kills the process (its lease stays) rather than throwing through its `finally`. */
  diesOnCrash: boolean;
  /** The ports as writeCheckpoint sees them, every effect counted as a step. */
  readonly deps: CheckpointDeps;
}

const worldOf = (signer: Signer = new LocalSigner(privateKey)): World => {
  const store = new InMemorySessionStore();
  const ledger = new InMemoryArchiveLedger();
  const archive = new InMemoryRecordingArchive();
  const faults = new FaultInjector();
  let ids = 0;
  const w: World = {
    store,
    ledger,
    archive,
    faults,
    signer,
    now: START,
    diesOnCrash: false,
    deps: undefined as unknown as CheckpointDeps,
  };
  const clock: Clock = { now: () => new Date(w.now) };
  const counted = faults.wrap('ledger', ledger, {
    lease: true,
    advanceCheckpoint: (_from: unknown, to: { number: number }) => String(to.number),
    checkpointed: true,
    release: true,
  });
  // A process that died keeps its lease: its `finally` never runs.
  const dies = new Proxy(counted, {
    get: (target, property, receiver) =>
      property === 'release'
        ? async (holder: string) => (w.diesOnCrash && faults.crashed ? undefined : target.release(holder))
        : Reflect.get(target, property, receiver),
  });
  Object.assign(w, {
    deps: {
      ledger: dies,
      archive: faults.wrap('archive', archive, { putCheckpoint: (key: string) => key }),
      signer,
      clock,
      ids: { newId: () => `writer-${++ids}` },
    },
  });
  return w;
};

/** Records `count` more events in the session and archives them: one more archived segment. */
const archiveMore = async (w: World, sessionId: string, count: number) => {
  if (!(await w.store.sessionInfo(sessionId)))
    await w.store.claimSession(sessionId, OWNER, new Date(w.now).toISOString());
  let head = (await w.store.head(sessionId)) ?? GENESIS;
  for (let i = 0; i < count; i++) {
    const event = chainEvent(sessionId, head, {
      type: 'request.received',
      requestId: `request-${head.seq + 1}`,
      at: new Date(w.now + head.seq).toISOString(),
      data: { connection: 'orders' },
    });
    await w.store.putEvent(event);
    head = { seq: event.seq, hash: event.hash };
  }
  await archiveSessions({ sessions: w.store, archive: w.archive, ledger: w.ledger }, [sessionId]);
};

const checkpointObjects = (w: World) => w.archive.under('checkpoints/');
const written = (run: CheckpointRun) => {
  if (run.status !== 'written') throw new Error(`expected a checkpoint, got ${run.status}`);
  return run;
};
const unsignedOf = ({ signature: _signature, ...unsigned }: Checkpoint) => unsigned;
const verifies = (checkpoint: Checkpoint, publicKeyPem: string) =>
  verify(
    'sha256',
    Buffer.from(signedText(unsignedOf(checkpoint))),
    publicKeyPem,
    Buffer.from(checkpoint.signature, 'base64'),
  );

/** Checkpoint writes (not the public key) to the archive, in order. */
const checkpointPuts = (w: World) =>
  w.archive.writes
    .filter((x) => x.kind === 'checkpoint' && x.key.startsWith('checkpoints/'))
    .map((x) => x.key);

const publicKeyObject = async (w: World) => `keys/${keyFingerprint(await w.signer.publicKey())}.pem`;

/** A signer that stalls in its first `sign` until resumed, as a throttled KMS call can. */
const stallingSigner = (inner: Signer) => {
  let reached!: () => void;
  let resume!: () => void;
  const signing = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    resume = resolve;
  });
  let stalls = 1;
  const signer: Signer = {
    keyId: inner.keyId,
    publicKey: () => inner.publicKey(),
    sign: async (message) => {
      if (stalls-- > 0) {
        reached();
        await gate;
      }
      return inner.sign(message);
    },
  };
  return { signer, signing, resume };
};

const FIRST_CHECKPOINT = [
  'ledger.lease',
  'archive.putCheckpoint(keys/<fingerprint>.pem)',
  'archive.putCheckpoint(checkpoints/000000000001.json)',
  'ledger.advanceCheckpoint(1)',
  'ledger.checkpointed',
  'ledger.release',
];
/** Index (1-based) of the step that moves the head: crashes from there on leave checkpoint 1 in force. */
const ADVANCE = FIRST_CHECKPOINT.indexOf('ledger.advanceCheckpoint(1)') + 1;
const numbered = (steps: readonly string[]) => steps.map((step, i) => [i + 1, step] as const);

describe('writeCheckpoint', () => {
  it('takes the lease, writes the public key and the checkpoint, moves the head, forgets the segments, releases', async () => {
    // Prepare
    const w = worldOf();
    await archiveMore(w, 'session-a', 2);
    await archiveMore(w, 'session-b', 1);

    // Act
    const run = written(await writeCheckpoint(w.deps));

    // Assess
    const fingerprint = keyFingerprint(await w.signer.publicKey());
    expect(w.faults.steps.map((s) => s.replace(fingerprint, '<fingerprint>'))).toEqual(FIRST_CHECKPOINT);
    expect(run.key).toBe('checkpoints/000000000001.json');
    expect(run.checkpoint.segments).toHaveLength(2);
    expect(await w.ledger.uncheckpointed()).toEqual([]);
    expect(w.ledger.leaseHeld).toBeUndefined();
    expect(await w.ledger.checkpointHead()).toEqual({
      number: 1,
      hash: sha256(w.archive.objects.get(run.key)!),
    });
  });

  // A crash right after the lease is taken leaves it held (the throw comes before the `try`): that
  // case is the dying writer's, below.
  it.each(numbered(FIRST_CHECKPOINT).slice(1))(
    'after a crash right after step %i (%s), the retry leaves exactly one checkpoint 1 over every segment',
    async (n) => {
      // Prepare
      const w = worldOf();
      await archiveMore(w, 'session-a', 2);
      await archiveMore(w, 'session-b', 1);
      const segments = await w.ledger.uncheckpointed();
      w.faults.crashAfter(n);
      await expect(writeCheckpoint(w.deps)).rejects.toBeInstanceOf(InjectedCrash);
      const before = w.archive.objects.get(checkpointKey(1));

      // Act
      const retry = await writeCheckpoint(w.deps);

      // Assess: no second checkpoint; an object written before the crash is adopted as it is.
      expect(retry.status).toBe(n < ADVANCE ? 'written' : 'nothing-new');
      expect([...checkpointObjects(w).keys()]).toEqual(['checkpoints/000000000001.json']);
      expect(checkpointPuts(w)).toEqual(['checkpoints/000000000001.json']);
      const text = w.archive.objects.get(checkpointKey(1))!;
      if (before !== undefined) expect(text).toBe(before);
      if (retry.status === 'written') expect(canonicalJson(retry.checkpoint)).toBe(text);
      const checkpoint = JSON.parse(text) as Checkpoint;
      expect(checkpoint).toMatchObject({ number: 1, prevHash: ZEROS, segments });
      expect(await w.ledger.checkpointHead()).toEqual({ number: 1, hash: sha256(text) });
      expect(await w.ledger.uncheckpointed()).toEqual([]);
      expect(w.archive.writes.filter((x) => x.key.startsWith('keys/'))).toHaveLength(1);
      expect(w.ledger.leaseHeld).toBeUndefined();

      // The chain goes on from it: the next checkpoint lists only what came after.
      await archiveMore(w, 'session-a', 1);
      const next = written(await writeCheckpoint(w.deps)).checkpoint;
      expect(next.number).toBe(2);
      expect(next.prevHash).toBe(sha256(text));
      expect(next.segments.map((s) => s.sessions.map((x) => [x.sessionId, x.firstSeq, x.lastSeq]))).toEqual([
        [['session-a', 3, 3]],
      ]);
    },
  );

  it.each(numbered(FIRST_CHECKPOINT.slice(0, -1)))(
    'when the writer dies right after step %i (%s), its lease holds others off until it expires, then the retry completes',
    async (n) => {
      // Prepare: the process is gone, so its lease is never released.
      const w = worldOf();
      w.diesOnCrash = true;
      await archiveMore(w, 'session-a', 2);
      w.faults.crashAfter(n);
      await expect(writeCheckpoint(w.deps)).rejects.toBeInstanceOf(InjectedCrash);
      w.faults.reset();
      w.now += 1000;
      const whileHeld = await writeCheckpoint(w.deps);
      w.now += LEASE_SECONDS * 1000;

      // Act
      const retry = await writeCheckpoint(w.deps);

      // Assess
      expect(whileHeld).toEqual({ status: 'busy' });
      expect(retry.status).toBe(n < ADVANCE ? 'written' : 'nothing-new');
      expect(checkpointPuts(w)).toEqual(['checkpoints/000000000001.json']);
      expect(await w.ledger.uncheckpointed()).toEqual([]);
      expect((await w.ledger.checkpointHead())?.number).toBe(1);
    },
  );

  it('adopts a checkpoint written before a crash as it is, and leaves segments archived since for the next one', async () => {
    // Prepare: the crash falls right after the checkpoint object was written.
    const w = worldOf();
    await archiveMore(w, 'session-a', 2);
    w.faults.crashAfter(FIRST_CHECKPOINT.indexOf('archive.putCheckpoint(checkpoints/000000000001.json)') + 1);
    await expect(writeCheckpoint(w.deps)).rejects.toBeInstanceOf(InjectedCrash);
    const bytes = w.archive.objects.get(checkpointKey(1))!;
    await archiveMore(w, 'session-b', 2);
    w.now += 60_000;

    // Act
    const adopted = written(await writeCheckpoint(w.deps));
    const next = written(await writeCheckpoint(w.deps));

    // Assess
    expect({ number: adopted.checkpoint.number, bytes: canonicalJson(adopted.checkpoint) }).toEqual({
      number: 1,
      bytes,
    });
    expect(adopted.checkpoint.sessions.map((s) => s.sessionId)).toEqual(['session-a']);
    expect(next.checkpoint.sessions.map((s) => s.sessionId)).toEqual(['session-b']);
    expect(next.checkpoint.prevHash).toBe(sha256(bytes));
  });

  it('does not list again the segments of a checkpoint whose writer stopped between moving the head and forgetting them', async () => {
    // Prepare
    const w = worldOf();
    await archiveMore(w, 'session-a', 2);
    w.faults.crashAfter(ADVANCE);
    await expect(writeCheckpoint(w.deps)).rejects.toBeInstanceOf(InjectedCrash);
    const stale = await w.ledger.uncheckpointed();
    await archiveMore(w, 'session-b', 1);

    // Act
    const next = written(await writeCheckpoint(w.deps)).checkpoint;

    // Assess
    expect(stale).toHaveLength(1);
    const first = JSON.parse(w.archive.objects.get(checkpointKey(1))!) as Checkpoint;
    expect(first.segments.map((s) => s.key)).toEqual(stale.map((s) => s.key));
    expect(next.segments.map((s) => s.key)).not.toContain(stale[0]!.key);
    expect(next.sessions.map((s) => s.sessionId)).toEqual(['session-b']);
    expect(await w.ledger.uncheckpointed()).toEqual([]);
  });

  it('keeps the checkpoint a successor wrote when a writer whose lease ran out while signing comes back', async () => {
    // Prepare: checkpoint 1 is in force; writer A stalls in KMS past its lease with segment 2 read.
    const w = worldOf();
    await archiveMore(w, 'session-a', 1);
    await writeCheckpoint(w.deps);
    await archiveMore(w, 'session-b', 1);
    const { signer: stalling, signing, resume } = stallingSigner(w.signer);
    const stalled = writeCheckpoint({ ...w.deps, signer: stalling });
    await signing;
    // Writer B takes the expired lease and writes checkpoint 2 over segments 2 and 3.
    w.now += (LEASE_SECONDS + 1) * 1000;
    await archiveMore(w, 'session-c', 1);
    const successor = written(await writeCheckpoint(w.deps)).checkpoint;

    // Act
    resume();
    const late = await stalled.then(
      () => 'finished',
      (error: Error) => error.message,
    );

    // Assess: checkpoint 2 is B's, the head names its bytes, and the chain goes on from them.
    const text = w.archive.objects.get(checkpointKey(2))!;
    expect(late).not.toBe('finished');
    expect(text).toBe(canonicalJson(successor));
    expect(await w.ledger.checkpointHead()).toEqual({ number: 2, hash: sha256(text) });
    expect(successor.sessions.map((s) => s.sessionId)).toEqual(['session-b', 'session-c']);
    await archiveMore(w, 'session-a', 1);
    const third = written(await writeCheckpoint(w.deps)).checkpoint;
    expect(third.prevHash).toBe(sha256(text));
    const listed = [...checkpointObjects(w).values()].flatMap((t) =>
      (JSON.parse(t) as Checkpoint).segments.map((seg) => seg.key),
    );
    expect(listed.sort()).toEqual([...w.archive.under('recordings/').keys()].sort());
  });

  it('does not move the head to its own bytes when a late writer finds its successor’s checkpoint not yet settled', async () => {
    // Prepare: A stalls in KMS past its lease; B writes checkpoint 2 and stops before moving the head.
    const w = worldOf();
    await archiveMore(w, 'session-a', 1);
    await writeCheckpoint(w.deps);
    await archiveMore(w, 'session-b', 1);
    const { signer: stalling, signing, resume } = stallingSigner(w.signer);
    const stalled = writeCheckpoint({ ...w.deps, signer: stalling });
    await signing;
    w.now += (LEASE_SECONDS + 1) * 1000;
    await archiveMore(w, 'session-c', 1);
    const pause = w.faults.pauseAfter(2);
    const successor = writeCheckpoint(w.deps);
    expect(await pause.reached).toBe('archive.putCheckpoint(checkpoints/000000000002.json)');

    // Act: A comes back first, then B.
    resume();
    const late = await stalled.then(
      () => 'finished',
      (error: Error) => error.message,
    );
    pause.resume();
    const settled = await successor;

    // Assess
    const text = w.archive.objects.get(checkpointKey(2))!;
    expect(late).toBe('checkpoint checkpoints/000000000002.json was written by another writer meanwhile');
    expect(canonicalJson(written(settled).checkpoint)).toBe(text);
    expect(await w.ledger.checkpointHead()).toEqual({ number: 2, hash: sha256(text) });
    expect(await w.ledger.uncheckpointed()).toEqual([]);
  });

  it('answers busy while another writer holds the lease, writing nothing and leaving its lease alone', async () => {
    // Prepare
    const w = worldOf();
    await archiveMore(w, 'session-a', 1);
    const until = new Date(w.now + 30_000).toISOString();
    await w.ledger.lease('another-writer', new Date(w.now).toISOString(), until);

    // Act
    const run = await writeCheckpoint(w.deps);

    // Assess
    expect(run).toEqual({ status: 'busy' });
    expect(checkpointObjects(w).size).toBe(0);
    expect(w.ledger.leaseHeld).toEqual({ holder: 'another-writer', until });
    expect(await w.ledger.uncheckpointed()).toHaveLength(1);
  });

  it('writes nothing when nothing new was archived, not even the public key', async () => {
    // Prepare
    const w = worldOf();

    // Act
    const run = await writeCheckpoint(w.deps);

    // Assess
    expect(run).toEqual({ status: 'nothing-new' });
    expect(w.archive.writes).toEqual([]);
    expect(await w.ledger.checkpointHead()).toBeUndefined();
    expect(w.ledger.leaseHeld).toBeUndefined();
  });

  it('writes an empty checkpoint when forced with nothing new, continuing the chain', async () => {
    // Prepare
    const w = worldOf();
    await archiveMore(w, 'session-a', 1);
    const first = written(await writeCheckpoint(w.deps));
    w.now += 1000;

    // Act
    const forced = written(await writeCheckpoint(w.deps, { force: true }));

    // Assess
    expect(forced.checkpoint).toMatchObject({
      number: 2,
      prevHash: sha256(w.archive.objects.get(first.key)!),
      segments: [],
      sessions: [],
      at: new Date(w.now).toISOString(),
    });
    expect(verifies(forced.checkpoint, await w.signer.publicKey())).toBe(true);
    expect(await w.ledger.checkpointHead()).toEqual({
      number: 2,
      hash: sha256(w.archive.objects.get(forced.key)!),
    });
  });

  it('chains checkpoints: each carries the SHA-256 of the previous bytes, and every segment is listed once', async () => {
    // Prepare
    const w = worldOf();
    const runs: CheckpointRun[] = [];

    // Act
    for (const [sessionId, count] of [
      ['session-a', 2],
      ['session-b', 1],
      ['session-a', 3],
      ['session-c', 1],
    ] as const) {
      await archiveMore(w, sessionId, count);
      if (sessionId !== 'session-b') runs.push(await writeCheckpoint(w.deps));
      w.now += 1000;
    }

    // Assess
    const texts = [...checkpointObjects(w).values()];
    const chain = texts.map((t) => JSON.parse(t) as Checkpoint);
    expect(runs.map((r) => r.status)).toEqual(['written', 'written', 'written']);
    expect(chain.map((c) => c.number)).toEqual([1, 2, 3]);
    expect(chain.map((c) => c.prevHash)).toEqual([ZEROS, sha256(texts[0]!), sha256(texts[1]!)]);
    expect(await w.ledger.checkpointHead()).toEqual({ number: 3, hash: sha256(texts[2]!) });
    const listed = chain.flatMap((c) => c.segments.map((s) => s.key));
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.sort()).toEqual([...w.archive.under('recordings/').keys()].sort());
    expect(chain[1]!.sessions.map((s) => [s.sessionId, s.lastSeq])).toEqual([
      ['session-a', 5],
      ['session-b', 1],
    ]);
    const head = await w.store.head('session-a');
    expect(chain[1]!.sessions[0]).toMatchObject({ lastSeq: head!.seq, lastHash: head!.hash });
  });

  it('signs each checkpoint so that node:crypto verifies it with the exported public key, and nothing altered', async () => {
    // Prepare
    const w = worldOf();
    await archiveMore(w, 'session-a', 2);

    // Act
    const { checkpoint } = written(await writeCheckpoint(w.deps));

    // Assess
    const publicKeyPem = w.archive.objects.get(await publicKeyObject(w))!;
    expect(publicKeyPem).toBe(await w.signer.publicKey());
    expect(verifies(checkpoint, publicKeyPem)).toBe(true);
    const truncated: Checkpoint = {
      ...checkpoint,
      sessions: checkpoint.sessions.map((s) => ({ ...s, lastSeq: s.lastSeq - 1 })),
    };
    expect(verifies(truncated, publicKeyPem)).toBe(false);
    // The context binds the signature to checkpoints: the bare JSON is not what was signed.
    const bare = canonicalJson(unsignedOf(checkpoint));
    expect(signedText(unsignedOf(checkpoint))).toBe(`${CHECKPOINT_CONTEXT}${bare}`);
    expect(
      verify('sha256', Buffer.from(bare), publicKeyPem, Buffer.from(checkpoint.signature, 'base64')),
    ).toBe(false);
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
    expect(verifies(checkpoint, other.export({ type: 'spki', format: 'pem' }).toString())).toBe(false);
  });

  it('names its key by the SHA-256 of the DER public key, and stores the key under that name', async () => {
    // Prepare
    const w = worldOf();
    await archiveMore(w, 'session-a', 1);

    // Act
    const { checkpoint } = written(await writeCheckpoint(w.deps));

    // Assess
    const pem = await w.signer.publicKey();
    const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
    const fingerprint = createHash('sha256').update(der).digest('hex');
    expect(keyFingerprint(pem)).toBe(fingerprint);
    expect(checkpoint.key).toEqual({ id: 'local', algorithm: 'ECDSA_P256_SHA256', fingerprint });
    expect(w.archive.objects.get(`keys/${fingerprint}.pem`)).toBe(pem);
  });

  it('writes the public key once across checkpoints', async () => {
    // Prepare
    const w = worldOf();
    await archiveMore(w, 'session-a', 1);
    await writeCheckpoint(w.deps);
    await archiveMore(w, 'session-a', 1);

    // Act
    await writeCheckpoint(w.deps);

    // Assess
    expect(w.archive.writes.filter((x) => x.key.startsWith('keys/'))).toHaveLength(1);
  });

  it('refuses to adopt a planted checkpoint that does not continue the head, and moves nothing', async () => {
    // Prepare: someone with write access puts a checkpoint 1 of their own making.
    const w = worldOf();
    await archiveMore(w, 'session-a', 1);
    await w.archive.putCheckpoint(
      checkpointKey(1),
      canonicalJson({ number: 1, prevHash: 'f'.repeat(64), segments: [] }),
    );

    // Act
    const run = writeCheckpoint(w.deps);

    // Assess
    await expect(run).rejects.toThrow(
      'checkpoint checkpoints/000000000001.json does not continue the chain head 0',
    );
    expect(await w.ledger.checkpointHead()).toBeUndefined();
    expect(await w.ledger.uncheckpointed()).toHaveLength(1);
    expect(w.ledger.leaseHeld).toBeUndefined();
  });

  it('fails, releasing its lease, when the head moved under it', async () => {
    // Prepare: another writer (its lease expired) moved the head between the read and the advance.
    const w = worldOf();
    await archiveMore(w, 'session-a', 1);
    const advance = w.ledger.advanceCheckpoint.bind(w.ledger);
    w.ledger.advanceCheckpoint = async (from, to) => {
      await advance(undefined, { number: 1, hash: 'e'.repeat(64) });
      return advance(from, to);
    };

    // Act
    const run = writeCheckpoint(w.deps);

    // Assess
    await expect(run).rejects.toThrow('the checkpoint head moved while checkpoint 1 was written');
    expect(await w.ledger.uncheckpointed()).toHaveLength(1);
    expect(w.ledger.leaseHeld).toBeUndefined();
  });

  it('releases its lease when signing fails, so the next run is not held off', async () => {
    // Prepare
    const failing: Signer = {
      keyId: 'broken',
      publicKey: async () => new LocalSigner(privateKey).publicKey(),
      sign: async () => Promise.reject(new Error('KMS is unavailable')),
    };
    const w = worldOf(failing);
    await archiveMore(w, 'session-a', 1);

    // Act
    const run = writeCheckpoint(w.deps);

    // Assess
    await expect(run).rejects.toThrow('KMS is unavailable');
    expect(w.ledger.leaseHeld).toBeUndefined();
    expect(checkpointObjects(w).size).toBe(0);
    expect(await w.ledger.uncheckpointed()).toHaveLength(1);
  });

  it('lists each segment as the ledger noted it, and the last seq and hash of every session it touches', async () => {
    // Prepare
    const w = worldOf();
    await archiveMore(w, 'session-b', 2);
    await archiveMore(w, 'session-a', 1);
    await archiveMore(w, 'session-b', 1);
    const segments: SegmentRecord[] = await w.ledger.uncheckpointed();

    // Act
    const { checkpoint } = written(await writeCheckpoint(w.deps));

    // Assess
    expect(checkpoint.segments).toEqual([...segments].sort((a, b) => (a.key < b.key ? -1 : 1)));
    const heads = await Promise.all(['session-a', 'session-b'].map((id) => w.store.head(id)));
    expect(checkpoint.sessions.map((s) => [s.sessionId, s.lastSeq, s.lastHash])).toEqual([
      ['session-a', heads[0]!.seq, heads[0]!.hash],
      ['session-b', heads[1]!.seq, heads[1]!.hash],
    ]);
  });
});
