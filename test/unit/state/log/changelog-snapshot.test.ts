/**
 * The stored pieces of log-structured state, each against what it must give back: log entries
 * form a chain from the checkpoint's head that skips entries no commit referenced and refuses
 * to go on past a missing one; snapshots come back whole, or — for a shard born of a split —
 * only the items of its range, reading only the parts of its key groups; a child's lineage is
 * its parents' narrowed to its range.
 */
import { describe, expect, it } from 'vitest';
import { hashKeyHex, hashKeyOf, keyGroupOf } from '../../../../lib/plan/partitioning.ts';
import { applyEntry, decodeChanges, encodeChanges, heldTimers, readSegment, writeEntry } from '../../../../lib/state/log/changelog.ts';
import type { ItemsBody } from '../../../../lib/state/log/item-codec.ts';
import { unpack } from '../../../../lib/state/packing.ts';
import { ShardState } from '../../../../lib/state/log/shard-state.ts';
import { inheritLineage, inRange, type HexRange, type StateLineage } from '../../../../lib/state/log/lineage.ts';
import { readSnapshot, writeSnapshot } from '../../../../lib/state/log/snapshot.ts';
import { timerItem } from '../../../../lib/time/timer-items.ts';
import { MemoryStore } from '../../../../lib/state/memory-store.ts';
import type { Item } from '../../../../lib/state/store.ts';

const PREFIX = 's#op#';
const stateItem = (key: string, v: string, attrs: Record<string, string | number> = {}): Item => ({ table: 'state', pk: PREFIX + key, sk: 'v#-', attrs: { v, ...attrs } });
const layout = { stage: 'op', shard: 'shardId-000000000000', keyGroups: 128, statePrefix: PREFIX, timers: { stage: 'op', keyGroups: 128, partitions: 4 } };
const count = () => ({ items: 0, bytes: 0 });
const hex = (key: string) => hashKeyHex(hashKeyOf(key));
const HALF: HexRange = ['00000000000000000000000000000000', '7fffffffffffffffffffffffffffffff'];
const belongs = (item: Item, range: HexRange) => inRange(item, range, PREFIX);
/** Characters that hardly deflate (hex of distinct hashes): sizes below do not depend on compression luck. */
const noise = (seed: string, hashes: number) => Array.from({ length: hashes }, (_, j) => hex(`${seed}/${j}`)).join('');

