import type { StateTtlConfig } from './state-ttl.ts';

/** Options shared by every state descriptor. */
export interface StateDescriptorOptions {
  /** Time-to-live of the state (processing time); absent = kept until cleared. */
  ttl?: StateTtlConfig;
}

/** Combines two values of a {@link ReducingStateDescriptor}. */
export type ReduceFunction<T> = (a: T, b: T) => T;

/**
 * Incremental aggregation, as Flink's `AggregateFunction`: accumulators must be JSON values
 * because they are stored in DynamoDB between batches.
 *
 * @example
 * ```ts
 * const average: AggregateFunction<number, { sum: number; n: number }, number> = {
 *   createAccumulator: () => ({ sum: 0, n: 0 }),
 *   add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
 *   getResult: (acc) => acc.sum / acc.n,
 *   merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
 * };
 * ```
 */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge(a: ACC, b: ACC): ACC;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Common part of the state descriptors; `kind` tells the runtime how the state is stored. */
abstract class StateDescriptorBase<K extends string> {
  abstract readonly kind: K;
  readonly ttl: StateTtlConfig | undefined;
  constructor(readonly name: string, options: StateDescriptorOptions = {}) {
    if (!NAME_PATTERN.test(name)) throw new Error(`state name must match [A-Za-z0-9_-]+, got "${name}"`);
    this.ttl = options.ttl;
  }
}

/**
 * A single value per key (Flink `ValueStateDescriptor`).
 *
 * @example
 * ```ts
 * const created = new ValueStateDescriptor<{ ts: number }>('created', { ttl });
 * // in open(ctx):  this.created = ctx.getState(created);
 * // in processElement:  const c = await this.created.value();
 * ```
 */
export class ValueStateDescriptor<T> extends StateDescriptorBase<'value'> {
  readonly kind = 'value' as const;
  declare readonly __type?: T;
}

/**
 * A list of values per key (Flink `ListStateDescriptor`); TTL applies to each element.
 *
 * @example
 * ```ts
 * const pending = new ListStateDescriptor<number>('pending-payments');
 * // await this.pending.add(payment.ts); for (const ts of await this.pending.get()) ...
 * ```
 */
export class ListStateDescriptor<T> extends StateDescriptorBase<'list'> {
  readonly kind = 'list' as const;
  declare readonly __type?: T;
}

/**
 * A map per key (Flink `MapStateDescriptor`). Every entry is its own DynamoDB item, so a map of
 * 100 k entries neither hits the 400 KB item limit nor is read whole: `get` reads one entry.
 *
 * @example
 * ```ts
 * const seen = new MapStateDescriptor<string, number>('seen-users');
 * // await this.seen.put(userId, ts); if (await this.seen.contains(userId)) ...
 * ```
 */
export class MapStateDescriptor<UK extends string | number, UV> extends StateDescriptorBase<'map'> {
  readonly kind = 'map' as const;
  declare readonly __type?: [UK, UV];
}

/**
 * A value per key folded with a reduce function on every add (Flink `ReducingStateDescriptor`).
 *
 * @example
 * ```ts
 * const total = new ReducingStateDescriptor<number>('total', (a, b) => a + b);
 * // await this.total.add(order.amount); const sum = await this.total.get();
 * ```
 */
export class ReducingStateDescriptor<T> extends StateDescriptorBase<'reducing'> {
  readonly kind = 'reducing' as const;
  constructor(name: string, readonly reduce: ReduceFunction<T>, options?: StateDescriptorOptions) {
    super(name, options);
  }
}

/**
 * An accumulator per key updated by an {@link AggregateFunction} (Flink `AggregatingStateDescriptor`).
 *
 * @example
 * ```ts
 * const avg = new AggregatingStateDescriptor('avg-amount', average);
 * // await this.avg.add(order.amount); const mean = await this.avg.get();
 * ```
 */
export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptorBase<'aggregating'> {
  readonly kind = 'aggregating' as const;
  constructor(name: string, readonly aggregate: AggregateFunction<IN, ACC, OUT>, options?: StateDescriptorOptions) {
    super(name, options);
  }
}

/** Any state descriptor. */
export type AnyStateDescriptor =
  | ValueStateDescriptor<any>
  | ListStateDescriptor<any>
  | MapStateDescriptor<any, any>
  | ReducingStateDescriptor<any>
  | AggregatingStateDescriptor<any, any, any>;
