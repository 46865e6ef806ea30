// Tamper tests for `tollgate evidence verify`: a real bundle (real segments archived by
// archiveSessions, real checkpoints signed by writeCheckpoint with a LocalSigner, exported by
// exportEvidence) verifies; then an attacker who controls the bundle, but not the signing key,
// edits it — sometimes recomputing every hash he can (manifest SHA-256s, event chains, even
// signatures with his own key) — and verify must name what is wrong and where. Bad input gives
// clear problems, never a throw.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { LocalSigner } from '../../../../lambdas/adapters/local/local-signer.js';
import {
  exportEvidence,
  MANIFEST_CONTEXT,
  type Manifest,
  type ManifestFile,
  SEGMENTS_DIR,
} from '../../../../lambdas/core/evidence/bundle.js';
import {
  type BundleReader,
  type VerifyReport,
  verifyBundle,
} from '../../../../lambdas/core/evidence/verify.js';
import type { Signer, StoredPolicyVersion, VersionStamp } from '../../../../lambdas/core/ports.js';
import { archiveSessions, segmentBody } from '../../../../lambdas/core/recording/archive-sessions.js';
import { canonicalJson, type JsonValue } from '../../../../lambdas/core/recording/canonical-json.js';
import {
  type Checkpoint,
  checkpointKey,
  KEYS_PREFIX,
  keyFingerprint,
  sha256Hex,
  signedText,
  writeCheckpoint,
} from '../../../../lambdas/core/recording/checkpoint.js';
import {
  GENESIS,
  type SessionEvent,
  type SessionEventType,
} from '../../../../lambdas/core/recording/events.js';
import { chainEvent, hashEvent } from '../../../../lambdas/core/recording/hash-chain.js';
import { InMemoryArchiveLedger } from '../../../support/in-memory-archive-ledger.js';
import { InMemoryRecordingArchive } from '../../../support/in-memory-recording-archive.js';
import { InMemorySessionStore } from '../../../support/in-memory-session-store.js';

const OWNER = { sub: 'agent', issuer: 'https://issuer.example' };
const PERIOD = { from: '2026-11-02T00:00:00.000Z', to: '2026-11-02T23:59:59.999Z' };
/** Sessions: `old` and `late` lie outside the period; `a` spans its start, `c` its end. */
const S = {
  old: 'sess-old',
  a: 'sess-a',
  b: 'sess-b',
  c: 'sess-c',
  d: 'sess-d',
  late: 'sess-late',
} as const;

type Files = Map<string, string>;

interface Fixture {
  readonly files: ReadonlyMap<string, string>;
  readonly manifest: Manifest;
  readonly warnings: readonly string[];
  /** The fingerprint the organisation publishes. */
  readonly fingerprint: string;
  /** Each session's segment files in the bundle, in chain order. */
  readonly segmentsOf: Readonly<Record<string, readonly string[]>>;
}

let fixture: Fixture;
let attacker: Signer;
let attackerPem: string;
let attackerFingerprint: string;

/**
 * Records six sessions through the real archiver and checkpoint writer, four checkpoints in all,
 * and exports the period 2026-11-02.
 */
