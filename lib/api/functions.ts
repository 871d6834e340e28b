import type { OutputTag } from './output-tag.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state-descriptors.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state.ts';

/** Receives the records a function emits (Flink `Collector`). */
export interface Collector<T> {
  collect(value: T): void;
}

/** Event time or processing time, as Flink's `TimeDomain`. */
export enum TimeDomain {
  EVENT_TIME = 'EVENT_TIME',
  PROCESSING_TIME = 'PROCESSING_TIME',
}

/**
 * Timers of the current key (Flink `TimerService`). At most one timer exists per
 * (key, timestamp, domain); registering it twice is a no-op, a deleted timer never fires.
 */
export interface TimerService {
  /** Processing time of the batch being processed (simulated in replay). */
  currentProcessingTime(): number;
  /** The operator's current event-time watermark. */
  currentWatermark(): number;
  registerEventTimeTimer(timestamp: number): void;
  registerProcessingTimeTimer(timestamp: number): void;
  deleteEventTimeTimer(timestamp: number): void;
  deleteProcessingTimeTimer(timestamp: number): void;
}

/** Handed to `processElement` (Flink `KeyedProcessFunction.Context`). */
export interface KeyedContext<K> {
  /** Event time of the record (or of the firing timer). */
  timestamp(): number;
  getCurrentKey(): K;
  timerService(): TimerService;
  /** Emits to a side output; read it with `getSideOutput(tag)`. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Handed to `onTimer` (Flink `KeyedProcessFunction.OnTimerContext`). */
export interface OnTimerContext<K> extends KeyedContext<K> {
  timeDomain(): TimeDomain;
}

/**
 * Gives a function its keyed state handles, once, in `open` (Flink `RuntimeContext`).
 * Handles read and write the state of whichever key is being processed.
 */
export interface RuntimeContext {
  readonly jobName: string;
  readonly stageId: string;
  readonly operatorUid: string;
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK extends string | number, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/**
 * Processes the records of a keyed stream one at a time, with keyed state and timers
 * (Flink `KeyedProcessFunction`). Like Flink, eddy gives every parallel instance its own
 * copy of the function (a shallow clone), so fields set in `open` are per instance.
 *
 * @example
 * ```ts
 * class CountPerUser extends KeyedProcessFunction<string, Purchase, { userId: string; n: number }> {
 *   private count!: ValueState<number>;
 *   override open(ctx: RuntimeContext) {
 *     this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
 *   }
 *   async processElement(p: Purchase, ctx: KeyedContext<string>, out: Collector<{ userId: string; n: number }>) {
 *     const n = ((await this.count.value()) ?? 0) + 1;
 *     await this.count.update(n);
 *     out.collect({ userId: ctx.getCurrentKey(), n });
 *   }
 * }
 * ```
 */
export abstract class KeyedProcessFunction<K, I, O> {
  /** Called once per instance before any record; obtain state handles here. */
  open(_ctx: RuntimeContext): void | Promise<void> {}

  abstract processElement(value: I, ctx: KeyedContext<K>, out: Collector<O>): void | Promise<void>;

  /** Called when a timer of the current key fires. */
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<O>): void | Promise<void> {}
}

/**
 * Processes two keyed streams connected into one stage (Flink `KeyedCoProcessFunction`): both
 * inputs' records of a key go to the same shard, in order per input, and share the key's state
 * and timers — for joins and enrichment.
 *
 * @example
 * ```ts
 * class JoinLines extends KeyedCoProcessFunction<string, Order, Detail, Line> {
 *   processElement1(o: Order, ctx: KeyedContext<string>, out: Collector<Line>) { ... }  // orders
 *   processElement2(d: Detail, ctx: KeyedContext<string>, out: Collector<Line>) { ... } // details
 * }
 * orders.connect(details).keyBy((o) => o.orderId, (d) => d.orderId).process(new JoinLines(), { uid: 'join' });
 * ```
 */
export abstract class KeyedCoProcessFunction<K, I1, I2, O> {
  /** Called once per instance before any record; obtain state handles here. */
  open(_ctx: RuntimeContext): void | Promise<void> {}
  abstract processElement1(value: I1, ctx: KeyedContext<K>, out: Collector<O>): void | Promise<void>;
  abstract processElement2(value: I2, ctx: KeyedContext<K>, out: Collector<O>): void | Promise<void>;
  /** Called when a timer of the current key fires. */
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<O>): void | Promise<void> {}
}

/** Handed to a {@link ProcessFunction}'s `processElement` (Flink `ProcessFunction.Context`, without timers: those need a key). */
export interface ProcessContext {
  /** Event time of the record. */
  timestamp(): number;
  /** Emits to a side output; read it with `getSideOutput(tag)`. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Processes the records of a stream that is not keyed, one at a time, with side outputs
 * (Flink `ProcessFunction`). No state and no timers (those need a key: use `keyBy` and a
 * {@link KeyedProcessFunction}); it runs chained in the stage before it, so the stream is not
 * shuffled. `processElement` is synchronous.
 *
 * @example
 * ```ts
 * const refunds = new OutputTag<Order>('refunds');
 * class SplitRefunds extends ProcessFunction<Order, Order> {
 *   processElement(o: Order, ctx: ProcessContext, out: Collector<Order>) {
 *     if (o.amount < 0) ctx.output(refunds, o);
 *     else out.collect(o);
 *   }
 * }
 * const sales = orders.process(new SplitRefunds());
 * sales.getSideOutput(refunds).sinkTo(KinesisSink.json('refunds', { partitionKey: (o) => o.orderId }));
 * ```
 */
export abstract class ProcessFunction<I, O> {
  abstract processElement(value: I, ctx: ProcessContext, out: Collector<O>): void;
}

/**
 * Processes two connected streams that are not keyed (Flink `CoProcessFunction`), one record
 * at a time, with side outputs. No state and no timers (those need a key: `keyBy` both sides
 * and use a {@link KeyedCoProcessFunction}). It runs chained in each input's own stage, so
 * neither stream is shuffled; `processElement1` sees the first input, `processElement2` the
 * second, and nothing orders the two inputs against each other (as in Flink).
 *
 * @example
 * ```ts
 * class Normalize extends CoProcessFunction<WebOrder, AppOrder, Order> {
 *   processElement1(o: WebOrder, _ctx: ProcessContext, out: Collector<Order>) { out.collect({ id: o.id, ts: o.ts }); }
 *   processElement2(o: AppOrder, _ctx: ProcessContext, out: Collector<Order>) { out.collect({ id: o.orderId, ts: o.time }); }
 * }
 * web.connect(app).process(new Normalize()).keyBy((o) => o.id).process(new Dedupe());
 * ```
 */
export abstract class CoProcessFunction<I1, I2, O> {
  abstract processElement1(value: I1, ctx: ProcessContext, out: Collector<O>): void;
  abstract processElement2(value: I2, ctx: ProcessContext, out: Collector<O>): void;
}
