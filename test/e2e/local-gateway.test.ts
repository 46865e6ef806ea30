// End to end through the local gateway: real HTTP, real tokens from the development issuer,
// real stand-ins (dynalite, s3rver) and the real demo database (PGlite).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { localS3Client } from '../../lambdas/adapters/local/aws-stand-ins.js';
import { type DevIssuer, loadDevIssuer } from '../../lambdas/adapters/local/dev-issuer.js';
import type { SessionEvent } from '../../lambdas/core/recording/events.js';
import { verifyChain } from '../../lambdas/core/recording/hash-chain.js';
import { LOCAL_BUCKET, type LocalGateway, startLocalGateway } from '../../lambdas/wiring/local.js';

/** The JSON bodies the gateway answers with (success and error shapes together). */
interface ApiBody {
  status: string;
  approval: { group: string; quorum: number };
  error: { code: string; message: string; rule?: string };
  requestId: string;
  sessionId: string;
  columns: unknown[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const CONFIG = `
maxBodyBytes: 65536
connections:
  - name: demo-postgres
    kind: postgres
    allowGroups: [agents]
    target: { demo: true }
    limits: { rowLimit: 100, statementTimeoutMs: 5000 }
`;

describe('local gateway, end to end', () => {
  let dir: string;
  let gateway: LocalGateway;
  let issuer: DevIssuer;

  const start = () =>
    startLocalGateway({
      dataDir: join(dir, 'data'),
      configFile: join(dir, 'tollgate.yaml'),
      port: 0,
      logger: silent,
    });

  const token = (
    sub = 'alice',
    groups = ['agents'],
    extra: Partial<Parameters<DevIssuer['signToken']>[0]> = {},
  ) => issuer.signToken({ sub, groups, ttlSeconds: 300, ...extra });

  const sql = async (
    body: unknown,
    options: { token?: string; session?: string; raw?: string; connection?: string } = {},
  ) => {
    const response = await fetch(
      `${gateway.url}/v1/connections/${options.connection ?? 'demo-postgres'}/sql`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.token ?? token()}`,
          'content-type': 'application/json',
          ...(options.session ? { 'x-tollgate-session': options.session } : {}),
        },
        body: options.raw ?? JSON.stringify(body),
      },
    );
    return { status: response.status, json: (await response.json()) as ApiBody };
  };

  /** Every archived event, by session, after flushing the local archiver. */
  const recordings = async (): Promise<Map<string, SessionEvent[]>> => {
    await gateway.flushRecordings();
    const s3 = localS3Client(gateway.endpoints.s3);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: LOCAL_BUCKET, Prefix: 'recordings/' }));
    const bySession = new Map<string, SessionEvent[]>();
    for (const object of listed.Contents ?? []) {
      const body = await (
        await s3.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: object.Key }))
      ).Body!.transformToString();
      for (const line of body.trim().split('\n')) {
        const event = JSON.parse(line) as SessionEvent;
        bySession.set(event.sessionId, [...(bySession.get(event.sessionId) ?? []), event]);
      }
    }
    for (const events of bySession.values()) events.sort((a, b) => a.seq - b.seq);
    return bySession;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-'));
    writeFileSync(join(dir, 'tollgate.yaml'), CONFIG);
    gateway = await start();
    issuer = loadDevIssuer(join(dir, 'data', 'issuer'));
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz and serves the development issuer’s JWKS', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const jwks = (await (await fetch(`${gateway.url}/.well-known/jwks.json`)).json()) as {
      keys: Array<Record<string, string>>;
    };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('runs a SELECT for a minted token and records it', async () => {
    const { status, json } = await sql(
      { sql: 'SELECT id, full_name FROM customers ORDER BY id LIMIT 3' },
      { session: 'e2e-select-01' },
    );
    expect(status).toBe(200);
    expect(json).toMatchObject({ sessionId: 'e2e-select-01', rowCount: 3, truncated: false });
    expect(json.columns).toEqual([
      { name: 'id', type: 'int4' },
      { name: 'full_name', type: 'text' },
    ]);
    const events = (await recordings()).get('e2e-select-01')!;
    expect(events.map((e) => e.type)).toEqual(['request.received', 'request.decided', 'request.completed']);
    expect(events[0]!.data).toMatchObject({
      principal: { sub: 'alice', groups: ['agents'] },
      sql: expect.stringContaining('SELECT id'),
    });
    expect(verifyChain(events)).toMatchObject({ ok: true });
  });

  it('refuses DROP TABLE with 403, leaves the table in place, and records the refusal', async () => {
    const { status, json } = await sql({ sql: 'DROP TABLE customers' }, { session: 'e2e-drop-0001' });
    expect(status).toBe(403);
    expect(json.error).toMatchObject({ code: 'blocked', rule: 'ddl-blocked' });
    expect((await sql({ sql: 'SELECT count(*)::int AS n FROM customers' })).json.rows).toEqual([[250]]);
    const events = (await recordings()).get('e2e-drop-0001')!;
    expect(events.map((e) => [e.type, e.data.outcome ?? null])).toEqual([
      ['request.received', null],
      ['request.decided', 'block'],
    ]);
  });

  it('holds a write that needs review (202), records the hold, and leaves the data unchanged', async () => {
    const { status, json } = await sql(
      { sql: "UPDATE orders SET status = 'refunded' WHERE id = 1" },
      { session: 'e2e-approval-1' },
    );
    expect(status).toBe(202);
    expect(json).toMatchObject({ status: 'pending_approval', groups: ['reviewers'], quorum: 1 });
    expect((await sql({ sql: 'SELECT status FROM orders WHERE id = 1' })).json.rows).not.toEqual([
      ['refunded'],
    ]);
    const events = (await recordings()).get('e2e-approval-1')!;
    expect(events.map((e) => [e.type, e.data.outcome ?? null])).toEqual([
      ['request.received', null],
      ['request.decided', 'approval_required'],
      ['approval.requested', null],
    ]);
  });

  it('caps rows at the connection’s limit and says so', async () => {
    const { json } = await sql({ sql: 'SELECT id FROM orders' });
    expect(json).toMatchObject({ rowCount: 100, truncated: true });
  });

  it('binds parameters', async () => {
    const { json } = await sql({ sql: 'SELECT id FROM customers WHERE id = $1', params: [7] });
    expect(json.rows).toEqual([[7]]);
  });

  it.each([
    [
      'an expired token',
      () => token('alice', ['agents'], { ttlSeconds: 60, now: new Date(Date.now() - 3_600_000) }),
    ],
    ['a token for another audience', () => token('alice', ['agents'], { audience: 'someone-else' })],
    [
      'a token signed by another key',
      () =>
        loadDevIssuer(join(dir, 'forger')).signToken({ sub: 'alice', groups: ['agents'], ttlSeconds: 300 }),
    ],
    [
      'a tampered token',
      () => {
        const [h, , s] = token().split('.');
        const payload = Buffer.from(
          JSON.stringify({
            sub: 'root',
            iss: 'tollgate-local',
            aud: 'tollgate',
            groups: ['admins'],
            exp: 9e9,
          }),
        ).toString('base64url');
        return `${h}.${payload}.${s}`;
      },
    ],
    [
      'an unsigned token',
      () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: 'alice', iss: 'tollgate-local', aud: 'tollgate', exp: 9e9 })}.`;
      },
    ],
    ['garbage', () => 'not.a.jwt'],
  ])('answers 401 to %s and runs nothing', async (_name, makeToken) => {
    const { status, json } = await sql({ sql: 'SELECT 1' }, { token: makeToken() });
    expect(status).toBe(401);
    expect(json.error).toEqual({ code: 'unauthenticated', message: 'A valid bearer token is required.' });
  });

