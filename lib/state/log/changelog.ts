/**
 * The changelog of a shard's log-structured state: one entry per batch that changed state or
 * timers, holding the batch's final values and deletes, packed. An entry is written before the
 * fenced checkpoint that references it (the commit point) under an id unique to the attempt,
 * and names the previous entry of the shard: the entries of a shard form a chain from the
 * checkpoint's `head`, and entries of attempts that never committed (a crash, a zombie fenced
 * out) are never on it.
 */
import { dueTimersRange, timerPartitionKey } from '../../time/timer-items.ts';
import { NATIVE_TTL_ATTRIBUTE } from '../ttl.ts';
import { chunk, joinParts, pack, packedAttribute, unpack, type Packed } from '../packing.ts';
import type { Attributes, Item, ItemKey, KeyValueStore } from '../store.ts';
import { decodeItems, encodeItems, type ItemBefore, type ItemsBody, type TimersBefore } from './item-codec.ts';
import type { ShardState } from './shard-state.ts';
import type { ShardLayout } from './layout.ts';
import { entryId, inRange, logPartition, versionOfEntry, versionPart, type HexRange, type LogSegment } from './lineage.ts';

/** Packed bytes per log item (DynamoDB items hold 400 KB). */
const PART_BYTES = 300_000;

export interface Changes {
  puts: Item[];
  deletes: ItemKey[];
}

/**
 * A batch's changes, packed: spelled by what the shard's layout does not already say
 * (item-codec.ts), without the native TTL attribute, which only per-key items need (log and
 * snapshot items expire by their own). A delete is given as the item it deletes.
 *
 * @example
 * ```ts
 * decodeChanges(layout, encodeChanges(layout, puts, deletedItems)); // { puts, deletes: the deleted items' keys }
 * ```
 */
export function encodeChanges(layout: ShardLayout, puts: readonly Item[], deleted: readonly Item[], before?: ItemBefore, timersBefore?: TimersBefore): Packed {
  return pack(encodeItems(layout, puts.map((i) => ({ ...i, attrs: withoutNativeTtl(i.attrs) })), deleted, before, timersBefore));
}

/** The changes of an entry (those `keep` accepts), its edited values made from the items `before` gives: the items as they were when it was written. */
export function decodeChanges(layout: ShardLayout, packed: Packed | string, options: { before?: ItemBefore; timersBefore?: TimersBefore; keep?: (item: Item) => boolean } = {}): Changes {
  return decodeItems(layout, unpack<ItemsBody>(packed), options);
}

/**
 * Applies an entry to the state it was written on (only the items of `range`, for a child shard).
 *
 * @example
 * ```ts
 * for (const entry of await readSegment(store, layout, segment, count)) applyEntry(state, layout, entry);
 * ```
 */
export function applyEntry(state: ShardState, layout: ShardLayout, packed: Packed | string, range?: HexRange): void {
  const keep = range ? (item: Item) => inRange(item, range, layout.statePrefix) : undefined;
  const changes = decodeChanges(layout, packed, { before: (key) => state.get(key), timersBefore: heldTimers(state, layout), keep });
  state.apply(changes.puts, changes.deletes);
}

/**
 * The timers a shard's state holds, for an entry's fired ranges (item-codec.ts): what the writer
 * of an entry and every reader applying it see of the state before it.
 *
 * @example
 * ```ts
 * encodeChanges(layout, puts, deleted, (key) => state.get(key), heldTimers(state, layout));
 * ```
 */
export function heldTimers(state: ShardState, layout: ShardLayout): TimersBefore {
  return (domain, upTo, limit) => {
    const due: Item[] = [];
    for (let p = 0; p < layout.timers.partitions && due.length < limit; p++) {
      due.push(...state.rows(timerPartitionKey(layout.timers.stage, p), { ...dueTimersRange(domain, upTo), limit: limit - due.length }));
    }
    return due;
  };
}

/** The attributes a state item keeps in memory, in the log and in snapshots. */
export function withoutNativeTtl(attrs: Attributes): Attributes {
  if (!(NATIVE_TTL_ATTRIBUTE in attrs)) return attrs;
  const { [NATIVE_TTL_ATTRIBUTE]: _, ...rest } = attrs;
  return rest;
}

/**
 * Writes one entry (in parts when it is large) and returns its id.
 *
 * @example
 * ```ts
 * const id = await writeEntry(store, { stage, shard, version: 8, attempt: 'k2x9q', prev: '000000000007#a1b2c', packed, expiresAt });
 * ```
 */
export async function writeEntry(
  store: KeyValueStore,
  e: { stage: string; shard: string; version: number; attempt: string; prev: string | undefined; packed: Packed; expiresAt: number },
): Promise<string> {
  const id = entryId(e.version, e.attempt);
  const parts = chunk(e.packed, PART_BYTES);
  const items: Item[] = parts.map((log, i) => ({
    table: 'state',
    pk: logPartition(e.stage, e.shard),
    sk: `${id}#${String(i).padStart(3, '0')}`,
    attrs: { log, prev: e.prev ?? '', n: parts.length, [NATIVE_TTL_ATTRIBUTE]: e.expiresAt },
  }));
  await store.writeBatch(items, []);
  return id;
}

/** What reading a segment cost: items and their stored bytes. */
export interface ReadCount {
  items: number;
  bytes: number;
}

/**
 * The entries (packed) of a segment committed after version `after` (default: the segment's
 * start), oldest first, to apply in that order ({@link applyEntry}): one Query of the shard's log from there to the head, then the chain from the
 * head back. A missing entry is an error, never skipped: the state would be wrong.
 *
 * @example
 * ```ts
 * for (const entry of await readSegment(store, layout, segment, count)) applyEntry(state, layout, entry);
 * ```
 */
export async function readSegment(store: KeyValueStore, layout: ShardLayout, segment: LogSegment, count: ReadCount, after = segment.after): Promise<(Packed | string)[]> {
  const { stage } = layout;
  if (!segment.head || versionOfEntry(segment.head) <= after) return [];
  const rows = await store.query('state', logPartition(stage, segment.shard), { from: versionPart(after + 1), to: `${segment.head}#\uffff` });
  const entries = new Map<string, { prev: string; n: number; parts: (Packed | string)[] }>();
  for (const row of rows) {
    const log = packedAttribute(row.attrs.log, `state log item ${row.sk} of ${stage}/${segment.shard}`);
    count.items += 1;
    count.bytes += log.length;
    const id = row.sk.slice(0, row.sk.lastIndexOf('#'));
    let entry = entries.get(id);
    if (!entry) entries.set(id, (entry = { prev: String(row.attrs.prev), n: Number(row.attrs.n), parts: [] }));
    entry.parts[Number(row.sk.slice(row.sk.lastIndexOf('#') + 1))] = log;
  }
  const chain: (Packed | string)[] = [];
  for (let id = segment.head; id && versionOfEntry(id) > after; ) {
    const entry = entries.get(id);
    if (!entry || entry.parts.filter((p) => p !== undefined).length !== entry.n) {
      throw new Error(`state log entry ${id} of ${stage}/${segment.shard} is missing (expired by TTL, or deleted); the shard's state cannot be restored`);
    }
    chain.push(joinParts(entry.parts));
    id = entry.prev;
  }
  return chain.reverse();
}
