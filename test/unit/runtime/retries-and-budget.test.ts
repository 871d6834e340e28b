/**
 * A user function that throws is retried (its effects undone) before its record is
 * dead-lettered; a batch that runs out of its time budget commits what it did and reports
 * exactly the unprocessed tail.
 */
import { describe, expect, it } from 'vitest';
import { Job, KeyedProcessFunction, KinesisSink, KinesisSource, ValueStateDescriptor, WatermarkStrategy, type Collector, type KeyedContext, type RuntimeContext, type ValueState } from '../../../lib/api/index.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { feedSource } from '../../../lib/local/replay.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { runBatch } from '../../../lib/runtime/batch.ts';
import { readCheckpoint } from '../../../lib/runtime/checkpoint.ts';
import { StageTask, type RuntimeServices } from '../../../lib/runtime/task.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';

interface Ev { k: string; ts: number; failTimes?: number }

/** Counts per key; throws on the first `failTimes` attempts at a record (after writing state, to prove the undo). */
class Flaky extends KeyedProcessFunction<string, Ev, { k: string; n: number }> {
  attempts = new Map<string, number>();
  private n!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.n = ctx.getState(new ValueStateDescriptor<number>('n'));
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<{ k: string; n: number }>) {
    const n = ((await this.n.value()) ?? 0) + 1;
    await this.n.update(n);
    out.collect({ k: ctx.getCurrentKey(), n });
    const id = `${e.k}@${e.ts}`;
    const seen = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, seen);
    if (seen <= (e.failTimes ?? 0)) throw new Error(`flaky failure ${seen}`);
  }
}

function flakyJob(fn: Flaky, retries?: number) {
  const job = new Job('t-flaky', { parallelism: 1, functionRetries: retries });
  job.fromSource(KinesisSource.json<Ev>('in'), WatermarkStrategy.forBoundedOutOfOrderness<Ev>(0).withTimestampAssigner((e) => e.ts))
    .keyBy((e) => e.k).process(fn, { uid: 'flaky' }).sinkTo(KinesisSink.json('out', { partitionKey: (o) => o.k }));
  return job;
}

describe('user function retries', () => {
  it('a record that fails twice then succeeds is applied once (default 2 retries)', async () => {
    const fn = new Flaky();
    const lines = [{ k: 'a', ts: 1 }, { k: 'a', ts: 2, failTimes: 2 }, { k: 'a', ts: 3 }].map((e) => JSON.stringify(e));
    const { sinks, deadLetters } = await replayInMemory(flakyJob(fn), { in: lines });
    expect(deadLetters).toEqual([]);
    expect(sinks.values('out')).toEqual([{ k: 'a', n: 1 }, { k: 'a', n: 2 }, { k: 'a', n: 3 }]);
  });

  it('a record that keeps failing is dead-lettered after 1 + retries attempts, with no effect', async () => {
    const lines = [{ k: 'a', ts: 1 }, { k: 'a', ts: 2, failTimes: 99 }, { k: 'a', ts: 3 }].map((e) => JSON.stringify(e));
    const { sinks, deadLetters } = await replayInMemory(flakyJob(new Flaky(), 4), { in: lines });
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0].reason).toBe('Error: flaky failure 5');
    expect(sinks.values('out')).toEqual([{ k: 'a', n: 1 }, { k: 'a', n: 2 }]);
  });
});

describe('time budget', () => {
  it('commits the records done before the deadline and reports exactly the first unprocessed one', async () => {
    const job = flakyJob(new Flaky());
    const plan = planJob(job.graph);
    const store = new MemoryStore();
    const streams = new MemoryStreams();
    for (const s of plan.streams) streams.createStream(s.name, s.shards);
    let clock = 0;
    const services: RuntimeServices = { store, streams, sinks: new MemorySinkWriter(), processingTime: 'event', wallClock: () => clock++ };
    const source = plan.stages[0];
    await feedSource(job, services, 'in', source.input.stream, Array.from({ length: 10 }, (_, i) => JSON.stringify({ k: `k${i}`, ts: i })));
    const [shard] = await streams.listShards(source.input.stream);
    const records = await streams.read(source.input.stream, shard.shardId, undefined, 100);
    const task = await StageTask.create(job, source.id, shard.shardId, services, plan);
    // Every wallClock() call advances time by 1: the deadline passes after a few records.
    const result = await runBatch(task, records, { deadline: 4 });
    expect(result.unprocessedFrom).toBeDefined();
    const cut = records.findIndex((r) => r.seq === result.unprocessedFrom);
    expect(cut).toBeGreaterThan(0);
    expect(cut).toBeLessThan(records.length);
    expect((await readCheckpoint(store, source.id, shard.shardId))?.seq).toBe(records[cut - 1].seq);
    expect(result.dataIn).toBe(cut);
    // Lambda delivers the rest again: it is applied, and what was committed is not re-applied.
    const rest = await runBatch(task, records);
    expect(rest.skipped).toBe(cut);
    expect(rest.dataIn).toBe(records.length - cut);
    expect(rest.unprocessedFrom).toBeUndefined();
  });
});
