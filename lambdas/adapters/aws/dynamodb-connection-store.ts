// ConnectionSetStore on DynamoDB: a versioned set (dynamodb-versioned-set.ts documents the items
// and the push protocol) in the partition CONNECTIONSET#<name>, whose content is the whole
// connection list as JSON.
//
//   pk = CONNECTIONSET#default, sk = VERSION#<12-digit n>#<pushId>   { connections (JSON), … }
//   pk = CONNECTIONSET#default, sk = ACTIVE                          { version, pushId, digest }
//
// Locally a `url` target can hold a password: it is then stored here as it is in tollgate.yaml
// (the local data dir is as private as the file). On AWS pushes only take `secretArn` targets.
import type { ConnectionSetStore, StoredConnectionSet, VersionStamp } from '../../core/ports.js';
import {
  contentBytes,
  DynamoDbVersionedSet,
  type DynamoDbVersionedSetOptions,
  type Item,
  MAX_VERSION_CONTENT_BYTES,
} from './dynamodb-versioned-set.js';

export const MAX_CONNECTION_SET_BYTES = MAX_VERSION_CONTENT_BYTES;

export interface DynamoDbConnectionStoreOptions extends DynamoDbVersionedSetOptions {
  /** Name of the connection set; one per deployment today. */
  readonly connectionSet?: string;
}

export class ConnectionSetTooLargeError extends Error {
  constructor(bytes: number) {
    super(
      `The connection list is ${bytes} bytes; a stored version holds at most ${MAX_CONNECTION_SET_BYTES}.`,
    );
    this.name = 'ConnectionSetTooLargeError';
  }
}

export class DynamoDbConnectionStore
  extends DynamoDbVersionedSet<StoredConnectionSet>
  implements ConnectionSetStore
{
  constructor(options: DynamoDbConnectionStoreOptions) {
    super(options, `CONNECTIONSET#${options.connectionSet ?? 'default'}`, 'connection set');
  }

  protected encode(next: Omit<StoredConnectionSet, 'version'>): Item {
    const content = { connections: JSON.stringify(next.connections) };
    const bytes = contentBytes(content);
    if (bytes > MAX_CONNECTION_SET_BYTES) throw new ConnectionSetTooLargeError(bytes);
    return content;
  }

  protected decode(stamp: VersionStamp, item: Item): StoredConnectionSet {
    // Whoever serves a version validates its connections first; a list is all this checks.
    const connections: unknown = JSON.parse(String(item.connections));
    if (!Array.isArray(connections))
      throw new Error(`connection set version ${stamp.version} is corrupt: its connections are not a list`);
    return { ...stamp, connections };
  }
}
