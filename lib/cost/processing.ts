/**
 * Processing cost: everything eddy adds beyond the job's source and sink streams, per hour at
 * the run's rate — what a Managed Flink application would replace (flink.ts). A Flink job reads
 * the same source streams and writes the same sinks, so these are left out: the producers'
 * ingest, the reads of the source streams, and every sink write. In:
 *
 * - Lambda: every invocation of every stage (source stages too) and of the sweep — requests,
 *   and duration at the function's memory (lambda.ts): the measured handler time (CPU only, in
 *   memory, scaled to the function's share of a vCPU) plus `requestMs` for every AWS request
 *   the invocation waits for (DynamoDB, Kinesis puts, sinks) and `ioMs` per invocation; the INIT
 *   of every execution environment started (pool × recycles per hour, `initMs` each).
 * - CloudWatch, which the handlers feed: every invocation's log lines and, with `metrics`, the
 *   metrics document of every batch (Logs ingestion), and each stage's custom metrics.
 * - DynamoDB: every read and write unit of state, timers, checkpoints, redo logs, log entries,
 *   snapshots and dead letters; storage (storage.ts) at $/GB-month.
 * - Internal streams in the plan's mode (`provisioned` unless it says `on-demand`): shard-hours
 *   and PUT payload units, or stream-hours and data in and out (1 KB per record). Both are
 *   reported.
 * - The sweep: one measured pass a minute (request, billed duration, reads and writes); any
 *   wait inside an invocation is not exposed by a pass and is priced at zero.
 * - Restores after recycling the run was too short to see: each recycle of an environment
 *   makes it restore every shard it then runs, read at the size the state has at the end.
 *
 * Fixed per hour: stream-hours, the sweep, INITs, projected restores. Variable (per event, at
 * this run's batch shapes): the rest. The headline includes the drain at the end of input when
 * the run made one (every event's lifecycle paid: a deadline timer firing, a buffer's cleanup);
 * `live` is the feed alone. Where state outlives the run the two bracket the steady cost: the
 * live figure lacks the lifecycles that end after the run, the drain closes at once windows a
 * live job would keep filling with later events (an hour-long window over a 20-second run).
 */
import { hitRate } from './environments.ts';
import { compareWithFlink, type FlinkComparison } from './flink.ts';
import { lambdaDollars, metricsPerHour, type LambdaPricing } from './lambda.ts';
import { emptyActor, type ActorCounts, type MeterCounts } from './meter.ts';
import { PRICES, type Prices } from './model.ts';
import { SWEEP, type CostRun, type StreamMode } from './run.ts';
import { averageStoredBytes, RETAINED_KINDS } from './storage.ts';
import { KB, readUnits } from './units.ts';

const GB = 2 ** 30;

export interface ProcessingOptions {
  /** Lambda memory, MB (serverless.yml: 512). */
  memoryMb?: number;
  /** I/O wait added to every invocation, ms. */
  ioMs?: number;
  /** Wait per AWS request an invocation makes (DynamoDB, Kinesis), ms. */
  requestMs?: number;
  /** Billed INIT of an execution environment, ms. */
  initMs?: number;
  /** How long log, snapshot and redo items are kept by TTL, days. */
  retentionDays?: number;
  /** How long DynamoDB takes to delete an item after its TTL, hours. */
  ttlLagHours?: number;
  /** The stage handlers publish their metrics to CloudWatch (default true, as deployed). */
  metrics?: boolean;
  prices?: Prices;
}

/** Defaults of {@link ProcessingOptions}: INIT 400 ms (Node.js with the AWS SDK, not measured here); TTL deletion "within about two days". */
export const PROCESSING_DEFAULTS = { memoryMb: 512, ioMs: 0, requestMs: 10, initMs: 400, retentionDays: 7, ttlLagHours: 48 } as const;

export interface ProcessingDollars {
  lambdaRequests: number;
  lambdaDuration: number;
  dynamoReads: number;
  dynamoWrites: number;
  /** Internal streams: PUT payload units (provisioned) or data in and out (on-demand). */
  streams: number;
  /** CloudWatch Logs: the invocations' log lines and metrics documents. */
  logs: number;
  total: number;
}

export interface ContainerSummary {
  stage: string;
  pool: number;
  started: number;
  recycled: number;
  batches: { hit: number; 'catch-up': number; restore: number; unreported: number };
  hitRate: number | undefined;
  catchUpBytes: number;
  restoreBytes: number;
  restoresAfterRecycle: number;
  /** The most one container held, as stored (DynamoDB item sizes), and the JS heap that suggests (environments.ts). */
  peakHeldBytes: number;
  peakHeldItems: number;
  heapEstimateBytes: number;
}

