/**
 * Keyed state handles, scoped to the key of the record (or timer) being processed, as in Flink.
 * Methods are async because a map entry may be read from the store on demand; everything the
 * batch needs is preloaded, so most calls resolve from the write-behind cache.
 */

/** @example `const n = (await count.value()) ?? 0; await count.update(n + 1);` */
export interface ValueState<T> {
  /** The value, or `undefined` when unset or expired. */
  value(): Promise<T | undefined>;
  update(value: T): Promise<void>;
  clear(): Promise<void>;
}

/** @example `await list.add(x); const all = await list.get();` */
export interface ListState<T> {
  /** All live elements in insertion order (empty array when none). */
  get(): Promise<T[]>;
  add(value: T): Promise<void>;
  addAll(values: T[]): Promise<void>;
  update(values: T[]): Promise<void>;
  clear(): Promise<void>;
}

/** @example `await map.put('u1', 3); for (const [k, v] of await map.entries()) ...` */
export interface MapState<UK extends string | number, UV> {
  get(key: UK): Promise<UV | undefined>;
  put(key: UK, value: UV): Promise<void>;
  putAll(entries: Iterable<[UK, UV]>): Promise<void>;
  remove(key: UK): Promise<void>;
  contains(key: UK): Promise<boolean>;
  /** Live entries ordered by key (reads the whole map: use sparingly on large maps). */
  entries(): Promise<[UK, UV][]>;
  keys(): Promise<UK[]>;
  values(): Promise<UV[]>;
  isEmpty(): Promise<boolean>;
  clear(): Promise<void>;
}

/** @example `await sum.add(5); await sum.get();` */
export interface ReducingState<T> {
  get(): Promise<T | undefined>;
  add(value: T): Promise<void>;
  clear(): Promise<void>;
}

/** @example `await avg.add(5); await avg.get();` */
export interface AggregatingState<IN, OUT> {
  get(): Promise<OUT | undefined>;
  add(value: IN): Promise<void>;
  clear(): Promise<void>;
}
