/**
 * Broadcast state (Flink's "broadcast state pattern"): a small stream (rules, a dimension
 * table) is sent to every shard of a stage and kept there as map state, next to a big stream
 * that is not re-keyed for it. Each shard keeps its own copy of the broadcast state, built
 * from the broadcast elements in the order that shard received them.
 */
import type { Collector, KeyedContext, OnTimerContext, RuntimeContext } from './functions.ts';
import type { OutputTag } from './output-tag.ts';
import type { MapStateDescriptor, AnyStateDescriptor } from './state-descriptors.ts';
import type { MapState } from './state.ts';

/** Broadcast state as `processElement` sees it: read only (Flink `ReadOnlyBroadcastState`). */
export interface ReadOnlyBroadcastState<K extends string | number, V> {
  get(key: K): Promise<V | undefined>;
  contains(key: K): Promise<boolean>;
  /** Every entry, ordered by key (reads the whole map). */
  entries(): Promise<[K, V][]>;
  keys(): Promise<K[]>;
  values(): Promise<V[]>;
  isEmpty(): Promise<boolean>;
}

/** Broadcast state as `processBroadcastElement` sees it: read-write (Flink `BroadcastState`). */
export type BroadcastState<K extends string | number, V> = MapState<K, V>;

/** What both contexts of a broadcast function offer. */
interface BroadcastContextBase {
  /** Event time of the element. */
  timestamp(): number;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** Emits to a side output; read it with `getSideOutput(tag)`. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Handed to `processElement` of a {@link BroadcastProcessFunction} (Flink `ReadOnlyContext`). */
export interface ReadOnlyBroadcastContext extends BroadcastContextBase {
  getBroadcastState<K extends string | number, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/** Handed to `processBroadcastElement` (Flink `BroadcastProcessFunction.Context`). */
export interface BroadcastContext extends BroadcastContextBase {
  getBroadcastState<K extends string | number, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/** Handed to `processElement` of a {@link KeyedBroadcastProcessFunction}: keyed context plus read-only broadcast state. */
export interface KeyedReadOnlyBroadcastContext<K> extends KeyedContext<K> {
  getBroadcastState<UK extends string | number, V>(descriptor: MapStateDescriptor<UK, V>): ReadOnlyBroadcastState<UK, V>;
}

/**
 * Handed to `processBroadcastElement` of a {@link KeyedBroadcastProcessFunction}. There is no
 * current key; `applyToKeyedState` visits every key of this shard that holds the state.
 */
export interface KeyedBroadcastContext<K> extends BroadcastContext {
  /**
   * Runs `fn` for every key of this shard that has `descriptor`'s state, with that key current
   * (so the handle from `open` reads and writes its state). It scans the operator's state in
   * the table: meant for rare broadcast updates (a rule change), as in Flink.
   */
  applyToKeyedState(descriptor: AnyStateDescriptor, fn: (key: K) => void | Promise<void>): Promise<void>;
}

/**
 * Processes a stream that is not keyed (input 1) connected with a broadcast stream (input 2)
 * (Flink `BroadcastProcessFunction`). The main stream goes to the next stage without being
 * re-keyed: each upstream shard forwards to one shard, keeping its order.
 *
 * @example
 * ```ts
 * const products = new MapStateDescriptor<string, Product>('products');
 * class Enrich extends BroadcastProcessFunction<Event, ProductChange, Enriched> {
 *   async processElement(e: Event, ctx: ReadOnlyBroadcastContext, out: Collector<Enriched>) {
 *     const p = await ctx.getBroadcastState(products).get(e.productId);
 *     if (p) out.collect({ ...e, name: p.name });
 *   }
 *   async processBroadcastElement(c: ProductChange, ctx: BroadcastContext) {
 *     await ctx.getBroadcastState(products).put(c.productId, c);
 *   }
 * }
 * events.connect(changes.broadcast(products)).process(new Enrich(), { uid: 'enrich' });
 * ```
 */
export abstract class BroadcastProcessFunction<IN1, IN2, OUT> {
  readonly broadcastKind = 'plain' as const;
  open(_ctx: RuntimeContext): void | Promise<void> {}
  abstract processElement(value: IN1, ctx: ReadOnlyBroadcastContext, out: Collector<OUT>): void | Promise<void>;
  abstract processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void | Promise<void>;
}

/**
 * Processes a keyed stream (input 1) connected with a broadcast stream (input 2) (Flink
 * `KeyedBroadcastProcessFunction`): keyed state and timers for the keyed side, read-only
 * broadcast state in `processElement`, read-write in `processBroadcastElement`.
 *
 * @example
 * ```ts
 * const rules = new MapStateDescriptor<string, Rule>('rules');
 * class Alert extends KeyedBroadcastProcessFunction<string, Txn, Rule, Alarm> {
 *   async processElement(t: Txn, ctx: KeyedReadOnlyBroadcastContext<string>, out: Collector<Alarm>) {
 *     for (const [, rule] of await ctx.getBroadcastState(rules).entries()) if (t.amount > rule.limit) out.collect({ userId: ctx.getCurrentKey(), rule: rule.id });
 *   }
 *   async processBroadcastElement(r: Rule, ctx: KeyedBroadcastContext<string>) {
 *     await ctx.getBroadcastState(rules).put(r.id, r);
 *   }
 * }
 * txns.keyBy((t) => t.userId).connect(ruleStream.broadcast(rules)).process(new Alert(), { uid: 'alert' });
 * ```
 */
export abstract class KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> {
  readonly broadcastKind = 'keyed' as const;
  open(_ctx: RuntimeContext): void | Promise<void> {}
  abstract processElement(value: IN1, ctx: KeyedReadOnlyBroadcastContext<K>, out: Collector<OUT>): void | Promise<void>;
  abstract processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): void | Promise<void>;
  /** Called when a timer of the current key fires. */
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<OUT>): void | Promise<void> {}
}

export type AnyBroadcastFunction = BroadcastProcessFunction<any, any, any> | KeyedBroadcastProcessFunction<any, any, any, any>;

export function isBroadcastFunction(fn: object): fn is AnyBroadcastFunction {
  return fn instanceof BroadcastProcessFunction || fn instanceof KeyedBroadcastProcessFunction;
}
