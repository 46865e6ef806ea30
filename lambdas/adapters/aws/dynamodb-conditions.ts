// The one way the DynamoDB adapters recognise a failed condition (a lost race, a taken key): by
// class, or by name when the error crossed a module boundary (a bundled or mocked client).
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
