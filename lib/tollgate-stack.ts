// The Tollgate stack: HTTP API → Lambda functions → session table (DynamoDB) → stream → archiver
// → Object Lock recordings bucket (S3), where a schedule has the archiver sign checkpoints over
// what it archived (an asymmetric KMS key only it may sign with); requests held for approval wait
// in a Step Functions workflow whose state changes reach reviewers through EventBridge and SNS.
// Each function gets exactly the access it uses.
import {
  CfnOutput,
  Duration,
  Lazy,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
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
import { ApprovalWorkflow } from './constructs/approval-workflow.js';
import { CheckpointSchedule, MAX_CHECKPOINT_INTERVAL_MINUTES } from './constructs/checkpoint-schedule.js';
import { GatewayFunction, SQL_FUNCTION_FILES } from './constructs/gateway-function.js';
import { TollgateHttpApi } from './constructs/http-api.js';
import { MetadataTable } from './constructs/metadata-table.js';
import { ApprovalNotifications } from './constructs/notifications.js';
import { RecordingsBucket } from './constructs/recordings-bucket.js';
import { SigningKey } from './constructs/signing-key.js';
import { assertNoProblems, found, httpsUrlProblem, integerProblem } from './props-validation.js';

/** A connection as declared (defaults may be omitted); see lambdas/core/config/connection.ts. */
export type ConnectionDeclaration = CoreConnectionDeclaration;

/** Entry files, relative to the project root; each exports `handler`. */
export const ENTRYPOINTS = {
  sql: 'lambdas/entrypoints/sql.ts',
  health: 'lambdas/entrypoints/health.ts',
  fallback: 'lambdas/entrypoints/fallback.ts',
  archiver: 'lambdas/entrypoints/archiver.ts',
  approvalTasks: 'lambdas/entrypoints/approval-tasks.ts',
  notifier: 'lambdas/entrypoints/notifier.ts',
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
   * VPC for the functions that reach databases (the SQL function and the approval-tasks function,
   * which runs approved writes), to reach databases on private subnets. They then also need a
   * route to DynamoDB, Secrets Manager, KMS, Step Functions, EventBridge and X-Ray (VPC endpoints
   * or NAT).
   *
   * @default - both run outside any VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets for the SQL and approval-tasks functions; requires `vpc`.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups for the SQL and approval-tasks functions; requires `vpc`. The databases must
   * admit both.
   *
   * @default - a new security group per function, allowing all outbound traffic
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
  /**
   * A Secrets Manager secret whose SecretString is a Slack incoming-webhook URL. Given, every
   * approval event is also posted there by the notifier function, which may read this secret only.
   *
   * @default - approval events go to the SNS topic only
   */
  readonly slackWebhookSecretArn?: string;
  /**
   * Minutes between signed checkpoints over the archived recordings (1 to 1440). A checkpoint
   * proves that no whole session or segment archived before it was dropped; what was archived
   * since the last one is covered only by the hash chains.
   *
   * @default 5
   */
  readonly checkpointIntervalMinutes?: number;
}

export class TollgateStack extends Stack {
  static readonly DEFAULT_MAX_BODY_BYTES = 262_144;
  static readonly DEFAULT_DATABASE_CA_CERTS_PATH = '/var/runtime/ca-cert.pem';

  readonly table: MetadataTable;
  readonly recordings: RecordingsBucket;
  readonly sqlFunction: GatewayFunction;
  /** Key of the deterministic masking tokens; the SQL and approval-tasks functions read it. */
  readonly maskingKey: secretsmanager.Secret;
  /**
   * Seals held requests (their SQL text and parameters) at rest: the SQL function seals, only the
   * approval-tasks function opens.
   */
  readonly sealingKey: kms.Key;
  /** Runs the tasks of the approval workflow, the approved write among them. */
  readonly approvalTasksFunction: GatewayFunction;
  readonly approvalWorkflow: ApprovalWorkflow;
  readonly notifications: ApprovalNotifications;
  /** Posts approval events to Slack; only when `slackWebhookSecretArn` is given. */
  readonly notifierFunction?: GatewayFunction;
  readonly healthFunction: GatewayFunction;
  readonly fallbackFunction: GatewayFunction;
  readonly archiverFunction: GatewayFunction;
  readonly archiverDeadLetterQueue: sqs.Queue;
  /** Signs checkpoints; only the archiver may sign with it. */
  readonly checkpointSigningKey: SigningKey;
  /**
   * Signs evidence bundles' manifests (`tollgate evidence export` on AWS, with
   * `TOLLGATE_SIGNING_KEY_ARN` set to it); the account's IAM policies decide who may sign.
   */
  readonly evidenceSigningKey: SigningKey;
  /** Invokes the archiver for a checkpoint every `checkpointIntervalMinutes`. */
  readonly checkpointSchedule: CheckpointSchedule;
  readonly httpApi: TollgateHttpApi;

  constructor(scope: Construct, id: string, props: TollgateStackProps) {
    super(scope, id, {
      description: 'Tollgate: identity-aware gateway between AI agents and databases',
      ...props,
    });
    const { targetSecretArns, writeTargetSecretArns } = validate(props);

    this.table = new MetadataTable(this, 'MetadataTable');
    this.recordings = new RecordingsBucket(this, 'Recordings', {
      retentionDays: props.recordingRetentionDays,
    });

    // The key of the masking tokens (HMAC-SHA256): generated once, readable by the functions that
    // mask results only. Rotating it changes every token, which breaks joins across time: rotate
    // deliberately.
    this.maskingKey = new secretsmanager.Secret(this, 'MaskingKey', {
      description: 'Tollgate: key of the deterministic tokens that replace masked values',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.maskingKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The masking key is an HMAC key for deterministic tokens, not a credential: automatic rotation would change every token and break joins and group-bys across time, so it is rotated deliberately by an operator.',
    });

    // Envelope encryption (lambdas/adapters/aws/kms-sealer.ts): what it seals lives only as long
    // as its approval, so the key goes with the stack.
    this.sealingKey = new kms.Key(this, 'SealingKey', {
      description: 'Tollgate: seals requests held for approval (SQL text and parameters)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.notifications = new ApprovalNotifications(this, 'ApprovalNotifications');

    // The state machine invokes the approval-tasks function, so it depends on the function's ARN;
    // the function is told the state machine's ARN (its wiring builds the workflow client), which
    // as a reference would close the cycle state machine → function → state machine, and
    // CloudFormation refuses cycles. Hence a fixed state machine name and an ARN built from it
    // (Stack.formatArn). The function's role names no state machine at all: it starts nothing,
    // and SendTaskSuccess/SendTaskFailure take no resource ARN (ApprovalWorkflow.grantTaskResponse).
    const stateMachineName = ApprovalWorkflow.defaultStateMachineName(this);
    this.approvalTasksFunction = new GatewayFunction(this, 'ApprovalTasksFunction', {
      entry: ENTRYPOINTS.approvalTasks,
      description: 'Tollgate: approval workflow tasks (notify reviewers, run the approved write, record)',
      // The same analysis, policy and masking code as the SQL function, so the same files.
      files: SQL_FUNCTION_FILES,
      timeout: APPROVAL_TASKS_TIMEOUT,
      environment: approvalTasksEnvironment(props, {
        tableName: this.table.table.tableName,
        maskingKeySecretArn: this.maskingKey.secretArn,
        sealingKeyArn: this.sealingKey.keyArn,
        eventBusName: this.notifications.eventBus.eventBusName,
        stateMachineArn: ApprovalWorkflow.stateMachineArnFor(this, stateMachineName),
      }),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
    });
    // The executor claims and records approvals, keeps the task token and appends to the request's
    // session, all with (conditional) puts: never an update, a delete or the pushed sets.
    this.table.grantReadItems(this.approvalTasksFunction);
    this.table.grantPutItems(this.approvalTasksFunction, {
      prefixes: [SESSION_PARTITION, APPROVAL_PARTITION],
    });
    this.maskingKey.grantRead(this.approvalTasksFunction);
    grantOpenSealed(this.sealingKey, this.approvalTasksFunction);
    this.notifications.grantPutEvents(this.approvalTasksFunction);
    // Both credentials of each connection: an approved write runs with the write credential
    // (`writeTarget`) where one is declared, with the read one otherwise.
    const executorSecretArns = [...new Set([...targetSecretArns, ...writeTargetSecretArns])].sort();
    if (executorSecretArns.length > 0) {
      this.approvalTasksFunction.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: executorSecretArns,
        }),
      );
    }

    this.approvalWorkflow = new ApprovalWorkflow(this, 'ApprovalWorkflow', {
      tasksFunction: this.approvalTasksFunction.function,
      stateMachineName,
    });
    // A reviewer may decide before the waiting task has stored its token; the notify task then
    // finds the decision and sends it itself.
    this.approvalWorkflow.grantTaskResponse(this.approvalTasksFunction);

    this.sqlFunction = new GatewayFunction(this, 'SqlFunction', {
      entry: ENTRYPOINTS.sql,
      description: 'Tollgate: SQL, discovery, approvals and request status (GET /v1/requests/{id})',
      files: SQL_FUNCTION_FILES,
      // Covers the longest wait it serves: a 25 s statement timeout or a 25 s long poll of
      // GET /v1/requests/{id}, with room to record and answer. API Gateway gives up at 30 s, so a
      // longer timeout would never be used.
      timeout: Duration.seconds(30),
      environment: sqlEnvironment(props, {
        tableName: this.table.table.tableName,
        maskingKeySecretArn: this.maskingKey.secretArn,
        sealingKeyArn: this.sealingKey.keyArn,
        eventBusName: this.notifications.eventBus.eventBusName,
        stateMachineArn: this.approvalWorkflow.stateMachine.stateMachineArn,
      }),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
    });
    // The SQL function records sessions and events with conditional puts and reads them back,
    // and reads the pushed policy and connection sets, which it may not write: only session and
    // approval partitions, and the one system session recording who read recordings (never the
    // configuration audit trail). Listing approvals reads their records in batches; listing
    // sessions queries the archiver's session index. Its only S3 access is reading finished
    // evidence exports (below), to presign their download: archiving is the archiver's job.
    this.table.grantReadItems(this.sqlFunction);
    this.table.grantPutItems(this.sqlFunction, {
      prefixes: [SESSION_PARTITION, ...SQL_APPROVAL_PARTITIONS],
      keys: [ACCESS_AUDIT_PARTITION],
    });
    iam.Grant.addToPrincipal({
      grantee: this.sqlFunction,
      actions: ['dynamodb:BatchGetItem'],
      resourceArns: [this.table.table.tableArn],
    });
    this.maskingKey.grantRead(this.sqlFunction);
    // It holds requests for approval: seals them (but cannot open them), starts their workflow,
    // publishes their events and passes reviewers' decisions on.
    grantSeal(this.sealingKey, this.sqlFunction);
    this.approvalWorkflow.grantStartExecution(this.sqlFunction);
    this.approvalWorkflow.grantTaskResponse(this.sqlFunction);
    this.notifications.grantPutEvents(this.sqlFunction);
    // The read credentials only: a connection's writeTarget secret is for the approval executor.
    if (targetSecretArns.length > 0) {
      this.sqlFunction.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: targetSecretArns }),
      );
    }
    for (const fn of [this.sqlFunction, this.approvalTasksFunction]) {
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Two statements need a wildcard resource and support nothing narrower: xray:PutTraceSegments/' +
          'PutTelemetryRecords for active tracing, and states:SendTaskSuccess/SendTaskFailure, for which ' +
          'the Service Authorization Reference lists no resource type; the task token, kept server-side ' +
          'only, selects the one execution a decision resumes.',
      });
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

    // The checkpoint key's policy names the archiver as its only signer (grantSign below): not
    // even an administrator's IAM policy lets anyone else sign a checkpoint.
    this.checkpointSigningKey = new SigningKey(this, 'CheckpointSigningKey', {
      description: 'Tollgate: signs checkpoints over the archived recordings (the archiver only)',
      exclusiveSigners: true,
    });
    this.evidenceSigningKey = new SigningKey(this, 'EvidenceSigningKey', {
      description: 'Tollgate: signs the manifests of evidence bundles (tollgate evidence export)',
    });

    this.archiverFunction = new GatewayFunction(this, 'ArchiverFunction', {
      entry: ENTRYPOINTS.archiver,
      description: 'Tollgate: archives recorded events to the Object Lock bucket and signs checkpoints',
      // A stream batch may hold up to 1000 records across many sessions: a GetItem and a Query per
      // session, one S3 PUT, then a few writes per session. A checkpoint run holds its lease for
      // at most 2 minutes (lambdas/core/recording/checkpoint.ts).
      timeout: Duration.minutes(2),
      environment: {
        TOLLGATE_TABLE: this.table.table.tableName,
        TOLLGATE_RECORDINGS_BUCKET: this.recordings.bucket.bucketName,
        TOLLGATE_SIGNING_KEY_ARN: this.checkpointSigningKey.keyArn,
        TOLLGATE_EVIDENCE_KEY_ARN: this.evidenceSigningKey.keyArn,
      },
    });
    // Reads events and session records, and its ledger. Writes, each in the partitions it uses:
    // per session, an archive pointer (a conditional put) and the archive mark (a conditional
    // update), in the session's own partition; in `ARCHIVE`, segment notes (put, update, deleted
    // once checkpointed), the checkpoint head (put) and the checkpoint lease (put, delete); in
    // `SESSIONS#<day>`, the session index (updates). It deletes nothing outside `ARCHIVE`.
    this.table.grantReadItems(this.archiverFunction);
    this.table.grantPutItems(this.archiverFunction, {
      prefixes: [SESSION_PARTITION, SYSTEM_PARTITION, EXPORT_PARTITION],
      keys: [LEDGER_PARTITION],
    });
    this.table.grantUpdateItems(this.archiverFunction, {
      prefixes: [SESSION_PARTITION, SYSTEM_PARTITION, SESSION_INDEX_PARTITION],
      keys: [LEDGER_PARTITION],
    });
    this.table.grantDeleteItems(this.archiverFunction, { keys: [LEDGER_PARTITION] });
    // Any key: the object layout is the archive adapter's business (lambdas/adapters/aws), and a
    // prefix here would silently break archiving when it changes. Object Lock is what protects
    // what is written. It reads back checkpoints and public keys (and, for an evidence export,
    // the segments), and checks that a segment is not there before writing it.
    this.recordings.grantPutRecordings(this.archiverFunction);
    this.recordings.grantReadRecordings(this.archiverFunction);
    this.checkpointSigningKey.grantSign(this.archiverFunction);
    // Evidence exports run in the archiver (it reads the archive): job updates in `EXPORT#<id>`,
    // the zip under exports/, the manifest signed with the evidence key.
    this.evidenceSigningKey.grantSign(this.archiverFunction);
    // The SQL function queues an export (`EXPORT#<id>`), starts it with an asynchronous invocation
    // of the archiver, and presigns the finished zip's download: read of exports/* only.
    this.sqlFunction.function.addEnvironment('TOLLGATE_RECORDINGS_BUCKET', this.recordings.bucket.bucketName);
    this.sqlFunction.function.addEnvironment(
      'TOLLGATE_ARCHIVER_FUNCTION',
      this.archiverFunction.function.functionName,
    );
    this.table.grantPutItems(this.sqlFunction, { prefixes: [EXPORT_PARTITION] });
    this.archiverFunction.function.grantInvoke(this.sqlFunction);
    iam.Grant.addToPrincipal({
      grantee: this.sqlFunction,
      actions: ['s3:GetObject'],
      resourceArns: [this.recordings.bucket.arnForObjects('exports/*')],
    });
    // With bucket keys the KMS encryption context is the bucket, not the object: the decrypt
    // cannot be narrowed to exports/, the S3 grant above is what does.
    this.recordings.encryptionKey.grant(this.sqlFunction, 'kms:Decrypt');
    const bucketLogicalId = this.getLogicalId(this.recordings.bucket.node.defaultChild as s3.CfnBucket);
    const archiverLogicalId = this.getLogicalId(
      this.archiverFunction.function.node.defaultChild as lambda.CfnFunction,
    );
    Validations.of(this.archiverFunction.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/*]`,
      reason:
        'The archiver writes new archive objects, checkpoints and evidence export bundles (exports/) ' +
        'whose keys are only known at run time, and reads back segments, checkpoints and public keys. ' +
        'The grant is s3:PutObject and s3:GetObject on this one bucket (no delete, retention or ' +
        'legal-hold action), and Object Lock COMPLIANCE keeps every version already written from being ' +
        'overwritten or deleted.',
    });
    Validations.of(this.sqlFunction.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/exports/*]`,
      reason:
        'The SQL function presigns the download of a finished evidence export, whose key ' +
        '(exports/<exportId>.zip) exists only once the job has run. The grant is s3:GetObject alone, ' +
        'under exports/ alone: no list, put or delete, and no read of recordings, checkpoints or keys, ' +
        'so neither the function nor a URL it presigns can read any other object of the bucket.',
    });
    Validations.of(this.sqlFunction.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${archiverLogicalId}.Arn>:*]`,
      reason:
        'Function.grantInvoke adds the qualified ARNs (:*) of this one function beside its ARN. The SQL ' +
        'function invokes the archiver unqualified and asynchronously ({"action":"export"}) to start an ' +
        'evidence export; the archiver publishes no version or alias, so :* matches only $LATEST, the ' +
        'same code. lambda:InvokeFunction alone, on no other function.',
    });

    this.checkpointSchedule = new CheckpointSchedule(this, 'CheckpointSchedule', {
      archiver: this.archiverFunction.function,
      intervalMinutes: props.checkpointIntervalMinutes,
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
        // Only events matter to it (new ones to archive, changed ones to report): the items it
        // writes itself (pointers, marks, ledger, index) would otherwise invoke it again.
        filters: [
          lambda.FilterCriteria.filter({
            dynamodb: { Keys: { sk: { S: lambda.FilterRule.beginsWith(EVENT_SORT_KEY_PREFIX) } } },
          }),
        ],
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

    if (props.slackWebhookSecretArn !== undefined) {
      this.notifierFunction = new GatewayFunction(this, 'NotifierFunction', {
        entry: ENTRYPOINTS.notifier,
        description: 'Tollgate: posts approval events to Slack',
        environment: {
          TOLLGATE_SLACK_WEBHOOK_SECRET_ARN: props.slackWebhookSecretArn,
          // Where the message tells reviewers to decide.
          TOLLGATE_GATEWAY_URL: this.httpApi.url,
        },
      });
      // The webhook URL is the credential: this function reads that secret and nothing else.
      this.notifierFunction.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [props.slackWebhookSecretArn],
        }),
      );
      this.notifications.addNotifier(this.notifierFunction.function);
    }

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL of the Tollgate API' });
    new CfnOutput(this, 'ApprovalTopicArn', {
      value: this.notifications.topic.topicArn,
      description: 'SNS topic of approval events: subscribe reviewers to it',
    });
    new CfnOutput(this, 'ApprovalEventBusName', {
      value: this.notifications.eventBus.eventBusName,
      description: 'EventBridge bus of approval events (source "tollgate"), for further rules',
    });
    new CfnOutput(this, 'TableName', {
      value: this.table.table.tableName,
      description: 'Session metadata table',
    });
    new CfnOutput(this, 'RecordingsBucketName', {
      value: this.recordings.bucket.bucketName,
      description: 'Object Lock bucket holding archived recordings',
    });
    new CfnOutput(this, 'CheckpointSigningKeyArn', {
      value: this.checkpointSigningKey.keyArn,
      description: 'KMS key that signs checkpoints (kms:Sign for the archiver only)',
    });
    new CfnOutput(this, 'EvidenceSigningKeyArn', {
      value: this.evidenceSigningKey.keyArn,
      description: 'KMS key for evidence manifests: TOLLGATE_SIGNING_KEY_ARN of tollgate evidence export',
    });
  }
}

/**
 * The approval-tasks function runs for one task at a time: a notify or record task takes a few
 * calls; an execution opens the sealed request, connects, runs one transaction within the
 * connection's statement timeout (at most 25 s on AWS) and records the outcome. The workflow's
 * own task timeouts are upper bounds above this.
 */
const APPROVAL_TASKS_TIMEOUT = Duration.minutes(2);

/**
 * Partitions of recordings in the metadata table (lambdas/adapters/aws/dynamodb-session-store.ts):
 * one per session, and one per system session (the gateway's own audit trails).
 */
const SESSION_PARTITION = 'SESSION#';
const SYSTEM_PARTITION = 'SYSTEM#';
/** Sort keys of recorded events in a session's partition. */
const EVENT_SORT_KEY_PREFIX = 'EVENT#';
/**
 * The system session recording who listed or viewed recordings (ACCESS_AUDIT_SESSION in
 * lambdas/core/recording/events.ts): the SQL function may write this one system partition.
 */
const ACCESS_AUDIT_PARTITION = 'SYSTEM#tollgate:access-audit';
/**
 * The archive ledger (lambdas/adapters/aws/dynamodb-archive-ledger.ts): segment notes, the
 * checkpoint head and lease in one partition, and the session index in one partition per day.
 */
const LEDGER_PARTITION = 'ARCHIVE';
const SESSION_INDEX_PARTITION = 'SESSIONS#';
/** Evidence export jobs (lambdas/adapters/aws/dynamodb-export-job-store.ts). */
const EXPORT_PARTITION = 'EXPORT#';

/**
 * Partitions of held requests in the metadata table (lambdas/adapters/aws/dynamodb-approval-store.ts):
 * one per approval (record, sealed request, task token), a pointer per request id, and a list
 * per day.
 */
const APPROVAL_PARTITION = 'APPROVAL#';
/** The SQL function creates approvals, with their pointers, and records decisions. */
const SQL_APPROVAL_PARTITIONS = [APPROVAL_PARTITION, 'REQUEST#', 'APPROVALS#'];

/** Names of resources the functions are told about, known only at deploy time. */
interface DeployedNames {
  readonly tableName: string;
  readonly maskingKeySecretArn: string;
  readonly sealingKeyArn: string;
  readonly eventBusName: string;
  readonly stateMachineArn: string;
}

/** What the SQL function reads from its environment (lambdas/wiring/aws-sql.ts, env.ts). */
const sqlEnvironment = (props: TollgateStackProps, deployed: DeployedNames): Record<string, string> => ({
  TOLLGATE_TABLE: deployed.tableName,
  ...identityEnvironment(props),
  TOLLGATE_CONNECTIONS: JSON.stringify(props.connections ?? []),
  TOLLGATE_MAX_BODY_BYTES: String(props.maxBodyBytes ?? TollgateStack.DEFAULT_MAX_BODY_BYTES),
  NODE_EXTRA_CA_CERTS: props.databaseCaCertsPath ?? TollgateStack.DEFAULT_DATABASE_CA_CERTS_PATH,
  TOLLGATE_MASKING_KEY_SECRET_ARN: deployed.maskingKeySecretArn,
  TOLLGATE_APPROVAL_STATE_MACHINE_ARN: deployed.stateMachineArn,
  TOLLGATE_SEALING_KEY_ARN: deployed.sealingKeyArn,
  TOLLGATE_EVENT_BUS_NAME: deployed.eventBusName,
});

/**
 * What the approval-tasks function reads from its environment (lambdas/wiring/aws-approval-tasks.ts):
 * a subset of the SQL function's, so the size check of that one covers it.
 */
const approvalTasksEnvironment = (
  props: TollgateStackProps,
  deployed: DeployedNames,
): Record<string, string> => ({
  TOLLGATE_TABLE: deployed.tableName,
  TOLLGATE_MASKING_KEY_SECRET_ARN: deployed.maskingKeySecretArn,
  TOLLGATE_SEALING_KEY_ARN: deployed.sealingKeyArn,
  TOLLGATE_EVENT_BUS_NAME: deployed.eventBusName,
  TOLLGATE_APPROVAL_STATE_MACHINE_ARN: deployed.stateMachineArn,
  TOLLGATE_CONNECTIONS: JSON.stringify(props.connections ?? []),
  // It connects to the targets as the SQL function does, verifying their TLS certificates.
  NODE_EXTRA_CA_CERTS: props.databaseCaCertsPath ?? TollgateStack.DEFAULT_DATABASE_CA_CERTS_PATH,
});

/**
 * Every seal binds an encryption context (the approval it was sealed for): the key serves no
 * request without one, so nothing sealed without its approval's context can be made or opened.
 */
const SEALING_CONDITIONS = { Null: { 'kms:EncryptionContextKeys': 'false' } };

/** Sealing asks KMS for a fresh data key; it needs no kms:Decrypt, so cannot open what it sealed. */
const grantSeal = (key: kms.IKey, grantee: iam.IGrantable): iam.Grant =>
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:GenerateDataKey'],
    resourceArns: [key.keyArn],
    conditions: SEALING_CONDITIONS,
  });

