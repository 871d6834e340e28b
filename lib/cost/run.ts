/**
 * The run behind `eddy cost`: a replay of the job on the in-memory engine (memory store,
 * streams and sinks) with every service metered (meter.ts) and every stage invoked through its
 * Lambda handler with a real Kinesis event. In memory, because the counts must not depend on an
 * emulator: DynamoDB Local misreports transactional write units (docs/benchmarks.md),
 * kinesis-mock is slow, and the units here are computed from the very items and records
 * written, as AWS bills them.
 *
 * Time is simulated. The input is fed one second of arrivals at a time (`rate` records a
 * second, spread over the sources in proportion to their sizes, or at the arrival times given;
 * records given a negative arrival time are a warm-up — a table's bootstrap — fed and processed
 * before the clock starts and counted apart, since a live job does that once, not every hour),
 * the services' wall clock advancing by a second each time: TTLs, the sweep and the recycling of
 * execution environments follow the feed, not the machine. After each second every shard is
 * polled (polling.ts: the batches Lambda's ~1 s polling makes of a steady stream); every 60
 * simulated seconds the sweep makes one pass. Each stage runs on a pool of execution
 * environments picked at random (environments.ts), never on one container that sees every batch.
 * `rate: Infinity` feeds everything in the first second, as `eddy replay` does: the fullest
 * batches. Then end-of-input markers drain the job (every timer fires, every window closes);
 * the counts before the drain are kept too, so the report can say what the drain added. The
 * drain completes the lifecycle of every event fed (a payment deadline, a join buffer's
 * cleanup), but it also closes at once every window still open, which a live job would keep
 * filling with later events: `drain: false` leaves it out (the counts are then the feed's).
 */
import type { MetricsLevel } from '../plan/graph.ts';
import type { Job } from '../api/job.ts';
import { MemorySinkWriter } from '../connectors/memory-sink.ts';
import { allStagesEnded } from '../local/idle.ts';
import { toKinesisEvent } from '../local/kinesis-event.ts';
import { MemoryStreams } from '../local/memory-streams.ts';
import { endSource, feedSource } from '../local/replay.ts';
import type { Plan, PlanStage } from '../plan/plan.ts';
import { planJob } from '../plan/planner.ts';
import { readDeadLetters } from '../runtime/dead-letters.ts';
import { isSourceEnd } from '../runtime/envelope.ts';
import { seededRandom } from '../runtime/seeded-random.ts';
import { sweepOnce } from '../runtime/sweep.ts';
import type { RuntimeServices } from '../runtime/task.ts';
import { MemoryStore } from '../state/memory-store.ts';
import { EnvironmentPool, type EnvironmentStats } from './environments.ts';
import { CostMeter, MeteredSinks, MeteredStreams, OUTSIDE, type MeterCounts } from './meter.ts';
import { itemKind, MeteredStore } from './metered-store.ts';
import { SimulatedPolling, type BatchInvoker } from './polling.ts';
import { StorageLedger, type StorageByKind } from './storage.ts';

/** The actor of the sweep's passes. */
export const SWEEP = '(sweep)';
/** The sweep's schedule, `rate(1 minute)`: one pass per simulated minute. */
export const SWEEP_EVERY_SECONDS = 60;

export type StreamMode = 'provisioned' | 'on-demand';

export interface CostRunStage {
  id: string;
  kind: 'source' | 'keyed';
  stream: string;
  shards: number;
  batchSize: number;
  stateful: boolean;
  environments: EnvironmentStats;
}