const buildBundle = async (privateKey: KeyObject): Promise<Fixture> => {
  const store = new InMemorySessionStore();
  const ledger = new InMemoryArchiveLedger();
  const archive = new InMemoryRecordingArchive();
  const signer = new LocalSigner(privateKey);
  let now = 0;
  let ids = 0;
  const checkpointDeps = {
    ledger,
    archive,
    signer,
    clock: { now: () => new Date(now) },
    ids: { newId: () => `id-${++ids}` },
  };
  const append = async (
    sessionId: string,
    type: SessionEventType,
    at: string,
    data: Record<string, JsonValue> = {},
    requestId = 'req-0',
  ) => {
    await store.claimSession(sessionId, OWNER, at);
    const head = (await store.head(sessionId)) ?? GENESIS;
    expect(await store.putEvent(chainEvent(sessionId, head, { type, requestId, at, data }))).toBe('stored');
  };
  const plus = (at: string, seconds: number) => new Date(Date.parse(at) + seconds * 1000).toISOString();
  /** One allowed read: received, decided, completed. */
  const request = async (sessionId: string, at: string, sql: string) => {
    const requestId = `req-${sessionId}-${at}`;
    await append(sessionId, 'request.received', at, { principal: OWNER, connection: 'demo', sql }, requestId);
    await append(sessionId, 'request.decided', plus(at, 1), { outcome: 'allow' }, requestId);
    await append(sessionId, 'request.completed', plus(at, 2), { rows: 1 }, requestId);
  };
  const archiveRun = async (...sessionIds: string[]) => {
    const run = await archiveSessions({ sessions: store, archive, ledger }, sessionIds);
    expect(run).toMatchObject({ objects: 1, broken: [] });
  };
  const checkpoint = async (at: string) => {
    now = Date.parse(at);
    expect((await writeCheckpoint(checkpointDeps)).status).toBe('written');
  };

  await request(S.old, '2026-11-01T10:00:00.000Z', 'SELECT 1');
  await request(S.old, '2026-11-01T10:05:00.000Z', 'SELECT 2');
  await archiveRun(S.old);
  await request(S.a, '2026-11-01T23:50:00.000Z', 'SELECT a1');
  await archiveRun(S.a);
  await checkpoint('2026-11-01T23:55:00.000Z');

  await request(S.a, '2026-11-02T00:05:00.000Z', 'SELECT a2');
  await request(S.b, '2026-11-02T09:00:00.000Z', 'SELECT b1');
  // A write held for approval, approved by rita, executed.
  const held = 'req-b-held';
  const approval = { approvalId: 'appr-1' };
  const t = '2026-11-02T09:10:00.000Z';
  await append(S.b, 'request.received', t, { principal: OWNER, connection: 'demo', sql: 'UPDATE t' }, held);
  await append(S.b, 'request.decided', plus(t, 1), { outcome: 'approval', ...approval }, held);
  await append(S.b, 'approval.requested', plus(t, 2), { ...approval, justification: 'ticket 42' }, held);
  await append(
    S.b,
    'approval.decided',
    plus(t, 300),
    { ...approval, reviewer: 'rita', verdict: 'approve', reason: 'matches the ticket' },
    held,
  );
  await append(S.b, 'request.executing', plus(t, 305), { ...approval, approvedBy: 'rita' }, held);
  await append(S.b, 'request.completed', plus(t, 306), { affectedRows: 1 }, held);
  await archiveRun(S.a, S.b);
  await request(S.d, '2026-11-02T08:00:00.000Z', 'SELECT d1');
  await archiveRun(S.d);
  await checkpoint('2026-11-02T12:00:00.000Z');

  await request(S.b, '2026-11-02T15:00:00.000Z', 'SELECT b2');
  await request(S.c, '2026-11-02T23:50:00.000Z', 'SELECT c1');
  await archiveRun(S.b, S.c);
  await request(S.d, '2026-11-02T20:00:00.000Z', 'SELECT d2');
  await archiveRun(S.d);
  await checkpoint('2026-11-02T23:58:00.000Z');

  await request(S.c, '2026-11-03T00:10:00.000Z', 'SELECT c2');
  await request(S.late, '2026-11-03T01:00:00.000Z', 'SELECT late');
  await archiveRun(S.c, S.late);
  await checkpoint('2026-11-03T02:00:00.000Z');

  const stamp: VersionStamp = {
    version: 1,
    digest: 'd1',
    createdAt: '2026-10-01T00:00:00.000Z',
    createdBy: 'ops',
    comment: undefined,
  };
  const policy: StoredPolicyVersion = {
    ...stamp,
    sources: [{ name: 'base.cedar', text: 'permit(principal, action, resource);\n' }],
    schema: 'entity User;\n',
  };
  const files: Files = new Map();
  const { manifest, warnings } = await exportEvidence(
    {
      archive,
      signer,
      config: { policies: { list: async () => [stamp], get: async () => policy } },
      writer: {
        async write(path, content) {
          files.set(path, content);
        },
      },
    },
    { ...PERIOD, generatedAt: '2026-11-04T09:00:00.000Z' },
  );
  const segmentsOf: Record<string, string[]> = {};
  for (const [sessionId, keys] of store.archiveObjects)
    segmentsOf[sessionId] = keys.map((key) => `${SEGMENTS_DIR}${key}`);
  return { files, manifest, warnings, fingerprint: keyFingerprint(await signer.publicKey()), segmentsOf };
};

