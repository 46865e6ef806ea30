// The Tollgate stack: HTTP API → Lambda functions → session table (DynamoDB) → stream → archiver
// → Object Lock recordings bucket (S3). Each function gets exactly the access it uses.
import { CfnOutput, Duration, Lazy, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  type ConnectionDeclaration as CoreConnectionDeclaration,
  connectionsSchema,
} from '../lambdas/core/config/connection.js';
import { GatewayFunction, SQL_FUNCTION_FILES } from './constructs/gateway-function.js';
import { TollgateHttpApi } from './constructs/http-api.js';
import { MetadataTable } from './constructs/metadata-table.js';
import { RecordingsBucket } from './constructs/recordings-bucket.js';
import { assertNoProblems, found, httpsUrlProblem, integerProblem } from './props-validation.js';

/** A connection as declared (defaults may be omitted); see lambdas/core/config/connection.ts. */
export type ConnectionDeclaration = CoreConnectionDeclaration;

/** Entry files, relative to the project root; each exports `handler`. */
export const ENTRYPOINTS = {
  sql: 'lambdas/entrypoints/sql.ts',
  health: 'lambdas/entrypoints/health.ts',
  fallback: 'lambdas/entrypoints/fallback.ts',
  archiver: 'lambdas/entrypoints/archiver.ts',
} as const;

/** Lambda allows 4 KB for all of a function's environment variables together. */
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** Room kept for values only known at deploy time (the table name). */
const TOKEN_VALUE_ALLOWANCE_BYTES = 128;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;
const COGNITO_USER_POOL_ID = /^[a-z]{2}(-[a-z]+)+-\d_[0-9a-zA-Z]+$/;
const COGNITO_CLIENT_ID = /^[\w+]+$/;

export interface TollgateStackProps extends StackProps {
  /**
   * OIDC mode: the token issuer (`iss`), an https URL. Give `issuer`, `audience` and `jwksUri`
   * together, or `cognitoUserPoolId` and `cognitoClientId` instead.
   *
   * @default - none; one identity mode is required
   */
  readonly issuer?: string;
  /**
   * OIDC mode: the audience (`aud`) tokens must carry.
   *
   * @default - none; one identity mode is required
   */
  readonly audience?: string;
  /**
   * OIDC mode: where the issuer publishes its signing keys, an https URL.
   *
   * @default - none; one identity mode is required
   */
  readonly jwksUri?: string;
  /**
   * Cognito mode: the user pool whose tokens are accepted, e.g. `eu-west-1_AbCdEf123`.
   *
   * @default - none; one identity mode is required
   */
  readonly cognitoUserPoolId?: string;
  /**
   * Cognito mode: the app client id tokens must be issued to.
   *
   * @default - none; one identity mode is required
   */
  readonly cognitoClientId?: string;
  /**
   * Token claim holding the caller's groups, matched against each connection's `allowGroups`.
   *
   * @default - `groups` in OIDC mode, `cognito:groups` in Cognito mode
   */
  readonly groupsClaim?: string;
  /**
   * Databases reachable through the gateway. On AWS each `target` must be
   * `{ secretArn: 'arn:aws:secretsmanager:…' }`, a secret in the RDS JSON format; the SQL
   * function may read exactly these secrets.
   *
   * @default - no connections
   */
  readonly connections?: readonly ConnectionDeclaration[];
  /**
   * Days each recording segment stays locked (S3 Object Lock, COMPLIANCE mode).
   *
   * @default 365
   */
  readonly recordingRetentionDays?: number;
  /**
   * Largest request body the SQL function accepts, in bytes.
   *
   * @default 262144
   */
  readonly maxBodyBytes?: number;
  /**
   * `NODE_EXTRA_CA_CERTS` for the SQL function, which verifies database TLS certificates. The
   * default file in the Lambda runtime holds the Amazon root CAs, RDS and Aurora included; Node.js
   * 20+ runtimes no longer load it unless asked.
   *
   * @default '/var/runtime/ca-cert.pem'
   */
  readonly databaseCaCertsPath?: string;
  /**
   * VPC for the SQL function, to reach databases on private subnets. It then also needs a route
   * to DynamoDB, Secrets Manager and X-Ray (VPC endpoints or NAT).
   *
   * @default - the SQL function runs outside any VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets for the SQL function; requires `vpc`.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups for the SQL function; requires `vpc`.
   *
   * @default - a new security group allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Steady-state requests per second the API accepts.
   *
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst of requests the API accepts.
   *
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
}

export class TollgateStack extends Stack {
  static readonly DEFAULT_MAX_BODY_BYTES = 262_144;
  static readonly DEFAULT_DATABASE_CA_CERTS_PATH = '/var/runtime/ca-cert.pem';

  readonly table: MetadataTable;
  readonly recordings: RecordingsBucket;
  readonly sqlFunction: GatewayFunction;
  /** Key of the deterministic masking tokens; only the SQL function reads it. */
  readonly maskingKey: secretsmanager.Secret;
  readonly healthFunction: GatewayFunction;
  readonly fallbackFunction: GatewayFunction;
  readonly archiverFunction: GatewayFunction;
  readonly archiverDeadLetterQueue: sqs.Queue;
  readonly httpApi: TollgateHttpApi;

