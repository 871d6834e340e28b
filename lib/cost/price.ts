/**
 * Dollars for a metered run (run.ts), at list prices (`PRICES` in lib/cost/model.ts), and
 * the same for the naive per-event design computed from the same run's counts.
 *
 * Per stage, a row holds everything about the stage's input stream (records put into it —
 * the source stream's are the producer's ingest — and read from it), its Lambda invocations,
 * its DynamoDB reads and writes (state, timers, checkpoints, dead letters) and its sinks.
 * Kinesis in on-demand mode; DynamoDB on-demand. Fixed costs (stream-hours, the sweep) do not
 * grow with events and are priced per hour, then per million events at the run's rate. The
 * headline is elsewhere: the processing cost per hour against Managed Flink (processing.ts),
 * which this report carries as `processing`.
 *
 * The naive design: every event is its own Lambda invocation on every stage, every event
 * crossing a hop is its own Kinesis record (the size of the run's records per event on that
 * stream, rounded up to 1 KB), and every event on a stateful stage reads and writes its
 * state once (1 read unit, 1 write unit: items under 1 KB). No checkpoints (Lambda keeps the
 * position), no timers, no sweep: that is not a working design, only the lower bound of one.
 * Its sinks write what eddy's write. Its invocation is billed the stage's measured time per
 * event, rounded up to 1 ms.
 */
import { PRICES, readPathCost, type Prices } from './model.ts';
import { emptyActor, type PutCounts } from './meter.ts';
import { priceProcessing, type ProcessingCost, type ProcessingOptions } from './processing.ts';
import type { CostRun } from './run.ts';
import { billedLambdaMs, KB, onDemandBilledKb } from './units.ts';

/** Lambda memory (serverless.yml: 512), I/O wait per invocation (the in-memory run has none), and the processing cost's own options. */
export type PriceOptions = ProcessingOptions;

export interface Dollars {
  lambdaRequests: number;
  lambdaDuration: number;
  dynamoReads: number;
  dynamoWrites: number;
  kinesisIn: number;
  kinesisReads: number;
  total: number;
}

export interface Usage {
  events: number;
  invocations: number;
  gbSeconds: number;
  recordsIn: number;
  kbIn: number;
  payloadUnits: number;
  kbRead: number;
  sinkRecords: number;
  readUnits: number;
  writeUnits: number;
}

export interface StageCost {
  stage: string;
  /** eddy's DynamoDB units by item kind (state, timer, checkpoint, redo, dead-letter). */
  dynamoByKind: Record<string, { readUnits: number; writeUnits: number }>;
  eddy: Usage & { dollars: Dollars };
  naive: Usage & { dollars: Dollars };
}

export interface CostReport {
  job: string;
  rate: number;
  inputEvents: number;
  memoryMb: number;
  ioMs: number;
  stages: StageCost[];
  eddy: Dollars;
  naive: Dollars;
  /** $ per million input events, variable costs only. */
  perMillion: { eddy: number; naive: number; naiveOverEddy: number; eddyProvisioned: number };
  fixed: { streams: number; shards: number; streamsPerHour: number; shardsPerHourProvisioned: number; sweepPerHour: number; perHour: number; perMillionAtRate: number };
  /** The headline: processing cost per hour at the run's rate, against Managed Flink. */
  processing: ProcessingCost;
}

const GB = 2 ** 30;

/**
 * Prices a metered run, eddy and naive side by side.
 *
 * @example
 * ```ts
 * const report = priceRun(await runCost(job, { orders: lines }), { ioMs: 0 });
 * report.perMillion.eddy; // $ per million input events
 * ```
 */
