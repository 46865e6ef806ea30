// DynamoDbConnectionStore: the ConnectionSetStore contract against a real in-memory dynalite
// (versions, the ACTIVE pointer, races, a push that dies half-way, its own partition beside the
// policy set), and DynamoDB's failure paths with a mocked client. The versioned-set mechanics it
// shares with the policy store are tested in depth in dynamodb-policy-store.test.ts.
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { jest } from '@jest/globals';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import {
  ConnectionSetTooLargeError,
  DynamoDbConnectionStore,
  MAX_CONNECTION_SET_BYTES,
} from '../../../lambdas/adapters/aws/dynamodb-connection-store.js';
import { DynamoDbPolicyStore } from '../../../lambdas/adapters/aws/dynamodb-policy-store.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lambdas/adapters/local/aws-stand-ins.js';
import type { StoredConnectionSet } from '../../../lambdas/core/ports.js';
import { startTestDynamo, type TestDynamo } from '../../support/aws-stand-ins.js';

const TABLE = 'dynamodb-connection-store-test';

const connection = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'postgres',
  description: 'naïve – 日本 – "quoted"',
  environment: 'development',
  tags: ['pii'],
  allowGroups: ['agents'],
  target: { secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}` },
  limits: { rowLimit: 100, statementTimeoutMs: 5000, maxResultBytes: 1_048_576 },
  ...extra,
});

/** Version `n` of a connection list: distinct connections, digest and metadata. */
const draft = (
  n: number,
  extra: Partial<StoredConnectionSet> = {},
): Omit<StoredConnectionSet, 'version'> => ({
  connections: [connection(`db-${n}`), connection('shared', { tags: [`v${n}`] })],
  digest: `connections:${String(n).padStart(12, '0')}`,
  createdAt: new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toISOString(),
  createdBy: 'operator:alice',
  comment: `push ${n}`,
  ...extra,
});

describe('DynamoDbConnectionStore on dynalite', () => {
  let dynamo: TestDynamo;

  beforeAll(async () => {
    dynamo = await startTestDynamo(TABLE);
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  /** A store over its own connection set, so tests do not see each other's versions. */
  const newStore = (newPushId?: () => string) =>
    new DynamoDbConnectionStore({
      client: dynamo.documentClient,
      tableName: TABLE,
      connectionSet: randomUUID(),
      ...(newPushId ? { newPushId } : {}),
    });

  it('has no active version, no versions and an empty history before the first push', async () => {
    // Prepare
    const store = newStore();

    // Act
    const [active, first, history] = await Promise.all([store.active(), store.get(1), store.list(10)]);

    // Assess
    expect(active).toBeUndefined();
    expect(first).toBeUndefined();
    expect(history).toEqual([]);
  });

  it('stores pushes as versions 1, 2, … each as pushed, the last one active', async () => {
    // Prepare
    const store = newStore();

    // Act
    const first = await store.push(draft(1), 0);
    const second = await store.push(draft(2, { comment: undefined }), 1);

    // Assess
    expect(first).toEqual({ ...draft(1), version: 1 });
    expect(second).toEqual({ ...draft(2, { comment: undefined }), version: 2 });
    expect(await store.active()).toEqual(second);
    expect(await store.get(1)).toEqual(first);
    expect(await store.get(2)).toEqual(second);
    expect(await Promise.all([store.get(0), store.get(3), store.get(1.5)])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('lists versions newest first, without their connections', async () => {
    // Prepare
    const store = newStore();
    for (let n = 1; n <= 3; n++) await store.push(draft(n), n - 1);

    // Act
    const history = await store.list(2);

    // Assess
    expect(history).toEqual(
      [3, 2].map((n) => {
        const { connections: _c, ...stamp } = { ...draft(n), version: n };
        return stamp;
      }),
    );
  });

  it('answers conflict to a push from a stale version, and changes nothing', async () => {
    // Prepare
    const store = newStore();
    await store.push(draft(1), 0);
    await store.push(draft(2), 1);

    // Act
    const outcome = await store.push(draft(3), 1);

    // Assess
    expect(outcome).toBe('conflict');
    expect((await store.active())?.version).toBe(2);
  });

  it('activates exactly one of two pushes racing from the same version', async () => {
    // Prepare
    const store = newStore();
    await store.push(draft(1), 0);

    // Act
    const outcomes = await Promise.all([
      store.push(draft(2, { createdBy: 'operator:left' }), 1),
      store.push(draft(3, { createdBy: 'operator:right' }), 1),
    ]);

    // Assess
    const won = outcomes.filter((o) => o !== 'conflict') as StoredConnectionSet[];
    expect(won).toHaveLength(1);
    expect(won[0]!.version).toBe(2);
    expect(await store.active()).toEqual(won[0]);
  });

  it('recovers from a push that died between its two writes: the next push takes the number', async () => {
    // Prepare
    const store = newStore();
    await store.push(draft(1), 0);
    // The pointer move fails as if the process died before sending it.
    const original = dynamo.documentClient.send.bind(dynamo.documentClient);
    const crash = jest.spyOn(dynamo.documentClient, 'send').mockImplementation(((
      command: unknown,
      ...rest: unknown[]
    ) => {
      if (command instanceof UpdateCommand) return Promise.reject(new Error('process died'));
      return (original as (...args: unknown[]) => unknown)(command, ...rest);
    }) as typeof dynamo.documentClient.send);
    await expect(store.push(draft(2), 1)).rejects.toThrow('process died');
    crash.mockRestore();

    // Act
    const pushed = await store.push(draft(3), 1);

    // Assess: the abandoned candidate is neither active nor in the history.
    expect(pushed).toEqual({ ...draft(3), version: 2 });
    expect((await store.list(10)).map((v) => v.digest)).toEqual([draft(3).digest, draft(1).digest]);
  });

  it('keeps its versions apart from the policy set in the same table', async () => {
    // Prepare
    const connections = new DynamoDbConnectionStore({ client: dynamo.documentClient, tableName: TABLE });
    const policies = new DynamoDbPolicyStore({ client: dynamo.documentClient, tableName: TABLE });
    await connections.push(draft(1), 0);

    // Act
    const [policyVersion, policyHistory] = await Promise.all([policies.active(), policies.list(10)]);

    // Assess
    expect(policyVersion).toBeUndefined();
    expect(policyHistory).toEqual([]);
    const { Items } = await dynamo.documentClient.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'CONNECTIONSET#default' },
      }),
    );
    expect(Items?.map((item) => item.sk).sort()).toEqual([
      'ACTIVE',
      expect.stringMatching(/^VERSION#000000000001#[0-9a-f-]{36}$/),
    ]);
  });

  it('refuses a list too large for one item and stores nothing', async () => {
    // Prepare
    const store = newStore();
    const huge = draft(1, {
      connections: [connection('huge', { description: 'x'.repeat(MAX_CONNECTION_SET_BYTES) })],
    });

    // Act
    const pushing = store.push(huge, 0);

    // Assess
    await expect(pushing).rejects.toBeInstanceOf(ConnectionSetTooLargeError);
    expect(await store.active()).toBeUndefined();
  });
});

describe('DynamoDbConnectionStore when DynamoDB fails', () => {
  let ddbMock: AwsClientStub<DynamoDBDocumentClient>;
  let store: DynamoDbConnectionStore;
  const throttled = new ThrottlingException({
    message: 'Rate of requests exceeds the allowed throughput.',
    $metadata: {},
  });
  const conditionFailed = new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
  });
  const activeAt = (version: number) => ({ Item: { version, pushId: `push-${version}` } });

  beforeAll(() => {
    ddbMock = mockClient(DynamoDBDocumentClient);
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    );
    store = new DynamoDbConnectionStore({ client, tableName: TABLE, newPushId: () => 'push-new' });
  });

  afterEach(() => {
    ddbMock.reset();
  });

  afterAll(() => {
    ddbMock.restore();
  });

  it('active propagates throttling', async () => {
    // Prepare
    ddbMock.on(GetCommand).rejects(throttled);

    // Act
    const reading = store.active();

    // Assess
    await expect(reading).rejects.toBe(throttled);
  });

  it('active refuses a stored version whose connections are not a list', async () => {
    // Prepare
    ddbMock
      .on(GetCommand)
      .resolvesOnce(activeAt(2))
      .resolvesOnce({
        Item: { ...activeAt(2).Item, digest: 'connections:x', connections: '{"name":"db"}' },
      });

    // Act
    const reading = store.active();

    // Assess
    await expect(reading).rejects.toThrow('connection set version 2 is corrupt');
  });

  it('push propagates throttling of the version write and leaves the pointer alone', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves(activeAt(3));
    ddbMock.on(PutCommand).rejects(throttled);

    // Act
    const pushing = store.push(draft(4), 3);

    // Assess
    await expect(pushing).rejects.toBe(throttled);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('push answers conflict when either write loses its condition', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves(activeAt(3));
    ddbMock.on(PutCommand).rejectsOnce(conditionFailed).resolves({});
    ddbMock.on(UpdateCommand).rejects(conditionFailed);

    // Act
    const outcomes = [await store.push(draft(4), 3), await store.push(draft(4), 3)];

    // Assess
    expect(outcomes).toEqual(['conflict', 'conflict']);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('push writes the list as JSON under CONNECTIONSET#default and moves the pointer from the expected version', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves(activeAt(3));
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});

    // Act
    const pushed = await store.push(draft(4), 3);

    // Assess
    expect(pushed).toEqual({ ...draft(4), version: 4 });
    expect(ddbMock.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: 'CONNECTIONSET#default',
        sk: 'VERSION#000000000004#push-new',
        version: 4,
        previousPushId: 'push-3',
        connections: JSON.stringify(draft(4).connections),
        digest: draft(4).digest,
      },
    });
    expect(ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: 'CONNECTIONSET#default', sk: 'ACTIVE' },
      ConditionExpression: '#version = :expected',
      ExpressionAttributeValues: { ':expected': 3, ':version': 4, ':pushId': 'push-new' },
    });
  });
});
