/**
 * bench-keyed-count: the benchmark job. Counts events per key in a ValueState<number> and
 * emits `{ key, count }` only when a key's count reaches a multiple of 1000, so that the
 * sink stays negligible and the cost measured is that of keyed state.
 */
import {
  Job,
  KeyedProcessFunction,
  KinesisSink,
  KinesisSource,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type KeyedContext,
  type RuntimeContext,
  type ValueState,
} from '../../lib/api/index.ts';

export interface KeyedEvent {
  key: string;
  ts: number;
}

export interface KeyCount {
  key: string;
  count: number;
}

/** A key emits each time its count reaches a multiple of this. */
export const EMIT_EVERY = 1000;

export class CountPerKey extends KeyedProcessFunction<string, KeyedEvent, KeyCount> {
  private count!: ValueState<number>;

  override open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
  }

  async processElement(_event: KeyedEvent, ctx: KeyedContext<string>, out: Collector<KeyCount>): Promise<void> {
    const count = ((await this.count.value()) ?? 0) + 1;
    await this.count.update(count);
    if (count % EMIT_EVERY === 0) out.collect({ key: ctx.getCurrentKey(), count });
  }
}

const job = new Job('bench-keyed-count', { parallelism: 2, batchSize: 100 });

job
  .fromSource(
    KinesisSource.json<KeyedEvent>('events', { partitionKey: (e) => e.key }),
    WatermarkStrategy.forBoundedOutOfOrderness<KeyedEvent>(0).withTimestampAssigner((e) => e.ts),
  )
  .keyBy((e) => e.key)
  .process(new CountPerKey(), { uid: 'keyed-count' })
  .sinkTo(KinesisSink.json<KeyCount>('counts', { partitionKey: (c) => c.key }));

export default job;
