/**
 * uv-sliding — distinct users over the last hour, every 10 s (SCENARIOS.md).
 *
 * Two phases: per user bucket, a sliding 1 h / 10 s window keeps one set of users per 10 s
 * slice (slicing: an event touches one accumulator, not 360) and reports each window's
 * distinct count; then, keyed by window end, the buckets' counts (disjoint users) are summed
 * when the watermark passes the window's end.
 */
import {
  Job, KeyedProcessFunction, KinesisSink, ProcessWindowFunction, SlidingEventTimeWindows, Time, ValueStateDescriptor,
  type Collector, type KeyedContext, type OnTimerContext, type RuntimeContext, type ValueState, type WindowContext,
} from 'eddy';
import { distinctUsersAndEvents, purchasesSource, purchaseWatermarks, userBucket } from '../purchases.ts';

export const BUCKETS = 8;
interface WindowUv { windowStart: number; windowEnd: number; uv: number }

class ReportWindow extends ProcessWindowFunction<{ uv: number; events: number }, WindowUv, number> {
  process(_bucket: number, ctx: WindowContext, counts: { uv: number; events: number }[], out: Collector<WindowUv>) {
    for (const c of counts) out.collect({ windowStart: ctx.window.start, windowEnd: ctx.window.end, uv: c.uv });
  }
}

/** Sums the buckets' counts of one window once every bucket has reported (the watermark passed its end). */
class SumBuckets extends KeyedProcessFunction<number, WindowUv, WindowUv> {
  private total!: ValueState<WindowUv>;
  override open(ctx: RuntimeContext) {
    this.total = ctx.getState(new ValueStateDescriptor<WindowUv>('total'));
  }
  async processElement(w: WindowUv, ctx: KeyedContext<number>) {
    const total = await this.total.value();
    await this.total.update({ ...w, uv: (total?.uv ?? 0) + w.uv });
    ctx.timerService().registerEventTimeTimer(w.windowEnd - 1);
  }
  override async onTimer(_ts: number, _ctx: OnTimerContext<number>, out: Collector<WindowUv>) {
    const total = await this.total.value();
    if (total) out.collect(total);
    await this.total.clear();
  }
}

const job = new Job('uv-sliding', { idleWatermarkAdvance: true });
job
  .fromSource(purchasesSource(), purchaseWatermarks())
  .keyBy((p) => userBucket(p.userId, BUCKETS))
  .window(SlidingEventTimeWindows.of(Time.hours(1), Time.seconds(10)))
  .aggregate(distinctUsersAndEvents, new ReportWindow(), { uid: 'bucket-uv' })
  .keyBy((w) => w.windowEnd)
  .process(new SumBuckets(), { uid: 'window-uv' })
  .sinkTo(KinesisSink.json('uv-1h', { partitionKey: (w) => String(w.windowEnd) }));
export default job;
