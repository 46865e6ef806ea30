// The Tollgate stack's security-relevant properties, read from the synthesized template.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { InvalidPropsError } from '../../lib/props-validation.js';
import type { TollgateStack } from '../../lib/tollgate-stack.js';
import {
  actionsOf,
  COGNITO,
  connection,
  errorFrom,
  importedVpc,
  logicalId,
  newApp,
  OIDC,
  type Statement,
  secretArn,
  statementsOf,
  synthesize,
} from './support/synth.js';

const SQL_ROUTE = 'POST /v1/connections/{name}/sql';
/** Held requests: the requester's status, and the reviewers' list, view and decisions. */
const APPROVAL_ROUTES = [
  'GET /v1/requests/{requestId}',
  'GET /v1/approvals',
  'GET /v1/approvals/{approvalId}',
  'POST /v1/approvals/{approvalId}/approve',
  'POST /v1/approvals/{approvalId}/deny',
];
/** The recordings: a listing and one session's timeline. */
const SESSION_ROUTES = ['GET /v1/sessions', 'GET /v1/sessions/{sessionId}'];
/** Evidence exports: start one, then its status and download. */
const EVIDENCE_ROUTES = ['POST /v1/evidence/exports', 'GET /v1/evidence/exports/{exportId}'];

describe('TollgateStack', () => {
  // GIVEN the stack with its defaults (one synth shared by the read-only assertions below)
  let stack: TollgateStack;
  let template: Template;
  let recordingsBucketId: string;
  let sqlStatements: Statement[];
  let archiverStatements: Statement[];
  beforeAll(() => {
    ({ stack, template } = synthesize());
    recordingsBucketId = logicalId(stack.recordings.bucket);
    sqlStatements = statementsOf(template, logicalId(stack.sqlFunction.role));
    archiverStatements = statementsOf(template, logicalId(stack.archiverFunction.role));
  });

  describe('recordings bucket', () => {
    test('locks every object version in COMPLIANCE mode for 365 days by default', () => {
      // THEN
      template.hasResourceProperties('AWS::S3::Bucket', {
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
        },
      });
    });

    test('locks objects for the configured number of days', () => {
      // WHEN
      const { template: custom } = synthesize({ recordingRetentionDays: 2555 });

      // THEN
      custom.hasResourceProperties('AWS::S3::Bucket', {
        ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } } },
      });
    });

    test('keeps every object version', () => {
      // THEN
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          ObjectLockEnabled: true,
          VersioningConfiguration: { Status: 'Enabled' },
        }),
      });
    });

    test('encrypts objects with its own customer-managed key, which rotates', () => {
      // THEN
      const keyId = logicalId(stack.recordings.encryptionKey);
      expect(template.toJSON().Resources[keyId].Properties.EnableKeyRotation).toBe(true);
      template.hasResourceProperties('AWS::S3::Bucket', {
        ObjectLockEnabled: true,
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
              },
            },
          ],
        },
      });
    });

    test('blocks all public access, on the recordings and the access-log bucket alike', () => {
      // THEN
      const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
      expect(buckets).toHaveLength(2);
      for (const bucket of buckets) {
        expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
      }
    });

    test('refuses requests that do not use TLS 1.2 or later', () => {
      // THEN
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: recordingsBucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            }),
          ]),
        },
      });
    });

    test('writes server access logs to a separate bucket', () => {
      // THEN
      template.hasResourceProperties('AWS::S3::Bucket', {
        ObjectLockEnabled: true,
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalId(stack.recordings.accessLogsBucket) },
          LogFilePrefix: 'recordings/',
        },
      });
    });

    test('outlives the stack, as do its key and its access logs', () => {
      // THEN
      for (const construct of [
        stack.recordings.bucket,
        stack.recordings.accessLogsBucket,
        stack.recordings.encryptionKey,
      ]) {
        const resource = template.toJSON().Resources[logicalId(construct)];
        expect(resource.DeletionPolicy).toBe('Retain');
        expect(resource.UpdateReplacePolicy).toBe('Retain');
      }
    });

    test('rejects a retention outside 1 to 36500 days', () => {
      // THEN
      expect(() => synthesize({ recordingRetentionDays: 0 })).toThrow(
        /recordingRetentionDays must be an integer/,
      );
    });
  });

  describe('metadata table', () => {
    test('is keyed by pk and sk, both strings, and billed on demand', () => {
      // THEN
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      });
    });

    test('has point-in-time recovery and deletion protection', () => {
      // THEN
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
    });

    test('is encrypted with its own customer-managed key, which rotates', () => {
      // THEN
      const keyId = logicalId(stack.table.encryptionKey);
      expect(template.toJSON().Resources[keyId].Properties.EnableKeyRotation).toBe(true);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
        },
      });
    });

    test('streams new images for the archiver', () => {
      // THEN
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      });
    });

    test('outlives the stack', () => {
      // THEN
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });
  });

  describe('functions', () => {
    test('all five run Node.js 22 on arm64 with active tracing', () => {
      // THEN
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(functions).toHaveLength(5);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
          Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
        });
      }
    });

    test('log to their own log groups, kept for a year', () => {
      // THEN
      for (const fn of [
        stack.sqlFunction,
        stack.healthFunction,
        stack.fallbackFunction,
        stack.archiverFunction,
        stack.approvalTasksFunction,
      ]) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          Role: { 'Fn::GetAtt': [logicalId(fn.role), 'Arn'] },
          LoggingConfig: { LogGroup: { Ref: logicalId(fn.logGroup) } },
        });
        expect(template.toJSON().Resources[logicalId(fn.logGroup)].Properties.RetentionInDays).toBe(365);
      }
    });

    test('the SQL function gets the identity, connection and table settings it reads', () => {
      // THEN
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [logicalId(stack.sqlFunction.role), 'Arn'] },
        MemorySize: 1024,
        Timeout: 30,
        Environment: {
          Variables: {
            TOLLGATE_TABLE: { Ref: logicalId(stack.table.table) },
            TOLLGATE_ISSUER: OIDC.issuer,
            TOLLGATE_AUDIENCE: OIDC.audience,
            TOLLGATE_JWKS_URI: OIDC.jwksUri,
            TOLLGATE_GROUPS_CLAIM: 'groups',
            TOLLGATE_CONNECTIONS: '[]',
            TOLLGATE_MAX_BODY_BYTES: '262144',
            NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
    });

    test('the SQL and approval-tasks functions run in the given VPC, the others outside any VPC', () => {
      // GIVEN
      const app = newApp();
      const vpc = importedVpc(app);

      // WHEN
      const { stack: inVpc, template: t } = synthesize({ vpc }, app);

      // THEN
      const functions = t.toJSON().Resources;
      for (const fn of [inVpc.sqlFunction, inVpc.approvalTasksFunction]) {
        expect(functions[logicalId(fn.function)].Properties.VpcConfig).toMatchObject({
          SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
        });
      }
      for (const fn of [inVpc.healthFunction, inVpc.fallbackFunction, inVpc.archiverFunction]) {
        expect(functions[logicalId(fn.function)].Properties.VpcConfig).toBeUndefined();
      }
    });

    test('the archiver gets the table and bucket names, the checkpoint and the evidence signing keys', () => {
      // THEN
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [logicalId(stack.archiverFunction.role), 'Arn'] },
        Environment: {
          Variables: {
            TOLLGATE_TABLE: { Ref: logicalId(stack.table.table) },
            TOLLGATE_RECORDINGS_BUCKET: { Ref: recordingsBucketId },
            TOLLGATE_SIGNING_KEY_ARN: { 'Fn::GetAtt': [logicalId(stack.checkpointSigningKey.key), 'Arn'] },
            TOLLGATE_EVIDENCE_KEY_ARN: { 'Fn::GetAtt': [logicalId(stack.evidenceSigningKey.key), 'Arn'] },
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
    });

    test('the SQL function gets the bucket and the archiver it queues evidence exports with', () => {
      // THEN
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [logicalId(stack.sqlFunction.role), 'Arn'] },
        Environment: {
          Variables: {
            TOLLGATE_RECORDINGS_BUCKET: { Ref: recordingsBucketId },
            TOLLGATE_ARCHIVER_FUNCTION: { Ref: logicalId(stack.archiverFunction.function) },
          },
        },
      });
    });
  });

  describe('least privilege', () => {
    test('the SQL function may only get objects under exports/ (to presign export downloads), nothing else in S3', () => {
      // THEN
      expect(sqlStatements.filter((s) => s.Action.some((action) => action.startsWith('s3:')))).toEqual([
        {
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [recordingsBucketId, 'Arn'] }, '/exports/*']] }],
        },
      ]);
    });

    test('the SQL function may only decrypt with the recordings key (to read an export), not encrypt', () => {
      // THEN
      const keyArn = { 'Fn::GetAtt': [logicalId(stack.recordings.encryptionKey), 'Arn'] };
      const keyActions = actionsOf(sqlStatements.filter((s) => s.Resource.some((r) => isEqual(r, keyArn))));
      expect(keyActions).toEqual(['kms:Decrypt']);
    });

    test('the SQL function may invoke the archiver alone (to start an export), and no other function', () => {
      // THEN
      const archiverArn = { 'Fn::GetAtt': [logicalId(stack.archiverFunction.function), 'Arn'] };
      expect(sqlStatements.filter((s) => s.Action.some((action) => action.startsWith('lambda:')))).toEqual([
        {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: [archiverArn, { 'Fn::Join': ['', [archiverArn, ':*']] }],
        },
      ]);
    });

    test('the archiver has no version or alias, so its qualified ARNs name only $LATEST', () => {
      // THEN
      template.resourceCountIs('AWS::Lambda::Version', 0);
      template.resourceCountIs('AWS::Lambda::Alias', 0);
    });

    test('no role but the SQL function may invoke the archiver', () => {
      // THEN
      const archiverArn = JSON.stringify({
        'Fn::GetAtt': [logicalId(stack.archiverFunction.function), 'Arn'],
      });
      const invoking = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) =>
          (
            policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]
          ).some(
            (s) =>
              [s.Action].flat().includes('lambda:InvokeFunction') &&
              JSON.stringify(s.Resource).includes(archiverArn),
          ),
        )
        .map((policy) => policy.Properties.Roles);
      expect(invoking).toEqual([[{ Ref: logicalId(stack.sqlFunction.role) }]]);
    });

    test('the SQL function may read items and put items, but not delete, scan or administer the table', () => {
      // THEN
      expect(actionsOf(sqlStatements).filter((action) => action.startsWith('dynamodb:'))).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
      ]);
    });

    test('the SQL function may put items only in session and approval partitions, the access audit and export jobs, never policy or connection sets', () => {
      // THEN
      const puts = sqlStatements.filter((statement) =>
        [statement.Action].flat().includes('dynamodb:PutItem'),
      );
      expect(puts).toEqual([
        expect.objectContaining({
          Condition: {
            'ForAllValues:StringLike': {
              'dynamodb:LeadingKeys': [
                'SESSION#*',
                'APPROVAL#*',
                'REQUEST#*',
                'APPROVALS#*',
                'SYSTEM#tollgate:access-audit',
              ],
            },
          },
        }),
        expect.objectContaining({
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EXPORT#*'] } },
        }),
      ]);
    });

    test('the SQL function reads only the masking key when no connection is declared', () => {
      // THEN
      // Only the masking key: GetSecretValue and DescribeSecret on that one secret.
      const secretStatements = sqlStatements.filter((s) =>
        s.Action.some((a) => a.startsWith('secretsmanager:')),
      );
      expect(secretStatements).toEqual([
        {
          Effect: 'Allow',
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          Resource: [{ Ref: logicalId(stack.maskingKey) }],
        },
      ]);
    });

    test('the SQL function may read exactly the secrets of the declared connections', () => {
      // GIVEN two connections, two of them sharing one secret
      const connections = [
        connection('orders'),
        connection('billing'),
        connection('orders-ro', secretArn('orders')),
      ];

      // WHEN
      const { stack: withConnections, template: t } = synthesize({ connections });

      // THEN
      const secretStatements = statementsOf(t, logicalId(withConnections.sqlFunction.role)).filter(
        (s) =>
          s.Action.some((action) => action.startsWith('secretsmanager:')) &&
          !JSON.stringify(s.Resource).includes(logicalId(withConnections.maskingKey)),
      );
      expect(secretStatements).toEqual([
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: [secretArn('billing'), secretArn('orders')],
        },
      ]);
    });

    test('the archiver may put and get objects in the recordings bucket and list it, and nothing else in S3', () => {
      // THEN
      const s3Statements = archiverStatements.filter((s) =>
        s.Action.some((action) => action.startsWith('s3:')),
      );
      expect(s3Statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [recordingsBucketId, 'Arn'] }, '/*']] }],
        },
        {
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: [{ 'Fn::GetAtt': [recordingsBucketId, 'Arn'] }],
        },
      ]);
    });

    test('the archiver may encrypt and decrypt with the recordings key, and nothing more', () => {
      // THEN
      const keyArn = { 'Fn::GetAtt': [logicalId(stack.recordings.encryptionKey), 'Arn'] };
      const keyActions = actionsOf(
        archiverStatements.filter((s) => s.Resource.some((r) => isEqual(r, keyArn))),
      );
      expect(keyActions).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    });

    test('the archiver may read items and the stream, and write items, but not scan, batch-write or administer the table', () => {
      // THEN (where each write may go: test/infra/evidence.test.ts)
      expect(actionsOf(archiverStatements).filter((action) => action.startsWith('dynamodb:'))).toEqual([
        'dynamodb:DeleteItem',
        'dynamodb:DescribeStream',
        'dynamodb:GetItem',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
    });

    test('health and fallback may only write their logs and traces', () => {
      // THEN
      for (const fn of [stack.healthFunction, stack.fallbackFunction]) {
        expect(actionsOf(statementsOf(template, logicalId(fn.role)))).toEqual([
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ]);
      }
    });

    test('no role has a managed policy or a wildcard action', () => {
      // THEN
      const roles = Object.entries(template.findResources('AWS::IAM::Role'));
      expect(roles.length).toBeGreaterThanOrEqual(4);
      expect(
        roles.filter(([, role]) => role.Properties.ManagedPolicyArns !== undefined).map(([id]) => id),
      ).toEqual([]);
      const allStatements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
        (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
      );
      expect(allStatements.length).toBeGreaterThan(0);
      expect(allStatements.flatMap((s) => s.Action).filter((action) => action.includes('*'))).toEqual([]);
    });
  });

  describe('archiver stream', () => {
    test('consumes the table stream from the oldest record, in batches, bisecting failures', () => {
      // THEN
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.table.table), 'StreamArn'] },
        FunctionName: { Ref: logicalId(stack.archiverFunction.function) },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 60,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.archiverDeadLetterQueue), 'Arn'] } },
        },
      });
    });

    test('sends failed batches to an encrypted, SSL-only dead-letter queue', () => {
      // THEN
      const queueId = logicalId(stack.archiverDeadLetterQueue);
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  describe('HTTP API', () => {
    test('routes SQL, approvals, recordings, evidence exports, health and everything else to their functions', () => {
      // THEN
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
        (route) => route.Properties.RouteKey,
      );
      expect(routes.sort()).toEqual(
        [
          '$default',
          'GET /healthz',
          'GET /openapi.json',
          'GET /v1/connections',
          'GET /v1/connections/{name}',
          SQL_ROUTE,
          ...APPROVAL_ROUTES,
          ...SESSION_ROUTES,
          ...EVIDENCE_ROUTES,
        ].sort(),
      );
      for (const [routeKey, fn] of [
        [SQL_ROUTE, stack.sqlFunction],
        ...[...APPROVAL_ROUTES, ...SESSION_ROUTES, ...EVIDENCE_ROUTES].map(
          (route) => [route, stack.sqlFunction] as const,
        ),
        ['GET /healthz', stack.healthFunction],
        ['$default', stack.fallbackFunction],
      ] as const) {
        const integrationId = integrationOf(template, routeKey);
        expect(template.toJSON().Resources[integrationId].Properties).toMatchObject({
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
          IntegrationUri: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] },
        });
      }
    });

    test('logs every request as JSON to CloudWatch Logs, without headers or bodies', () => {
      // THEN
      const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
      expect(stages).toHaveLength(1);
      const { AccessLogSettings, StageName, AutoDeploy } = stages[0]!.Properties;
      expect({ StageName, AutoDeploy }).toEqual({ StageName: '$default', AutoDeploy: true });
      expect(AccessLogSettings.DestinationArn).toEqual({
        'Fn::GetAtt': [logicalId(stack.httpApi.accessLogGroup), 'Arn'],
      });
      const format = JSON.parse(AccessLogSettings.Format);
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
      });
      expect(AccessLogSettings.Format).not.toMatch(/header|requestBody|authorizer/i);
    });

    test('throttles the stage by default', () => {
      // THEN
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      });
    });

    test('uses no API Gateway authorizer: the functions verify JWTs', () => {
      // THEN
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    });

    test('outputs the API URL, the table and bucket names, where approval events go and the signing keys', () => {
      // THEN
      expect(Object.keys(template.findOutputs('*')).sort()).toEqual([
        'ApiUrl',
        'ApprovalEventBusName',
        'ApprovalTopicArn',
        'CheckpointSigningKeyArn',
        'EvidenceSigningKeyArn',
        'RecordingsBucketName',
        'TableName',
      ]);
      template.hasOutput('TableName', { Value: { Ref: logicalId(stack.table.table) } });
      template.hasOutput('RecordingsBucketName', { Value: { Ref: recordingsBucketId } });
    });
  });

  describe('identity', () => {
    test('in Cognito mode the SQL function gets the pool and client, and no OIDC settings', () => {
      // WHEN
      const { stack: cognito, template: t } = synthesize({ ...COGNITO, ...noOidc });

      // THEN
      const fn = t.toJSON().Resources[logicalId(cognito.sqlFunction.function)];
      const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(variables).toMatchObject({
        TOLLGATE_COGNITO_USER_POOL_ID: COGNITO.cognitoUserPoolId,
        TOLLGATE_COGNITO_CLIENT_ID: COGNITO.cognitoClientId,
        TOLLGATE_GROUPS_CLAIM: 'cognito:groups',
      });
      expect(Object.keys(variables).filter((name) => /ISSUER|AUDIENCE|JWKS/.test(name))).toEqual([]);
    });

    test('rejects both identity modes at once', () => {
      // THEN
      expect(() => synthesize({ ...OIDC, ...COGNITO })).toThrow(/not both/);
    });

    test('rejects neither identity mode', () => {
      // THEN
      expect(() => synthesize(noOidc)).toThrow(/an identity provider is required/);
    });

    test('rejects an incomplete OIDC mode, naming what is missing', () => {
      // THEN
      expect(() => synthesize({ jwksUri: undefined })).toThrow(/OIDC mode also needs jwksUri/);
    });

    test('reports every problem at once', () => {
      // WHEN
      const error = errorFrom(() =>
        synthesize({ issuer: 'http://login.example.com', recordingRetentionDays: 1.5, maxBodyBytes: 0 }),
      );

      // THEN
      expect(error).toBeInstanceOf(InvalidPropsError);
      expect((error as InvalidPropsError).problems).toEqual([
        expect.stringMatching(/^issuer must be an https URL/),
        expect.stringMatching(/^recordingRetentionDays must be an integer/),
        expect.stringMatching(/^maxBodyBytes must be an integer/),
      ]);
    });
  });

  describe('connections', () => {
    test('are passed to the SQL function as JSON', () => {
      // WHEN
      const connections = [connection('orders')];
      const { stack: s, template: t } = synthesize({ connections });

      // THEN
      const variables =
        t.toJSON().Resources[logicalId(s.sqlFunction.function)].Properties.Environment.Variables;
      expect(JSON.parse(variables.TOLLGATE_CONNECTIONS)).toEqual(connections);
    });

    test('must point at a Secrets Manager secret on AWS', () => {
      // GIVEN a connection with a plaintext URL
      const connections = [{ ...connection('orders'), target: { url: 'postgres://u:p@db/orders' } }];

      // THEN
      expect(() => synthesize({ connections })).toThrow(/on AWS the target must be \{"secretArn"/);
    });

    test('must time out before API Gateway does', () => {
      // GIVEN a statement timeout longer than API Gateway's 30 s
      const connections = [{ ...connection('orders'), limits: { statementTimeoutMs: 60_000 } }];

      // THEN
      expect(() => synthesize({ connections })).toThrow(/statementTimeoutMs must be at most 25000 on AWS/);
    });

    test('must match the connection schema', () => {
      // GIVEN a connection nobody may use
      const connections = [{ ...connection('orders'), allowGroups: [] }];

      // THEN
      expect(() => synthesize({ connections })).toThrow(/connections\[0\]\.allowGroups/);
    });

    test('must fit in the 4 KB Lambda allows for environment variables', () => {
      // GIVEN many connections with long descriptions
      const connections = Array.from({ length: 12 }, (_, i) => ({
        ...connection(`db-${i}`),
        description: 'x'.repeat(400),
      }));

      // THEN
      expect(() => synthesize({ connections })).toThrow(/Lambda allows 4096/);
    });
  });
});

const noOidc = { issuer: undefined, audience: undefined, jwksUri: undefined };

const isEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The logical id of the integration behind a route key. */
const integrationOf = (template: Template, routeKey: string): string => {
  const route = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).find(
    (r) => r.Properties.RouteKey === routeKey,
  );
  const target = route?.Properties.Target as { 'Fn::Join': [string, unknown[]] };
  const ref = target['Fn::Join'][1].find((part) => typeof part === 'object') as { Ref: string };
  return ref.Ref;
};
