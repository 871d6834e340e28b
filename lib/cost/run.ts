/**
 * The run behind `eddy cost`: a replay of the job on the in-memory engine (memory store,
 * streams and sinks) with every service metered (meter.ts) and every stage invoked through its
 * Lambda handler with a real Kinesis event, one invocation at a time so that each one's
 * measured time is its own. In memory, because the counts must not depend on an emulator:
 * DynamoDB Local misreports transactional write units (docs/benchmarks.md), kinesis-mock is
 * slow, and the units here are computed from the very items and records written, as AWS bills
 * them.
 *
 * Batch shapes decide the cost, so the input is fed at a rate: one second of arrivals at a time
 * (`rate` records, spread over the sources in proportion to their sizes), and the next second
 * only when every stage has processed everything (every shard read empty after the last
 * invocation) — as Lambda, polling each shard about once a second, would see a steady stream of
 * that rate. `rate: Infinity` feeds everything at once, as `eddy replay` does: the fullest
 * batches, the best case. Then end-of-input markers drain the job (every timer fires).
 */
import type { Job } from '../api/job.ts';
import { MemorySinkWriter } from '../connectors/memory-sink.ts';
import type { StageInvoker } from '../local/event-source-runner.ts';
import { EventSourceRunner } from '../local/event-source-runner.ts';
import { ActivityTracker, allStagesEnded, shardsOf } from '../local/idle.ts';
import { toKinesisEvent } from '../local/kinesis-event.ts';
import { MemoryStreams } from '../local/memory-streams.ts';
import { endSource, feedSource } from '../local/replay.ts';
import type { Plan } from '../plan/plan.ts';
import { planJob } from '../plan/planner.ts';
import { readDeadLetters } from '../runtime/dead-letters.ts';
import { isSourceEnd } from '../runtime/envelope.ts';
import { createStageHandler } from '../runtime/handler.ts';
import { sweepOnce } from '../runtime/sweep.ts';
import type { RuntimeServices } from '../runtime/task.ts';
import { MemoryStore } from '../state/memory-store.ts';
import { CostMeter, MeteredSinks, MeteredStreams, OUTSIDE, type MeterCounts } from './meter.ts';
import { MeteredStore } from './metered-store.ts';

/** The actor of the sweep pass measured after the run. */
export const SWEEP = '(sweep)';

export interface CostRun {
  job: string;
  /** Records per second of arrival the input was fed at (Infinity: all at once). */
  rate: number;
  stages: { id: string; kind: 'source' | 'keyed'; stream: string; shards: number; batchSize: number; stateful: boolean }[];
  streams: { name: string; shards: number; role: 'source' | 'internal' | 'sink' }[];
  /** The sweep's schedule, when the job has stateful stages. */
  sweep?: string;
  /** Non-blank input lines, by source. */
  inputs: Record<string, number>;
  deadLetters: number;
  /** Sink records, by sink. */
  sinkRecords: Record<string, number>;
  /** Counts by stage (`actors[stageId]`), by stream, and of one sweep pass (`actors['(sweep)']`). */
  counts: MeterCounts;
}

export interface CostRunOptions {
  /** Records per second of arrival (all sources together); Infinity: everything at once. Default 100. */
  rate?: number;
  onProgress?: (message: string) => void;
}

/**
 * Replays `inputs` through `job` in memory, fed at `rate` records per second, and returns what
 * it would be billed for.
 *
 * @example
 * ```ts
 * const run = await runCost(job, { orders: lines }, { rate: 100 });
 * run.counts.actors['source-orders'].invocations; // ⌈100 / batch size⌉ per second of input, one shard
 * ```
 */
