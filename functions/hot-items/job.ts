/**
 * hot-items — top 10 items of the last hour, every 5 s (SCENARIOS.md), as in Flink's classic
 * example: a sliding 1 h / 5 s window counts each item (sliced: one counter per 5 s slice
 * and item, whatever the 720 windows an event belongs to), then, keyed by window end, the
 * window's item counts are collected and the top 10 emitted when the watermark passes the end.
 */
import {
  Job, KeyedProcessFunction, KinesisSink, ProcessWindowFunction, SlidingEventTimeWindows, Time, ValueStateDescriptor,
  type Collector, type KeyedContext, type OnTimerContext, type RuntimeContext, type ValueState, type WindowContext,
} from 'eddy';
import { purchasesSource, purchaseWatermarks, type Purchase } from '../purchases.ts';

export const TOP_N = 10;
interface ItemCount { spuId: string; windowStart: number; windowEnd: number; count: number }
export interface HotItems { windowStart: number; windowEnd: number; items: { spuId: string; count: number }[] }

export const countEvents = {
  createAccumulator: () => 0,
  add: (_p: Purchase, n: number) => n + 1,
  getResult: (n: number) => n,
  merge: (a: number, b: number) => a + b,
};

class WithWindow extends ProcessWindowFunction<number, ItemCount, string> {
  process(spuId: string, ctx: WindowContext, counts: number[], out: Collector<ItemCount>) {
    for (const count of counts) out.collect({ spuId, windowStart: ctx.window.start, windowEnd: ctx.window.end, count });
  }
}

/** Keeps the best TOP_N counts of a window as they arrive; emits them when the window is complete. */
class TopN extends KeyedProcessFunction<number, ItemCount, HotItems> {
  private top!: ValueState<HotItems>;
  override open(ctx: RuntimeContext) {
    this.top = ctx.getState(new ValueStateDescriptor<HotItems>('top'));
  }
  async processElement(c: ItemCount, ctx: KeyedContext<number>) {
    const top = (await this.top.value()) ?? { windowStart: c.windowStart, windowEnd: c.windowEnd, items: [] };
    top.items.push({ spuId: c.spuId, count: c.count });
    top.items.sort((a, b) => b.count - a.count || (a.spuId < b.spuId ? -1 : a.spuId > b.spuId ? 1 : 0));
    if (top.items.length > TOP_N) top.items.length = TOP_N;
    await this.top.update(top);
    ctx.timerService().registerEventTimeTimer(c.windowEnd - 1);
  }
  override async onTimer(_ts: number, _ctx: OnTimerContext<number>, out: Collector<HotItems>) {
    const top = await this.top.value();
    if (top) out.collect(top);
    await this.top.clear();
  }
}

/** The job; `slicing: false` builds the per-window variant the benchmark compares against. */
export function hotItemsJob(options: { slicing?: boolean } = {}): Job {
  const job = new Job('hot-items', { idleWatermarkAdvance: true });
  job
    .fromSource(purchasesSource(), purchaseWatermarks())
    .keyBy((p) => p.spuId)
    .window(SlidingEventTimeWindows.of(Time.hours(1), Time.seconds(5)))
    .aggregate(countEvents, new WithWindow(), { uid: 'item-counts', slicing: options.slicing })
    .keyBy((c) => c.windowEnd)
    .process(new TopN(), { uid: 'top-items' })
    .sinkTo(KinesisSink.json('hot-items', { partitionKey: (h) => String(h.windowEnd) }));
  return job;
}

export default hotItemsJob();
