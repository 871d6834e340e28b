/**
 * Resharding: what a shard born of a split or merge takes over from its parents. Kinesis
 * closes the parents and opens children over the same hash ranges; the event source mapping
 * reads a parent to its end before its children (the local runner does the same), so by the
 * time a child runs its first batch every parent checkpoint is final.
 *
 * Per-key state and timers need nothing: they are keyed by key and found by hash range (see
 * lib/time/timer-queries.ts), so a child finds its parents' timers in its own range. What
 * lives in the checkpoint must be carried over, and this file does it:
 * - log-structured state: the parents' snapshots and logs, narrowed to the child's range
 *   (lib/state/log/lineage.ts); the child's first commit writes a snapshot of its own;
 * - the positions already consumed from each upstream shard (origins), so that an upstream
 *   retrying a batch after the split cannot apply twice what a parent applied. A parent's
 *   position holds for keys in the parent's hash range only (an upstream numbers its outputs
 *   across all downstream shards), so after a merge each parent's positions are kept with
 *   its range until the child's own positions pass them;
 * - the upstream watermarks, the source's largest timestamp, the idle floor and the
 *   simulated clock (each the largest over the parents: they only grow);
 * - "look for due timers once", since the parents' hints cover other ranges.
 */
import { MIN_WATERMARK } from '../api/time.ts';
import { hashKeyHex, hashKeyOf } from '../plan/partitioning.ts';
import { inheritLineage, type HexRange } from '../state/log/lineage.ts';
import { initialCheckpoint, type Checkpoint, type InheritedOrigins } from './checkpoint.ts';
import { compareOrigin, type Origin } from './envelope.ts';
import type { ShardInfo } from './stream-client.ts';

/**
 * The checkpoint a shard starts from when it has none of its own: the merge of its parents'
 * (their own, or recursively what they would inherit). Undefined when no ancestor committed.
 *
 * @example
 * ```ts
 * const listing = await streams.listShards(stream);
 * const stored = new Map((await readStageCheckpoints(store, stage)).map((c) => [c.shard, c.checkpoint]));
 * const start = inheritCheckpoint(child, listing, (id) => stored.get(id)) ?? initialCheckpoint();
 * ```
 */
export function inheritCheckpoint(shard: ShardInfo, listing: readonly ShardInfo[], stored: (shardId: string) => Checkpoint | undefined): Checkpoint | undefined {
  const byId = new Map(listing.map((s) => [s.shardId, s]));
  const effective = (id: string, depth: number): { shard: ShardInfo; cp: Checkpoint } | undefined => {
    const s = byId.get(id);
    if (!s) return undefined; // past the stream's retention: nothing left to resume from
    const own = stored(id);
    if (own) return { shard: s, cp: own };
    if (depth > 64) throw new Error(`shard lineage of ${id} is too deep`);
    const cp = merge(s, s.parents.map((p) => effective(p, depth + 1)).filter((p) => p !== undefined));
    return cp && { shard: s, cp };
  };
  return merge(shard, shard.parents.map((p) => effective(p, 0)).filter((p) => p !== undefined));
}

function merge(child: ShardInfo, parents: { shard: ShardInfo; cp: Checkpoint }[]): Checkpoint | undefined {
  if (parents.length === 0) return undefined;
  const cp = initialCheckpoint();
  const range = { start: hashKeyHex(child.start), end: hashKeyHex(child.end) };
  const entries: InheritedOrigins[] = [];
  for (const { shard, cp: p } of parents) {
    entries.push({ start: hashKeyHex(shard.start), end: hashKeyHex(shard.end), origins: p.origins }, ...(p.inheritedOrigins ?? []));
    for (const [u, w] of Object.entries(p.watermarks)) cp.watermarks[u] = Math.max(cp.watermarks[u] ?? MIN_WATERMARK, w);
    cp.maxTimestamp = Math.max(cp.maxTimestamp, p.maxTimestamp);
    cp.watermarkFloor = Math.max(cp.watermarkFloor, p.watermarkFloor);
    cp.clock = Math.max(cp.clock, p.clock);
    cp.lastDataAt = Math.max(cp.lastDataAt, p.lastDataAt);
    cp.updatedAt = Math.max(cp.updatedAt, p.updatedAt);
  }
  cp.ended = parents.every((p) => p.cp.ended);
  // Log-structured state: the parents' snapshots and logs, read for the child's range only.
  const lineage = inheritLineage(
    [range.start, range.end],
    parents.map(({ shard, cp: p }) => ({ range: [hashKeyHex(shard.start), hashKeyHex(shard.end)] as HexRange, lineage: p.state })),
  );
  if (lineage) cp.state = lineage;
  for (const entry of entries) {
    const clipped = { start: entry.start > range.start ? entry.start : range.start, end: entry.end < range.end ? entry.end : range.end };
    if (clipped.start > clipped.end) continue; // another part of the parent's range
    if (clipped.start === range.start && clipped.end === range.end) {
      // Covers the whole child (a split): the positions become the child's own.
      for (const [u, o] of Object.entries(entry.origins)) cp.origins[u] = laterOrigin(cp.origins[u], o)!;
    } else {
      (cp.inheritedOrigins ??= []).push({ ...clipped, origins: entry.origins });
    }
  }
  pruneInheritedOrigins(cp);
  return cp;
}

/**
 * The highest position of `upstream` already consumed for `key`: the shard's own, or a
 * parent's when the key lies in that parent's range.
 *
 * @example
 * ```ts
 * const consumed = consumedOrigin(cp, 'source-orders/shardId-000000000000', 'o-1');
 * if (consumed && compareOrigin(envelope.origin, consumed) <= 0) return; // a duplicate
 * ```
 */
export function consumedOrigin(cp: Checkpoint, upstream: string, key: string): Origin | undefined {
  let consumed: Origin | undefined = cp.origins[upstream];
  if (!cp.inheritedOrigins?.length) return consumed;
  const hash = hashKeyHex(hashKeyOf(key));
  for (const entry of cp.inheritedOrigins) {
    if (hash >= entry.start && hash <= entry.end) consumed = laterOrigin(consumed, entry.origins[upstream]);
  }
  return consumed;
}

/** Drops inherited positions the shard's own positions have passed (they say nothing more). */
export function pruneInheritedOrigins(cp: Checkpoint): void {
  if (!cp.inheritedOrigins) return;
  const live = cp.inheritedOrigins.filter((entry) =>
    Object.entries(entry.origins).some(([u, o]) => {
      const own = cp.origins[u];
      return own === undefined || compareOrigin(o, own) > 0;
    }),
  );
  if (live.length > 0) cp.inheritedOrigins = live;
  else delete cp.inheritedOrigins;
}

function laterOrigin(a: Origin | undefined, b: Origin | undefined): Origin | undefined {
  if (!a) return b;
  if (!b) return a;
  return compareOrigin(a, b) >= 0 ? a : b;
}
