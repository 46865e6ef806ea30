// Just-in-time approvals on AWS, read from the synthesized template: the state machine and the
// definition it deploys, who may seal, open, start, resume and invoke what, and where approval
// events go.
import { createRequire } from 'node:module';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  approvalWorkflowDefinition,
  DENIED_ERROR,
  STATES,
  TRANSIENT_LAMBDA_ERRORS,
} from '../../lambdas/core/approval/workflow-definition.js';
import { ApprovalWorkflow } from '../../lib/constructs/approval-workflow.js';
import { InvalidPropsError } from '../../lib/props-validation.js';
import type { TollgateStack } from '../../lib/tollgate-stack.js';
import {
  actionsOf,
  connection,
  errorFrom,
  importedVpc,
  logicalId,
  newApp,
  type Statement,
  secretArn,
  statementsOf,
  synthesize,
} from './support/synth.js';

/** asl-validator 4 (CommonJS, no typings): `validator(definition) → { isValid, errorsText() }`. */
const validateAsl = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  readonly isValid: boolean;
  errorsText(separator?: string): string;
};

/** Stands in for the approval-tasks function's ARN, which is a token until deployment. */
const TASKS_FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:tollgate-approval-tasks';

interface TaskState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: { readonly FunctionName?: string; readonly Payload?: Record<string, unknown> };
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
  readonly Retry?: { readonly ErrorEquals: string[] }[];
  readonly Catch?: { readonly ErrorEquals: string[]; readonly Next: string }[];
  readonly Next?: string;
}
interface Definition {
  readonly StartAt: string;
  readonly States: Record<string, TaskState>;
}

/**
 * The definition a template deploys. Its DefinitionString joins literal JSON with the function's
 * ARN (`Fn::GetAtt`); the ARN is replaced by {@link TASKS_FUNCTION_ARN}, after checking that it
 * is `functionId`'s and nothing else is unresolved.
 */
const deployedDefinition = (template: Template, functionId: string): Definition => {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  expect(machines).toHaveLength(1);
  const body = machines[0]!.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const parts = typeof body === 'string' ? [body] : body['Fn::Join'][1];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      expect(part).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
      return TASKS_FUNCTION_ARN;
    })
    .join('');
  return JSON.parse(text) as Definition;
};

const taskStates = (definition: Definition) =>
  Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');

const isEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The statements of `statements` that name `resource`. */
const on = (statements: readonly Statement[], resource: unknown) =>
  statements.filter((s) => s.Resource.some((r) => isEqual(r, resource)));

