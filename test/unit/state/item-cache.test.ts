/**
 * ItemCache, the write-behind cache of a batch: batched preloading, reads served from the
 * cache, a journal whose rollback restores exactly the state at the mark, net changes with
 * one write per dirty item, and prefix scans that overlay the batch's uncommitted writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ItemCache, MAX_STATE_VALUE_BYTES, RerunEagerly } from '../../../lib/state/item-cache.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import type { Item, ItemKey, KeyValueStore, SortKeyRange, TableRole } from '../../../lib/state/store.ts';

/** A store that records the requests it gets. */
class CountingStore implements KeyValueStore {
  readonly batchGets: ItemKey[][] = [];
  readonly queries: { pk: string; range?: SortKeyRange }[] = [];
  constructor(readonly inner = new MemoryStore()) {}
  async batchGet(keys: ItemKey[]) {
    this.batchGets.push(keys);
    return this.inner.batchGet(keys);
  }
  async query(table: TableRole, pk: string, range?: SortKeyRange) {
    this.queries.push({ pk, range });
    return this.inner.query(table, pk, range);
  }
  commit = (r: Parameters<KeyValueStore['commit']>[0]) => this.inner.commit(r);
  scan = (...a: Parameters<KeyValueStore['scan']>) => this.inner.scan(...a);
  writeBatch = (...a: Parameters<KeyValueStore['writeBatch']>) => this.inner.writeBatch(...a);
  stats = () => this.inner.stats();
}

const key = (pk: string, sk: string): ItemKey => ({ table: 'state', pk, sk });
const item = (pk: string, sk: string, v: string | number): Item => ({ ...key(pk, sk), attrs: { v } });

async function storeWith(items: Item[]): Promise<CountingStore> {
  const store = new CountingStore();
  await store.inner.commit({ puts: items, deletes: [], checkpoint: { item: item('c#x', 's', 0), expectedVersion: undefined } });
  return store;
}

describe('ItemCache.preload', () => {
  it('reads all missing keys in one batched request, each key once', async () => {
    const stored = Array.from({ length: 250 }, (_, i) => item(`p${i % 7}`, `k${i}`, i));
    const store = await storeWith(stored);
    const cache = new ItemCache(store);
    const keys = stored.map((s) => key(s.pk, s.sk));
    await cache.preload([...keys, ...keys.slice(0, 50), key('p0', 'absent')]);
    expect(store.batchGets).toHaveLength(1);
    expect(store.batchGets[0]).toHaveLength(251);
    expect(store.inner.stats().requests).toBe(1 + 3); // the setup commit + ceil(251 / 100) BatchGetItem pages
    await cache.preload(keys);
    expect(await cache.get(keys[17])).toEqual(stored[17]);
    expect(await cache.get(key('p0', 'absent'))).toBeUndefined(); // absence is cached too
    expect(store.batchGets).toHaveLength(1);
    await cache.preload([...keys.slice(0, 3), key('p9', 'new')]);
    expect(store.batchGets.at(-1)).toEqual([key('p9', 'new')]);
  });

  it('get loads a key that was not preloaded, once', async () => {
    const store = await storeWith([item('p', 'a', 1)]);
    const cache = new ItemCache(store);
    expect(await cache.get(key('p', 'a'))).toEqual(item('p', 'a', 1));
    expect(await cache.get(key('p', 'a'))).toEqual(item('p', 'a', 1));
    expect(store.batchGets).toHaveLength(1);
  });

  it('does not overwrite what the batch already wrote', async () => {
    const store = await storeWith([item('p', 'a', 1)]);
    const cache = new ItemCache(store);
    cache.set(key('p', 'a'), item('p', 'a', 2));
    await cache.preload([key('p', 'a')]);
    cache.seed([item('p', 'a', 3)]);
    expect(await cache.get(key('p', 'a'))).toEqual(item('p', 'a', 2));
  });
});