beforeAll(async () => {
  fixture = await buildBundle(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  attacker = new LocalSigner(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  attackerPem = await attacker.publicKey();
  attackerFingerprint = keyFingerprint(attackerPem);
});

// --- the bundle as a reader sees it, and what verify answers -----------------------------------

const copy = (): Files => new Map(fixture.files);

const readerOf = (files: ReadonlyMap<string, string>): BundleReader => ({
  list: async () => [...files.keys()],
  read: async (path) => {
    const text = files.get(path);
    return text === undefined ? undefined : Buffer.from(text, 'utf8');
  },
});

const verifyTrusting = (
  files: ReadonlyMap<string, string>,
  trusted: readonly string[] = [fixture.fingerprint],
) => verifyBundle(readerOf(files), { trustedFingerprints: trusted });

/** The problems as `code where`, each once, sorted: what the assertions compare exactly. */
const found = (report: VerifyReport) =>
  [...new Set(report.problems.map((p) => `${p.code} ${p.where}`))].sort();

const failsWith = async (files: ReadonlyMap<string, string>, expected: readonly string[]) => {
  const report = await verifyTrusting(files);
  expect(report.ok).toBe(false);
  expect(found(report)).toEqual([...expected].sort());
  return report;
};

// --- the attacker's tools ----------------------------------------------------------------------

const cp = (n: number) => checkpointKey(n);
const manifestOf = (files: ReadonlyMap<string, string>) =>
  JSON.parse(files.get('manifest.json')!) as Manifest;
const eventsIn = (files: ReadonlyMap<string, string>, path: string): SessionEvent[] =>
  files
    .get(path)!
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SessionEvent);
const segment = (sessionId: string, index: number) => fixture.segmentsOf[sessionId]![index]!;

/**
 * Rewrites one session's events across its segments: `edit` gets its events per segment (in
 * chain order) and changes them in place; with `rechain` the attacker then renumbers and re-hashes
 * the whole session from its first event, so every event links to the one before.
 */
const rewriteSession = (
  files: Files,
  sessionId: string,
  edit: (perSegment: SessionEvent[][]) => void,
  options: { rechain: boolean },
) => {
  const paths = fixture.segmentsOf[sessionId]!;
  const lines = paths.map((p) => eventsIn(files, p));
  const own = lines.map((l) => l.filter((e) => e.sessionId === sessionId));
  edit(own);
  if (options.rechain) {
    let head = GENESIS;
    for (const list of own)
      for (let i = 0; i < list.length; i++) {
        const unhashed = { ...list[i]!, seq: head.seq + 1, prevHash: head.hash };
        const { hash: _, ...rest } = unhashed;
        const event = { ...rest, hash: hashEvent(rest) };
        list[i] = event;
        head = { seq: event.seq, hash: event.hash };
      }
  }
  paths.forEach((path, i) => {
    const all = lines[i]!;
    const first = all.findIndex((e) => e.sessionId === sessionId);
    const last = all.findLastIndex((e) => e.sessionId === sessionId);
    files.set(path, segmentBody([...all.slice(0, first), ...own[i]!, ...all.slice(last + 1)]));
  });
};

/** A forged event the attacker slips in: made to look like the others. */
const forged = (sessionId: string, at: string): SessionEvent => ({
  sessionId,
  seq: 0,
  prevHash: GENESIS.hash,
  type: 'request.received',
  requestId: 'req-forged',
  at,
  data: { principal: { sub: 'mallory', issuer: OWNER.issuer }, connection: 'demo', sql: 'SELECT secrets' },
  hash: '',
});

/** Recomputes the manifest's file list (SHA-256, bytes) from the files present; `edit` changes more. */
const manifestText = (files: Files, edit: (m: Record<string, unknown>) => void = () => {}) => {
  const list: ManifestFile[] = [...files]
    .filter(([path]) => path !== 'manifest.json' && path !== 'manifest.sig')
    .map(([path, content]) => ({ path, sha256: sha256Hex(content), bytes: Buffer.byteLength(content) }))
    .sort((x, y) => (x.path < y.path ? -1 : 1));
  const manifest = { ...manifestOf(files), files: list } as Record<string, unknown>;
  edit(manifest);
  return `${JSON.stringify(manifest, null, 2)}\n`;
};

/** The attacker recomputes every SHA-256 in the manifest; he cannot sign it. */
const rehashManifest = (files: Files, edit?: (m: Record<string, unknown>) => void) => {
  files.set('manifest.json', manifestText(files, edit));
};

/** The attacker recomputes the manifest and signs it with his own key, shipping that key. */
const resignManifest = async (files: Files, edit: (m: Record<string, unknown>) => void = () => {}) => {
  files.set('public-key.pem', attackerPem);
  const text = manifestText(files, (m) => {
    m.key = { id: attacker.keyId, fingerprint: attackerFingerprint };
    edit(m);
  });
  files.set('manifest.json', text);
  files.set(
    'manifest.sig',
    `${Buffer.from(await attacker.sign(`${MANIFEST_CONTEXT}${text}`)).toString('base64')}\n`,
  );
};

/** The attacker re-signs every checkpoint with his key and re-links their chain; keys/ holds only his. */
const resignCheckpoints = async (files: Files, edit: (c: Checkpoint) => Checkpoint = (c) => c) => {
  let prevHash = GENESIS.hash;
  for (let n = 1; files.has(cp(n)); n++) {
    const { signature: _, ...old } = edit(JSON.parse(files.get(cp(n))!) as Checkpoint);
    const unsigned = {
      ...old,
      prevHash,
      key: { id: attacker.keyId, algorithm: 'ECDSA_P256_SHA256' as const, fingerprint: attackerFingerprint },
    };
    const signature = Buffer.from(await attacker.sign(signedText(unsigned))).toString('base64');
    const text = canonicalJson({ ...unsigned, signature } as unknown as JsonValue);
    files.set(cp(n), text);
    prevHash = sha256Hex(text);
  }
  files.delete(`${KEYS_PREFIX}${fixture.fingerprint}.pem`);
  files.set(`${KEYS_PREFIX}${attackerFingerprint}.pem`, attackerPem);
};

const editJson = (files: Files, path: string, edit: (value: Record<string, unknown>) => unknown) => {
  const value = JSON.parse(files.get(path)!) as Record<string, unknown>;
  files.set(path, `${JSON.stringify(edit(value) ?? value)}`);
};

// --- the tests ---------------------------------------------------------------------------------

describe('an untouched bundle', () => {
  it('is exported whole: four checkpoints, the six segments of the four sessions in scope', () => {
    // Prepare / Act: beforeAll. Assess
    expect(fixture.warnings).toEqual([]);
    expect(fixture.manifest.counts).toEqual({
      checkpoints: 4,
      segments: 6,
      sessions: 4,
      events: 30,
      approvals: 1,
    });
    const segments = [...fixture.files.keys()].filter((p) => p.startsWith(SEGMENTS_DIR));
    expect(segments.sort()).toEqual(
      [
        ...fixture.segmentsOf[S.a]!,
        ...fixture.segmentsOf[S.b]!,
        ...fixture.segmentsOf[S.c]!,
        ...fixture.segmentsOf[S.d]!,
      ]
        .filter((p, i, all) => all.indexOf(p) === i)
        .sort(),
    );
    // Outside the period: `old` is not exported; `late` only shares c's last segment.
    expect(fixture.files.has(segment(S.old, 0))).toBe(false);
    expect(segment(S.late, 0)).toBe(segment(S.c, 1));
  });

  it('verifies with the trusted fingerprint: ok, no problems, the key trusted', async () => {
    const report = await verifyTrusting(fixture.files);

    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.key).toEqual({ fingerprint: fixture.fingerprint, trusted: true });
    expect(report.period).toEqual(PERIOD);
    expect(report.coveredUntil).toBe('2026-11-03T02:00:00.000Z');
    expect(report.counts).toEqual({
      files: fixture.files.size,
      checkpoints: 4,
      segments: 6,
      sessions: 4,
      events: 30,
    });
  });

  it('verifies without a trusted fingerprint, and says the key was not compared', async () => {
    const report = await verifyTrusting(fixture.files, []);

    expect(report.ok).toBe(true);
    expect(report.key).toEqual({ fingerprint: fixture.fingerprint, trusted: false });
  });
});

