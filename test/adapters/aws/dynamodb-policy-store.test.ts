// DynamoDbPolicyStore: the PolicyStore contract against a real in-memory dynalite (versions,
// the ACTIVE pointer, races, a push that dies half-way), and DynamoDB's failure paths with a
// mocked client.
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
  DynamoDbPolicyStore,
  MAX_POLICY_SET_BYTES,
  PolicySetTooLargeError,
} from '../../../lambdas/adapters/aws/dynamodb-policy-store.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lambdas/adapters/local/aws-stand-ins.js';
import type { StoredPolicyVersion } from '../../../lambdas/core/ports.js';
import { startTestDynamo, type TestDynamo } from '../../support/aws-stand-ins.js';

const TABLE = 'dynamodb-policy-store-test';
const SCHEMA = 'namespace Tollgate { entity Group; }';

/** Version `n` of a policy set: distinct sources, digest and metadata. */
const draft = (
  n: number,
  extra: Partial<StoredPolicyVersion> = {},
): Omit<StoredPolicyVersion, 'version'> => ({
  sources: [
    { name: 'a.cedar', text: `@id("p${n}")\npermit (principal, action, resource);\n` },
    { name: 'b.cedar', text: `// naïve – 日本 – "quoted"\n` },
  ],
  schema: `${SCHEMA}\n// ${n}`,
  digest: `files:${String(n).padStart(12, '0')}`,
  createdAt: new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toISOString(),
  createdBy: 'operator:alice',
  comment: `push ${n}`,
  ...extra,
});

const summary = ({ sources: _s, schema: _c, ...rest }: StoredPolicyVersion) => rest;

