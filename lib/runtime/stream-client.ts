import type { ShardRange } from '../plan/partitioning.ts';

/** A shard as listed by the stream, with whether it is closed (after a split or merge). */
export interface ShardInfo extends ShardRange {
  closed: boolean;
  /** The shards it was split or merged from (none for an original shard). */
  parents: string[];
}

/** Where one PutRecords entry went: the shard it landed in, or the error code. */
export interface PutResult {
  shardId?: string;
  error?: string;
}

export interface PutEntry {
  data: Uint8Array;
  partitionKey: string;
  /** Routes the record to the shard owning this hash key instead of hashing the partition key. */
  explicitHashKey?: string;
}

/**
 * The Kinesis operations the runtime needs (I/O only; `lib/aws/kinesis-stream-client.ts`
 * implements it). `listShards` may answer from a cache unless `fresh` is asked (after
 * resharding); `putRecords` returns, per entry in order, where it landed or its error code.
 */
export interface StreamClient {
  listShards(stream: string, options?: { fresh?: boolean }): Promise<ShardInfo[]>;
  putRecords(stream: string, entries: PutEntry[]): Promise<PutResult[]>;
}
