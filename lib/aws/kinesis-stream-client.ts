import { ListShardsCommand, PutRecordsCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import type { PutEntry, PutResult, ShardInfo, StreamClient } from '../runtime/stream-client.ts';

/** How long a shard listing is trusted; resharding is rare and a stale map only costs a retry. */
const SHARD_CACHE_MS = 10_000;

/**
 * The runtime's Kinesis operations on the AWS SDK (AWS, LocalStack or kinesis-mock).
 *
 * @example
 * ```ts
 * const streams = new KinesisStreamClient(clients.kinesis, target.prefix);
 * await streams.putRecords('job-stage', [{ data, partitionKey: 'k' }]);
 * ```
 */
export class KinesisStreamClient implements StreamClient {
  private readonly shardCache = new Map<string, { at: number; shards: Promise<ShardInfo[]> }>();

  constructor(private readonly kinesis: KinesisClient, private readonly prefix = '') {}

  listShards(stream: string, options: { fresh?: boolean } = {}): Promise<ShardInfo[]> {
    const cached = this.shardCache.get(stream);
    if (cached && !options.fresh && Date.now() - cached.at < SHARD_CACHE_MS) return cached.shards;
    const shards = this.fetchShards(stream);
    this.shardCache.set(stream, { at: Date.now(), shards });
    shards.catch(() => this.shardCache.delete(stream));
    return shards;
  }

  async putRecords(stream: string, entries: PutEntry[]): Promise<PutResult[]> {
    const response = await this.kinesis.send(
      new PutRecordsCommand({
        StreamName: this.prefix + stream,
        Records: entries.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey, ExplicitHashKey: e.explicitHashKey })),
      }),
    );
    return (response.Records ?? []).map((r) => (r.ErrorCode ? { error: r.ErrorCode } : { shardId: r.ShardId }));
  }

  private async fetchShards(stream: string): Promise<ShardInfo[]> {
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const page = await this.kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.prefix + stream }));
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token);
    return shards.map((s) => ({
      shardId: s.ShardId!,
      start: BigInt(s.HashKeyRange!.StartingHashKey!),
      end: BigInt(s.HashKeyRange!.EndingHashKey!),
      closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
      parents: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined),
    }));
  }
}
