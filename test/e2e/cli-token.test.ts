// `tollgate token` never creates the development issuer: without the gateway's key it exits 2,
// saying which data dir it looked in and what to do, and writes nothing. With the key (created by
// the gateway's start) it signs what the flags say.
import { execFile } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  DevIssuerMissingError,
  ISSUER_KEY_FILE,
  LOCAL_AUDIENCE,
  loadDevIssuer,
} from '../../lambdas/adapters/local/dev-issuer.js';
import { CLI, cleanEnv, ONE_LINE, ROOT, tollgate } from './cli-support.js';

const TIMEOUT = 60_000;

const decode = (token: string) => {
  const [header, payload, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString()) as { kid: string },
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>,
    signed: `${header}.${payload}`,
    signature: Buffer.from(signature!, 'base64url'),
  };
};

describe('tollgate token', () => {
  let work: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-token-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it(
    'without the issuer in TOLLGATE_DATA_DIR, exits 2 naming that data dir and creates nothing',
    async () => {
      const dataDir = join(work, 'data');

      const { code, stdout, stderr } = await tollgate(['token', '--sub', 'alice'], {
        env: { TOLLGATE_DATA_DIR: dataDir },
      });

      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(stderr).toMatch(ONE_LINE);
      expect(stderr).toContain(`tollgate token: no development issuer in the data dir ${dataDir} `);
      expect(stderr).toContain('run this from the folder where `npm start` runs');
      expect(stderr).toContain('set TOLLGATE_DATA_DIR to the data dir the gateway prints');
      expect(existsSync(dataDir)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'run in another folder, looks in its .tollgate and creates no key there',
    async () => {
      const { code, stderr } = await tollgate(['token', '--sub', 'alice', '--groups', 'agents'], {
        cwd: work,
      });

      expect(code).toBe(2);
      expect(stderr).toContain(`no development issuer in the data dir ${join(work, '.tollgate')} `);
      expect(readdirSync(work)).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "signs with the gateway's key what the flags say: lifetime, groups, audience and actor",
    async () => {
      const dataDir = join(work, 'data');
      // What the gateway's start does.
      const issuer = loadDevIssuer(join(dataDir, 'issuer'), { create: true });

      const { code, stdout, stderr } = await tollgate(
        [
          'token',
          '--sub',
          'alice',
          '--groups',
          'agents, admins',
          '--ttl',
          '2h',
          '--aud',
          'elsewhere',
          '--act',
          'bot-1',
        ],
        { env: { TOLLGATE_DATA_DIR: dataDir } },
      );

      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const token = decode(stdout.trim());
      const jwk = issuer.jwks.keys[0]!;
      expect(token.header.kid).toBe(jwk.kid);
      expect(
        verify(
          'sha256',
          Buffer.from(token.signed),
          createPublicKey({ key: jwk, format: 'jwk' }),
          token.signature,
        ),
      ).toBe(true);
      expect(token.payload).toMatchObject({
        sub: 'alice',
        groups: ['agents', 'admins'],
        aud: 'elsewhere',
        act: { sub: 'bot-1' },
      });
      expect((token.payload.exp as number) - (token.payload.iat as number)).toBe(7200);
    },
    TIMEOUT,
  );

  it(
    'loads neither the gateway, nor the AWS SDK, nor a SQL parser or the policy engine',
    async () => {
      const dataDir = join(work, 'data');
      loadDevIssuer(join(dataDir, 'issuer'), { create: true });
      // A module hook that reports every module the CLI loads.
      const hooks = join(work, 'hooks.mjs');
      writeFileSync(
        hooks,
        'export async function resolve(s, c, next) { const r = await next(s, c); process._rawDebug("LOAD " + r.url); return r; }\n',
      );
      const register = join(work, 'register.mjs');
      writeFileSync(
        register,
        `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
      );

      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        ['--import', register, CLI, 'token', '--sub', 'alice'],
        { cwd: ROOT, env: cleanEnv({ TOLLGATE_DATA_DIR: dataDir }) },
      );

      expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const loaded = stderr.split('\n').filter((line) => line.startsWith('LOAD '));
      expect(loaded).toContainEqual(expect.stringContaining('/bin/token-command.ts'));
      expect(
        loaded.filter((line) =>
          /lambdas\/wiring|@aws-sdk|libpg-query|node-sql-parser|cedar|pglite|dynalite/.test(line),
        ),
      ).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'lives 15 minutes for the local audience by default',
    async () => {
      const dataDir = join(work, 'data');
      loadDevIssuer(join(dataDir, 'issuer'), { create: true });

      const { stdout } = await tollgate(['token', '--sub', 'alice'], { env: { TOLLGATE_DATA_DIR: dataDir } });

      const { payload } = decode(stdout.trim());
      expect(payload).toMatchObject({ aud: LOCAL_AUDIENCE, groups: [] });
      expect((payload.exp as number) - (payload.iat as number)).toBe(900);
      expect(payload).not.toHaveProperty('act');
    },
    TIMEOUT,
  );
});

describe('loadDevIssuer', () => {
  let work: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-issuer-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('with { create: false } throws DevIssuerMissingError for a missing key and writes nothing', () => {
    const dir = join(work, 'issuer');

    expect(() => loadDevIssuer(dir, { create: false })).toThrow(DevIssuerMissingError);
    expect(() => loadDevIssuer(dir, { create: false })).toThrow(
      expect.objectContaining({ keyFile: join(dir, ISSUER_KEY_FILE) }),
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('with { create: true } creates the key, readable by its owner only, and loads the same key again', () => {
    const dir = join(work, 'issuer');

    const created = loadDevIssuer(dir, { create: true });
    const again = loadDevIssuer(dir, { create: false });

    expect(statSync(join(dir, ISSUER_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([ISSUER_KEY_FILE]);
    expect(again.jwks).toEqual(created.jwks);
  });

  it('creates the key when no mode is given, as the existing callers expect', () => {
    loadDevIssuer(join(work, 'issuer'));

    expect(existsSync(join(work, 'issuer', ISSUER_KEY_FILE))).toBe(true);
  });
});
