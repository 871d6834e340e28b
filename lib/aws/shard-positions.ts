/**
 * Where a reader stands in a Kinesis shard, for the operating commands: how many records lie
 * after a checkpoint and how old the first of them is (`eddy checkpoints`), which record a
 * timestamp or the tip of the shard corresponds to, and the records between two positions
 * (`eddy reset`). Reads only (GetShardIterator / GetRecords), never written positions.
 */
import { GetRecordsCommand, GetShardIteratorCommand, type GetRecordsCommandOutput, type KinesisClient, type ShardIteratorType } from '@aws-sdk/client-kinesis';
import { compareSeq } from '../runtime/envelope.ts';
import type { ReadRecord } from '../runtime/shard-reader.ts';

/** Where a scan starts: after a sequence number (from the start when undefined), or at a time. */
export type ShardStart = { after: string | undefined } | { at: Date };

/** Empty pages in a row before a scan gives up: AWS may answer empty while records lie ahead. */
const MAX_EMPTY_PAGES = 20;

/**
 * Reads a shard from `start` page by page, handing each page to `visit` until it returns false,
 * the shard's tip is reached (an empty page with MillisBehindLatest 0), or a closed shard ends.
 *
 * @example
 * ```ts
 * await scanShard(kinesis, 'job-stage', 'shardId-000000000000', { after: undefined }, 1000, (records) => (all.push(...records), true));
 * ```
 */
export async function scanShard(
  kinesis: KinesisClient,
  stream: string,
  shardId: string,
  start: ShardStart,
  limit: number,
  visit: (records: ReadRecord[], page: GetRecordsCommandOutput, first: boolean) => boolean | void,
): Promise<void> {
  const type: ShardIteratorType = 'at' in start ? 'AT_TIMESTAMP' : start.after ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON';
  const opened = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shardId,
      ShardIteratorType: type,
      ...('at' in start ? { Timestamp: start.at } : start.after ? { StartingSequenceNumber: start.after } : {}),
    }),
  );
  let iterator = opened.ShardIterator;
  let empty = 0;
  for (let first = true; iterator; first = false) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: first ? 1 : limit }));
    const records = (page.Records ?? []).map((r) => ({ seq: r.SequenceNumber!, data: r.Data!, partitionKey: r.PartitionKey!, arrival: r.ApproximateArrivalTimestamp?.getTime() ?? 0 }));
    if (visit(records, page, first) === false) return;
    empty = records.length === 0 ? empty + 1 : 0;
    if (records.length === 0 && (!page.MillisBehindLatest || empty >= MAX_EMPTY_PAGES)) return;
    iterator = page.NextShardIterator;
  }
}

/** What lies after a position in a shard. */
export interface ShardBacklog {
  /** Records after the position, counted up to the cap. */
  pending: number;
  /** True when there are at least `pending` records (the count stopped at the cap). */
  capped: boolean;
  /**
   * MillisBehindLatest as Kinesis reports it for a first read of one record from the position:
   * how far that read is from the tip (0 when it reached the tip, e.g. with one record pending).
   */
  millisBehindLatest: number | undefined;
  /** Approximate arrival (epoch ms) of the first record after the position. */
  firstArrival?: number;
  /** The last record of the shard seen (the tip, unless capped). */
  lastSeq?: string;
}

/**
 * Counts the records after `afterSeq` (from the start when undefined), up to `cap`.
 *
 * @example
 * ```ts
 * const { pending, firstArrival } = await shardBacklog(kinesis, 'job-source-orders', 'shardId-000000000000', checkpoint.seq);
 * ```
 */
export async function shardBacklog(kinesis: KinesisClient, stream: string, shardId: string, afterSeq: string | undefined, cap = 100_000): Promise<ShardBacklog> {
  const backlog: ShardBacklog = { pending: 0, capped: false, millisBehindLatest: undefined };
  await scanShard(kinesis, stream, shardId, { after: afterSeq }, 10_000, (records, page, first) => {
    if (first) backlog.millisBehindLatest = page.MillisBehindLatest;
    if (records.length > 0) {
      backlog.firstArrival ??= records[0].arrival;
      backlog.lastSeq = records[records.length - 1].seq;
    }
    backlog.pending += records.length;
    if (backlog.pending >= cap) return !(backlog.capped = true);
  });
  return backlog;
}

/**
 * The first record that arrived at or after `at`, or undefined when none did (yet).
 *
 * @example
 * ```ts
 * const seq = await firstSeqAtOrAfter(kinesis, stream, 'shardId-000000000000', new Date('2026-11-24T10:00:00Z'));
 * ```
 */
export async function firstSeqAtOrAfter(kinesis: KinesisClient, stream: string, shardId: string, at: Date): Promise<string | undefined> {
  let found: string | undefined;
  await scanShard(kinesis, stream, shardId, { at }, 1, (records) => {
    found = records[0]?.seq;
    return found === undefined;
  });
  return found;
}

/**
 * The records after `afterSeq` (from the start when undefined) up to and including `untilSeq`.
 *
 * @example
 * ```ts
 * const between = await recordsBetween(kinesis, stream, shard, newSeq, checkpoint.seq);
 * ```
 */
export async function recordsBetween(kinesis: KinesisClient, stream: string, shardId: string, afterSeq: string | undefined, untilSeq: string): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  await scanShard(kinesis, stream, shardId, { after: afterSeq }, 10_000, (records) => {
    for (const r of records) {
      if (compareSeq(r.seq, untilSeq) > 0) return false;
      out.push(r);
    }
  });
  return out;
}
