// DistinctMemo: remembers what was computed for distinct strings of one column, up to a bound, and
// stops asking when its trial shows the column does not repeat.
import { DistinctMemo } from '../../../../lambdas/core/masking/distinct-memo.js';

describe('DistinctMemo', () => {
  it('gives back what was set for a string, and nothing for others', () => {
    const memo = new DistinctMemo<number>(10);
    memo.set('a', 1);
    expect(memo.get('a')).toBe(1);
    expect(memo.get('b')).toBeUndefined();
  });

  it('remembers at most its bound', () => {
    const memo = new DistinctMemo<number>(2);
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      memo.set(k, v);
    expect([memo.get('a'), memo.get('b'), memo.get('c')]).toEqual([1, 2, undefined]);
  });

  it('stays in use on a column whose values repeat', () => {
    const memo = new DistinctMemo<string>(4096);
    for (let i = 0; i < 1000; i++) {
      const key = `value ${i % 10}`;
      if (memo.get(key) === undefined) memo.set(key, key);
    }
    expect(memo.active).toBe(true);
    expect(memo.get('value 3')).toBe('value 3');
  });

  it('stops asking, and forgets, after 256 lookups with fewer than 16 hits', () => {
    const memo = new DistinctMemo<string>(4096);
    for (let i = 0; i < 256; i++) {
      const key = `distinct ${i}`;
      if (memo.get(key) === undefined) memo.set(key, key);
    }
    expect(memo.active).toBe(false);
    expect(memo.get('distinct 1')).toBeUndefined();
    memo.set('x', 'y');
    expect(memo.get('x')).toBeUndefined();
  });
});
