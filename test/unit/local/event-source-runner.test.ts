/**
 * The emulated event source mapping delivers a batch as Lambda does: when it is full, or when
 * the stage's batching window has passed since the poller first saw its records (window 0: at
 * once). The pollers run on a manual clock polling every second, as Lambda polls a shard, so
 * each expected invocation time follows from the poll times: records seen at t are invoked at
 * t + window, with whatever arrived by then, unless the batch fills at an earlier poll.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Job, KinesisSource, WatermarkStrategy, type JobOptions } from '../../../lib/api/index.ts';
import { ManualClock } from '../../../lib/local/clock.ts';
import { EventSourceRunner, type RunnerOptions } from '../../../lib/local/event-source-runner.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { sink } from '../support/tiny.ts';

const POLL_MS = 1000;
type Ev = { ts: number };

/** A job of source stages only, `a` and `b` with their own windows (undefined: the job's). */
function setUp(windows: { a?: number; b?: number }, options: JobOptions = {}, runner: Partial<RunnerOptions> = {}) {
  const job = new Job('t-esr', options);
  for (const [name, batchingWindowSeconds] of Object.entries(windows)) {
    job.fromSource(KinesisSource.json<Ev>(name, { batchingWindowSeconds }), WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts)).sinkTo(sink(`out-${name}`));
  }
  const plan = planJob(job.graph);
  const streams = new MemoryStreams();
  for (const s of plan.streams) streams.createStream(s.name, 1);
  const clock = new ManualClock();
  const batches: { stage: string; at: number; records: number }[] = [];
  const run = new EventSourceRunner({
    plan, streams, reader: streams, clock, pollIntervalMs: POLL_MS, discoveryIntervalMs: 60_000,
    invoke: async (stage, _shard, _stream, records) => {
      batches.push({ stage, at: clock.now(), records: records.length });
      return {};
    },
    ...runner,
  });
  const put = (source: string, n: number) => streams.putRecords(`t-esr-source-${source}`, Array.from({ length: n }, () => ({ data: Buffer.from('{}'), partitionKey: 'k' })));
  running.push(run);
  return { run, clock, batches, put };
}

const running: EventSourceRunner[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

describe('EventSourceRunner batching windows', () => {
  it("waits each stage's own window; a stage without one is invoked at its first poll", async () => {
    const { run, clock, batches, put } = setUp({ a: 5, b: 0 });
    await put('a', 3);
    await put('b', 3);
    run.start();
    await clock.advance(4999);
    expect(batches).toEqual([{ stage: 'source-b', at: 0, records: 3 }]);
    await clock.advance(1);
    expect(batches).toEqual([{ stage: 'source-b', at: 0, records: 3 }, { stage: 'source-a', at: 5000, records: 3 }]);
  });

  it('re-reads while it waits, so records that arrive within the window join the batch', async () => {
    const { run, clock, batches, put } = setUp({ a: 5 });
    await put('a', 3);
    run.start();
    await clock.advance(2500);
    await put('a', 2);
    await clock.advance(5000);
    expect(batches).toEqual([{ stage: 'source-a', at: 5000, records: 5 }]);
  });

  it('opens the window when the poller first sees the records, not when they were written', async () => {
    const { run, clock, batches, put } = setUp({ a: 5 });
    run.start();
    await clock.advance(300); // the poll at 0 found nothing; the next is at 1000
    await put('a', 1);
    await clock.advance(10_000);
    expect(batches).toEqual([{ stage: 'source-a', at: 1000 + 5000, records: 1 }]);
  });

  it('gives the next batch a window of its own', async () => {
    const { run, clock, batches, put } = setUp({ a: 5 });
    await put('a', 1);
    run.start();
    await clock.advance(20_000); // after the batch at 5000 the poller reads empty every second: ..., 19,000, 20,000
    await put('a', 1);
    await clock.advance(20_000);
    expect(batches).toEqual([{ stage: 'source-a', at: 5000, records: 1 }, { stage: 'source-a', at: 21_000 + 5000, records: 1 }]);
  });

  it('sends a full batch at once, and the rest after a window of its own unless it fills first', async () => {
    const { run, clock, batches, put } = setUp({ a: 60 }, { batchSize: 4 });
    await put('a', 6);
    run.start();
    await clock.advance(10_000);
    expect(batches).toEqual([{ stage: 'source-a', at: 0, records: 4 }]);
    await put('a', 2); // the two left over since 0 and these two fill a batch at the next poll, 11,000
    await clock.advance(60_000);
    expect(batches).toEqual([{ stage: 'source-a', at: 0, records: 4 }, { stage: 'source-a', at: 11_000, records: 4 }]);
  });

  it("uses the job's window for a stage without its own", async () => {
    const { run, clock, batches, put } = setUp({ a: undefined }, { maximumBatchingWindowInSeconds: 3 });
    await put('a', 1);
    run.start();
    await clock.advance(10_000);
    expect(batches).toEqual([{ stage: 'source-a', at: 3000, records: 1 }]);
  });

  it('does not wait the window again for a batch it retries', async () => {
    let calls = 0;
    const { run, clock, batches, put } = setUp({ a: 5 }, {}, {
      retryBackoff: { baseMs: 50, maxMs: 5000 },
      invoke: async (_stage, _shard, _stream, records) => {
        batches.push({ stage: 'source-a', at: clock.now(), records: records.length });
        return calls++ === 0 ? { retryFrom: records[0].seq } : {};
      },
    });
    await put('a', 3);
    run.start();
    await clock.advance(20_000);
    // The first attempt fails; the retry follows after the backoff, 50 ms × 2^1.
    expect(batches).toEqual([{ stage: 'source-a', at: 5000, records: 3 }, { stage: 'source-a', at: 5100, records: 3 }]);
  });

  it('ignores the windows when told to (replay)', async () => {
    const { run, clock, batches, put } = setUp({ a: 300 }, {}, { ignoreBatchingWindows: true });
    await put('a', 3);
    run.start();
    await clock.advance(0);
    expect(batches).toEqual([{ stage: 'source-a', at: 0, records: 3 }]);
  });

  it('stops at once while a poller waits for its window', async () => {
    const { run, clock, batches, put } = setUp({ a: 300 });
    await put('a', 3);
    run.start();
    await clock.advance(1000);
    await run.stop(); // would hang if the waits did not end on stop: the clock no longer moves
    expect(batches).toEqual([]);
    expect(run.caughtUp()).toBe(false); // records were there, not yet delivered
  });
});
