// The public edge: an API Gateway HTTP API with Tollgate's routes, JSON access logs and stage
// throttling. Authentication happens in the functions, which verify JWTs themselves.
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { assertNoProblems, found, integerProblem } from '../props-validation.js';

/**
 * One JSON object per request. No headers, query strings or bodies: bearer tokens and SQL text
 * never reach the access log.
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

export interface TollgateHttpApiProps {
  /**
   * Serves `POST /v1/connections/{name}/sql`, discovery (`GET /v1/connections[/{name}]`), the
   * status of held requests (`GET /v1/requests/{requestId}`), the reviewers' routes
   * (`/v1/approvals…`) and the recordings (`GET /v1/sessions[/{sessionId}]`).
   */
  readonly sqlFunction: lambda.IFunction;
  /** Serves `GET /healthz` and `GET /openapi.json`. */
  readonly healthFunction: lambda.IFunction;
  /** Serves `$default`: every other method and path (JSON 404s). */
  readonly fallbackFunction: lambda.IFunction;

  /**
   * Steady-state requests per second the stage accepts, across all callers.
   *
   * @default 50
   */
  readonly throttlingRateLimit?: number;

  /**
   * Requests the stage accepts in a burst, across all callers.
   *
   * @default 100
   */
  readonly throttlingBurstLimit?: number;

  /** @default logs.RetentionDays.ONE_YEAR */
  readonly accessLogRetention?: logs.RetentionDays;

  /** @default - the construct's path */
  readonly apiName?: string;
}

/** HTTP API with a `$default` stage that auto-deploys, logs every request and throttles. */
export class TollgateHttpApi extends Construct {
  static readonly SQL_ROUTE_PATH = '/v1/connections/{name}/sql';
  static readonly HEALTH_ROUTE_PATH = '/healthz';
  /** The routes of held requests, all served by the SQL function. */
  static readonly APPROVAL_ROUTES: readonly (readonly [apigwv2.HttpMethod, string])[] = [
    [apigwv2.HttpMethod.GET, '/v1/requests/{requestId}'],
    [apigwv2.HttpMethod.GET, '/v1/approvals'],
    [apigwv2.HttpMethod.GET, '/v1/approvals/{approvalId}'],
    [apigwv2.HttpMethod.POST, '/v1/approvals/{approvalId}/approve'],
    [apigwv2.HttpMethod.POST, '/v1/approvals/{approvalId}/deny'],
  ];
  /** The recordings: a listing and one session's timeline, served by the SQL function. */
  static readonly SESSION_ROUTES: readonly (readonly [apigwv2.HttpMethod, string])[] = [
    [apigwv2.HttpMethod.GET, '/v1/sessions'],
    [apigwv2.HttpMethod.GET, '/v1/sessions/{sessionId}'],
  ];
  /** Evidence exports for auditors: start one, then its status and download, by the SQL function. */
  static readonly EVIDENCE_ROUTES: readonly (readonly [apigwv2.HttpMethod, string])[] = [
    [apigwv2.HttpMethod.POST, '/v1/evidence/exports'],
    [apigwv2.HttpMethod.GET, '/v1/evidence/exports/{exportId}'],
  ];
  static readonly DEFAULT_RATE_LIMIT = 50;
  static readonly DEFAULT_BURST_LIMIT = 100;

  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TollgateHttpApiProps) {
    super(scope, id);
    assertNoProblems(
      'TollgateHttpApi',
      found(
        integerProblem('throttlingRateLimit', props.throttlingRateLimit, 1, 10_000),
        integerProblem('throttlingBurstLimit', props.throttlingBurstLimit, 1, 5_000),
      ),
    );

    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: 'Tollgate: identity-aware gateway between AI agents and databases',
      // The stage is created below, with access logs and throttling.
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('Fallback', props.fallbackFunction),
    });
    const sql = new HttpLambdaIntegration('Sql', props.sqlFunction);
    const health = new HttpLambdaIntegration('Health', props.healthFunction);
    this.api.addRoutes({
      path: TollgateHttpApi.SQL_ROUTE_PATH,
      methods: [apigwv2.HttpMethod.POST],
      integration: sql,
    });
    this.api.addRoutes({ path: '/v1/connections', methods: [apigwv2.HttpMethod.GET], integration: sql });
    this.api.addRoutes({
      path: '/v1/connections/{name}',
      methods: [apigwv2.HttpMethod.GET],
      integration: sql,
    });
    // Held requests: the requester's status (long-polled), and what reviewers list, read and decide.
    // Recordings: owners see their sessions, auditors all; each read is itself recorded. Evidence
    // exports: auditors only.
    for (const [method, path] of [
      ...TollgateHttpApi.APPROVAL_ROUTES,
      ...TollgateHttpApi.SESSION_ROUTES,
      ...TollgateHttpApi.EVIDENCE_ROUTES,
    ]) {
      this.api.addRoutes({ path, methods: [method], integration: sql });
    }
    this.api.addRoutes({
      path: TollgateHttpApi.HEALTH_ROUTE_PATH,
      methods: [apigwv2.HttpMethod.GET],
      integration: health,
    });
    this.api.addRoutes({ path: '/openapi.json', methods: [apigwv2.HttpMethod.GET], integration: health });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttlingRateLimit ?? TollgateHttpApi.DEFAULT_RATE_LIMIT,
        burstLimit: props.throttlingBurstLimit ?? TollgateHttpApi.DEFAULT_BURST_LIMIT,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Routes have no API Gateway authorizer on purpose: the SQL function verifies the bearer JWT ' +
        'itself (aws-jwt-verify: signature against the JWKS, issuer, audience, expiry) because it needs ' +
        'the verified claims and groups for its policy decision and recording. /healthz and the JSON ' +
        '404 fallback serve no data.',
    });
  }

  /** The base URL of the API, ending with `/`. */
  get url(): string {
    return this.stage.url;
  }
}