describe('changelog entries', () => {
  it('pack a batch without the native TTL attribute nor what the layout says (a timer by its fields), and unpack to the same changes', () => {
    const timer = timerItem(layout.timers, { key: '"k"', namespace: '-', ts: 1_700_000_000_000, domain: 'E' });
    const other: Item = { table: 'state', pk: 'x#other', sk: '1', attrs: { v: 'kept whole' } };
    const gone = [stateItem('b', 'old'), timerItem(layout.timers, { key: '"j"', namespace: 'w', ts: 5, domain: 'P' }), other];
    const packed = encodeChanges(layout, [stateItem('a', '1', { exp: 5, expiresAt: 99 }), timer, other], gone);
    const key = ({ table, pk, sk }: Item) => ({ table, pk, sk });
    expect(decodeChanges(layout, packed)).toEqual({ puts: [stateItem('a', '1', { exp: 5 }), timer, other], deletes: gone.map(key) });
  });

  describe('timers a batch fired', () => {
    const E = (key: string, ts: number) => timerItem(layout.timers, { key, namespace: '-', ts, domain: 'E' });
    const P = (key: string, ts: number) => timerItem(layout.timers, { key, namespace: '-', ts, domain: 'P' });
    const keys = Array.from({ length: 40 }, (_, i) => `"spu-${i}"`);
    const held = () => {
      const state = new ShardState(0);
      state.apply([...keys.map((k) => E(k, 5_000)), ...keys.map((k) => E(k, 10_000)), E('"late"', 7_000), P('"p"', 1), P('"q"', 2)], []);
      return state;
    };
    const idOf = (i: Item) => `${i.pk}|${i.sk}`;
    /** Writes the batch's changes on one copy and applies the entry on another: both must hold the same items. */
    const roundTrip = (puts: Item[], deleted: Item[]) => {
      const writer = held();
      const packed = encodeChanges(layout, puts, deleted, (k) => writer.get(k), heldTimers(writer, layout));
      writer.apply(puts, deleted);
      const reader = held();
      applyEntry(reader, layout, packed);
      expect([...reader.items()].map(idOf)).toEqual([...writer.items()].map(idOf));
      return unpack<ItemsBody>(packed);
    };

    it('every timer up to the latest fired is recorded as that time, not listed; new timers are grouped by time', () => {
      const fired = [...keys.map((k) => E(k, 5_000)), E('"late"', 7_000)];
      const body = roundTrip(keys.map((k) => E(k, 15_000)), fired);
      expect(body.tf).toEqual([['E', 7_000]]);
      expect(body.tdg).toBeUndefined();
      expect(body.tg).toEqual([['-', 15_000, 'E', keys]]);
    });

    it('lists them when a timer up to that time stays (deleted out of order), and per domain', () => {
      // "late" (7,000) stays while the 10,000s go: the range would take it too.
      const body = roundTrip([], [...keys.map((k) => E(k, 10_000)), P('"p"', 1), P('"q"', 2)]);
      expect(body.tf).toEqual([['P', 2]]);
      expect(body.tdg?.flatMap(([, , , ks]) => ks)).toEqual(keys);
    });

    it('a reader without the held timers refuses an entry with a fired range', () => {
      const writer = held();
      const packed = encodeChanges(layout, [], [P('"p"', 1), P('"q"', 2)], (k) => writer.get(k), heldTimers(writer, layout));
      expect(() => decodeChanges(layout, packed)).toThrow(/timers held before it are not given/);
    });
  });

  it('are read along the chain from the head: entries of attempts that never committed are skipped', async () => {
    const store = new MemoryStore();
    const write = (version: number, attempt: string, prev: string | undefined, v: string) =>
      writeEntry(store, { ...layout, version, attempt, prev, packed: encodeChanges(layout, [stateItem('k', v)], []), expiresAt: 1 });
    const first = await write(1, 'aaaaaaaa', undefined, 'one');
    await write(2, 'zzzzzzzz', first, 'crashed'); // its checkpoint was never written
    const second = await write(2, 'bbbbbbbb', first, 'two');
    const third = await write(5, 'cccccccc', second, 'five');
    const values = async (after: number) => (await readSegment(store, layout, { shard: layout.shard, after: 0, head: third }, count(), after)).map((e) => decodeChanges(layout, e).puts[0].attrs.v);
    expect(await values(0)).toEqual(['one', 'two', 'five']);
    expect(await values(1)).toEqual(['two', 'five']); // a copy at version 1 catches up with two entries
    expect(await values(4)).toEqual(['five']);
    expect(await values(5)).toEqual([]);
  });

  it('refuse to restore past a missing entry instead of skipping it', async () => {
    const store = new MemoryStore();
    const head = await writeEntry(store, { ...layout, version: 3, attempt: 'bbbbbbbb', prev: '000000000002#aaaaaaaa', packed: encodeChanges(layout, [], []), expiresAt: 1 });
    await expect(readSegment(store, layout, { shard: layout.shard, after: 0, head }, count())).rejects.toThrow(/000000000002#aaaaaaaa .* is missing/);
  });

  it('too large for one item are written in parts and read back whole', async () => {
    const store = new MemoryStore();
    // Random hex digits pack to about half (4 bits a character): about 512 KB packed, two parts.
    const puts = Array.from({ length: 4000 }, (_, i) => stateItem(`k${i}`, noise(`x${i}`, 8)));
    const head = await writeEntry(store, { ...layout, version: 1, attempt: 'aaaaaaaa', prev: undefined, packed: encodeChanges(layout, puts, []), expiresAt: 1 });
    const parts = store.dump('state').filter((i) => i.pk.startsWith('l#'));
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.attrs.log).toBeInstanceOf(Uint8Array); // a binary attribute: billed by its bytes
    for (const p of parts) expect((p.attrs.log as Uint8Array).length).toBeLessThanOrEqual(300_000);
    const [entry] = await readSegment(store, layout, { shard: layout.shard, after: 0, head }, count());
    expect(decodeChanges(layout, entry).puts).toEqual(puts);
  });
});

describe('changelog entries of values changed a little', () => {
  const accumulator = (users: number, events: number) => JSON.stringify({ users: Object.fromEntries(Array.from({ length: users }, (_, i) => [`u-${i * 7919}`, 1])), events });
  const list = (from: number) => JSON.stringify(Array.from({ length: 30 }, (_, i) => [1_700_000_000_000 + (from + i) * 137, null]));

  it('carry the edits of a value the state held, applied on the same value by every reader', async () => {
    const state = new ShardState(0);
    const before = [stateItem('a', accumulator(400, 900)), stateItem('b', list(0)), stateItem('c', 'short')];
    state.apply(before, []);
    const after = [stateItem('a', accumulator(401, 903), { exp: 9 }), stateItem('b', list(1)), stateItem('c', 'shorter'), stateItem('new', accumulator(300, 300))];
    const edited = after.slice(0, 2); // the accumulator and the sliding list
    expect(encodeChanges(layout, edited, [], (key) => state.get(key)).length).toBeLessThan(encodeChanges(layout, edited, []).length / 3);
    const packed = encodeChanges(layout, after, [], (key) => state.get(key));
    applyEntry(state, layout, packed);
    expect(new Set([...state.items()].map((i) => JSON.stringify(i)))).toEqual(new Set(after.map((i) => JSON.stringify(i))));
  });

  it('cannot be read without the value they edit', () => {
    const state = new ShardState(0);
    state.apply([stateItem('a', accumulator(400, 900))], []);
    const packed = encodeChanges(layout, [stateItem('a', accumulator(401, 901))], [], (key) => state.get(key));
    expect(() => applyEntry(new ShardState(0), layout, packed)).toThrow(/whose value before is not held/);
  });
});

