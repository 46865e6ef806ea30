// A versioned configuration set on DynamoDB, in the session table: immutable version items and
// one ACTIVE pointer per set. The policy store and the connection store are this, each with its
// own partition and content attributes. Single-item conditional writes only (dynalite, the local
// stand-in, has no transactions), so a push is two writes, and a push that dies between them
// must not wedge the next one:
//
//   pk = <partition>, sk = VERSION#<12-digit n>#<pushId>   one candidate for version n
//   pk = <partition>, sk = ACTIVE                          { version, pushId, digest }
//
// A push for `expectedActive = a` writes a candidate for version a + 1 under its own random
// pushId (attribute_not_exists: candidates are never overwritten), then moves ACTIVE from a to
// a + 1 with `version = :a` (`attribute_not_exists(pk)` for the first push). The pointer move is
// the commit: of several candidates for one number, exactly one can be activated; a candidate
// whose push lost the race or died before the pointer moved is never active and never listed —
// the next push simply writes its own candidate for the same number. Version numbers therefore
// stay gapless (always expectedActive + 1), so a caller can record the number before pushing.
//
// Every candidate notes `previousPushId`, the pushId of the version it replaces (ACTIVE is read
// before the candidate is written, and an active number's pushId never changes), so history is
// the chain ACTIVE → previousPushId → … and version n < active is found through any candidate of
// n + 1.
import { randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { VersionedSetStore, VersionStamp } from '../../core/ports.js';
import { isConditionFailure } from './dynamodb-conditions.js';

const ACTIVE = 'ACTIVE';
const VERSION_PREFIX = 'VERSION#';
const versionPrefix = (version: number) => `${VERSION_PREFIX}${String(version).padStart(12, '0')}#`;
const candidateKey = (version: number, pushId: string) => `${versionPrefix(version)}${pushId}`;
/** DynamoDB's item limit is 400 KB including attribute names; leave room for the metadata. */
export const MAX_VERSION_CONTENT_BYTES = 380_000;

export type Item = Record<string, unknown>;

// `version` and `comment` are DynamoDB reserved words.
const NAMES = { '#version': 'version', '#comment': 'comment' };
const STAMP_PROJECTION = '#version, pushId, previousPushId, digest, createdAt, createdBy, #comment';
/** Item attributes a subclass's content must not use. */
const RESERVED = new Set([
  'pk',
  'sk',
  'version',
  'pushId',
  'previousPushId',
  'digest',
  'createdAt',
  'createdBy',
  'comment',
]);

const stampOf = (item: Item): VersionStamp => ({
  version: Number(item.version),
  digest: String(item.digest),
  createdAt: String(item.createdAt),
  createdBy: String(item.createdBy),
  comment: typeof item.comment === 'string' ? item.comment : undefined,
});

export interface DynamoDbVersionedSetOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Identifies a push's candidate item; random by default. */
  readonly newPushId?: () => string;
}

/**
 * The set's content as item attributes, and back. `encode` throws (before anything is written)
 * when the content cannot be stored, e.g. because it is too large.
 */
export abstract class DynamoDbVersionedSet<V extends VersionStamp> implements VersionedSetStore<V> {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly pk: string;
  private readonly newPushId: () => string;
  /** `policy`, `connection set`: in error messages. */
  private readonly noun: string;

