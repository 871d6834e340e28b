/**
 * How keys map to shards, key groups and timer partitions. Kinesis hashes the partition key
 * with MD5 into a 128-bit hash key and a shard owns a contiguous hash range; key groups (Flink's
 * max-parallelism idea) cut the same hash space into a fixed number of contiguous ranges, so
 * that timers can be found by hash range and survive resharding.
 */
import { createHash } from 'node:crypto';

const HASH_SPACE = 1n << 128n;

/** Recent hash keys: a hot key is hashed for every envelope and timer it has. */
const recentHashes = new Map<string, bigint>();
const RECENT_HASHES = 50_000;

/** The 128-bit Kinesis hash key of a partition key, as Kinesis computes it. */
export function hashKeyOf(key: string): bigint {
  let hash = recentHashes.get(key);
  if (hash === undefined) {
    hash = BigInt('0x' + createHash('md5').update(key, 'utf8').digest('hex'));
    if (recentHashes.size >= RECENT_HASHES) recentHashes.clear();
    recentHashes.set(key, hash);
  }
  return hash;
}

/** A hash key as a fixed-width hex string, so that string order equals numeric order. */
export function hashKeyHex(hash: bigint): string {
  return hash.toString(16).padStart(32, '0');
}

/** Key group of a hash key: contiguous ranges of the hash space, numbered 0..groups-1. */
export function keyGroupOf(hash: bigint, groups: number): number {
  return Number((hash * BigInt(groups)) / HASH_SPACE);
}

/** Timer partition of a key group: contiguous runs of key groups share one DynamoDB partition. */
export function timerPartitionOf(keyGroup: number, groups: number, partitions: number): number {
  return Math.floor((keyGroup * partitions) / groups);
}

/** An inclusive range of 128-bit hash keys (a shard's `HashKeyRange`). */
export interface HashRange {
  start: bigint;
  end: bigint;
}

/** Timer partitions whose key groups intersect a hash range. */
export function timerPartitionsOfRange(range: HashRange, groups: number, partitions: number): number[] {
  const first = timerPartitionOf(keyGroupOf(range.start, groups), groups, partitions);
  const last = timerPartitionOf(keyGroupOf(range.end, groups), groups, partitions);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** An open shard of a stream with its hash range. */
export interface ShardRange extends HashRange {
  shardId: string;
}

/** The shard whose range holds `hash` (ranges of the open shards cover the whole space). */
export function shardForHash(shards: readonly ShardRange[], hash: bigint): ShardRange {
  let lo = 0;
  let hi = shards.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = shards[mid];
    if (hash < s.start) hi = mid - 1;
    else if (hash > s.end) lo = mid + 1;
    else return s;
  }
  throw new Error(`no open shard covers hash key ${hash} (shards: ${shards.map((s) => s.shardId).join(', ')})`);
}

/** Sorts shard ranges by start so that {@link shardForHash} can search them. */
export function sortShards<T extends ShardRange>(shards: T[]): T[] {
  return [...shards].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

export const FULL_HASH_RANGE: HashRange = { start: 0n, end: HASH_SPACE - 1n };
