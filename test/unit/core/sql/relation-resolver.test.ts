// The relation resolver asks the server once per name and connection scope, and asks again when
// the answer expires or the connection moves (another target, another search_path).
import type { PostgresConnection } from '../../../../lambdas/core/config/connection.js';
import { RelationResolver } from '../../../../lambdas/core/sql/relation-resolver.js';
import { demoConnection, RecordingTarget } from '../../../support/core-fixtures.js';

const counting = () => {
  const target = new RecordingTarget();
  const asked = { relations: [] as string[][], functions: [] as string[][], volatility: [] as string[][] };
  const resolveRelations = target.resolveRelations.bind(target);
  target.resolveRelations = async (connection, refs) => {
    asked.relations.push(refs.map((r) => r.name));
    return resolveRelations(connection, refs);
  };
  target.userFunctions = async (_connection, names) => {
    asked.functions.push([...names]);
    return new Set(names.filter((n) => n.startsWith('my_')));
  };
  const functionVolatility = target.functionVolatility.bind(target);
  target.functionVolatility = async (connection, names) => {
    asked.volatility.push([...names]);
    return functionVolatility(connection, names);
  };
  return { target, asked };
};

describe('RelationResolver', () => {
  let now = 0;
  const clock = { now: () => new Date(now) };
  beforeEach(() => {
    now = Date.parse('2026-12-02T10:00:00Z');
  });

  it('resolves a name once, and answers a known absence from the cache too', async () => {
    const { target, asked } = counting();
    const resolver = new RelationResolver(clock);
    const first = await resolver.resolve(demoConnection, target, [{ name: 'customers' }, { name: 'nope' }]);
    const second = await resolver.resolve(demoConnection, target, [{ name: 'customers' }, { name: 'nope' }]);
    expect(asked.relations).toEqual([['customers', 'nope']]);
    expect([first.get({ name: 'customers' })?.schema, second.get({ name: 'nope' })]).toEqual([
      'public',
      undefined,
    ]);
  });

  it('asks again after five minutes, and for a connection whose search_path changed', async () => {
    const { target, asked } = counting();
    const resolver = new RelationResolver(clock);
    await resolver.resolve(demoConnection, target, [{ name: 'customers' }]);
    const moved: PostgresConnection = { ...(demoConnection as PostgresConnection), searchPath: ['crm'] };
    await resolver.resolve(moved, target, [{ name: 'customers' }]);
    now += 5 * 60_000;
    await resolver.resolve(demoConnection, target, [{ name: 'customers' }]);
    expect(asked.relations).toHaveLength(3);
  });

  it('asks which functions are user code once per name, and answers from the cache after', async () => {
    const { target, asked } = counting();
    const resolver = new RelationResolver(clock);
    expect([...(await resolver.userFunctions(demoConnection, target, ['upper', 'my_fn']))]).toEqual([
      'my_fn',
    ]);
    expect([...(await resolver.userFunctions(demoConnection, target, ['my_fn', 'count']))]).toEqual([
      'my_fn',
    ]);
    expect(asked.functions).toEqual([['upper', 'my_fn'], ['count']]);
  });

  it('asks the volatility of each function once per name, with which are user code', async () => {
    const { target, asked } = counting();
    target.volatility.set('my_fn', 'immutable');
    const resolver = new RelationResolver(clock);
    const first = await resolver.functionVolatility(demoConnection, target, ['now', 'my_fn', 'nope']);
    const second = await resolver.functionVolatility(demoConnection, target, ['nope', 'random', 'now']);
    expect(asked.volatility).toEqual([['now', 'my_fn', 'nope'], ['random']]);
    expect(first).toEqual({
      source: 'catalogue',
      volatility: new Map([
        ['now', 'stable'],
        ['my_fn', 'immutable'],
        ['nope', undefined],
      ]),
      userDefined: new Set(['my_fn']),
    });
    expect([...second.volatility]).toEqual([
      ['nope', undefined],
      ['random', 'volatile'],
      ['now', 'stable'],
    ]);
  });

  it('asks the volatility again after five minutes, and for a connection that moved', async () => {
    const { target, asked } = counting();
    const resolver = new RelationResolver(clock);
    await resolver.functionVolatility(demoConnection, target, ['now']);
    await resolver.functionVolatility(
      { ...demoConnection, target: { url: 'postgres://elsewhere/db' } },
      target,
      ['now'],
    );
    now += 5 * 60_000;
    await resolver.functionVolatility(demoConnection, target, ['now']);
    expect(asked.volatility).toHaveLength(3);
  });

  it('answers from the bundled snapshot when the catalogue cannot be read, and asks again next time', async () => {
    const { target, asked } = counting();
    const functionVolatility = target.functionVolatility.bind(target);
    target.functionVolatility = async () => {
      throw new Error('the target database is unreachable');
    };
    const resolver = new RelationResolver(clock);
    const answer = await resolver.functionVolatility(demoConnection, target, ['now', 'setseed', 'my_fn']);
    expect(answer).toEqual({
      source: 'snapshot',
      volatility: new Map([
        ['now', 'stable'],
        ['setseed', 'volatile'],
        ['my_fn', undefined],
      ]),
      userDefined: undefined,
    });
    target.functionVolatility = functionVolatility;
    expect((await resolver.functionVolatility(demoConnection, target, ['now'])).source).toBe('catalogue');
    expect(asked.volatility).toEqual([['now']]);
  });

  it('falls back on the snapshot when only the user-code question fails', async () => {
    const { target } = counting();
    target.userFunctions = async () => {
      throw new Error('permission denied');
    };
    const resolver = new RelationResolver(clock);
    const answer = await resolver.functionVolatility(demoConnection, target, ['random']);
    expect([answer.source, answer.userDefined]).toEqual(['snapshot', undefined]);
  });

  it('uses the MySQL list for a MySQL connection’s fallback', async () => {
    const { target } = counting();
    target.functionVolatility = async () => {
      throw new Error('the target database is unreachable');
    };
    const resolver = new RelationResolver(clock);
    const mysql = { ...demoConnection, kind: 'mysql' } as typeof demoConnection;
    const answer = await resolver.functionVolatility(mysql, target, ['sleep', 'concat', 'setseed']);
    expect([...answer.volatility]).toEqual([
      ['sleep', 'volatile'],
      ['concat', 'immutable'],
      ['setseed', undefined],
    ]);
  });
});
