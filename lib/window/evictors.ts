/**
 * Evictors remove elements from a window before or after its function runs (Flink
 * `Evictor`). A window with an evictor keeps its elements, not an accumulator.
 */
export interface TimestampedValue<T> {
  value: T;
  timestamp: number;
}

/**
 * @example
 * ```ts
 * const keepRecent: Evictor<Click> = { evictBefore: (els) => els.filter((e) => e.value.important) };
 * ```
 */
export interface Evictor<T> {
  evictBefore?(elements: TimestampedValue<T>[]): TimestampedValue<T>[];
  evictAfter?(elements: TimestampedValue<T>[]): TimestampedValue<T>[];
}

/** Keeps the last `count` elements (by arrival). @example `CountEvictor.of(30)` */
export const CountEvictor = {
  of: <T = unknown>(count: number, doEvictAfter = false): Evictor<T> => {
    const keep = (els: TimestampedValue<T>[]) => (els.length > count ? els.slice(els.length - count) : els);
    return doEvictAfter ? { evictAfter: keep } : { evictBefore: keep };
  },
};

/** Keeps the elements within `windowSize` of the newest element's timestamp. @example `TimeEvictor.of(Time.seconds(10))` */
export const TimeEvictor = {
  of: <T = unknown>(windowSize: number, doEvictAfter = false): Evictor<T> => {
    const keep = (els: TimestampedValue<T>[]) => {
      if (els.length === 0) return els;
      const newest = Math.max(...els.map((e) => e.timestamp));
      return els.filter((e) => e.timestamp > newest - windowSize);
    };
    return doEvictAfter ? { evictAfter: keep } : { evictBefore: keep };
  },
};
