/**
 * Keyed state handles on the write-behind {@link ItemCache}. A handle is created once per
 * operator instance and reads the scope (current key, namespace, processing time) on every
 * call, as Flink's keyed state backends do.
 */
import type {
  AggregatingStateDescriptor,
  AnyStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../api/state-descriptors.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../api/state.ts';
import type { ItemCache } from './item-cache.ts';
import { mapEntryKey, mapEntryPrefix, stateItemKey, statePartition } from './keys.ts';
import type { Attributes, Item, ItemKey } from './store.ts';
import { NATIVE_TTL_ATTRIBUTE, expiryAttributes, nativeExpiry, onRead } from './ttl.ts';

/** What a handle needs to know about the record being processed. */
export interface KeyScope {
  readonly operatorUid: string;
  readonly cache: ItemCache;
  currentKey(): string;
  namespace(): string;
  /** Processing time (simulated in replay). */
  now(): number;
  /** Real time, for the native TTL attribute. */
  wallClock(): number;
}

/** Base of the single-item states (value, list, reducing, aggregating). */
abstract class SingleItemState<S> {
  constructor(protected readonly scope: KeyScope, protected readonly descriptor: AnyStateDescriptor) {}

  /** The item key of the current key and namespace (the same object while they stay: a read and a write of a record share it). */
  protected itemKey(): ItemKey {
    const s = this.scope;
    const key = s.currentKey();
    const namespace = s.namespace();
    if (key !== this.lastKey || namespace !== this.lastNamespace) {
      this.lastKey = key;
      this.lastNamespace = namespace;
      this.lastItemKey = stateItemKey(s.operatorUid, key, this.descriptor.name, namespace);
    }
    return this.lastItemKey!;
  }
  private lastKey: string | undefined;
  private lastNamespace: string | undefined;
  private lastItemKey: ItemKey | undefined;

  /** The stored value after TTL checks (cleanup and refresh applied), or undefined. */
  protected async read(): Promise<S | undefined> {
    const key = this.itemKey();
    const hit = this.scope.cache.cached(key); // usually cached (preloaded, or written in the batch): no await then
    const item = hit ? hit.item : await this.scope.cache.get(key);
    if (!item) return undefined;
    const now = this.scope.now();
    const verdict = onRead(this.descriptor.ttl, item.attrs.exp as number | undefined, now);
    if (verdict.cleanup) this.scope.cache.set(key, undefined);
    if (!verdict.visible) return undefined;
    const value = this.scope.cache.decode<S>(item);
    if (verdict.refresh) this.write(value);
    return value;
  }

  protected write(value: S | undefined): void {
    const key = this.itemKey();
    if (value === undefined || value === null) return this.scope.cache.set(key, undefined);
    this.scope.cache.writeValue(key, expiryAttributes(this.descriptor.ttl, this.scope.now(), this.scope.wallClock()), value, this.descriptor.name);
  }

  async clear(): Promise<void> {
    this.scope.cache.set(this.itemKey(), undefined);
  }
}

export class ValueStateImpl<T> extends SingleItemState<T> implements ValueState<T> {
  value(): Promise<T | undefined> {
    return this.read();
  }
  async update(value: T): Promise<void> {
    this.write(value);
  }
}

/** A list stored in one item; with TTL every element carries its own expiry, as in Flink. */
export class ListStateImpl<T> extends SingleItemState<[T, number | null][]> implements ListState<T> {
  async get(): Promise<T[]> {
    return (await this.live()).map(([v]) => v);
  }
  async add(value: T): Promise<void> {
    await this.addAll([value]);
  }
  async addAll(values: T[]): Promise<void> {
    // Appending is no read of the other elements: their TTL is not refreshed (as Flink's TtlListState).
    // `live` returns the cache's own array (never handed to user code: `get` copies it), so it
    // grows in place: an eager cache has already encoded the item it belonged to, and a rollback
    // reads every item from its JSON again.
    const current = await this.live(false);
    for (const v of values) current.push(this.element(v));
    this.store(current);
  }
  async update(values: T[]): Promise<void> {
    this.store(values.map((v) => this.element(v)));
  }

  private element(value: T): [T, number | null] {
    const ttl = this.descriptor.ttl;
    return [value, ttl ? this.scope.now() + ttl.ttlMs : null];
  }

  private async live(read = true): Promise<[T, number | null][]> {
    const key = this.itemKey();
    const hit = this.scope.cache.cached(key); // usually cached (preloaded, or written in the batch): no await then
    const item = hit ? hit.item : await this.scope.cache.get(key);
    if (!item) return [];
    const elements = this.scope.cache.decode<[T, number | null][]>(item);
    if (!this.descriptor.ttl) return elements;
    const now = this.scope.now();
    const kept: [T, number | null][] = [];
    let changed = false;
    for (const [v, exp] of elements) {
      const verdict = onRead(this.descriptor.ttl, exp ?? undefined, now);
      if (verdict.cleanup) changed = true;
      if (verdict.visible) kept.push(read && verdict.refresh ? ((changed = true), this.element(v)) : [v, exp]);
    }
    if (changed) this.store(kept.filter(([, exp]) => exp === null || exp > now));
    return kept;
  }

  private store(elements: [T, number | null][]): void {
    if (elements.length === 0) return this.scope.cache.set(this.itemKey(), undefined);
    // The item lives as long as its longest-lived element; native TTL must not delete live elements.
    const attrs: Attributes = {};
    if (this.descriptor.ttl) {
      // `exp`: when the last element expires, so that a snapshot of log-structured state can drop the whole list then.
      const exp = elements.reduce((latest, [, e]) => Math.max(latest, e ?? Infinity), -Infinity);
      Object.assign(attrs, { [NATIVE_TTL_ATTRIBUTE]: nativeExpiry(this.descriptor.ttl, this.scope.now(), this.scope.wallClock()), ...(Number.isFinite(exp) && { exp }) });
    }
    this.scope.cache.writeValue(this.itemKey(), attrs, elements, this.descriptor.name);
  }
}

export class ReducingStateImpl<T> extends SingleItemState<T> implements ReducingState<T> {
  get(): Promise<T | undefined> {
    return this.read();
  }
  async add(value: T): Promise<void> {
    const current = await this.read();
    const reduce = (this.descriptor as ReducingStateDescriptor<T>).reduce;
    this.write(current === undefined ? value : reduce(current, value));
  }
}

export class AggregatingStateImpl<IN, ACC, OUT> extends SingleItemState<ACC> implements AggregatingState<IN, OUT> {
  private get fn() {
    return (this.descriptor as AggregatingStateDescriptor<IN, ACC, OUT>).aggregate;
  }
  async get(): Promise<OUT | undefined> {
    const acc = await this.read();
    return acc === undefined ? undefined : this.fn.getResult(acc);
  }
  async add(value: IN): Promise<void> {
    const acc = (await this.read()) ?? this.fn.createAccumulator();
    this.write(this.fn.add(value, acc));
  }
}

/** A map whose entries are separate items: `get` reads one entry, `entries` scans the prefix. */
export class MapStateImpl<UK extends string | number, UV> implements MapState<UK, UV> {
  constructor(private readonly scope: KeyScope, private readonly descriptor: MapStateDescriptor<UK, UV>) {}

  async get(userKey: UK): Promise<UV | undefined> {
    const key = this.entryKey(userKey);
    const hit = this.scope.cache.cached(key);
    return this.visible(key, hit ? hit.item : await this.scope.cache.get(key));
  }
  async put(userKey: UK, value: UV): Promise<void> {
    if (value === undefined || value === null) return this.remove(userKey); // no entry holds "nothing"
    const attrs = { k: JSON.stringify(userKey), ...expiryAttributes(this.descriptor.ttl, this.scope.now(), this.scope.wallClock()) };
    this.scope.cache.writeValue(this.entryKey(userKey), attrs, value, this.descriptor.name);
  }
  async putAll(entries: Iterable<[UK, UV]>): Promise<void> {
    for (const [k, v] of entries) await this.put(k, v);
  }
  async remove(userKey: UK): Promise<void> {
    this.scope.cache.set(this.entryKey(userKey), undefined);
  }
  async contains(userKey: UK): Promise<boolean> {
    return (await this.get(userKey)) !== undefined;
  }
  async entries(): Promise<[UK, UV][]> {
    const s = this.scope;
    const items = await s.cache.scan('state', statePartition(s.operatorUid, s.currentKey()), mapEntryPrefix(this.descriptor.name, s.namespace()));
    const out: [UK, UV][] = [];
    for (const item of items) {
      const value = this.visible(item, item);
      if (value !== undefined) out.push([JSON.parse(String(item.attrs.k)) as UK, value]);
    }
    // Stored in the order of the keys' JSON; the API promises key order (numbers numerically, before strings).
    return out.sort(([a], [b]) => compareUserKeys(a, b));
  }
  async keys(): Promise<UK[]> {
    return (await this.entries()).map(([k]) => k);
  }
  async values(): Promise<UV[]> {
    return (await this.entries()).map(([, v]) => v);
  }
  async isEmpty(): Promise<boolean> {
    return (await this.entries()).length === 0;
  }
  async clear(): Promise<void> {
    for (const [k] of await this.entries()) await this.remove(k);
  }

  private entryKey(userKey: UK): ItemKey {
    const s = this.scope;
    return mapEntryKey(s.operatorUid, s.currentKey(), this.descriptor.name, s.namespace(), userKey);
  }

  private visible(key: ItemKey, item: Item | undefined): UV | undefined {
    if (!item) return undefined;
    const verdict = onRead(this.descriptor.ttl, item.attrs.exp as number | undefined, this.scope.now());
    if (verdict.cleanup) this.scope.cache.set(key, undefined);
    if (!verdict.visible) return undefined;
    const value = this.scope.cache.decode<UV>(item);
    if (verdict.refresh) {
      const { v: _json, ...attrs } = item.attrs;
      this.scope.cache.writeValue(key, { ...attrs, ...expiryAttributes(this.descriptor.ttl, this.scope.now(), this.scope.wallClock()) }, value, this.descriptor.name);
    }
    return value;
  }
}

function compareUserKeys(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Creates the handle for a descriptor. */
export function createStateHandle(scope: KeyScope, descriptor: AnyStateDescriptor): unknown {
  switch (descriptor.kind) {
    case 'value':
      return new ValueStateImpl(scope, descriptor as ValueStateDescriptor<unknown>);
    case 'list':
      return new ListStateImpl(scope, descriptor as ListStateDescriptor<unknown>);
    case 'map':
      return new MapStateImpl(scope, descriptor as MapStateDescriptor<string, unknown>);
    case 'reducing':
      return new ReducingStateImpl(scope, descriptor);
    case 'aggregating':
      return new AggregatingStateImpl(scope, descriptor);
  }
}
