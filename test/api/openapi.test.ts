// The OpenAPI document (openapi.yaml) against the code: it is valid OpenAPI 3.1, it documents
// exactly the implemented routes and every error code under the status the HTTP layer gives it,
// the rules it names are the default policy pack's, and the real gateway's answers (200, 202,
// 403 blocked and denied, the approval, recording and evidence export routes, and every error it
// can be made to give) match the documented schemas.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { unzipSync } from 'fflate';
import { parse } from 'yaml';
import { compilePolicyFolder } from '../../lambdas/adapters/config/policy-files.js';
import { type DevIssuer, loadDevIssuer } from '../../lambdas/adapters/local/dev-issuer.js';
import { MAX_JUSTIFICATION_LENGTH } from '../../lambdas/core/approval/hold.js';
import { MAX_REASON_LENGTH, MAX_WAIT_SECONDS } from '../../lambdas/core/approval/review.js';
import { connectionNameSchema } from '../../lambdas/core/config/connection.js';
import {
  BadRequestError,
  BlockedError,
  DeniedError,
  type ErrorCode,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  RecordingUnavailableError,
  SessionForbiddenError,
  SqlUnparseableError,
  TargetError,
  TargetRejectedError,
  TargetTimeoutError,
  TollgateError,
  UnauthenticatedError,
  UnavailableError,
} from '../../lambdas/core/errors.js';
import { DOWNLOAD_TTL_SECONDS, MAX_EXPORT_DAYS } from '../../lambdas/core/evidence/exports.js';
import { DEFAULT_LIMIT, MAX_LIMIT, OUTCOMES } from '../../lambdas/core/evidence/sessions.js';
import { SESSION_ID_PATTERN } from '../../lambdas/core/pipeline/admit.js';
import { policyUnavailable } from '../../lambdas/core/policy/stored-policy-provider.js';
import { errorResponse, STATUS_BY_CODE } from '../../lambdas/handlers/http/error-response.js';
import { MAX_SQL_LENGTH } from '../../lambdas/handlers/http/sql-body.js';
import { matchRoute, ROUTES } from '../../lambdas/handlers/routes.js';
import { createLocalServer } from '../../lambdas/local/server.js';
import { type LocalGateway, startLocalGateway } from '../../lambdas/wiring/local.js';

// ---------------------------------------------------------------------------------------------
// The document, its $refs, and a JSON Schema 2020-12 validator for its schema objects.

type Json = Record<string, unknown>;
interface Ref {
  $ref: string;
}
interface HeaderObject {
  required?: boolean;
  schema?: Json;
}
interface MediaType {
  schema?: Json;
  examples?: Record<string, { value: unknown }>;
}
interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | Ref>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<Json | Ref>;
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, ResponseObject | Ref>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  security?: unknown[];
  paths: Record<string, Record<string, unknown>>;
  'x-tollgate-unrouted-responses': Record<string, ResponseObject | Ref>;
  components: {
    schemas: Record<string, Json>;
    parameters: Record<string, Json & { schema: Json }>;
    headers: Record<string, HeaderObject>;
  };
}

const ROOT = resolve(import.meta.dirname, '../..');
const DOC_TEXT = readFileSync(join(ROOT, 'openapi.yaml'), 'utf8');
const doc = parse(DOC_TEXT) as OpenApiDocument;
const POLICY_DIR = join(ROOT, 'policies');
/** The default policy pack, as the gateway compiles it; served until a version is pushed. */
const defaultPack = compilePolicyFolder(POLICY_DIR);
/** Rules the engine itself answers with, not policies of the pack. */
const ENGINE_RULES = ['default-deny', 'policy-evaluation-error'];

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const JWKS_ROUTE_KEY = 'GET /.well-known/jwks.json';
const ALL_CODES = Object.keys(STATUS_BY_CODE) as ErrorCode[];
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const isRef = (value: unknown): value is Ref =>
  typeof value === 'object' && value !== null && typeof (value as Ref).$ref === 'string';

/** Follows local `$ref`s (`#/components/...`) to the object they name. */
const deref = <T>(value: T | Ref): T => {
  let current: unknown = value;
  while (isRef(current)) {
    const { $ref } = current;
    if (!$ref.startsWith('#/')) throw new Error(`not a local $ref: ${$ref}`);
    current = $ref
      .slice(2)
      .split('/')
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);
    if (current === undefined) throw new Error(`dangling $ref: ${$ref}`);
  }
  return current as T;
};

