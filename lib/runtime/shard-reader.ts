/** A record read from a shard, as an event source mapping sees it. */
export interface ReadRecord {
  seq: string;
  data: Uint8Array;
  partitionKey: string;
  /** Approximate arrival time, epoch ms. */
  arrival: number;
}

/**
 * Reads a shard from a position, the part of Lambda's event source mapping the local runner
 * emulates (`lib/aws/kinesis-shard-reader.ts` on Kinesis, `lib/local/memory-streams.ts` in memory).
 */
export interface ShardReader {
  /** Up to `limit` records after `afterSeq` (from the start when undefined). */
  read(stream: string, shardId: string, afterSeq: string | undefined, limit: number): Promise<ReadRecord[]>;
}