export interface ProcessingCost {
  /** Input events per simulated second (a warm-up left out), and the simulated hours they were fed over. */
  rate: number;
  hours: number;
  events: number;
  streamMode: StreamMode | 'mixed';
  /** Over the whole run, drain included. */
  variable: ProcessingDollars;
  /** Share of `variable.total` spent by the end-of-input drain; false `drained`: the run made none. */
  drainShare: number;
  drained: boolean;
  /** Records fed before the clock started (a bootstrap) and what they cost, once: not in the per-hour figures. */
  warmup: { records: number; dollars: number };
  /** The feed alone: per hour at `rate`, per event, and against Flink. */
  live: { perHour: number; variablePerEvent: number; ratio: number };
  fixedPerHour: { streams: number; sweep: number; init: number; metrics: number; projectedRestores: number; total: number };
  storage: { averageBytes: number; retainedBytes: number; openBytes: number; perHour: number; retentionDays: number; ttlLagHours: number };
  variablePerEvent: number;
  /** Processing $ per hour at `rate`, and per million events. */
  perHour: number;
  perMillion: number;
  /** Internal streams priced both ways ($ per hour at the run's rate); streams over a provisioned shard's write limits. */
  streamModes: { provisioned: number; onDemand: number; overShardLimits: string[] };
  /** DynamoDB units of the stages (the sweep's are in its fixed cost), by item kind, in all and per input event. */
  units: { byKind: Record<string, { readUnits: number; writeUnits: number }>; perEvent: Record<string, { readUnits: number; writeUnits: number }> };
  sweep: { passes: number; ticks: number; perPass: number; waitSeconds: 0 };
  /** Simulated minutes an execution environment lives. */
  recycleMinutes: number;
  /** Lambda memory the run was priced at, MB (what a container's state must fit in, beside the runtime). */
  memoryMb: number;
  containers: ContainerSummary[];
  flink: FlinkComparison;
}

/**
 * Processing cost per hour of a metered run at its rate, and the Managed Flink comparison.
 *
 * @example
 * ```ts
 * const p = priceProcessing(await runCost(job, inputs, { rate: 100 }));
 * p.perHour; // $ per hour at 100 events/s
 * p.flink.ratio; // against the smallest Managed Flink application
 * ```
 */
export function priceProcessing(run: CostRun, options: ProcessingOptions = {}): ProcessingCost {
  // As deployed: the job's metrics level (lib/runtime/metrics.ts), unless priced without metrics.
  const o: Resolved = { ...PROCESSING_DEFAULTS, ...definedOnly(options), metrics: options.metrics === false ? 'none' : run.metrics };
  const prices = options.prices ?? PRICES;
  const events = Object.values(run.inputs).reduce((a, b) => a + b, 0) - run.warmup.records;
  const hours = run.seconds / 3600;
  const rate = events / run.seconds;
  const modes = new Set(run.streams.filter((s) => s.role === 'internal').map((s) => s.mode));
  const variable = variableDollars(run, run.counts, o, prices);
  const beforeDrain = variableDollars(run, run.feedCounts, o, prices);

  const storage = storageCost(run, o, prices);
  const internal = run.streams.filter((s) => s.role === 'internal');
  const streamHours = internal.reduce((n, s) => n + (s.mode === 'on-demand' ? prices.kinesisOnDemandStreamHour : s.shards * prices.kinesisShardHour), 0);
  const sweep = sweepCost(run, o, prices);
  const environments = run.stages.reduce((n, s) => n + s.environments.pool, 0) + (run.sweep ? 1 : 0);
  const environmentsPerHour = environments * (60 / run.recycleMinutes);
  const init = environmentsPerHour * gbSeconds(o.initMs, o.memoryMb) * prices.lambdaGbSecond;
  const projectedRestores = projectedRestoreUnitsPerHour(run) * prices.dynamoReadUnit;
  const metrics = metricsPerHour(run.stages.map((s) => run.counts.actors[s.id] ?? emptyActor()), o.metrics, prices);
  const fixed = { streams: streamHours, sweep: sweep.perHour, init, metrics, projectedRestores, total: streamHours + sweep.perHour + init + metrics + projectedRestores };

  const perEvent = (d: ProcessingDollars) => (events === 0 ? 0 : d.total / events + storage.perHour / (rate * 3600));
  const variablePerEvent = perEvent(variable);
  const perHour = fixed.total + variablePerEvent * rate * 3600;
  const live = compareWithFlink({ rate, fixedPerHour: fixed.total, variablePerEvent: perEvent(beforeDrain) }, prices);
  const byKind = stageUnits(run, run.counts);
  return {
    rate,
    hours,
    events,
    streamMode: modes.size === 1 ? [...modes][0] : modes.size === 0 ? 'provisioned' : 'mixed',
    variable,
    drainShare: variable.total === 0 ? 0 : 1 - beforeDrain.total / variable.total,
    drained: run.drained,
    warmup: { records: run.warmup.records, dollars: variableDollars(run, run.warmup.counts, o, prices).total },
    live: { perHour: live.eddyPerHour, variablePerEvent: perEvent(beforeDrain), ratio: live.ratio },
    fixedPerHour: fixed,
    storage,
    variablePerEvent,
    perHour,
    perMillion: events === 0 ? 0 : (perHour / (rate * 3600)) * 1e6,
    streamModes: streamModeCosts(run, hours, prices),
    units: { byKind, perEvent: Object.fromEntries(Object.entries(byKind).map(([k, u]) => [k, { readUnits: u.readUnits / Math.max(1, events), writeUnits: u.writeUnits / Math.max(1, events) }])) },
    sweep: { passes: run.sweepPasses, ticks: run.sweepTicks, perPass: sweep.perPass, waitSeconds: 0 },
    recycleMinutes: run.recycleMinutes,
    memoryMb: o.memoryMb,
    containers: run.stages.map((s) => {
      const e = s.environments;
      return {
        stage: s.id, pool: e.pool, started: e.started, recycled: e.recycled, batches: e.batches, hitRate: hitRate(e),
        catchUpBytes: e.catchUp.bytes, restoreBytes: e.restore.bytes, restoresAfterRecycle: e.restoresAfterRecycle,
        peakHeldBytes: e.peakHeldBytes, peakHeldItems: e.peakHeldItems, heapEstimateBytes: e.peakHeapBytes,
      };
    }),
    flink: compareWithFlink({ rate, fixedPerHour: fixed.total, variablePerEvent }, prices),
  };
}

