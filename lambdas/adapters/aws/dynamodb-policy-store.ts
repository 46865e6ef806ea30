// PolicyStore on DynamoDB: a versioned set (dynamodb-versioned-set.ts documents the items and
// the push protocol) in the partition POLICYSET#<name>, whose content is the policy files.
//
//   pk = POLICYSET#default, sk = VERSION#<12-digit n>#<pushId>   { sources (JSON), schema, … }
//   pk = POLICYSET#default, sk = ACTIVE                          { version, pushId, digest }
import type { PolicyStore, StoredPolicyVersion, VersionStamp } from '../../core/ports.js';
import {
  contentBytes,
  DynamoDbVersionedSet,
  type DynamoDbVersionedSetOptions,
  type Item,
  MAX_VERSION_CONTENT_BYTES,
} from './dynamodb-versioned-set.js';

/** DynamoDB's item limit is 400 KB including attribute names; leave room for the metadata. */
export const MAX_POLICY_SET_BYTES = MAX_VERSION_CONTENT_BYTES;

export interface DynamoDbPolicyStoreOptions extends DynamoDbVersionedSetOptions {
  /** Name of the policy set; one per deployment today. */
  readonly policySet?: string;
}

export class PolicySetTooLargeError extends Error {
  constructor(bytes: number) {
    super(`The policy set is ${bytes} bytes; a stored version holds at most ${MAX_POLICY_SET_BYTES}.`);
    this.name = 'PolicySetTooLargeError';
  }
}

export class DynamoDbPolicyStore extends DynamoDbVersionedSet<StoredPolicyVersion> implements PolicyStore {
  constructor(options: DynamoDbPolicyStoreOptions) {
    super(options, `POLICYSET#${options.policySet ?? 'default'}`, 'policy');
  }

  protected encode(next: Omit<StoredPolicyVersion, 'version'>): Item {
    const content = { sources: JSON.stringify(next.sources), schema: next.schema };
    const bytes = contentBytes(content);
    if (bytes > MAX_POLICY_SET_BYTES) throw new PolicySetTooLargeError(bytes);
    return content;
  }

  protected decode(stamp: VersionStamp, item: Item): StoredPolicyVersion {
    return {
      ...stamp,
      sources: JSON.parse(String(item.sources)) as StoredPolicyVersion['sources'],
      schema: String(item.schema),
    };
  }
}
