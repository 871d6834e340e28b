import { outputIdSource } from './output-id-source.ts';
import { DataStream } from './stream.ts';
import { WatermarkStrategy } from './watermark.ts';
import type { SourceSpec } from '../connectors/source-spec.ts';
import { DEFAULT_JOB_OPTIONS, JobGraph, type JobOptions } from '../plan/graph.ts';
import { plannedShards } from '../plan/stream-mode.ts';

/**
 * A streaming job (Flink's `StreamExecutionEnvironment` plus the job it builds). Define sources,
 * operators and sinks on it; `eddy plan`, `eddy replay` and `eddy run` take the module whose
 * default export is the job.
 *
 * @example
 * ```ts
 * const job = new Job('order-timeout', { idleWatermarkAdvance: true });
 * job.fromSource(KinesisSource.json('orders', { schema: Order }), strategy)
 *   .keyBy((o) => o.orderId)
 *   .process(new OrderTimeout(), { uid: 'order-timeout' })
 *   .sinkTo(KinesisSink.json('paid', { partitionKey: (p) => p.orderId }));
 * export default job;
 * ```
 */
export class Job {
  readonly graph: JobGraph;

  constructor(readonly name: string, options: JobOptions = {}) {
    if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) throw new Error(`job name must match [a-z0-9-] (max 41 chars), got "${name}"`);
    const merged = { ...DEFAULT_JOB_OPTIONS, ...options };
    // Without a parallelism of its own, a keyed stage gets the shards its planned rate needs.
    this.graph = new JobGraph(name, { ...merged, parallelism: options.parallelism ?? plannedShards(merged.plannedEventsPerSecond) });
  }

  /**
   * Reads a source with the given event-time and watermark strategy, or with none yet: then
   * `assignTimestampsAndWatermarks` on the returned stream gives it (Flink's two spellings).
   *
   * @example
   * ```ts
   * job.fromSource(KinesisSource.json('orders', { schema: Order, partitionKey: (o) => o.orderId }),
   *   WatermarkStrategy.forBoundedOutOfOrderness<Order>(Time.seconds(5)).withTimestampAssigner((o) => o.ts));
   * ```
   */
  fromSource<T>(source: SourceSpec<T>, watermarks: WatermarkStrategy<T> = WatermarkStrategy.noWatermarks<T>()): DataStream<T> {
    if (this.graph.nodes.some((n) => n.kind === 'source' && n.source.name === source.name)) {
      throw new Error(`job ${this.name}: two sources named ${source.name}`);
    }
    if (source.outputIds) return outputIdSource(this, source, watermarks);
    return new DataStream<T>(this.graph, this.graph.add({ kind: 'source', source, watermarks }));
  }
}
