/**
 * Kinesis events for one stage, built offline from JSON Lines (`eddy event`): what Lambda
 * would hand the stage's function for one shard, so that a stage can be invoked on its own
 * (`eddy invoke`, `serverless invoke local`).
 *
 * - A source stage gets the lines as its records, byte for byte (a malformed line stays one:
 *   the stage dead-letters it), with the source's partition key as `eddy feed` uses it.
 * - A keyed stage gets each line as the *payload* of one data envelope, as its upstream stage
 *   would send it: key from the upstream's `keyBy` selector applied to the payload (or `key`
 *   for every line; a forward edge keys by the upstream shard, a broadcast edge by the
 *   broadcast key), event time from the upstream source's timestamp assigner (else the
 *   payload's numeric `ts`; for a window join's or coGroup's tagged `{ side, value }` records,
 *   of the value), origin = a position in the upstream shard. A last record carries
 *   the watermark the upstream would send after these records (and `end`, when asked).
 *
 * Records are routed as Kinesis would route them (MD5 of the partition key into evenly split
 * shard ranges, as CreateStream makes them); the event holds one shard's records, as every
 * Lambda invocation does. Sequence numbers and arrival times are synthetic but deterministic,
 * so the same input always gives the same file.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import type { Job } from '../api/job.ts';
import { MIN_WATERMARK } from '../api/time.ts';
import { NO_TIMESTAMP, type TimestampAssigner } from '../api/watermark.ts';
import { isTaggedUnion } from '../join/window-join.ts';
import { hashKeyOf, shardForHash, type ShardRange } from '../plan/partitioning.ts';
import { stageById, type Plan, type PlanStage } from '../plan/plan.ts';
import { BROADCAST_KEY, encodeEnvelopes, type Envelope } from '../runtime/envelope.ts';
import { encodeKey } from '../runtime/keys.ts';
import type { ReadRecord } from '../runtime/shard-reader.ts';
import { toKinesisEvent } from './kinesis-event.ts';

export interface StageEventOptions {
  /** Shard of the event (`shardId-000000000001` or `1`); default: the shard of the first line. */
  shard?: string;
  /** Keyed stage: the upstream stage the payloads come from (default: its first upstream). */
  from?: string;
  /** Keyed stage: this key for every line instead of the upstream's selector (see {@link parseKeyArgument}). */
  key?: string;
  /** Keyed stage: the watermark after the data (epoch ms), or `none`; default: what the upstream source would send. */
  watermark?: number | 'none';
  /** Keyed stage: end of input after everything (the stage drains, as at the end of a replay). */
  end?: boolean;
  /**
   * Numbering of the records (sequence numbers, and a keyed stage's upstream origins) starts
   * after this many (default 0): successive events of one shard then carry new positions, which
   * the stage does not take for re-deliveries (`eddy/testing`'s stage harness feeds batch after batch).
   */
  firstRecord?: number;
  /** Prepended to the stream name in the ARN (`EDDY_RESOURCE_PREFIX`). */
  prefix?: string;
  region?: string;
  account?: string;
}

export interface StageEvent {
  event: KinesisStreamEvent;
  shard: string;
  /** Lines routed to other shards, left out of this event: how many per shard. */
  leftOut: Record<string, number>;
}

/** Synthetic sequence numbers: 56 digits like Kinesis's, increasing, a shard's own series. */
const SEQ_BASE = 49_600_000_000_000_000n * 10n ** 39n;
const SEQ_STEP = 1_000_000n;
/** Arrival time of records whose event time is unknown (2023-11-14T22:13:20Z). */
const DEFAULT_ARRIVAL = 1_700_000_000_000;

/**
 * The sequence number of the `n`-th record (from 0) of shard `shardIndex` in a generated event.
 *
 * @example
 * ```ts
 * syntheticSeq(0, 0); // '49600000000000000000000000000000000000000000000001000000'
 * ```
 */
export function syntheticSeq(shardIndex: number, n: number): string {
  return (SEQ_BASE + BigInt(shardIndex) * 10n ** 30n + BigInt(n + 1) * SEQ_STEP).toString();
}

/**
 * The shards CreateStream makes: the 128-bit hash space split evenly, in order.
 *
 * @example
 * ```ts
 * evenShards(2)[1].shardId; // 'shardId-000000000001'
 * ```
 */
export function evenShards(count: number): ShardRange[] {
  const space = 1n << 128n;
  return Array.from({ length: count }, (_, i) => ({
    shardId: shardIdOf(i),
    start: (space * BigInt(i)) / BigInt(count),
    end: (space * BigInt(i + 1)) / BigInt(count) - 1n,
  }));
}