describe('ItemCache.changes', () => {
  it('yields one write per dirty item with its final value, none for clean items', async () => {
    const store = await storeWith([item('p', 'a', 1), item('p', 'b', 1), item('p', 'c', 1)]);
    const cache = new ItemCache(store);
    await cache.preload([key('p', 'a'), key('p', 'b'), key('p', 'c')]);
    cache.seed([item('q', 'seeded', 1)]);
    for (let v = 2; v <= 5; v++) cache.set(key('p', 'a'), item('p', 'a', v));
    cache.set(key('p', 'b'), item('p', 'b', 9));
    cache.set(key('p', 'b'), undefined);
    cache.set(key('p', 'new'), item('p', 'new', 1));
    const mark = cache.mark();
    cache.set(key('p', 'c'), undefined);
    cache.set(key('p', 'rolled-back'), item('p', 'rolled-back', 1));
    cache.rollback(mark);
    const { puts, deletes } = cache.changes();
    expect(puts.sort((x, y) => x.sk.localeCompare(y.sk))).toEqual([item('p', 'a', 5), item('p', 'new', 1)]);
    expect(deletes).toEqual([key('p', 'b')]);
  });
});

describe('ItemCache journal', () => {
  const universe = ['a', 'b', 'c', 'd'].map((sk) => key('p', sk));
  type Op = { kind: 'set'; k: number; v: number } | { kind: 'delete'; k: number } | { kind: 'get'; k: number } | { kind: 'scan' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), k: fc.nat(3), v: fc.nat(99) }),
    fc.record({ kind: fc.constant('delete' as const), k: fc.nat(3) }),
    fc.record({ kind: fc.constant('get' as const), k: fc.nat(3) }),
    fc.constant({ kind: 'scan' as const }),
  );
  const apply = async (cache: ItemCache, op: Op) => {
    if (op.kind === 'scan') return void (await cache.scan('state', 'p', ''));
    const k = universe[op.k];
    if (op.kind === 'set') cache.set(k, { ...k, attrs: { v: op.v } });
    else if (op.kind === 'delete') cache.set(k, undefined);
    else await cache.get(k);
  };
  /** What a scan of the whole partition must return for an observed state. */
  const scanView = (observed: { values: (Item | null)[] }) => observed.values.filter((v): v is Item => v !== null);
  /** What the batch sees (its writes over the store) and what it would commit; loading is not a change. */
  const observe = async (cache: ItemCache, store: CountingStore) => {
    const values = [];
    for (const k of universe) values.push(cache.isCached(k) ? (cache.peek(k) ?? null) : ((await store.inner.batchGet([k]))[0] ?? null));
    return { values, changes: cache.changes() };
  };

  it('rollback to a mark restores exactly the state at the mark, scans included, also for nested marks (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 8 }), fc.array(opArb, { maxLength: 8 }), fc.array(opArb, { maxLength: 8 }), async (before, middle, after) => {
        const store = await storeWith([item('p', 'a', 100), item('p', 'c', 300)]);
        const cache = new ItemCache(store);
        for (const op of before) await apply(cache, op);
        const outer = cache.mark();
        const atOuter = await observe(cache, store);
        for (const op of middle) await apply(cache, op);
        const inner = cache.mark();
        const atInner = await observe(cache, store);
        for (const op of after) await apply(cache, op);
        cache.rollback(inner);
        expect(await observe(cache, store)).toEqual(atInner);
        expect(await cache.scan('state', 'p', '')).toEqual(scanView(atInner));
        cache.rollback(outer);
        expect(await observe(cache, store)).toEqual(atOuter);
        expect(await cache.scan('state', 'p', '')).toEqual(scanView(atOuter));
      }),
    );
  });
});

