/**
 * Capacity mode of an internal stream (a keyed stage's input): provisioned (the plan's shards,
 * paid per shard-hour) or on-demand (paid per stream-hour and per GB). Which is cheaper depends
 * on the rate and the shard count, so the job option `internalStreamMode: 'auto'` picks it from
 * the job's `plannedEventsPerSecond` with the estimate below. `eddy cost` may reuse it.
 *
 * The arithmetic, per internal stream and hour, at R events/s of E bytes (envelope JSON,
 * {@link ASSUMED_ENVELOPE_BYTES}) on n shards:
 *
 * - Records: the upstream stage sends each downstream shard one record per batch, carrying all
 *   of that batch's envelopes for the shard plus the watermark (lib/runtime/emitter.ts, up to
 *   ~900 KB a record). Lambda polls a shard about once a second, and there is no batch without
 *   an event, so about min(R, 1) × n records a second, each R·E / (that many) bytes. Packed
 *   this way, rounding each record up (1 KB on-demand, 25 KB per PUT payload unit) adds little.
 * - Provisioned: n × $0.015 (shard-hours) + PUT payload units × $0.014 per million. A shard
 *   takes at most 1 MiB/s (and 1,000 records/s, which packed records never approach), so n
 *   shards carry R·E ≤ n MiB/s; above that a provisioned stream throttles and lags.
 * - On-demand: $0.04 (stream-hour) + billed GB × ($0.08 in + $0.04 out), one consumer (the
 *   stage's event source mapping) reading every record once. AWS starts an on-demand stream
 *   at {@link ON_DEMAND_INITIAL_SHARDS} shards whatever the plan says (and scales it with the
 *   traffic), so n = 4 counts its records.
 *
 * So on-demand is cheaper only where n × $0.015 exceeds $0.04 plus its data charge (about
 * $0.00008 per hour for each event/s at 200 bytes): never with one or two shards, up to 61
 * events/s with three, up to 245 with four, and wherever the planned shards cannot carry the
 * rate (n × 5,242 events/s of 200 bytes). The stage's Lambda side is left out: on-demand's four shards mean up to four
 * batches a second (with their checkpoint writes) where the plan has fewer shards.
 */
import { PRICES, type Prices } from '../cost/model.ts';
import { KB, onDemandBilledKb, putPayloadUnits } from '../cost/units.ts';

export type StreamCapacityMode = 'provisioned' | 'on-demand';
/** The job option: a mode, or `auto` for the cheaper at the planned rate. */
export type InternalStreamModeOption = StreamCapacityMode | 'auto';

/** Bytes of one data envelope the estimate assumes: its key, time and origin in JSON plus a small payload. */
export const ASSUMED_ENVELOPE_BYTES = 200;
/** Shards AWS gives a new on-demand stream (4 MB/s of writes), whatever the plan says. */
export const ON_DEMAND_INITIAL_SHARDS = 4;
/** What one provisioned shard takes in per second. */
export const SHARD_WRITE_BYTES_PER_SECOND = 1024 * KB;
const GB = 2 ** 30;
const SECONDS_PER_HOUR = 3600;

/**
 * Events per second one shard of a keyed stage is planned for. A shard's batches run one at a
 * time in one Lambda function; at 512 MB that is 0.29 of a vCPU, on which the engine handles a
 * few thousand events a second (docs/benchmarks.md), far under what a shard takes in bytes
 * (5,242 events/s of 200 bytes).
 */
export const PLANNED_EVENTS_PER_SHARD = 2000;

/**
 * The shards (parallelism) of an internal stream at a planned rate: the fewest that carry it.
 * A stage that outgrows them is resharded while it runs (docs/operations.md), or given a
 * parallelism of its own.
 *
 * @example
 * ```ts
 * plannedShards(100); // 1
 * plannedShards(5000); // 3
 * ```
 */
export function plannedShards(eventsPerSecond: number): number {
  return Math.max(1, Math.ceil(eventsPerSecond / PLANNED_EVENTS_PER_SHARD));
}

/** What an internal stream carries: the planned rate and the shards the plan gives it. */
export interface InternalStreamLoad {
  eventsPerSecond: number;
  /** Shards of the stream in provisioned mode (the stage's parallelism). */
  shards: number;
  /** Bytes per envelope (default {@link ASSUMED_ENVELOPE_BYTES}). */
  envelopeBytes?: number;
}

