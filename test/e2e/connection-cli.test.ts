// `tollgate connection …` beside a running local gateway: the gateway starts from a temporary
// tollgate.yaml, the CLI (in this process, and once through bin/tollgate.js) validates, diffs and
// pushes new connection lists to it, and the gateway serves them over HTTP within its 2 s
// refresh — against throwaway databases on the real PostgreSQL server.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { connectionCommand } from '../../bin/connection-command.js';
import { DynamoDbSessionStore } from '../../lambdas/adapters/aws/dynamodb-session-store.js';
import { localDynamoDbClient } from '../../lambdas/adapters/local/aws-stand-ins.js';
import { type DevIssuer, loadDevIssuer } from '../../lambdas/adapters/local/dev-issuer.js';
import { CONFIG_AUDIT_SESSION } from '../../lambdas/core/config/versioned-push.js';
import { verifyChain } from '../../lambdas/core/recording/hash-chain.js';
import { LOCAL_TABLE, type LocalGateway, startLocalGateway } from '../../lambdas/wiring/local.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** Ignored by the server (trust authentication): it must never appear in output or recordings. */
const PASSWORD = 'e2e-pa55word';

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('tollgate connection, beside a running local gateway', () => {
  let work: string;
  let dataDir: string;
  let gateway: LocalGateway;
  let issuer: DevIssuer;
  let orders: ThrowawayDatabase;
  let archive: ThrowawayDatabase;

  /** A reader URL of a throwaway database, with a password the server ignores. */
  const withPassword = (db: ThrowawayDatabase) => {
    const url = new URL(db.readerUrl);
    url.password = PASSWORD;
    return url.toString();
  };

  const yaml = (name: string, connections: string) => {
    const file = join(work, name);
    writeFileSync(file, `connections:\n${connections}`);
    return file;
  };
  const first = `
  - name: first
    kind: postgres
    allowGroups: [agents]
    target: { urlEnv: FIRST_URL }
`;
  const second = (url: string, groups = '[agents]') => `
  - name: second
    kind: postgres
    environment: staging
    allowGroups: ${groups}
    target: { url: "${url}" }
    limits: { rowLimit: 10, statementTimeoutMs: 5000 }
`;

  const env = (extra: Record<string, string> = {}) => ({
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_CONFIG: join(work, 'tollgate.yaml'),
    USER: 'e2e-operator',
    ...extra,
  });

  /** Runs `tollgate connection <args>` in this process. */
  const connection = async (args: string[], extra: Record<string, string> = {}): Promise<Outcome> => {
    let stdout = '';
    let stderr = '';
    const code = await connectionCommand(args, env(extra), {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      cwd: work,
    });
    return { code, stdout, stderr };
  };

  const sql = async (connectionName: string, text: string) => {
    const response = await fetch(`${gateway.url}/v1/connections/${connectionName}/sql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${issuer.signToken({ sub: 'alice', groups: ['agents'], ttlSeconds: 300 })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ sql: text }),
    });
    return {
      status: response.status,
      json: (await response.json()) as { rows?: unknown[][]; error?: { code: string; rule?: string } },
    };
  };

  /** Polls until `check` holds (the gateway re-reads the active version every 2 s). */
  const eventually = async <T>(probe: () => Promise<T>, check: (value: T) => boolean, withinMs = 6000) => {
    const started = Date.now();
    for (;;) {
      const value = await probe();
      if (check(value) || Date.now() - started > withinMs) return { value, ms: Date.now() - started };
      await new Promise((done) => setTimeout(done, 200));
    }
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-connection-cli-'));
    dataDir = join(work, 'data');
    yaml('tollgate.yaml', first);
    [orders, archive] = await Promise.all([
      createThrowawayDatabase(
        "CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (1, 'tea'), (2, 'scones');",
      ),
      createThrowawayDatabase(
        "CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (9, 'archived');",
      ),
    ]);
    gateway = await startLocalGateway({
      dataDir,
      configFile: join(work, 'tollgate.yaml'),
      port: 0,
      logger: silent,
      policyDir: join(ROOT, 'policies'),
    });
    issuer = loadDevIssuer(join(dataDir, 'issuer'));
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([orders?.drop(), archive?.drop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('validates the configured file, and lists every problem of an invalid one', async () => {
    const valid = await connection(['validate']);
    expect(valid).toMatchObject({ code: 0 });
    expect(valid.stdout).toMatch(/^✓ 1 connection in tollgate\.yaml is valid \(connections:[0-9a-f]{12}\)$/m);

    const broken = yaml('broken.yaml', `${first}${first}  - name: Bad\n    kind: oracle\n`);
    const invalid = await connection(['validate', '--file', broken]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toContain('✗ broken.yaml is invalid (');
    expect(invalid.stdout).toContain('  - connections[2].name: lower-case letters, digits and dashes');
    expect(invalid.stdout).toContain('  - connections[2].allowGroups:');
  });

  it('applies the AWS rules when the store is the stack’s table', async () => {
    const { code, stdout } = await connection(['validate'], { TOLLGATE_TABLE: 'tollgate-sessions' });
    expect(code).toBe(1);
    expect(stdout).toContain('is invalid for AWS (1 problems):');
    expect(stdout).toContain('connections[0] (first): on AWS the target must be {"secretArn"');
  });

  it('before any push serves the file’s connections only, and has no history', async () => {
    expect((await sql('second', 'SELECT 1')).json.error?.code).toBe('connection_not_found');
    expect(await gateway.connectionVersion()).toMatch(/^connections:[0-9a-f]{12}$/);
    const { code, stdout } = await connection(['history']);
    expect(code).toBe(0);
    expect(stdout).toContain('No version has been pushed to the running local gateway');
  });

  it('diffs a new list against nothing, without showing its URL', async () => {
    const file = yaml('next.yaml', `${first}${second(withPassword(orders))}`);
    const { code, stdout } = await connection(['diff', '--file', file]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      '+ first  (postgres, development, allowGroups ["agents"], target urlEnv FIRST_URL)',
    );
    expect(stdout).toContain('+ second  (postgres, staging, allowGroups ["agents"], target url)');
    expect(stdout).toContain('2 added, 0 removed, 0 changed');
    expect(stdout).not.toContain(PASSWORD);
  });

  it('pushes a new connection, which the running gateway serves within its refresh interval', async () => {
    const file = yaml('next.yaml', `${first}${second(withPassword(orders))}`);
    const pushed = await connection(['push', '--file', file, '--comment', 'add second']);
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain('✓ Pushed v1 to the running local gateway');
    expect(pushed.stdout).toContain('as operator:e2e-operator: 2 added, 0 removed, 0 changed.');
    expect(pushed.stdout).not.toContain(PASSWORD);

    const { value, ms } = await eventually(
      () => sql('second', 'SELECT id, item FROM orders ORDER BY id'),
      (answer) => answer.status === 200,
    );
    expect(value).toMatchObject({
      status: 200,
      json: {
        rows: [
          [1, 'tea'],
          [2, 'scones'],
        ],
      },
    });
    expect(ms).toBeLessThan(4000);
    expect(await gateway.connectionVersion()).toBe('v1');

    const again = await connection(['push', '--file', file]);
    expect(again.stdout).toContain('✓ Nothing to push: next.yaml is already the active version v1.');
  });

  it('moves a connection to another database: requests reach the new target', async () => {
    const file = yaml('moved.yaml', `${first}${second(withPassword(archive), '[agents, admins]')}`);
    const diff = await connection(['diff', '--file', file]);
    expect(diff.stdout).toContain('~ second');
    expect(diff.stdout).toContain('    allowGroups: ["agents"] → ["agents","admins"]');
    expect(diff.stdout).toContain('    target: url → url (changed)');
    expect(diff.stdout).not.toContain(PASSWORD);

    const pushed = await connection(['push', '--file', file, '--as', 'bob']);
    expect(pushed.stdout).toContain('✓ Pushed v2 (was v1)');
    expect(pushed.stdout).toContain('  ~ second (allowGroups, target)');

    const { value } = await eventually(
      () => sql('second', 'SELECT id, item FROM orders ORDER BY id'),
      (answer) => JSON.stringify(answer.json.rows) === '[[9,"archived"]]',
    );
    expect(value.json.rows).toEqual([[9, 'archived']]);
  });

  it('removes a connection through bin/tollgate.js, and the gateway stops serving it', async () => {
    const file = yaml('only-first.yaml', first);
    const { TOLLGATE_TABLE: _aws, ...inherited } = process.env;
    const { stdout } = await run(
      process.execPath,
      [join(ROOT, 'bin/tollgate.js'), 'connection', 'push', '--file', file],
      {
        cwd: work,
        env: { ...inherited, ...env() },
      },
    );
    expect(stdout).toContain('✓ Pushed v3 (was v2)');
    expect(stdout).toContain('  - second');

    const { value } = await eventually(
      () => sql('second', 'SELECT 1'),
      (answer) => answer.status === 404,
    );
    expect(value.json.error?.code).toBe('connection_not_found');
  }, 30_000);

  it('lists the versions, newest first, and recorded each change without a URL in the config-audit chain', async () => {
    const { stdout } = await connection(['history']);
    const lines = stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^\* v3 {2}\S+ {2}operator:e2e-operator {2}connections:[0-9a-f]{12}$/);
    expect(lines[2]).toMatch(/^ {2}v2 {2}\S+ {2}operator:bob {2}connections:[0-9a-f]{12}$/);
    expect(lines[3]).toMatch(
      /^ {2}v1 {2}\S+ {2}operator:e2e-operator {2}connections:[0-9a-f]{12} {2}add second$/,
    );

    const client = localDynamoDbClient(gateway.endpoints.dynamodb);
    try {
      const sessions = new DynamoDbSessionStore({
        client: DynamoDBDocumentClient.from(client),
        tableName: LOCAL_TABLE,
      });
      const events = await sessions.listEvents(CONFIG_AUDIT_SESSION, 0, 100);
      expect(events.map((e) => [e.type, e.data.version, e.data.actor])).toEqual([
        ['connections.changed', 1, 'operator:e2e-operator'],
        ['connections.changed', 2, 'operator:bob'],
        ['connections.changed', 3, 'operator:e2e-operator'],
      ]);
      expect(events[1]!.data).toMatchObject({
        changed: ['second'],
        changedFields: { second: ['allowGroups', 'target'] },
      });
      expect(events[2]!.data).toMatchObject({ removed: ['second'], connectionCount: 1 });
      expect(verifyChain(events).ok).toBe(true);
      const recorded = JSON.stringify(events);
      expect(recorded).not.toContain(PASSWORD);
      expect(recorded).not.toContain('postgres://');
    } finally {
      client.destroy();
    }
  });

  it('exits 2 with the help, listing the subcommands, without a subcommand', async () => {
    const { code, stdout, stderr } = await connection([]);
    expect(code).toBe(2);
    expect(`${stdout}${stderr}`).toContain('push [--file tollgate.yaml] [--comment "..."] [--as <operator>]');
  });

  it('exits 2 with one line naming the mistake in the command line', async () => {
    for (const [args, message] of [
      [['frobnicate'], "tollgate connection: unknown command 'frobnicate'"],
      [['push', '--bogus'], "tollgate connection push: unknown option '--bogus'"],
      [
        ['history', '--limit', 'many'],
        "argument 'many' is invalid. It must be a whole number from 1 to 1000.",
      ],
    ] as const) {
      const { code, stdout, stderr } = await connection([...args]);
      expect({ args, code, stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(stderr).toMatch(/^[^\n]+\n$/);
      expect(stderr).toContain(message);
    }
  });
});
