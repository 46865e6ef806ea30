// Evidence end to end, as a compliance team and an auditor use it: a local gateway (in this process)
// records a few agent requests; `tollgate sessions` lists them, `tollgate replay` shows one in the
// terminal and as HTML, `tollgate evidence export` writes the bundle of the period and
// `tollgate evidence verify` checks it offline (child processes, as users run them). Reads of
// recordings land in the access audit session; someone else's session is not found; a tampered
// bundle fails with the problem named.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevIssuer, loadDevIssuer } from '../../lambdas/adapters/local/dev-issuer.js';
import { type LocalGateway, startLocalGateway } from '../../lambdas/wiring/local.js';
import { tollgate } from './cli-support.js';

const TIMEOUT = 120_000;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const CONFIG = `
connections:
  - name: demo-postgres
    kind: postgres
    allowGroups: [agents]
    target: { demo: true }
    classification: { customers.email: EMAIL_ADDRESS }
    limits: { rowLimit: 100, statementTimeoutMs: 5000 }
`;
const SESSION = 'evidence-e2e-session-0001';

describe('sessions, replay, evidence export and verify', () => {
  let dir: string;
  let dataDir: string;
  let gateway: LocalGateway;
  let issuer: DevIssuer;
  let env: Record<string, string>;

  const sql = async (statement: string, sub = 'agent-7', session = SESSION) => {
    const response = await fetch(`${gateway.url}/v1/connections/demo-postgres/sql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${issuer.signToken({ sub, groups: ['agents'], ttlSeconds: 300 })}`,
        'content-type': 'application/json',
        'x-tollgate-session': session,
      },
      body: JSON.stringify({ sql: statement }),
    });
    return response.status;
  };

  const api = async (path: string, sub: string, groups: string[]) => {
    const response = await fetch(`${gateway.url}${path}`, {
      headers: { authorization: `Bearer ${issuer.signToken({ sub, groups, ttlSeconds: 300 })}` },
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-evidence-'));
    dataDir = join(dir, 'data');
    writeFileSync(join(dir, 'tollgate.yaml'), CONFIG);
    gateway = await startLocalGateway({
      dataDir,
      configFile: join(dir, 'tollgate.yaml'),
      port: 0,
      logger: silent,
      archiveIntervalMs: 200,
    });
    issuer = loadDevIssuer(join(dataDir, 'issuer'), { create: false });
    env = { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PORT: String(gateway.port), USER: 'audrey' };
    expect(await sql('SELECT id, email FROM customers ORDER BY id LIMIT 2')).toBe(200);
    expect(await sql('SELECT count(*) FROM orders')).toBe(200);
    expect(await sql('DROP TABLE customers')).toBe(403);
    expect(await sql('SELECT 1', 'mallory', 'evidence-e2e-other-0001')).toBe(200);
    await gateway.flushRecordings();
  }, TIMEOUT);

  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'lists the session for an auditor, with its principal, connection and outcomes',
    async () => {
      const listed = await tollgate(['sessions', '--groups', 'auditors'], { env });
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(SESSION);
      expect(listed.stdout).toMatch(/agent-7 +3 requests +demo-postgres +allow, block/);

      const blocked = await api('/v1/sessions?outcome=block', 'audrey', ['auditors']);
      expect(blocked.status).toBe(200);
      expect((blocked.json.sessions as Array<{ sessionId: string }>).map((s) => s.sessionId)).toEqual([
        SESSION,
      ]);
    },
    TIMEOUT,
  );

  it(
    "shows a non-auditor only their own sessions, and someone else's as not found",
    async () => {
      const own = await api('/v1/sessions', 'mallory', ['agents']);
      expect((own.json.sessions as Array<{ sessionId: string }>).map((s) => s.sessionId)).toEqual([
        'evidence-e2e-other-0001',
      ]);
      // A page of one, and its cursor: nothing of anyone else's.
      const paged = await api('/v1/sessions?limit=1', 'mallory', ['agents']);
      expect((paged.json.sessions as Array<{ sessionId: string }>).map((s) => s.sessionId)).toEqual([
        'evidence-e2e-other-0001',
      ]);
      // Her cursor names her own session, and leads to nothing more.
      const next = paged.json.next as string | null;
      if (next !== null) {
        expect(Buffer.from(next, 'base64url').toString()).not.toContain(SESSION);
        const rest = await api(`/v1/sessions?limit=1&cursor=${next}`, 'mallory', ['agents']);
        expect(rest.json).toMatchObject({ sessions: [], next: null });
      }
      // An agent acting for an auditor is not one.
      const delegated = await fetch(`${gateway.url}/v1/sessions/${SESSION}`, {
        headers: {
          authorization: `Bearer ${issuer.signToken({ sub: 'audrey', groups: ['auditors'], ttlSeconds: 300, actor: 'agent-x' })}`,
        },
      });
      expect(delegated.status).toBe(404);
      const other = await api(`/v1/sessions/${SESSION}`, 'mallory', ['agents']);
      expect(other.status).toBe(404);
      expect((other.json.error as { code: string }).code).toBe('session_not_found');
    },
    TIMEOUT,
  );

  it(
    'replays the session in the terminal and as a self-contained HTML page',
    async () => {
      const text = await tollgate(['replay', SESSION], { env });
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('verified: 8 events');
      expect(text.stdout).toContain('DROP TABLE customers');
      expect(text.stdout).toContain('ddl-blocked');
      expect(text.stdout).toContain('email (EMAIL_ADDRESS');

      const html = await tollgate(['replay', SESSION, '--html', join(dir, 'replay.html')], { env });
      expect(html.code).toBe(0);
      const page = readFileSync(join(dir, 'replay.html'), 'utf8');
      expect(page).toContain("default-src 'none'");
      expect(page).not.toMatch(/<script|https?:\/\//i);
      expect(page).toContain('ddl-blocked');
    },
    TIMEOUT,
  );

  it(
    'records every read of a recording in the access audit session',
    async () => {
      const audit = await api('/v1/sessions/tollgate:access-audit', 'audrey', ['auditors']);
      expect(audit.status).toBe(200);
      const events = (
        audit.json.timeline as { requests: Array<{ events: Array<{ type: string }> }> }
      ).requests.flatMap((r) => r.events.map((e) => e.type));
      expect(events).toContain('recordings.listed');
      expect(events).toContain('recording.viewed');
    },
    TIMEOUT,
  );

  it(
    'exports over the API for auditors only: queued, then completed with a download that verifies',
    async () => {
      const post = (sub: string, groups: string[]) =>
        fetch(`${gateway.url}/v1/evidence/exports`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${issuer.signToken({ sub, groups, ttlSeconds: 300 })}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ from: new Date(Date.now() - 86_400_000).toISOString() }),
        });
      const refused = await post('agent-7', ['agents']);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('not_an_auditor');

      const started = await post('audrey', ['auditors']);
      expect(started.status).toBe(202);
      const { export: job, statusUrl } = (await started.json()) as {
        export: { exportId: string; status: string };
        statusUrl: string;
      };
      expect(job.status).toBe('queued');
      let answer:
        | {
            export: { status: string; result: { keyFingerprint: string } | null };
            downloadUrl: string | null;
          }
        | undefined;
      for (let i = 0; i < 100; i++) {
        answer = (await api(statusUrl, 'audrey', ['auditors'])).json as typeof answer;
        if (answer?.export.status === 'completed' || answer?.export.status === 'failed') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(answer?.export.status).toBe('completed');
      const zip = Buffer.from(await (await fetch(answer!.downloadUrl!)).arrayBuffer());
      const file = join(dir, 'export.zip');
      writeFileSync(file, zip);
      const verified = await tollgate(
        ['evidence', 'verify', file, '--key-fingerprint', answer!.export.result!.keyFingerprint],
        { env: { USER: 'auditor' } },
      );
      expect(verified.stdout).toMatch(/^OK: /);
      expect(verified.code).toBe(0);

      const unknown = await api('/v1/evidence/exports/no-such-export', 'audrey', ['auditors']);
      expect(unknown.status).toBe(404);
      expect((unknown.json.error as { code: string }).code).toBe('export_not_found');
    },
    TIMEOUT,
  );

  it(
    'exports the period and verifies it offline; a tampered copy fails with the problem named',
    async () => {
      const out = join(dir, 'bundle');
      const exported = await tollgate(
        ['evidence', 'export', '--from', new Date(Date.now() - 86_400_000).toISOString(), '--out', out],
        { env },
      );
      expect(exported.stderr).toBe('');
      expect(exported.code).toBe(0);
      const fingerprint = /--key-fingerprint ([0-9a-f]{64})/.exec(exported.stdout)![1]!;
      // The export itself is in the access audit, with who ran it.
      const audit = await api('/v1/sessions/tollgate:access-audit', 'audrey', ['auditors']);
      const exports = (
        audit.json.timeline as {
          requests: Array<{ steps: Array<{ event: { type: string }; data: unknown }> }>;
        }
      ).requests
        .flatMap((r) => r.steps)
        .filter((step) => step.event.type === 'evidence.exported');
      expect(exports.map((step) => step.data)).toContainEqual(
        expect.objectContaining({ viewer: { operator: 'operator:audrey' }, via: 'cli' }),
      );
      expect(readdirSync(out).sort()).toEqual(
        expect.arrayContaining([
          'manifest.json',
          'manifest.sig',
          'report.html',
          'controls.md',
          'checkpoints',
          'segments',
        ]),
      );

      // verify needs no gateway and no data dir: only the bundle.
      const verified = await tollgate(['evidence', 'verify', out, '--key-fingerprint', fingerprint], {
        env: { USER: 'auditor' },
        cwd: tmpdir(),
      });
      expect(verified.stdout).toMatch(/^OK: /);
      expect(verified.stdout).toContain('the trusted key');
      expect(verified.code).toBe(0);

      const replayed = await tollgate(
        ['replay', SESSION, '--bundle', out, '--key-fingerprint', fingerprint],
        {
          env: { USER: 'auditor' },
        },
      );
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toContain('ddl-blocked');

      // A bundle is replayed only once it verifies against a trusted key.
      const unkeyed = await tollgate(['replay', SESSION, '--bundle', out], { env: { USER: 'auditor' } });
      expect(unkeyed.code).toBe(2);
      expect(unkeyed.stderr).toContain('--key-fingerprint');

      const tampered = join(dir, 'tampered');
      cpSync(out, tampered, { recursive: true });
      const segmentDir = join(tampered, 'segments', 'recordings');
      const day = readdirSync(segmentDir)[0]!;
      for (const file of readdirSync(join(segmentDir, day))) {
        const path = join(segmentDir, day, file);
        writeFileSync(path, readFileSync(path, 'utf8').replace('DROP TABLE customers', 'SELECT 1'));
      }
      const failed = await tollgate(['evidence', 'verify', tampered, '--key-fingerprint', fingerprint]);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/^FAILED: /);
      expect(failed.stdout).toContain('segment_altered');
      expect(failed.stdout).toContain(`session_chain_broken  session ${SESSION}`);
      const forged = await tollgate([
        'replay',
        SESSION,
        '--bundle',
        tampered,
        '--key-fingerprint',
        fingerprint,
      ]);
      expect(forged.code).toBe(1);
      expect(forged.stderr).toContain('the bundle does not verify');
      expect(forged.stdout).toBe('');
    },
    TIMEOUT,
  );
});