function shardIdOf(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

/**
 * A key as given on the command line: JSON when it parses as a string or a number (`42` is the
 * number, `'"42"'` the string), else the text itself (`o-1`).
 *
 * @example
 * ```ts
 * parseKeyArgument('o-1'); // 'o-1'
 * parseKeyArgument('42');  // 42
 * ```
 */
export function parseKeyArgument(text: string): string | number {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  } catch {
    // not JSON: the text is the key
  }
  return text;
}

/**
 * Builds the Kinesis event of one shard of `stageId` from JSON Lines.
 *
 * @example
 * ```ts
 * const { event, shard } = buildStageEvent(job, plan, 'order-timeout', lines, {});
 * await writeFile('event.json', JSON.stringify(event, null, 2));
 * ```
 */
export function buildStageEvent(job: Job, plan: Plan, stageId: string, lines: string[], options: StageEventOptions = {}): StageEvent {
  const { records, shard, leftOut } = buildStageRecords(job, plan, stageId, lines, options);
  const event = toKinesisEvent((options.prefix ?? '') + stageById(plan, stageId).input.stream, shard, records, options.region, options.account);
  return { event, shard, leftOut };
}

/**
 * The records of one shard of `stageId` from JSON Lines, as the stage reads them (what
 * {@link buildStageEvent} wraps in a Kinesis event; `eddy/testing`'s stage harness runs them).
 *
 * @example
 * ```ts
 * const { records, shard } = buildStageRecords(job, plan, 'order-timeout', lines, { shard: '0' });
 * ```
 */
export function buildStageRecords(job: Job, plan: Plan, stageId: string, lines: string[], options: StageEventOptions = {}): { records: ReadRecord[]; shard: string; leftOut: Record<string, number> } {
  const stage = stageById(plan, stageId);
  const controlOnly = stage.kind === 'keyed' && options.shard !== undefined && ((options.watermark !== undefined && options.watermark !== 'none') || options.end);
  if (lines.length === 0 && !controlOnly) throw new Error('no input lines: an event needs at least one record (or, for a keyed stage, a shard and a watermark or the end)');
  const first = options.firstRecord ?? 0;
  const routed = stage.kind === 'source' ? sourceRecords(job, stage, lines) : keyedRecords(job, plan, stage, lines, options);
  const shards = evenShards(stage.input.shards);
  const shard = options.shard !== undefined ? resolveShard(shards, options.shard) : routed.records[0].shard;
  const leftOut: Record<string, number> = {};
  for (const r of routed.records) if (r.shard !== shard) leftOut[r.shard] = (leftOut[r.shard] ?? 0) + 1;
  const mine = routed.records.filter((r) => r.shard === shard).map((r) => ({ data: r.data, partitionKey: r.partitionKey, arrival: r.arrival }));
  const lastArrival = routed.records.reduce((max, r) => Math.max(max, r.arrival), DEFAULT_ARRIVAL);
  for (const data of routed.trailer(shard)) mine.push({ data, partitionKey: shard, arrival: lastArrival });
  if (mine.length === 0) throw new Error(`no line goes to ${shard} (lines per shard: ${JSON.stringify(leftOut)})`);
  const index = shards.findIndex((s) => s.shardId === shard);
  return { records: mine.map((r, n) => ({ ...r, seq: syntheticSeq(index, first + n) })), shard, leftOut };
}

function resolveShard(shards: ShardRange[], given: string): string {
  const found = shards.find((s) => s.shardId === given || (/^\d+$/.test(given) && s.shardId === shardIdOf(Number(given))));
  if (!found) throw new Error(`no shard ${given} (shards: ${shards.map((s) => s.shardId).join(', ')})`);
  return found.shardId;
}

interface Routed {
  records: { shard: string; data: Uint8Array; partitionKey: string; arrival: number }[];
  /** Control records after the data, per shard. */
  trailer: (shard: string) => Uint8Array[];
}

function sourceRecords(job: Job, stage: PlanStage, lines: string[]): Routed {
  const node = job.graph.node(stage.entryNode);
  if (node.kind !== 'source') throw new Error(`stage ${stage.id} does not start with a source`);
  const shards = evenShards(stage.input.shards);
  const records = lines.map((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined; // a malformed line goes in as it is; the stage dead-letters it
    }
    const partitionKey = sourcePartitionKey(node.source.partitionKey, value, i);
    // The arrival time is the event time the stage will assign, after its own decoding (Maxwell's ts is in seconds, say).
    const ts = eventTime(node.watermarks.timestampAssigner, decoded(node.source.decode, line));
    return { shard: shardForHash(shards, hashKeyOf(partitionKey)).shardId, data: Buffer.from(line, 'utf8'), partitionKey, arrival: ts ?? DEFAULT_ARRIVAL + i };
  });
  return { records, trailer: () => [] };
}

