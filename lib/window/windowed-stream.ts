/**
 * `keyed.window(assigner)` (Flink `WindowedStream`): configure trigger, evictor, lateness and
 * late-data output, then end with `reduce`, `aggregate` or `process`. Each ends in a keyed
 * process operator of the next stage: the sliced operator when it applies (event-time
 * tumbling/sliding windows, incremental function, default trigger, no evictor), else the
 * general window operator.
 */
import type { OutputTag } from '../api/output-tag.ts';
import type { AggregateFunction, ReduceFunction } from '../api/state-descriptors.ts';
import type { KeyedStream, ProcessedStream } from '../api/stream.ts';
import type { WindowAssigner } from './assigners.ts';
import type { Evictor } from './evictors.ts';
import { aggregateContents, elementContents, reduceContents, type ProcessWindowFunction, type WindowContents } from './functions.ts';
import { WindowOperator, type WindowSpec } from './operator.ts';
import { SlicedWindowOperator } from './sliced-operator.ts';
import type { Trigger } from './triggers.ts';
import type { StateTtlConfig } from '../api/state-ttl.ts';
import type { StageOptions } from '../api/stage-options.ts';
import { byAggregate, fieldAggregate, type NumericField } from '../api/rolling.ts';

/** Options of a window's `reduce`, `aggregate` and `process`; `batchingWindowSeconds` applies to the window's stage. */
export interface WindowOperatorOptions extends StageOptions {
  /** Names the operator's state (default `window-<n>`); keep it stable across job versions. */
  uid?: string;
  /** Set false to keep one accumulator per window instead of per slice (for comparison). */
  slicing?: boolean;
  /**
   * TTL of the key's window state (an eddy extension; Flink has none for windows). Time windows
   * are cleaned by their cleanup timers anyway; this is for `GlobalWindows` / `countWindow`,
   * whose state otherwise stays as long as the key: a key quiet for longer starts afresh.
   */
  stateTtl?: StateTtlConfig;
}

/**
 * @example
 * ```ts
 * purchases.keyBy((p) => p.spuId)
 *   .window(SlidingEventTimeWindows.of(Time.hours(1), Time.seconds(5)))
 *   .allowedLateness(Time.seconds(10))
 *   .sideOutputLateData(lateTag)
 *   .aggregate(countEvents, new WithWindowEnd());
 * ```
 */
export class WindowedStream<K, T> {
  private triggerFn: Trigger<T> | undefined;
  private evictorFn: Evictor<T> | undefined;
  private lateness = 0;
  private lateTag: OutputTag<T> | undefined;

  constructor(private readonly keyed: KeyedStream<K, T>, private readonly assigner: WindowAssigner<T>) {}

  /** Replaces the assigner's default trigger. */
  trigger(trigger: Trigger<T>): this {
    this.triggerFn = trigger;
    return this;
  }

  /** Removes elements before/after the function runs; the window then keeps its elements. */
  evictor(evictor: Evictor<T>): this {
    this.evictorFn = evictor;
    return this;
  }

  /** Keeps event-time windows this long after their end; late elements re-fire them. */
  allowedLateness(ms: number): this {
    if (!(Number.isInteger(ms) && ms >= 0)) throw new Error(`allowedLateness must be a non-negative integer of ms, got ${ms}`);
    this.lateness = ms;
    return this;
  }

  /** Elements too late for every window go to this side output instead of being dropped. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.lateTag = tag;
    return this;
  }

  /** Combines the window's elements pairwise; with `fn`, it gets the one result and the window. */
  reduce<OUT = T>(reduce: ReduceFunction<T>, fn?: ProcessWindowFunction<T, OUT, K>, options?: WindowOperatorOptions): ProcessedStream<OUT> {
    return this.build(this.evictorFn ? elementContents((els: T[]) => (els.length ? [els.reduce(reduce)] : [])) : reduceContents(reduce), fn, options);
  }

