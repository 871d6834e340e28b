/** lib/cost/steady/feed.ts: the steady clock every generated input shares. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_STEADY_START_MS, planEnough, steadyFeed, type PlannedRecord } from '../../../../lib/cost/steady/feed.ts';
import { seededRandom } from '../../../../lib/runtime/seeded-random.ts';

const planned = (n: number): PlannedRecord[] => Array.from({ length: n }, (_, i) => ({ atMs: n - i, source: i % 2 ? 'b' : 'a', record: (ts) => ({ i, ts }) }));
const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as { i: number; ts: number });

describe('steadyFeed', () => {
  it('sends the records in timeline order, the i-th arriving at i / rate s with its ts at most the disorder behind', () => {
    const input = steadyFeed(planned(40), { events: 30, rate: 4, seed: 1, disorderMs: 800, random: seededRandom(1) });
    const all = [...parsed(input.lines.a).map((r, k) => ({ ...r, arrival: input.arrivalsMs.a[k] })), ...parsed(input.lines.b).map((r, k) => ({ ...r, arrival: input.arrivalsMs.b[k] }))].sort((x, y) => x.arrival - y.arrival || y.i - x.i);
    expect(all).toHaveLength(30);
    // the timeline runs backwards in i: record 39 first
    expect(all.map((r) => r.i)).toEqual(Array.from({ length: 30 }, (_, k) => 39 - k));
    all.forEach((r, k) => {
      expect(r.arrival).toBe(Math.floor((k * 1000) / 4));
      expect(r.ts).toBeLessThanOrEqual(DEFAULT_STEADY_START_MS + r.arrival);
      expect(r.ts).toBeGreaterThanOrEqual(DEFAULT_STEADY_START_MS + r.arrival - 800);
    });
    expect(input.startMs).toBe(DEFAULT_STEADY_START_MS);
  });

  it('sends upfront records first, at once a second before the start and on top of the count, and copies of a record one after the other, identical', () => {
    const input = steadyFeed(
      [
        { atMs: 5, source: 'a', copies: 3, record: (ts) => ({ x: 'copied', ts }) },
        { atMs: 0, source: 'a', record: (ts) => ({ x: 'first', ts }) },
        { atMs: 9, source: 'boot', upfront: true, record: (ts) => ({ x: 'boot', ts }) },
      ],
      { events: 4, rate: 1, seed: 1, startMs: 1_000_000, disorderMs: 0, random: seededRandom(2) },
    );
    expect(input.lines.boot).toEqual([JSON.stringify({ x: 'boot', ts: 999_000 })]);
    expect(input.arrivalsMs.boot).toEqual([-1000]);
    expect(input.lines.a).toEqual([JSON.stringify({ x: 'first', ts: 1_000_000 }), ...Array(3).fill(JSON.stringify({ x: 'copied', ts: 1_001_000 }))]);
    expect(input.arrivalsMs.a).toEqual([0, 1000, 2000, 3000]);
  });

  it('refuses to make fewer records than asked for', () => {
    expect(() => steadyFeed(planned(3), { events: 4, rate: 1, seed: 1, disorderMs: 0, random: seededRandom(1) })).toThrow(/3 of the 4/);
  });
});

describe('planEnough', () => {
  it('widens the horizon until the records inside it are enough', () => {
    const horizons: number[] = [];
    const out = planEnough(100, 10, (horizon) => {
      horizons.push(horizon);
      // one record a second inside the horizon, and followers far beyond it that must not count
      return Array.from({ length: Math.floor(horizon / 1000) }, (_, i) => [{ atMs: i * 1000, source: 's', record: () => 0 }, { atMs: 1e12, source: 's', record: () => 0 }]).flat();
    });
    expect(horizons[0]).toBeCloseTo(11_000, 6); // 100 records at 10/s, and 10 % more
    expect(out.filter((p) => p.atMs <= horizons[horizons.length - 1]).length).toBeGreaterThanOrEqual(100);
    expect(horizons.length).toBeGreaterThan(1);
  });
});