/** The partition key `eddy feed` gives a line (see lib/local/replay.ts). */
function sourcePartitionKey(partitionKey: ((v: any) => string) | undefined, value: unknown, index: number): string {
  try {
    const key = value === undefined ? undefined : partitionKey?.(value);
    if (typeof key === 'string' && key.length > 0 && key.length <= 256) return key;
  } catch {
    // a record the key function rejects still goes in
  }
  return `line-${index}`;
}

function decoded(decode: (data: Uint8Array) => unknown, line: string): unknown {
  try {
    return decode(Buffer.from(line, 'utf8'));
  } catch {
    return undefined; // the stage will dead-letter it
  }
}

function eventTime(assigner: TimestampAssigner<any> | undefined, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  try {
    const ts = assigner ? assigner(value, NO_TIMESTAMP) : (value as { ts?: unknown }).ts;
    return typeof ts === 'number' && Number.isFinite(ts) && ts >= 0 ? ts : undefined;
  } catch {
    return undefined;
  }
}

function keyedRecords(job: Job, plan: Plan, stage: PlanStage, lines: string[], options: StageEventOptions): Routed {
  const from = options.from ?? stage.upstream[0];
  if (!stage.upstream.includes(from)) throw new Error(`stage ${stage.id} reads from ${stage.upstream.join(', ')}, not ${from}`);
  const upstream = stageById(plan, from);
  const out = upstream.outputs.find((o) => o.kind === 'stage' && o.stage === stage.id);
  if (!out || out.kind !== 'stage') throw new Error(`stage ${from} sends nothing to ${stage.id}`);
  const edge = job.graph.node(out.viaNode);
  const fromShard = shardIdOf(0);
  const entry = job.graph.node(upstream.entryNode);
  const assigner = entry.kind === 'source' ? entry.watermarks.timestampAssigner : undefined;
  const shards = evenShards(stage.input.shards);
  let maxTs = MIN_WATERMARK;
  const records = lines.map((line, i) => {
    let payload: unknown;
    try {
      payload = JSON.parse(line);
    } catch (error) {
      throw new Error(`line ${i + 1}: a keyed stage's payload must be JSON (${(error as Error).message})`);
    }
    // A window join's or coGroup's records are tagged with their side ({ side, value }): the
    // source's assigner reads the value.
    const tagged = isTaggedUnion(payload) ? payload.value : undefined;
    const ts = eventTime(assigner, payload) ?? (tagged === undefined ? undefined : eventTime(assigner, tagged));
    if (ts === undefined) throw new Error(`line ${i + 1}: no event time (the upstream's timestamp assigner failed and there is no numeric "ts")`);
    maxTs = Math.max(maxTs, ts);
    let key: string;
    if (options.key !== undefined) key = encodeKey(parseKeyArgument(options.key));
    else if (edge.kind === 'keyBy') key = encodeKey(edge.key(payload));
    else if (edge.kind === 'forward') key = encodeKey(fromShard); // what StageChain keys a forwarded record by
    else key = BROADCAST_KEY;
    const target = shardForHash(shards, hashKeyOf(key)).shardId;
    const envelope: Envelope = { kind: 'data', key, ts, payload, origin: { seq: syntheticSeq(0, (options.firstRecord ?? 0) + i), index: 0 }, ...(out.input === 2 ? { in: 2 as const } : {}) };
    // A broadcast element goes to every shard: it is routed to whichever shard the event is for.
    const shard = key === BROADCAST_KEY ? (options.shard !== undefined ? resolveShard(shards, options.shard) : target) : target;
    return { shard, data: encodeEnvelopes({ from: { stage: from, shard: fromShard }, to: shard, envelopes: [envelope] }), partitionKey: shard, arrival: ts };
  });
  const watermark = options.watermark ?? (entry.kind === 'source' ? entry.watermarks.watermarkAfter(maxTs) : 'none');
  const trailer = (shard: string) => {
    const control: Envelope[] = [];
    if (watermark !== 'none' && watermark > MIN_WATERMARK) control.push({ kind: 'watermark', watermark });
    if (options.end) control.push({ kind: 'end' });
    return control.length === 0 ? [] : [encodeEnvelopes({ from: { stage: from, shard: fromShard }, to: shard, envelopes: control })];
  };
  return { records, trailer };
}