export interface CostRun {
  job: string;
  /** Records per second of arrival the input was fed at (Infinity: all at once). */
  rate: number;
  /** Simulated seconds over which the input was fed: the run's duration at its rate (1 when all at once). */
  seconds: number;
  /** Simulated wall clock at the start of the feed, epoch ms. */
  startMs: number;
  /** Simulated minutes after which an execution environment was replaced (the sweep's too). */
  recycleMinutes: number;
  /** What the job's stage handlers publish to CloudWatch (its `metrics` option). */
  metrics: MetricsLevel;
  stages: CostRunStage[];
  /** `mode`: the plan's capacity mode of the stream, provisioned when the plan says none. */
  streams: { name: string; shards: number; role: 'source' | 'internal' | 'sink'; mode: StreamMode }[];
  /** The sweep's schedule, when the job has stateful stages, and what its passes did. */
  sweep?: string;
  sweepPasses: number;
  sweepTicks: number;
  /** Non-blank input lines, by source (the warm-up's included). */
  inputs: Record<string, number>;
  /** Records fed before the clock started (negative arrival times), and what processing them cost; not in `counts`. */
  warmup: { records: number; counts: MeterCounts };
  deadLetters: number;
  /** Sink records, by sink. */
  sinkRecords: Record<string, number>;
  /** Counts by stage (`actors[stageId]`), by stream, and of the sweep's passes (`actors['(sweep)']`), drain included. */
  counts: MeterCounts;
  /** The same at the end of the feed, before the end-of-input drain. */
  feedCounts: MeterCounts;
  /** False when the run stopped at the end of the feed (`drain: false`): `counts` are then the feed's. */
  drained: boolean;
  /** DynamoDB storage as byte-time, by item kind (storage.ts). */
  storage: Record<string, StorageByKind>;
}

export interface CostRunOptions {
  /** Records per second of arrival (all sources together); Infinity: everything at once. Default 100. */
  rate?: number;
  /** Arrival time of every line, ms after the start, by source (non-decreasing; negative: a warm-up); default: `rate` a second, each source spread evenly. */
  arrivalsMs?: Record<string, number[]>;
  /** Execution environments per stage; default the stage's shard count + 1. */
  environments?: number;
  /** Simulated minutes after which an environment is replaced by a fresh one (default 15). */
  recycleMinutes?: number;
  /** Seed of the environment picks (default 1). */
  seed?: number;
  /** Simulated wall clock at the start, epoch ms; default the first input record's `ts` (seconds below 1e11 read as Maxwell's), else 0. */
  startMs?: number;
  /** Drain the job at the end of input (default true). */
  drain?: boolean;
  onProgress?: (message: string) => void;
}

