/**
 * The store half of the meter: DynamoDB request units by the published rules (units.ts),
 * computed from the items themselves, since neither the memory store nor DynamoDB Local
 * counts them as AWS bills (DynamoDB Local reports a flat amount per transaction).
 */
import { itemId, type CommitRequest, type Item, type ItemKey, type KeyValueStore, type SortKeyRange, type StoreStats, type TableRole } from '../state/store.ts';
import type { ActorCounts, CostMeter } from './meter.ts';
import type { StorageLedger } from './storage.ts';
import { readUnits, storedItemSize, writeUnits } from './units.ts';

const MB = 1024 * 1024;

/**
 * What an item is, from its key: keyed `state`, `timer`, `checkpoint` (with its redo log when
 * inline), `redo` (the parts of a redo log not inline), `log` and `snapshot` (the
 * log-structured backend's entries and snapshot parts, lib/state/log/), `dead-letter`.
 *
 * @example
 * ```ts
 * itemKind({ table: 'state', pk: 'c#order-timeout', sk: 'shardId-000000000000' }); // 'checkpoint'
 * ```
 */
export function itemKind(key: ItemKey): string {
  if (key.table === 'dead-letter') return 'dead-letter';
  return { s: 'state', t: 'timer', c: 'checkpoint', r: 'redo', l: 'log', m: 'snapshot' }[key.pk.slice(0, key.pk.indexOf('#'))] ?? 'other';
}

function charge(dynamo: ActorCounts['dynamo'], kind: string, rru: number, wru: number): void {
  const k = (dynamo.byKind[kind] ??= { readUnits: 0, writeUnits: 0 });
  k.readUnits += rru;
  k.writeUnits += wru;
  dynamo.readUnits += rru;
  dynamo.writeUnits += wru;
}

/**
 * A {@link KeyValueStore} that counts requests and capacity units as DynamoDB on-demand
 * bills `DynamoDbStore`'s calls (see units.ts), keeping the size of every item it wrote so
 * that overwrites and deletes are charged by the old item's size, and scans by the table's.
 * With a {@link StorageLedger}, it also records how long each item version is stored.
 *
 * @example
 * ```ts
 * const store = new MeteredStore(new MemoryStore(), meter, new StorageLedger(() => clock.now, itemKind));
 * ```
 */
export class MeteredStore implements KeyValueStore {
  private readonly sizes = new Map<string, number>();
  private readonly tableBytes: Record<TableRole, number> = { state: 0, 'dead-letter': 0 };

  constructor(private readonly inner: KeyValueStore, private readonly meter: CostMeter, private readonly ledger?: StorageLedger) {}

  async batchGet(keys: ItemKey[]): Promise<Item[]> {
    const found = await this.inner.batchGet(keys);
    const sizes = new Map(found.map((i) => [itemId(i), storedItemSize(i)]));
    const d = this.meter.actor().dynamo;
    d.requests += Math.ceil(keys.length / 100);
    for (const key of keys) charge(d, itemKind(key), readUnits(sizes.get(itemId(key)) ?? 0), 0);
    return found;
  }

  async query(table: TableRole, pk: string, range?: SortKeyRange): Promise<Item[]> {
    const items = await this.inner.query(table, pk, range);
    this.chargeRead(itemKind({ table, pk, sk: '' }), items.reduce((sum, i) => sum + storedItemSize(i), 0));
    return items;
  }

  async scan(table: TableRole, filter: { pkPrefix: string; skPrefix?: string }): Promise<Item[]> {
    const items = await this.inner.scan(table, filter);
    this.chargeRead('scan', this.tableBytes[table]); // a Scan reads (and is charged for) the whole table, filter or not
    return items;
  }

  async commit(request: CommitRequest): Promise<void> {
    await this.inner.commit(request);
    this.meter.actor().dynamo.requests += 1;
    // A checkpoint alone is a conditional PutItem (DynamoDbStore), the rest one TransactWriteItems.
    const single = request.puts.length + request.deletes.length === 0;
    this.applyWrites([...request.puts, request.checkpoint.item], request.deletes, single ? 1 : 2);
  }

  async writeBatch(puts: Item[], deletes: ItemKey[]): Promise<void> {
    await this.inner.writeBatch(puts, deletes);
    this.meter.actor().dynamo.requests += Math.ceil((puts.length + deletes.length) / 25);
    this.applyWrites(puts, deletes, 1);
  }

  stats(): StoreStats {
    return this.inner.stats();
  }

  /** A Query or Scan page reads at most 1 MB: one request and its units per page. */
  private chargeRead(kind: string, bytes: number): void {
    const d = this.meter.actor().dynamo;
    const pages = Math.max(1, Math.ceil(bytes / MB));
    d.requests += pages;
    charge(d, kind, Math.max(pages, Math.ceil(bytes / 4096)), 0);
  }

  /** Charges the writes (`factor` 2 in a transaction) and remembers the sizes for later writes. */
  private applyWrites(puts: Item[], deletes: ItemKey[], factor: number): void {
    const d = this.meter.actor().dynamo;
    for (const item of puts) {
      const size = storedItemSize(item);
      const old = this.remember(item, size);
      charge(d, itemKind(item), 0, factor * writeUnits(Math.max(size, old)));
      this.ledger?.put(item, size);
    }
    for (const key of deletes) {
      charge(d, itemKind(key), 0, factor * writeUnits(this.remember(key, 0)));
      this.ledger?.delete(key);
    }
  }

  /** Records the new size of an item (0: deleted); returns its old size (0: absent). */
  private remember(key: ItemKey, size: number): number {
    const id = itemId(key);
    const old = this.sizes.get(id) ?? 0;
    if (size > 0) this.sizes.set(id, size);
    else this.sizes.delete(id);
    this.tableBytes[key.table] += size - old;
    return old;
  }
}
