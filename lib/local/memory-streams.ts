import { hashKeyOf, shardForHash, sortShards } from '../plan/partitioning.ts';
import type { ReadRecord, ShardReader } from '../runtime/shard-reader.ts';
import type { PutEntry, PutResult, ShardInfo, StreamClient } from '../runtime/stream-client.ts';

const HASH_SPACE = 1n << 128n;

/**
 * Kinesis in memory: streams of evenly split shards with increasing sequence numbers, which
 * can be split and merged as Kinesis does. For unit tests and engine benchmarks only; runs
 * use the emulators or AWS.
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
      parents: [],
    }));
    this.streams.set(name, { shards: list, records: new Map(list.map((s) => [s.shardId, []])) });
  }

  async listShards(stream: string): Promise<ShardInfo[]> {
    return this.shardList(stream);
  }

  /** The shards of a stream, at once (tests reshard from synchronous hooks). */
  shardList(stream: string): ShardInfo[] {
    return this.stream(stream).shards.map((shard) => ({ ...shard }));
  }

  async putRecords(stream: string, entries: PutEntry[]): Promise<PutResult[]> {
    const s = this.stream(stream);
    const shards = sortShards(s.shards.filter((shard) => !shard.closed));
    const results: PutResult[] = [];
    this.counters.putRequests++;
    for (const e of entries) {
      const hash = e.explicitHashKey !== undefined ? BigInt(e.explicitHashKey) : hashKeyOf(e.partitionKey);
      const shard = shardForHash(shards, hash);
      this.seq += 1n;
      s.records.get(shard.shardId)!.push({ seq: this.seq.toString(), data: e.data, partitionKey: e.partitionKey, arrival: Date.now() });
      this.counters.putRecords++;
      this.counters.putBytes += e.data.length;
      results.push({ shardId: shard.shardId });
    }
    return results;
  }

  /** Kinesis SplitShard: closes the shard and opens two children split at `newStartingHashKey`. */
  splitShard(stream: string, shardId: string, newStartingHashKey: bigint): [ShardInfo, ShardInfo] {
    const s = this.stream(stream);
    const parent = this.openShard(stream, shardId);
    if (newStartingHashKey <= parent.start || newStartingHashKey > parent.end) throw new Error(`hash key ${newStartingHashKey} does not split ${shardId}`);
    parent.closed = true;
    const low = this.addShard(s, parent.start, newStartingHashKey - 1n, [shardId]);
    const high = this.addShard(s, newStartingHashKey, parent.end, [shardId]);
    return [low, high];
  }

  /** Kinesis MergeShards: closes two adjacent shards and opens one child covering both. */
  mergeShards(stream: string, shardId: string, adjacentShardId: string): ShardInfo {
    const s = this.stream(stream);
    const [a, b] = sortShards([this.openShard(stream, shardId), this.openShard(stream, adjacentShardId)]);
    if (a.end + 1n !== b.start) throw new Error(`${shardId} and ${adjacentShardId} are not adjacent`);
    a.closed = b.closed = true;
    return this.addShard(s, a.start, b.end, [shardId, adjacentShardId]);
  }

  private openShard(stream: string, shardId: string): ShardInfo {
    const shard = this.stream(stream).shards.find((x) => x.shardId === shardId);
    if (!shard || shard.closed) throw new Error(`${stream} has no open shard ${shardId}`);
    return shard;
  }

  private addShard(s: { shards: ShardInfo[]; records: Map<string, ReadRecord[]> }, start: bigint, end: bigint, parents: string[]): ShardInfo {
    const shard: ShardInfo = { shardId: `shardId-${String(s.shards.length).padStart(12, '0')}`, start, end, closed: false, parents };
    s.shards.push(shard);
    s.records.set(shard.shardId, []);
    return shard;
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
