// Builds the Tollgate stack the way bin/app.ts does (cdk.json feature flags), without bundling.
import { readFileSync } from 'node:fs';
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import { TollgateStack, type TollgateStackProps } from '../../../lib/tollgate-stack.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

export const OIDC = {
  issuer: 'https://login.example.com',
  audience: 'tollgate-api',
  jwksUri: 'https://login.example.com/.well-known/jwks.json',
} as const;

export const COGNITO = {
  cognitoUserPoolId: 'eu-west-1_AbCdEf123',
  cognitoClientId: '1h57kf5cpq17m0eml12EXAMPLE',
} as const;

export const secretArn = (name: string) =>
  `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;

/** A connection as an operator would declare it on AWS. */
export const connection = (name: string, secret = secretArn(name)) => ({
  name,
  kind: 'postgres' as const,
  allowGroups: ['analysts'],
  target: { secretArn: secret },
});

/**
 * An app with the feature flags of cdk.json. `aws:cdk:bundling-stacks: []` makes NodejsFunction
 * skip esbuild (the entry files must still exist), which keeps a synth near one second.
 */
export const newApp = () => new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });

export interface Synthesized {
  readonly app: App;
  readonly stack: TollgateStack;
  readonly template: Template;
}

/** The Tollgate stack with OIDC identity, overridden by `props`, in `app`. */
export const synthesize = (props: Partial<TollgateStackProps> = {}, app = newApp()): Synthesized => {
  const stack = new TollgateStack(app, 'Tollgate', { ...OIDC, ...props });
  return { app, stack, template: Template.fromStack(stack) };
};

/**
 * A VPC owned by another stack of `app`, as an operator's network stack would provide it. Its ids
 * are literals, so using it creates no cross-stack reference.
 */
export const importedVpc = (app: App): ec2.IVpc => {
  const network = new Stack(app, 'Network');
  Validations.of(network).acknowledge({
    id: 'CloudFormation-Validate::F0001',
    reason:
      'Test fixture: this stack only imports an existing VPC and is never deployed, so it has no resources.',
  });
  return ec2.Vpc.fromVpcAttributes(network, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
  });
};

/** Catches what `action` throws; fails the test when it throws nothing. */
export const errorFrom = (action: () => unknown): Error => {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, but none was thrown');
};

/** The logical id of a construct's CloudFormation resource, e.g. of a function's role. */
export const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

export interface Statement {
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: unknown[];
  readonly Condition?: unknown;
}

/** Every statement of the identity policies attached to `role`, actions and resources as arrays. */
export const statementsOf = (template: Template, roleLogicalId: string): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleLogicalId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
    .map((statement) => ({
      Effect: statement.Effect as string,
      Action: ([] as string[]).concat(statement.Action as string | string[]),
      Resource: ([] as unknown[]).concat(statement.Resource),
      ...(statement.Condition ? { Condition: statement.Condition } : {}),
    }));

export const actionsOf = (statements: readonly Statement[]): string[] =>
  [...new Set(statements.flatMap((s) => s.Action))].sort();
