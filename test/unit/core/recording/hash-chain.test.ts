import { canonicalJson } from '../../../../lambdas/core/recording/canonical-json.js';
import { type EventDraft, GENESIS, type SessionEvent } from '../../../../lambdas/core/recording/events.js';
import { chainEvent, verifyChain } from '../../../../lambdas/core/recording/hash-chain.js';

const draft = (n: number): EventDraft => ({
  type: 'request.received',
  requestId: `r-${n}`,
  at: `2026-01-01T00:00:0${n}.000Z`,
  data: { sql: `select ${n}`, nested: { b: 1, a: [true, null, 'x'] } },
});

const chainOf = (count: number): SessionEvent[] => {
  const events: SessionEvent[] = [];
  let head = GENESIS;
  for (let i = 1; i <= count; i++) {
    const event = chainEvent('s-1', head, draft(i));
    events.push(event);
    head = { seq: event.seq, hash: event.hash };
  }
  return events;
};

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 'é' }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":"é","z":0}]},"b":1}',
    );
  });

  it('is independent of key insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('refuses values JSON cannot represent exactly', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
  });
});

describe('hash chain', () => {
  it('numbers events from 1 and links each to its predecessor', () => {
    const [first, second] = chainOf(2);
    expect(first).toMatchObject({ seq: 1, prevHash: '0'.repeat(64) });
    expect(second).toMatchObject({ seq: 2, prevHash: first!.hash });
    expect(first!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies an intact chain and reports its head', () => {
    const events = chainOf(5);
    expect(verifyChain(events)).toEqual({ ok: true, head: { seq: 5, hash: events[4]!.hash } });
  });

  it('detects an edited event', () => {
    const events = chainOf(3);
    const edited = [events[0]!, { ...events[1]!, data: { sql: 'select 99' } }, events[2]!];
    expect(verifyChain(edited)).toEqual({ ok: false, seq: 2, problem: 'hash does not match content' });
  });

  it('detects a removed event', () => {
    const events = chainOf(3);
    expect(verifyChain([events[0]!, events[2]!])).toMatchObject({ ok: false, seq: 3 });
  });

  it('detects reordered events', () => {
    const events = chainOf(3);
    expect(verifyChain([events[1]!, events[0]!, events[2]!])).toMatchObject({ ok: false });
  });

  it('detects an event recomputed with a forged hash but a broken link', () => {
    const events = chainOf(3);
    const forged = chainEvent('s-1', { seq: 1, hash: 'f'.repeat(64) }, draft(9));
    expect(verifyChain([events[0]!, forged, events[2]!])).toEqual({
      ok: false,
      seq: 2,
      problem: 'prevHash does not match',
    });
  });

  it('verifies a continuation from a known head (one archive segment after another)', () => {
    const events = chainOf(4);
    const head = { seq: 2, hash: events[1]!.hash };
    expect(verifyChain(events.slice(2), head)).toMatchObject({ ok: true });
  });
});
