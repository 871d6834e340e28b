/**
 * Exactly once from job to job: a source whose stream is another eddy job's Kinesis sink written
 * with output ids (`KinesisSink.json(…, { outputIds: true })`, records `{"id", "value"}`). Kinesis
 * has no idempotent put, so a batch the upstream job retried may have put an output twice; the
 * ids tell the copies apart. `Job.fromSource` reads such a source as
 * `source → keyBy(id) → keep the first of each id → value`: the check is keyed state with TTL,
 * exactly once under retries like any keyed state, and the key of a copy is its id wherever the
 * copy landed (another shard after a reshard upstream included). It costs a stage: the records
 * cross one more stream and the ids are state for `ttlMs`.
 */
import type { OutputRecord, SourceSpec } from '../connectors/source-spec.ts';
import { KeyedProcessFunction, type Collector, type KeyedContext, type RuntimeContext } from './functions.ts';
import type { Job } from './job.ts';
import type { ValueState } from './state.ts';
import { ValueStateDescriptor } from './state-descriptors.ts';
import { StateTtlConfig } from './state-ttl.ts';
import { DataStream } from './stream.ts';
import type { WatermarkStrategy } from './watermark.ts';

/** Keeps the first record of each output id for `ttlMs` (processing time), and passes on its value. */
export class KeepFirstOfEachId<T> extends KeyedProcessFunction<string, OutputRecord<T>, T> {
  private seen!: ValueState<boolean>;

  constructor(private readonly ttlMs: number) {
    super();
  }

  override open(ctx: RuntimeContext): void {
    this.seen = ctx.getState(new ValueStateDescriptor<boolean>('seen', { ttl: StateTtlConfig.newBuilder(this.ttlMs).build() }));
  }

  async processElement(record: OutputRecord<T>, _ctx: KeyedContext<string>, out: Collector<T>): Promise<void> {
    if (await this.seen.value()) return; // a copy put again by a retried batch upstream
    await this.seen.update(true);
    out.collect(record.value);
  }
}

/** The uid (and stage id) of the operator that keeps each id of source `name` once. */
export const outputIdStage = (name: string) => `${name}-once`;

/**
 * The stream of a source with output ids: its records' values, each id once.
 *
 * @example
 * ```ts
 * // in Job.fromSource, for KinesisSource.json('totals', { outputIds: true })
 * return outputIdSource(this, source, watermarks);
 * ```
 */
export function outputIdSource<T>(job: Job, source: SourceSpec<T>, watermarks: WatermarkStrategy<T>): DataStream<T> {
  const assign = watermarks.timestampAssigner;
  if (!assign) throw new Error(`source ${source.name} (outputIds): give fromSource its watermark strategy with a timestamp assigner`);
  const records: SourceSpec<OutputRecord<T>> = {
    kind: source.kind,
    name: source.name,
    streamName: source.streamName,
    shards: source.shards,
    batchingWindowSeconds: source.batchingWindowSeconds,
    partitionKey: source.partitionKey && ((r) => source.partitionKey!(r.value)),
    decode: source.decodeOutputRecord!,
  };
  const strategy = (watermarks as unknown as WatermarkStrategy<OutputRecord<T>>).withTimestampAssigner((r, arrival) => assign(r.value, arrival));
  const raw = new DataStream<OutputRecord<T>>(job.graph, job.graph.add({ kind: 'source', source: records, watermarks: strategy }));
  return raw.keyBy((r) => r.id).process(new KeepFirstOfEachId<T>(source.outputIds!.ttlMs), { uid: outputIdStage(source.name) });
}