  /**
   * The window's sum of a numeric field (Flink `WindowedStream.sum`): one record per window,
   * the first record's other fields.
   *
   * @example
   * ```ts
   * sales.keyBy((s) => s.shop).window(TumblingEventTimeWindows.of(Time.minutes(1))).sum('amount', { uid: 'per-minute' });
   * ```
   */
  sum(field: NumericField<T>, options?: WindowOperatorOptions): ProcessedStream<T> {
    return this.reduce(fieldAggregate<T>('sum', field), undefined, options);
  }

  /** The window's minimum of a numeric field (Flink `min`; the first record's other fields). @example `keyed.window(w).min('celsius')` */
  min(field: NumericField<T>, options?: WindowOperatorOptions): ProcessedStream<T> {
    return this.reduce(fieldAggregate<T>('min', field), undefined, options);
  }

  /** The window's maximum of a numeric field (Flink `max`; the first record's other fields). @example `keyed.window(w).max('celsius')` */
  max(field: NumericField<T>, options?: WindowOperatorOptions): ProcessedStream<T> {
    return this.reduce(fieldAggregate<T>('max', field), undefined, options);
  }

  /** The window's record with the smallest value of a field (Flink `minBy`; the first of equal ones). @example `keyed.window(w).minBy('price')` */
  minBy(field: NumericField<T>, options?: WindowOperatorOptions): ProcessedStream<T> {
    return this.reduce(byAggregate<T>('min', field), undefined, options);
  }

  /** The window's record with the largest value of a field (Flink `maxBy`; the first of equal ones). @example `keyed.window(w).maxBy('price')` */
  maxBy(field: NumericField<T>, options?: WindowOperatorOptions): ProcessedStream<T> {
    return this.reduce(byAggregate<T>('max', field), undefined, options);
  }

  /** Aggregates incrementally; with `fn`, it gets the one result and the window. */
  aggregate<ACC, R, OUT = R>(agg: AggregateFunction<T, ACC, R>, fn?: ProcessWindowFunction<R, OUT, K>, options?: WindowOperatorOptions): ProcessedStream<OUT> {
    const contents = this.evictorFn
      ? elementContents((els: T[]) => (els.length ? [agg.getResult(els.reduce((acc, v) => agg.add(v, acc), agg.createAccumulator()))] : []))
      : aggregateContents(agg);
    return this.build(contents, fn, options);
  }

  /** Gets every element of the window when it fires (the window keeps its elements). */
  process<OUT>(fn: ProcessWindowFunction<T, OUT, K>, options?: WindowOperatorOptions): ProcessedStream<OUT> {
    return this.build(elementContents((els: T[]) => els), fn, options);
  }

  private build<OUT>(contents: WindowContents<any, any, any>, fn: ProcessWindowFunction<any, OUT, K> | undefined, options: WindowOperatorOptions = {}): ProcessedStream<OUT> {
    const spec: WindowSpec<T, OUT> = {
      assigner: this.assigner,
      trigger: this.triggerFn ?? this.assigner.defaultTrigger(),
      evictor: this.evictorFn,
      allowedLateness: this.lateness,
      lateTag: this.lateTag,
      contents,
      fn,
      stateTtl: options.stateTtl,
    };
    const sliceable = options.slicing !== false && canSlice(spec);
    const operator = sliceable ? new SlicedWindowOperator<K, T, OUT>(spec) : new WindowOperator<K, T, OUT>(spec);
    return this.keyed.process(operator, { uid: options.uid ?? `window-${this.keyed.nodeId}`, batchingWindowSeconds: options.batchingWindowSeconds });
  }
}

function canSlice(spec: WindowSpec<any, any>): boolean {
  const s = spec.assigner.sliding;
  return !!s && s.slide <= s.size && spec.assigner.isEventTime() && !spec.contents.keepsElements && !spec.evictor && !!spec.trigger.isDefaultEventTime;
}