/** Opening decrypts the sealed data key. */
const grantOpenSealed = (key: kms.IKey, grantee: iam.IGrantable): iam.Grant =>
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt'],
    resourceArns: [key.keyArn],
    conditions: SEALING_CONDITIONS,
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

/** The secrets the connections name: read credentials (`target`) and write credentials (`writeTarget`). */
interface ConnectionSecrets {
  readonly targetSecretArns: string[];
  readonly writeTargetSecretArns: string[];
}

/** Validates the stack props, all problems at once; returns the connections' secret ARNs. */
const validate = (props: TollgateStackProps): ConnectionSecrets => {
  const { problems: connectionProblems, ...secrets } = checkConnections(props.connections ?? []);
  const deployed = Lazy.string({ produce: () => '' });
  assertNoProblems('TollgateStack', [
    ...identityProblems(props),
    ...found(
      props.groupsClaim?.trim() === '' ? 'groupsClaim must not be empty' : undefined,
      integerProblem('recordingRetentionDays', props.recordingRetentionDays, 1, 36_500),
      // Lambda's synchronous invocation payload limit is 6 MB.
      integerProblem('maxBodyBytes', props.maxBodyBytes, 1, 6_000_000),
      integerProblem(
        'checkpointIntervalMinutes',
        props.checkpointIntervalMinutes,
        1,
        MAX_CHECKPOINT_INTERVAL_MINUTES,
      ),
      matches(props.slackWebhookSecretArn, SECRET_ARN)
        ? undefined
        : `slackWebhookSecretArn must be the full ARN of a Secrets Manager secret, got ${props.slackWebhookSecretArn}`,
    ),
    ...connectionProblems,
    // Names and ARNs of the stack's resources are only known at deploy time: tokens stand in.
    ...environmentSizeProblems(
      sqlEnvironment(props, {
        tableName: deployed,
        maskingKeySecretArn: deployed,
        sealingKeyArn: deployed,
        eventBusName: deployed,
        stateMachineArn: deployed,
      }),
    ),
  ]);
  return secrets;
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
): ConnectionSecrets & { problems: string[] } => {
  const parsed = connectionsSchema.safeParse(connections);
  if (!parsed.success) {
    return {
      targetSecretArns: [],
      writeTargetSecretArns: [],
      problems: parsed.error.issues.map(
        (issue) =>
          `connections${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`,
      ),
    };
  }
  const problems: string[] = [];
  const targetSecretArns = new Set<string>();
  const writeTargetSecretArns = new Map<string, string>();
  parsed.data.forEach((connection, index) => {
    const where = `connections[${index}] (${connection.name})`;
    const target = secretArnOf(where, 'target', connection.target);
    if ('problem' in target) problems.push(target.problem);
    else targetSecretArns.add(target.secretArn);
    const writeTarget = writeTargetOf(connection);
    if (writeTarget !== undefined) {
      const write = secretArnOf(where, 'writeTarget', writeTarget);
      if ('problem' in write) problems.push(write.problem);
      else writeTargetSecretArns.set(write.secretArn, where);
    }
    // API Gateway gives up after 30 s: a longer statement timeout would never answer 504 itself.
    if (connection.limits.statementTimeoutMs > MAX_AWS_STATEMENT_TIMEOUT_MS) {
      problems.push(
        `${where}: limits.statementTimeoutMs must be at most ${MAX_AWS_STATEMENT_TIMEOUT_MS} on AWS (API Gateway answers at 30 s), got ${connection.limits.statementTimeoutMs}`,
      );
    }
  });
  // The SQL function reads every target secret: a write credential among them would let it write.
  for (const [secretArn, where] of writeTargetSecretArns) {
    if (targetSecretArns.has(secretArn)) {
      problems.push(
        `${where}: writeTarget ${secretArn} is also a connection's target, which the SQL function reads; a write credential must be a secret of its own`,
      );
    }
  }
  return {
    targetSecretArns: [...targetSecretArns].sort(),
    writeTargetSecretArns: [...writeTargetSecretArns.keys()].sort(),
    problems,
  };
};

/**
 * A connection's write credential, if it declares one. Read without relying on the schema's
 * type, so the stack keeps the SQL function away from it whatever else the schema adds.
 */
const writeTargetOf = (connection: object): unknown =>
  (connection as { readonly writeTarget?: unknown }).writeTarget;

/** On AWS a credential is a Secrets Manager secret, named by its full ARN. */
const secretArnOf = (
  where: string,
  field: 'target' | 'writeTarget',
  locator: unknown,
): { secretArn: string } | { problem: string } => {
  const secretArn = (locator as { readonly secretArn?: unknown } | null)?.secretArn;
  if (typeof secretArn !== 'string') {
    return {
      problem: `${where}: on AWS the ${field} must be {"secretArn": "arn:aws:secretsmanager:…"}; url, urlEnv and demo targets are for local runs`,
    };
  }
  if (!matches(secretArn, SECRET_ARN)) {
    return {
      problem: `${where}: ${field === 'target' ? '' : `${field}.`}secretArn must be the full ARN of a Secrets Manager secret, got ${secretArn}`,
    };
  }
  return { secretArn };
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