const operation = (method: string, path: string): Operation => {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${path} is not documented`);
  return op as Operation;
};

/** Every documented operation, keyed like an API Gateway route (`GET /healthz`). */
const operations = (): Array<{ routeKey: string; op: Operation }> =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((m) => ({
      routeKey: `${m.toUpperCase()} ${path}`,
      op: item[m] as Operation,
    })),
  );

/** Every responses map of the document: each operation's, and the fallback route's. */
const responseMaps = (): Array<{ where: string; responses: Record<string, ResponseObject | Ref> }> => [
  ...operations().map(({ routeKey, op }) => ({ where: routeKey, responses: op.responses })),
  { where: 'unrouted', responses: doc['x-tollgate-unrouted-responses'] },
];

// Schema objects are JSON Schema 2020-12. Their `#/components/schemas/X` refs are rebased onto one
// registered schema holding every component, so each can be compiled on its own.
const COMPONENTS_ID = 'urn:tollgate:openapi-components';
const rebase = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(rebase);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/schemas/')
        ? [key, `${COMPONENTS_ID}#/$defs/${inner.slice('#/components/schemas/'.length)}`]
        : [key, rebase(inner)],
    ),
  );
};
const ajv = new Ajv2020({
  strict: true,
  // `then: { required: [...] }` naming properties declared beside the `if` is sound JSON Schema.
  strictRequired: false,
  allErrors: true,
  allowUnionTypes: true,
});
ajv.addSchema({ $id: COMPONENTS_ID, $defs: rebase(doc.components.schemas) as Json });
const compiled = new Map<Json, ValidateFunction>();
const validatorFor = (schema: Json): ValidateFunction => {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(rebase(schema) as Json);
    compiled.set(schema, validate);
  }
  return validate;
};
/** The schema's validation errors for `value` (empty when it conforms), for readable failures. */
const violations = (schema: Json, value: unknown) => {
  const validate = validatorFor(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
};

const jsonSchemaOf = (response: ResponseObject): Json | undefined =>
  response.content?.['application/json']?.schema;

/** An error body for `code` carrying the fields the document requires for it. */
const sampleError = (code: ErrorCode) => ({
  error: {
    code,
    message: 'A message.',
    ...(code === 'blocked' ? { rule: 'ddl-blocked', policyIds: ['ddl-blocked'], policyVersion: 'v1' } : {}),
    ...(code === 'denied' ? { rule: 'default-deny', policyIds: [], policyVersion: 'v1' } : {}),
    ...(code === 'sql_unparseable' ? { position: 1 } : {}),
  },
  requestId: 'req-1',
});

/** The error codes a documented response accepts (its schema validates their sample body). */
const codesAccepted = (response: ResponseObject): ErrorCode[] => {
  const schema = jsonSchemaOf(response);
  return schema ? ALL_CODES.filter((code) => violations(schema, sampleError(code)).length === 0) : [];
};

/** Every documented response at `status` that accepts `code`. */
const responsesFor = (code: ErrorCode, status: number) =>
  responseMaps().flatMap(({ where, responses }) => {
    const ref = responses[String(status)];
    if (!ref) return [];
    const response = deref(ref);
    return codesAccepted(response).includes(code) ? [{ where, response }] : [];
  });

const ERROR_DETAIL_FIELDS = Object.keys(
  (doc.components.schemas.ErrorDetail as { properties: Json }).properties,
);

/**
 * Checks an actual answer against a documented response: content type, required headers, and the
 * body against the schema; for errors, also that every field of `error` is documented.
 */
const expectConforms = (
  response: ResponseObject,
  actual: { headers: Record<string, string | undefined>; body: unknown },
) => {
  expect(actual.headers['content-type']).toMatch(/^application\/json\b/);
  const schema = jsonSchemaOf(response);
  expect(schema).toBeDefined();
  expect(violations(schema!, actual.body)).toEqual([]);
  for (const [name, ref] of Object.entries(response.headers ?? {})) {
    const header = deref(ref);
    const value = actual.headers[name.toLowerCase()];
    if (header.required) expect([name, value]).toEqual([name, expect.any(String)]);
    if (value !== undefined && header.schema) expect(violations(header.schema, value)).toEqual([]);
  }
  const error = (actual.body as { error?: Json }).error;
  if (error) {
    const undocumented = Object.keys(error).filter((key) => !ERROR_DETAIL_FIELDS.includes(key));
    expect(undocumented).toEqual([]);
  }
};

// ---------------------------------------------------------------------------------------------

describe('openapi.yaml', () => {
  describe('the document', () => {
    it('is a valid OpenAPI 3.1 document', async () => {
      const result = await new Validator().validate(DOC_TEXT);
      expect(result.errors).toBeUndefined();
      expect(result.valid).toBe(true);
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info).toMatchObject({ title: 'Tollgate', version: '0.1.0' });
    });

    it('is checked by a validator that does reject a broken document', async () => {
      // A path parameter must be required; a document saying otherwise is not OpenAPI.
      const broken = structuredClone(doc);
      broken.components.parameters.ConnectionName!.required = false;
      expect((await new Validator().validate(broken as unknown as Json)).valid).toBe(false);
    });

    it('resolves every $ref and compiles every schema as strict JSON Schema 2020-12', () => {
      const refs: string[] = [];
      const collect = (value: unknown): void => {
        if (isRef(value)) refs.push(value.$ref);
        if (typeof value === 'object' && value !== null) Object.values(value).forEach(collect);
      };
      collect(doc);
      expect(refs.length).toBeGreaterThan(10);
      for (const $ref of refs) expect(() => deref({ $ref })).not.toThrow();
      for (const schema of Object.values(doc.components.schemas))
        expect(validatorFor(schema)).toBeInstanceOf(Function);
    });

    it('has examples that match their schemas', () => {
      const mediaTypes: Array<[string, MediaType]> = [];
      for (const { where, responses } of responseMaps()) {
        for (const [status, ref] of Object.entries(responses)) {
          for (const media of Object.values(deref(ref).content ?? {}))
            mediaTypes.push([`${where} ${status}`, media]);
        }
      }
      for (const { routeKey, op } of operations()) {
        for (const media of Object.values(op.requestBody?.content ?? {})) mediaTypes.push([routeKey, media]);
      }
      let checked = 0;
      for (const [where, media] of mediaTypes) {
        for (const [name, example] of Object.entries(media.examples ?? {})) {
          expect([where, name, violations(media.schema!, example.value)]).toEqual([where, name, []]);
          checked++;
        }
      }
      const requestSchema = doc.components.schemas.SqlRequest!;
      for (const example of requestSchema.examples as unknown[])
        expect(violations(requestSchema, example)).toEqual([]);
      expect(checked).toBeGreaterThan(25);
    });

    it('names only rules the default policy pack has, each with the effect its outcome needs', () => {
      const meta = defaultPack.meta;
      const named: Array<{ where: string; rule: string; expected: string }> = [];
      for (const { where, responses } of responseMaps()) {
        for (const [status, ref] of Object.entries(responses)) {
          for (const media of Object.values(deref(ref).content ?? {})) {
            for (const [name, example] of Object.entries(media.examples ?? {})) {
              const value = example.value as { decision?: { rule: string }; error?: Json };
              const at = `${where} ${status} ${name}`;
              if (value.decision) {
                // 200: a permit without @approval; 202: a permit with one.
                named.push({ where: at, rule: value.decision.rule, expected: `permit:${status === '202'}` });
              }
              if (value.error?.code === 'blocked') {
                named.push({ where: at, rule: String(value.error.rule), expected: 'forbid' });
              }
              if (value.error?.code === 'denied') {
                named.push({ where: at, rule: String(value.error.rule), expected: 'default-deny' });
              }
            }
          }
        }
      }
      expect(named.length).toBeGreaterThan(8);
      for (const { where, rule, expected } of named) {
        const policy = meta.get(rule);
        const actual = policy
          ? policy.effect === 'forbid'
            ? 'forbid'
            : `permit:${policy.approval !== undefined}`
          : rule;
        expect([where, rule, actual]).toEqual([where, rule, expected]);
      }

      // Every forbid rule of the pack, and the engine's own rules, are documented for `blocked`.
      const forbids = [...meta.values()].filter((m) => m.effect === 'forbid').map((m) => m.id);
      expect(forbids.length).toBeGreaterThan(5);
      const ruleText = (doc.components.schemas.ErrorDetail!.properties as Record<string, Json>).rule!
        .description as string;
      const forbidden = deref(operation('POST', '/v1/connections/{name}/sql').responses['403']!).description;
      for (const rule of [...forbids, ...ENGINE_RULES]) {
        expect([rule, ruleText.includes(`\`${rule}\``)]).toEqual([rule, true]);
      }
      for (const rule of [...forbids, 'policy-evaluation-error']) {
        expect([rule, forbidden.includes(`\`${rule}\``)]).toEqual([rule, true]);
      }
    });

    it('states the limits and patterns the code enforces', () => {
      const sessionPatterns = [
        doc.components.parameters.SessionHeader!.schema.pattern,
        doc.components.headers.SessionId!.schema!.pattern,
        ((doc.components.schemas.SqlResult!.properties as Json).sessionId as Json).pattern,
        ((doc.components.schemas.HeldAnswer!.properties as Json).sessionId as Json).pattern,
      ];
      expect(sessionPatterns).toEqual(Array(4).fill(SESSION_ID_PATTERN.source));
      expect(((doc.components.schemas.SqlRequest!.properties as Json).sql as Json).maxLength).toBe(
        MAX_SQL_LENGTH,
      );
      expect([
        ((doc.components.schemas.SqlRequest!.properties as Json).justification as Json).maxLength,
        doc.components.parameters.JustificationHeader!.schema.maxLength,
      ]).toEqual([MAX_JUSTIFICATION_LENGTH, MAX_JUSTIFICATION_LENGTH]);
      expect(((doc.components.schemas.DecisionRequest!.properties as Json).reason as Json).maxLength).toBe(
        MAX_REASON_LENGTH,
      );
      expect(doc.components.parameters.WaitSeconds!.schema.maximum).toBe(MAX_WAIT_SECONDS);
      const limit = doc.components.parameters.SessionsLimit!.schema;
      expect([limit.minimum, limit.maximum, limit.default]).toEqual([1, MAX_LIMIT, DEFAULT_LIMIT]);
      expect(doc.components.parameters.SessionsOutcome!.schema.enum).toEqual([...OUTCOMES]);
      const view = doc.components.schemas.ExportView!.properties as Json;
      expect((view.expiresInSeconds as Json).enum).toEqual([DOWNLOAD_TTL_SECONDS, null]);
      expect(doc.components.schemas.ExportRequest!.properties).toMatchObject({
        to: { description: expect.stringContaining(`at most ${MAX_EXPORT_DAYS} days after it`) },
      });
      expect(operation('POST', '/v1/evidence/exports').description).toContain(
        `at most ${MAX_EXPORT_DAYS} days between them`,
      );

      // The connection-name pattern agrees with the configuration's own check.
      const namePattern = new RegExp(doc.components.parameters.ConnectionName!.schema.pattern as string);
      const names = [
        'demo-postgres',
        'a',
        '0db',
        'x'.repeat(63),
        'x'.repeat(64),
        '-db',
        'Prod',
        'my_db',
        'a/b',
        '',
      ];
      for (const name of names) {
        expect([name, namePattern.test(name)]).toEqual([name, connectionNameSchema.safeParse(name).success]);
      }
    });

    it('ties an export’s result, error and download URL to its status', () => {
      const result = {
        key: 'exports/e1.zip',
        bytes: 14_870,
        sha256: 'a'.repeat(64),
        keyFingerprint: 'b'.repeat(64),
        counts: { checkpoints: 1, segments: 1, sessions: 1, events: 3, approvals: 0 },
        warnings: [],
      };
      const job = (status: string, fields: Json = {}) => ({
        exportId: 'e1',
        status,
        from: '2026-12-01T00:00:00.000Z',
        to: '2026-12-02T00:00:00.000Z',
        requestedBy: { sub: 'ann', issuer: 'tollgate-local' },
        createdAt: '2026-12-02T09:00:00.000Z',
        updatedAt: '2026-12-02T09:00:01.000Z',
        progress: { done: 0, total: 0 },
        result: null,
        error: null,
        ...fields,
      });
      const url = 'https://bucket.s3.eu-west-1.amazonaws.com/exports/e1.zip?X-Amz-Expires=900';
      const none = { downloadUrl: null, expiresInSeconds: null };
      const download = { downloadUrl: url, expiresInSeconds: 900 };
      const cases: Array<[string, Json, boolean]> = [
        ['queued', { export: job('queued'), ...none }, true],
        ['running', { export: job('running', { progress: { done: 25, total: 37 } }), ...none }, true],
        ['completed, with its download', { export: job('completed', { result }), ...download }, true],
        [
          'failed, with its error',
          { export: job('failed', { error: 'The export could not be started.' }), ...none },
          true,
        ],
        ['completed without a download', { export: job('completed', { result }), ...none }, false],
        ['completed without a result', { export: job('completed'), ...download }, false],
        ['queued with a download', { export: job('queued'), ...download }, false],
        ['running with a result', { export: job('running', { result }), ...none }, false],
        ['failed without an error', { export: job('failed'), ...none }, false],
        [
          'a download for another lifetime',
          { export: job('completed', { result }), downloadUrl: url, expiresInSeconds: 60 },
          false,
        ],
      ];
      const view = doc.components.schemas.ExportView!;
      for (const [name, value, valid] of cases)
        expect([name, violations(view, value).length === 0]).toEqual([name, valid]);
      const started = doc.components.schemas.ExportStarted!;
      const statusUrl = '/v1/evidence/exports/e1';
      expect(violations(started, { export: job('queued'), statusUrl })).toEqual([]);
      expect(violations(started, { export: job('running'), statusUrl })).not.toEqual([]);
    });
  });

  describe('routes', () => {
    it('documents exactly the implemented routes plus the local-only JWKS', () => {
      const documented = operations().map((o) => o.routeKey);
      expect(documented.sort()).toEqual([...ROUTES.map((r) => r.routeKey), JWKS_ROUTE_KEY].sort());
    });

    it('uses path templates the router matches', () => {
      for (const route of ROUTES) {
        const [method, template] = route.routeKey.split(' ') as [string, string];
        const path = template.replace(/\{[^}]+\}/g, 'demo-postgres');
        expect(matchRoute(method, path)).toMatchObject({ kind: 'route', route: { name: route.name } });
      }
    });

    it('marks the JWKS, and only it, as local-only, and asks for a token on every route but health, the document and the JWKS', () => {
      const localOnly = operations().filter((o) => o.op.tags?.includes('local-only'));
      expect(localOnly.map((o) => o.routeKey)).toEqual([JWKS_ROUTE_KEY]);
      expect(doc.security).toEqual([{ bearerAuth: [] }]);
      const open = ['GET /healthz', 'GET /openapi.json', JWKS_ROUTE_KEY];
      for (const { routeKey, op } of operations()) {
        expect([routeKey, op.security]).toEqual([routeKey, open.includes(routeKey) ? [] : undefined]);
      }
    });
  });

  describe('error codes', () => {
    it('lists every error code in the Error schema, and no other', () => {
      expect([...(doc.components.schemas.ErrorCode!.enum as string[])].sort()).toEqual([...ALL_CODES].sort());
    });

    it.each(ALL_CODES)('documents %s under the status the HTTP layer gives it', (code) => {
      const status = STATUS_BY_CODE[code];
      const documented = responsesFor(code, status);
      expect(documented.length).toBeGreaterThan(0);
      for (const { response } of documented) expect(response.description).toContain(`\`${code}\``);
      const table = doc.components.schemas.ErrorCode!.description as string;
      expect(table).toContain(`| \`${code}\` | ${status} |`);
    });

    it('documents no error code under another status', () => {
      for (const { where, responses } of responseMaps()) {
        for (const [status, ref] of Object.entries(responses)) {
          const wrong = codesAccepted(deref(ref)).filter((code) => STATUS_BY_CODE[code] !== Number(status));
          expect([where, status, wrong]).toEqual([where, status, []]);
        }
      }
    });

    it('gives every 4xx and 5xx a JSON error body (Tollgate’s, or API Gateway’s for 429)', () => {
      for (const { where, responses } of responseMaps()) {
        for (const [status, ref] of Object.entries(responses)) {
          if (Number(status) < 400) continue;
          const response = deref(ref);
          const shape =
            codesAccepted(response).length > 0
              ? 'Error'
              : violations(jsonSchemaOf(response)!, { message: 'Too Many Requests' }).length === 0
                ? 'GatewayMessage'
                : 'other';
          expect([where, status, shape]).toEqual([
            where,
            status,
            status === '429' ? 'GatewayMessage' : 'Error',
          ]);
        }
      }
    });

    // Real error objects through the real error → response mapping: every code, including those
    // the live gateway below cannot be made to produce on demand (timeouts, recording failures).
    const errors: Array<[ErrorCode, unknown]> = [
      ['bad_request', new BadRequestError('The SQL holds no statement.')],
      ['invalid_json', new BadRequestError('The request body is not valid JSON.', 'invalid_json')],
      [
        'sql_unparseable',
        new SqlUnparseableError('The SQL does not parse as postgres: x.', { position: null }),
      ],
      ['unauthenticated', new UnauthenticatedError()],
      [
        'blocked',
        new BlockedError('No.', {
          rule: 'dangerous-functions',
          policyIds: ['dangerous-functions'],
          policyVersion: 'files:3abf9bbf4021',
          hint: 'Remove the function call; plain reads of tables are allowed.',
        }),
      ],
      [
        'denied',
        new DeniedError('No policy permits sql:read on demo-postgres.', {
          rule: 'default-deny',
          policyIds: [],
          policyVersion: 'files:3abf9bbf4021',
          hint: 'Ask an administrator for a policy that permits it.',
        }),
      ],
      ['session_forbidden', new SessionForbiddenError()],
      ['connection_not_found', new NotFoundError('connection_not_found', 'No connection named x.')],
      ['route_not_found', new NotFoundError('route_not_found', 'No route for GET /x.')],
      ['method_not_allowed', new MethodNotAllowedError('PUT', ['POST'])],
      ['payload_too_large', new PayloadTooLargeError(262_144)],
      [
        'unsupported_media_type',
        new BadRequestError('Content-Type must be application/json.', 'unsupported_media_type'),
      ],
      ['internal_error', new Error('boom')],
      [
        'statement_rejected',
        new TargetRejectedError({
          sqlState: '42P01',
          condition: 'undefined_table',
          fault: 'caller',
          serverMessage: 'relation "x" does not exist',
          messageMayHoldData: false,
        }),
      ],
      ['target_error', new TargetError('The target database is unreachable.')],
      ['recording_unavailable', new RecordingUnavailableError(new Error('dynamodb down'))],
      ['policy_unavailable', policyUnavailable(new Error('policy store down'))],
      ['unavailable', new UnavailableError()],
      ['target_timeout', new TargetTimeoutError(5000)],
      [
        'justification_required',
        new TollgateError(
          'justification_required',
          'agents-write-with-review asks for a justification: send the X-Tollgate-Justification header or a "justification" field saying why.',
        ),
      ],
      ['approval_not_found', new TollgateError('approval_not_found', 'No approval x that you may see.')],
      ['request_not_found', new TollgateError('request_not_found', 'No held request x of yours.')],
      ['session_not_found', new NotFoundError('session_not_found', 'No session x that you may read.')],
      [
        'not_a_reviewer',
        new TollgateError('not_a_reviewer', 'Only members of reviewers may decide this request.'),
      ],
      [
        'self_approval',
        new TollgateError('self_approval', 'You made this request; someone else must decide it.'),
      ],
      ['approval_conflict', new TollgateError('approval_conflict', 'The request is already approved.')],
      [
        'approval_expired',
        new TollgateError('approval_expired', 'The approval expired at 2026-12-04T03:05:51.610Z.'),
      ],
      [
        'approval_unavailable',
        new TollgateError('approval_unavailable', 'The approvals are unavailable; retry shortly.'),
      ],
      [
        'not_an_auditor',
        new TollgateError('not_an_auditor', 'Evidence exports are for members of auditors.'),
      ],
      ['export_not_found', new TollgateError('export_not_found', 'No evidence export nope.')],
    ];

    it('covers every code with a real error', () => {
      expect(errors.map(([code]) => code).sort()).toEqual([...ALL_CODES].sort());
    });

    it.each(errors)('answers %s as documented', (code, error) => {
      const answer = errorResponse(error, 'req-1', silent);
      const body = JSON.parse(answer.body!) as { error: { code: string } };
      expect([answer.statusCode, body.error.code]).toEqual([STATUS_BY_CODE[code], code]);
      for (const { response } of responsesFor(code, answer.statusCode!)) {
        expectConforms(response, { headers: answer.headers as Record<string, string>, body });
      }
    });
  });

  describe('against the running local gateway', () => {
    const SQL_PATH = '/v1/connections/{name}/sql';
    // `auditors` are admitted to the connection, but no policy of the default pack permits them
    // anything: their requests are denied by default.
    const CONFIG = `
maxBodyBytes: 131072
connections:
  - name: demo-postgres
    kind: postgres
    allowGroups: [agents, auditors]
    target: { demo: true }
    limits: { rowLimit: 100, statementTimeoutMs: 5000 }
`;
    let dir: string;
    let gateway: LocalGateway;
    let issuer: DevIssuer;
    /** The approvals whose `approval.requested` event the gateway logged (its notify task is done). */
    const notified = new Set<string>();
    const logger = {
      ...silent,
      info: (message: string, extra?: unknown) => {
        if (message === 'approval event' && (extra as Json).type === 'approval.requested')
          notified.add(String((extra as Json).approvalId));
      },
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tollgate-openapi-'));
      writeFileSync(join(dir, 'tollgate.yaml'), CONFIG);
      gateway = await startLocalGateway({
        dataDir: join(dir, 'data'),
        configFile: join(dir, 'tollgate.yaml'),
        demoSeedFile: join(ROOT, 'db/seed/demo-postgres.sql'),
        port: 0,
        logger,
        archiveIntervalMs: 60_000,
        policyDir: POLICY_DIR,
      });
      issuer = loadDevIssuer(join(dir, 'data', 'issuer'));
    }, 60_000);

    afterAll(async () => {
      await gateway?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const token = (sub = 'alice', groups = ['agents']) => issuer.signToken({ sub, groups, ttlSeconds: 300 });

    interface Answer {
      status: number;
      headers: Record<string, string>;
      body: Json;
    }

    const send = async (baseUrl: string, method: string, path: string, init: RequestInit = {}) => {
      const response = await fetch(`${baseUrl}${path}`, { method, ...init });
      const text = await response.text();
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: JSON.parse(text) as Json,
      } satisfies Answer;
    };

    const sql = (
      body: string,
      options: { token?: string | null; session?: string; contentType?: string; connection?: string } = {},
    ) =>
      send(gateway.url, 'POST', `/v1/connections/${options.connection ?? 'demo-postgres'}/sql`, {
        headers: {
          ...(options.token === null ? {} : { authorization: `Bearer ${options.token ?? token()}` }),
          'content-type': options.contentType ?? 'application/json',
          ...(options.session ? { 'x-tollgate-session': options.session } : {}),
        },
        body,
      });

    /** The answer conforms to what the document says `method path` answers with this status. */
    const expectDocumented = (method: string, path: string | undefined, answer: Answer) => {
      const responses = path ? operation(method, path).responses : doc['x-tollgate-unrouted-responses'];
      const documented = responses[String(answer.status)];
      expect([method, path, answer.status, documented === undefined]).toEqual([
        method,
        path,
        answer.status,
        false,
      ]);
      expectConforms(deref(documented!), answer);
    };

    const json = (value: unknown) => JSON.stringify(value);

    it('answers a SELECT with 200 and the session header', async () => {
      const answer = await sql(json({ sql: 'SELECT id, full_name FROM customers ORDER BY id LIMIT 3' }), {
        session: 'openapi-select-01',
      });
      expect(answer.status).toBe(200);
      expectDocumented('POST', SQL_PATH, answer);
      expect(answer.body).toMatchObject({
        status: 'completed',
        sessionId: 'openapi-select-01',
        rowCount: 3,
        truncated: false,
        decision: {
          rule: 'agents-may-read',
          policyIds: ['agents-may-read'],
          policyVersion: defaultPack.version,
        },
      });
      expect(defaultPack.version).toMatch(/^files:[0-9a-f]{12}$/);
      expect(answer.headers['x-tollgate-session']).toBe('openapi-select-01');
    });

    it('answers a write that needs review with 202 pending_approval, and does not run it', async () => {
      const status = async () =>
        (await sql(json({ sql: 'SELECT status FROM orders WHERE id = 1' }))).body.rows as unknown[][];
      const before = await status();
      expect(before).toHaveLength(1);
      const answer = await sql(json({ sql: "UPDATE orders SET status = 'paid' WHERE id = 1" }), {
        session: 'openapi-review-01',
      });
      expect(answer.status).toBe(202);
      expectDocumented('POST', SQL_PATH, answer);
      expect(answer.body).toEqual({
        status: 'pending_approval',
        requestId: expect.any(String),
        sessionId: 'openapi-review-01',
        approvalId: expect.any(String),
        reason: 'UPDATE on demo-postgres needs approval from reviewers.',
        hint: expect.any(String),
        groups: ['reviewers'],
        quorum: 1,
        expiresAt: expect.any(String),
        statusUrl: `/v1/requests/${answer.body.requestId}`,
        decision: {
          rule: 'agents-write-with-review',
          policyIds: ['agents-write-with-review'],
          policyVersion: defaultPack.version,
        },
      });
      expect(answer.headers['x-tollgate-session']).toBe('openapi-review-01');
      expect(await status()).toEqual(before);
    });

    describe('held requests and their approvals', () => {
      const APPROVAL_PATH = '/v1/approvals/{approvalId}';
      const REQUEST_PATH = '/v1/requests/{requestId}';
      const FINAL = ['executed', 'denied', 'expired', 'failed', 'outcome_unknown'];
      const reviewer = () => token('rita', ['reviewers']);
      const call = (method: string, path: string, bearer: string | null, body?: string) =>
        send(gateway.url, method, path, {
          headers: {
            ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
            'content-type': 'application/json',
          },
          ...(body === undefined ? {} : { body }),
        });
      /**
       * A write held for approval: its 202 answer's body, once the workflow's notify task is done
       * with the approval, so that a decision meets the documented answers, not a race with it.
       */
      const hold = async (id: number) => {
        const held = (
          await sql(
            json({ sql: `UPDATE orders SET status = 'paid' WHERE id = ${id}`, justification: 'OPS-1234.' }),
          )
        ).body as { requestId: string; approvalId: string };
        for (let i = 0; i < 100 && !notified.has(held.approvalId); i++)
          await new Promise((r) => setTimeout(r, 20));
        expect(notified.has(held.approvalId)).toBe(true);
        return held;
      };
      const decide = (approvalId: string, verdict: 'approve' | 'deny', bearer: string, body?: string) =>
        call('POST', `/v1/approvals/${approvalId}/${verdict}`, bearer, body ?? json({ reason: 'Checked.' }));

      it('lists and shows a pending approval to a reviewer, as documented', async () => {
        const held = await hold(2);
        for (const path of ['/v1/approvals', '/v1/approvals?status=pending']) {
          const list = await call('GET', path, reviewer());
          expect(list.status).toBe(200);
          expectDocumented('GET', '/v1/approvals', list);
          expect((list.body.approvals as Json[]).map((a) => a.approvalId)).toContain(held.approvalId);
        }
        const one = await call('GET', `/v1/approvals/${held.approvalId}`, reviewer());
        expect(one.status).toBe(200);
        expectDocumented('GET', APPROVAL_PATH, one);
        expect(one.body.approval).toMatchObject({
          approvalId: held.approvalId,
          status: 'pending_approval',
          justification: 'OPS-1234.',
        });
        const mine = await call('GET', `/v1/requests/${held.requestId}`, token());
        expect(mine.status).toBe(200);
        expectDocumented('GET', REQUEST_PATH, mine);
        expect(mine.body).toMatchObject({ requestId: held.requestId, status: 'pending_approval' });
      });

      it('answers an approval with 200, and the requester’s long poll with its outcome, as documented', async () => {
        const held = await hold(3);
        const approved = await decide(held.approvalId, 'approve', reviewer());
        expect([approved.status, (approved.body.approval as Json).status]).toEqual([200, 'approved']);
        expectDocumented('POST', '/v1/approvals/{approvalId}/approve', approved);
        let outcome: Answer | undefined;
        for (let i = 0; i < 10 && !FINAL.includes(String(outcome?.body.status)); i++) {
          outcome = await call('GET', `/v1/requests/${held.requestId}?waitSeconds=5`, token());
          expectDocumented('GET', REQUEST_PATH, outcome);
        }
        expect(FINAL).toContain(outcome!.body.status);
        const again = await decide(held.approvalId, 'approve', token('rob', ['reviewers']));
        expect([again.status, (again.body.error as Json).code]).toEqual([409, 'approval_conflict']);
        expectDocumented('POST', '/v1/approvals/{approvalId}/approve', again);
      });

      it('answers a denial with 200, and the request stays denied, as documented', async () => {
        const held = await hold(4);
        const denied = await decide(held.approvalId, 'deny', reviewer());
        expect([denied.status, (denied.body.approval as Json).status]).toEqual([200, 'denied']);
        expectDocumented('POST', '/v1/approvals/{approvalId}/deny', denied);
        const outcome = await call('GET', `/v1/requests/${held.requestId}`, token());
        expect(outcome.body.status).toBe('denied');
        expectDocumented('GET', REQUEST_PATH, outcome);
      });

      const who: Record<string, { sub: string; groups: string[] } | null> = {
        'a non-reviewer': { sub: 'carol', groups: ['agents'] },
        'the requester': { sub: 'alice', groups: ['reviewers'] },
        reviewer: { sub: 'rita', groups: ['reviewers'] },
        nobody: null,
      };
      it.each([
        ['a non-reviewer', 'approve', 'a non-reviewer', undefined, 403, 'not_a_reviewer'],
        ['the requester', 'approve', 'the requester', undefined, 403, 'self_approval'],
        ['no reason', 'deny', 'reviewer', '{}', 400, 'bad_request'],
        ['bad JSON', 'deny', 'reviewer', '{"reason": ', 400, 'invalid_json'],
        ['no token', 'approve', 'nobody', undefined, 401, 'unauthenticated'],
      ] as const)(
        'refuses a decision (%s) as documented',
        async (_name, verdict, caller, body, status, code) => {
          const held = await hold(5);
          const person = who[caller];
          const answer = await call(
            'POST',
            `/v1/approvals/${held.approvalId}/${verdict}`,
            person ? token(person.sub, person.groups) : null,
            body ?? json({ reason: 'Checked.' }),
          );
          expect([answer.status, (answer.body.error as Json).code]).toEqual([status, code]);
          expectDocumented('POST', `/v1/approvals/{approvalId}/${verdict}`, answer);
        },
      );

      it.each([
        ['an unknown approval', 'GET', '/v1/approvals/nope', APPROVAL_PATH, 404, 'approval_not_found'],
        [
          'a decision on an unknown approval',
          'POST',
          '/v1/approvals/nope/approve',
          '/v1/approvals/{approvalId}/approve',
          404,
          'approval_not_found',
        ],
        ['an unknown status filter', 'GET', '/v1/approvals?status=nope', '/v1/approvals', 400, 'bad_request'],
        ['a wait over 25 s', 'GET', '/v1/requests/x?waitSeconds=26', REQUEST_PATH, 400, 'bad_request'],
        ['an unknown request', 'GET', '/v1/requests/nope', REQUEST_PATH, 404, 'request_not_found'],
      ])('answers %s as documented', async (_name, method, path, template, status, code) => {
        const answer = await call(
          method,
          path,
          reviewer(),
          method === 'POST' ? json({ reason: 'x' }) : undefined,
        );
        expect([answer.status, (answer.body.error as Json).code]).toEqual([status, code]);
        expectDocumented(method, template, answer);
      });

      it('answers another agent asking for a held request with 404 request_not_found', async () => {
        const held = await hold(6);
        const answer = await call('GET', `/v1/requests/${held.requestId}`, token('mallory'));
        expect([answer.status, (answer.body.error as Json).code]).toEqual([404, 'request_not_found']);
        expectDocumented('GET', REQUEST_PATH, answer);
      });
    });

    it('answers a caller admitted to the connection but permitted nothing with 403 denied', async () => {
      const answer = await sql(json({ sql: 'SELECT count(*) FROM orders' }), {
        token: token('ann', ['auditors']),
      });
      expect([answer.status, (answer.body.error as Json | undefined)?.code]).toEqual([403, 'denied']);
      expectDocumented('POST', SQL_PATH, answer);
      expect(answer.body.error).toMatchObject({
        rule: 'default-deny',
        policyIds: [],
        policyVersion: defaultPack.version,
      });
    });

    it('answers a caller outside the connection’s groups with 404, as documented', async () => {
      const answer = await sql(json({ sql: 'SELECT 1' }), { token: token('bob', ['reviewers']) });
      expect([answer.status, (answer.body.error as Json | undefined)?.code]).toEqual([
        404,
        'connection_not_found',
      ]);
      expectDocumented('POST', SQL_PATH, answer);
    });

    it.each([
      ['DROP TABLE customers', ['agents'], 'ddl-blocked'],
      ['DELETE FROM orders', ['agents'], 'dml-without-where'],
      ["SELECT pg_read_file('x')", ['agents'], 'dangerous-functions'],
      ['SELECT setseed(0.5)', ['agents'], 'unreviewed-functions'],
    ])('answers %s (groups %j) with 403 blocked by %s', async (statement, groups, rule) => {
      const answer = await sql(json({ sql: statement }), { token: token('bob', groups) });
      expect([answer.status, (answer.body.error as Json | undefined)?.code]).toEqual([403, 'blocked']);
      expectDocumented('POST', SQL_PATH, answer);
      expect(answer.body.error).toMatchObject({
        rule,
        // pg_read_file is volatile too: every forbid that applies is listed, the first decides.
        policyIds: expect.arrayContaining([rule]),
        policyVersion: defaultPack.version,
        hint: expect.any(String),
      });
    });

    it('answers a SELECT without a session header with a new session id', async () => {
      const answer = await sql(json({ sql: 'SELECT id FROM orders' }));
      expect(answer.status).toBe(200);
      expectDocumented('POST', SQL_PATH, answer);
      expect(answer.body).toMatchObject({ rowCount: 100, truncated: true });
      expect(answer.headers['x-tollgate-session']).toBe(answer.body.sessionId);
    });

    it.each([
      ['bad JSON', () => sql('{"sql": '), 400, 'invalid_json'],
      ['a body of the wrong shape', () => sql(json({ sql: 1 })), 400, 'bad_request'],
      [
        'a malformed session id',
        () => sql(json({ sql: 'SELECT 1' }), { session: 'short' }),
        400,
        'bad_request',
      ],
      [
        'a reserved session id',
        () => sql(json({ sql: 'SELECT 1' }), { session: 'tollgate:config-audit' }),
        400,
        'bad_request',
      ],
      [
        'SQL that does not parse',
        () => sql(json({ sql: 'SELEKT * FROM customers' })),
        400,
        'sql_unparseable',
      ],
      ['no token', () => sql(json({ sql: 'SELECT 1' }), { token: null }), 401, 'unauthenticated'],
      ['a bad token', () => sql(json({ sql: 'SELECT 1' }), { token: 'not.a.jwt' }), 401, 'unauthenticated'],
      [
        'an unknown connection',
        () => sql(json({ sql: 'SELECT 1' }), { connection: 'prod-db' }),
        404,
        'connection_not_found',
      ],
      [
        'an oversize body',
        () => sql(json({ sql: `SELECT '${'x'.repeat(140_000)}'` })),
        413,
        'payload_too_large',
      ],
      [
        'a non-JSON content type',
        () => sql('sql=SELECT+1', { contentType: 'application/x-www-form-urlencoded' }),
        415,
        'unsupported_media_type',
      ],
      [
        'a statement the database refuses',
        () => sql(json({ sql: 'SELECT * FROM nope' })),
        400,
        'statement_rejected',
      ],
    ])('answers %s as documented', async (_name, request, status, code) => {
      const answer = await request();
      expect([answer.status, (answer.body.error as Json | undefined)?.code]).toEqual([status, code]);
      expectDocumented('POST', SQL_PATH, answer);
    });

    describe('recordings', () => {
      const SESSION_PATH = '/v1/sessions/{sessionId}';
      const RECORDED = 'openapi-recorded-01';
      const auditor = () => token('ann', ['auditors']);
      const read = (path: string, bearer: string | null) =>
        send(
          gateway.url,
          'GET',
          path,
          bearer === null ? {} : { headers: { authorization: `Bearer ${bearer}` } },
        );
      const listed = (answer: Answer) => (answer.body.sessions as Json[]).map((s) => s.sessionId);

      beforeAll(async () => {
        // A read that runs and a DELETE without WHERE that is blocked, archived so the index has them.
        expect(
          (await sql(json({ sql: 'SELECT id FROM orders LIMIT 1' }), { session: RECORDED })).status,
        ).toBe(200);
        expect((await sql(json({ sql: 'DELETE FROM orders' }), { session: RECORDED })).status).toBe(403);
        await gateway.flushRecordings();
      });

      it('lists the caller’s own sessions, and every session to an auditor, as documented', async () => {
        const mine = await read('/v1/sessions', token());
        expect(mine.status).toBe(200);
        expectDocumented('GET', '/v1/sessions', mine);
        expect(listed(mine)).toContain(RECORDED);
        const other = await read('/v1/sessions', token('mallory'));
        expectDocumented('GET', '/v1/sessions', other);
        expect(listed(other)).not.toContain(RECORDED);
        const blocked = await read('/v1/sessions?outcome=block&principal=alice', auditor());
        expectDocumented('GET', '/v1/sessions', blocked);
        expect((blocked.body.sessions as Json[]).find((s) => s.sessionId === RECORDED)).toMatchObject({
          owner: { sub: 'alice' },
          requests: 2,
          connections: ['demo-postgres'],
          outcomes: ['allow', 'block'],
        });
      });

      it('pages the listing with next until it is null, each page as documented', async () => {
        const seen: unknown[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: Answer = await read(
            `/v1/sessions?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            auditor(),
          );
          expectDocumented('GET', '/v1/sessions', page);
          expect((page.body.sessions as unknown[]).length).toBeLessThanOrEqual(1);
          seen.push(...listed(page));
          cursor = page.body.next as string | null;
        } while (cursor !== null && ++pages < 50);
        expect(cursor).toBeNull();
        expect(seen).toContain(RECORDED);
      });

      it('shows the owner a session’s timeline, as documented', async () => {
        const answer = await read(`/v1/sessions/${RECORDED}`, token());
        expect(answer.status).toBe(200);
        expectDocumented('GET', SESSION_PATH, answer);
        const timeline = answer.body.timeline as { chain: Json; requests: Json[] };
        expect(timeline.chain).toMatchObject({ ok: true });
        expect(timeline.requests.map((r) => [r.status, (r.decision as Json).rule])).toEqual([
          ['completed', 'agents-may-read'],
          ['blocked', 'dml-without-where'],
        ]);
      });

      it('shows an auditor the access audit session, as documented', async () => {
        const answer = await read('/v1/sessions/tollgate:access-audit', auditor());
        expect(answer.status).toBe(200);
        expectDocumented('GET', SESSION_PATH, answer);
      });

      it.each([
        [
          'another principal’s session',
          `/v1/sessions/${RECORDED}`,
          'mallory',
          SESSION_PATH,
          404,
          'session_not_found',
        ],
        [
          'an unknown session',
          '/v1/sessions/openapi-nope-01',
          'alice',
          SESSION_PATH,
          404,
          'session_not_found',
        ],
        ['no token', '/v1/sessions', null, '/v1/sessions', 401, 'unauthenticated'],
        ['no token on a session', `/v1/sessions/${RECORDED}`, null, SESSION_PATH, 401, 'unauthenticated'],
        ['a bad from', '/v1/sessions?from=yesterday', 'alice', '/v1/sessions', 400, 'bad_request'],
        [
          'from after to',
          '/v1/sessions?from=2026-12-02&to=2026-12-01',
          'alice',
          '/v1/sessions',
          400,
          'bad_request',
        ],
        [
          'a period over 92 days',
          '/v1/sessions?from=2026-01-01&to=2026-12-01',
          'alice',
          '/v1/sessions',
          400,
          'bad_request',
        ],
        ['an unknown outcome', '/v1/sessions?outcome=blocked', 'alice', '/v1/sessions', 400, 'bad_request'],
        ['a limit over 200', '/v1/sessions?limit=201', 'alice', '/v1/sessions', 400, 'bad_request'],
        [
          'a cursor it did not give',
          '/v1/sessions?cursor=garbage',
          'alice',
          '/v1/sessions',
          400,
          'bad_request',
        ],
      ])('answers %s as documented', async (_name, path, sub, template, status, code) => {
        const answer = await read(path, sub === null ? null : token(sub));
        expect([answer.status, (answer.body.error as Json).code]).toEqual([status, code]);
        expectDocumented('GET', template, answer);
      });
    });

    describe('evidence exports', () => {
      const EXPORTS_PATH = '/v1/evidence/exports';
      const EXPORT_PATH = '/v1/evidence/exports/{exportId}';
      const auditor = (sub = 'ann') => token(sub, ['auditors']);
      const call = (
        method: string,
        path: string,
        bearer: string | null,
        body?: string,
        contentType = 'application/json',
      ) =>
        send(gateway.url, method, path, {
          headers: {
            ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
            'content-type': contentType,
          },
          ...(body === undefined ? {} : { body }),
        });
      const start = (body: unknown) => call('POST', EXPORTS_PATH, auditor(), json(body));
      /** A period holding what the tests above recorded: the last day, up to now. */
      const lastDay = () => new Date(Date.now() - 86_400_000).toISOString();
      const FINAL = ['completed', 'failed'];

      it('starts an export for an auditor with 202, and records the start in the access audit session, as documented', async () => {
        const from = lastDay();
        const started = await start({ from });
        expect(started.status).toBe(202);
        expectDocumented('POST', EXPORTS_PATH, started);
        const job = started.body.export as Json;
        expect(job).toMatchObject({
          status: 'queued',
          from,
          requestedBy: { sub: 'ann', issuer: 'tollgate-local' },
          progress: { done: 0, total: 0 },
        });
        expect(started.body.statusUrl).toBe(`${EXPORTS_PATH}/${job.exportId}`);
        const audit = await call('GET', '/v1/sessions/tollgate:access-audit', auditor());
        const steps = (audit.body.timeline as { requests: Array<{ steps: Json[] }> }).requests.flatMap(
          (r) => r.steps,
        );
        expect(steps).toContainEqual(
          expect.objectContaining({
            event: expect.objectContaining({ type: 'evidence.exported' }),
            data: {
              exportId: job.exportId,
              from,
              to: job.to,
              viewer: {
                sub: 'ann',
                issuer: 'tollgate-local',
                groups: ['auditors'],
                actsFor: null,
                tokenId: expect.any(String),
              },
            },
          }),
        );
      });

      it('answers the status to any auditor until completed, then a download of the zip, as documented', async () => {
        const started = await start({ from: lastDay() });
        const statusUrl = String(started.body.statusUrl);
        let answer: Answer | undefined;
        for (let i = 0; i < 200 && !FINAL.includes(String((answer?.body.export as Json)?.status)); i++) {
          if (answer) await new Promise((r) => setTimeout(r, 50));
          // Whoever of the auditors asks: the export is not its requester's alone.
          answer = await call('GET', statusUrl, auditor(i % 2 === 0 ? 'ann' : 'audrey'));
          expect(answer.status).toBe(200);
          expectDocumented('GET', EXPORT_PATH, answer);
        }
        const job = answer!.body.export as {
          exportId: string;
          status: string;
          from: string;
          to: string;
          result: { key: string; bytes: number; sha256: string };
        };
        expect(job.status).toBe('completed');
        expect(job.result.key).toBe(`exports/${job.exportId}.zip`);
        expect(answer!.body.expiresInSeconds).toBe(DOWNLOAD_TTL_SECONDS);
        const url = new URL(String(answer!.body.downloadUrl));
        expect(url.searchParams.get('X-Amz-Expires')).toBe(String(DOWNLOAD_TTL_SECONDS));

        // The URL needs no token; the zip is the one the result describes, one folder inside.
        const download = await fetch(url);
        expect([
          download.status,
          download.headers.get('content-type'),
          download.headers.get('content-disposition'),
        ]).toEqual([200, 'application/zip', `attachment; filename="${job.exportId}.zip"`]);
        const zip = new Uint8Array(await download.arrayBuffer());
        expect([zip.byteLength, createHash('sha256').update(zip).digest('hex')]).toEqual([
          job.result.bytes,
          job.result.sha256,
        ]);
        const folder = `tollgate-evidence-${job.from.slice(0, 10)}-to-${job.to.slice(0, 10)}/`;
        const names = Object.keys(unzipSync(zip));
        expect(names.filter((name) => !name.startsWith(folder))).toEqual([]);
        expect(names).toEqual(
          expect.arrayContaining(['manifest.json', 'manifest.sig', 'README.txt'].map((f) => folder + f)),
        );
      });

      it('accepts a period of exactly 366 days, as documented', async () => {
        const answer = await start({ from: '2025-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' });
        expect(answer.status).toBe(202);
        expectDocumented('POST', EXPORTS_PATH, answer);
        expect(answer.body.export).toMatchObject({
          from: '2025-12-01T00:00:00.000Z',
          to: '2026-12-02T00:00:00.000Z',
        });
      });

      const callers = {
        auditor: () => auditor(),
        agent: () => token('alice', ['agents']),
        nobody: () => null,
      };
      type Caller = keyof typeof callers;
      const from = json({ from: '2026-12-01' });
      const refusedStarts: Array<{
        name: string;
        caller: Caller;
        body?: string;
        contentType?: string;
        status: number;
        code: string;
      }> = [
        {
          name: 'from a caller outside auditors',
          caller: 'agent',
          body: from,
          status: 403,
          code: 'not_an_auditor',
        },
        { name: 'without a token', caller: 'nobody', body: from, status: 401, code: 'unauthenticated' },
        { name: 'without from', caller: 'auditor', body: '{}', status: 400, code: 'bad_request' },
        { name: 'without a body', caller: 'auditor', status: 400, code: 'bad_request' },
        {
          name: 'with a from that is no time',
          caller: 'auditor',
          body: json({ from: 'yesterday' }),
          status: 400,
          code: 'bad_request',
        },
        {
          name: 'with a null to',
          caller: 'auditor',
          body: json({ from: '2026-12-01', to: null }),
          status: 400,
          code: 'bad_request',
        },
        {
          name: 'with from after to',
          caller: 'auditor',
          body: json({ from: '2026-12-02', to: '2026-12-01' }),
          status: 400,
          code: 'bad_request',
        },
        {
          name: 'over 366 days by a millisecond',
          caller: 'auditor',
          body: json({ from: '2025-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.001Z' }),
          status: 400,
          code: 'bad_request',
        },
        { name: 'with bad JSON', caller: 'auditor', body: '{"from": ', status: 400, code: 'invalid_json' },
        // The body is read before the token is checked.
        {
          name: 'with bad JSON from a caller outside auditors',
          caller: 'agent',
          body: '{"from": ',
          status: 400,
          code: 'invalid_json',
        },
        {
          name: 'with a non-JSON content type',
          caller: 'auditor',
          body: 'from=2026-12-01',
          contentType: 'application/x-www-form-urlencoded',
          status: 415,
          code: 'unsupported_media_type',
        },
        {
          name: 'with an oversize body',
          caller: 'auditor',
          body: json({ from: '2026-12-01', pad: 'x'.repeat(140_000) }),
          status: 413,
          code: 'payload_too_large',
        },
      ];
      it.each(refusedStarts)(
        'answers a start $name as documented',
        async ({ caller, body, contentType, status, code }) => {
          const answer = await call('POST', EXPORTS_PATH, callers[caller](), body, contentType);
          expect([answer.status, (answer.body.error as Json).code]).toEqual([status, code]);
          expectDocumented('POST', EXPORTS_PATH, answer);
        },
      );

      it.each([
        ['from a caller outside auditors', 'agent', 'x', 403, 'not_an_auditor'],
        ['without a token', 'nobody', 'x', 401, 'unauthenticated'],
        ['for an unknown export', 'auditor', 'openapi-nope', 404, 'export_not_found'],
        ['for an id over 100 characters', 'auditor', 'x'.repeat(101), 404, 'export_not_found'],
      ] as const)('answers a status request %s as documented', async (_name, caller, id, status, code) => {
        const answer = await call('GET', `${EXPORTS_PATH}/${id}`, callers[caller]());
        expect([answer.status, (answer.body.error as Json).code]).toEqual([status, code]);
        expectDocumented('GET', EXPORT_PATH, answer);
      });
    });

    it('answers another principal’s session with 403 session_forbidden', async () => {
      expect((await sql(json({ sql: 'SELECT 1' }), { session: 'openapi-owned-01' })).status).toBe(200);
      const answer = await sql(json({ sql: 'SELECT 1' }), {
        session: 'openapi-owned-01',
        token: token('mallory'),
      });
      expect([answer.status, (answer.body.error as Json).code]).toEqual([403, 'session_forbidden']);
      expectDocumented('POST', SQL_PATH, answer);
    });

    it('answers unknown routes and methods as the unrouted responses say', async () => {
      const notFound = await send(gateway.url, 'GET', '/v2/anything');
      expect([notFound.status, (notFound.body.error as Json).code]).toEqual([404, 'route_not_found']);
      expectDocumented('GET', undefined, notFound);
      const wrongMethod = await send(gateway.url, 'DELETE', '/v1/connections/demo-postgres/sql');
      expect([wrongMethod.status, (wrongMethod.body.error as Json).code]).toEqual([
        405,
        'method_not_allowed',
      ]);
      expectDocumented('DELETE', undefined, wrongMethod);
    });

    it('answers GET /healthz and the local JWKS as documented, without a token', async () => {
      const health = await send(gateway.url, 'GET', '/healthz');
      expect(health.status).toBe(200);
      expectDocumented('GET', '/healthz', health);
      const jwks = await send(gateway.url, 'GET', '/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
      expectDocumented('GET', '/.well-known/jwks.json', jwks);
      expect(jwks.body).toEqual(issuer.jwks);
    });

    it('accepts exactly the request bodies the SqlRequest schema accepts', async () => {
      const schema = doc.components.schemas.SqlRequest!;
      const padded = (length: number) => `SELECT 1 --${'x'.repeat(length - 'SELECT 1 --'.length)}`;
      const bodies: unknown[] = [
        { sql: 'SELECT 1' },
        { sql: 'SELECT $1::text, $2::int, $3::bool, $4::text', params: ['a', 2, true, null] },
        { sql: padded(MAX_SQL_LENGTH) },
        { sql: 'SELECT 1', params: [] },
        { sql: 'SELECT 1', justification: 'x'.repeat(MAX_JUSTIFICATION_LENGTH) },
        {},
        { sql: '' },
        { sql: padded(MAX_SQL_LENGTH + 1) },
        { sql: 'SELECT 1', foo: 1 },
        { sql: 1 },
        { sql: 'SELECT $1::text', params: [{ a: 1 }] },
        { sql: 'SELECT $1::text', params: [[1]] },
        { sql: 'SELECT 1', params: Array(1001).fill(1) },
        { sql: 'SELECT 1', params: 'a' },
        { sql: 'SELECT 1', justification: 1 },
        { sql: 'SELECT 1', justification: 'x'.repeat(MAX_JUSTIFICATION_LENGTH + 1) },
        ['SELECT 1'],
        'SELECT 1',
        null,
      ];
      const outcomes = [];
      for (const body of bodies) {
        const answer = await sql(json(body));
        const error = answer.body.error as Json | undefined;
        const refused =
          error?.code === 'bad_request' && String(error.message).startsWith('Invalid request body');
        outcomes.push({
          body: json(body).slice(0, 60),
          schema: violations(schema, body).length === 0,
          server: !refused,
        });
      }
      expect(outcomes.filter((o) => o.schema !== o.server)).toEqual([]);
      expect(outcomes.filter((o) => o.server)).toHaveLength(5);
    });

    describe('before the gateway is ready', () => {
      let server: Server;
      let url: string;

      beforeAll(async () => {
        // The local server as it is between listening and having its handlers attached.
        server = createLocalServer({ maxBodyBytes: 1024, logger: silent }).server;
        await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });

      afterAll(async () => {
        server.closeAllConnections();
        await new Promise((done) => server.close(done));
      });

      it.each([
        ['POST', SQL_PATH, '/v1/connections/demo-postgres/sql'],
        ['GET', '/healthz', '/healthz'],
        ['GET', '/.well-known/jwks.json', '/.well-known/jwks.json'],
        ['GET', '/v1/approvals', '/v1/approvals'],
        ['POST', '/v1/approvals/{approvalId}/approve', '/v1/approvals/x/approve'],
        ['GET', '/v1/requests/{requestId}', '/v1/requests/x'],
        ['GET', '/v1/sessions', '/v1/sessions'],
        ['GET', '/v1/sessions/{sessionId}', '/v1/sessions/x'],
        ['POST', '/v1/evidence/exports', '/v1/evidence/exports'],
        ['GET', '/v1/evidence/exports/{exportId}', '/v1/evidence/exports/x'],
      ])('answers %s %s with 503 unavailable as documented', async (method, template, path) => {
        const answer = await send(url, method, path, method === 'POST' ? { body: '{"sql":"SELECT 1"}' } : {});
        expect([answer.status, (answer.body.error as Json).code]).toEqual([503, 'unavailable']);
        expectDocumented(method, template, answer);
      });
    });
  });
});