describe('ApprovalWorkflow', () => {
  // GIVEN the workflow around a stand-in for the approval-tasks function
  let workflow: ApprovalWorkflow;
  let template: Template;
  let functionId: string;
  let definition: Definition;
  beforeAll(() => {
    const stack = new Stack(newApp(), 'Workflow');
    const tasksFunction = new lambda.Function(stack, 'Tasks', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => {};'),
    });
    workflow = new ApprovalWorkflow(stack, 'ApprovalWorkflow', { tasksFunction });
    template = Template.fromStack(stack);
    functionId = logicalId(tasksFunction);
    definition = deployedDefinition(template, functionId);
  });

  test('is a Standard state machine that logs ALL events, without execution data, and traces', () => {
    // THEN
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        // Inputs and parameters would put the task token into the logs.
        IncludeExecutionData: false,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [logicalId(workflow.logGroup), 'Arn'] },
            },
          },
        ],
      },
    });
  });

  test('logs to its own log group, encrypted with a rotating key and kept for a year', () => {
    // THEN
    const resources = template.toJSON().Resources;
    const logGroup = resources[logicalId(workflow.logGroup)];
    expect(logGroup.Properties).toEqual({
      KmsKeyId: { 'Fn::GetAtt': [logicalId(workflow.logKey), 'Arn'] },
      RetentionInDays: 365,
    });
    expect(logGroup.DeletionPolicy).toBe('Retain');
    expect(resources[logicalId(workflow.logKey)].Properties.EnableKeyRotation).toBe(true);
  });

  test('lets CloudWatch Logs use the log key only for log groups of its own account and region', () => {
    // THEN
    const key = template.toJSON().Resources[logicalId(workflow.logKey)];
    const forLogs = (key.Properties.KeyPolicy.Statement as Record<string, unknown>[]).filter(
      (s) => (s.Principal as { Service?: unknown }).Service !== undefined,
    );
    expect(forLogs).toEqual([
      expect.objectContaining({
        Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':logs:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':log-group:*',
                ],
              ],
            },
          },
        },
      }),
    ]);
  });

  test('deploys the definition the local engine runs, unchanged', () => {
    // THEN
    expect(definition).toEqual(approvalWorkflowDefinition(TASKS_FUNCTION_ARN));
  });

  test('deploys a definition asl-validator accepts', () => {
    // WHEN (the validator annotates what it is given: it gets a copy)
    const verdict = validateAsl(structuredClone(definition));

    // THEN
    expect(verdict.errorsText()).toBe('');
    expect(verdict.isValid).toBe(true);
  });

  test('waits for the decision on a task token, as long as the approval lives', () => {
    // THEN
    expect(definition.StartAt).toBe(STATES.await);
    const wait = definition.States[STATES.await]!;
    expect(wait).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSecondsPath: '$.Payload.ttlSeconds',
      Parameters: { Payload: { task: 'notify', 'taskToken.$': '$$.Task.Token' } },
      Next: STATES.execute,
    });
    expect(wait.TimeoutSeconds).toBeUndefined();
  });

  test('records a denial as denied and a timeout as expired, and never runs either', () => {
    // THEN
    const catches = definition.States[STATES.await]!.Catch!;
    expect(catches).toEqual([
      expect.objectContaining({ ErrorEquals: [DENIED_ERROR], Next: STATES.denied }),
      expect.objectContaining({ ErrorEquals: ['States.Timeout'], Next: STATES.expired }),
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: STATES.failed }),
    ]);
    for (const record of [STATES.denied, STATES.expired]) {
      expect(definition.States[record]!.Next).toBe(STATES.stopped);
    }
    expect(definition.States[STATES.stopped]!.Type).toBe('Succeed');
  });

  test('retries transient errors of the Lambda service only, never an error of the function', () => {
    // THEN
    const tasks = taskStates(definition);
    expect(tasks.length).toBeGreaterThanOrEqual(5);
    for (const [name, state] of tasks) {
      const retried = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect([name, retried]).toEqual([name, [...TRANSIENT_LAMBDA_ERRORS]]);
    }
    for (const error of TRANSIENT_LAMBDA_ERRORS) expect(error).toMatch(/^Lambda\.\w+Exception$/);
  });

  test('invokes the approval-tasks function in every task', () => {
    // THEN
    for (const [name, state] of taskStates(definition)) {
      expect([name, state.Parameters?.FunctionName]).toEqual([name, TASKS_FUNCTION_ARN]);
    }
  });

  test('rejects a state machine name Step Functions would refuse', () => {
    // GIVEN
    const stack = new Stack(newApp(), 'Names');
    const tasksFunction = lambda.Function.fromFunctionArn(stack, 'Tasks', TASKS_FUNCTION_ARN);

    // WHEN
    const error = errorFrom(
      () =>
        new ApprovalWorkflow(stack, 'Workflow', { tasksFunction, stateMachineName: 'approvals for orders' }),
    );

    // THEN
    expect(error).toBeInstanceOf(InvalidPropsError);
    expect((error as InvalidPropsError).problems).toEqual([
      expect.stringMatching(/^stateMachineName must be 1 to 80 letters, digits, - or _/),
    ]);
  });

  test('names its state machine after the stack, cut to the 80 characters Step Functions allows', () => {
    // GIVEN
    const stack = new Stack(newApp(), 'Tollgate-'.padEnd(100, 'x'));

    // WHEN
    const name = ApprovalWorkflow.defaultStateMachineName(stack);

    // THEN
    expect(name).toHaveLength(80);
    expect(name).toMatch(/^Tollgate-x+-approvals$/);
  });

  test('may invoke the approval-tasks function, by its ARN alone, and do nothing else of its own', () => {
    // THEN
    const statements = statementsOf(template, logicalId(workflow.stateMachine.role));
    expect(statements.filter((s) => s.Action.some((a) => a.startsWith('lambda:')))).toEqual([
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [{ 'Fn::GetAtt': [functionId, 'Arn'] }],
      },
    ]);
    // What the CDK adds for logging and tracing, which takes no narrower resource.
    const wildcard = statements.filter((s) => s.Resource.includes('*'));
    expect(actionsOf(wildcard).filter((a) => !/^(logs|xray):/.test(a))).toEqual([]);
  });
});

