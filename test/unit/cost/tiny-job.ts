/** A keyed count whose batches are known in advance, for the cost tests: events `{key, ts}`, one `{key, count}` out per event. */
import { Job, KeyedProcessFunction, KinesisSink, KinesisSource, ValueStateDescriptor, WatermarkStrategy, type Collector, type KeyedContext, type RuntimeContext, type ValueState } from '../../../lib/api/index.ts';

export interface Event { key: string; ts: number }
interface Count { key: string; count: number }

class CountPerKey extends KeyedProcessFunction<string, Event, Count> {
  private count!: ValueState<number>;
  override open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
  }
  async processElement(_e: Event, ctx: KeyedContext<string>, out: Collector<Count>): Promise<void> {
    const count = ((await this.count.value()) ?? 0) + 1;
    await this.count.update(count);
    out.collect({ key: ctx.getCurrentKey(), count });
  }
}

/** Job `cost-tiny`: source `events` → stage `count` (keyed by key, `parallelism` shards) → sink `counts`. */
export function tinyJob(options: { batchSize: number; parallelism?: number; stateBackend?: 'log' | 'items' }): Job {
  const job = new Job('cost-tiny', { parallelism: options.parallelism ?? 1, batchSize: options.batchSize, stateBackend: options.stateBackend ?? 'log' });
  job
    .fromSource(KinesisSource.json<Event>('events', { partitionKey: (e) => e.key }), WatermarkStrategy.forBoundedOutOfOrderness<Event>(0).withTimestampAssigner((e) => e.ts))
    .keyBy((e) => e.key)
    .process(new CountPerKey(), { uid: 'count' })
    .sinkTo(KinesisSink.json<Count>('counts', { partitionKey: (c) => c.key }));
  return job;
}
