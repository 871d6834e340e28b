/**
 * Getting a shard's log-structured state into a container for a batch. Lambda gives no
 * affinity between a shard and an execution environment, so the copy a container holds is
 * only ever a cache, checked against the version of the stored checkpoint:
 * - `hit`: the copy is of that version; nothing is read;
 * - `catch-up`: the copy is older, and no snapshot was taken since it: the shard's log entries
 *   committed after it are read (one Query) and applied;
 * - `restore`: no usable copy: the lineage's snapshots (the parts of this shard's range) and
 *   log segments are read and applied.
 */
import type { Item, KeyValueStore } from '../store.ts';
import { applyEntry, readSegment, type ReadCount } from './changelog.ts';
import { inRange, isSelfContained, ownSegment, type HexRange, type StateLineage } from './lineage.ts';
import { ShardState } from './shard-state.ts';
import type { ShardLayout } from './layout.ts';
import { readSnapshot } from './snapshot.ts';

/**
 * How a batch found its shard's state in this container (log-structured backend): `hit`, the
 * copy held was current (nothing read); `catch-up`, a stale copy read the log entries committed
 * since its version; `restore`, no usable copy: the latest snapshot and the log were read.
 */
export interface StateAccess {
  access: 'hit' | 'catch-up' | 'restore';
  /** Bytes of log entries and snapshot parts read (as stored, packed). */
  bytesRead: number;
  /** Log entries and snapshot parts read. */
  itemsRead: number;
  /** What the container holds for this shard after the batch: items, and their stored size in bytes. */
  heldItems: number;
  heldBytes: number;
  /** Of the held items, pending timers. */
  heldTimers: number;
}

/**
 * The shard's state at `version` (whose checkpoint names `lineage`), reusing `cached` when it can.
 *
 * @example
 * ```ts
 * const { state, access } = await openShardState(store, layout, checkpoint.state, checkpoint.version, task.shardState);
 * ```
 */
export async function openShardState(
  store: KeyValueStore,
  layout: ShardLayout,
  lineage: StateLineage | undefined,
  version: number,
  cached: ShardState | undefined,
): Promise<{ state: ShardState; access: StateAccess }> {
  const count: ReadCount = { items: 0, bytes: 0 };
  const done = (state: ShardState, access: StateAccess['access']) => {
    state.version = version;
    return { state, access: { access, bytesRead: count.bytes, itemsRead: count.items, heldItems: state.size, heldBytes: state.heldBytes, heldTimers: state.timers } };
  };
  if (cached && cached.version === version) return done(cached, 'hit');
  // No lineage: the shard never changed state; an empty copy is as good as any.
  if (!lineage) return done(cached && cached.size === 0 ? cached : new ShardState(version), cached ? 'hit' : 'restore');
  const own = ownSegment(lineage, layout.shard);
  if (cached && cached.version < version && own && cached.version >= own.after && isSelfContained(lineage, layout.shard)) {
    for (const entry of await readSegment(store, layout, own, count, cached.version)) applyEntry(cached, layout, entry);
    return done(cached, 'catch-up');
  }
  return done(await restoreLineage(store, layout, lineage, count), 'restore');
}

/**
 * The state a lineage describes, read from its snapshots and logs (for a batch, and for
 * `eddy state` / `eddy timers`, which inspect log-structured state the same way).
 *
 * @example
 * ```ts
 * const state = await restoreLineage(store, layout, checkpoint.state, { items: 0, bytes: 0 });
 * ```
 */
export async function restoreLineage(store: KeyValueStore, layout: ShardLayout, lineage: StateLineage | undefined, count: ReadCount): Promise<ShardState> {
  const state = new ShardState(0);
  if (!lineage) return state;
  const belongs = (item: Item, range: HexRange) => inRange(item, range, layout.statePrefix);
  for (const ref of lineage.snapshots) state.apply(await readSnapshot(store, layout, ref, count, belongs), []);
  for (const segment of lineage.logs) {
    for (const entry of await readSegment(store, layout, segment, count)) applyEntry(state, layout, entry, segment.range);
  }
  return state;
}
