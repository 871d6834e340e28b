import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { ReadRecord, ShardReader } from '../runtime/shard-reader.ts';

/**
 * Reads shards with GetShardIterator / GetRecords, keeping the next iterator of each shard so
 * that polling costs one GetRecords per poll.
 *
 * @example
 * ```ts
 * const reader = new KinesisShardReader(clients.kinesis, prefix);
 * const records = await reader.read('job-stage', 'shardId-000000000000', undefined, 100);
 * ```
 */
export class KinesisShardReader implements ShardReader {
  /** Per stream/shard: the iterator that continues after `afterSeq`. */
  private readonly iterators = new Map<string, { afterSeq: string | undefined; iterator: string }>();

  constructor(private readonly kinesis: KinesisClient, private readonly prefix = '') {}

  async read(stream: string, shardId: string, afterSeq: string | undefined, limit: number): Promise<ReadRecord[]> {
    const id = `${stream}/${shardId}`;
    let cached = this.iterators.get(id);
    if (!cached || cached.afterSeq !== afterSeq) {
      cached = { afterSeq, iterator: await this.iterator(stream, shardId, afterSeq) };
    }
    let response;
    try {
      response = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: cached.iterator, Limit: limit }));
    } catch (error) {
      if ((error as Error).name !== 'ExpiredIteratorException') throw error;
      this.iterators.delete(id);
      return this.read(stream, shardId, afterSeq, limit);
    }
    const records = (response.Records ?? []).map((r) => ({
      seq: r.SequenceNumber!,
      data: r.Data!,
      partitionKey: r.PartitionKey!,
      arrival: r.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
    }));
    const last = records.length ? records[records.length - 1].seq : afterSeq;
    if (response.NextShardIterator) this.iterators.set(id, { afterSeq: last, iterator: response.NextShardIterator });
    else this.iterators.delete(id);
    return records;
  }

  private async iterator(stream: string, shardId: string, afterSeq: string | undefined): Promise<string> {
    const response = await this.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.prefix + stream,
        ShardId: shardId,
        ...(afterSeq ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: afterSeq } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return response.ShardIterator!;
  }
}
