// `tollgate policy replay` run in this process as the CLI runs it (commander tree, exit codes):
// real decisions recorded by the pipeline, written as archive segments into an evidence bundle's
// segments/ folder and into a local data dir's S3 stand-in, replayed under a stricter candidate.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cliContext, runCli } from '../../bin/cli-kit.js';
import { buildProgram } from '../../bin/cli-program.js';
import {
  ensureBucket,
  LOCAL_BUCKET,
  localS3Client,
  startS3rver,
} from '../../lambdas/adapters/local/aws-stand-ins.js';
import { admit } from '../../lambdas/core/pipeline/admit.js';
import { canonicalJson } from '../../lambdas/core/recording/canonical-json.js';
import type { SessionEvent } from '../../lambdas/core/recording/events.js';
import { parseSqlBody } from '../../lambdas/handlers/http/sql-body.js';
import { coreDeps, POLICY_DIR } from '../support/core-fixtures.js';

const CUSTOMERS_BLOCKED = `
@id("customers-reads-blocked")
@reason("Reads of customers are blocked during the audit.")
forbid (principal, action == Tollgate::Action::"sql:read", resource)
when { context.tables.contains("customers") };
`;

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Decisions of 2026-11-26 by the default pack: three reads of customers, one of nothing, bad SQL. */
const HISTORY = [
  // What an agent could send to rewrite a reader's terminal: an 8-bit CSI (clear the screen) and a
  // bidi override (the analysis refuses C0 controls such as ESC, not these).
  "SELECT id FROM customers WHERE email = 'a@example.com' /* \u009b2J\u202e */",
  'SELECT 1',
  'SELECT id FROM customers',
  'SELEC 1',
  'SELECT email FROM customers',
];

const recordedEvents = async (requests: readonly string[] = HISTORY): Promise<SessionEvent[]> => {
  const { deps: base, sessions } = await coreDeps();
  let now = '2026-11-26T10:00:00.000Z';
  const deps = { ...base, clock: { now: () => new Date(now) } };
  for (const [i, sql] of requests.entries()) {
    now = `2026-11-26T10:0${i}:00.000Z`;
    await admit(deps, {
      requestId: `req-${i + 1}`,
      token: 'token.alice.agents',
      sessionId: undefined,
      connectionName: 'demo',
      request: parseSqlBody(JSON.stringify({ sql })),
    }).catch(() => undefined);
  }
  return sessions.all();
};

const ndjson = (events: readonly SessionEvent[]) => events.map((e) => `${canonicalJson(e)}\n`).join('');

