import type { ShardRange } from '../plan/partitioning.ts';

/** A shard as listed by the stream, with whether it is closed (after a split or merge). */
export interface ShardInfo extends ShardRange {
  closed: boolean;
}

export interface PutEntry {
  data: Uint8Array;
  partitionKey: string;
  /** Routes the record to the shard owning this hash key instead of hashing the partition key. */
  explicitHashKey?: string;
}

/**
 * The Kinesis operations the runtime needs (I/O only; `lib/aws/kinesis-client.ts` implements
 * it). `putRecords` returns, per entry in order, undefined when written or the error code.
 */
export interface StreamClient {
  listShards(stream: string): Promise<ShardInfo[]>;
  putRecords(stream: string, entries: PutEntry[]): Promise<(string | undefined)[]>;
}
