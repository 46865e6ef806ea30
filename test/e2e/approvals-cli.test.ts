// `tollgate approvals list|show|approve|deny` as a reviewer runs it, in child processes, against a
// stub of the gateway's /v1/approvals routes (node:http, in this process) that records what it is
// sent: the paths and the exact request bodies, and the token the command found (--token, else
// TOLLGATE_TOKEN, else minted by the local data dir's issuer). The token never appears in output.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDevIssuer } from '../../lambdas/adapters/local/dev-issuer.js';
import { type CliOutcome, ONE_LINE, tollgate } from './cli-support.js';

const TIMEOUT = 60_000;
const TOKEN = 'reviewer-token.e30.c2lnbmF0dXJl';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
}

interface Answer {
  readonly status: number;
  /** An object is sent as JSON; a string as it is. */
  readonly body: unknown;
}

const MINUTE = 60_000;

/** An approval as the gateway shows it; `overrides` replace whole fields. */
const approvalView = (overrides: Record<string, unknown> = {}) => ({
  approvalId: 'ap-7f3c',
  requestId: 'req-91d2',
  status: 'pending_approval',
  connection: 'demo-postgres',
  requester: { sub: 'agent-7', actsFor: 'alice' },
  groups: ['reviewers'],
  quorum: 1,
  decisions: [],
  justification: "Fix customer 42's email, reported in ticket 1234.",
  request: {
    kind: 'sql',
    sql: "UPDATE customers SET email = '<email>' WHERE id = $1\n  AND region = 'eu'",
    paramCount: 1,
    facts: { statements: [{ kind: 'update', tables: ['public.customers'] }] },
  },
  preview: { estimatedRows: 1, tablesWritten: ['public.customers'] },
  maxAffectedRows: 10,
  createdAt: '2030-01-01T10:00:00.000Z',
  // Half a minute past 42 minutes: still "42m" however long the command takes to start.
  expiresAt: new Date(Date.now() + 42.5 * MINUTE).toISOString(),
  decision: {
    rule: 'agents-write-with-review',
    reason: 'UPDATE on demo-postgres needs approval from reviewers.',
    policyIds: ['agents-write-with-review'],
    policyVersion: 'files:50e7a69c90d2',
  },
  outcome: null,
  ...overrides,
});

const decided = (reviewer: string, verdict: 'approve' | 'deny', reason: string) => ({
  reviewer,
  verdict,
  reason,
  at: '2030-01-01T10:05:00.000Z',
});

const decode = (token: string) => {
  const [header, payload, signature] = token.split('.');
  return {
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>,
    signed: `${header}.${payload}`,
    signature: Buffer.from(signature!, 'base64url'),
  };
};

