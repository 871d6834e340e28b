/**
 * What a window runs when it fires (Flink `ProcessWindowFunction`), and how a window's
 * contents are kept: an accumulator (reduce / aggregate: one value per window, O(1) state) or
 * the elements themselves (process functions and evictors).
 */
import type { Collector, KeyedContext } from '../api/functions.ts';
import { MAX_WATERMARK } from '../api/time.ts';
import { operatorInternals } from '../runtime/keyed-operator.ts';
import type { OutputTag } from '../api/output-tag.ts';
import type { AggregateFunction, ReduceFunction } from '../api/state-descriptors.ts';
import { maxTimestamp, type TimeWindow } from './windows.ts';

export interface WindowContext {
  readonly window: TimeWindow;
  currentWatermark(): number;
  currentProcessingTime(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Gets all elements of a fired window (or the one aggregated result, when used with
 * `reduce`/`aggregate`) together with the window.
 *
 * @example
 * ```ts
 * class WithWindow extends ProcessWindowFunction<number, { spuId: string; windowEnd: number; count: number }, string> {
 *   process(spuId: string, ctx: WindowContext, counts: number[], out: Collector<{ spuId: string; windowEnd: number; count: number }>) {
 *     out.collect({ spuId, windowEnd: ctx.window.end, count: counts[0] });
 *   }
 * }
 * ```
 */
export abstract class ProcessWindowFunction<IN, OUT, K> {
  abstract process(key: K, context: WindowContext, elements: IN[], out: Collector<OUT>): void | Promise<void>;
}

/** How a window's contents are kept and turned into the function's input when it fires. */
export interface WindowContents<IN, ACC, R> {
  /** Keeps elements (with their timestamps) instead of an accumulator. */
  readonly keepsElements: boolean;
  add(acc: ACC | undefined, value: IN): ACC;
  merge(a: ACC, b: ACC): ACC;
  /** The function's input for a fired window. */
  results(acc: ACC): R[];
}

export function reduceContents<T>(reduce: ReduceFunction<T>): WindowContents<T, T, T> {
  return { keepsElements: false, add: (acc, v) => (acc === undefined ? v : reduce(acc, v)), merge: reduce, results: (acc) => [acc] };
}

export function aggregateContents<IN, ACC, OUT>(agg: AggregateFunction<IN, ACC, OUT>): WindowContents<IN, ACC, OUT> {
  return {
    keepsElements: false,
    add: (acc, v) => agg.add(v, acc === undefined ? agg.createAccumulator() : acc),
    merge: (a, b) => agg.merge(a, b),
    results: (acc) => [agg.getResult(acc)],
  };
}

/** Elements kept as they are; `finish` turns the (evicted) list into the function's input. */
export function elementContents<IN, R>(finish: (elements: IN[]) => R[]): WindowContents<IN, IN[], R> {
  // `add` appends in place: the list is the window's state value, which the state backend owns (a batch that must undo a record reads it from its JSON again).
  return { keepsElements: true, add: (acc, v) => (acc ? (acc.push(v), acc) : [v]), merge: (a, b) => [...a, ...b], results: finish };
}

/**
 * Emits a fired window's result: through the window function when there is one, else the
 * inputs as they are; every output is stamped with the window's last instant (Flink's window
 * result timestamp), except for windows that never end (global ones keep the record's time).
 *
 * @example
 * ```ts
 * await emitWindowResult(window, [count], spec.fn, ctx, out);
 * ```
 */
export async function emitWindowResult<OUT>(window: TimeWindow, inputs: unknown[], fn: ProcessWindowFunction<any, OUT, any> | undefined, ctx: KeyedContext<any>, out: Collector<OUT>): Promise<void> {
  const internals = operatorInternals(ctx);
  internals.setOutputTimestamp(window.end >= MAX_WATERMARK ? undefined : maxTimestamp(window));
  try {
    if (!fn) for (const r of inputs) out.collect(r as OUT);
    else await fn.process(ctx.getCurrentKey(), new FiredWindowContext(window, ctx), inputs, out);
  } finally {
    internals.setOutputTimestamp(undefined);
  }
}

/** The context of one firing (a class: no closures made per firing). */
class FiredWindowContext implements WindowContext {
  constructor(readonly window: TimeWindow, private readonly ctx: KeyedContext<any>) {}
  currentWatermark(): number {
    return this.ctx.timerService().currentWatermark();
  }
  currentProcessingTime(): number {
    return this.ctx.timerService().currentProcessingTime();
  }
  output<X>(tag: OutputTag<X>, value: X): void {
    this.ctx.output(tag, value);
  }
}