describe('snapshots', () => {
  const items = Array.from({ length: 300 }, (_, i) => stateItem(`key-${i}`, `value ${i}`));
  const timer: Item = { table: 'state', pk: 't#op#1', sk: `E#0000000000000009#${hex('key-7')}#key-7#-`, attrs: { key: 'key-7', ns: '-', ts: 9, dom: 'E', hk: hex('key-7') } };
  const broadcast = stateItem('#b@shardId-000000000000', 'table copy');

  it('come back whole', async () => {
    const store = new MemoryStore();
    const { ref } = await writeSnapshot(store, layout, 's1', [...items, timer, broadcast], 1);
    const back = await readSnapshot(store, layout, ref, count(), belongs);
    expect(new Set(back.map((i) => JSON.stringify(i)))).toEqual(new Set([...items, timer, broadcast].map((i) => JSON.stringify(i))));
  });

  it('are cut by key group into parts that fit an item, and a child reads only the parts of its range', async () => {
    const store = new MemoryStore();
    // Large values: several parts of contiguous key groups.
    const big = Array.from({ length: 1500 }, (_, i) => stateItem(`key-${i}`, noise(`v${i}`, 40)));
    const { ref } = await writeSnapshot(store, layout, 's2', [...big, timer, broadcast], 1);
    expect(ref.groups.length).toBeGreaterThan(2);
    expect(ref.groups).toEqual([...ref.groups].sort((a, b) => a - b));
    for (const p of store.dump('state').filter((i) => i.pk.startsWith('m#'))) expect((p.attrs.part as Uint8Array).length).toBeLessThanOrEqual(350_000);

    const c = count();
    const lower = await readSnapshot(store, layout, { ...ref, range: HALF }, c, belongs);
    const expected = [...big, timer].filter((i) => belongs(i, HALF));
    // Exactly the items of the range, and the shard's broadcast state (which every child takes over).
    expect(new Set(lower.map((i) => i.pk + i.sk))).toEqual(new Set([...expected, broadcast].map((i) => i.pk + i.sk)));
    expect(c.items).toBeLessThan(ref.groups.length);
    const lastGroupOfHalf = keyGroupOf(BigInt('0x' + HALF[1]), 128);
    expect(c.items).toBe(ref.groups.filter((g) => g <= lastGroupOfHalf).length);
  });

  it('refuse to restore from a missing part', async () => {
    const store = new MemoryStore();
    const { ref } = await writeSnapshot(store, layout, 's3', items, 1);
    await store.writeBatch([], [{ table: 'state', pk: 'm#op#shardId-000000000000', sk: 's3#00000' }]);
    await expect(readSnapshot(store, layout, ref, count(), belongs)).rejects.toThrow(/s3#00000 .* is missing/);
  });
});

describe('a child shard’s lineage', () => {
  const parent: StateLineage = { snapshots: [{ shard: 'p', id: 's', groups: [0] }], logs: [{ shard: 'p', after: 4, head: '000000000009#aaaaaaaa' }], logBytes: 10, snapshotBytes: 20, since: 5 };
  const FULL: HexRange = ['00000000000000000000000000000000', 'ffffffffffffffffffffffffffffffff'];

  it('is its parents’ snapshots and logs narrowed to its range', () => {
    const child = inheritLineage(HALF, [{ range: FULL, lineage: parent }]);
    expect(child).toEqual({ snapshots: [{ ...parent.snapshots[0], range: HALF }], logs: [{ ...parent.logs[0], range: HALF }], logBytes: 10, snapshotBytes: 20, since: 5 });
  });

  it('after a merge, holds both parents’ within their own ranges; a grandchild narrows further', () => {
    const upper: HexRange = ['80000000000000000000000000000000', FULL[1]];
    const merged = inheritLineage(FULL, [{ range: HALF, lineage: parent }, { range: upper, lineage: { ...parent, snapshots: [{ shard: 'q', id: 't', groups: [64] }], since: 3 } }])!;
    expect(merged.snapshots.map((s) => [s.shard, s.range])).toEqual([['p', HALF], ['q', upper]]);
    expect(merged.since).toBe(3);
    const quarter: HexRange = ['40000000000000000000000000000000', 'bfffffffffffffffffffffffffffffff'];
    const grandchild = inheritLineage(quarter, [{ range: FULL, lineage: merged }])!;
    expect(grandchild.snapshots.map((s) => s.range)).toEqual([['40000000000000000000000000000000', HALF[1]], [upper[0], 'bfffffffffffffffffffffffffffffff']]);
  });

  it('is nothing when no parent kept state', () => {
    expect(inheritLineage(HALF, [{ range: FULL, lineage: undefined }])).toBeUndefined();
  });
});