  protected constructor(options: DynamoDbVersionedSetOptions, partition: string, noun: string) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.pk = partition;
    this.newPushId = options.newPushId ?? randomUUID;
    this.noun = noun;
  }

  /** The content attributes of a version (strings count against MAX_VERSION_CONTENT_BYTES). */
  protected abstract encode(next: Omit<V, 'version'>): Item;
  /** The version from its item. */
  protected abstract decode(stamp: VersionStamp, item: Item): V;

  async active(): Promise<V | undefined> {
    const pointer = await this.pointer();
    if (!pointer) return undefined;
    return this.candidate(pointer.version, pointer.pushId);
  }

  async get(version: number): Promise<V | undefined> {
    if (!Number.isInteger(version) || version < 1) return undefined;
    const pointer = await this.pointer();
    if (!pointer || version > pointer.version) return undefined;
    if (version === pointer.version) return this.candidate(version, pointer.pushId);
    // Every candidate of version + 1 was written while `version` was active, so each names it.
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': this.pk, ':prefix': versionPrefix(version + 1) },
        ProjectionExpression: 'previousPushId',
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const pushId = Items?.[0]?.previousPushId;
    if (typeof pushId !== 'string') throw new Error(`${this.noun} version ${version + 1} is missing`);
    return this.candidate(version, pushId);
  }

  async list(limit: number): Promise<VersionStamp[]> {
    const pointer = await this.pointer();
    if (!pointer || limit < 1) return [];
    // Walk the chain from ACTIVE down through the candidates, newest first; candidates that were
    // never activated (lost races, pushes that died half-way) are not on it.
    let want = { version: pointer.version, pushId: pointer.pushId };
    const versions: VersionStamp[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': this.pk,
            ':from': versionPrefix(1),
            ':to': `${versionPrefix(pointer.version)}\uffff`,
          },
          ProjectionExpression: STAMP_PROJECTION,
          ExpressionAttributeNames: NAMES,
          ScanIndexForward: false,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (Number(item.version) !== want.version || item.pushId !== want.pushId) continue;
        versions.push(stampOf(item));
        if (versions.length >= limit || want.version === 1) return versions;
        want = { version: want.version - 1, pushId: String(item.previousPushId) };
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return versions;
  }

  async push(next: Omit<V, 'version'>, expectedActive: number): Promise<V | 'conflict'> {
    const content = this.encode(next);
    const clash = Object.keys(content).find((name) => RESERVED.has(name));
    if (clash) throw new Error(`${this.noun} content may not use the attribute ${clash}`);

    const pointer = await this.pointer();
    if ((pointer?.version ?? 0) !== expectedActive) return 'conflict';
    const version = expectedActive + 1;
    const pushId = this.newPushId();

    // 1. The candidate: immutable, never overwritten.
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: this.pk,
            sk: candidateKey(version, pushId),
            version,
            pushId,
            previousPushId: pointer?.pushId ?? null,
            ...content,
            digest: next.digest,
            createdAt: next.createdAt,
            createdBy: next.createdBy,
            ...(next.comment === undefined ? {} : { comment: next.comment }),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }

    // 2. The commit: move ACTIVE from the expected version. A lost race leaves the candidate
    // above unreferenced, which is harmless.
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk, sk: ACTIVE },
          UpdateExpression: 'SET #version = :version, pushId = :pushId, digest = :digest, activatedAt = :at',
          ConditionExpression: expectedActive === 0 ? 'attribute_not_exists(pk)' : '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: {
            ':version': version,
            ':pushId': pushId,
            ':digest': next.digest,
            ':at': next.createdAt,
            ...(expectedActive === 0 ? {} : { ':expected': expectedActive }),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
    return { ...next, version } as V;
  }

  private async pointer(): Promise<{ version: number; pushId: string } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: this.pk, sk: ACTIVE },
        ProjectionExpression: '#version, pushId',
        ExpressionAttributeNames: { '#version': 'version' },
        ConsistentRead: true,
      }),
    );
    return Item ? { version: Number(Item.version), pushId: String(Item.pushId) } : undefined;
  }

  private async candidate(version: number, pushId: string): Promise<V> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: this.pk, sk: candidateKey(version, pushId) },
        ConsistentRead: true,
      }),
    );
    if (!Item) throw new Error(`${this.noun} version ${version} (${pushId}) is missing`);
    return this.decode(stampOf(Item), Item);
  }
}

/** Bytes of the string attributes of some content: what counts against the item limit. */
export const contentBytes = (content: Item): number =>
  Object.values(content).reduce<number>(
    (sum, value) => sum + (typeof value === 'string' ? Buffer.byteLength(value) : 0),
    0,
  );