describe('tollgate policy replay', () => {
  let work: string;
  let candidate: string;
  let events: SessionEvent[];

  /** Runs `tollgate policy replay <args>` in this process. */
  const replay = async (args: string[], env: Record<string, string> = {}): Promise<Outcome> => {
    let stdout = '';
    let stderr = '';
    const ctx = cliContext(
      { TOLLGATE_DATA_DIR: join(work, 'no-data-dir'), ...env },
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: work },
    );
    const code = await runCli(buildProgram(ctx), ['policy', 'replay', ...args], ctx);
    return { code, stdout, stderr };
  };

  /** A bundle folder holding `body` as one segment. */
  const bundleWith = (name: string, body: string) => {
    const dir = join(work, name);
    const day = join(dir, 'segments', 'recordings', '2026-11-26');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, 'segment-1.ndjson'), body);
    return dir;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-policy-replay-'));
    candidate = join(work, 'candidate');
    cpSync(POLICY_DIR, candidate, { recursive: true });
    writeFileSync(join(candidate, 'zz-audit.cedar'), CUSTOMERS_BLOCKED);
    events = await recordedEvents();
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  describe('on an evidence bundle', () => {
    it('summarises what would be refused, by rule, with examples whose text is escaped', async () => {
      const bundle = bundleWith('bundle-text', ndjson(events));
      const { code, stdout, stderr } = await replay(['--policies', candidate, '--bundle', bundle]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /^Backtest of candidate \(files:[0-9a-f]{12}\) on 5 decisions recorded in the bundle bundle-text:$/m,
      );
      expect(stdout).toContain('  4 re-decided: 1 unchanged, 3 would change');
      expect(stdout).toContain(
        '  1 refused by the analysis (SQL that does not parse): no policy decides them',
      );
      expect(stdout).toContain('Would be refused, permitted then: 3');
      expect(stdout).toContain(
        '  allow → block by customers-reads-blocked: 3 decisions (was agents-may-read: 3)',
      );
      expect(stdout).toMatch(
        /^ {4}2026-11-26T10:00:00\.000Z {2}alice on demo {2}session \S+ {2}request req-1$/m,
      );
      expect(stdout).toContain('      → Reads of customers are blocked during the audit.');
      // The agent's escape sequence and bidi override are shown, not acted on; the literal is masked.
      expect(stdout).not.toMatch(/[\u009b\u202e]/);
      expect(stdout).toContain('\\u{9b}2J\\u{202e}');
      expect(stdout).not.toContain('a@example.com');
    });

    it('says what another approval requirement would ask for', async () => {
      const twoReviewers = join(work, 'two-reviewers');
      cpSync(POLICY_DIR, twoReviewers, { recursive: true });
      const pack = join(twoReviewers, 'default.cedar');
      writeFileSync(
        pack,
        readFileSync(pack, 'utf8').replaceAll('@approvalQuorum("1")', '@approvalQuorum("2")'),
      );
      const writes = await recordedEvents(["UPDATE customers SET email = 'x' WHERE id = 1"]);
      const bundle = bundleWith('bundle-approval', ndjson(writes));
      const { code, stdout } = await replay(['--policies', twoReviewers, '--bundle', bundle]);
      expect(code).toBe(0);
      expect(stdout).toContain('Held either way, with another approval requirement: 1');
      expect(stdout).toContain('      → needs 2 of reviewers within 1h (was 1 of reviewers within 1h)');
    });

    it('prints the report as JSON with --json', async () => {
      const bundle = bundleWith('bundle-json', ndjson(events));
      const { code, stdout } = await replay(['--policies', candidate, '--bundle', bundle, '--json']);
      expect(code).toBe(0);
      expect(stdout).not.toMatch(/[\u009b\u202e]/);
      const report = JSON.parse(stdout);
      expect(report).toMatchObject({
        source: 'the bundle bundle-json',
        period: { from: null, to: null },
        candidateFolder: 'candidate',
        candidateVersion: expect.stringMatching(/^files:/),
        totals: { decisions: 5, reDecided: 4, unchanged: 1, changed: 3, fromAnalysis: 1 },
        changes: [
          {
            kind: 'now-refused',
            from: 'allow',
            to: 'block',
            rule: 'customers-reads-blocked',
            count: 3,
            recordedRules: { 'agents-may-read': 3 },
          },
        ],
      });
      expect(report.changes[0].examples.map((e: { requestId: string }) => e.requestId)).toEqual([
        'req-1',
        'req-3',
        'req-5',
      ]);
      expect(report.changes[0].examples[0].sql).toContain('\u009b2J\u202e');
    });

    it('says nothing would change under the policies that decided', async () => {
      const bundle = bundleWith('bundle-same', ndjson(events));
      const { code, stdout } = await replay(['--policies', POLICY_DIR, '--bundle', bundle]);
      expect(code).toBe(0);
      expect(stdout).toContain('  4 re-decided: 4 unchanged, 0 would change');
      expect(stdout).toMatch(/✓ Nothing would change\.\n$/);
    });

    it('keeps the period given, and takes the bundle manifest’s period otherwise', async () => {
      const bundle = bundleWith('bundle-period', ndjson(events));
      const given = await replay([
        '--policies',
        candidate,
        '--bundle',
        bundle,
        '--from',
        '2026-11-26T10:02:00Z',
        '--to',
        '2026-11-26T10:03:00+00:00',
        '--json',
      ]);
      expect(JSON.parse(given.stdout).totals).toMatchObject({ decisions: 2, changed: 1, fromAnalysis: 1 });
      writeFileSync(
        join(bundle, 'manifest.json'),
        JSON.stringify({ period: { from: '2026-11-26T10:04:00.000Z', to: '2026-11-27T00:00:00.000Z' } }),
      );
      const manifest = await replay(['--policies', candidate, '--bundle', bundle, '--json']);
      expect(JSON.parse(manifest.stdout)).toMatchObject({
        period: { from: '2026-11-26T10:04:00.000Z', to: '2026-11-27T00:00:00.000Z' },
        totals: { decisions: 1, changed: 1 },
      });
    });

    it('fails with one line, exit 1, on a segment line that is not a recorded event', async () => {
      const bundle = bundleWith('bundle-broken', `${ndjson(events)}{"not":"an event"}\n`);
      const { code, stdout, stderr } = await replay(['--policies', candidate, '--bundle', bundle]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(
        /^tollgate policy replay: bundle-broken\/segments\/recordings\/2026-11-26\/segment-1\.ndjson line \d+ is not a recorded event\n$/,
      );
    });

    it('fails with one line, exit 1, on an invalid candidate', async () => {
      const invalid = join(work, 'invalid');
      cpSync(POLICY_DIR, invalid, { recursive: true });
      writeFileSync(join(invalid, 'no-id.cedar'), 'permit (principal, action, resource);\n');
      const bundle = bundleWith('bundle-invalid', ndjson(events));
      const { code, stderr } = await replay(['--policies', invalid, '--bundle', bundle]);
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /^tollgate policy replay: the candidate invalid is invalid \(1 problem; .*every policy needs an @id[^\n]*\n$/,
      );
    });
  });

  describe('usage errors: exit 2, one line', () => {
    it.each([
      [
        'a date that is not ISO 8601',
        ['--from', '26/11/2026', '--to', '2026-11-27'],
        /--from "26\/11\/2026" is not an ISO 8601 date or time/,
      ],
      [
        'a date not in the calendar',
        ['--from', '2026-02-30', '--to', '2026-03-01'],
        /--from "2026-02-30" is not a date of the calendar/,
      ],
      [
        'a time without its zone',
        ['--from', '2026-11-26T10:00:00', '--to', '2026-11-27'],
        /needs its time zone/,
      ],
      [
        '--from after --to',
        ['--from', '2026-11-27', '--to', '2026-11-26'],
        /--from 2026-11-27T00:00:00\.000Z is after --to 2026-11-26T23:59:59\.999Z/,
      ],
      [
        'no period for the archive',
        ['--from', '2026-11-26'],
        /--from and --to are needed to read the archive/,
      ],
      [
        'a period too long',
        ['--from', '2020-01-01', '--to', '2026-01-01'],
        /the period is longer than 366 days/,
      ],
    ])('%s', async (_what, args, message) => {
      const { code, stdout, stderr } = await replay(['--policies', candidate, ...args]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^tollgate policy replay: [^\n]+\n$/);
      expect(stderr).toMatch(message);
    });

    it('a missing policy folder', async () => {
      const { code, stderr } = await replay([
        '--policies',
        join(work, 'missing'),
        '--bundle',
        bundleWith('b1', ''),
      ]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^tollgate policy replay: cannot read the policy folder missing: [^\n]+\n$/);
    });

    it('a bundle without segments', async () => {
      mkdirSync(join(work, 'empty-bundle'), { recursive: true });
      const { code, stderr } = await replay([
        '--policies',
        candidate,
        '--bundle',
        join(work, 'empty-bundle'),
      ]);
      expect(code).toBe(2);
      expect(stderr).toBe('tollgate policy replay: the bundle empty-bundle has no segments/ folder\n');
    });

    it('no --policies', async () => {
      const { code, stderr } = await replay(['--bundle', join(work, 'empty-bundle')]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^tollgate policy replay: required option '--policies <dir>' not specified/);
    });

    it('no local data dir to read recordings from', async () => {
      const { code, stderr } = await replay([
        '--policies',
        candidate,
        '--from',
        '2026-11-26',
        '--to',
        '2026-11-26',
      ]);
      expect(code).toBe(2);
      expect(stderr).toMatch(
        /^tollgate policy replay: no recordings: the local data dir no-data-dir does not exist/,
      );
    });
  });

  describe("on the local data dir's archive", () => {
    it('lists the days of the period, reads their segments, and replays them', async () => {
      // Prepare: the period's segment, the same segment again (a copy), and one of another day.
      const dataDir = join(work, 'data');
      const standIn = await startS3rver(join(dataDir, 's3'));
      const client = localS3Client(standIn.endpoint);
      try {
        await ensureBucket(client, LOCAL_BUCKET);
        const put = (key: string, body: string) =>
          client.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: key, Body: body }));
        await put('recordings/2026-11-26/aaa.ndjson', ndjson(events));
        await put('recordings/2026-11-26/bbb.ndjson', ndjson(events.slice(0, 4)));
        const later = events.map((e) => ({
          ...e,
          sessionId: `later-${e.sessionId}`,
          at: '2026-12-20T10:00:00.000Z',
        }));
        await put('recordings/2026-12-20/ccc.ndjson', ndjson(later));
      } finally {
        client.destroy();
        await standIn.stop();
      }
      // Act
      const { code, stdout, stderr } = await replay(
        ['--policies', candidate, '--from', '2026-11-26', '--to', '2026-11-26'],
        { TOLLGATE_DATA_DIR: dataDir },
      );
      // Assess
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain(
        'on 5 decisions recorded from 2026-11-26T00:00:00.000Z to 2026-11-26T23:59:59.999Z in the local data dir data:',
      );
      expect(stdout).toContain(
        '  allow → block by customers-reads-blocked: 3 decisions (was agents-may-read: 3)',
      );
    });
  });
});