describe('an event', () => {
  it('modified: the segment differs from the manifest and its checkpoint, the chain breaks', async () => {
    const files = copy();
    rewriteSession(
      files,
      S.b,
      ([first]) => {
        first![0] = { ...first![0]!, data: { ...first![0]!.data, sql: 'SELECT nothing' } };
      },
      { rechain: false },
    );

    const report = await failsWith(files, [
      `file_altered ${segment(S.b, 0)}`,
      `segment_altered ${segment(S.b, 0)}`,
      `session_chain_broken session ${S.b}`,
    ]);
    expect(report.problems.find((p) => p.code === 'session_chain_broken')?.message).toMatch(
      /seq 1: hash does not match content/,
    );
  });

  it('modified and re-chained, manifest re-hashed: the checkpoints still hold the old last hashes', async () => {
    const files = copy();
    rewriteSession(
      files,
      S.b,
      ([first]) => {
        first![0] = { ...first![0]!, data: { ...first![0]!.data, sql: 'SELECT nothing' } };
      },
      { rechain: true },
    );
    rehashManifest(files);

    await failsWith(files, [
      'manifest_signature_invalid manifest.sig',
      `segment_altered ${segment(S.b, 0)}`,
      `segment_altered ${segment(S.b, 1)}`,
      `segment_content_mismatch ${segment(S.b, 0)}`,
      `segment_content_mismatch ${segment(S.b, 1)}`,
      `session_chain_broken session ${S.b}`,
    ]);
  });

  it('deleted: a gap in the chain and in the seq range its checkpoint lists', async () => {
    const files = copy();
    rewriteSession(
      files,
      S.b,
      ([first]) => {
        first!.splice(4, 1);
      },
      { rechain: false },
    );

    const report = await failsWith(files, [
      `file_altered ${segment(S.b, 0)}`,
      'manifest_mismatch manifest.json',
      `segment_altered ${segment(S.b, 0)}`,
      `segment_content_mismatch ${segment(S.b, 0)}`,
      `session_chain_broken session ${S.b}`,
    ]);
    expect(report.problems.find((p) => p.code === 'session_chain_broken')?.message).toMatch(
      /seq 6: expected seq 5/,
    );
  });

  it('reordered: the segment no longer holds its seq range in order', async () => {
    const files = copy();
    rewriteSession(
      files,
      S.b,
      ([first]) => {
        [first![1], first![2]] = [first![2]!, first![1]!];
      },
      { rechain: false },
    );

    await failsWith(files, [
      `file_altered ${segment(S.b, 0)}`,
      `segment_altered ${segment(S.b, 0)}`,
      `segment_content_mismatch ${segment(S.b, 0)}`,
    ]);
  });

  it('reordered and re-chained (seq and hashes renumbered): the last hashes differ from the checkpoints', async () => {
    const files = copy();
    rewriteSession(
      files,
      S.b,
      ([first]) => {
        [first![1], first![2]] = [first![2]!, first![1]!];
      },
      { rechain: true },
    );

    await failsWith(files, [
      `file_altered ${segment(S.b, 0)}`,
      `file_altered ${segment(S.b, 1)}`,
      `segment_altered ${segment(S.b, 0)}`,
      `segment_altered ${segment(S.b, 1)}`,
      `segment_content_mismatch ${segment(S.b, 0)}`,
      `segment_content_mismatch ${segment(S.b, 1)}`,
      `session_chain_broken session ${S.b}`,
    ]);
  });

  it('inserted and not re-chained: the forged event breaks the chain', async () => {
    const files = copy();
    rewriteSession(
      files,
      S.b,
      ([first]) => {
        first!.splice(3, 0, { ...forged(S.b, '2026-11-02T09:05:00.000Z'), seq: 4 });
      },
      { rechain: false },
    );

    await failsWith(files, [
      `file_altered ${segment(S.b, 0)}`,
      `segment_altered ${segment(S.b, 0)}`,
      `segment_content_mismatch ${segment(S.b, 0)}`,
      `session_chain_broken session ${S.b}`,
    ]);
  });

  it('inserted and re-chained after it, manifest re-hashed: the session runs past what the checkpoints list', async () => {
    const files = copy();
    rewriteSession(
      files,
      S.b,
      ([first]) => {
        first!.splice(3, 0, forged(S.b, '2026-11-02T09:05:00.000Z'));
      },
      { rechain: true },
    );
    rehashManifest(files);

    const report = await failsWith(files, [
      'manifest_signature_invalid manifest.sig',
      'manifest_mismatch manifest.json',
      `segment_altered ${segment(S.b, 0)}`,
      `segment_altered ${segment(S.b, 1)}`,
      `segment_content_mismatch ${segment(S.b, 0)}`,
      `segment_content_mismatch ${segment(S.b, 1)}`,
      `session_truncated session ${S.b}`,
    ]);
    expect(report.problems.find((p) => p.code === 'session_truncated')?.message).toMatch(
      /ends at seq 13; the checkpoints list it up to seq 12/,
    );
  });

  it('the last ones truncated: the session ends before what the checkpoints list', async () => {
    const files = copy();
    rewriteSession(
      files,
      S.b,
      (perSegment) => {
        perSegment[1]!.splice(-2);
      },
      { rechain: false },
    );

    const report = await failsWith(files, [
      `file_altered ${segment(S.b, 1)}`,
      'manifest_mismatch manifest.json',
      `segment_altered ${segment(S.b, 1)}`,
      `segment_content_mismatch ${segment(S.b, 1)}`,
      `session_truncated session ${S.b}`,
    ]);
    expect(report.problems.find((p) => p.code === 'session_truncated')?.message).toMatch(
      /ends at seq 10; the checkpoints list it up to seq 12/,
    );
  });

  it('truncated with re-chained, re-dated events and a re-hashed manifest: still short of the checkpoints', async () => {
    const files = copy();
    rewriteSession(
      files,
      S.c,
      (perSegment) => {
        perSegment[1]!.splice(-1);
      },
      { rechain: true },
    );
    rehashManifest(files);

    await failsWith(files, [
      'manifest_signature_invalid manifest.sig',
      'manifest_mismatch manifest.json',
      `segment_altered ${segment(S.c, 1)}`,
      `segment_content_mismatch ${segment(S.c, 1)}`,
      `session_truncated session ${S.c}`,
    ]);
  });
});

