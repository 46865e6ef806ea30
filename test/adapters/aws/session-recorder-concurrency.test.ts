// SessionRecorder on DynamoDbSessionStore over dynalite: parallel appends to one session, from one
// process and from several, leave one complete, linear chain in the real table.
import { randomUUID } from 'node:crypto';
import { DynamoDbSessionStore } from '../../../lambdas/adapters/aws/dynamodb-session-store.js';
import { jitteredBackoff } from '../../../lambdas/adapters/timing/backoff.js';
import { SessionRecorder } from '../../../lambdas/core/recording/session-recorder.js';
import { startTestDynamo, type TestDynamo } from '../../support/aws-stand-ins.js';
import {
  appendAllAtOnce,
  completeRequests,
  PARALLEL,
  rejections,
  requestIdsOf,
  requestsAllAtOnce,
  seqsUpTo,
  summarise,
} from '../../unit/core/recording/concurrent-appends.js';

const TABLE = 'session-recorder-concurrency-test';

describe('SessionRecorder on dynalite with parallel appends', () => {
  let dynamo: TestDynamo;
  let store: DynamoDbSessionStore;

  beforeAll(async () => {
    dynamo = await startTestDynamo(TABLE);
    store = new DynamoDbSessionStore({ client: dynamo.documentClient, tableName: TABLE });
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  const chainOf = async (sessionId: string) => summarise(await store.listEvents(sessionId, 0, 1_000));

  it('records 40 parallel requests through one recorder as one gapless, verifiable chain', async () => {
    // Prepare
    const sessionId = randomUUID();
    const recorder = new SessionRecorder(store);

    // Act
    const results = await requestsAllAtOnce([recorder], sessionId, PARALLEL);

    // Assess
    expect(rejections(results)).toEqual([]);
    const chain = await chainOf(sessionId);
    expect(chain.seqs).toEqual(seqsUpTo(3 * PARALLEL));
    expect(chain.verdict).toMatchObject({ ok: true, head: { seq: 3 * PARALLEL } });
    expect(chain.requests).toEqual(completeRequests(1, PARALLEL));
  });

  it('keeps the events of one append next to each other in the chain', async () => {
    // Prepare
    const sessionId = randomUUID();
    const recorder = new SessionRecorder(store);

    // Act
    const results = await appendAllAtOnce([recorder], sessionId, PARALLEL, 2);

    // Assess: each request id forms exactly one run of two events.
    expect(rejections(results)).toEqual([]);
    const chain = await chainOf(sessionId);
    expect(chain.seqs).toEqual(seqsUpTo(2 * PARALLEL));
    expect(chain.verdict.ok).toBe(true);
    expect([...chain.runs].sort()).toEqual(requestIdsOf(1, PARALLEL));
  });

  it('keeps one chain when two recorders (two processes) each record 20 parallel requests', async () => {
    // Prepare: as the composition roots build them.
    const sessionId = randomUUID();
    const recorders = [
      new SessionRecorder(store, { backoff: jitteredBackoff }),
      new SessionRecorder(store, { backoff: jitteredBackoff }),
    ];

    // Act
    const results = await requestsAllAtOnce(recorders, sessionId, PARALLEL / 2);

    // Assess
    expect(rejections(results)).toEqual([]);
    const chain = await chainOf(sessionId);
    expect(chain.seqs).toEqual(seqsUpTo(3 * PARALLEL));
    expect(chain.verdict.ok).toBe(true);
    expect(chain.requests).toEqual(completeRequests(2, PARALLEL / 2));
  });

  it('keeps one chain when 40 recorders, one per Lambda instance, each record a request at once', async () => {
    // Prepare
    const sessionId = randomUUID();
    const recorders = Array.from(
      { length: PARALLEL },
      () => new SessionRecorder(store, { backoff: jitteredBackoff }),
    );

    // Act
    const results = await requestsAllAtOnce(recorders, sessionId, 1);

    // Assess
    expect(rejections(results)).toEqual([]);
    const chain = await chainOf(sessionId);
    expect(chain.seqs).toEqual(seqsUpTo(3 * PARALLEL));
    expect(chain.verdict.ok).toBe(true);
    expect(chain.requests).toEqual(completeRequests(PARALLEL, 1));
  });
});