describe('tollgate approvals', () => {
  let server: Server;
  let base: string;
  let port: number;
  let work: string;
  let seen: Seen[];
  /** The stub's answer, by `METHOD path?query`; anything else is 404 route_not_found. */
  let routes: Record<string, Answer>;
  /** A Location header for every answer, when set. */
  let redirectTo: string | undefined;

  const read = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await read(req);
      seen.push({
        method: req.method!,
        url: req.url!,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      const answer = routes[`${req.method} ${req.url}`] ?? {
        status: 404,
        body: { error: { code: 'route_not_found', message: 'No such route.' }, requestId: 'r-0' },
      };
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        'content-type': typeof answer.body === 'string' ? 'text/html' : 'application/json',
        ...(redirectTo ? { location: redirectTo } : {}),
      });
      res.end(text);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

  beforeEach(() => {
    seen = [];
    routes = {};
    redirectTo = undefined;
    work = mkdtempSync(join(tmpdir(), 'tollgate-approvals-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  /** `tollgate approvals <args>` in an empty folder, so no local data dir is found by accident. */
  const approvals = (args: readonly string[], env: Record<string, string> = {}): Promise<CliOutcome> =>
    tollgate(['approvals', ...args], { cwd: work, env });
  /** Against the stub as a deployed gateway, with the token on the command line. */
  const remote = (args: readonly string[], env: Record<string, string> = {}) =>
    approvals([...args, '--url', base, '--token', TOKEN], env);

  const expectNoToken = (outcome: CliOutcome) => {
    expect(outcome.stdout).not.toContain(TOKEN);
    expect(outcome.stderr).not.toContain(TOKEN);
  };

  describe('list', () => {
    it(
      'asks for pending approvals and shows id, connection, requester, acts for, expiry and the first line of the SQL',
      async () => {
        routes['GET /v1/approvals?status=pending_approval'] = {
          status: 200,
          body: {
            approvals: [
              approvalView(),
              approvalView({
                approvalId: 'ap-long',
                requester: { sub: 'etl-bot', actsFor: null },
                request: {
                  kind: 'sql',
                  sql: `DELETE FROM orders WHERE created_at < '<date>' AND status IN ('cancelled', 'refunded', 'void')`,
                  paramCount: 0,
                  facts: {},
                },
                expiresAt: new Date(Date.now() + 3 * 60 * MINUTE + 5.5 * MINUTE).toISOString(),
              }),
            ],
          },
        };

        const outcome = await remote(['list']);

        expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 0, stderr: '' });
        expect(seen).toEqual([
          {
            method: 'GET',
            url: '/v1/approvals?status=pending_approval',
            authorization: `Bearer ${TOKEN}`,
            contentType: undefined,
            body: '',
          },
        ]);
        const lines = outcome.stdout.split('\n');
        expect(lines[0]).toBe('2 approvals pending:');
        expect(lines[1]).toMatch(/^ID\s+CONNECTION\s+REQUESTER\s+ACTS FOR\s+EXPIRES IN\s+SQL$/);
        expect(lines[2]).toMatch(
          /^ap-7f3c\s+demo-postgres\s+agent-7\s+alice\s+42m\s+UPDATE customers SET email = '<email>' WHERE id = \$1 …$/,
        );
        expect(lines[3]).toMatch(
          /^ap-long\s+demo-postgres\s+etl-bot\s+-\s+3h 5m\s+DELETE FROM orders WHERE created_at < '<date>' AND status I…$/,
        );
        // Columns line up: every SQL cell starts where the header's does.
        expect(lines[2]!.indexOf('UPDATE')).toBe(lines[1]!.indexOf('SQL'));
        expect(lines[3]!.indexOf('DELETE')).toBe(lines[1]!.indexOf('SQL'));
        expect(outcome.stdout).toContain('tollgate approvals show <id>');
        expectNoToken(outcome);
      },
      TIMEOUT,
    );

    it(
      'with --json prints the answer as the gateway gave it',
      async () => {
        const body = { approvals: [approvalView()] };
        routes['GET /v1/approvals?status=pending_approval'] = { status: 200, body };

        const { code, stdout, stderr } = await remote(['list', '--json']);

        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
        expect(JSON.parse(stdout)).toEqual(body);
      },
      TIMEOUT,
    );

    it(
      'with --status asks for that status, and says when there is none',
      async () => {
        routes['GET /v1/approvals?status=outcome_unknown'] = { status: 200, body: { approvals: [] } };

        const { code, stdout, stderr } = await remote(['list', '--status', 'outcome_unknown']);

        expect({ code, stdout, stderr }).toEqual({
          code: 0,
          stdout: 'No approvals with status outcome_unknown.\n',
          stderr: '',
        });
        expect(seen.map((s) => s.url)).toEqual(['/v1/approvals?status=outcome_unknown']);
      },
      TIMEOUT,
    );

    it(
      'says when nothing is pending',
      async () => {
        routes['GET /v1/approvals?status=pending_approval'] = { status: 200, body: { approvals: [] } };

        const { code, stdout } = await remote(['list', '--status', 'pending']);

        expect({ code, stdout }).toEqual({ code: 0, stdout: 'No approvals pending.\n' });
      },
      TIMEOUT,
    );

    it(
      'refuses an unknown --status with exit 2, asking nothing',
      async () => {
        const { code, stdout, stderr } = await remote(['list', '--status', 'done']);

        expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
        expect(stderr).toMatch(ONE_LINE);
        expect(stderr).toContain('tollgate approvals list:');
        expect(stderr).toContain('outcome_unknown');
        expect(seen).toEqual([]);
      },
      TIMEOUT,
    );
  });

  describe('show', () => {
    it(
      'shows the whole request: status, requester, reviewers, expiry as a time and from now, decision, SQL, facts, impact',
      async () => {
        const view = approvalView({
          quorum: 2,
          groups: ['reviewers', 'dba'],
          decisions: [decided('carol', 'approve', 'matches ticket 1234')],
        });
        routes['GET /v1/approvals/ap-7f3c'] = { status: 200, body: { approval: view } };

        const { code, stdout, stderr } = await remote(['show', 'ap-7f3c']);

        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
        expect(seen).toMatchObject([{ method: 'GET', url: '/v1/approvals/ap-7f3c', body: '' }]);
        const lines = stdout.split('\n');
        expect(lines[0]).toBe('Approval ap-7f3c: pending_approval, 1 of 2 approvals');
        for (const expected of [
          /^ {2}request +req-91d2$/,
          /^ {2}connection +demo-postgres$/,
          /^ {2}requester +agent-7, acting for alice$/,
          /^ {2}reviewers +reviewers or dba; quorum 2$/,
          /^ {2}created +2030-01-01T10:00:00\.000Z$/,
          new RegExp(`^ {2}expires +${view.expiresAt.replace(/\./g, '\\.')} \\(in 42m\\)$`),
          /^ {2}held by +agents-write-with-review: UPDATE on demo-postgres needs approval from reviewers\.$/,
          /^ {2}policies +agents-write-with-review \(policy version files:50e7a69c90d2\)$/,
          /^ {2}justification +Fix customer 42's email, reported in ticket 1234\.$/,
          /^ {2}impact +about 1 row; writes public\.customers; rolled back above 10 rows$/,
          /^ {2}SQL \(literals masked; 1 parameter, values not shown\):$/,
          /^ {4}UPDATE customers SET email = '<email>' WHERE id = \$1$/,
          /^ {6}AND region = 'eu'$/,
          /^ {2}facts:$/,
          /^ {6}"statements": \[$/,
          /^ {2}decisions:$/,
          /^ {4}2030-01-01T10:05:00\.000Z {2}approve {2}carol: matches ticket 1234$/,
          /^ {2}outcome +none yet$/,
        ])
          expect(lines).toContainEqual(expect.stringMatching(expected));
      },
      TIMEOUT,
    );

    it(
      'shows an ended request: expiry in the past, no justification, no preview, the outcome and its result',
      async () => {
        const view = approvalView({
          status: 'failed',
          justification: null,
          preview: null,
          requester: { sub: 'agent-7', actsFor: null },
          expiresAt: new Date(Date.now() - 90.5 * MINUTE).toISOString(),
          decisions: [decided('carol', 'approve', 'ok')],
          outcome: {
            at: '2030-01-01T10:06:00.000Z',
            code: 'blast_radius_exceeded',
            message: 'The write changed 250 rows; at most 10 were approved. Rolled back.',
            result: { rowCount: 250 },
          },
        });
        routes['GET /v1/approvals/ap-7f3c'] = { status: 200, body: { approval: view } };

        const { code, stdout } = await remote(['show', 'ap-7f3c']);

        expect(code).toBe(0);
        const lines = stdout.split('\n');
        expect(lines[0]).toBe('Approval ap-7f3c: failed, 1 of 1 approvals');
        for (const expected of [
          /^ {2}requester +agent-7$/,
          /^ {2}expires +\S+ \(1h 30m ago\)$/,
          /^ {2}justification +none given$/,
          /^ {2}impact +no preview; rolled back above 10 rows$/,
          /^ {2}outcome +2030-01-01T10:06:00\.000Z {2}blast_radius_exceeded {2}The write changed 250 rows; at most 10 were approved\. Rolled back\.$/,
          /^ {2}result:$/,
          /^ {6}"rowCount": 250$/,
        ])
          expect(lines).toContainEqual(expect.stringMatching(expected));
      },
      TIMEOUT,
    );

    it(
      'with --json prints the answer as the gateway gave it',
      async () => {
        const body = { approval: approvalView() };
        routes['GET /v1/approvals/ap-7f3c'] = { status: 200, body };

        const { code, stdout } = await remote(['show', 'ap-7f3c', '--json']);

        expect(code).toBe(0);
        expect(JSON.parse(stdout)).toEqual(body);
      },
      TIMEOUT,
    );

    it(
      'shows terminal escapes and bidirectional overrides in what the agent wrote as visible escapes',
      async () => {
        const view = approvalView({
          justification: 'routine\u001b[2K\u001b[1Aclean-up',
          request: {
            kind: 'sql',
            sql: 'UPDATE t SET a = 1 /* \u202e */ WHERE id = $1\r-- nothing',
            paramCount: 1,
            facts: {},
          },
        });
        routes['GET /v1/approvals/ap-7f3c'] = { status: 200, body: { approval: view } };

        const { code, stdout } = await remote(['show', 'ap-7f3c']);

        expect(code).toBe(0);
        for (const hidden of ['\u001b', '\u202e', '\r']) expect(stdout).not.toContain(hidden);
        expect(stdout).toContain('routine\\u{1b}[2K\\u{1b}[1Aclean-up');
        expect(stdout).toContain('UPDATE t SET a = 1 /* \\u{202e} */ WHERE id = $1\\u{d}-- nothing');
      },
      TIMEOUT,
    );

    it(
      'asks for the approval by its id, escaped in the path',
      async () => {
        await remote(['show', 'a/b?c']);

        expect(seen.map((s) => s.url)).toEqual(['/v1/approvals/a%2Fb%3Fc']);
      },
      TIMEOUT,
    );
  });

  describe('approve and deny', () => {
    it(
      'approve posts exactly {"reason": ...} as JSON and prints the new status',
      async () => {
        routes['POST /v1/approvals/ap-7f3c/approve'] = {
          status: 200,
          body: {
            approval: approvalView({
              status: 'approved',
              decisions: [decided('carol', 'approve', 'matches ticket 1234')],
            }),
          },
        };

        const outcome = await remote(['approve', 'ap-7f3c', '--reason', 'matches ticket 1234']);

        expect(outcome).toEqual({ code: 0, stdout: 'approved (1 of 1)\n', stderr: '' });
        expect(seen).toEqual([
          {
            method: 'POST',
            url: '/v1/approvals/ap-7f3c/approve',
            authorization: `Bearer ${TOKEN}`,
            contentType: 'application/json',
            body: '{"reason":"matches ticket 1234"}',
          },
        ]);
      },
      TIMEOUT,
    );

    it(
      'approve short of the quorum says how many approvals there are of how many',
      async () => {
        routes['POST /v1/approvals/ap-7f3c/approve'] = {
          status: 200,
          body: { approval: approvalView({ quorum: 2, decisions: [decided('carol', 'approve', 'ok')] }) },
        };

        const { code, stdout } = await remote(['approve', 'ap-7f3c', '--reason', 'ok']);

        expect({ code, stdout }).toEqual({ code: 0, stdout: 'pending: 1 of 2 approvals\n' });
      },
      TIMEOUT,
    );

    it(
      'deny posts exactly {"reason": ...} as JSON and prints denied',
      async () => {
        routes['POST /v1/approvals/ap-7f3c/deny'] = {
          status: 200,
          body: {
            approval: approvalView({
              status: 'denied',
              decisions: [decided('carol', 'deny', 'wrong region')],
            }),
          },
        };

        const outcome = await remote(['deny', 'ap-7f3c', '--reason', 'wrong region: "eu" is not "us"']);

        expect(outcome).toEqual({ code: 0, stdout: 'denied\n', stderr: '' });
        expect(seen).toEqual([
          {
            method: 'POST',
            url: '/v1/approvals/ap-7f3c/deny',
            authorization: `Bearer ${TOKEN}`,
            contentType: 'application/json',
            body: JSON.stringify({ reason: 'wrong region: "eu" is not "us"' }),
          },
        ]);
      },
      TIMEOUT,
    );

    it(
      'with --json prints the answer as the gateway gave it',
      async () => {
        const body = { approval: approvalView({ status: 'denied' }) };
        routes['POST /v1/approvals/ap-7f3c/deny'] = { status: 200, body };

        const { code, stdout } = await remote(['deny', 'ap-7f3c', '--reason', 'no', '--json']);

        expect(code).toBe(0);
        expect(JSON.parse(stdout)).toEqual(body);
      },
      TIMEOUT,
    );

    it.each([
      ['approve', 'no --reason', []],
      ['deny', 'no --reason', []],
      ['approve', 'a blank --reason', ['--reason', '   ']],
      ['deny', 'a --reason of 1001 characters', ['--reason', 'x'.repeat(1001)]],
    ])(
      '%s with %s exits 2 with one line and sends nothing',
      async (verb, _what, reason) => {
        const { code, stdout, stderr } = await remote([verb, 'ap-7f3c', ...reason]);

        expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
        expect(stderr).toMatch(ONE_LINE);
        expect(stderr).toMatch(new RegExp(`^tollgate approvals ${verb}: .*--reason`));
        expect(seen).toEqual([]);
      },
      TIMEOUT,
    );

    it(
      'takes a reason of 1000 characters',
      async () => {
        routes['POST /v1/approvals/ap-7f3c/deny'] = {
          status: 200,
          body: { approval: approvalView({ status: 'denied' }) },
        };

        const { code } = await remote(['deny', 'ap-7f3c', '--reason', 'x'.repeat(1000)]);

        expect(code).toBe(0);
        expect(seen[0]!.body).toBe(JSON.stringify({ reason: 'x'.repeat(1000) }));
      },
      TIMEOUT,
    );

    it(
      'without an approval id exits 2 and sends nothing',
      async () => {
        const { code, stderr } = await remote(['approve', '--reason', 'ok']);

        expect(code).toBe(2);
        expect(stderr).toContain('approvalId');
        expect(seen).toEqual([]);
      },
      TIMEOUT,
    );
  });

  describe('refusals', () => {
    it.each([
      [
        'unauthenticated',
        401,
        ['list'],
        'GET /v1/approvals?status=pending_approval',
        'The token is missing or invalid.',
      ],
      [
        'not_a_reviewer',
        403,
        ['approve', 'ap-7f3c', '--reason', 'ok'],
        'POST /v1/approvals/ap-7f3c/approve',
        'Only members of reviewers may decide this request.',
      ],
      [
        'self_approval',
        403,
        ['approve', 'ap-7f3c', '--reason', 'ok'],
        'POST /v1/approvals/ap-7f3c/approve',
        'You made this request; someone else must decide it.',
      ],
      [
        'approval_not_found',
        404,
        ['show', 'ap-7f3c'],
        'GET /v1/approvals/ap-7f3c',
        'No approval ap-7f3c that you may see.',
      ],
      [
        'approval_conflict',
        409,
        ['deny', 'ap-7f3c', '--reason', 'no'],
        'POST /v1/approvals/ap-7f3c/deny',
        'The request is already approved.',
      ],
      [
        'approval_expired',
        409,
        ['approve', 'ap-7f3c', '--reason', 'ok'],
        'POST /v1/approvals/ap-7f3c/approve',
        'The approval expired at 2030-01-01T11:00:00.000Z.',
      ],
      [
        'approval_unavailable',
        503,
        ['list'],
        'GET /v1/approvals?status=pending_approval',
        'Approvals are unavailable; try again.',
      ],
    ])(
      '%s (%i) prints "<message> (<code>)" on stderr and exits 1',
      async (errorCode, status, args, route, message) => {
        routes[route] = {
          status,
          body: { error: { code: errorCode, message, hint: 'ignored' }, requestId: 'r-1' },
        };

        const outcome = await remote(args);

        expect(outcome).toEqual({
          code: 1,
          stdout: '',
          stderr: `tollgate approvals ${args[0]}: ${message} (${errorCode})\n`,
        });
        expectNoToken(outcome);
      },
      TIMEOUT,
    );

    it(
      'an answer that is no Tollgate error says so and exits 1',
      async () => {
        routes['GET /v1/approvals/ap-7f3c'] = { status: 502, body: '<html>Bad Gateway</html>' };

        const { code, stdout, stderr } = await remote(['show', 'ap-7f3c']);

        expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
        expect(stderr).toBe(
          `tollgate approvals show: ${base} answered HTTP 502 without a Tollgate error: is it a Tollgate gateway?\n`,
        );
      },
      TIMEOUT,
    );

    it(
      'does not follow a redirect, so the token goes nowhere else',
      async () => {
        const elsewhere: string[] = [];
        const other = createServer((req, res) => {
          elsewhere.push(String(req.headers.authorization));
          res.end('{}');
        });
        await new Promise<void>((listening) => other.listen(0, '127.0.0.1', listening));
        routes['GET /v1/approvals/ap-7f3c'] = { status: 307, body: '' };
        redirectTo = `http://127.0.0.1:${(other.address() as AddressInfo).port}/steal`;

        const { code, stderr } = await remote(['show', 'ap-7f3c']);
        await new Promise<void>((closed) => other.close(() => closed()));

        expect(code).toBe(1);
        expect(stderr).toBe(
          `tollgate approvals show: ${base} answered HTTP 307 without a Tollgate error: is it a Tollgate gateway?\n`,
        );
        expect(elsewhere).toEqual([]);
      },
      TIMEOUT,
    );

    it(
      'escapes terminal control characters in a refusal message',
      async () => {
        routes['GET /v1/approvals/ap-7f3c'] = {
          status: 404,
          body: { error: { code: 'approval_not_found', message: 'gone\u001b]0;owned\u0007' } },
        };

        const { code, stderr } = await remote(['show', 'ap-7f3c']);

        expect(code).toBe(1);
        expect(stderr).toBe('tollgate approvals show: gone\\u{1b}]0;owned\\u{7} (approval_not_found)\n');
      },
      TIMEOUT,
    );
  });

  describe('the gateway and the token', () => {
    beforeEach(() => {
      routes['GET /v1/approvals?status=pending_approval'] = { status: 200, body: { approvals: [] } };
    });

    it(
      'takes the token from TOLLGATE_TOKEN when --token is not given',
      async () => {
        const outcome = await approvals(['list', '--url', base], { TOLLGATE_TOKEN: 'from-env' });

        expect(outcome.code).toBe(0);
        expect(seen.map((s) => s.authorization)).toEqual(['Bearer from-env']);
        expect(`${outcome.stdout}${outcome.stderr}`).not.toContain('from-env');
      },
      TIMEOUT,
    );

    it(
      '--token wins over TOLLGATE_TOKEN',
      async () => {
        const { code } = await remote(['list'], { TOLLGATE_TOKEN: 'from-env' });

        expect(code).toBe(0);
        expect(seen.map((s) => s.authorization)).toEqual([`Bearer ${TOKEN}`]);
      },
      TIMEOUT,
    );

    it(
      'a deployed gateway without a token exits 2 and sends nothing',
      async () => {
        const { code, stdout, stderr } = await approvals(['list', '--url', base]);

        expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
        expect(stderr).toBe(
          'tollgate approvals list: a deployed gateway needs a token: give --token, or set TOLLGATE_TOKEN (kept out of shell history)\n',
        );
        expect(seen).toEqual([]);
      },
      TIMEOUT,
    );

    it.each([
      [
        'plain http to another host',
        ['--url', 'http://tollgate.example.com', '--token', TOKEN],
        'must use https',
      ],
      [
        'a URL with a password',
        ['--url', 'https://u:p@tollgate.example.com', '--token', TOKEN],
        'user or password',
      ],
      [
        '--sub with --url',
        ['--url', 'https://tollgate.example.com', '--token', TOKEN, '--sub', 'carol'],
        'local gateway only',
      ],
      [
        'a token that is not one word',
        ['--url', 'https://tollgate.example.com', '--token', `${TOKEN}\nX-Evil: 1`],
        'not one printable word',
      ],
    ])(
      'refuses %s with exit 2 and sends nothing',
      async (_what, args, message) => {
        const outcome = await approvals(['list', ...args]);

        expect({ code: outcome.code, stdout: outcome.stdout }).toEqual({ code: 2, stdout: '' });
        expect(outcome.stderr).toMatch(ONE_LINE);
        expect(outcome.stderr).toContain(message);
        expect(outcome.stderr).not.toContain('u:p@');
        expectNoToken(outcome);
        expect(seen).toEqual([]);
      },
      TIMEOUT,
    );

    it(
      'the local gateway, without a token, gets one minted by the data dir issuer for --sub in group reviewers',
      async () => {
        const dataDir = join(work, 'data');
        const issuer = loadDevIssuer(join(dataDir, 'issuer'), { create: true });

        const outcome = await approvals(['list', '--sub', 'carol'], {
          TOLLGATE_DATA_DIR: dataDir,
          TOLLGATE_PORT: String(port),
        });

        expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 0, stderr: '' });
        const token = seen[0]!.authorization!.replace(/^Bearer /, '');
        const { payload, signed, signature } = decode(token);
        const jwk = issuer.jwks.keys[0]!;
        expect(
          verify('sha256', Buffer.from(signed), createPublicKey({ key: jwk, format: 'jwk' }), signature),
        ).toBe(true);
        expect(payload).toMatchObject({ sub: 'carol', groups: ['reviewers'], aud: 'tollgate' });
        expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(900);
        expect(`${outcome.stdout}${outcome.stderr}`).not.toContain(token);
      },
      TIMEOUT,
    );

    it(
      'minting takes --groups, and the login name when --sub is not given',
      async () => {
        const dataDir = join(work, 'data');
        loadDevIssuer(join(dataDir, 'issuer'), { create: true });

        const { code } = await approvals(['list', '--groups', 'dba, reviewers'], {
          TOLLGATE_DATA_DIR: dataDir,
          TOLLGATE_PORT: String(port),
          USER: 'dave',
        });

        expect(code).toBe(0);
        const { payload } = decode(seen[0]!.authorization!.replace(/^Bearer /, ''));
        expect(payload).toMatchObject({ sub: 'dave', groups: ['dba', 'reviewers'] });
      },
      TIMEOUT,
    );

    it(
      'the local gateway uses TOLLGATE_TOKEN when set, and refuses --sub beside it',
      async () => {
        const env = { TOLLGATE_PORT: String(port), TOLLGATE_TOKEN: 'from-env' };

        const used = await approvals(['list'], env);
        const refused = await approvals(['list', '--sub', 'carol'], env);

        expect(used.code).toBe(0);
        expect(seen.map((s) => s.authorization)).toEqual(['Bearer from-env']);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain(
          '--sub and --groups mint a token, but one is given (TOLLGATE_TOKEN)',
        );
        expect(seen).toHaveLength(1);
      },
      TIMEOUT,
    );

    it(
      'a 401 for a minted token asks whether the gateway runs from that data dir',
      async () => {
        const dataDir = join(work, 'data');
        loadDevIssuer(join(dataDir, 'issuer'), { create: true });
        routes['GET /v1/approvals?status=pending_approval'] = {
          status: 401,
          body: { error: { code: 'unauthenticated', message: 'The token is invalid.' } },
        };

        const { code, stderr } = await approvals(['list', '--sub', 'carol'], {
          TOLLGATE_DATA_DIR: dataDir,
          TOLLGATE_PORT: String(port),
        });

        expect(code).toBe(1);
        expect(stderr).toBe(
          `tollgate approvals list: The token is invalid. The token was minted with the issuer in ${dataDir}: ` +
            `is the gateway on ${base} running from that data dir? (unauthenticated)\n`,
        );
      },
      TIMEOUT,
    );

    it(
      'without a token or a local issuer exits 2 naming the data dir',
      async () => {
        const { code, stderr } = await approvals(['list'], { TOLLGATE_PORT: String(port) });

        expect(code).toBe(2);
        expect(stderr).toMatch(ONE_LINE);
        expect(stderr).toContain('give --token or set TOLLGATE_TOKEN');
        expect(stderr).toContain(join(work, '.tollgate'));
        expect(seen).toEqual([]);
      },
      TIMEOUT,
    );

    it(
      'with no local gateway listening exits 1 saying how to start one or give --url',
      async () => {
        // A port just freed: nothing listens on it.
        const probe = createServer();
        await new Promise<void>((listening) => probe.listen(0, '127.0.0.1', listening));
        const closed = (probe.address() as AddressInfo).port;
        await new Promise<void>((done) => probe.close(() => done()));

        const { code, stdout, stderr } = await approvals(['list'], {
          TOLLGATE_PORT: String(closed),
          TOLLGATE_TOKEN: 'from-env',
        });

        expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
        expect(stderr).toBe(
          `tollgate approvals list: no local gateway answers at http://127.0.0.1:${closed}: start it with \`npm start\` ` +
            '(set TOLLGATE_PORT to the port it listens on), or give --url for a deployed gateway\n',
        );
      },
      TIMEOUT,
    );
  });

  it(
    'is listed in the help with its four subcommands',
    async () => {
      const top = await tollgate(['--help']);
      const group = await tollgate(['approvals', '--help']);

      expect(top.stdout).toMatch(/^ {2}approvals /m);
      for (const sub of ['list', 'show', 'approve', 'deny'])
        expect(group.stdout).toMatch(new RegExp(`^ {2}${sub} `, 'm'));
    },
    TIMEOUT,
  );
});
