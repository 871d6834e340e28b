/**
 * `WatermarkStrategy.noWatermarks()`: records keep their event time, the watermark stays at the
 * beginning of time until the end of input, so event-time windows fire only then — all of
 * them, with the same contents as with watermarks.
 */
import { describe, expect, it } from 'vitest';
import { Job, KinesisSource, Time, TumblingEventTimeWindows, WatermarkStrategy } from '../../../lib/api/index.ts';
import { MAX_WATERMARK, MIN_WATERMARK } from '../../../lib/api/time.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import type { BatchResult } from '../../../lib/runtime/batch.ts';
import { withBatchSize } from '../support/batch-size.ts';
import { sink } from '../support/tiny.ts';

interface Click { page: string; n: number; ts: number }

function job(strategy: WatermarkStrategy<Click>): Job {
  const j = new Job('no-watermarks', { parallelism: 1 });
  j.fromSource(KinesisSource.json<Click>('clicks'), strategy.withTimestampAssigner((c) => c.ts))
    .keyBy((c) => c.page).window(TumblingEventTimeWindows.of(Time.seconds(10))).sum('n', { uid: 'per-10s' })
    .sinkTo(sink<Click>('out'));
  return j;
}

const clicks = Array.from({ length: 60 }, (_, i) => ({ page: `p${i % 3}`, n: 1 + (i % 4), ts: 1_000 + i * 1_000 }));

describe('WatermarkStrategy.noWatermarks()', () => {
  it('fires every window only at the end of input, with what the windows hold', async () => {
    const run = async (strategy: WatermarkStrategy<Click>) => {
      const batches: BatchResult[] = [];
      const j = job(strategy);
      const { sinks } = await withBatchSize(j, 5, () => replayInMemory(j, { clicks: clicks.map((c) => JSON.stringify(c)) }, { onBatch: (b) => batches.push(b) }));
      return { out: sinks.values('out') as Click[], keyed: batches.filter((b) => b.stage === 'per-10s') };
    };
    const without = await run(WatermarkStrategy.noWatermarks<Click>());
    const bounded = await run(WatermarkStrategy.forBoundedOutOfOrderness<Click>(0));
    // Brute force: per page and 10 s window, the sum of n (the first click's other fields).
    const expected = new Map<string, Click>();
    for (const c of clicks) {
      const id = `${c.page}@${Math.floor(c.ts / 10_000)}`;
      const held = expected.get(id);
      expected.set(id, held ? { ...held, n: held.n + c.n } : c);
    }
    const sorted = (xs: Click[]) => xs.map((x) => JSON.stringify(x)).sort();
    expect(sorted(without.out)).toEqual(sorted([...expected.values()]));
    expect(sorted(bounded.out)).toEqual(sorted(without.out));
    // Without watermarks the keyed stage sees none until the end; with them, it advances as the clicks come.
    expect(without.keyed.filter((b) => b.watermark > MIN_WATERMARK).map((b) => b.watermark)).toEqual([MAX_WATERMARK]);
    expect(without.keyed.slice(0, -1).every((b) => b.outputs === 0)).toBe(true);
    expect(bounded.keyed.some((b) => b.watermark > MIN_WATERMARK && b.watermark < MAX_WATERMARK && b.outputs > 0)).toBe(true); // windows fired on the way
  });

  it('has no watermark to advance when idle', () => {
    expect(() => WatermarkStrategy.noWatermarks<Click>().withIdleness(1000)).toThrow(/without watermarks has none to advance/);
  });
});
