import {
  CommitConflictError,
  emptyStats,
  itemId,
  type CommitRequest,
  type Item,
  type ItemKey,
  type KeyValueStore,
  type SortKeyRange,
  type StoreStats,
  type TableRole,
} from './store.ts';

/**
 * An in-memory {@link KeyValueStore}: for unit tests and for benchmarking the engine alone.
 * Never the default of a run. Commits are atomic, as the DynamoDB store's promise.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * await store.commit({ puts: [item], deletes: [], checkpoint });
 * ```
 */
export class MemoryStore implements KeyValueStore {
  private readonly partitions = new Map<string, Map<string, Item>>();
  private readonly counters = emptyStats();

  async batchGet(keys: ItemKey[]): Promise<Item[]> {
    this.counters.requests += Math.ceil(keys.length / 100);
    const found: Item[] = [];
    for (const key of keys) {
      const item = this.partition(key.table, key.pk)?.get(key.sk);
      if (item) found.push(clone(item));
    }
    this.counters.itemsRead += found.length;
    return found;
  }

  async query(table: TableRole, pk: string, range: SortKeyRange = {}): Promise<Item[]> {
    this.counters.requests += 1;
    const partition = this.partition(table, pk);
    if (!partition) return [];
    const rows = [...partition.values()]
      .filter((i) => (range.from === undefined || i.sk >= range.from) && (range.to === undefined || i.sk <= range.to))
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
    const limited = range.limit === undefined ? rows : rows.slice(0, range.limit);
    this.counters.itemsRead += limited.length;
    return limited.map(clone);
  }

  async scan(table: TableRole, filter: { pkPrefix: string; skPrefix?: string }): Promise<Item[]> {
    this.counters.requests += 1;
    const rows: Item[] = [];
    for (const [id, partition] of this.partitions) {
      const [t, pk] = id.split('\u0001');
      if (t !== table || !pk.startsWith(filter.pkPrefix)) continue;
      for (const item of partition.values()) if (item.sk.startsWith(filter.skPrefix ?? '')) rows.push(clone(item));
    }
    this.counters.itemsRead += rows.length;
    return rows;
  }

  async commit(request: CommitRequest): Promise<void> {
    const { item, expectedVersion } = request.checkpoint;
    const current = this.partition(item.table, item.pk)?.get(item.sk);
    const currentVersion = current ? Number(current.attrs.version) : undefined;
    if (currentVersion !== expectedVersion) {
      throw new CommitConflictError(`checkpoint ${item.pk}/${item.sk} is at version ${currentVersion}, expected ${expectedVersion}`);
    }
    for (const put of request.puts) this.write(put);
    for (const del of request.deletes) this.partition(del.table, del.pk)?.delete(del.sk);
    this.write(item);
    this.counters.requests += 1;
    this.counters.itemsWritten += request.puts.length + request.deletes.length + 1;
  }

  async writeBatch(puts: Item[], deletes: ItemKey[]): Promise<void> {
    for (const put of puts) this.write(put);
    for (const del of deletes) this.partition(del.table, del.pk)?.delete(del.sk);
    this.counters.requests += Math.ceil((puts.length + deletes.length) / 25);
    this.counters.itemsWritten += puts.length + deletes.length;
  }

  stats(): StoreStats {
    return { ...this.counters };
  }

  /** Every item of a table, for assertions in tests. */
  dump(table: TableRole): Item[] {
    return [...this.partitions.entries()]
      .filter(([id]) => id.startsWith(`${table}\u0001`))
      .flatMap(([, p]) => [...p.values()].map(clone));
  }

  private write(item: Item): void {
    const id = itemId({ ...item, sk: '' });
    let partition = this.partitions.get(id);
    if (!partition) this.partitions.set(id, (partition = new Map()));
    partition.set(item.sk, clone(item));
  }

  private partition(table: TableRole, pk: string): Map<string, Item> | undefined {
    return this.partitions.get(itemId({ table, pk, sk: '' }));
  }
}

function clone(item: Item): Item {
  return { table: item.table, pk: item.pk, sk: item.sk, attrs: { ...item.attrs } };
}
