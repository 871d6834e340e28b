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
  /**
   * Each partition's sort keys in order, kept up to date on every write, so that a query reads
   * its range by binary search as DynamoDB's Query does, instead of sorting the whole partition
   * (a stage's timer partitions are queried every batch).
   */
  private readonly sortKeys = new Map<string, string[]>();
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
    const id = partitionId(table, pk);
    const partition = this.partitions.get(id);
    if (!partition) return [];
    const keys = this.sortKeys.get(id)!;
    const rows: Item[] = [];
    const limit = range.limit ?? Infinity;
    for (let i = range.from === undefined ? 0 : lowerBound(keys, range.from); i < keys.length && rows.length < limit; i++) {
      if (range.to !== undefined && keys[i] > range.to) break;
      rows.push(clone(partition.get(keys[i])!));
    }
    this.counters.itemsRead += rows.length;
    return rows;
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
    for (const del of request.deletes) this.delete(del);
    this.write(item);
    this.counters.requests += 1;
    this.counters.itemsWritten += request.puts.length + request.deletes.length + 1;
  }

  async writeBatch(puts: Item[], deletes: ItemKey[]): Promise<void> {
    for (const put of puts) this.write(put);
    for (const del of deletes) this.delete(del);
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
    const id = partitionId(item.table, item.pk);
    let partition = this.partitions.get(id);
    if (!partition) {
      this.partitions.set(id, (partition = new Map()));
      this.sortKeys.set(id, []);
    }
    if (!partition.has(item.sk)) {
      const keys = this.sortKeys.get(id)!;
      keys.splice(lowerBound(keys, item.sk), 0, item.sk);
    }
    partition.set(item.sk, clone(item));
  }

  private delete(key: ItemKey): void {
    const id = partitionId(key.table, key.pk);
    if (!this.partitions.get(id)?.delete(key.sk)) return;
    const keys = this.sortKeys.get(id)!;
    keys.splice(lowerBound(keys, key.sk), 1);
  }

  private partition(table: TableRole, pk: string): Map<string, Item> | undefined {
    return this.partitions.get(partitionId(table, pk));
  }
}

function partitionId(table: TableRole, pk: string): string {
  return itemId({ table, pk, sk: '' });
}

/** The first index whose key is >= `key` (keys sorted ascending, by code unit as DynamoDB's binary order of ASCII keys). */
function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function clone(item: Item): Item {
  return { table: item.table, pk: item.pk, sk: item.sk, attrs: { ...item.attrs } };
}
