/**
 * anti-crawler — sliding count window (SCENARIOS.md): per ip, the last 30 requests by
 * arrival (`countWindow(30, 1)`: a count evictor keeps 30, a count trigger fires on each);
 * an alert whenever those 30 span at most 10 s of event time. An ip quiet for a day (processing
 * time) is forgotten (`stateTtl`): its last 30 could not span 10 s anyway, and without it every
 * ip ever seen would keep its last 30 requests forever.
 */
import { z } from 'zod';
import { Job, KinesisSink, KinesisSource, ProcessWindowFunction, StateTtlConfig, Time, WatermarkStrategy, type Collector, type WindowContext } from 'eddy';

export const Request = z.object({ ip: z.string().min(1), path: z.string(), ts: z.number().int().nonnegative() });
export type Request = z.infer<typeof Request>;
export interface Alert { ip: string; firstTs: number; lastTs: number }

export const WINDOW = 30;
export const MAX_SPAN_MS = Time.seconds(10);

class BurstDetector extends ProcessWindowFunction<Request, Alert, string> {
  process(ip: string, _ctx: WindowContext, last: Request[], out: Collector<Alert>) {
    if (last.length < WINDOW) return;
    const firstTs = last[0].ts;
    const lastTs = last[last.length - 1].ts;
    if (lastTs - firstTs <= MAX_SPAN_MS) out.collect({ ip, firstTs, lastTs });
  }
}

const job = new Job('anti-crawler');
job
  .fromSource(KinesisSource.json('requests', { schema: Request, partitionKey: (r) => r.ip }), WatermarkStrategy.forBoundedOutOfOrderness<Request>(Time.seconds(5)).withTimestampAssigner((r) => r.ts))
  .keyBy((r) => r.ip)
  .countWindow(WINDOW, 1)
  .process(new BurstDetector(), { uid: 'last-30', stateTtl: StateTtlConfig.newBuilder(Time.days(1)).build() })
  .sinkTo(KinesisSink.json('alerts', { partitionKey: (a) => a.ip }));
export default job;
