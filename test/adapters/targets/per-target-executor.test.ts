// perTargetExecutor: a connection moved to another target by a push gets a fresh executor (fresh
// pools), and the superseded one closes once its requests are done.
import { perTargetExecutor } from '../../../lambdas/adapters/targets/per-target-executor.js';
import type { Connection } from '../../../lambdas/core/config/connection.js';
import type { ReadRequest, ResultSet } from '../../../lambdas/core/ports.js';
import { demoConnection } from '../../support/core-fixtures.js';

const request: ReadRequest = {
  statements: ['SELECT 1'],
  params: [],
  rowLimit: 10,
  timeoutMs: 1000,
  maxResultBytes: 1_000_000,
};

/** Executors that answer with their own number, hold a request until released, and note closing. */
const factory = () => {
  const created: Array<{ id: number; closed: boolean; reads: string[] }> = [];
  let hold: Promise<void> | undefined;
  const create = () => {
    const state = { id: created.length + 1, closed: false, reads: [] as string[] };
    created.push(state);
    return {
      async read(connection: Connection): Promise<ResultSet> {
        state.reads.push(connection.name);
        await hold;
        return { columns: [], rows: [[state.id]], rowCount: 1, truncated: false };
      },
      async close() {
        state.closed = true;
      },
    };
  };
  const holdReads = () => {
    let release: () => void = () => undefined;
    hold = new Promise<void>((done) => {
      release = done;
    });
    return () => {
      hold = undefined;
      release();
    };
  };
  return { created, create, holdReads };
};

const moved = (connection: Connection, url: string): Connection => ({ ...connection, target: { url } });
const answeredBy = async (result: Promise<ResultSet>) => (await result).rows[0]![0];

describe('perTargetExecutor', () => {
  it('keeps one executor per connection while its target stays the same', async () => {
    // Prepare
    const { created, create } = factory();
    const executor = perTargetExecutor(create);
    const other = { ...demoConnection, name: 'other' };

    // Act
    const answers = [
      await answeredBy(executor.read(demoConnection, request)),
      await answeredBy(executor.read({ ...demoConnection, allowGroups: ['admins'] }, request)),
      await answeredBy(executor.read(other, request)),
    ];

    // Assess
    expect(answers).toEqual([1, 1, 2]);
    expect(created.map((c) => c.reads)).toEqual([['demo', 'demo'], ['other']]);
  });

  it('uses a fresh executor once the target changes, closing the old one after its requests', async () => {
    // Prepare
    const { created, create, holdReads } = factory();
    const executor = perTargetExecutor(create);
    await executor.read(demoConnection, request);
    const release = holdReads();
    const inFlight = executor.read(demoConnection, request);

    // Act
    const afterPush = executor.read(moved(demoConnection, 'postgres://reader@elsewhere/db'), request);
    const closedWhileBusy = created[0]!.closed;
    release();

    // Assess
    expect(await answeredBy(inFlight)).toBe(1);
    expect(await answeredBy(afterPush)).toBe(2);
    expect(closedWhileBusy).toBe(false);
    expect(created[0]!.closed).toBe(true);
    expect(created[1]!.closed).toBe(false);
  });

  it('closes every executor on close', async () => {
    // Prepare
    const { created, create } = factory();
    const executor = perTargetExecutor(create);
    await executor.read(demoConnection, request);
    await executor.read({ ...demoConnection, name: 'other' }, request);

    // Act
    await executor.close();

    // Assess
    expect(created.map((c) => c.closed)).toEqual([true, true]);
  });
});