/**
 * Replays `inputs` through `job` in memory, fed at `rate` records per second on simulated
 * time, and returns what it would be billed for.
 *
 * @example
 * ```ts
 * const run = await runCost(job, { orders: lines }, { rate: 100 });
 * run.counts.actors['source-orders'].invocations; // ⌈100 / batch size⌉ per second of input, one shard
 * run.stages[1].environments.batches; // { hit, 'catch-up', restore, unreported }
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
  const lines = Object.fromEntries(Object.entries(inputs).map(([source, l]) => [source, l.filter((x) => x.trim() !== '')]));
  const arrivals = options.arrivalsMs ?? evenArrivals(lines, rate);
  const seconds = Math.max(1, ...Object.values(arrivals).map((a) => (a.length === 0 ? 1 : Math.floor(a[a.length - 1] / 1000) + 1)));
  const warmupRecords = Object.values(arrivals).reduce((n, a) => n + a.filter((ms) => ms < 0).length, 0);

  const clock = { now: options.startMs ?? firstEventTime(lines) };
  const startMs = clock.now;
  const meter = new CostMeter();
  const memoryStreams = new MemoryStreams();
  for (const s of plan.streams) memoryStreams.createStream(s.name, s.shards);
  const memoryStore = new MemoryStore();
  const ledger = new StorageLedger(() => clock.now, itemKind);
  const sinks = new MemorySinkWriter();
  const services: RuntimeServices = {
    store: new MeteredStore(memoryStore, meter, ledger),
    streams: new MeteredStreams(memoryStreams, meter),
    sinks: new MeteredSinks(job, sinks, meter),
    processingTime: 'system', // as on AWS, on the simulated clock
    wallClock: () => clock.now,
  };

  const recycleMinutes = options.recycleMinutes ?? 15;
  const pools = new Map(
    plan.stages.map((stage, i) => [
      stage.id,
      new EnvironmentPool(job, stage, () => services, {
        size: options.environments ?? stage.input.shards + 1,
        recycleMinutes,
        random: seededRandom(stagePickSeed(options.seed ?? 1, i)),
        now: () => clock.now,
        onBatch: (r) => meter.batch(r),
        onMetricsDocument: () => meter.metricsDocument(),
      }),
    ]),
  );
  const polling = new SimulatedPolling(plan, memoryStreams, (stream) => memoryStreams.shardList(stream).map((s) => s.shardId), meteredInvoker(pools, meter));
  const sweep = new SweepPasses(job, plan, services, meter);

  const fed = Object.fromEntries(Object.keys(lines).map((source) => [source, 0]));
  /** Feeds every line not fed yet that arrives before `untilMs` (after the start). */
  const feedUntil = async (untilMs: number) => {
    for (const stage of sourceStages) {
      const source = stage.input.source!;
      const all = lines[source] ?? [];
      const from = fed[source] ?? 0;
      let to = from;
      while (to < all.length && arrivals[source][to] < untilMs) to++;
      if (to > from) await feedSource(job, services, source, stage.input.stream, all.slice(from, to));
      fed[source] = to;
    }
  };
  if (warmupRecords > 0) {
    await feedUntil(0);
    await polling.pollAll(clock.now);
  }
  const warmup = { records: warmupRecords, counts: meter.reset() };
  for (let second = 1; second <= seconds; second++) {
    clock.now = startMs + second * 1000;
    await feedUntil(second * 1000);
    if (second % SWEEP_EVERY_SECONDS === 0) await sweep.pass(clock.now);
    await polling.pollAll(clock.now);
    if (second % 100 === 0) options.onProgress?.(`${second} of ${seconds} simulated seconds of input processed`);
  }
  if (sweep.passes === 0) await sweep.pass(clock.now); // a run shorter than a minute: measure one pass anyway
  const feedCounts = structuredClone(meter.counts());

  const drain = options.drain ?? true;
  if (drain) {
    for (const stage of sourceStages) await endSource(services, stage.input.stream);
    for (let waited = 0; !(await allStagesEnded(plan, memoryStreams, memoryStore)); waited++) {
      if (waited > 3_600) throw new Error(`eddy cost: ${plan.job} did not drain within an hour of simulated time after the end of input`);
      clock.now += 1000;
      await polling.pollAll(clock.now, true);
    }
  }
  const deadLetters = await readDeadLetters(memoryStore, plan.stages.flatMap((s) => memoryStreams.shardList(s.input.stream).map((x) => ({ stage: s.id, shard: x.shardId }))));
  const sinkRecords: Record<string, number> = {};
  for (const r of sinks.records) sinkRecords[r.sink] = (sinkRecords[r.sink] ?? 0) + 1;
  return {
    job: plan.job,
    rate,
    seconds,
    startMs,
    recycleMinutes,
    metrics: plan.options.metrics,
    stages: plan.stages.map((s) => ({ id: s.id, kind: s.kind, stream: s.input.stream, shards: s.input.shards, batchSize: s.batchSize, stateful: s.stateful, environments: pools.get(s.id)!.stats })),
    streams: plan.streams.map((s) => ({ name: s.name, shards: s.shards, role: s.role, mode: streamMode(s) })),
    sweep: plan.sweep?.schedule,
    sweepPasses: sweep.passes,
    sweepTicks: sweep.ticks,
    inputs: Object.fromEntries(Object.entries(lines).map(([source, l]) => [source, l.length])),
    warmup,
    deadLetters: deadLetters.length,
    sinkRecords,
    counts: drain ? meter.counts() : structuredClone(feedCounts),
    feedCounts,
    drained: drain,
    storage: ledger.close(),
  };
}

/**
 * The seed of the environment picks of the plan's `index`-th stage: each stage its own
 * sequence, so that one stage's picks do not depend on how often the others were invoked.
 *
 * @example
 * ```ts
 * seededRandom(stagePickSeed(1, 0)); // the picks of the first stage of a run with seed 1
 * ```
 */
