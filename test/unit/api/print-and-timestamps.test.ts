/**
 * `print()`, `assignTimestampsAndWatermarks` and the timestamp assigner's record timestamp, each
 * against what it must give worked out independently: the printed records are the stream's
 * (brute-force filter), as log lines deployed and priced as log bytes; a strategy given by
 * `assignTimestampsAndWatermarks` windows exactly as one given to `fromSource` (brute-force
 * sums); the record timestamp is the stream's arrival time where there is one, NO_TIMESTAMP in replay.
 */
import { describe, expect, it } from 'vitest';
import { Job, KinesisSource, NO_TIMESTAMP, ProcessFunction, Time, TumblingEventTimeWindows, WatermarkStrategy, type Collector, type DataStream, type ProcessContext } from '../../../lib/api/index.ts';
import { AwsSinkWriter } from '../../../lib/aws/sink-writer.ts';
import { CostMeter, MeteredSinks } from '../../../lib/cost/meter.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { isControlRecord } from '../../../lib/runtime/envelope.ts';
import { toServerless } from '../../../lib/plan/serverless.ts';
import { lines, sink } from '../support/tiny.ts';

interface Order { id: string; amount: number; ts: number }
const orders: Order[] = Array.from({ length: 40 }, (_, i) => ({ id: `o-${i}`, amount: (i * 37) % 1_500, ts: 1_000 + i * 700 }));

function printingJob(): Job {
  const job = new Job('printing');
  const all = job.fromSource(KinesisSource.json<Order>('orders', { partitionKey: (o) => o.id }), WatermarkStrategy.forMonotonousTimestamps<Order>().withTimestampAssigner((o) => o.ts));
  all.filter((o) => o.amount > 1_000).print('big-orders');
  all.sinkTo(sink<Order>('all'));
  return job;
}

describe('DataStream.print()', () => {
  it('is a sink of the stream records: in replay and tests the sink of its name', async () => {
    const { sinks } = await replayInMemory(printingJob(), { orders: lines(orders) });
    expect(sinks.values('big-orders')).toEqual(orders.filter((o) => o.amount > 1_000));
    expect(sinks.values('all')).toHaveLength(orders.length);
  });

  it('deployed, writes one `<name>> <JSON>` line per record to the function log, and needs no resource or grant', async () => {
    const job = printingJob();
    const plan = planJob(job.graph);
    const printed: string[] = [];
    const writer = new AwsSinkWriter(job, plan, undefined as never, undefined as never, '', (line) => printed.push(line));
    const big = orders.filter((o) => o.amount > 1_000);
    await writer.write(big.map((o, i) => ({ sink: 'big-orders', value: o, json: JSON.stringify(o), id: `x-${i}` })));
    expect(printed).toEqual(big.map((o) => `big-orders> ${JSON.stringify(o)}`));
    const { resources } = toServerless(plan);
    expect(JSON.stringify(resources)).not.toContain('big-orders');
    expect(plan.streams.map((s) => s.name)).not.toContain('printing-sink-big-orders');
  });

  it('is priced as log bytes: each line with the runtime prefix', async () => {
    const job = printingJob();
    const meter = new CostMeter();
    const sinks = new MeteredSinks(job, new MemorySinkWriter(), meter);
    const big = orders.filter((o) => o.amount > 1_000);
    await meter.run('source-orders', () => sinks.write(big.map((o, i) => ({ sink: 'big-orders', value: o, json: JSON.stringify(o), id: `x-${i}` }))));
    const expected = big.reduce((n, o) => n + Buffer.byteLength(`big-orders> ${JSON.stringify(o)}`) + 68, 0);
    expect(meter.counts().actors['source-orders'].printedBytes).toBe(expected);
  });
});

describe('assignTimestampsAndWatermarks', () => {
  const windowed = (job: Job, stream: DataStream<Order>) => {
    stream.keyBy((o) => o.id.length).window(TumblingEventTimeWindows.of(Time.seconds(5))).sum('amount', { uid: 'per-5s' }).sinkTo(sink('sums'));
    return job;
  };
  const strategy = () => WatermarkStrategy.forBoundedOutOfOrderness<Order>(Time.seconds(1)).withTimestampAssigner((o) => o.ts);

  it('windows exactly as the same strategy given to fromSource', async () => {
    const given = new Job('given');
    windowed(given, given.fromSource(KinesisSource.json<Order>('orders'), strategy()));
    const assigned = new Job('assigned');
    windowed(assigned, assigned.fromSource(KinesisSource.json<Order>('orders')).assignTimestampsAndWatermarks(strategy()));
    const a = (await replayInMemory(given, { orders: lines(orders) })).sinks.values('sums') as Order[];
    const b = (await replayInMemory(assigned, { orders: lines(orders) })).sinks.values('sums') as Order[];
    // Brute force: per id length and 5 s window, the sum of the amounts.
    const sums = new Map<string, number>();
    for (const o of orders) sums.set(`${o.id.length}@${Math.floor(o.ts / 5_000)}`, (sums.get(`${o.id.length}@${Math.floor(o.ts / 5_000)}`) ?? 0) + o.amount);
    const got = (rows: Order[]) => new Map(rows.map((r) => [`${r.id.length}@${Math.floor(r.ts / 5_000)}`, r.amount]));
    expect(got(a)).toEqual(sums);
    expect(got(b)).toEqual(sums);
  });

  it('is an error after an operator, and a source without a timestamp assigner is an error at plan time', () => {
    const job = new Job('late-assign');
    const mapped = job.fromSource(KinesisSource.json<Order>('orders')).map((o) => o);
    expect(() => mapped.assignTimestampsAndWatermarks(strategy())).toThrow(/call it on the stream fromSource\(\.\.\.\) returns/);
    expect(() => planJob(job.graph)).toThrow(/source orders: its watermark strategy needs withTimestampAssigner/);
  });
});

describe('the timestamp assigner record timestamp', () => {
  class Stamp extends ProcessFunction<Order, { id: string; ts: number }> {
    processElement(o: Order, ctx: ProcessContext, out: Collector<{ id: string; ts: number }>) {
      out.collect({ id: o.id, ts: ctx.timestamp() });
    }
  }
  const ingestionTime = () => {
    const job = new Job('ingestion-time');
    job.fromSource(KinesisSource.json<Order>('orders', { partitionKey: (o) => o.id }), WatermarkStrategy.forBoundedOutOfOrderness<Order>(0).withTimestampAssigner((_o, arrival) => arrival))
      .process(new Stamp()).sinkTo(sink('stamped'));
    return job;
  };

  it('is the record arrival time where the stream stamped one', async () => {
    const run = await replayInMemory(ingestionTime(), { orders: lines(orders) }, { processingTime: 'system' });
    const arrivals = new Map(run.streams.all('ingestion-time-source-orders').filter((r) => !isControlRecord(r.data)).map((r) => [JSON.parse(Buffer.from(r.data).toString()).id, r.arrival]));
    const stamped = run.sinks.values('stamped') as { id: string; ts: number }[];
    expect(stamped).toHaveLength(orders.length);
    for (const s of stamped) expect(s.ts).toBe(arrivals.get(s.id));
  });

  it('is NO_TIMESTAMP in replay, where records come from files: an assigner that returns it dead-letters the record', async () => {
    const run = await replayInMemory(ingestionTime(), { orders: lines(orders.slice(0, 3)) });
    expect(run.sinks.values('stamped')).toEqual([]);
    expect(run.deadLetters.map((d) => d.reason)).toEqual(Array(3).fill(`event time must be a non-negative number of epoch ms, got ${NO_TIMESTAMP}`));
  });
});
