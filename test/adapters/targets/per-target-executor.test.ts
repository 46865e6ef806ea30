// perTargetExecutor: a connection moved to another target by a push gets a fresh executor (fresh
// pools) for runs, resolutions, listings, function and volatility look-ups alike, and the superseded one closes once its
// requests are done.
import { perTargetExecutor } from '../../../lambdas/adapters/targets/per-target-executor.js';
import type { PostgresConnection, SqlConnection } from '../../../lambdas/core/config/connection.js';
import type { ResultSet } from '../../../lambdas/core/ports.js';
import type { ResolvedRelation, SqlExecutor, SqlRunRequest } from '../../../lambdas/core/sql/sql-executor.js';
import { demoConnection } from '../../support/core-fixtures.js';

const request: SqlRunRequest = {
  mode: 'read',
  statements: ['SELECT 1'],
  params: [],
  rowLimit: 10,
  timeoutMs: 1000,
  maxResultBytes: 1_000_000,
};

/** A relation named after the executor that answered. */
const relationFrom = (id: number): ResolvedRelation => ({
  schema: 'public',
  name: `from-${id}`,
  kind: 'table',
  columns: [],
  dependsOn: [],
  ancestors: [],
});

/** Executors that answer with their own number, hold a call until released, and note closing. */
const factory = () => {
  const created: Array<{ id: number; closed: boolean; calls: string[] }> = [];
  let hold: Promise<void> | undefined;
  const create = (): SqlExecutor => {
    const state = { id: created.length + 1, closed: false, calls: [] as string[] };
    created.push(state);
    return {
      async run(connection: SqlConnection): Promise<ResultSet> {
        state.calls.push(`run ${connection.name}`);
        await hold;
        return { columns: [], rows: [[state.id]], rowCount: 1, truncated: false };
      },
      async resolveRelations(connection: SqlConnection) {
        state.calls.push(`resolve ${connection.name}`);
        await hold;
        return new Map([['\u0000t', relationFrom(state.id)]]);
      },
      async estimateWrites(connection: SqlConnection) {
        state.calls.push(`estimate ${connection.name}`);
        return [];
      },
      async listRelations(connection: SqlConnection) {
        state.calls.push(`list ${connection.name}`);
        await hold;
        return [relationFrom(state.id)];
      },
      async userFunctions(connection: SqlConnection) {
        state.calls.push(`functions ${connection.name}`);
        await hold;
        return new Set([`from-${state.id}`]);
      },
      async functionVolatility(connection: SqlConnection) {
        state.calls.push(`volatility ${connection.name}`);
        await hold;
        return new Map([[`from-${state.id}`, 'volatile' as const]]);
      },
      async close() {
        state.closed = true;
      },
    };
  };
  const holdCalls = () => {
    let release: () => void = () => undefined;
    hold = new Promise<void>((done) => {
      release = done;
    });
    return () => {
      hold = undefined;
      release();
    };
  };
  return { created, create, holdCalls };
};

const moved = (connection: SqlConnection, url: string): SqlConnection => ({ ...connection, target: { url } });
const answeredBy = async (result: Promise<ResultSet>) => (await result).rows[0]![0];