export function stagePickSeed(seed: number, index: number): number {
  return (seed + 7919 * index) >>> 0;
}

/** The plan's capacity mode of a stream (a field another part of eddy may set), provisioned by default. */
function streamMode(stream: Plan['streams'][number]): StreamMode {
  const mode = (stream as { mode?: unknown }).mode;
  return mode === 'on-demand' ? 'on-demand' : 'provisioned';
}

/**
 * Arrival times of `rate` records a second, all sources together, each source spread evenly
 * over the same seconds (everything in the first second when the rate is infinite).
 *
 * @example
 * ```ts
 * evenArrivals({ a: ['1', '2', '3', '4'] }, 2); // { a: [0, 0, 1000, 1000] }
 * ```
 */
export function evenArrivals(lines: Record<string, string[]>, rate: number): Record<string, number[]> {
  const total = Object.values(lines).reduce((sum, l) => sum + l.length, 0);
  const seconds = Number.isFinite(rate) ? Math.max(1, Math.ceil(total / rate)) : 1;
  return Object.fromEntries(Object.entries(lines).map(([source, l]) => [source, l.map((_, j) => Math.floor((j * seconds) / l.length) * 1000)]));
}

/**
 * Where the simulated wall clock starts: at the event time of the input, so that processing
 * time and event time agree as they do live (the sweep's idle watermark compares them). The
 * smallest `ts` of the first line of each source; a `ts` below 1e11 is Maxwell's seconds.
 *
 * @example
 * ```ts
 * firstEventTime({ orders: ['{"ts":1700000000000}'], cdc: ['{"ts":1699999999}'] }); // 1699999999000
 * ```
 */
export function firstEventTime(lines: Record<string, string[]>): number {
  let first = Infinity;
  for (const l of Object.values(lines)) {
    try {
      const ts = (JSON.parse(l[0] ?? 'null') as { ts?: unknown } | null)?.ts;
      if (typeof ts === 'number' && Number.isFinite(ts)) first = Math.min(first, ts < 1e11 ? ts * 1000 : ts);
    } catch {
      // not JSON: no clue from this source
    }
  }
  return Number.isFinite(first) ? first : 0;
}

/** The sweep, one pass a simulated minute, metered as the `(sweep)` actor: one invocation per pass. */
class SweepPasses {
  passes = 0;
  ticks = 0;
  private readonly ticked = new Map<string, number>();

  constructor(private readonly job: Job, private readonly plan: Plan, private readonly services: RuntimeServices, private readonly meter: CostMeter) {}

  async pass(now: number): Promise<void> {
    if (!this.plan.sweep) return;
    const started = performance.now();
    const result = await this.meter.run(SWEEP, () => sweepOnce(this.job, this.plan, this.services, { now, ticked: this.ticked }));
    this.meter.invocation(SWEEP, [], performance.now() - started);
    this.passes += 1;
    this.ticks += result.ticks.length;
  }
}

/**
 * Invokes a stage's handler in a random environment of its pool with a Kinesis event, and
 * meters it. A batch holding nothing but replay's end-of-input markers is replay's own (a live
 * stream has none) and counts for {@link OUTSIDE}; so do the markers in a batch.
 */
function meteredInvoker(pools: Map<string, EnvironmentPool>, meter: CostMeter): BatchInvoker {
  return async (stage: PlanStage, shardId, records) => {
    const counted = records.filter((r) => !isSourceEnd(r.data));
    const actor = counted.length > 0 ? stage.id : OUTSIDE;
    const handler = pools.get(stage.id)!.pick();
    const event = toKinesisEvent(stage.input.stream, shardId, records);
    const started = performance.now();
    const response = await meter.run(actor, () => handler(event));
    meter.invocation(actor, counted, performance.now() - started);
    if (response.batchItemFailures.length > 0) meter.retry(actor);
    return { retryFrom: response.batchItemFailures[0]?.itemIdentifier };
  };
}
