// `tollgate policy …` as an operator runs it: validate, test, diff, push and history against a
// temporary local data dir, in child processes. The policy folder is a copy of the repository's.
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbPolicyStore } from '../../lambdas/adapters/aws/dynamodb-policy-store.js';
import { DynamoDbSessionStore } from '../../lambdas/adapters/aws/dynamodb-session-store.js';
import {
  ensureTable,
  localDynamoDbClient,
  startDynalite,
} from '../../lambdas/adapters/local/aws-stand-ins.js';
import { CONFIG_AUDIT_SESSION } from '../../lambdas/core/policy/push-policies.js';
import { verifyChain } from '../../lambdas/core/recording/hash-chain.js';
import { LOCAL_TABLE } from '../../lambdas/wiring/local.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/tollgate.js');
const run = promisify(execFile);
const TIMEOUT = 90_000;

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('tollgate policy', () => {
  let work: string;
  let dataDir: string;
  let dir: string;

  /** Runs `tollgate policy <args>` and answers its exit code and output, whatever the code. */
  const policy = async (args: string[], env: Record<string, string> = {}): Promise<Outcome> => {
    const { TOLLGATE_TABLE: _aws, ...inherited } = process.env;
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, 'policy', ...args], {
        cwd: ROOT,
        env: { ...inherited, TOLLGATE_DATA_DIR: dataDir, USER: 'e2e-operator', ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failure = error as Partial<Outcome> & { code?: unknown };
      if (typeof failure.code !== 'number') throw error;
      return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
    }
  };

  /** A copy of the repository's policy folder, changed by `edit`. */
  const policyCopy = (name: string, edit: (path: string) => void = () => undefined) => {
    const copy = join(work, name);
    cpSync(join(ROOT, 'policies'), copy, { recursive: true });
    edit(copy);
    return copy;
  };

  /** Opens the data dir's DynamoDB in this process (no CLI may be running). */
  const openDataDir = async () => {
    const standIn = await startDynalite(join(dataDir, 'dynamodb'));
    const client = localDynamoDbClient(standIn.endpoint);
    await ensureTable(client, LOCAL_TABLE);
    const documentClient = DynamoDBDocumentClient.from(client);
    return {
      standIn,
      policies: new DynamoDbPolicyStore({ client: documentClient, tableName: LOCAL_TABLE }),
      sessions: new DynamoDbSessionStore({ client: documentClient, tableName: LOCAL_TABLE }),
      async stop() {
        client.destroy();
        await standIn.stop();
      },
    };
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-policy-cli-'));
    dataDir = join(work, 'data');
    dir = policyCopy('policies');
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  describe('validate', () => {
    it(
      'compiles a valid folder',
      async () => {
        const { code, stdout } = await policy(['validate', '--dir', dir]);
        expect(code).toBe(0);
        expect(stdout).toMatch(/^✓ 14 policies in .+ are valid \(files:[0-9a-f]{12}\)$/m);
      },
      TIMEOUT,
    );

    it(
      'lists every problem of an invalid folder and exits 1',
      async () => {
        const broken = policyCopy('broken', (path) => {
          writeFileSync(join(path, 'no-id.cedar'), 'permit (principal, action, resource);\n');
          writeFileSync(
            join(path, 'twice.cedar'),
            '@id("agents-may-read")\nforbid (principal, action, resource);\n',
          );
        });
        const { code, stdout } = await policy(['validate', '--dir', broken]);
        expect(code).toBe(1);
        expect(stdout).toContain('is invalid (2 problems):');
        expect(stdout).toContain('  - no-id.cedar: every policy needs an @id');
        expect(stdout).toContain('  - twice.cedar: duplicate policy id agents-may-read');
      },
      TIMEOUT,
    );

    it(
      'exits 2 when the folder cannot be read',
      async () => {
        const { code, stderr } = await policy(['validate', '--dir', join(work, 'missing')]);
        expect(code).toBe(2);
        expect(stderr).toContain('cannot read the policy folder');
      },
      TIMEOUT,
    );
  });

  describe('test', () => {
    it(
      'runs every golden case through the real analysis and engine',
      async () => {
        const { code, stdout } = await policy(['test', '--dir', dir]);
        expect(code).toBe(0);
        expect(stdout).toContain('  ✓ agents may read');
        expect(stdout).toContain('  ✓ DROP TABLE is blocked');
        expect(stdout).toMatch(/^✓ \d+ passed, 0 failed$/m);
      },
      TIMEOUT,
    );

    it(
      'reports a failing case with what was expected and exits 1',
      async () => {
        const loose = policyCopy('loose', (path) => {
          const file = join(path, 'default.cedar');
          writeFileSync(file, readFileSync(file, 'utf8').replace(/@id\("ddl-blocked"\)[\s\S]*?;\n/, ''));
        });
        const { code, stdout } = await policy(['test', '--dir', loose]);
        expect(code).toBe(1);
        expect(stdout).toMatch(/ {2}✗ DROP TABLE is blocked: expected block ddl-blocked, got deny/);
        expect(stdout).toMatch(/^✗ \d+ passed, [1-9]\d* failed$/m);
      },
      TIMEOUT,
    );
  });

  describe('against the store', () => {
    it(
      'has no history before the first push',
      async () => {
        const { code, stdout } = await policy(['history']);
        expect(code).toBe(0);
        expect(stdout).toContain('No version has been pushed');
      },
      TIMEOUT,
    );

    it(
      'diffs against nothing before the first push',
      async () => {
        const { code, stdout } = await policy(['diff', '--dir', dir]);
        expect(code).toBe(0);
        expect(stdout).toContain('+ agents-may-read');
        expect(stdout).toContain('14 added, 0 removed, 0 changed');
      },
      TIMEOUT,
    );

    it(
      'pushes the folder as version 1, as the operator from USER',
      async () => {
        const { code, stdout } = await policy(['push', '--dir', dir, '--comment', 'initial pack']);
        expect(code).toBe(0);
        expect(stdout).toMatch(/^✓ \d+ passed, 0 failed$/m);
        expect(stdout).toContain('✓ Pushed v1 to the local data dir');
        expect(stdout).toContain('as operator:e2e-operator: 14 added, 0 removed, 0 changed.');
      },
      TIMEOUT,
    );

    it(
      'answers that there is nothing to push when the folder is active',
      async () => {
        const { code, stdout } = await policy(['push', '--dir', dir]);
        expect(code).toBe(0);
        expect(stdout).toContain('✓ Nothing to push');
        expect(stdout).toContain('already the active version v1');
      },
      TIMEOUT,
    );

    it(
      'refuses to push a folder whose golden tests fail',
      async () => {
        const loose = policyCopy('loose-push', (path) => {
          const file = join(path, 'default.cedar');
          writeFileSync(file, readFileSync(file, 'utf8').replace(/@id\("ddl-blocked"\)[\s\S]*?;\n/, ''));
        });
        const { code, stdout } = await policy(['push', '--dir', loose]);
        expect(code).toBe(1);
        expect(stdout).toMatch(/✗ Not pushed: \d+ golden tests? failed\./);
      },
      TIMEOUT,
    );

    it(
      'refuses to push an invalid folder',
      async () => {
        const broken = policyCopy('broken-push', (path) => {
          writeFileSync(join(path, 'no-id.cedar'), 'permit (principal, action, resource);\n');
        });
        const { code, stdout } = await policy(['push', '--dir', broken]);
        expect(code).toBe(1);
        expect(stdout).toContain('✗ Not pushed: the policy set is invalid.');
      },
      TIMEOUT,
    );

    it(
      'shows policies added and changed, line by line, against the active version',
      async () => {
        edit(dir);
        const { code, stdout } = await policy(['diff', '--dir', dir]);
        expect(code).toBe(0);
        expect(stdout).toContain('From the active version v1');
        expect(stdout).toContain('+ auditors-may-read');
        expect(stdout).toContain('~ connection-groups');
        expect(stdout).toContain('    - @reason("{connection} is open to other groups.")');
        expect(stdout).toContain('    + @reason("{connection} is only for its groups.")');
        expect(stdout).toContain('1 added, 0 removed, 1 changed');
      },
      TIMEOUT,
    );

    it(
      'pushes the change as version 2 under --as and lists both versions, newest first',
      async () => {
        const pushed = await policy(['push', '--dir', dir, '--as', 'bob', '--comment', 'auditors read']);
        expect(pushed.code).toBe(0);
        expect(pushed.stdout).toContain('✓ Pushed v2 (was v1)');
        expect(pushed.stdout).toContain('as operator:bob: 1 added, 0 removed, 1 changed.');
        expect(pushed.stdout).toContain('  + auditors-may-read');
        expect(pushed.stdout).toContain('  ~ connection-groups');

        const { code, stdout } = await policy(['history']);
        expect(code).toBe(0);
        const lines = stdout.trim().split('\n');
        expect(lines[1]).toMatch(/^\* v2 {2}\S+ {2}operator:bob {2}files:[0-9a-f]{12} {2}auditors read$/);
        expect(lines[2]).toMatch(
          /^ {2}v1 {2}\S+ {2}operator:e2e-operator {2}files:[0-9a-f]{12} {2}initial pack$/,
        );
      },
      TIMEOUT,
    );

    it(
      'says the folder matches once it is pushed',
      async () => {
        const { code, stdout } = await policy(['diff', '--dir', dir]);
        expect(code).toBe(0);
        expect(stdout).toMatch(/✓ .+ matches the active version v2/);
      },
      TIMEOUT,
    );

    it(
      'recorded both changes in the config-audit session, as one hash chain',
      async () => {
        const store = await openDataDir();
        try {
          const events = await store.sessions.listEvents(CONFIG_AUDIT_SESSION, 0, 100);
          expect(events.map((e) => [e.type, e.data.version, e.data.actor])).toEqual([
            ['policy.changed', 1, 'operator:e2e-operator'],
            ['policy.changed', 2, 'operator:bob'],
          ]);
          expect(events[1]!.data).toMatchObject({
            added: ['auditors-may-read'],
            changed: ['connection-groups'],
          });
          expect(verifyChain(events).ok).toBe(true);
          expect((await store.policies.active())?.version).toBe(2);
        } finally {
          await store.stop();
        }
      },
      TIMEOUT,
    );
  });

  describe('beside a running local gateway', () => {
    let gateway: Awaited<ReturnType<typeof openDataDir>>;

    beforeAll(async () => {
      // The gateway's dynalite holds the data dir's lock; it publishes its endpoint.
      gateway = await openDataDir();
    });

    afterAll(async () => {
      await gateway.stop();
      rmSync(join(dataDir, 'endpoints.json'), { force: true });
    });

    it(
      "uses the endpoint the gateway published and the gateway's store sees the push",
      async () => {
        writeFileSync(
          join(dataDir, 'endpoints.json'),
          JSON.stringify({ dynamodb: gateway.standIn.endpoint }),
        );
        appendFileSync(
          join(dir, 'default.cedar'),
          '\n@id("audit-log-kept")\nforbid (principal, action in Tollgate::Action::"sql", resource)\nwhen { context.tablesWritten.contains("audit_log") };\n',
        );

        const { code, stdout } = await policy(['push', '--dir', dir]);

        expect(code).toBe(0);
        expect(stdout).toContain('✓ Pushed v3 (was v2) to the running local gateway');
        expect((await gateway.policies.active())?.version).toBe(3);
      },
      TIMEOUT,
    );

    it(
      'says so, instead of failing obscurely, when the gateway did not publish its endpoint',
      async () => {
        rmSync(join(dataDir, 'endpoints.json'));

        const { code, stderr } = await policy(['history']);

        expect(code).toBe(1);
        expect(stderr).toContain('is in use by a local gateway that did not publish its DynamoDB endpoint');
      },
      TIMEOUT,
    );
  });

  describe('usage', () => {
    it(
      'without a subcommand, exits 2 with the help listing the subcommands',
      async () => {
        const { code, stdout, stderr } = await policy([]);
        expect(code).toBe(2);
        expect(`${stdout}${stderr}`).toContain('push [--dir policies] [--comment "..."] [--as <operator>]');
      },
      TIMEOUT,
    );

    it.each([
      [['frobnicate'], "tollgate policy: unknown command 'frobnicate' (see tollgate policy --help)"],
      [
        ['push', '--bogus'],
        "tollgate policy push: unknown option '--bogus' (see tollgate policy push --help)",
      ],
      [
        ['history', '--limit', 'many'],
        "argument 'many' is invalid. It must be a whole number from 1 to 1000.",
      ],
    ])(
      'exits 2 with one line naming the mistake for %j',
      async (args, message) => {
        const { code, stdout, stderr } = await policy(args);
        expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
        expect(stderr).toMatch(/^[^\n]+\n$/);
        expect(stderr).toContain(message);
      },
      TIMEOUT,
    );
  });
});

/** Lets auditors read and rewords a refusal. */
const edit = (dir: string) => {
  const file = join(dir, 'default.cedar');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace(
      '{connection} is open to other groups.',
      '{connection} is only for its groups.',
    ),
  );
  writeFileSync(
    join(dir, 'auditors.cedar'),
    '@id("auditors-may-read")\npermit (\n  principal in Tollgate::Group::"auditors",\n  action == Tollgate::Action::"sql:read",\n  resource\n);\n',
  );
  const tests = join(dir, 'tests/default.yaml');
  writeFileSync(
    tests,
    readFileSync(tests, 'utf8').replace(
      'expect: { outcome: deny, rule: default-deny }',
      'expect: { outcome: allow, rule: auditors-may-read }',
    ),
  );
};