  it.each([
    ['malformed JSON', { raw: '{"sql": ' }, 400, 'invalid_json'],
    ['a wrong type', { raw: '{"sql": 1}' }, 400, 'bad_request'],
    ['SQL that does not parse', { raw: '{"sql": "SELEKT * FROM customers"}' }, 400, 'sql_unparseable'],
    [
      'an unknown connection',
      { raw: '{"sql": "SELECT 1"}', connection: 'prod-db' },
      404,
      'connection_not_found',
    ],
    [
      'an oversize body',
      { raw: JSON.stringify({ sql: `SELECT '${'x'.repeat(70_000)}'` }) },
      413,
      'payload_too_large',
    ],
  ])('answers %s with its documented error', async (_name, options, status, code) => {
    const response = await sql(undefined, options);
    expect(response.status).toBe(status);
    // Refusals after authentication carry the session the refusal was recorded in.
    expect(response.json).toEqual({
      error: expect.objectContaining({ code }),
      requestId: expect.any(String),
      // Refused by the transport (size, media type) before any session exists: none to name.
      ...(code === 'payload_too_large' || code === 'unsupported_media_type'
        ? {}
        : { sessionId: expect.any(String) }),
    });
  });

  it('answers unknown routes and methods with JSON errors', async () => {
    const notFound = await fetch(`${gateway.url}/v2/anything`);
    expect([notFound.status, ((await notFound.json()) as ApiBody).error.code]).toEqual([
      404,
      'route_not_found',
    ]);
    const wrongMethod = await fetch(`${gateway.url}/v1/connections/demo-postgres/sql`, { method: 'DELETE' });
    expect([wrongMethod.status, ((await wrongMethod.json()) as ApiBody).error.code]).toEqual([
      405,
      'method_not_allowed',
    ]);
  });

  it('answers members of groups the connection does not admit as if it did not exist', async () => {
    const { status, json } = await sql({ sql: 'SELECT 1' }, { token: token('rita', ['reviewers']) });
    const unknown = await sql(
      { sql: 'SELECT 1' },
      { token: token('rita', ['reviewers']), connection: 'no-such-db' },
    );
    expect(status).toBe(404);
    expect(json.error).toEqual(expect.objectContaining({ code: 'connection_not_found' }));
    expect(unknown.status).toBe(404);
  });

  it('keeps another principal out of a session', async () => {
    await sql({ sql: 'SELECT 1' }, { session: 'e2e-owned-0001' });
    const { status, json } = await sql(
      { sql: 'SELECT 1' },
      { session: 'e2e-owned-0001', token: token('mallory') },
    );
    expect(status).toBe(403);
    expect(json.error.code).toBe('session_forbidden');
  });

  it('keeps recordings and sessions across a restart of the gateway', async () => {
    await sql({ sql: 'SELECT 1' }, { session: 'e2e-restart-01' });
    await gateway.stop();
    gateway = await start();
    const { status } = await sql({ sql: 'SELECT 2' }, { session: 'e2e-restart-01' });
    expect(status).toBe(200);
    const events = (await recordings()).get('e2e-restart-01')!;
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(verifyChain(events)).toMatchObject({ ok: true });
  }, 60_000);
});