describe('TollgateStack approvals', () => {
  // GIVEN the stack with two connections, one of which has a separate write credential
  const connections = [
    { ...connection('orders'), writeTarget: { secretArn: secretArn('orders-writer') } },
    connection('billing'),
  ];
  let stack: TollgateStack;
  let template: Template;
  let sqlStatements: Statement[];
  let taskStatements: Statement[];
  let sealingKeyArn: unknown;
  beforeAll(() => {
    ({ stack, template } = synthesize({ connections }));
    sqlStatements = statementsOf(template, logicalId(stack.sqlFunction.role));
    taskStatements = statementsOf(template, logicalId(stack.approvalTasksFunction.role));
    sealingKeyArn = { 'Fn::GetAtt': [logicalId(stack.sealingKey), 'Arn'] };
  });

  const environmentOf = (fn: { function: lambda.IFunction }) =>
    template.toJSON().Resources[logicalId(fn.function)].Properties.Environment.Variables as Record<
      string,
      unknown
    >;

  describe('the state machine', () => {
    test('deploys a definition asl-validator accepts, invoking the approval-tasks function', () => {
      // WHEN
      const definition = deployedDefinition(template, logicalId(stack.approvalTasksFunction.function));

      // THEN
      expect(validateAsl(structuredClone(definition)).isValid).toBe(true);
      expect(definition).toEqual(approvalWorkflowDefinition(TASKS_FUNCTION_ARN));
    });

    // A reference would be a dependency cycle (state machine → function → state machine), which
    // Template.fromStack, like CloudFormation, refuses.
    test('has a fixed name, so the approval-tasks function is told its ARN without referring to it', () => {
      // THEN
      const name = 'Tollgate-approvals';
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: name });
      expect(environmentOf(stack.approvalTasksFunction).TOLLGATE_APPROVAL_STATE_MACHINE_ARN).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':states:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:stateMachine:${name}`,
          ],
        ],
      });
    });
  });

  describe('the SQL function', () => {
    test('is told the state machine, the sealing key and the event bus', () => {
      // THEN
      expect(environmentOf(stack.sqlFunction)).toMatchObject({
        TOLLGATE_APPROVAL_STATE_MACHINE_ARN: { Ref: logicalId(stack.approvalWorkflow.stateMachine) },
        TOLLGATE_SEALING_KEY_ARN: sealingKeyArn,
        TOLLGATE_EVENT_BUS_NAME: { Ref: logicalId(stack.notifications.eventBus) },
        TOLLGATE_MASKING_KEY_SECRET_ARN: { Ref: logicalId(stack.maskingKey) },
      });
    });

    test('outlasts a 25 s long poll and answers before API Gateway gives up', () => {
      // THEN
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [logicalId(stack.sqlFunction.role), 'Arn'] },
        Timeout: 30,
      });
    });

    test('may start executions of the approval workflow, and of nothing else', () => {
      // THEN
      expect(sqlStatements.filter((s) => s.Action.includes('states:StartExecution'))).toEqual([
        {
          Effect: 'Allow',
          Action: ['states:StartExecution'],
          Resource: [{ Ref: logicalId(stack.approvalWorkflow.stateMachine) }],
        },
      ]);
    });

    test('may pass decisions on with a task token, which no resource ARN can narrow', () => {
      // THEN
      const taskResponses = sqlStatements.filter((s) =>
        s.Action.some((a) => a.startsWith('states:SendTask')),
      );
      expect(taskResponses).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: ['*'] })]);
      expect(taskResponses[0]!.Action.filter((a) => a.startsWith('states:'))).toEqual([
        'states:SendTaskFailure',
        'states:SendTaskSuccess',
      ]);
    });

    test('may seal held requests with the sealing key but not open them', () => {
      // THEN
      expect(on(sqlStatements, sealingKeyArn)).toEqual([
        {
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey'],
          Resource: [sealingKeyArn],
          Condition: { Null: { 'kms:EncryptionContextKeys': 'false' } },
        },
      ]);
      expect(actionsOf(on(sqlStatements, sealingKeyArn))).not.toContain('kms:Decrypt');
    });

    test('may publish on the approval bus and no other', () => {
      // THEN
      expect(sqlStatements.filter((s) => s.Action.some((a) => a.startsWith('events:')))).toEqual([
        {
          Effect: 'Allow',
          Action: ['events:PutEvents'],
          Resource: [{ 'Fn::GetAtt': [logicalId(stack.notifications.eventBus), 'Arn'] }],
        },
      ]);
    });

    test('may read the connections’ read credentials but no write credential', () => {
      // THEN
      const readable = sqlStatements
        .filter((s) => s.Action.includes('secretsmanager:GetSecretValue'))
        .flatMap((s) => s.Resource);
      expect(readable).toEqual(
        expect.arrayContaining([
          secretArn('billing'),
          secretArn('orders'),
          { Ref: logicalId(stack.maskingKey) },
        ]),
      );
      expect(readable).not.toContain(secretArn('orders-writer'));
    });
  });

  describe('the approval-tasks function', () => {
    test('is told the table, the masking and sealing keys, the event bus and the connections', () => {
      // THEN
      const variables = environmentOf(stack.approvalTasksFunction);
      expect(variables).toMatchObject({
        TOLLGATE_TABLE: { Ref: logicalId(stack.table.table) },
        TOLLGATE_MASKING_KEY_SECRET_ARN: { Ref: logicalId(stack.maskingKey) },
        TOLLGATE_SEALING_KEY_ARN: sealingKeyArn,
        TOLLGATE_EVENT_BUS_NAME: { Ref: logicalId(stack.notifications.eventBus) },
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      });
      expect(variables.TOLLGATE_CONNECTIONS).toBe(environmentOf(stack.sqlFunction).TOLLGATE_CONNECTIONS);
      expect(JSON.parse(variables.TOLLGATE_CONNECTIONS as string)).toEqual(connections);
    });

    test('is bundled with the SQL function’s files and has time to run an approved write', () => {
      // THEN
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [logicalId(stack.approvalTasksFunction.role), 'Arn'] },
        Runtime: 'nodejs22.x',
        Timeout: 120,
        TracingConfig: { Mode: 'Active' },
      });
    });

    test('may open sealed requests but not seal them', () => {
      // THEN
      expect(on(taskStatements, sealingKeyArn)).toEqual([
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: [sealingKeyArn],
          Condition: { Null: { 'kms:EncryptionContextKeys': 'false' } },
        },
      ]);
    });

    test('may resume a waiting execution but start none', () => {
      // THEN
      const actions = actionsOf(taskStatements);
      expect(actions).toEqual(expect.arrayContaining(['states:SendTaskFailure', 'states:SendTaskSuccess']));
      expect(actions.filter((a) => a.startsWith('states:'))).toEqual([
        'states:SendTaskFailure',
        'states:SendTaskSuccess',
      ]);
    });

    test('may read items and put them, but not update, delete, scan or administer the table', () => {
      // THEN
      expect(actionsOf(taskStatements).filter((a) => a.startsWith('dynamodb:'))).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
      ]);
    });

    test('may put items only in session and approval partitions, never policy or connection sets', () => {
      // THEN
      expect(taskStatements.filter((s) => s.Action.includes('dynamodb:PutItem'))).toEqual([
        expect.objectContaining({
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SESSION#*', 'APPROVAL#*'] } },
        }),
      ]);
    });

    test('may read the masking key and both credentials of every connection', () => {
      // THEN
      const readable = taskStatements
        .filter((s) => s.Action.includes('secretsmanager:GetSecretValue'))
        .flatMap((s) => s.Resource);
      expect(readable.sort()).toEqual(
        [
          { Ref: logicalId(stack.maskingKey) },
          secretArn('billing'),
          secretArn('orders'),
          secretArn('orders-writer'),
        ].sort(),
      );
    });

    test('may publish on the approval bus', () => {
      // THEN
      expect(on(taskStatements, { 'Fn::GetAtt': [logicalId(stack.notifications.eventBus), 'Arn'] })).toEqual([
        expect.objectContaining({ Action: ['events:PutEvents'] }),
      ]);
    });

    test('runs in the VPC of the SQL function', () => {
      // GIVEN
      const app = newApp();
      const { stack: inVpc, template: t } = synthesize({ vpc: importedVpc(app) }, app);

      // THEN
      const resources = t.toJSON().Resources;
      const vpcConfig = (fn: { function: lambda.IFunction }) =>
        resources[logicalId(fn.function)].Properties.VpcConfig as { SubnetIds: unknown };
      expect(vpcConfig(inVpc.approvalTasksFunction).SubnetIds).toEqual([
        'subnet-0aaaaaaaaaaaaaaa1',
        'subnet-0bbbbbbbbbbbbbbb2',
      ]);
      expect(vpcConfig(inVpc.approvalTasksFunction).SubnetIds).toEqual(
        vpcConfig(inVpc.sqlFunction).SubnetIds,
      );
    });
  });

  describe('the sealing key', () => {
    test('rotates', () => {
      // THEN
      expect(template.toJSON().Resources[logicalId(stack.sealingKey)].Properties.EnableKeyRotation).toBe(
        true,
      );
    });
  });

  describe('notifications', () => {
    test('route every Tollgate event on the approval bus to the SNS topic', () => {
      // THEN
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalId(stack.notifications.eventBus) },
        EventPattern: { source: ['tollgate'] },
        Targets: [Match.objectLike({ Arn: { Ref: logicalId(stack.notifications.topic) } })],
      });
    });

    test('are encrypted in the topic with a rotating key EventBridge may use', () => {
      // THEN
      const resources = template.toJSON().Resources;
      const keyId = logicalId(stack.notifications.topicKey);
      expect(resources[logicalId(stack.notifications.topic)].Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [keyId, 'Arn'],
      });
      expect(resources[keyId].Properties.EnableKeyRotation).toBe(true);
      expect(resources[keyId].Properties.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' } }),
      );
    });

    test('reach the topic over TLS only, and only from the approval rule', () => {
      // THEN
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: logicalId(stack.notifications.topic) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: {
                ArnNotEquals: {
                  'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack.notifications.rule), 'Arn'] },
                },
              },
            }),
          ]),
        },
      });
    });

    test('name the topic in a stack output, for subscribing reviewers', () => {
      // THEN
      template.hasOutput('ApprovalTopicArn', { Value: { Ref: logicalId(stack.notifications.topic) } });
      template.hasOutput('ApprovalEventBusName', { Value: { Ref: logicalId(stack.notifications.eventBus) } });
    });

    test('go to no Slack notifier unless a webhook secret is given', () => {
      // THEN
      expect(stack.notifierFunction).toBeUndefined();
      template.resourceCountIs('AWS::Lambda::Function', 5);
      const rule = template.toJSON().Resources[logicalId(stack.notifications.rule)];
      expect(rule.Properties.Targets).toHaveLength(1);
    });
  });

  describe('with a Slack webhook secret', () => {
    const webhook = secretArn('slack-webhook');
    let slack: TollgateStack;
    let t: Template;
    beforeAll(() => {
      ({ stack: slack, template: t } = synthesize({ slackWebhookSecretArn: webhook }));
    });

    test('the notifier receives every approval event too', () => {
      // THEN
      const notifier = slack.notifierFunction!;
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['tollgate'] },
        Targets: Match.arrayWith([
          Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(notifier.function), 'Arn'] } }),
        ]),
      });
      t.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [logicalId(notifier.function), 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalId(slack.notifications.rule), 'Arn'] },
      });
    });

    test('the notifier is told the secret and the gateway URL', () => {
      // THEN
      const variables =
        t.toJSON().Resources[logicalId(slack.notifierFunction!.function)].Properties.Environment.Variables;
      expect(variables).toMatchObject({
        TOLLGATE_SLACK_WEBHOOK_SECRET_ARN: webhook,
        TOLLGATE_GATEWAY_URL: t.findOutputs('ApiUrl').ApiUrl!.Value,
      });
    });

    test('the notifier may read that secret and nothing else', () => {
      // THEN
      const statements = statementsOf(t, logicalId(slack.notifierFunction!.role));
      expect(statements.filter((s) => s.Action.some((a) => a.startsWith('secretsmanager:')))).toEqual([
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [webhook] },
      ]);
      expect(actionsOf(statements)).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    });

    test('no other function may read it', () => {
      // THEN
      const readers = Object.values(t.findResources('AWS::IAM::Policy')).filter((policy) =>
        JSON.stringify(policy.Properties.PolicyDocument).includes(webhook),
      );
      expect(readers.map((policy) => policy.Properties.Roles)).toEqual([
        [{ Ref: logicalId(slack.notifierFunction!.role) }],
      ]);
    });
  });

  describe('props', () => {
    test('reject a Slack webhook secret that is not a full secret ARN', () => {
      // WHEN
      const error = errorFrom(() => synthesize({ slackWebhookSecretArn: 'slack-webhook' }));

      // THEN
      expect(error).toBeInstanceOf(InvalidPropsError);
      expect((error as InvalidPropsError).problems).toEqual([
        expect.stringMatching(/^slackWebhookSecretArn must be the full ARN of a Secrets Manager secret/),
      ]);
    });

    test('reject a write credential that is not a Secrets Manager secret', () => {
      // GIVEN
      const withUrl = [{ ...connection('orders'), writeTarget: { url: 'postgres://writer:p@db/orders' } }];

      // THEN
      expect(() => synthesize({ connections: withUrl })).toThrow(
        /connections\[0\] \(orders\): on AWS the writeTarget must be \{"secretArn"/,
      );
    });

    test('reject a write credential that is also a read credential, which the SQL function reads', () => {
      // GIVEN billing writes with the secret orders reads with
      const shared = [
        connection('orders'),
        { ...connection('billing'), writeTarget: { secretArn: secretArn('orders') } },
      ];

      // THEN
      expect(() => synthesize({ connections: shared })).toThrow(
        /connections\[1\] \(billing\): writeTarget .* is also a connection's target/,
      );
    });
  });
});