describe('a segment or a session', () => {
  it('a segment dropped with its manifest line, the manifest not re-signed', async () => {
    const files = copy();
    files.delete(segment(S.a, 0));
    rehashManifest(files);

    const report = await failsWith(files, [
      'manifest_signature_invalid manifest.sig',
      `segment_missing ${segment(S.a, 0)}`,
      `session_chain_broken session ${S.a}`,
      'manifest_mismatch manifest.json',
    ]);
    expect(report.problems.find((p) => p.code === 'segment_missing')?.message).toContain(S.a);
  });

  it('a segment dropped, the manifest re-signed by the attacker: his key is not trusted', async () => {
    const files = copy();
    files.delete(segment(S.a, 0));
    await resignManifest(files, (m) => {
      // Figures to match: the checkpoints still count six segments.
      m.counts = { ...(m.counts as object), events: 27 };
    });

    await failsWith(files, [
      'key_untrusted public-key.pem',
      `segment_missing ${segment(S.a, 0)}`,
      `session_chain_broken session ${S.a}`,
    ]);
  });

  it('a whole session dropped (every segment of it): the checkpoints place it in the period', async () => {
    const files = copy();
    for (const path of fixture.segmentsOf[S.d]!) files.delete(path);

    const report = await failsWith(files, [
      ...fixture.segmentsOf[S.d]!.map((p) => `file_missing ${p}`),
      ...fixture.segmentsOf[S.d]!.map((p) => `segment_missing ${p}`),
      `session_missing session ${S.d}`,
      'manifest_mismatch manifest.json',
    ]);
    expect(report.counts.sessions).toBe(4);
  });

  it('a whole session cut out of segments it shares, every hash recomputed, re-signed by the attacker', async () => {
    const files = copy();
    rewriteSession(
      files,
      S.b,
      (perSegment) => {
        for (const list of perSegment) list.splice(0);
      },
      { rechain: false },
    );
    files.set('approvals.json', '[]\n');
    await resignManifest(files, (m) => {
      m.counts = { ...(m.counts as object), sessions: 3, events: 15, approvals: 0 };
    });

    await failsWith(files, [
      'key_untrusted public-key.pem',
      `segment_altered ${segment(S.b, 0)}`,
      `segment_altered ${segment(S.b, 1)}`,
      `segment_content_mismatch ${segment(S.b, 0)}`,
      `segment_content_mismatch ${segment(S.b, 1)}`,
      `session_missing session ${S.b}`,
      'manifest_mismatch manifest.json',
    ]);
  });
});

