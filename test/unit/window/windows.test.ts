/**
 * The window operators on the in-memory engine against brute-force expectations: tumbling,
 * sliding (sliced and per-window, which must agree), sessions, count windows, lateness and
 * late-data side output, early firings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ContinuousEventTimeTrigger, EventTimeSessionWindows, Job, OutputTag, ProcessWindowFunction,
  SlidingEventTimeWindows, TumblingEventTimeWindows, type Collector, type WindowContext,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { lines, sink as tinySink, tsSource } from '../support/tiny.ts';

interface Ev { k: string; v: number; ts: number }
interface Row { k: string; start: number; end: number; sum: number; n?: number; wm?: number }

class WithWindow extends ProcessWindowFunction<number, Row, string> {
  process(k: string, ctx: WindowContext, sums: number[], out: Collector<Row>) {
    for (const sum of sums) out.collect({ k, start: ctx.window.start, end: ctx.window.end, sum });
  }
}
class AllElements extends ProcessWindowFunction<Ev, Row, string> {
  process(k: string, ctx: WindowContext, els: Ev[], out: Collector<Row>) {
    out.collect({ k, start: ctx.window.start, end: ctx.window.end, sum: els.reduce((s, e) => s + e.v, 0), n: els.length });
  }
}

const sumAgg = { createAccumulator: () => 0, add: (e: Ev, acc: number) => acc + e.v, getResult: (acc: number) => acc, merge: (a: number, b: number) => a + b };

/** `batchSize` 1 makes the watermark advance after every record (it follows each batch's data). */
function windowJob(build: (keyed: ReturnType<typeof keyedOf>) => { sinkTo(s: unknown): void } | void, outOfOrderness = 0, batchSize = 7) {
  const job = new Job('w', { parallelism: 2, batchSize });
  const keyed = keyedOf(job, outOfOrderness);
  build(keyed);
  return job;
}
function keyedOf(job: Job, outOfOrderness: number) {
  return tsSource<Ev>(job, 'events', { outOfOrderness }).keyBy((e) => e.k);
}
const sink = () => tinySink<Row>('rows');
const run = async (job: Job, events: Ev[]) => (await replayInMemory(job, { events: lines(events) })).sinks;
const order = (a: Row, b: Row) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.start - b.start || a.end - b.end || a.sum - b.sum);

/** Sliding windows of size/slide aligned to 0 holding at least one event, by brute force. */
function bruteSliding(events: Ev[], size: number, slide: number): Row[] {
  const rows = new Map<string, Row>();
  for (const e of events) {
    for (let start = Math.floor(e.ts / slide) * slide; start > e.ts - size; start -= slide) {
      const id = `${e.k}/${start}`;
      const row = rows.get(id) ?? { k: e.k, start, end: start + size, sum: 0 };
      row.sum += e.v;
      rows.set(id, row);
    }
  }
  return [...rows.values()].sort(order);
}

const eventsArb = fc.array(fc.record({ k: fc.constantFrom('a', 'b', 'c'), v: fc.integer({ min: 1, max: 9 }), ts: fc.integer({ min: 0, max: 400 }) }), { minLength: 1, maxLength: 60 })
  .map((evs) => evs.sort((x, y) => x.ts - y.ts));

