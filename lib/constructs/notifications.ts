// Approval notifications: the EventBridge bus every state change of a held request is published
// on, and the rule that carries those events to an encrypted SNS topic reviewers subscribe to
// (and, when configured, to the Slack notifier).
import { RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * A bus of its own, so that granting `events:PutEvents` on it lets the gateway's functions publish
 * approval events and nothing onto the account's default bus, and a rule that matches Tollgate's
 * events (`source: tollgate`). The events carry masked SQL, never raw values or task tokens.
 */
export class ApprovalNotifications extends Construct {
  /** The `source` of every event Tollgate publishes. */
  static readonly EVENT_SOURCE = 'tollgate';

  readonly eventBus: events.EventBus;
  readonly rule: events.Rule;
  /** Receives every approval event; subscribe reviewers (email, chat, on-call tools) to it. */
  readonly topic: sns.Topic;
  /** Encrypts the topic's messages at rest. */
  readonly topicKey: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.eventBus = new events.EventBus(this, 'Bus', {
      description: 'Tollgate: state changes of requests held for approval',
    });

    // A customer-managed key, because EventBridge must be allowed to use it (the rule target
    // grants that below); the AWS-managed SNS key admits no such grant.
    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Tollgate: encrypts approval notifications in the SNS topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Tollgate approvals',
      masterKey: this.topicKey,
      enforceSSL: true,
    });

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Tollgate: approval events to reviewers',
      eventBus: this.eventBus,
      eventPattern: { source: [ApprovalNotifications.EVENT_SOURCE] },
      // Publishing is authorised by the topic policy (and the key policy), not by a role.
      targets: [new targets.SnsTopic(this.topic)],
    });
    // The target's grant lets EventBridge publish from any rule, in any account. Reviewers act on
    // what this topic tells them (the message says how to approve), so only this rule may.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheApprovalRulePublishes',
        effect: iam.Effect.DENY,
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnNotEquals: { 'aws:SourceArn': this.rule.ruleArn } },
      }),
    );
  }

  /** Lets `grantee` publish events on the approval bus (`events:PutEvents` on this bus only). */
  grantPutEvents(grantee: iam.IGrantable): iam.Grant {
    return this.eventBus.grantPutEventsTo(grantee);
  }

  /** Sends every approval event to `notifier` as well (an asynchronous invocation per event). */
  addNotifier(notifier: lambda.IFunction): void {
    this.rule.addTarget(new targets.LambdaFunction(notifier));
  }
}
