// The one test that bundles for real: the SQL function's ESM bundle must start (createRequire
// banner) and find libpg-query's WASM file beside it. Takes a few seconds (esbuild + a child Node).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { GatewayFunction, SQL_FUNCTION_FILES } from '../../lib/constructs/gateway-function.js';
import { ENTRYPOINTS } from '../../lib/tollgate-stack.js';
import { OIDC } from './support/synth.js';

/** Invokes the bundle's handler with an unauthenticated SQL request, in a fresh Node process. */
const INVOKE = `
const { handler } = await import(process.argv[1]);
const response = await handler({
  version: '2.0',
  routeKey: 'POST /v1/connections/{name}/sql',
  rawPath: '/v1/connections/orders/sql',
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  pathParameters: { name: 'orders' },
  body: JSON.stringify({ sql: 'select 1' }),
  isBase64Encoded: false,
  requestContext: { requestId: 'bundling-test', http: { method: 'POST', path: '/v1/connections/orders/sql', sourceIp: '192.0.2.1' } },
}, { awsRequestId: 'bundling-test', getRemainingTimeInMillis: () => 30000 });
process.stdout.write(JSON.stringify(response));
`;

describe('GatewayFunction bundling', () => {
  let outdir: string;
  let assetDir: string;
  beforeAll(() => {
    // GIVEN the SQL entry point bundled as GatewayFunction bundles it
    outdir = mkdtempSync(join(tmpdir(), 'tollgate-bundling-'));
    const app = new App({ outdir });
    new GatewayFunction(new Stack(app, 'Bundling'), 'Sql', {
      entry: ENTRYPOINTS.sql,
      files: SQL_FUNCTION_FILES,
    });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    assetDir = join(assembly.directory, assets[0]!);
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('emits an ESM bundle with its source map, both WASM modules and the policy folder beside it', () => {
    // THEN
    expect(readdirSync(assetDir).sort()).toEqual([
      'cedar_wasm_bg.wasm',
      'index.mjs',
      'index.mjs.map',
      'libpg-query.wasm',
      'policies',
    ]);
    expect(readdirSync(join(assetDir, 'policies'))).toContain('default.cedar');
  });

  test('defines require, __filename and __dirname before any bundled code runs', () => {
    // THEN
    const head = readFileSync(join(assetDir, 'index.mjs'), 'utf8').slice(0, 600);
    expect(head).toMatch(/^import \{ createRequire as __tollgateCreateRequire \} from 'node:module';/);
    expect(head).toContain('const require = __tollgateCreateRequire(import.meta.url);');
    expect(head).toContain('const __dirname = __tollgateDirname(__filename);');
  });

  test('starts, loads the SQL parser and answers an unauthenticated request with 401', () => {
    // GIVEN
    const bundle = join(assetDir, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);

    // WHEN
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', INVOKE, bundle], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'eu-west-1',
        TOLLGATE_TABLE: 'tollgate-test',
        TOLLGATE_ISSUER: OIDC.issuer,
        TOLLGATE_AUDIENCE: OIDC.audience,
        TOLLGATE_JWKS_URI: OIDC.jwksUri,
        TOLLGATE_CONNECTIONS: '[]',
        TOLLGATE_MASKING_KEY_SECRET_ARN:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:masking-AbCdEf',
      },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });

    // THEN: the answer is the last line (log lines, JSON too, may come first: the JWKS of this
    // test issuer cannot be fetched at cold start, which is logged and retried at the first token).
    const lines = output.trim().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ statusCode: 401 });
    for (const line of lines.slice(0, -1)) expect(JSON.parse(line)).toMatchObject({ service: 'tollgate' });
  });
});

describe('GatewayFunction bundling of the light health function', () => {
  let outdir: string;
  let assetDir: string;
  beforeAll(() => {
    // GIVEN the health entry bundled as the stack bundles it, with openapi.yaml beside it
    outdir = mkdtempSync(join(tmpdir(), 'tollgate-bundling-health-'));
    const app = new App({ outdir });
    new GatewayFunction(new Stack(app, 'BundlingHealth'), 'Health', {
      entry: ENTRYPOINTS.health,
      files: [{ from: 'openapi.yaml', to: 'openapi.yaml' }],
    });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    assetDir = join(assembly.directory, assets[0]!);
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('loads no AWS SDK client, SQL parser, policy engine or zod', () => {
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    for (const marker of [
      'DynamoDBClient',
      'S3Client',
      'SecretsManagerClient',
      'libpg-query',
      'cedar_wasm',
      'ZodError',
    ]) {
      expect([marker, bundle.includes(marker)]).toEqual([marker, false]);
    }
  });

  test('serves GET /openapi.json from the document shipped beside the bundle', () => {
    const invoke = `
const { handler } = await import(process.argv[1]);
const response = await handler({
  version: '2.0', routeKey: 'GET /openapi.json', rawPath: '/openapi.json', rawQueryString: '', headers: {},
  isBase64Encoded: false,
  requestContext: { requestId: 'bundling-test', http: { method: 'GET', path: '/openapi.json', sourceIp: '192.0.2.1' } },
}, { awsRequestId: 'bundling-test', getRemainingTimeInMillis: () => 30000 });
process.stdout.write(JSON.stringify(response));
`;
    const output = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', invoke, join(assetDir, 'index.mjs')],
      {
        env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      },
    );
    const response = JSON.parse(output.trim().split('\n').at(-1)!) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      openapi: expect.stringMatching(/^3\.1/),
      paths: expect.any(Object),
    });
  });
});