describe('windows', () => {
  it('sliding windows, sliced and per-window, equal brute force (property)', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, fc.constantFrom([100, 20], [60, 60], [90, 30], [50, 15]), async (events, [size, slide]) => {
        const expected = bruteSliding(events, size, slide);
        for (const slicing of [true, false]) {
          const job = windowJob((k) => k.window(SlidingEventTimeWindows.of(size, slide)).aggregate(sumAgg, new WithWindow(), { slicing }).sinkTo(sink()));
          expect((await run(job, events)).values('rows').sort(order as any)).toEqual(expected);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('tumbling windows with a process function see every element', async () => {
    const events: Ev[] = [{ k: 'a', v: 1, ts: 5 }, { k: 'a', v: 2, ts: 9 }, { k: 'a', v: 4, ts: 10 }, { k: 'b', v: 8, ts: 12 }];
    const job = windowJob((k) => k.window(TumblingEventTimeWindows.of(10)).process(new AllElements()).sinkTo(sink()));
    expect((await run(job, events)).values('rows').sort(order as any)).toEqual([
      { k: 'a', start: 0, end: 10, sum: 3, n: 2 }, { k: 'a', start: 10, end: 20, sum: 4, n: 1 }, { k: 'b', start: 10, end: 20, sum: 8, n: 1 },
    ]);
  });

  it('session windows merge elements closer than the gap', async () => {
    const events: Ev[] = [{ k: 'a', v: 1, ts: 0 }, { k: 'a', v: 1, ts: 8 }, { k: 'a', v: 1, ts: 30 }, { k: 'a', v: 1, ts: 17 }, { k: 'b', v: 5, ts: 3 }];
    const job = windowJob((k) => k.window(EventTimeSessionWindows.withGap(10)).aggregate(sumAgg, new WithWindow()).sinkTo(sink()), 20);
    expect((await run(job, events)).values('rows').sort(order as any)).toEqual([
      { k: 'a', start: 0, end: 27, sum: 3 }, { k: 'a', start: 30, end: 40, sum: 1 }, { k: 'b', start: 3, end: 13, sum: 5 },
    ]);
  });

  it('countWindow(3, 1) fires on every element with the last three', async () => {
    const events: Ev[] = [1, 2, 3, 4, 5].map((v, i) => ({ k: 'a', v, ts: i * 100 }));
    const job = windowJob((k) => k.countWindow(3, 1).process(new AllElements()).sinkTo(sink()));
    expect((await run(job, events)).values('rows').map((r: any) => [r.sum, r.n])).toEqual([[1, 1], [3, 2], [6, 3], [9, 3], [12, 3]]);
  });

  it('late elements: within allowed lateness they re-fire the window, beyond it they go to the side output', async () => {
    const late = new OutputTag<Ev>('late');
    const events: Ev[] = [{ k: 'a', v: 1, ts: 5 }, { k: 'a', v: 1, ts: 25 }, { k: 'a', v: 10, ts: 8 }, { k: 'a', v: 1, ts: 45 }, { k: 'a', v: 100, ts: 9 }];
    const job = windowJob((k) => {
      const sums = k.window(TumblingEventTimeWindows.of(10)).allowedLateness(20).sideOutputLateData(late).aggregate(sumAgg, new WithWindow());
      sums.sinkTo(sink());
      sums.getSideOutput(late).sinkTo(tinySink<Ev>('late'));
    }, 0, 1);
    const sinks = await run(job, events);
    // [0,10) fires at watermark 24 (sum 1), again with the late 8 (sum 11); the 9 arrives after the watermark passed 29: too late.
    expect(sinks.values('rows').filter((r: any) => r.start === 0)).toEqual([{ k: 'a', start: 0, end: 10, sum: 1 }, { k: 'a', start: 0, end: 10, sum: 11 }]);
    expect(sinks.values('late')).toEqual([{ k: 'a', v: 100, ts: 9 }]);
  });

  it('a continuous trigger gives early results, non-decreasing, then the final one', async () => {
    const events: Ev[] = [0, 3, 7, 12, 18, 26].map((ts) => ({ k: 'a', v: 1, ts }));
    const job = windowJob((k) => k.window(TumblingEventTimeWindows.of(30)).trigger(ContinuousEventTimeTrigger.of(5)).aggregate(sumAgg, new WithWindow()).sinkTo(sink()), 0, 1);
    const sums = (await run(job, events)).values('rows').map((r: any) => r.sum);
    expect(sums.at(-1)).toBe(6);
    expect(sums.length).toBeGreaterThan(3);
    expect(sums).toEqual([...sums].sort((a, b) => a - b));
  });
});