describe('a checkpoint', () => {
  it('a field altered: its signature fails, and the next one no longer links to it', async () => {
    const files = copy();
    editJson(files, cp(2), (c) => ({ ...c, at: '2026-11-02T11:00:00.000Z' }));

    await failsWith(files, [
      `file_altered ${cp(2)}`,
      'checkpoint_signature_invalid checkpoint 2',
      'checkpoint_chain_broken checkpoint 3',
    ]);
  });

  it('a session listing altered to drop it from the period, manifest re-hashed: the signature fails', async () => {
    const files = copy();
    editJson(files, cp(3), (c) => ({
      ...c,
      segments: (c.segments as Checkpoint['segments']).map((s) => ({
        ...s,
        sessions: s.sessions.filter((x) => x.sessionId !== S.d),
      })),
    }));
    rehashManifest(files);

    // Were the listing believed, d's second segment would fall out and d end early: named too.
    await failsWith(files, [
      'manifest_signature_invalid manifest.sig',
      'checkpoint_signature_invalid checkpoint 3',
      'checkpoint_chain_broken checkpoint 4',
      `segment_unlisted ${segment(S.d, 1)}`,
      `session_truncated session ${S.d}`,
      'manifest_mismatch manifest.json',
    ]);
  });

  it('the first dropped: checkpoint 1 is missing, and the segments it listed are unaccounted for', async () => {
    const files = copy();
    files.delete(cp(1));

    await failsWith(files, [
      `file_missing ${cp(1)}`,
      'checkpoint_missing checkpoint 2',
      'checkpoint_missing checkpoints/',
      `segment_unlisted ${segment(S.a, 0)}`,
      `session_chain_broken session ${S.a}`,
      'manifest_mismatch manifest.json',
    ]);
  });

  it('a middle one dropped: a gap in the checkpoint numbers', async () => {
    const files = copy();
    files.delete(cp(2));
    rehashManifest(files);

    // The segments it listed (a's and b's first, d's first) are no longer accounted for; a's
    // remaining events all precede the period, so a drops out of scope and its segment with it.
    await failsWith(files, [
      'manifest_signature_invalid manifest.sig',
      'checkpoint_missing checkpoint 3',
      'checkpoint_missing checkpoints/',
      `segment_unlisted ${segment(S.a, 0)}`,
      `segment_unlisted ${segment(S.b, 0)}`,
      `segment_unlisted ${segment(S.d, 0)}`,
      `session_chain_broken session ${S.b}`,
      `session_chain_broken session ${S.d}`,
      'manifest_mismatch manifest.json',
      'approvals_mismatch approvals.json',
    ]);
  });

  it('the last dropped: the manifest counts it and is covered until it', async () => {
    const files = copy();
    files.delete(cp(4));

    const report = await failsWith(files, [
      `file_missing ${cp(4)}`,
      'checkpoint_missing checkpoints/',
      `segment_unlisted ${segment(S.c, 1)}`,
      'manifest_mismatch manifest.json',
    ]);
    expect(report.problems.filter((p) => p.code === 'checkpoint_missing').map((p) => p.message)).toEqual([
      'the manifest counts 4 checkpoints, the bundle holds 3',
      'the manifest is covered until 2026-11-03T02:00:00.000Z, the last checkpoint is of 2026-11-02T23:58:00.000Z',
    ]);
  });

  it('the last dropped with its segment, the manifest re-signed by the attacker to match: his key', async () => {
    const files = copy();
    files.delete(cp(4));
    files.delete(segment(S.c, 1));
    await resignManifest(files, (m) => {
      m.coveredUntil = '2026-11-02T23:58:00.000Z';
      m.counts = { ...(m.counts as object), checkpoints: 3, segments: 5, events: 27 };
    });

    await failsWith(files, ['key_untrusted public-key.pem']);
  });
});

describe('the manifest', () => {
  it('a count altered', async () => {
    const files = copy();
    editJson(files, 'manifest.json', (m) => ({ ...m, counts: { ...(m.counts as object), sessions: 3 } }));

    const report = await failsWith(files, [
      'manifest_signature_invalid manifest.sig',
      'manifest_mismatch manifest.json',
    ]);
    expect(report.problems.find((p) => p.code === 'manifest_mismatch')?.message).toMatch(/3 sessions/);
  });

  it('a count altered and re-signed by the attacker: caught without a trusted key, as not self-consistent', async () => {
    const files = copy();
    await resignManifest(files, (m) => {
      m.counts = { ...(m.counts as object), approvals: 0 };
    });

    const report = await verifyTrusting(files, []);
    expect(report.ok).toBe(false);
    expect(found(report)).toEqual(['manifest_mismatch manifest.json']);
  });

  it('a file hash altered', async () => {
    const files = copy();
    editJson(files, 'manifest.json', (m) => ({
      ...m,
      files: (m.files as ManifestFile[]).map((f) =>
        f.path === 'report.html' ? { ...f, sha256: '0'.repeat(64) } : f,
      ),
    }));

    await failsWith(files, ['manifest_signature_invalid manifest.sig', 'file_altered report.html']);
  });

  it('the period narrowed so that a session falls out of scope', async () => {
    const files = copy();
    editJson(files, 'manifest.json', (m) => ({
      ...m,
      period: { ...PERIOD, to: '2026-11-02T22:00:00.000Z' },
    }));

    const report = await failsWith(files, [
      'manifest_signature_invalid manifest.sig',
      `segment_unlisted ${segment(S.c, 1)}`,
      'manifest_mismatch manifest.json',
    ]);
    expect(report.counts.sessions).toBe(3);
  });

  it('the period narrowed, the dropped session removed and everything re-signed by the attacker', async () => {
    const files = copy();
    files.delete(segment(S.c, 1));
    await resignManifest(files, (m) => {
      m.period = { ...PERIOD, to: '2026-11-02T22:00:00.000Z' };
      m.counts = { ...(m.counts as object), segments: 5, sessions: 3, events: 24 };
    });

    await failsWith(files, ['key_untrusted public-key.pem']);
    // Without the published fingerprint a narrower, self-consistent bundle cannot be told apart from
    // an honest one for that period: the report shows the period and that the key was not compared.
    const untrusted = await verifyTrusting(files, []);
    expect(untrusted.key).toEqual({ fingerprint: attackerFingerprint, trusted: false });
    expect(untrusted.period?.to).toBe('2026-11-02T22:00:00.000Z');
  });

  it('the signature removed', async () => {
    const files = copy();
    files.delete('manifest.sig');

    await failsWith(files, ['manifest_signature_invalid manifest.sig']);
  });
});

