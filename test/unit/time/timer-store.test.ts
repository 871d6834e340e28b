/**
 * Timer items and queries: a timer's item key is unique per (key, namespace, timestamp,
 * domain) and sorts by time; findDueTimers returns exactly the timers of a hash range and
 * domain due at a bound (plus a lower bound of the next one); BatchTimers fires each live
 * timer once, earliest first, and never a deleted one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_WATERMARK } from '../../../lib/api/index.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { hashKeyOf } from '../../../lib/plan/partitioning.ts';
import { ItemCache } from '../../../lib/state/item-cache.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { BatchTimers } from '../../../lib/time/batch-timers.ts';
import { timerItem, timerItemKey, timerOfItem, tsPart, type Timer, type TimerLayout } from '../../../lib/time/timer-items.ts';
import { findDueTimers } from '../../../lib/time/timer-queries.ts';

const layout: TimerLayout = { stage: 'st', keyGroups: 128, partitions: 4 };
const t = (key: string, ts: number, domain: 'E' | 'P' = 'E', namespace = '-'): Timer => ({ key, namespace, ts, domain });

describe('timer items', () => {
  it('encode timestamps so that string order is numeric order, and reject what cannot be a timer time', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (a, b) => {
        const [x, y] = [Math.min(a, b, MAX_WATERMARK), Math.min(Math.max(a, b), MAX_WATERMARK)];
        expect(tsPart(x) <= tsPart(y)).toBe(true);
        expect(tsPart(x) === tsPart(y)).toBe(x === y);
      }),
    );
    for (const bad of [-1, 1.5, Number.NaN, MAX_WATERMARK + 1]) expect(() => tsPart(bad)).toThrow();
  });

  it('give one item per (key, namespace, timestamp, domain), and decode back', () => {
    const timers = [t('k', 5), t('k', 6), t('k', 5, 'P'), t('k', 5, 'E', 'w1'), t('k2', 5), t('k#x', 5)];
    const ids = timers.map((x) => JSON.stringify(timerItemKey(layout, x)));
    expect(new Set(ids).size).toBe(timers.length);
    expect(JSON.stringify(timerItemKey(layout, t('k', 5)))).toBe(ids[0]);
    for (const x of timers) expect(timerOfItem(timerItem(layout, x))).toEqual(x);
  });
});

describe('findDueTimers', () => {
  it('returns exactly the due timers of a hash range and domain (property)', async () => {
    const timerArb = fc.record({ key: fc.string({ minLength: 1, maxLength: 6 }), ts: fc.nat(1000), domain: fc.constantFrom<'E' | 'P'>('E', 'P') });
    const layouts = fc.constantFrom<TimerLayout>(layout, { stage: 'st', keyGroups: 10, partitions: 3 }, { stage: 'st', keyGroups: 7, partitions: 7 });
    await fc.assert(
      fc.asyncProperty(fc.array(timerArb, { maxLength: 60 }), fc.nat(1100), fc.integer({ min: 1, max: 5 }), layouts, async (raw, upTo, shardCount, lay) => {
        const timers = raw.map((r) => t(r.key, r.ts, r.domain));
        const store = new MemoryStore();
        await store.commit({ puts: timers.map((x) => timerItem(lay, x)), deletes: [], checkpoint: { item: { table: 'state', pk: 'c', sk: 's', attrs: { version: 1 } }, expectedVersion: undefined } });
        const streams = new MemoryStreams();
        streams.createStream('s', shardCount);
        const unique = [...new Map(timers.map((x) => [JSON.stringify(x), x])).values()];
        for (const shard of await streams.listShards('s')) {
          const inRange = (x: Timer) => hashKeyOf(x.key) >= shard.start && hashKeyOf(x.key) <= shard.end;
          for (const domain of ['E', 'P'] as const) {
            const { due, next } = await findDueTimers(store, lay, shard, domain, upTo);
            const mine = unique.filter((x) => inRange(x) && x.domain === domain);
            const sortKey = (x: Timer) => JSON.stringify([x.ts, x.key]);
            expect(due.map(sortKey).sort()).toEqual(mine.filter((x) => x.ts <= upTo).map(sortKey).sort());
            const later = mine.filter((x) => x.ts > upTo).map((x) => x.ts);
            const trueNext = later.length ? Math.min(...later) : Infinity;
            expect(next).toBeLessThanOrEqual(trueNext); // a lower bound: never skips a timer
            expect(next).toBeGreaterThan(upTo);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('finds nothing due below zero, and everything at MAX_WATERMARK', async () => {
    const store = new MemoryStore();
    const timers = [t('a', 0), t('b', 10), t('c', MAX_WATERMARK)];
    await store.commit({ puts: timers.map((x) => timerItem(layout, x)), deletes: [], checkpoint: { item: { table: 'state', pk: 'c', sk: 's', attrs: { version: 1 } }, expectedVersion: undefined } });
    const full = { start: 0n, end: (1n << 128n) - 1n };
    expect((await findDueTimers(store, layout, full, 'E', -5)).due).toEqual([]);
    expect((await findDueTimers(store, layout, full, 'E', -5)).next).toBe(0);
    expect((await findDueTimers(store, layout, full, 'E', MAX_WATERMARK)).due.map((x) => x.key).sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('BatchTimers', () => {
  const setup = () => {
    const cache = new ItemCache(new MemoryStore());
    return { cache, timers: new BatchTimers(cache, layout) };
  };
  const drain = (timers: BatchTimers, domain: 'E' | 'P', bound: number) => {
    const out: Timer[] = [];
    for (let x = timers.nextDue(domain, bound); x; x = timers.nextDue(domain, bound)) out.push(x);
    return out;
  };

  it('fires each live timer of a domain once, earliest first, up to the bound inclusive', () => {
    const { timers } = setup();
    for (const x of [t('b', 30), t('a', 30), t('c', 10), t('a', 20, 'P'), t('c', 10), t('d', 31)]) timers.register(x);
    expect(timers.earliestPending('E')).toBe(10);
    expect(drain(timers, 'E', 30)).toEqual([t('c', 10), t('a', 30), t('b', 30)]);
    expect(drain(timers, 'E', 30)).toEqual([]);
    expect(timers.earliestPending('E')).toBe(31);
    expect(drain(timers, 'P', 100)).toEqual([t('a', 20, 'P')]);
    expect(timers.earliestPending('P')).toBe(Infinity);
  });

  it('never fires a deleted timer, nor one whose registration was rolled back', () => {
    const { cache, timers } = setup();
    timers.register(t('a', 1));
    timers.delete(t('a', 1));
    const mark = cache.mark();
    timers.register(t('b', 2));
    cache.rollback(mark);
    timers.register(t('c', 3));
    timers.delete(t('c', 3));
    timers.register(t('c', 3));
    expect(drain(timers, 'E', 100)).toEqual([t('c', 3)]);
  });

  it('a fired timer is deleted in the batch, a pending one is written', () => {
    const { cache, timers } = setup();
    timers.register(t('a', 1));
    timers.register(t('b', 500));
    drain(timers, 'E', 100);
    timers.flush();
    const { puts, deletes } = cache.changes();
    expect(puts).toEqual([timerItem(layout, t('b', 500))]);
    expect(deletes).toEqual([timerItemKey(layout, t('a', 1))]);
  });

  it('writes only the net change: nothing for a timer registered and fired in the batch, a delete for a stored one fired', () => {
    const { cache, timers } = setup();
    cache.seed([timerItem(layout, t('s', 5))]);
    timers.markKnown('E', 100);
    timers.addExisting([t('s', 5)]);
    timers.register(t('n', 7)); // new, fired below
    timers.register(t('p', 200)); // new, pending
    timers.register(t('q', 300));
    timers.delete(t('q', 300)); // new, deleted again
    expect(drain(timers, 'E', 100)).toEqual([t('s', 5), t('n', 7)]);
    timers.flush();
    expect(cache.changes()).toEqual({ puts: [timerItem(layout, t('p', 200))], deletes: [timerItemKey(layout, t('s', 5)), timerItemKey(layout, t('q', 300))] });
  });

  it('a rolled-back firing makes the timer live again (an eager cache journals timers with the state)', () => {
    const { cache, timers } = setup();
    timers.register(t('a', 1));
    const mark = cache.mark();
    expect(timers.nextDue('E', 10)).toEqual(t('a', 1));
    cache.rollback(mark);
    expect(timers.earliestPending('E')).toBe(1);
    expect(timers.nextDue('E', 10)).toEqual(t('a', 1)); // as if it had never fired
    cache.rollback(mark);
    timers.flush();
    expect(cache.changes().puts).toEqual([timerItem(layout, t('a', 1))]);
  });

  it('fires timers found in the store once they are seeded', () => {
    const { cache, timers } = setup();
    const stored = [t('x', 5), t('y', 4)];
    cache.seed(stored.map((x) => timerItem(layout, x)));
    timers.addExisting(stored);
    timers.register(t('x', 5)); // registering a stored timer again adds nothing
    expect(drain(timers, 'E', 5)).toEqual([t('y', 4), t('x', 5)]);
  });
});