export function priceRun(run: CostRun, options: PriceOptions = {}): CostReport {
  const { memoryMb = 512, ioMs = 0, prices = PRICES } = options;
  const empty = emptyActor();
  const stages = run.stages.map((stage): StageCost => {
    const a = run.counts.actors[stage.id] ?? empty;
    const input = run.counts.streams[stage.stream] ?? { requests: 0, records: 0, bytes: 0, billedKb: 0, payloadUnits: 0 };
    const eddy: Usage = {
      events: stage.kind === 'source' ? input.records : a.events,
      invocations: a.invocations,
      gbSeconds: gbSeconds(a.billedMs + ioMs * a.invocations, memoryMb),
      recordsIn: input.records,
      kbIn: input.billedKb,
      payloadUnits: input.payloadUnits + a.sinkPuts.payloadUnits,
      kbRead: a.readBilledKb,
      sinkRecords: a.sinkPuts.records,
      readUnits: a.dynamo.readUnits,
      writeUnits: a.dynamo.writeUnits + a.sinkWriteUnits,
    };
    const e = eddy.events;
    const kbPerEvent = stage.kind === 'source' ? input.billedKb / Math.max(1, e) : e === 0 ? 0 : onDemandBilledKb(input.bytes / e);
    const naive: Usage = {
      ...eddy,
      invocations: e,
      gbSeconds: gbSeconds(e * ((e === 0 ? 0 : billedLambdaMs(a.measuredMs / e)) + ioMs), memoryMb),
      recordsIn: e,
      kbIn: e * kbPerEvent,
      payloadUnits: e + a.sinkPuts.payloadUnits,
      kbRead: e * kbPerEvent,
      readUnits: stage.stateful ? e : 0,
      writeUnits: (stage.stateful ? e : 0) + a.sinkWriteUnits,
    };
    return {
      stage: stage.id,
      dynamoByKind: a.dynamo.byKind,
      eddy: { ...eddy, dollars: dollars(eddy, a.sinkPuts, memoryMb, prices) },
      naive: { ...naive, dollars: dollars(naive, a.sinkPuts, memoryMb, prices) },
    };
  });
  const inputEvents = Object.values(run.inputs).reduce((a, b) => a + b, 0);
  const eddy = sum(stages.map((s) => s.eddy.dollars));
  const naive = sum(stages.map((s) => s.naive.dollars));
  const perMillion = (d: number) => (inputEvents === 0 ? 0 : (d / inputEvents) * 1e6);
  const provisioned = eddy.total - eddy.kinesisIn - eddy.kinesisReads + stages.reduce((n, s) => n + s.eddy.payloadUnits, 0) * prices.kinesisPutPayloadUnit;

  const processing = priceProcessing(run, options);
  const sweepPerHour = processing.fixedPerHour.sweep;
  const shards = run.streams.reduce((n, s) => n + s.shards, 0);
  const streamsPerHour = run.streams.length * prices.kinesisOnDemandStreamHour;
  const perHour = streamsPerHour + sweepPerHour;
  return {
    job: run.job,
    rate: run.rate,
    inputEvents,
    memoryMb,
    ioMs,
    stages,
    eddy,
    naive,
    perMillion: { eddy: perMillion(eddy.total), naive: perMillion(naive.total), naiveOverEddy: naive.total / eddy.total, eddyProvisioned: perMillion(provisioned) },
    fixed: {
      streams: run.streams.length,
      shards,
      streamsPerHour,
      shardsPerHourProvisioned: shards * prices.kinesisShardHour,
      sweepPerHour,
      perHour,
      perMillionAtRate: Number.isFinite(run.rate) ? (perHour / (run.rate * 3600)) * 1e6 : 0,
    },
    processing,
  };
}

function gbSeconds(ms: number, memoryMb: number): number {
  return (ms / 1000) * (memoryMb / 1024);
}

/** Dollars of one stage's usage; Lambda and Kinesis reads through lib/cost/model.ts's `readPathCost`. */
function dollars(u: Usage, sinkPuts: PutCounts, memoryMb: number, prices: Prices): Dollars {
  const read = readPathCost({ invocations: u.invocations, lambdaMs: (u.gbSeconds / (memoryMb / 1024)) * 1000, memoryMb, bytesRead: u.kbRead * KB, consumers: 1, shardHours: 0 }, prices);
  const d = {
    lambdaRequests: read.lambdaRequests,
    lambdaDuration: read.lambdaDuration,
    dynamoReads: u.readUnits * prices.dynamoReadUnit,
    dynamoWrites: u.writeUnits * prices.dynamoWriteUnit,
    kinesisIn: ((u.kbIn + sinkPuts.billedKb) * KB * prices.kinesisOnDemandWriteGb) / GB,
    kinesisReads: read.kinesisOnDemandReads,
  };
  return { ...d, total: Object.values(d).reduce((a, b) => a + b, 0) };
}

function sum(list: Dollars[]): Dollars {
  const keys = ['lambdaRequests', 'lambdaDuration', 'dynamoReads', 'dynamoWrites', 'kinesisIn', 'kinesisReads', 'total'] as const;
  return Object.fromEntries(keys.map((k) => [k, list.reduce((n, d) => n + d[k], 0)])) as unknown as Dollars;
}
