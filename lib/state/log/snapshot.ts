/**
 * Snapshots of a shard's log-structured state: every live item at one version, packed into
 * parts of contiguous key groups, so that a shard born of a split or merge reads the parts of
 * its own hash range and no others. Written before the fenced checkpoint that references them
 * (a crash mid-write leaves parts nothing references; TTL removes them).
 */
import { keyGroupOf } from '../../plan/partitioning.ts';
import { NATIVE_TTL_ATTRIBUTE } from '../ttl.ts';
import { pack, packedAttribute, unpack, type Packed } from '../packing.ts';
import type { Item, KeyValueStore } from '../store.ts';
import type { ReadCount } from './changelog.ts';
import { decodeItems, encodeItems, type ItemsBody } from './item-codec.ts';
import type { ShardLayout } from './layout.ts';
import { itemHash, snapshotPartition, type HexRange, type SnapshotRef } from './lineage.ts';

/** Raw JSON characters gathered before a part is packed: packed, eddy's items take a tenth to a fifth (a part that does not fit is halved). */
const RAW_PART_CHARS = 1_500_000;
/** A packed part must stay well under DynamoDB's 400 KB per item. */
const MAX_PART_BYTES = 350_000;

/** The pseudo key group of broadcast state, before every real one. */
const BROADCAST_GROUP = -1;

/**
 * Writes `items` as snapshot `id` and returns its reference and packed size.
 *
 * @example
 * ```ts
 * const { ref, bytes } = await writeSnapshot(store, layout, 'v8-k2x9q', state.items(), expiresAt);
 * ```
 */
export async function writeSnapshot(store: KeyValueStore, layout: ShardLayout, id: string, items: Iterable<Item>, expiresAt: number): Promise<{ ref: SnapshotRef; bytes: number }> {
  const byGroup = new Map<number, Item[]>();
  for (const item of items) {
    const { hex, broadcast } = itemHash(item, layout.statePrefix);
    // A shard's broadcast state goes to every child, whatever its range: it leads the first part, which every reader reads.
    const group = broadcast ? BROADCAST_GROUP : keyGroupOf(BigInt('0x' + hex), layout.keyGroups);
    let rows = byGroup.get(group);
    if (!rows) byGroup.set(group, (rows = []));
    rows.push(item);
  }
  const parts: { group: number; packed: Packed }[] = [];
  let current: { group: number; rows: Item[]; chars: number } | undefined;
  const flush = () => {
    if (current) parts.push(...packRows(layout, current.group, current.rows));
    current = undefined;
  };
  for (const group of [...byGroup.keys()].sort((a, b) => a - b)) {
    const rows = byGroup.get(group)!;
    const chars = rows.reduce((n, r) => n + r.pk.length + r.sk.length + JSON.stringify(r.attrs).length, 0);
    if (current && current.chars + chars > RAW_PART_CHARS) flush();
    current ??= { group, rows: [], chars: 0 };
    current.rows.push(...rows);
    current.chars += chars;
  }
  flush();
  if (parts.length === 0) parts.push({ group: 0, packed: pack({}) });
  await store.writeBatch(
    parts.map((p, i) => ({ table: 'state', pk: snapshotPartition(layout.stage, layout.shard), sk: partKey(id, i), attrs: { part: p.packed, g: p.group, [NATIVE_TTL_ATTRIBUTE]: expiresAt } })),
    [],
  );
  return { ref: { shard: layout.shard, id, groups: parts.map((p) => p.group) }, bytes: parts.reduce((n, p) => n + p.packed.length, 0) };
}

/** Packs items of contiguous key groups (spelled as the log spells them: item-codec.ts), halving them until each packed part fits an item. */
function packRows(layout: ShardLayout, group: number, rows: Item[]): { group: number; packed: Packed }[] {
  const packed = pack(encodeItems(layout, rows, []));
  if (packed.length <= MAX_PART_BYTES || rows.length === 1) {
    if (packed.length > MAX_PART_BYTES) throw new Error(`a state item of ${rows[0].pk} is too large for a snapshot part (${packed.length} packed bytes)`);
    return [{ group, packed }];
  }
  const half = rows.length >> 1;
  // Rows are in key-group order: the second half starts at its first row's group, which the first half may share.
  return [...packRows(layout, group, rows.slice(0, half)), ...packRows(layout, group, rows.slice(half))];
}

/**
 * The items of a snapshot that lie in its range (all of them without one), reading only the
 * parts whose key groups overlap that range.
 *
 * @example
 * ```ts
 * const items = await readSnapshot(store, layout, ref, count);
 * ```
 */
export async function readSnapshot(store: KeyValueStore, layout: ShardLayout, ref: SnapshotRef, count: ReadCount, belongs: (item: Item, range: HexRange) => boolean): Promise<Item[]> {
  const wanted = ref.groups.map((_, i) => i).filter((i) => overlaps(ref, i, layout.keyGroups));
  const keys = wanted.map((i) => ({ table: 'state' as const, pk: snapshotPartition(layout.stage, ref.shard), sk: partKey(ref.id, i) }));
  const found = new Map((await store.batchGet(keys)).map((item) => [item.sk, packedAttribute(item.attrs.part, `state snapshot part ${item.sk} of ${layout.stage}/${ref.shard}`)]));
  const items: Item[] = [];
  for (const key of keys) {
    const part = found.get(key.sk);
    if (part === undefined) throw new Error(`state snapshot part ${key.sk} of ${layout.stage}/${ref.shard} is missing (expired by TTL, or deleted); the shard's state cannot be restored`);
    count.items += 1;
    count.bytes += part.length;
    for (const item of decodeItems(layout, unpack<ItemsBody>(part)).puts) if (!ref.range || belongs(item, ref.range)) items.push(item);
  }
  return items;
}

/** Whether part `i` (groups from its first to the next part's first, which it may share) overlaps the reference's range. */
function overlaps(ref: SnapshotRef, i: number, keyGroups: number): boolean {
  if (!ref.range || ref.groups[i] === BROADCAST_GROUP) return true;
  const lo = keyGroupOf(BigInt('0x' + ref.range[0]), keyGroups);
  const hi = keyGroupOf(BigInt('0x' + ref.range[1]), keyGroups);
  const first = ref.groups[i];
  const last = i + 1 < ref.groups.length ? ref.groups[i + 1] : keyGroups - 1;
  return first <= hi && last >= lo;
}

function partKey(id: string, index: number): string {
  return `${id}#${String(index).padStart(5, '0')}`;
}