type Resolved = { [K in keyof typeof PROCESSING_DEFAULTS]: number } & LambdaPricing;

function definedOnly(options: ProcessingOptions): Partial<Resolved> {
  return Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && k !== 'prices' && k !== 'metrics')) as Partial<Resolved>;
}

function gbSeconds(ms: number, memoryMb: number): number {
  return (ms / 1000) * (memoryMb / 1024);
}

/** Lambda, CloudWatch Logs and DynamoDB dollars of one actor; sinks left out (a Flink job writes them too), not the time spent waiting for them. */
function actorDollars(a: ActorCounts, o: Resolved, prices: Prices): Omit<ProcessingDollars, 'streams' | 'total'> {
  const lambda = lambdaDollars(a, o, prices);
  return {
    lambdaRequests: lambda.requests,
    lambdaDuration: lambda.duration,
    logs: lambda.logs,
    dynamoReads: a.dynamo.readUnits * prices.dynamoReadUnit,
    dynamoWrites: a.dynamo.writeUnits * prices.dynamoWriteUnit,
  };
}

/** What the stages and the internal streams cost over the run (the sweep is fixed, storage apart). */
function variableDollars(run: CostRun, counts: MeterCounts, o: Resolved, prices: Prices): ProcessingDollars {
  const d = { lambdaRequests: 0, lambdaDuration: 0, dynamoReads: 0, dynamoWrites: 0, streams: 0, logs: 0, total: 0 };
  const modeOf = new Map(run.streams.filter((s) => s.role === 'internal').map((s) => [s.name, s.mode]));
  for (const stage of run.stages) {
    const a = counts.actors[stage.id] ?? emptyActor();
    const x = actorDollars(a, o, prices);
    d.lambdaRequests += x.lambdaRequests;
    d.lambdaDuration += x.lambdaDuration;
    d.dynamoReads += x.dynamoReads;
    d.dynamoWrites += x.dynamoWrites;
    d.logs += x.logs;
    if (modeOf.get(stage.stream) === 'on-demand') d.streams += ((a.readBilledKb * KB) / GB) * prices.kinesisOnDemandReadGb;
  }
  for (const [name, mode] of modeOf) {
    const put = counts.streams[name];
    if (!put) continue;
    d.streams += mode === 'on-demand' ? ((put.billedKb * KB) / GB) * prices.kinesisOnDemandWriteGb : put.payloadUnits * prices.kinesisPutPayloadUnit;
  }
  d.total = d.lambdaRequests + d.lambdaDuration + d.dynamoReads + d.dynamoWrites + d.streams + d.logs;
  return d;
}

