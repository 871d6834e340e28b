/**
 * The job's results against counts worked out independently (a plain loop over the clicks),
 * in memory with eddy/testing — clean, under chaos, and with malformed input.
 */
import { replay, StageHarness } from 'eddy/testing';
import { describe, expect, it } from 'vitest';
import job, { type Click, type PageViews } from './page-views.ts';

const MINUTE = 60_000;

/** Views per user and minute, by brute force. */
function expected(clicks: Click[]): PageViews[] {
  const counts = new Map<string, PageViews>();
  for (const c of clicks) {
    const windowStart = c.ts - (c.ts % MINUTE);
    const id = `${c.userId}@${windowStart}`;
    const row = counts.get(id) ?? { userId: c.userId, windowStart, windowEnd: windowStart + MINUTE, views: 0 };
    row.views += 1;
    counts.set(id, row);
  }
  return sorted([...counts.values()]);
}

const sorted = (rows: PageViews[]) => [...rows].sort((a, b) => a.userId.localeCompare(b.userId) || a.windowStart - b.windowStart);

/** Clicks of a few users over a few minutes, in order but for a second or two of jitter. */
function clicks(n: number): Click[] {
  return Array.from({ length: n }, (_, i) => ({ userId: `u${i % 4}`, url: `/p/${i % 7}`, ts: i * 1_700 + ((i * 7919) % 3) * 500 }));
}

describe('page-views', () => {
  it('counts views per user and minute', async () => {
    const input = clicks(300);
    const { sinks, deadLetters } = await replay(job, { clicks: input });
    expect(sorted(sinks['page-views'] as PageViews[])).toEqual(expected(input));
    expect(deadLetters).toEqual([]);
  });

  it('gives the same counts when batches crash and are retried', async () => {
    const input = clicks(300);
    const { sinks, faults } = await replay(job, { clicks: input }, { chaos: 0.3, seed: 7, batchSize: 20 });
    expect(faults.crashes).toBeGreaterThan(0);
    expect(sorted(sinks['page-views'] as PageViews[])).toEqual(expected(input));
  });

  it('dead-letters malformed clicks and counts the rest', async () => {
    const input = clicks(50);
    const { sinks, deadLetters } = await replay(job, { clicks: ['{"userId": "u1"', ...input, { userId: '', url: '/', ts: 1 }] });
    expect(deadLetters).toHaveLength(2);
    expect(sorted(sinks['page-views'] as PageViews[])).toEqual(expected(input));
  });

  it('keeps a window open until the watermark passes its end', async () => {
    const stage = await StageHarness.open(job, 'views-per-minute');
    const first = await stage.feed([{ userId: 'u1', url: '/', ts: 10_000 }, { userId: 'u1', url: '/a', ts: 50_000 }]);
    expect(first.sinks).toEqual({});
    expect(await stage.timers('u1')).toEqual([expect.objectContaining({ domain: 'event', ts: MINUTE - 1 })]);
    const fired = await stage.advanceWatermark(MINUTE - 1);
    expect(fired.sinks['page-views']).toEqual([{ userId: 'u1', windowStart: 0, windowEnd: MINUTE, views: 2 }]);
  });
});