describe('DynamoDbPolicyStore on dynalite', () => {
  let dynamo: TestDynamo;

  beforeAll(async () => {
    dynamo = await startTestDynamo(TABLE);
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  /** A store over its own policy set, so tests do not see each other's versions. */
  const newStore = (newPushId?: () => string) =>
    new DynamoDbPolicyStore({
      client: dynamo.documentClient,
      tableName: TABLE,
      policySet: randomUUID(),
      ...(newPushId ? { newPushId } : {}),
    });

  /** Pushes versions 1..count in order. */
  const pushAll = async (store: DynamoDbPolicyStore, count: number, extra?: Partial<StoredPolicyVersion>) => {
    for (let n = 1; n <= count; n++)
      expect(await store.push(draft(n, extra), n - 1)).toMatchObject({ version: n });
  };

  describe('before the first push', () => {
    it('has no active version, no versions and an empty history', async () => {
      // Prepare
      const store = newStore();

      // Act
      const [active, first, history] = await Promise.all([store.active(), store.get(1), store.list(10)]);

      // Assess
      expect(active).toBeUndefined();
      expect(first).toBeUndefined();
      expect(history).toEqual([]);
    });
  });

  describe('push', () => {
    it('stores the first push as version 1 and makes it active', async () => {
      // Prepare
      const store = newStore();

      // Act
      const pushed = await store.push(draft(1), 0);

      // Assess
      expect(pushed).toEqual({ ...draft(1), version: 1 });
      expect(await store.active()).toEqual({ ...draft(1), version: 1 });
      expect(await store.get(1)).toEqual({ ...draft(1), version: 1 });
    });

    it('stores the next push as the next version and keeps the previous one unchanged', async () => {
      // Prepare
      const store = newStore();
      await store.push(draft(1), 0);

      // Act
      const pushed = await store.push(draft(2), 1);

      // Assess
      expect(pushed).toEqual({ ...draft(2), version: 2 });
      expect(await store.active()).toEqual({ ...draft(2), version: 2 });
      expect(await store.get(1)).toEqual({ ...draft(1), version: 1 });
      expect(await store.get(2)).toEqual({ ...draft(2), version: 2 });
    });

    it('keeps a version without a comment without one', async () => {
      // Prepare
      const store = newStore();

      // Act
      await store.push(draft(1, { comment: undefined }), 0);

      // Assess
      expect(await store.active()).toEqual({ ...draft(1, { comment: undefined }), version: 1 });
    });

    it('answers conflict when the expected version is not the active one, and changes nothing', async () => {
      // Prepare
      const store = newStore();
      await pushAll(store, 2);

      // Act
      const stale = await store.push(draft(3), 1);
      const ahead = await store.push(draft(4), 5);

      // Assess
      expect(stale).toBe('conflict');
      expect(ahead).toBe('conflict');
      expect((await store.active())?.version).toBe(2);
      expect((await store.list(10)).map((v) => v.version)).toEqual([2, 1]);
    });

    it('answers conflict for a first push when a version is active', async () => {
      // Prepare
      const store = newStore();
      await store.push(draft(1), 0);

      // Act
      const outcome = await store.push(draft(9), 0);

      // Assess
      expect(outcome).toBe('conflict');
      expect((await store.active())?.digest).toBe(draft(1).digest);
    });

    it('activates exactly one of two pushes racing from the same version', async () => {
      // Prepare: 10 rounds, each a race between two pushers that read the same active version.
      const store = newStore();
      await store.push(draft(1), 0);

      for (let round = 0; round < 10; round++) {
        const expected = round + 1;
        const left = draft(100 + round, { createdBy: 'operator:left' });
        const right = draft(200 + round, { createdBy: 'operator:right' });

        // Act
        const outcomes = await Promise.all([store.push(left, expected), store.push(right, expected)]);

        // Assess
        const won = outcomes.filter((o) => o !== 'conflict') as StoredPolicyVersion[];
        expect(won).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'conflict')).toHaveLength(1);
        expect(won[0]!.version).toBe(expected + 1);
        expect(await store.active()).toEqual(won[0]);
        expect(await store.get(expected + 1)).toEqual(won[0]);
      }
      expect((await store.list(100)).map((v) => v.version)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    });

    it('answers conflict to a push overtaken between its two writes, whose version is never listed', async () => {
      // Prepare: the slow push has written its version when the fast one runs from start to end.
      const store = newStore();
      await store.push(draft(1), 0);
      const original = dynamo.documentClient.send.bind(dynamo.documentClient);
      const spy = jest.spyOn(dynamo.documentClient, 'send');
      let overtaken = false;
      let fast: StoredPolicyVersion | 'conflict' | undefined;
      spy.mockImplementation((async (command: unknown, ...rest: unknown[]) => {
        if (!overtaken && command instanceof UpdateCommand) {
          overtaken = true;
          spy.mockRestore();
          fast = await store.push(draft(3, { createdBy: 'operator:fast' }), 1);
        }
        return (original as (...args: unknown[]) => unknown)(command, ...rest);
      }) as typeof dynamo.documentClient.send);

      // Act
      const slow = await store.push(draft(2, { createdBy: 'operator:slow' }), 1);

      // Assess
      expect(slow).toBe('conflict');
      expect(fast).toEqual({ ...draft(3, { createdBy: 'operator:fast' }), version: 2 });
      expect(await store.get(2)).toEqual(fast);
      expect((await store.list(10)).map((v) => v.createdBy)).toEqual(['operator:fast', 'operator:alice']);
    });

    it('never overwrites a stored candidate, even when a push reuses its key', async () => {
      // Prepare: a push that dies after writing its candidate, then a push with the same id.
      const store = newStore(() => 'same-push-id');
      await store.push(draft(1), 0);
      const crash = failPointerMoveOnce();
      await expect(store.push(draft(2), 1)).rejects.toThrow('process died');
      crash.mockRestore();

      // Act
      const outcome = await store.push(draft(3), 1);

      // Assess
      expect(outcome).toBe('conflict');
      expect((await store.active())?.version).toBe(1);
      const { Items } = await dynamo.documentClient.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
          ExpressionAttributeValues: { ':pk': storeKey(store), ':v': 'VERSION#000000000002#' },
        }),
      );
      expect(Items).toHaveLength(1);
      expect(Items![0]!.digest).toBe(draft(2).digest);
    });

    it('recovers from a push that died between its two writes: the next push takes the number', async () => {
      // Prepare
      const store = newStore();
      await store.push(draft(1), 0);
      const crash = failPointerMoveOnce();
      await expect(store.push(draft(2), 1)).rejects.toThrow('process died');
      crash.mockRestore();

      // Act
      const pushed = await store.push(draft(3), 1);

      // Assess: the abandoned candidate is neither active nor in the history.
      expect(pushed).toEqual({ ...draft(3), version: 2 });
      expect(await store.active()).toEqual({ ...draft(3), version: 2 });
      expect(await store.get(2)).toEqual({ ...draft(3), version: 2 });
      expect((await store.list(10)).map((v) => [v.version, v.digest])).toEqual([
        [2, draft(3).digest],
        [1, draft(1).digest],
      ]);
    });

    it('finds old versions through the chain when abandoned candidates share their number', async () => {
      // Prepare: two abandoned candidates for version 2, then versions 2 and 3.
      const store = newStore();
      await store.push(draft(1), 0);
      for (const n of [20, 21]) {
        const crash = failPointerMoveOnce();
        await expect(store.push(draft(n), 1)).rejects.toThrow('process died');
        crash.mockRestore();
      }
      await store.push(draft(2), 1);
      await store.push(draft(3), 2);

      // Act
      const second = await store.get(2);

      // Assess
      expect(second).toEqual({ ...draft(2), version: 2 });
      expect((await store.list(10)).map((v) => v.digest)).toEqual([
        draft(3).digest,
        draft(2).digest,
        draft(1).digest,
      ]);
    });

    it('refuses a set too large for one item and stores nothing', async () => {
      // Prepare
      const store = newStore();
      const huge = draft(1, { sources: [{ name: 'huge.cedar', text: 'x'.repeat(MAX_POLICY_SET_BYTES) }] });

      // Act
      const pushing = store.push(huge, 0);

      // Assess
      await expect(pushing).rejects.toBeInstanceOf(PolicySetTooLargeError);
      expect(await store.active()).toBeUndefined();
    });
  });

  describe('get', () => {
    it('is undefined for versions that do not exist', async () => {
      // Prepare
      const store = newStore();
      await pushAll(store, 2);

      // Act
      const found = await Promise.all([store.get(0), store.get(-1), store.get(1.5), store.get(3)]);

      // Assess
      expect(found).toEqual([undefined, undefined, undefined, undefined]);
    });

    it('returns every version as it was pushed', async () => {
      // Prepare
      const store = newStore();
      await pushAll(store, 4);

      // Act
      const found = await Promise.all([1, 2, 3, 4].map((n) => store.get(n)));

      // Assess
      expect(found).toEqual([1, 2, 3, 4].map((n) => ({ ...draft(n), version: n })));
    });
  });

  describe('list', () => {
    it('lists versions newest first, without their sources, at most limit', async () => {
      // Prepare
      const store = newStore();
      await pushAll(store, 5);

      // Act
      const history = await store.list(3);

      // Assess
      expect(history).toEqual([5, 4, 3].map((n) => summary({ ...draft(n), version: n })));
    });

    it('follows query pages past the 1 MB page size', async () => {
      // Prepare: 8 versions of ~150 kB exceed one 1 MB query page.
      const store = newStore();
      await pushAll(store, 8, { schema: `${SCHEMA}\n// ${'s'.repeat(150_000)}` });
      const send = jest.spyOn(dynamo.documentClient, 'send');

      // Act
      const history = await store.list(100);

      // Assess
      const queries = send.mock.calls.filter(([command]) => command instanceof QueryCommand);
      send.mockRestore();
      expect(queries.length).toBeGreaterThan(1);
      expect(history.map((v) => v.version)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    });

    it('is independent per policy set', async () => {
      // Prepare
      const first = newStore();
      const second = newStore();
      await pushAll(first, 3);

      // Act
      const history = await second.list(10);

      // Assess
      expect(history).toEqual([]);
    });
  });

  /** Makes the next ACTIVE update fail as if the process died before sending it. */
  const failPointerMoveOnce = () => {
    const original = dynamo.documentClient.send.bind(dynamo.documentClient);
    const spy = jest.spyOn(dynamo.documentClient, 'send');
    let failed = false;
    spy.mockImplementation(((command: unknown, ...rest: unknown[]) => {
      if (!failed && command instanceof UpdateCommand) {
        failed = true;
        return Promise.reject(new Error('process died'));
      }
      return (original as (...args: unknown[]) => unknown)(command, ...rest);
    }) as typeof dynamo.documentClient.send);
    return spy;
  };

  const storeKey = (store: DynamoDbPolicyStore) => (store as unknown as { pk: string }).pk;
});

