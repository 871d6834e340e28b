/**
 * Page views per user and minute: clicks (JSON, `{ userId, url, ts }`) are counted in tumbling
 * event-time windows of one minute, a count per user and window to the sink `page-views`.
 * Clicks may come up to 5 s out of order; a malformed click goes to the dead letters.
 */
import { z } from 'zod';
import {
  Job, KinesisSink, KinesisSource, ProcessWindowFunction, Time, TumblingEventTimeWindows, WatermarkStrategy,
  type AggregateFunction, type Collector, type WindowContext,
} from 'eddy';

export const Click = z.object({ userId: z.string().min(1), url: z.string(), ts: z.number().int().nonnegative() });
export type Click = z.infer<typeof Click>;
export interface PageViews { userId: string; windowStart: number; windowEnd: number; views: number }

const count: AggregateFunction<Click, number, number> = {
  createAccumulator: () => 0,
  add: (_click, n) => n + 1,
  getResult: (n) => n,
  merge: (a, b) => a + b,
};

class WithWindow extends ProcessWindowFunction<number, PageViews, string> {
  process(userId: string, ctx: WindowContext, counts: number[], out: Collector<PageViews>) {
    out.collect({ userId, windowStart: ctx.window.start, windowEnd: ctx.window.end, views: counts[0] });
  }
}

const job = new Job('page-views');
job
  .fromSource(
    KinesisSource.json('clicks', { schema: Click, partitionKey: (c) => c.userId }),
    WatermarkStrategy.forBoundedOutOfOrderness<Click>(Time.seconds(5)).withTimestampAssigner((c) => c.ts),
  )
  .keyBy((c) => c.userId)
  .window(TumblingEventTimeWindows.of(Time.minutes(1)))
  .aggregate(count, new WithWindow(), { uid: 'views-per-minute' })
  .sinkTo(KinesisSink.json('page-views', { partitionKey: (v) => v.userId }));

export default job;
