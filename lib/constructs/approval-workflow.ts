// The approval workflow: the Standard state machine a held request waits in for its reviewers,
// deployed from the one definition the local engine also runs (lambdas/core/approval).
import { ArnFormat, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { approvalWorkflowDefinition } from '../../lambdas/core/approval/workflow-definition.js';
import { assertNoProblems, found } from '../props-validation.js';

export interface ApprovalWorkflowProps {
  /** The approval-tasks function: every task state of the workflow invokes it. */
  readonly tasksFunction: lambda.IFunction;

  /**
   * The state machine's name, unique in the account and region. A fixed name makes its ARN known
   * before it exists ({@link ApprovalWorkflow.stateMachineArnFor}), which the approval-tasks
   * function is told without a reference to the state machine: the state machine refers to the
   * function, so a reference back would be a dependency cycle CloudFormation refuses.
   *
   * @default - `<stack name>-approvals`
   */
  readonly stateMachineName?: string;

  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** Step Functions allows 80 letters, digits, `-` and `_`. */
const STATE_MACHINE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const NAME_SUFFIX = '-approvals';

/**
 * A Standard state machine (an approval may wait for days, and a Standard execution runs each
 * state at most once), logging every state transition to its own KMS-encrypted log group and
 * tracing with X-Ray. Its role may invoke the approval-tasks function and nothing else.
 */
export class ApprovalWorkflow extends Construct {
  /** The default state machine name in `scope`'s stack: `<stack name>-approvals`, cut to fit. */
  static defaultStateMachineName(scope: IConstruct): string {
    const stackName = Stack.of(scope).stackName.replace(/[^A-Za-z0-9_-]/g, '-');
    return `${stackName.slice(0, 80 - NAME_SUFFIX.length)}${NAME_SUFFIX}`;
  }

  /** The ARN of the state machine named `name` in `scope`'s stack, built without referring to it. */
  static stateMachineArnFor(
    scope: IConstruct,
    name = ApprovalWorkflow.defaultStateMachineName(scope),
  ): string {
    return Stack.of(scope).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** Encrypts the execution logs. */
  readonly logKey: kms.Key;

  constructor(scope: Construct, id: string, props: ApprovalWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stateMachineName = props.stateMachineName ?? ApprovalWorkflow.defaultStateMachineName(this);
    assertNoProblems(
      'ApprovalWorkflow',
      found(
        Token.isUnresolved(stateMachineName) || STATE_MACHINE_NAME.test(stateMachineName)
          ? undefined
          : `stateMachineName must be 1 to 80 letters, digits, - or _, got ${stateMachineName}`,
      ),
    );

    this.logKey = new kms.Key(this, 'LogKey', {
      description: 'Tollgate: encrypts the execution logs of the approval workflow',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts with the key itself. The condition keeps it to log groups of this
    // account and region: naming the log group's own ARN would make the key depend on the log
    // group, which depends on the key.
    this.logKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: this.logKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const definition = approvalWorkflowDefinition(props.tasksFunction.functionArn);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
      tracingEnabled: true,
      // Every event, but without inputs and outputs: the notify task's parameters carry the task
      // token, which must appear in no log (the token alone lets anyone decide the approval).
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // The definition names the unqualified function ARN, so that ARN alone: no `:*` for
    // versions and aliases, which the CDK's own grantInvoke would add.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.tasksFunction.functionArn],
      }),
    );
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by the CDK for logging and tracing, and supporting no narrower resource: the CloudWatch Logs ' +
        'log-delivery actions (logs:CreateLogDelivery and the like) and xray:PutTraceSegments, ' +
        'PutTelemetryRecords, GetSamplingRules and GetSamplingTargets. Its only other grant is invoking ' +
        'the approval-tasks function, by ARN.',
    });
  }

  /** Lets `grantee` start executions (one per held request): `states:StartExecution` on this machine. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /**
   * Lets `grantee` resume a waiting execution with its task token (`states:SendTaskSuccess`,
   * `states:SendTaskFailure`). The Service Authorization Reference lists no resource type for
   * either action, so the statement must name `*`: the task token is what selects the execution,
   * and it is kept server-side only.
   */
  grantTaskResponse(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
      resourceArns: ['*'],
    });
  }
}