describe('DynamoDbPolicyStore when DynamoDB fails', () => {
  let ddbMock: AwsClientStub<DynamoDBDocumentClient>;
  let store: DynamoDbPolicyStore;
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
    store = new DynamoDbPolicyStore({ client, tableName: TABLE, newPushId: () => 'push-new' });
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

  it('list propagates throttling', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves(activeAt(3));
    ddbMock.on(QueryCommand).rejects(throttled);

    // Act
    const listing = store.list(10);

    // Assess
    await expect(listing).rejects.toBe(throttled);
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

  it('push propagates throttling of the pointer move', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves(activeAt(3));
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).rejects(throttled);

    // Act
    const pushing = store.push(draft(4), 3);

    // Assess
    await expect(pushing).rejects.toBe(throttled);
  });

  it('push answers conflict when the version write loses its condition', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves(activeAt(3));
    ddbMock.on(PutCommand).rejects(conditionFailed);

    // Act
    const outcome = await store.push(draft(4), 3);

    // Assess
    expect(outcome).toBe('conflict');
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('push answers conflict when the pointer move loses its condition', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves(activeAt(3));
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).rejects(conditionFailed);

    // Act
    const outcome = await store.push(draft(4), 3);

    // Assess
    expect(outcome).toBe('conflict');
  });

  it('push answers conflict without writing when the pointer has moved on', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves(activeAt(5));

    // Act
    const outcome = await store.push(draft(4), 3);

    // Assess
    expect(outcome).toBe('conflict');
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('push writes a new candidate only if its key is free and moves the pointer only from the expected version', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves(activeAt(3));
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});

    // Act
    await store.push(draft(4), 3);

    // Assess
    expect(ddbMock.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: 'POLICYSET#default',
        sk: 'VERSION#000000000004#push-new',
        version: 4,
        previousPushId: 'push-3',
        sources: JSON.stringify(draft(4).sources),
      },
    });
    expect(ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: 'POLICYSET#default', sk: 'ACTIVE' },
      ConditionExpression: '#version = :expected',
      ExpressionAttributeValues: { ':expected': 3, ':version': 4, ':pushId': 'push-new' },
    });
  });

  it('the first push creates the pointer only if it does not exist', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});

    // Act
    await store.push(draft(1), 0);

    // Assess
    expect(ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      ExpressionAttributeValues: { ':version': 1 },
    });
  });
});