  constructor(scope: Construct, id: string, props: TollgateStackProps) {
    super(scope, id, {
      description: 'Tollgate: identity-aware gateway between AI agents and databases',
      ...props,
    });
    const secretArns = validate(props);

    this.table = new MetadataTable(this, 'MetadataTable');
    this.recordings = new RecordingsBucket(this, 'Recordings', {
      retentionDays: props.recordingRetentionDays,
    });

    this.sqlFunction = new GatewayFunction(this, 'SqlFunction', {
      entry: ENTRYPOINTS.sql,
      description: 'Tollgate: POST /v1/connections/{name}/sql, GET /v1/connections[/{name}]',
      files: SQL_FUNCTION_FILES,
      environment: sqlEnvironment(props, this.table.table.tableName),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
    });
    // The SQL function records sessions and events with conditional puts and reads them back,
    // and reads the pushed policy and connection sets, which it may not write: only session
    // partitions. It has no S3 access at all: archiving is the archiver's job.
    this.table.grantReadItems(this.sqlFunction);
    this.table.grantPutItems(this.sqlFunction, ['SESSION#']);
    // The key of the masking tokens (HMAC-SHA256): generated once, readable by the SQL function
    // only. Rotating it changes every token, which breaks joins across time: rotate deliberately.
    this.maskingKey = new secretsmanager.Secret(this, 'MaskingKey', {
      description: 'Tollgate: key of the deterministic tokens that replace masked values',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    this.maskingKey.grantRead(this.sqlFunction);
    this.sqlFunction.function.addEnvironment('TOLLGATE_MASKING_KEY_SECRET_ARN', this.maskingKey.secretArn);
    Validations.of(this.maskingKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The masking key is an HMAC key for deterministic tokens, not a credential: automatic rotation would change every token and break joins and group-bys across time, so it is rotated deliberately by an operator.',
    });
    if (secretArns.length > 0) {
      this.sqlFunction.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secretArns }),
      );
    }

    // Health and fallback read nothing and may touch nothing.
    this.healthFunction = new GatewayFunction(this, 'HealthFunction', {
      entry: ENTRYPOINTS.health,
      description: 'Tollgate: GET /healthz, GET /openapi.json',
      files: [{ from: 'openapi.yaml', to: 'openapi.yaml' }],
    });
    this.fallbackFunction = new GatewayFunction(this, 'FallbackFunction', {
      entry: ENTRYPOINTS.fallback,
      description: 'Tollgate: JSON 404 for unknown routes',
    });

    this.archiverFunction = new GatewayFunction(this, 'ArchiverFunction', {
      entry: ENTRYPOINTS.archiver,
      description: 'Tollgate: archives recorded events to the Object Lock bucket',
      // A stream batch may hold up to 1000 records across many sessions: a GetItem and a Query per
      // session, one S3 PUT, then an UpdateItem per session.
      timeout: Duration.minutes(2),
      environment: {
        TOLLGATE_TABLE: this.table.table.tableName,
        TOLLGATE_RECORDINGS_BUCKET: this.recordings.bucket.bucketName,
      },
    });
    // Reads events and moves the per-session archive mark (a conditional UpdateItem).
    this.table.grantReadItems(this.archiverFunction);
    this.table.grantUpdateItems(this.archiverFunction);
    // Any key: the object layout is the archive adapter's business (lambdas/adapters/aws), and a
    // prefix here would silently break archiving when it changes. Object Lock is what protects
    // what is written.
    this.recordings.grantPutRecordings(this.archiverFunction);
    const bucketLogicalId = this.getLogicalId(this.recordings.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.archiverFunction.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/*]`,
      reason:
        'The archiver writes new archive objects whose keys are only known at run time. The grant is ' +
        's3:PutObject alone (no read, delete, retention or legal-hold action) on this one bucket, and ' +
        'Object Lock COMPLIANCE keeps every version already written from being overwritten or deleted.',
    });

    this.archiverDeadLetterQueue = new sqs.Queue(this, 'ArchiverDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.archiverDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the archiver stream mapping; it receives ' +
        'pointers to failed stream batches, which operators inspect, so it needs no dead-letter queue of its own.',
    });
    this.archiverFunction.function.addEventSource(
      new DynamoEventSource(this.table.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 1000,
        maxBatchingWindow: Duration.seconds(60),
        bisectBatchOnError: true,
        retryAttempts: 10,
        onFailure: new SqsDlq(this.archiverDeadLetterQueue),
      }),
    );
    Validations.of(this.archiverFunction.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Two statements need a wildcard resource and support nothing narrower: dynamodb:ListStreams, ' +
        'which the stream event source mapping calls, and xray:PutTraceSegments/PutTelemetryRecords ' +
        'for active tracing. Stream reads themselves are limited to the table stream ARN.',
    });

    this.httpApi = new TollgateHttpApi(this, 'HttpApi', {
      sqlFunction: this.sqlFunction.function,
      healthFunction: this.healthFunction.function,
      fallbackFunction: this.fallbackFunction.function,
      throttlingRateLimit: props.throttlingRateLimit,
      throttlingBurstLimit: props.throttlingBurstLimit,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL of the Tollgate API' });
    new CfnOutput(this, 'TableName', {
      value: this.table.table.tableName,
      description: 'Session metadata table',
    });
    new CfnOutput(this, 'RecordingsBucketName', {
      value: this.recordings.bucket.bucketName,
      description: 'Object Lock bucket holding archived recordings',
    });
  }
}

/** What the SQL function reads from its environment (lambdas/wiring/aws-sql.ts, env.ts). */
const sqlEnvironment = (props: TollgateStackProps, tableName: string): Record<string, string> => ({
  TOLLGATE_TABLE: tableName,
  ...identityEnvironment(props),
  TOLLGATE_CONNECTIONS: JSON.stringify(props.connections ?? []),
  TOLLGATE_MAX_BODY_BYTES: String(props.maxBodyBytes ?? TollgateStack.DEFAULT_MAX_BODY_BYTES),
  NODE_EXTRA_CA_CERTS: props.databaseCaCertsPath ?? TollgateStack.DEFAULT_DATABASE_CA_CERTS_PATH,
});

/**
 * The identity variables the SQL function reads; only the chosen mode's are set, because the
 * function takes the presence of TOLLGATE_COGNITO_USER_POOL_ID to mean Cognito mode. (Empty
 * values only occur while invalid props are being sized up for validation.)
 */
const identityEnvironment = (props: TollgateStackProps): Record<string, string> => {
  if (props.cognitoUserPoolId !== undefined) {
    return {
      TOLLGATE_COGNITO_USER_POOL_ID: props.cognitoUserPoolId,
      TOLLGATE_COGNITO_CLIENT_ID: props.cognitoClientId ?? '',
      TOLLGATE_GROUPS_CLAIM: props.groupsClaim ?? 'cognito:groups',
    };
  }
  return {
    TOLLGATE_ISSUER: props.issuer ?? '',
    TOLLGATE_AUDIENCE: props.audience ?? '',
    TOLLGATE_JWKS_URI: props.jwksUri ?? '',
    TOLLGATE_GROUPS_CLAIM: props.groupsClaim ?? 'groups',
  };
};

/** Validates the stack props, all problems at once; returns the connections' secret ARNs. */
const validate = (props: TollgateStackProps): string[] => {
  const { secretArns, problems: connectionProblems } = checkConnections(props.connections ?? []);
  assertNoProblems('TollgateStack', [
    ...identityProblems(props),
    ...found(
      props.groupsClaim?.trim() === '' ? 'groupsClaim must not be empty' : undefined,
      integerProblem('recordingRetentionDays', props.recordingRetentionDays, 1, 36_500),
      // Lambda's synchronous invocation payload limit is 6 MB.
      integerProblem('maxBodyBytes', props.maxBodyBytes, 1, 6_000_000),
    ),
    ...connectionProblems,
    // The table name is only known at deploy time: a token stands in for it.
    ...environmentSizeProblems(sqlEnvironment(props, Lazy.string({ produce: () => '' }))),
  ]);
  return secretArns;
};

const identityProblems = (props: TollgateStackProps): string[] => {
  const oidc = { issuer: props.issuer, audience: props.audience, jwksUri: props.jwksUri };
  const cognito = { cognitoUserPoolId: props.cognitoUserPoolId, cognitoClientId: props.cognitoClientId };
  const given = (values: Record<string, string | undefined>) =>
    Object.entries(values).filter(([, value]) => value !== undefined);
  const missing = (values: Record<string, string | undefined>) =>
    Object.entries(values)
      .filter(([, value]) => value === undefined)
      .map(([name]) => name);
  const oidcGiven = given(oidc).length > 0;
  const cognitoGiven = given(cognito).length > 0;

  if (oidcGiven && cognitoGiven) {
    return [
      'identity: give either issuer, audience and jwksUri (OIDC) or cognitoUserPoolId and cognitoClientId ' +
        '(Cognito), not both',
    ];
  }
  if (!oidcGiven && !cognitoGiven) {
    return [
      'identity: an identity provider is required: issuer, audience and jwksUri (OIDC), or ' +
        'cognitoUserPoolId and cognitoClientId (Cognito)',
    ];
  }
  const problems: string[] = [];
  if (oidcGiven) {
    const absent = missing(oidc);
    if (absent.length > 0) problems.push(`identity: OIDC mode also needs ${absent.join(' and ')}`);
    if (props.issuer !== undefined) problems.push(...found(httpsUrlProblem('issuer', props.issuer)));
    if (props.jwksUri !== undefined) problems.push(...found(httpsUrlProblem('jwksUri', props.jwksUri)));
    if (props.audience !== undefined && props.audience.trim() === '')
      problems.push('audience must not be empty');
    return problems;
  }
  const absent = missing(cognito);
  if (absent.length > 0) problems.push(`identity: Cognito mode also needs ${absent.join(' and ')}`);
  if (!matches(props.cognitoUserPoolId, COGNITO_USER_POOL_ID)) {
    problems.push(`cognitoUserPoolId must look like eu-west-1_AbCdEf123, got ${props.cognitoUserPoolId}`);
  }
  if (!matches(props.cognitoClientId, COGNITO_CLIENT_ID)) {
    problems.push(`cognitoClientId must be letters, digits, _ or +, got ${props.cognitoClientId}`);
  }
  return problems;
};

/** Leaves time, within API Gateway's 30 s, for recording the outcome and answering. */
const MAX_AWS_STATEMENT_TIMEOUT_MS = 25_000;

const checkConnections = (
  connections: readonly ConnectionDeclaration[],
): { secretArns: string[]; problems: string[] } => {
  const parsed = connectionsSchema.safeParse(connections);
  if (!parsed.success) {
    return {
      secretArns: [],
      problems: parsed.error.issues.map(
        (issue) =>
          `connections${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`,
      ),
    };
  }
  const problems: string[] = [];
  const secretArns = new Set<string>();
  parsed.data.forEach((connection, index) => {
    const where = `connections[${index}] (${connection.name})`;
    if (!('secretArn' in connection.target)) {
      problems.push(
        `${where}: on AWS the target must be {"secretArn": "arn:aws:secretsmanager:…"}; url, urlEnv and demo targets are for local runs`,
      );
    } else if (!matches(connection.target.secretArn, SECRET_ARN)) {
      problems.push(
        `${where}: secretArn must be the full ARN of a Secrets Manager secret, got ${connection.target.secretArn}`,
      );
    } else {
      secretArns.add(connection.target.secretArn);
    }
    // API Gateway gives up after 30 s: a longer statement timeout would never answer 504 itself.
    if (connection.limits.statementTimeoutMs > MAX_AWS_STATEMENT_TIMEOUT_MS) {
      problems.push(
        `${where}: limits.statementTimeoutMs must be at most ${MAX_AWS_STATEMENT_TIMEOUT_MS} on AWS (API Gateway answers at 30 s), got ${connection.limits.statementTimeoutMs}`,
      );
    }
  });
  return { secretArns: [...secretArns].sort(), problems };
};

const environmentSizeProblems = (environment: Record<string, string>): string[] => {
  const bytes = Object.entries(environment).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      (Token.isUnresolved(value) ? TOKEN_VALUE_ALLOWANCE_BYTES : Buffer.byteLength(value)),
    0,
  );
  return bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES
    ? [
        `the SQL function's environment needs about ${bytes} bytes (TOLLGATE_CONNECTIONS alone ` +
          `${Buffer.byteLength(environment.TOLLGATE_CONNECTIONS ?? '')}); Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} ` +
          'for all variables together: shorten descriptions or declare fewer connections',
      ]
    : [];
};

/** True for tokens (checked at deploy time) and for strings matching `pattern`. */
const matches = (value: string | undefined, pattern: RegExp): boolean =>
  value === undefined || Token.isUnresolved(value) || pattern.test(value);
