import { hashKeyOf, shardForHash, sortShards } from '../plan/partitioning.ts';
import type { ReadRecord, ShardReader } from '../runtime/shard-reader.ts';
import type { PutEntry, ShardInfo, StreamClient } from '../runtime/stream-client.ts';

const HASH_SPACE = 1n << 128n;

/**
 * Kinesis in memory: streams of evenly split shards with increasing sequence numbers. For
 * unit tests and engine benchmarks only; runs use the emulators or AWS.
 *
 * @example
 * ```ts
 * const streams = new MemoryStreams();
 * streams.createStream('orders', 2);
 * await streams.putRecords('orders', [{ data, partitionKey: 'o-1' }]);
 * ```
 */
export class MemoryStreams implements StreamClient, ShardReader {
  private readonly streams = new Map<string, { shards: ShardInfo[]; records: Map<string, ReadRecord[]> }>();
  private seq = 1_000_000_000_000n;
  /** Counters for benchmarks: PutRecords requests, records and bytes written. */
  readonly counters = { putRequests: 0, putRecords: 0, putBytes: 0 };

  createStream(name: string, shards: number): void {
    if (this.streams.has(name)) return;
    const list: ShardInfo[] = Array.from({ length: shards }, (_, i) => ({
      shardId: `shardId-${String(i).padStart(12, '0')}`,
      start: (HASH_SPACE * BigInt(i)) / BigInt(shards),
      end: (HASH_SPACE * BigInt(i + 1)) / BigInt(shards) - 1n,
      closed: false,
    }));
    this.streams.set(name, { shards: list, records: new Map(list.map((s) => [s.shardId, []])) });
  }

  async listShards(stream: string): Promise<ShardInfo[]> {
    return this.stream(stream).shards;
  }

  async putRecords(stream: string, entries: PutEntry[]): Promise<(string | undefined)[]> {
    const s = this.stream(stream);
    const shards = sortShards(s.shards);
    this.counters.putRequests++;
    for (const e of entries) {
      const hash = e.explicitHashKey !== undefined ? BigInt(e.explicitHashKey) : hashKeyOf(e.partitionKey);
      const shard = shardForHash(shards, hash);
      this.seq += 1n;
      s.records.get(shard.shardId)!.push({ seq: this.seq.toString(), data: e.data, partitionKey: e.partitionKey, arrival: Date.now() });
      this.counters.putRecords++;
      this.counters.putBytes += e.data.length;
    }
    return entries.map(() => undefined);
  }

  async read(stream: string, shardId: string, afterSeq: string | undefined, limit: number): Promise<ReadRecord[]> {
    const records = this.stream(stream).records.get(shardId) ?? [];
    let i = 0;
    if (afterSeq !== undefined) {
      const after = BigInt(afterSeq);
      // Sequence numbers increase along the shard: binary search for the first record after.
      let lo = 0;
      let hi = records.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (BigInt(records[mid].seq) <= after) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    return records.slice(i, i + limit);
  }

  /** Every record of a stream, shard by shard (for assertions). */
  all(stream: string): ReadRecord[] {
    return [...this.stream(stream).records.values()].flat();
  }

  private stream(name: string) {
    const s = this.streams.get(name);
    if (!s) throw new Error(`no stream ${name}`);
    return s;
  }
}
