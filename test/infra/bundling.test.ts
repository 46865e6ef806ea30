// The one test that bundles for real: the SQL function's ESM bundle must start (createRequire
// banner) and find libpg-query's WASM file beside it; the approval-tasks bundle likewise, and the
// light bundles (health, Slack notifier) must stay light. Takes a few seconds (esbuild + a child
// Node per bundle).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { GatewayFunction, SQL_FUNCTION_FILES } from '../../lib/constructs/gateway-function.js';
import { ENTRYPOINTS } from '../../lib/tollgate-stack.js';
import { OIDC } from './support/synth.js';

/** What the stack tells the SQL and approval-tasks functions about the approval workflow. */
const APPROVAL_ENVIRONMENT = {
  TOLLGATE_SEALING_KEY_ARN: 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000',
  TOLLGATE_EVENT_BUS_NAME: 'tollgate-approvals',
  TOLLGATE_RECORDINGS_BUCKET: 'tollgate-recordings',
  TOLLGATE_ARCHIVER_FUNCTION: 'tollgate-archiver',
  TOLLGATE_APPROVAL_STATE_MACHINE_ARN:
    'arn:aws:states:eu-west-1:123456789012:stateMachine:Tollgate-approvals',
};

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
        ...APPROVAL_ENVIRONMENT,
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

describe('GatewayFunction bundling of the approval-tasks function', () => {
  let outdir: string;
  let assetDir: string;
  beforeAll(() => {
    // GIVEN the approval-tasks entry bundled as the stack bundles it, with the SQL function's files
    outdir = mkdtempSync(join(tmpdir(), 'tollgate-bundling-approval-tasks-'));
    const app = new App({ outdir });
    new GatewayFunction(new Stack(app, 'BundlingApprovalTasks'), 'ApprovalTasks', {
      entry: ENTRYPOINTS.approvalTasks,
      files: SQL_FUNCTION_FILES,
    });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    assetDir = join(assembly.directory, assets[0]!);
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('emits an ESM bundle with both WASM modules and the policy folder beside it', () => {
    // THEN
    expect(readdirSync(assetDir).sort()).toEqual([
      'cedar_wasm_bg.wasm',
      'index.mjs',
      'index.mjs.map',
      'libpg-query.wasm',
      'policies',
    ]);
  });

  test('starts with the environment the stack gives it and refuses a payload that is no task', () => {
    // GIVEN a payload the state machine never sends, and no AWS credentials
    const invoke = `
const { handler } = await import(process.argv[1]);
const answer = await handler({ task: 'drop everything', approvalId: 'a1' }).then(() => 'ran', (e) => e.message);
process.stdout.write(JSON.stringify(answer));
`;

    // WHEN
    const output = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', invoke, join(assetDir, 'index.mjs')],
      {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'eu-west-1',
          TOLLGATE_TABLE: 'tollgate-test',
          TOLLGATE_CONNECTIONS: '[]',
          TOLLGATE_MASKING_KEY_SECRET_ARN:
            'arn:aws:secretsmanager:eu-west-1:123456789012:secret:masking-AbCdEf',
          ...APPROVAL_ENVIRONMENT,
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      },
    );

    // THEN
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toBe('not an approval task');
  });
});

describe('GatewayFunction bundling of the Slack notifier', () => {
  let outdir: string;
  let assetDir: string;
  beforeAll(() => {
    // GIVEN the notifier entry bundled as the stack bundles it
    outdir = mkdtempSync(join(tmpdir(), 'tollgate-bundling-notifier-'));
    const app = new App({ outdir });
    new GatewayFunction(new Stack(app, 'BundlingNotifier'), 'Notifier', { entry: ENTRYPOINTS.notifier });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    assetDir = join(assembly.directory, assets[0]!);
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('loads no SQL parser, policy engine, database driver or DynamoDB client', () => {
    // THEN
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    for (const marker of ['DynamoDBClient', 'libpg-query', 'cedar_wasm', 'pg-protocol']) {
      expect([marker, bundle.includes(marker)]).toEqual([marker, false]);
    }
  });

  test('starts with the environment the stack gives it, reading no secret before the first event', () => {
    // GIVEN no AWS credentials: any call at start would fail
    const start = `
const { handler } = await import(process.argv[1]);
process.stdout.write(typeof handler);
`;

    // WHEN
    const output = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', start, join(assetDir, 'index.mjs')],
      {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'eu-west-1',
          TOLLGATE_SLACK_WEBHOOK_SECRET_ARN:
            'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf',
          TOLLGATE_GATEWAY_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      },
    );

    // THEN
    expect(output.trim().split('\n').at(-1)).toBe('function');
  });
});
