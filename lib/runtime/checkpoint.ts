/**
 * The checkpoint of one stage shard: how far its input is committed and everything the next
 * batch must resume from (watermarks, upstream positions already consumed, the hint of when
 * the next timer is due). One item per (stage, shard) in the state table.
 */
import { MIN_WATERMARK } from '../api/time.ts';
import type { Item, ItemKey, KeyValueStore } from '../state/store.ts';
import type { StateLineage } from '../state/log/lineage.ts';
import type { Origin } from './envelope.ts';

/** Stands for "no timer pending" in the next-timer hint (JSON has no Infinity). */
export const NO_TIMER = Number.MAX_SAFE_INTEGER;

/** Upstream positions consumed by a parent shard, valid for keys whose hash lies in [start, end] (hex). */
export interface InheritedOrigins {
  start: string;
  end: string;
  origins: Record<string, Origin>;
}

export interface Checkpoint {
  /** Incremented by every commit; the commit is conditional on the previous value. */
  version: number;
  /** Last input sequence number whose effects are committed. */
  seq?: string;
  /** Per upstream `stage/shard`: the highest origin position already consumed. */
  origins: Record<string, Origin>;
  /** After a merge: the parents' positions, each for its hash range (see resharding.ts). */
  inheritedOrigins?: InheritedOrigins[];
  /** Per upstream `stage/shard`: its last watermark (source stages: unused). */
  watermarks: Record<string, number>;
  /** Source stages: the largest event timestamp seen. */
  maxTimestamp: number;
  /** Idle-advance floor of the watermark set by the sweep. */
  watermarkFloor: number;
  /** The last watermark sent downstream. */
  emittedWatermark: number;
  /** Simulated processing time (replay): the largest event time this shard has processed. */
  clock: number;
  /** Lower bounds of the next due event-time (E) and processing-time (P) timer in this shard. */
  nextTimer: { E: number; P: number };
  /** Processing time of the last data record (for idleness). */
  lastDataAt: number;
  /** Keyed stages, live: processing time each upstream shard was last heard from (for `withIdleness`). */
  heardAt?: Record<string, number>;
  /** Processing time of this shard's first batch. */
  startedAt?: number;
  /** Data records that arrived behind the watermark, since the start. */
  lateRecords?: number;
  /** End of input was processed: timers drained and the end forwarded downstream. */
  ended: boolean;
  /** Log-structured state backend: the snapshots and log that hold this shard's state and timers. */
  state?: StateLineage;
  /** Wall-clock time of the commit. */
  updatedAt: number;
}

export function initialCheckpoint(): Checkpoint {
  return {
    version: 0,
    origins: {},
    watermarks: {},
    maxTimestamp: MIN_WATERMARK,
    watermarkFloor: MIN_WATERMARK,
    emittedWatermark: MIN_WATERMARK,
    clock: 0,
    // Unknown for a new shard (or one split off a parent): look for due timers once.
    nextTimer: { E: MIN_WATERMARK, P: MIN_WATERMARK },
    lastDataAt: 0,
    ended: false,
    updatedAt: 0,
  };
}

export function checkpointKey(stage: string, shard: string): ItemKey {
  return { table: 'state', pk: `c#${stage}`, sk: shard };
}

export function checkpointItem(stage: string, shard: string, cp: Checkpoint): Item {
  return { ...checkpointKey(stage, shard), attrs: { version: cp.version, cp: JSON.stringify(cp) } };
}

export function checkpointOfItem(item: Item): Checkpoint {
  return { ...initialCheckpoint(), ...(JSON.parse(String(item.attrs.cp)) as Checkpoint), version: Number(item.attrs.version) };
}

export async function readCheckpoint(store: KeyValueStore, stage: string, shard: string): Promise<Checkpoint | undefined> {
  const item = await readCheckpointItem(store, stage, shard);
  return item ? checkpointOfItem(item) : undefined;
}

/** The stored checkpoint item (with its redo log, if any; see commit.ts). */
export async function readCheckpointItem(store: KeyValueStore, stage: string, shard: string): Promise<Item | undefined> {
  const [item] = await store.batchGet([checkpointKey(stage, shard)]);
  return item;
}

/** Every shard checkpoint of a stage (for the sweep and the CLI). */
export async function readStageCheckpoints(store: KeyValueStore, stage: string): Promise<{ shard: string; checkpoint: Checkpoint }[]> {
  const items = await store.query('state', `c#${stage}`);
  return items.map((item) => ({ shard: item.sk, checkpoint: checkpointOfItem(item) }));
}