describe('the public key', () => {
  it('public-key.pem swapped, nothing re-signed', async () => {
    const files = copy();
    files.set('public-key.pem', attackerPem);

    await failsWith(files, [
      'file_altered public-key.pem',
      'manifest_signature_invalid manifest.sig',
      'key_untrusted public-key.pem',
    ]);
  });

  it('public-key.pem and keys/ swapped, every checkpoint and the manifest re-signed: only the trusted fingerprint tells', async () => {
    const files = copy();
    await resignCheckpoints(files);
    await resignManifest(files);

    // Without --key-fingerprint the bundle is self-consistent; the report says the key is not trusted.
    const untrusted = await verifyTrusting(files, []);
    expect(untrusted.problems).toEqual([]);
    expect(untrusted.key).toEqual({ fingerprint: attackerFingerprint, trusted: false });
    // With the published fingerprint, the manifest and every checkpoint are named.
    const report = await failsWith(files, [
      'key_untrusted public-key.pem',
      'key_untrusted checkpoint 1',
      'key_untrusted checkpoint 2',
      'key_untrusted checkpoint 3',
      'key_untrusted checkpoint 4',
    ]);
    expect(report.key).toEqual({ fingerprint: attackerFingerprint, trusted: false });
  });

  it('a key file that shows the trusted fingerprint but holds the attacker key is not trusted', async () => {
    // PEM readers skip text before "-----BEGIN"; a fingerprint taken over the whole file's base64
    // would stop at the trusted key's padding. So the attacker prepends the trusted key's base64 to
    // his own PEM, keeps every fingerprint field as it was, and signs everything with his key. The
    // fingerprint is of the key the crypto library reads: his.
    const files = copy();
    const base64 = files
      .get('public-key.pem')!
      .replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '')
      .replace(/\s+/g, '');
    const disguised = `${base64}\n${attackerPem}`;
    expect(keyFingerprint(disguised)).toBe(attackerFingerprint);
    let prevHash = GENESIS.hash;
    for (let n = 1; files.has(cp(n)); n++) {
      const { signature: _, ...old } = JSON.parse(files.get(cp(n))!) as Checkpoint;
      const unsigned = { ...old, prevHash };
      const signature = Buffer.from(await attacker.sign(signedText(unsigned))).toString('base64');
      const text = canonicalJson({ ...unsigned, signature } as unknown as JsonValue);
      files.set(cp(n), text);
      prevHash = sha256Hex(text);
    }
    files.set(`${KEYS_PREFIX}${fixture.fingerprint}.pem`, disguised);
    files.set('public-key.pem', disguised);
    const text = manifestText(files);
    files.set('manifest.json', text);
    files.set(
      'manifest.sig',
      `${Buffer.from(await attacker.sign(`${MANIFEST_CONTEXT}${text}`)).toString('base64')}\n`,
    );

    const report = await failsWith(files, [
      'key_untrusted public-key.pem',
      'checkpoint_signature_invalid checkpoint 1',
      'checkpoint_signature_invalid checkpoint 2',
      'checkpoint_signature_invalid checkpoint 3',
      'checkpoint_signature_invalid checkpoint 4',
    ]);
    expect(report.key.trusted).toBe(false);
  });
});

describe('other files', () => {
  it('an extra file the manifest does not list', async () => {
    const files = copy();
    files.set('notes.txt', 'nothing to see\n');

    await failsWith(files, ['file_unlisted notes.txt']);
  });

  it('an extra segment, added to the manifest: no checkpoint places it in the period', async () => {
    const files = copy();
    const path = `${SEGMENTS_DIR}recordings/2026-11-02/${'f'.repeat(64)}.ndjson`;
    files.set(path, segmentBody([{ ...forged(S.b, '2026-11-02T10:00:00.000Z'), seq: 1 }]));
    rehashManifest(files);

    await failsWith(files, ['manifest_signature_invalid manifest.sig', `segment_unlisted ${path}`]);
  });

  it('approvals.json edited: another reviewer', async () => {
    const files = copy();
    files.set('approvals.json', files.get('approvals.json')!.replace('"rita"', '"rob"'));
    expect(files.get('approvals.json')).not.toBe(fixture.files.get('approvals.json'));

    await failsWith(files, ['file_altered approvals.json', 'approvals_mismatch approvals.json']);
  });

  it('approvals.json edited and the manifest re-hashed', async () => {
    const files = copy();
    files.set('approvals.json', '[]\n');
    rehashManifest(files);

    await failsWith(files, ['manifest_signature_invalid manifest.sig', 'approvals_mismatch approvals.json']);
  });

  it('a config file edited', async () => {
    const files = copy();
    files.set('config/policies/v1/base.cedar', 'forbid(principal, action, resource);\n');

    await failsWith(files, ['file_altered config/policies/v1/base.cedar']);
  });
});