describe('perTargetExecutor', () => {
  it('keeps one executor per connection while its target stays the same', async () => {
    // Prepare
    const { created, create } = factory();
    const executor = perTargetExecutor(create);
    const other = { ...demoConnection, name: 'other' };

    // Act
    const answers = [
      await answeredBy(executor.run(demoConnection, request)),
      await answeredBy(executor.run({ ...demoConnection, allowGroups: ['admins'] }, request)),
      await answeredBy(executor.run(other, request)),
    ];

    // Assess
    expect(answers).toEqual([1, 1, 2]);
    expect(created.map((c) => c.calls)).toEqual([['run demo', 'run demo'], ['run other']]);
  });

  it('resolves and lists relations through the executor that runs the connection’s requests', async () => {
    // Prepare
    const { created, create } = factory();
    const executor = perTargetExecutor(create);
    await executor.run(demoConnection, request);

    // Act
    const resolved = await executor.resolveRelations(demoConnection, [{ name: 't' }]);
    // The search_path is pinned per transaction: changing it keeps the pools.
    const onSales: PostgresConnection = { ...demoConnection, kind: 'postgres', searchPath: ['sales'] };
    const listed = await executor.listRelations(onSales, 10);

    // Assess
    expect(resolved.get('\u0000t')?.name).toBe('from-1');
    expect(listed.map((r) => r.name)).toEqual(['from-1']);
    expect(created.map((c) => c.calls)).toEqual([['run demo', 'resolve demo', 'list demo']]);
  });

  it('looks up user functions through the executor that runs the connection’s requests', async () => {
    // Prepare
    const { created, create } = factory();
    const executor = perTargetExecutor(create);
    await executor.run(demoConnection, request);

    // Act
    const found = await executor.userFunctions(demoConnection, ['f']);

    // Assess
    expect([...found]).toEqual(['from-1']);
    expect(created.map((c) => c.calls)).toEqual([['run demo', 'functions demo']]);
  });

  it('looks up function volatility through the executor that runs the connection’s requests', async () => {
    // Prepare
    const { created, create } = factory();
    const executor = perTargetExecutor(create);
    await executor.run(demoConnection, request);

    // Act
    const found = await executor.functionVolatility(demoConnection, ['f']);

    // Assess
    expect([...found]).toEqual([['from-1', 'volatile']]);
    expect(created.map((c) => c.calls)).toEqual([['run demo', 'volatility demo']]);
  });

  it('keeps a superseded executor open until its volatility look-up is done', async () => {
    // Prepare
    const { created, create, holdCalls } = factory();
    const executor = perTargetExecutor(create);
    const release = holdCalls();
    const looking = executor.functionVolatility(demoConnection, ['f']);

    // Act
    const afterPush = executor.functionVolatility(moved(demoConnection, 'postgres://reader@elsewhere/db'), [
      'f',
    ]);
    const closedWhileBusy = created[0]!.closed;
    release();

    // Assess
    expect([...(await looking).keys()]).toEqual(['from-1']);
    expect([...(await afterPush).keys()]).toEqual(['from-2']);
    expect(closedWhileBusy).toBe(false);
    expect(created[0]!.closed).toBe(true);
  });

  it('keeps a superseded executor open until its function look-up is done', async () => {
    // Prepare
    const { created, create, holdCalls } = factory();
    const executor = perTargetExecutor(create);
    const release = holdCalls();
    const looking = executor.userFunctions(demoConnection, ['f']);

    // Act
    const afterPush = executor.userFunctions(moved(demoConnection, 'postgres://reader@elsewhere/db'), ['f']);
    const closedWhileBusy = created[0]!.closed;
    release();

    // Assess
    expect([...(await looking)]).toEqual(['from-1']);
    expect([...(await afterPush)]).toEqual(['from-2']);
    expect(closedWhileBusy).toBe(false);
    expect(created[0]!.closed).toBe(true);
  });

  it('uses a fresh executor once the target changes, closing the old one after its requests', async () => {
    // Prepare
    const { created, create, holdCalls } = factory();
    const executor = perTargetExecutor(create);
    await executor.run(demoConnection, request);
    const release = holdCalls();
    const inFlight = executor.run(demoConnection, request);

    // Act
    const afterPush = executor.run(moved(demoConnection, 'postgres://reader@elsewhere/db'), request);
    const closedWhileBusy = created[0]!.closed;
    release();

    // Assess
    expect(await answeredBy(inFlight)).toBe(1);
    expect(await answeredBy(afterPush)).toBe(2);
    expect(closedWhileBusy).toBe(false);
    expect(created[0]!.closed).toBe(true);
    expect(created[1]!.closed).toBe(false);
  });

  it('keeps a superseded executor open until its resolution is done', async () => {
    // Prepare
    const { created, create, holdCalls } = factory();
    const executor = perTargetExecutor(create);
    const release = holdCalls();
    const resolving = executor.resolveRelations(demoConnection, [{ name: 't' }]);

    // Act
    const afterPush = executor.listRelations(moved(demoConnection, 'postgres://reader@elsewhere/db'), 10);
    const closedWhileBusy = created[0]!.closed;
    release();

    // Assess
    expect((await resolving).get('\u0000t')?.name).toBe('from-1');
    expect((await afterPush).map((r) => r.name)).toEqual(['from-2']);
    expect(closedWhileBusy).toBe(false);
    expect(created[0]!.closed).toBe(true);
  });

  it('closes every executor on close', async () => {
    // Prepare
    const { created, create } = factory();
    const executor = perTargetExecutor(create);
    await executor.run(demoConnection, request);
    await executor.run({ ...demoConnection, name: 'other' }, request);

    // Act
    await executor.close();

    // Assess
    expect(created.map((c) => c.closed)).toEqual([true, true]);
  });
});
