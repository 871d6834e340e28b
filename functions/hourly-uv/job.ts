/**
 * hourly-uv — distinct users and orders per whole hour, updated every 5 s (SCENARIOS.md).
 *
 * Two phases, so that no single key receives every event of an hour (the notes' "only one
 * parallelism" problem):
 * 1. keyBy(user bucket) → tumbling 1 h window with a 5 s continuous trigger: each bucket
 *    counts its own users (disjoint from other buckets') and events, and reports its running
 *    counts every 5 s of event time and at the end of the hour.
 * 2. keyBy(hourStart) → the sum over buckets of their latest counts (counts only grow, so the
 *    largest report per bucket is the latest). An early result every 5 s of event time while
 *    reports come in; the final one when the watermark passes the end of the hour — by then
 *    every bucket has sent its final counts, as phase 1 emits before it forwards the watermark.
 */
import {
  ContinuousEventTimeTrigger, Job, KeyedProcessFunction, KinesisSink, ProcessWindowFunction, Time, TumblingEventTimeWindows, ValueStateDescriptor,
  type Collector, type KeyedContext, type OnTimerContext, type RuntimeContext, type ValueState, type WindowContext,
} from 'eddy';
import { distinctUsersAndEvents, purchasesSource, purchaseWatermarks, userBucket } from '../purchases.ts';

export const BUCKETS = 8;
const HOUR = Time.hours(1);
const EARLY_EVERY = Time.seconds(5);

/** A bucket's running counts for one hour. */
export interface BucketCounts { hourStart: number; bucket: number; uv: number; orders: number }
export interface HourlyResult { hourStart: number; uv: number; orders: number; final: boolean }

class ReportBucket extends ProcessWindowFunction<{ uv: number; events: number }, BucketCounts, number> {
  process(bucket: number, ctx: WindowContext, counts: { uv: number; events: number }[], out: Collector<BucketCounts>) {
    for (const c of counts) out.collect({ hourStart: ctx.window.start, bucket, uv: c.uv, orders: c.events });
  }
}

class HourTotals extends KeyedProcessFunction<number, BucketCounts, HourlyResult> {
  private buckets!: ValueState<Record<string, { uv: number; orders: number }>>;

  override open(ctx: RuntimeContext) {
    this.buckets = ctx.getState(new ValueStateDescriptor<Record<string, { uv: number; orders: number }>>('buckets'));
  }

  async processElement(c: BucketCounts, ctx: KeyedContext<number>) {
    const buckets = (await this.buckets.value()) ?? {};
    const seen = buckets[c.bucket] ?? { uv: 0, orders: 0 };
    buckets[c.bucket] = { uv: Math.max(seen.uv, c.uv), orders: Math.max(seen.orders, c.orders) };
    await this.buckets.update(buckets);
    const timers = ctx.timerService();
    const finalAt = c.hourStart + HOUR - 1;
    timers.registerEventTimeTimer(finalAt);
    const early = (Math.floor(Math.max(timers.currentWatermark(), c.hourStart) / EARLY_EVERY) + 1) * EARLY_EVERY;
    if (early < finalAt) timers.registerEventTimeTimer(early);
  }

  override async onTimer(ts: number, ctx: OnTimerContext<number>, out: Collector<HourlyResult>) {
    const buckets = await this.buckets.value();
    if (!buckets) return;
    const hourStart = ctx.getCurrentKey();
    const final = ts >= hourStart + HOUR - 1;
    const all = Object.values(buckets);
    out.collect({ hourStart, uv: all.reduce((n, b) => n + b.uv, 0), orders: all.reduce((n, b) => n + b.orders, 0), final });
    if (final) await this.buckets.clear();
  }
}

const job = new Job('hourly-uv', { idleWatermarkAdvance: true });
const hourly = job
  .fromSource(purchasesSource(), purchaseWatermarks())
  .keyBy((p) => userBucket(p.userId, BUCKETS))
  .window(TumblingEventTimeWindows.of(HOUR))
  .trigger(ContinuousEventTimeTrigger.of(EARLY_EVERY))
  .aggregate(distinctUsersAndEvents, new ReportBucket(), { uid: 'bucket-counts' })
  .keyBy((c) => c.hourStart)
  .process(new HourTotals(), { uid: 'hour-totals' });
hourly.map((r) => ({ hourStart: r.hourStart, uv: r.uv, final: r.final })).sinkTo(KinesisSink.json('hourly-uv', { partitionKey: (r) => String(r.hourStart) }));
hourly.map((r) => ({ hourStart: r.hourStart, orders: r.orders, final: r.final })).sinkTo(KinesisSink.json('hourly-orders', { partitionKey: (r) => String(r.hourStart) }));
export default job;