describe('bad input: clear problems, never a throw', () => {
  it('an empty folder', async () => {
    const report = await verifyTrusting(new Map());

    expect(report.ok).toBe(false);
    expect(found(report)).toEqual(['manifest_missing manifest.json']);
    expect(report.key).toEqual({ fingerprint: null, trusted: false });
  });

  it.each([
    ['not JSON', '{"format": "tollgate.evidence/1", '],
    ['JSON null', 'null'],
    ['another format', '{"format":"other/1","files":[],"period":{}}'],
    [
      'files that are not files',
      '{"format":"tollgate.evidence/1","period":{"from":"a","to":"b"},"files":[null]}',
    ],
    [
      'a path that is not text',
      '{"format":"tollgate.evidence/1","period":{"from":"a","to":"b"},"files":[{"path":5}]}',
    ],
    ['a period that is not text', '{"format":"tollgate.evidence/1","period":{"from":1,"to":2},"files":[]}'],
  ])('a manifest that is %s', async (_, text) => {
    const files = copy();
    files.set('manifest.json', text);

    const report = await verifyTrusting(files);
    expect(report.ok).toBe(false);
    expect(found(report)).toEqual(['manifest_invalid manifest.json']);
  });

  it('a checkpoint that is not JSON', async () => {
    const files = copy();
    files.set(cp(2), '{"format":"tollgate.checkpoint/1",');

    const report = await verifyTrusting(files);
    expect(report.ok).toBe(false);
    expect(found(report)).toEqual(
      expect.arrayContaining([
        `checkpoint_invalid ${cp(2)}`,
        `file_altered ${cp(2)}`,
        'checkpoint_missing checkpoint 3',
      ]),
    );
    expect(report.problems.find((p) => p.code === 'checkpoint_invalid')?.message).toMatch(/cannot be read/);
  });

  it.each([
    ['a segment that is not one', (c: Record<string, unknown>) => ({ ...c, segments: [null] })],
    ['a session listing that is not one', (c: Record<string, unknown>) => ({ ...c, sessions: [7] })],
    ['no key', (c: Record<string, unknown>) => ({ ...c, key: null })],
    [
      'a segment listing without sessions',
      (c: Record<string, unknown>) => ({ ...c, segments: [{ key: 'x', sha256: 'y' }] }),
    ],
  ])('a checkpoint with %s', async (_, edit) => {
    const files = copy();
    editJson(files, cp(2), edit);
    files.set(`${KEYS_PREFIX}undefined.pem`, files.get('public-key.pem')!);

    const report = await verifyTrusting(files);
    expect(report.ok).toBe(false);
    expect(found(report)).toEqual(expect.arrayContaining([`checkpoint_invalid ${cp(2)}`]));
  });

  it('a checkpoint listing billions of events in a segment', async () => {
    const files = copy();
    editJson(files, cp(2), (c) => ({
      ...c,
      segments: (c.segments as Checkpoint['segments']).map((s) => ({
        ...s,
        sessions: s.sessions.map((x) => (x.sessionId === S.b ? { ...x, lastSeq: 4_000_000_000 } : x)),
      })),
    }));

    const report = await verifyTrusting(files);
    expect(report.ok).toBe(false);
    expect(found(report)).toEqual(
      expect.arrayContaining([
        `file_altered ${cp(2)}`,
        'checkpoint_signature_invalid checkpoint 2',
        `segment_content_mismatch ${segment(S.b, 0)}`,
      ]),
    );
  });

  it('two checkpoints with the same number', async () => {
    const files = copy();
    files.set('checkpoints/000000000002-copy.json', files.get(cp(2))!);

    const report = await verifyTrusting(files);
    expect(found(report)).toEqual([
      'checkpoint_invalid checkpoints/000000000002-copy.json',
      'file_unlisted checkpoints/000000000002-copy.json',
    ]);
  });

  it.each([
    ['not JSON', '{"sessionId": '],
    ['JSON null', 'null'],
    ['a number', '42'],
    [
      'an event without data',
      '{"sessionId":"sess-b","seq":1,"prevHash":"0","hash":"0","type":"request.received","requestId":"r","at":"x"}',
    ],
  ])('a segment line that is %s', async (_, line) => {
    const files = copy();
    const path = segment(S.b, 0);
    files.set(path, `${line}\n${files.get(path)!}`);

    const report = await verifyTrusting(files);
    expect(report.ok).toBe(false);
    expect(found(report)).toEqual(
      expect.arrayContaining([`file_altered ${path}`, `segment_altered ${path}`]),
    );
    expect(
      report.problems.find((p) => p.code === 'segment_altered' && /line 1/.test(p.message)),
    ).toBeDefined();
  });

  it('a public-key.pem that is not a key', async () => {
    const files = copy();
    files.set('public-key.pem', 'not a key\n');

    const report = await verifyTrusting(files);
    expect(report.ok).toBe(false);
    expect(found(report)).toEqual(
      expect.arrayContaining(['manifest_signature_invalid public-key.pem', 'key_untrusted public-key.pem']),
    );
  });
});