describe('ItemCache.scan', () => {
  it('still sees a stored item after a blind write to it was rolled back (regression)', async () => {
    const stored = item('p', 'm#x', 1);
    const store = await storeWith([stored]);
    const cache = new ItemCache(store);
    const mark = cache.mark();
    cache.set(key('p', 'm#x'), undefined); // a blind delete, as MapState.remove does
    expect(await cache.scan('state', 'p', 'm#')).toEqual([]);
    cache.rollback(mark);
    expect(await cache.scan('state', 'p', 'm#')).toEqual([stored]);
  });

  it("returns the stored items of a prefix overlaid with the batch's writes, in sort-key order", async () => {
    const store = await storeWith([item('p', 'm#1', 1), item('p', 'm#2', 2), item('p', 'm#3', 3), item('p', 'n#1', 9), item('p', 'm', 0), item('other', 'm#1', 9)]);
    const cache = new ItemCache(store);
    await cache.get(key('p', 'm#2'));
    cache.set(key('p', 'm#2'), item('p', 'm#2', 22));
    cache.set(key('p', 'm#1'), undefined);
    cache.set(key('p', 'm#0'), item('p', 'm#0', 0));
    cache.set(key('other', 'm#5'), item('other', 'm#5', 5));
    expect(await cache.scan('state', 'p', 'm#')).toEqual([item('p', 'm#0', 0), item('p', 'm#2', 22), item('p', 'm#3', 3)]);
    // the store is read once per (partition, prefix); later writes still show
    cache.set(key('p', 'm#4'), item('p', 'm#4', 4));
    cache.set(key('p', 'm#3'), undefined);
    expect(await cache.scan('state', 'p', 'm#')).toEqual([item('p', 'm#0', 0), item('p', 'm#2', 22), item('p', 'm#4', 4)]);
    expect(store.queries.filter((q) => q.pk === 'p')).toHaveLength(1);
    // a scan does not mark what it read as dirty
    expect(cache.changes().puts.map((i) => i.sk).sort()).toEqual(['m#0', 'm#2', 'm#4', 'm#5']);
  });
});

describe('ItemCache state encoding', () => {
  it('lazy: a value written many times is encoded once, at materialize, as it is then', async () => {
    const cache = new ItemCache(await storeWith([]), 'lazy');
    const list: number[] = [];
    for (let i = 0; i < 5; i++) {
      list.push(i);
      cache.writeValue(key('p', 'l'), { exp: 9 }, list, 'l');
      expect(cache.peek(key('p', 'l'))!.attrs.v).toBeUndefined(); // not encoded yet
      expect(cache.decode(cache.peek(key('p', 'l'))!)).toBe(list); // reads get the object itself
    }
    cache.materialize();
    expect(cache.changes().puts).toEqual([{ ...key('p', 'l'), attrs: { exp: 9, v: '[0,1,2,3,4]' } }]);
  });

  it('lazy: a value too big to store, and an undo, ask for the batch to be run again eagerly', async () => {
    const cache = new ItemCache(await storeWith([]), 'lazy');
    cache.writeValue(key('p', 'big'), {}, 'x'.repeat(MAX_STATE_VALUE_BYTES), 'big');
    expect(() => cache.materialize()).toThrow(RerunEagerly);
    const failure = new Error('user function failed');
    const thrown = (() => {
      try {
        cache.rollback(cache.mark(), failure);
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(RerunEagerly);
    expect((thrown as RerunEagerly).cause).toBe(failure);
  });

  it('lazy: a value replaced by a delete is never encoded', async () => {
    const cache = new ItemCache(await storeWith([item('p', 'a', '1')]), 'lazy');
    await cache.preload([key('p', 'a')]);
    cache.writeValue(key('p', 'a'), {}, { toJSON: () => { throw new Error('encoded'); } }, 'a');
    cache.set(key('p', 'a'), undefined);
    cache.materialize();
    expect(cache.changes()).toEqual({ puts: [], deletes: [key('p', 'a')] });
  });

  it('eager: a write is encoded at once (a later change in place is not stored), and a value too big fails the write', async () => {
    const cache = new ItemCache(await storeWith([]), 'eager');
    const value = { n: 1 };
    cache.writeValue(key('p', 'v'), {}, value, 'v');
    value.n = 2;
    expect(cache.peek(key('p', 'v'))!.attrs.v).toBe('{"n":1}');
    expect(() => cache.writeValue(key('p', 'big'), {}, 'é'.repeat(MAX_STATE_VALUE_BYTES / 2), 'big')).toThrow(/state "big" would take 380002 bytes/);
  });
});
