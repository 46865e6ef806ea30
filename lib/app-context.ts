// Turns CDK context (`cdk deploy -c issuer=…`, or "context" in cdk.json) into TollgateStack props,
// with a placeholder identity so that a bare `cdk synth` works.
import type { Node } from 'constructs';
import type { ConnectionDeclaration, TollgateStackProps } from './tollgate-stack.js';

/**
 * Used when no identity context is given. Nothing can obtain tokens for it, so a stack deployed
 * with it rejects every request.
 */
export const PLACEHOLDER_IDENTITY = {
  issuer: 'https://issuer.example.com',
  audience: 'tollgate',
  jwksUri: 'https://issuer.example.com/.well-known/jwks.json',
} as const;

/** The context keys read, all optional. */
export const CONTEXT_KEYS = [
  'issuer',
  'audience',
  'jwksUri',
  'cognitoUserPoolId',
  'cognitoClientId',
  'groupsClaim',
  'connections',
  'retentionDays',
  'maxBodyBytes',
  'slackWebhookSecretArn',
  'checkpointIntervalMinutes',
] as const;

export interface ContextStackProps {
  readonly props: TollgateStackProps;
  /** True when no identity context was given and {@link PLACEHOLDER_IDENTITY} is in use. */
  readonly placeholderIdentity: boolean;
}

/** Reads the context keys in {@link CONTEXT_KEYS}; the stack validates the values. */
export const stackPropsFromContext = (node: Node): ContextStackProps => {
  const text = (key: string): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    return String(value);
  };
  const number = (key: string): number | undefined => {
    const value = text(key);
    return value === undefined ? undefined : Number(value);
  };

  const identityKeys = ['issuer', 'audience', 'jwksUri', 'cognitoUserPoolId', 'cognitoClientId'];
  const placeholderIdentity = identityKeys.every((key) => text(key) === undefined);
  const identity = placeholderIdentity
    ? PLACEHOLDER_IDENTITY
    : {
        issuer: text('issuer'),
        audience: text('audience'),
        jwksUri: text('jwksUri'),
        cognitoUserPoolId: text('cognitoUserPoolId'),
        cognitoClientId: text('cognitoClientId'),
      };

  return {
    placeholderIdentity,
    props: {
      ...identity,
      groupsClaim: text('groupsClaim'),
      connections: connectionsFromContext(node.tryGetContext('connections')),
      recordingRetentionDays: number('retentionDays'),
      maxBodyBytes: number('maxBodyBytes'),
      slackWebhookSecretArn: text('slackWebhookSecretArn'),
      checkpointIntervalMinutes: number('checkpointIntervalMinutes'),
    },
  };
};

/** `connections` is a JSON array: a string from the command line, an array from cdk.json. */
const connectionsFromContext = (value: unknown): ConnectionDeclaration[] | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new Error(`context "connections" is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!Array.isArray(parsed)) throw new Error('context "connections" must be a JSON array of connections');
  // The stack validates each element against the connection schema.
  return parsed as ConnectionDeclaration[];
};
