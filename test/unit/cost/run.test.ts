/**
 * lib/cost/run.ts + price.ts on a tiny keyed count whose batches are known in advance: the
 * counts must be those worked out from the input alone.
 */
import { describe, expect, it } from 'vitest';
import { PRICES } from '../../../lib/cost/model.ts';
import { Job, KeyedProcessFunction, KinesisSink, KinesisSource, ValueStateDescriptor, WatermarkStrategy, type Collector, type KeyedContext, type RuntimeContext, type ValueState } from '../../../lib/api/index.ts';
import { priceRun } from '../../../lib/cost/price.ts';
import { runCost } from '../../../lib/cost/run.ts';

interface Event { key: string; ts: number }
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

const B = 50; // records per invocation
const K = 10; // distinct keys, every one in every batch
function tinyJob(): Job {
  const job = new Job('cost-tiny', { parallelism: 1, batchSize: B });
  job
    .fromSource(KinesisSource.json<Event>('events', { partitionKey: (e) => e.key }), WatermarkStrategy.forBoundedOutOfOrderness<Event>(0).withTimestampAssigner((e) => e.ts))
    .keyBy((e) => e.key)
    .process(new CountPerKey(), { uid: 'count' })
    .sinkTo(KinesisSink.json<Count>('counts', { partitionKey: (c) => c.key }));
  return job;
}
const lines = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ key: `k${i % K}`, ts: 1_000 + i }));

describe('runCost', () => {
  it('fed all at once: ⌈N / B⌉ source invocations, every record read once, one Kinesis record put per input line', async () => {
    const input = lines(260);
    const run = await runCost(tinyJob(), { events: input }, { rate: Infinity });
    const source = run.counts.actors['source-events'];
    expect(source.invocations).toBe(Math.ceil(260 / B));
    expect(source.recordsRead).toBe(260);
    const bytes = input.reduce((n, l) => n + Buffer.byteLength(l) + Buffer.byteLength(JSON.parse(l).key), 0);
    expect(run.counts.streams['cost-tiny-source-events']).toEqual({ requests: 1, records: 260, bytes, billedKb: 260, payloadUnits: 260 });
    expect(source.bytesRead).toBe(bytes);
    expect(run.sinkRecords).toEqual({ counts: 260 });
    expect(run.deadLetters).toBe(0);
  });

  it('fed B records a second: one batch per stage a second; state units follow distinct keys; sinks one record per output', async () => {
    const seconds = 6;
    const run = await runCost(tinyJob(), { events: lines(seconds * B) }, { rate: B });
    const source = run.counts.actors['source-events'];
    const keyed = run.counts.actors['count'];
    expect(source.invocations).toBe(seconds);
    // a checkpoint read (under 4 KB, 1 unit; absent at first, still 1) and a conditional put of it (1 unit) a batch
    expect(source.dynamo).toMatchObject({ readUnits: seconds, writeUnits: seconds });
    // each second one record (B envelopes + the watermark) on the keyed stage's only shard, and the end of input
    expect(keyed.invocations).toBe(seconds + 1);
    expect(keyed.recordsRead).toBe(seconds + 1);
    expect(keyed.events).toBe(seconds * B);
    // each data batch preloads its K keys (1 unit each: absent at first, then under 4 KB) and
    // commits the cheapest way (lib/runtime/commit.ts): a transaction would cost 2 × (K + 1); the
    // checkpoint carrying the deflated redo log of the K items is still under 1 KB (1 unit), and
    // applying them costs K (1 unit each, all under 1 KB). The end-of-input batch puts its
    // checkpoint alone (1 unit); every checkpoint read is under 4 KB (1 unit).
    expect(keyed.dynamo.byKind.state).toEqual({ readUnits: seconds * K, writeUnits: seconds * K });
    expect(keyed.dynamo.byKind.checkpoint).toEqual({ readUnits: seconds + 1, writeUnits: seconds + 1 });
    // one sink record per event: {"key":"k3","count":12} with partition key k3, each under 1 KB
    expect(keyed.sinkPuts.records).toBe(seconds * B);
    expect(keyed.sinkPuts.billedKb).toBe(seconds * B);
    expect(keyed.sinkPuts.payloadUnits).toBe(seconds * B);
    expect(run.counts.streams['cost-tiny-count'].records).toBe(seconds + 1);
  });

  it('prices the counts at list prices, and the naive baseline from the same events', async () => {
    const seconds = 4;
    const n = seconds * B;
    const run = await runCost(tinyJob(), { events: lines(n) }, { rate: B });
    const report = priceRun(run, { ioMs: 10 });
    const [source, keyed] = report.stages;
    const a = run.counts.actors['source-events'];
    expect(source.eddy.gbSeconds).toBeCloseTo(((a.billedMs + 10 * seconds) / 1000) * 0.5, 9);
    expect(source.eddy.dollars.lambdaRequests).toBeCloseTo(seconds * PRICES.lambdaRequest, 12);
    expect(source.eddy.dollars.dynamoWrites).toBeCloseTo(seconds * PRICES.dynamoWriteUnit, 12);
    expect(source.eddy.dollars.kinesisIn).toBeCloseTo((n * 1024 * PRICES.kinesisOnDemandWriteGb) / 2 ** 30, 12);
    // naive: an invocation, a state read and a state write per event on the keyed stage
    expect(keyed.naive.invocations).toBe(n);
    expect(keyed.naive.dollars.dynamoReads).toBeCloseTo(n * PRICES.dynamoReadUnit, 12);
    expect(keyed.naive.dollars.dynamoWrites).toBeCloseTo(n * PRICES.dynamoWriteUnit, 12);
    expect(source.naive.dollars.dynamoWrites).toBe(0);
    expect(report.naive.lambdaRequests).toBeCloseTo(2 * n * PRICES.lambdaRequest, 12);
    expect(report.perMillion.naive).toBeCloseTo((report.naive.total / n) * 1e6, 9);
    expect(report.eddy.total).toBeCloseTo(source.eddy.dollars.total + keyed.eddy.dollars.total, 12);
    // fixed: 3 streams (source, keyed, sink) at the stream-hour price, the sweep a minute
    expect(report.fixed.streams).toBe(3);
    expect(report.fixed.sweepPerHour).toBeGreaterThan(60 * 30 * PRICES.lambdaGbSecond); // 60 × 60 s × 0.5 GB, plus requests and reads
    expect(report.fixed.perMillionAtRate).toBeCloseTo((report.fixed.perHour / (B * 3600)) * 1e6, 9);
  });
});
