import { itemId, type Attributes, type Item, type ItemKey, type StateReader, type TableRole } from './store.ts';

/** DynamoDB items hold 400 KB; state that would not fit fails the record that writes it (it is dead-lettered). */
export const MAX_STATE_VALUE_BYTES = 380_000;

/**
 * Thrown by a cache that encodes lazily when a record's effects would have to be undone (its
 * function threw) or a state value is too big to store: neither can be attributed to a record
 * without per-record snapshots, so the batch runs again from its start with an eager cache
 * (see runBatch). `cause`: what happened.
 */
export class RerunEagerly extends Error {
  /** `failed`: the input (`<seq>/<envelope index>`) whose function threw, which has had one attempt. */
  constructor(override readonly cause: unknown, readonly failed?: string) {
    super(`batch to be run again with eager state encoding: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** How a cache encodes written state values. */
export type StateEncoding = 'eager' | 'lazy';

interface Entry {
  key: ItemKey;
  /** The current value; undefined = absent. */
  item: Item | undefined;
  dirty: boolean;
  /** Whether the store holds the item (as of the batch's start): undefined when not known (a blind write). */
  stored?: boolean;
}

/**
 * The write-behind cache of one batch: state and timer items are loaded once (batched), read
 * and written in memory, and each dirty item is written once at commit.
 *
 * Two encodings of written state values (JSON in the item's `v`):
 * - `lazy` (the fast path): a written value is kept as the object itself and encoded once, at
 *   {@link ItemCache.materialize}, however many records wrote it — a key's state costs one
 *   encoding per batch, not one per record (a list appended to N times is not encoded N times).
 *   Nothing is journaled, so the effects of one record cannot be undone: {@link rollback} and
 *   an over-sized value throw {@link RerunEagerly}, and the batch is run again eagerly.
 * - `eager`: every write is encoded at once (its size checked: too big fails the record that
 *   wrote it) and journaled, so that the effects of one record can be undone when its
 *   function throws, down to objects it changed in place (they are read from their JSON again).
 *
 * @example
 * ```ts
 * const cache = new ItemCache(store);
 * await cache.preload(keys);
 * const mark = cache.mark();
 * cache.set(key, item);
 * cache.rollback(mark); // the record failed: as if set() never happened
 * const { puts, deletes } = cache.changes();
 * ```
 */
export class ItemCache {
  private readonly entries = new Map<string, Entry>();
  /** What rollback undoes: a replaced entry, or another change made with the batch's state (a timer's, see BatchTimers). */
  private readonly journal: ({ id: string; previous: Entry | undefined } | { undo: () => void })[] = [];
  private readonly scanned = new Set<string>();
  /**
   * Ids of the cached items by partition (table and pk): a scan visits its own partition's
   * items, not every item of the batch (a join scans a key's buffer per record, in batches of
   * thousands of items).
   */
  private readonly partitions = new Map<string, Set<string>>();
  /** Parsed values of items, so a hot key's JSON is parsed once per batch, not per access. */
  private parsedValues = new WeakMap<Item, unknown>();

  /** Lazily encoded items not yet materialized, with the state name for the size error. */
  private readonly pending = new Map<Item, string>();

  constructor(private readonly store: StateReader, private readonly encoding: StateEncoding = 'eager') {}

  /**
   * Writes a state value as the item `key` with `attrs` (TTL attributes, a map key) and `v`,
   * the value's JSON: now (eager), or at {@link materialize} (lazy). The value is what later
   * reads of the item in this batch return, without parsing.
   */
  writeValue(key: ItemKey, attrs: Attributes, value: unknown, stateName: string): void {
    if (this.encoding === 'lazy') {
      // Written before in this batch and not encoded yet: the same item takes the new value (nothing journals it).
      const entry = this.entries.get(this.idOf(key));
      if (entry?.dirty && entry.item && this.pending.has(entry.item)) {
        entry.item.attrs = attrs;
        this.parsedValues.set(entry.item, value);
        return;
      }
    }
    const item: Item = { table: key.table, pk: key.pk, sk: key.sk, attrs };
    if (this.encoding === 'eager') attrs.v = encodeStateValue(stateName, value);
    else this.pending.set(item, stateName);
    this.parsedValues.set(item, value);
    this.set(key, item);
  }

  /**
   * Encodes every lazily written value still held (before the batch emits and commits); throws
   * {@link RerunEagerly} when one is too big to store.
   */
  materialize(): void {
    for (const [item, name] of this.pending) {
      try {
        item.attrs.v = encodeStateValue(name, this.parsedValues.get(item));
      } catch (error) {
        throw new RerunEagerly(error);
      }
    }
    this.pending.clear();
  }

  /** Loads the given items that are not cached yet, in batched reads. */
  async preload(keys: ItemKey[]): Promise<void> {
    const missing = new Map<string, ItemKey>();
    for (const key of keys) {
      const id = itemId(key);
      if (!this.entries.has(id)) missing.set(id, key);
    }
    if (missing.size === 0) return;
    const found = await this.store.batchGet([...missing.values()]);
    const byId = new Map(found.map((item) => [itemId(item), item]));
    for (const [id, key] of missing) this.put(id, { key, item: byId.get(id), dirty: false, stored: byId.has(id) });
  }

  /** Adds items just read by a query (not dirty), unless the batch already has them. */
  seed(items: Item[]): void {
    for (const item of items) {
      const id = itemId(item);
      if (!this.entries.has(id)) this.put(id, { key: { table: item.table, pk: item.pk, sk: item.sk }, item, dirty: false, stored: true });
    }
  }

  /** The item, loading it when it is not cached. */
  async get(key: ItemKey): Promise<Item | undefined> {
    const id = this.idOf(key);
    const entry = this.entries.get(id);
    if (entry) return entry.item;
    await this.preload([key]);
    return this.entries.get(id)!.item;
  }

  /** The cache's entry for the item (its `item` undefined: known to be absent), or undefined when not cached; never reads the store. */
  cached(key: ItemKey): { readonly item: Item | undefined } | undefined {
    return this.entries.get(this.idOf(key));
  }

  /** The cached item, if it was loaded or written in this batch; never reads the store. */
  peek(key: ItemKey): Item | undefined {
    return this.entries.get(this.idOf(key))?.item;
  }

  isCached(key: ItemKey): boolean {
    return this.entries.has(this.idOf(key));
  }

  /**
   * Writes (or with `undefined`, deletes) an item in the cache. `absentInStore`: the caller
   * knows the store does not hold it (a timer due in this batch that the due-timer query did
   * not find), so deleting it again needs no write.
   */
  set(key: ItemKey, item: Item | undefined, options?: { absentInStore?: boolean }): void {
    const id = this.idOf(key);
    const previous = this.entries.get(id);
    if (this.encoding === 'eager') this.journal.push({ id, previous }); // entries are never changed in place: the previous one is as it was
    else if (previous?.item && previous.item !== item) this.pending.delete(previous.item); // replaced before it was encoded: never encoded
    this.put(id, { key, item, dirty: true, stored: previous ? previous.stored : options?.absentInStore ? false : undefined });
  }

  /**
   * Items of one partition whose sort key starts with `prefix`: the store's items overlaid
   * with this batch's changes. The store is read once per (partition, prefix) per batch.
   */
  async scan(table: TableRole, pk: string, prefix: string): Promise<Item[]> {
    const scanId = `${table}\u0001${pk}\u0001${prefix}`;
    if (!this.scanned.has(scanId)) {
      const stored = await this.store.query(table, pk, { from: prefix, to: prefix + '\uffff' });
      for (const item of stored) {
        const id = itemId(item);
        if (!this.entries.has(id)) this.put(id, { key: { table, pk, sk: item.sk }, item, dirty: false, stored: true });
      }
      this.scanned.add(scanId);
    }
    const rows: Item[] = [];
    for (const id of this.partitions.get(partitionId(table, pk)) ?? []) {
      const entry = this.entries.get(id)!;
      if (entry.item && entry.key.sk.startsWith(prefix)) rows.push(entry.item);
    }
    return rows.sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
  }

  /** Items this batch holds (read or written, not deleted) whose partition starts with `pkPrefix`. */
  present(table: TableRole, pkPrefix: string): Item[] {
    const rows: Item[] = [];
    for (const entry of this.entries.values()) if (entry.item && entry.key.table === table && entry.key.pk.startsWith(pkPrefix)) rows.push(entry.item);
    return rows;
  }

  /** The parsed `v` attribute of an item (a JSON value), parsed once per batch. */
  decode<T>(item: Item): T {
    if (this.parsedValues.has(item)) return this.parsedValues.get(item) as T;
    const value = JSON.parse(String(item.attrs.v)) as T;
    this.parsedValues.set(item, value);
    return value;
  }

  /**
   * The cache's id of an item key. A record reads and then writes the same item (a state
   * handle, a timer), with the same key object: the last id is remembered for it.
   */
  private idOf(key: ItemKey): string {
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastId = itemId(key);
    }
    return this.lastId;
  }
  private lastKey: ItemKey | undefined;
  private lastId = '';

  /** Whether changes are journaled (an eager cache), so that a record's can be undone. */
  journals(): boolean {
    return this.encoding === 'eager';
  }

  /** Journals a change made outside the cache, with the state (an eager cache's rollback runs `undo`; a lazy cache never rolls back). */
  journalUndo(undo: () => void): void {
    if (this.encoding === 'eager') this.journal.push({ undo });
  }

  /** A point to roll back to. */
  mark(): number {
    return this.journal.length;
  }

  /**
   * Undoes every change made since `mark`. A lazy cache cannot: it throws {@link RerunEagerly}
   * with `cause` (what failed) and `failed` (the input that failed, which has had its attempt).
   */
  rollback(mark: number, cause?: unknown, failed?: string): void {
    if (this.encoding === 'lazy') throw new RerunEagerly(cause, failed);
    // User code may have changed parsed objects in place (an accumulator, a value) before it
    // threw, written back or not; every item must be read from its stored JSON again.
    this.parsedValues = new WeakMap();
    while (this.journal.length > mark) {
      const change = this.journal.pop()!;
      if ('undo' in change) {
        change.undo();
        continue;
      }
      const { id, previous } = change;
      if (previous) this.entries.set(id, previous);
      else {
        const key = this.entries.get(id)!.key;
        this.entries.delete(id);
        this.partitions.get(partitionId(key.table, key.pk))!.delete(id);
        // A blind write hid the stored item from scans of its prefix; scan the store again.
        this.scanned.clear();
      }
    }
  }

  private put(id: string, entry: Entry): void {
    if (!this.entries.has(id)) {
      const partition = partitionId(entry.key.table, entry.key.pk);
      let ids = this.partitions.get(partition);
      if (!ids) this.partitions.set(partition, (ids = new Set()));
      ids.add(id);
    }
    this.entries.set(id, entry);
  }

  /** The net writes of the batch: one per dirty item. */
  changes(): { puts: Item[]; deletes: ItemKey[] } {
    const puts: Item[] = [];
    const deletes: ItemKey[] = [];
    for (const entry of this.entries.values()) {
      if (!entry.dirty) continue;
      if (entry.item) puts.push(entry.item);
      else if (entry.stored !== false) deletes.push(entry.key); // deleting what the store never held costs a write for nothing
    }
    return { puts, deletes };
  }
}

/** A state value's JSON; throws when it is too big for an item. */
export function encodeStateValue(name: string, value: unknown): string {
  const json = JSON.stringify(value);
  // Each UTF-16 unit is at most 3 UTF-8 bytes: only a long JSON needs its size measured.
  const bytes = json.length * 3 <= MAX_STATE_VALUE_BYTES ? json.length : Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_STATE_VALUE_BYTES) throw new Error(`state "${name}" would take ${bytes} bytes; a state item holds ${MAX_STATE_VALUE_BYTES} (use MapState for large state)`);
  return json;
}

function partitionId(table: TableRole, pk: string): string {
  return `${table}\u0001${pk}`;
}
