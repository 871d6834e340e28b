/**
 * Exactly once from job to job (issue 13, item 5): job A's Kinesis sink, written with output ids,
 * is job B's source, read with `outputIds`. Under chaos A's retried batches put some outputs
 * again (Kinesis has no idempotent put): the stream holds copies. B, under chaos too, counts
 * every output of A once — its per-user counts equal the clicks per user, worked out here —
 * because it keeps each id once. The streams are one in-memory Kinesis both jobs share; A's sink
 * writes it through the same writer Lambda uses (AwsSinkWriter).
 */
import { describe, expect, it } from 'vitest';
import {
  Job, KeyedProcessFunction, KinesisSink, KinesisSource, ValueStateDescriptor, WatermarkStrategy,
  type Collector, type KeyedContext, type RuntimeContext, type ValueState,
} from '../../../lib/api/index.ts';
import { outputIdStage } from '../../../lib/api/output-id-source.ts';
import { AwsSinkWriter } from '../../../lib/aws/sink-writer.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import type { SinkWriter } from '../../../lib/connectors/sink-writer.ts';
import { taskInvoker } from '../../../lib/local/invokers.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { replayJob } from '../../../lib/local/replay.ts';
import type { Plan } from '../../../lib/plan/plan.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { createChaos } from '../../../lib/runtime/chaos.ts';
import { isControlRecord } from '../../../lib/runtime/envelope.ts';
import type { RuntimeServices } from '../../../lib/runtime/task.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { lines, sink } from '../support/tiny.ts';

interface Click { user: string; n: number; ts: number }
interface Count { user: string; outputs: number }
const STREAM = 'chain-totals';

function jobA(): Job {
  const job = new Job('chain-a');
  job.fromSource(KinesisSource.json<Click>('clicks'), WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner((c) => c.ts))
    .keyBy((c) => c.user).sum('n', { uid: 'totals' })
    .sinkTo(KinesisSink.json<Click>('totals', { streamName: STREAM, partitionKey: (t) => t.user, outputIds: true }));
  return job;
}

/** Counts, per user, the outputs of A it receives. */
class CountOutputs extends KeyedProcessFunction<string, Click, Count> {
  private count!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
  }
  async processElement(_t: Click, ctx: KeyedContext<string>, out: Collector<Count>) {
    const outputs = ((await this.count.value()) ?? 0) + 1;
    await this.count.update(outputs);
    out.collect({ user: ctx.getCurrentKey(), outputs });
  }
}

function jobB(): Job {
  const job = new Job('chain-b');
  job.fromSource(KinesisSource.json<Click>('totals', { streamName: STREAM, outputIds: true }), WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner((t) => t.ts))
    .keyBy((t) => t.user).process(new CountOutputs(), { uid: 'count-outputs' })
    .sinkTo(sink<Count>('counts'));
  return job;
}

async function run(job: Job, plan: Plan, streams: MemoryStreams, sinks: SinkWriter, inputs: Record<string, string[]>, seed: number) {
  const exists = (name: string) => {
    try {
      return streams.shardList(name).length > 0;
    } catch {
      return false;
    }
  };
  for (const s of plan.streams) if (!exists(s.name)) streams.createStream(s.name, s.shards);
  const chaos = createChaos({ probability: 0.3, seed });
  const services: RuntimeServices = { store: new MemoryStore(), streams, sinks, processingTime: 'event', wallClock: () => Date.now(), faults: chaos.inject };
  const deadLetters = await replayJob({
    job, plan, inputs, services, reader: streams, invoke: taskInvoker(job, plan, services), pollIntervalMs: 1,
    duplicateDelivery: chaos.duplicate, retryBackoff: { baseMs: 1, maxMs: 5 },
  });
  return { deadLetters, faults: Object.values(chaos.counts).reduce((a, b) => a + (b ?? 0), 0) };
}

describe('output ids: a Kinesis sink read by another eddy job', () => {
  it('is planned as source -> keyBy(id) -> keep the first of each id', () => {
    const plan = planJob(jobB().graph);
    expect(plan.stages.map((s) => s.id)).toEqual(['source-totals', outputIdStage('totals'), 'count-outputs']);
  });

  it('counts every output of the upstream job once, though retried batches put some twice', async () => {
    const streams = new MemoryStreams();
    streams.createStream(STREAM, 2);
    const clicks = Array.from({ length: 200 }, (_, i) => ({ user: `u${i % 6}`, n: i % 5, ts: 1_000 + i * 10 }));

    const a = jobA();
    a.graph.options.batchSize = 4; // many batches: many chances for a crash between a sink write and its commit
    const planA = planJob(a.graph);
    const upstream = await run(a, planA, streams, new AwsSinkWriter(a, planA, streams, undefined as never, ''), { clicks: lines(clicks) }, 11);
    expect(upstream.faults).toBeGreaterThan(0);
    const records = streams.all(STREAM).filter((r) => !isControlRecord(r.data)).map((r) => JSON.parse(Buffer.from(r.data).toString()));
    const ids = new Set(records.map((r) => r.id));
    expect(ids.size).toBe(clicks.length); // one output per click (a rolling sum)
    expect(records.length, 'the chain is tested with copies to drop').toBeGreaterThan(ids.size);

    const b = jobB();
    b.graph.options.batchSize = 7;
    const counts = new MemorySinkWriter();
    const downstream = await run(b, planJob(b.graph), streams, counts, {}, 5);
    expect(downstream.faults).toBeGreaterThan(0);
    expect(downstream.deadLetters).toEqual([]);

    // Brute force: A outputs one running total per click, so B counts each user's clicks.
    const expected = new Map<string, number>();
    for (const c of clicks) expected.set(c.user, (expected.get(c.user) ?? 0) + 1);
    const last = new Map<string, number>();
    for (const c of counts.values('counts') as Count[]) last.set(c.user, Math.max(last.get(c.user) ?? 0, c.outputs));
    expect(last).toEqual(expected);
  });

  it('dead-letters a record that is not an output record, with the reason', async () => {
    const streams = new MemoryStreams();
    streams.createStream(STREAM, 1);
    await streams.putRecords(STREAM, [
      { data: Buffer.from(JSON.stringify({ id: 'a/0/1/0', value: { user: 'u1', n: 1, ts: 5 } })), partitionKey: 'u1' },
      { data: Buffer.from(JSON.stringify({ user: 'u1', n: 1, ts: 6 })), partitionKey: 'u1' },
    ]);
    const b = jobB();
    const counts = new MemorySinkWriter();
    const { deadLetters } = await run(b, planJob(b.graph), streams, counts, {}, 1);
    expect(counts.values('counts')).toEqual([{ user: 'u1', outputs: 1 }]);
    expect(deadLetters.map((d) => d.reason)).toEqual(['expected an eddy output record {"id", "value"} (a Kinesis sink with outputIds: true)']);
  });
});