export async function runCost(job: Job, inputs: Record<string, string[]>, options: CostRunOptions = {}): Promise<CostRun> {
  const rate = options.rate ?? 100;
  if (!(rate > 0)) throw new Error(`the rate must be a positive number of records per second, got ${rate}`);
  const plan = planJob(job.graph);
  const sourceStages = plan.stages.filter((s) => s.kind === 'source');
  for (const name of Object.keys(inputs)) {
    if (!sourceStages.some((s) => s.input.source === name)) throw new Error(`job ${plan.job} has no source "${name}" (sources: ${sourceStages.map((s) => s.input.source).join(', ')})`);
  }
  const meter = new CostMeter();
  const memoryStreams = new MemoryStreams();
  for (const s of plan.streams) memoryStreams.createStream(s.name, s.shards);
  const memoryStore = new MemoryStore();
  const sinks = new MemorySinkWriter();
  const services: RuntimeServices = {
    store: new MeteredStore(memoryStore, meter),
    streams: new MeteredStreams(memoryStreams, meter),
    sinks: new MeteredSinks(job, sinks, meter),
    processingTime: 'event',
    wallClock: () => Date.now(),
  };
  const lines = Object.fromEntries(Object.entries(inputs).map(([source, l]) => [source, l.filter((x) => x.trim() !== '')]));
  const total = Object.values(lines).reduce((sum, l) => sum + l.length, 0);
  const seconds = Number.isFinite(rate) ? Math.max(1, Math.ceil(total / rate)) : 1;

  const activity = new ActivityTracker();
  const runner = new EventSourceRunner({
    plan, streams: memoryStreams, reader: activity.reader(memoryStreams), invoke: activity.invoker(meteredInvoker(job, plan, services, meter)),
    pollIntervalMs: 1, retryBackoff: { baseMs: 1, maxMs: 20 },
    onError: (stage, shard, error) => options.onProgress?.(`invocation failed (retried): ${stage}/${shard}: ${(error as Error)?.message ?? error}`),
  });
  const shards = await shardsOf(plan, memoryStreams);
  runner.start();
  try {
    for (let second = 0; second < seconds; second++) {
      for (const stage of sourceStages) {
        const all = lines[stage.input.source!] ?? [];
        const slice = all.slice(Math.floor((second * all.length) / seconds), Math.floor(((second + 1) * all.length) / seconds));
        if (slice.length > 0) await feedSource(job, services, stage.input.source!, stage.input.stream, slice);
      }
      activity.touched(); // written from outside the runner: every shard must be read again
      await runner.waitFor(async () => activity.idle(shards));
      if (second % 100 === 99) options.onProgress?.(`${second + 1} of ${seconds} seconds of input processed`);
    }
    for (const stage of sourceStages) await endSource(services, stage.input.stream);
    activity.touched();
    await runner.waitFor(async () => activity.idle(shards) && (await allStagesEnded(plan, memoryStreams, memoryStore)));
  } finally {
    await runner.stop();
  }
  // One pass of the sweep over the final state: what each of its passes reads when no timer is due.
  if (plan.sweep) await meter.run(SWEEP, () => sweepOnce(job, plan, services, { now: services.wallClock() }));
  const deadLetters = await readDeadLetters(memoryStore, plan.stages.flatMap((s) => memoryStreams.shardList(s.input.stream).map((x) => ({ stage: s.id, shard: x.shardId }))));
  const sinkRecords: Record<string, number> = {};
  for (const r of sinks.records) sinkRecords[r.sink] = (sinkRecords[r.sink] ?? 0) + 1;
  return {
    job: plan.job,
    rate,
    stages: plan.stages.map((s) => ({ id: s.id, kind: s.kind, stream: s.input.stream, shards: s.input.shards, batchSize: s.batchSize, stateful: s.stateful })),
    streams: plan.streams.map((s) => ({ name: s.name, shards: s.shards, role: s.role })),
    sweep: plan.sweep?.schedule,
    inputs: Object.fromEntries(Object.entries(lines).map(([source, l]) => [source, l.length])),
    deadLetters: deadLetters.length,
    sinkRecords,
    counts: meter.counts(),
  };
}

/**
 * Invokes each stage's Lambda handler with a Kinesis event, one invocation at a time, and
 * meters it. A batch holding nothing but replay's end-of-input markers is replay's own
 * (a live stream has none) and counts for {@link OUTSIDE}; so do the markers in a batch.
 */
function meteredInvoker(job: Job, plan: Plan, services: RuntimeServices, meter: CostMeter): StageInvoker {
  const handlers = new Map(
    plan.stages.map((stage) => {
      const handler = createStageHandler(job, stage.id, () => services);
      handler.onBatch = (result) => meter.batch(result);
      return [stage.id, handler] as const;
    }),
  );
  let previous: Promise<unknown> = Promise.resolve();
  return (stageId, shardId, stream, records) => {
    const turn = previous.then(async () => {
      const counted = records.filter((r) => !isSourceEnd(r.data));
      const actor = counted.length > 0 ? stageId : OUTSIDE;
      const event = toKinesisEvent(stream, shardId, records);
      const started = performance.now();
      const response = await meter.run(actor, () => handlers.get(stageId)!(event));
      meter.invocation(actor, counted, performance.now() - started);
      return { retryFrom: response.batchItemFailures[0]?.itemIdentifier };
    });
    previous = turn.catch(() => undefined);
    return turn;
  };
}
