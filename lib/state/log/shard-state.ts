/**
 * The state of one stage shard held in a Lambda container (log-structured backend): every
 * state and timer item of the shard, in memory, sorted as DynamoDB sorts a partition, so that
 * the batch lifecycle reads it through the same {@link StateReader} contract as the per-key
 * items in DynamoDB. A copy is valid for exactly one checkpoint version: the batch lifecycle
 * checks it against the stored checkpoint before using it (see log-backend.ts).
 */
import * as sortedBtree from 'sorted-btree';
import type { Item, ItemKey, SortKeyRange, StateReader, TableRole } from '../store.ts';

/**
 * sorted-btree is CommonJS with only a default export: Node's ESM loader hands over
 * `module.exports` (the class is its `default`), bundlers and TypeScript the class itself.
 */
type BTreeClass = typeof sortedBtree.default.default;
const BTree: BTreeClass = sortedBtree.default.default ?? (sortedBtree.default as unknown as BTreeClass);
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Separates partition and sort key in the tree's keys (below every printable character, so a partition sorts before its extensions). */
const SEP = '\u0001';
const compositeKey = (pk: string, sk: string) => pk + SEP + sk;

/**
 * @example
 * ```ts
 * const state = new ShardState(0);
 * state.apply([{ table: 'state', pk: 's#op#k', sk: 'count#-', attrs: { v: '1' } }], []);
 * await state.batchGet([{ table: 'state', pk: 's#op#k', sk: 'count#-' }]); // [the item]
 * ```
 */
export class ShardState implements StateReader {
  private readonly tree = new BTree<string, Item>(undefined, byCodeUnit);
  private bytes = 0;
  private timerItems = 0;

  /** @param version the checkpoint version this copy is the state of */
  constructor(public version: number) {}

  /** Items held. */
  get size(): number {
    return this.tree.size;
  }

  /** Pending timers held (their items are in `t#` partitions). */
  get timers(): number {
    return this.timerItems;
  }

  /** Approximate stored bytes of the items held (names and values as characters). */
  get heldBytes(): number {
    return this.bytes;
  }

  async batchGet(keys: ItemKey[]): Promise<Item[]> {
    const found: Item[] = [];
    for (const key of keys) {
      const item = key.table === 'state' ? this.tree.get(compositeKey(key.pk, key.sk)) : undefined;
      if (item) found.push(item);
    }
    return found;
  }

  /** A synchronous read of one item (items are immutable: never changed in place). */
  get(key: ItemKey): Item | undefined {
    return this.tree.get(compositeKey(key.pk, key.sk));
  }

  async query(table: TableRole, pk: string, range: SortKeyRange = {}): Promise<Item[]> {
    return table === 'state' ? this.rows(pk, range) : [];
  }

  /** {@link query} of the state table, synchronously: the items of a partition in a sort-key range. */
  rows(pk: string, range: SortKeyRange = {}): Item[] {
    const rows: Item[] = [];
    const limit = range.limit ?? Infinity;
    const low = compositeKey(pk, range.from ?? '');
    const high = range.to === undefined ? pk + String.fromCharCode(SEP.charCodeAt(0) + 1) : compositeKey(pk, range.to);
    this.tree.forRange(low, high, range.to !== undefined, (_: string, item: Item) => {
      // A longer partition key that starts with `pk` + SEP falls in the range too.
      if (item.pk !== pk) return;
      rows.push(item);
      if (rows.length >= limit) return { break: true };
    });
    return rows;
  }

  async scan(table: TableRole, filter: { pkPrefix: string; skPrefix?: string }): Promise<Item[]> {
    if (table !== 'state') return [];
    const rows: Item[] = [];
    this.forPrefix(filter.pkPrefix, (item) => {
      if (item.pk.startsWith(filter.pkPrefix) && item.sk.startsWith(filter.skPrefix ?? '')) rows.push(item);
    });
    return rows;
  }

  /** Every item held, in key order. */
  items(): IterableIterator<Item> {
    return this.tree.values();
  }

  /** Writes final values and deletes: a batch's changes, or a log entry's. */
  apply(puts: readonly Item[], deletes: readonly ItemKey[]): void {
    for (const key of deletes) {
      const id = compositeKey(key.pk, key.sk);
      const old = this.tree.get(id);
      if (old) {
        this.bytes -= approximateBytes(old);
        if (isTimer(old)) this.timerItems--;
        this.tree.delete(id);
      }
    }
    for (const item of puts) {
      const id = compositeKey(item.pk, item.sk);
      const old = this.tree.get(id);
      if (old) this.bytes -= approximateBytes(old);
      else if (isTimer(item)) this.timerItems++;
      this.bytes += approximateBytes(item);
      this.tree.set(id, item);
    }
  }

  private forPrefix(prefix: string, visit: (item: Item) => void): void {
    this.tree.forRange(prefix, prefix + '\uffff', true, (_: string, item: Item) => visit(item));
  }
}

const isTimer = (item: Item) => item.pk.startsWith('t#');

/** Names and values as characters: what an item costs to keep, near enough for reporting a container's memory. */
function approximateBytes(item: Item): number {
  let n = item.pk.length + item.sk.length + 4;
  for (const name in item.attrs) n += name.length + String(item.attrs[name]).length;
  return n;
}