/**
 * Estimated dollars per hour of one internal stream in `mode` (module comment: the arithmetic).
 *
 * @example
 * ```ts
 * streamCostPerHour('provisioned', { eventsPerSecond: 100, shards: 2 }); // ≈ 0.0301: 2 shard-hours + 7,200 PUT units
 * streamCostPerHour('on-demand', { eventsPerSecond: 100, shards: 2 });   // ≈ 0.0482: stream-hour + 0.069 GB in and out
 * ```
 */
export function streamCostPerHour(mode: StreamCapacityMode, load: InternalStreamLoad, prices: Prices = PRICES): number {
  checkLoad(load);
  const shards = mode === 'on-demand' ? ON_DEMAND_INITIAL_SHARDS : load.shards;
  const recordsPerSecond = Math.min(load.eventsPerSecond, 1) * shards;
  const recordBytes = recordsPerSecond === 0 ? 0 : (load.eventsPerSecond * (load.envelopeBytes ?? ASSUMED_ENVELOPE_BYTES)) / recordsPerSecond;
  const recordsPerHour = recordsPerSecond * SECONDS_PER_HOUR;
  if (mode === 'provisioned') return load.shards * prices.kinesisShardHour + recordsPerHour * putPayloadUnits(recordBytes) * prices.kinesisPutPayloadUnit;
  const billedGb = (recordsPerHour * onDemandBilledKb(recordBytes) * KB) / GB;
  return prices.kinesisOnDemandStreamHour + billedGb * (prices.kinesisOnDemandWriteGb + prices.kinesisOnDemandReadGb);
}

/**
 * True when `load.shards` provisioned shards take the planned rate (1 MiB/s each).
 *
 * @example
 * ```ts
 * provisionedCarries({ eventsPerSecond: 10_000, shards: 2 }); // true: 2,000,000 B/s ≤ 2 MiB/s
 * provisionedCarries({ eventsPerSecond: 11_000, shards: 2 }); // false
 * ```
 */
export function provisionedCarries(load: InternalStreamLoad): boolean {
  checkLoad(load);
  return load.eventsPerSecond * (load.envelopeBytes ?? ASSUMED_ENVELOPE_BYTES) <= load.shards * SHARD_WRITE_BYTES_PER_SECOND;
}

/**
 * The mode `auto` picks: the cheaper per hour ({@link streamCostPerHour}; provisioned on a tie),
 * on-demand whenever the planned shards cannot carry the rate.
 *
 * @example
 * ```ts
 * chooseStreamMode({ eventsPerSecond: 100, shards: 2 }); // 'provisioned' ($0.030/h vs $0.048/h)
 * chooseStreamMode({ eventsPerSecond: 100, shards: 4 }); // 'on-demand'   ($0.060/h vs $0.048/h)
 * ```
 */
export function chooseStreamMode(load: InternalStreamLoad, prices: Prices = PRICES): StreamCapacityMode {
  if (!provisionedCarries(load)) return 'on-demand';
  return streamCostPerHour('on-demand', load, prices) < streamCostPerHour('provisioned', load, prices) ? 'on-demand' : 'provisioned';
}

/**
 * The mode of an internal stream from the job option: as given, or for `auto` {@link chooseStreamMode}.
 *
 * @example
 * ```ts
 * internalStreamMode('auto', { eventsPerSecond: 100, shards: 2 });      // 'provisioned'
 * internalStreamMode('on-demand', { eventsPerSecond: 100, shards: 2 }); // 'on-demand'
 * ```
 */
export function internalStreamMode(option: InternalStreamModeOption, load: InternalStreamLoad, prices: Prices = PRICES): StreamCapacityMode {
  checkLoad(load); // a planned rate that is not one is refused whatever the mode
  if (option === 'auto') return chooseStreamMode(load, prices);
  if (option !== 'provisioned' && option !== 'on-demand') throw new Error(`internalStreamMode must be 'provisioned', 'on-demand' or 'auto', got ${JSON.stringify(option)}`);
  return option;
}

function checkLoad(load: InternalStreamLoad): void {
  if (!(Number.isFinite(load.eventsPerSecond) && load.eventsPerSecond >= 0)) throw new Error(`plannedEventsPerSecond must be a non-negative number, got ${load.eventsPerSecond}`);
  if (!(Number.isInteger(load.shards) && load.shards >= 1)) throw new Error(`an internal stream needs a positive whole number of shards, got ${load.shards}`);
  const bytes = load.envelopeBytes ?? ASSUMED_ENVELOPE_BYTES;
  if (!(Number.isFinite(bytes) && bytes > 0)) throw new Error(`envelopeBytes must be a positive number, got ${bytes}`);
}
