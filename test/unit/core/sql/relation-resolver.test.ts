// The relation resolver asks the server once per name and connection scope, and asks again when
// the answer expires or the connection moves (another target, another search_path).
import type { PostgresConnection } from '../../../../lambdas/core/config/connection.js';
import { RelationResolver } from '../../../../lambdas/core/sql/relation-resolver.js';
import { demoConnection, RecordingTarget } from '../../../support/core-fixtures.js';

const counting = () => {
  const target = new RecordingTarget();
  const asked = { relations: [] as string[][], functions: [] as string[][] };
  const resolveRelations = target.resolveRelations.bind(target);
  target.resolveRelations = async (connection, refs) => {
    asked.relations.push(refs.map((r) => r.name));
    return resolveRelations(connection, refs);
  };
  target.userFunctions = async (_connection, names) => {
    asked.functions.push([...names]);
    return new Set(names.filter((n) => n.startsWith('my_')));
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
});
