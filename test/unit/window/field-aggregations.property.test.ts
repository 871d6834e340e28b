/**
 * `sum`, `min`, `max`, `minBy`, `maxBy` on windowed streams against brute force: random
 * in-order records of a few keys into tumbling and sliding event-time windows, one result per
 * key and window, the field aggregated over the window's records and the other fields the
 * window's first record's (or the whole chosen record for minBy / maxBy).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Job, SlidingEventTimeWindows, Time, TumblingEventTimeWindows } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { withBatchSize } from '../support/batch-size.ts';
import { sink, tsSource } from '../support/tiny.ts';

interface Reading { sensor: string; value: number; tag: string; ts: number }
type Op = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';
const SIZE = 10_000;
const SLIDE = 5_000;

function job(op: Op, sliding: boolean): Job {
  const j = new Job(`windowed-${op.toLowerCase()}`, { parallelism: 2 });
  const windowed = tsSource<Reading>(j, 'readings', { outOfOrderness: 0 }).keyBy((r) => r.sensor)
    .window(sliding ? SlidingEventTimeWindows.of(Time.milliseconds(SIZE), Time.milliseconds(SLIDE)) : TumblingEventTimeWindows.of(Time.milliseconds(SIZE)));
  windowed[op]('value', { uid: 'agg' }).sinkTo(sink<Reading>('out'));
  return j;
}

/** Per key and window start, the aggregate of the window's records, computed directly. */
function bruteForce(op: Op, rows: Reading[], sliding: boolean): Map<string, Reading> {
  const expected = new Map<string, Reading>();
  // As Flink assigns them: a sliding window may start before 0.
  const starts = (ts: number) => (sliding ? [Math.floor(ts / SLIDE) * SLIDE - SLIDE, Math.floor(ts / SLIDE) * SLIDE].filter((s) => s <= ts && ts < s + SIZE) : [Math.floor(ts / SIZE) * SIZE]);
  const windows = new Map<string, Reading[]>();
  for (const r of rows) for (const start of starts(r.ts)) windows.set(`${r.sensor}@${start}`, [...(windows.get(`${r.sensor}@${start}`) ?? []), r]);
  for (const [id, rs] of windows) {
    const values = rs.map((r) => r.value);
    const result = {
      sum: () => ({ ...rs[0], value: values.reduce((a, b) => a + b, 0) }),
      min: () => ({ ...rs[0], value: Math.min(...values) }),
      max: () => ({ ...rs[0], value: Math.max(...values) }),
      minBy: () => rs.find((r) => r.value === Math.min(...values))!,
      maxBy: () => rs.find((r) => r.value === Math.max(...values))!,
    }[op]();
    expected.set(id, result);
  }
  return expected;
}

const readings = fc.array(fc.record({ sensor: fc.constantFrom('s1', 's2', 's3'), value: fc.integer({ min: -9, max: 9 }), tag: fc.constantFrom('a', 'b'), gap: fc.integer({ min: 0, max: 3_000 }) }), { minLength: 1, maxLength: 30 });

describe('field aggregations of windowed streams', () => {
  for (const sliding of [false, true]) {
    for (const op of ['sum', 'min', 'max', 'minBy', 'maxBy'] as Op[]) {
      it(`${op} over ${sliding ? 'sliding' : 'tumbling'} windows: one record per key and window, as brute force computes it`, async () => {
        await fc.assert(
          fc.asyncProperty(readings, fc.integer({ min: 1, max: 8 }), async (rows, batchSize) => {
            let ts = 1_000;
            const input: Reading[] = rows.map(({ gap, ...r }) => ({ ...r, ts: (ts += gap) }));
            const j = job(op, sliding);
            const { sinks } = await withBatchSize(j, batchSize, () => replayInMemory(j, { readings: input.map((r) => JSON.stringify(r)) }));
            const got = sinks.values('out') as Reading[];
            const expected = bruteForce(op, input, sliding);
            expect(got).toHaveLength(expected.size);
            // A result carries no window: match it to the windows of its key by content.
            const remaining = [...expected.values()].map((r) => JSON.stringify(r)).sort();
            expect(got.map((r) => JSON.stringify(r)).sort()).toEqual(remaining);
          }),
          { numRuns: 12 },
        );
      }, 120_000);
    }
  }
});