/** Internal streams per hour at the run's rate, in each mode, whatever the plan says; and streams a provisioned shard could not take (1,000 records/s, 1 MB/s in). */
function streamModeCosts(run: CostRun, hours: number, prices: Prices): ProcessingCost['streamModes'] {
  let provisioned = 0;
  let onDemand = 0;
  const overShardLimits: string[] = [];
  for (const s of run.streams.filter((x) => x.role === 'internal')) {
    const put = run.counts.streams[s.name] ?? { records: 0, bytes: 0, billedKb: 0, payloadUnits: 0, requests: 0 };
    const readKb = run.stages.filter((st) => st.stream === s.name).reduce((n, st) => n + (run.counts.actors[st.id]?.readBilledKb ?? 0), 0);
    provisioned += s.shards * prices.kinesisShardHour + (put.payloadUnits * prices.kinesisPutPayloadUnit) / hours;
    onDemand += prices.kinesisOnDemandStreamHour + (((put.billedKb * prices.kinesisOnDemandWriteGb + readKb * prices.kinesisOnDemandReadGb) * KB) / GB) / hours;
    const seconds = hours * 3600;
    if (put.records / seconds / s.shards > 1000 || put.bytes / seconds / s.shards > 2 ** 20) overShardLimits.push(s.name);
  }
  return { provisioned, onDemand, overShardLimits };
}

/** The sweep: a pass a minute, each priced as the run's passes were on average. */
function sweepCost(run: CostRun, o: Resolved, prices: Prices): { perPass: number; perHour: number } {
  const a = run.counts.actors[SWEEP];
  if (!run.sweep || !a || a.invocations === 0) return { perPass: 0, perHour: 0 };
  const d = actorDollars(a, { ...o, metrics: 'none' }, prices); // the sweep publishes no metrics
  const perPass = (d.lambdaRequests + d.lambdaDuration + d.logs + d.dynamoReads + d.dynamoWrites) / a.invocations;
  return { perPass, perHour: 60 * perPass };
}

/** DynamoDB storage per hour: the run's average stored bytes (storage.ts) at $/GB-month. */
function storageCost(run: CostRun, o: Resolved, prices: Prices): ProcessingCost['storage'] {
  const runMs = run.seconds * 1000;
  const valued = { retentionMs: o.retentionDays * 86_400_000, ttlLagMs: o.ttlLagHours * 3_600_000 };
  let averageBytes = 0;
  let retainedBytes = 0;
  let openBytes = 0;
  for (const [kind, s] of Object.entries(run.storage)) {
    const bytes = averageStoredBytes(s, runMs, valued);
    averageBytes += bytes;
    if (RETAINED_KINDS.includes(kind)) retainedBytes += bytes;
    openBytes += s.openBytes;
  }
  return { averageBytes, retainedBytes, openBytes, perHour: ((averageBytes / GB) * prices.dynamoStorageGbMonth) / prices.hoursPerMonth, retentionDays: o.retentionDays, ttlLagHours: o.ttlLagHours };
}

/**
 * Read units per hour of the restores that recycling causes but the run was too short to
 * show: every `recycleMinutes` each environment of a pool is replaced, and the fresh one
 * restores every shard it runs, at the size each shard's state had last (stored bytes, read
 * at 4 KB a unit). Rounds of recycling the run did see are already in its counts.
 */
function projectedRestoreUnitsPerHour(run: CostRun): number {
  const hours = run.seconds / 3600;
  let units = 0;
  for (const s of run.stages) {
    const e = s.environments;
    const held = Object.values(e.latestHeldBytes);
    if (held.length === 0) continue;
    const missingRounds = Math.max(0, 60 / e.recycleMinutes - e.recycled / e.pool / hours);
    units += missingRounds * e.pool * held.reduce((n, bytes) => n + readUnits(bytes), 0);
  }
  return units;
}

/** DynamoDB units of the stages by item kind. */
function stageUnits(run: CostRun, counts: MeterCounts): Record<string, { readUnits: number; writeUnits: number }> {
  const byKind: Record<string, { readUnits: number; writeUnits: number }> = {};
  for (const stage of run.stages) {
    for (const [kind, u] of Object.entries(counts.actors[stage.id]?.dynamo.byKind ?? {})) {
      const k = (byKind[kind] ??= { readUnits: 0, writeUnits: 0 });
      k.readUnits += u.readUnits;
      k.writeUnits += u.writeUnits;
    }
  }
  return byKind;
}
