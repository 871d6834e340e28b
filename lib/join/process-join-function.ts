/** The user function of an interval join (Flink `ProcessJoinFunction`) and its context. */
import type { Collector, RuntimeContext } from '../api/functions.ts';
import type { OutputTag } from '../api/output-tag.ts';

/** Handed to {@link ProcessJoinFunction.processElement} with each joined pair (Flink `ProcessJoinFunction.Context`). */
export interface ProcessJoinContext {
  /** Event time of the left record. */
  getLeftTimestamp(): number;
  /** Event time of the right record. */
  getRightTimestamp(): number;
  /** The larger of the two: the event time of what `out.collect` emits, as in Flink. */
  getTimestamp(): number;
  /** Emits to a side output; read it with `getSideOutput(tag)` on the joined stream. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Called once for every pair of an interval join (Flink `ProcessJoinFunction`). Like every eddy
 * function, each parallel instance gets its own copy; `open` may take keyed state of the join
 * key (its names must not be `join-left` / `join-right`, the operator's buffers).
 *
 * @example
 * ```ts
 * class OrderLine extends ProcessJoinFunction<Order, Detail, Line> {
 *   processElement(o: Order, d: Detail, ctx: ProcessJoinContext, out: Collector<Line>) {
 *     out.collect({ orderId: o.orderId, detailId: d.detailId, orderTs: ctx.getLeftTimestamp(), detailTs: ctx.getRightTimestamp() });
 *   }
 * }
 * ```
 */
export abstract class ProcessJoinFunction<L, R, O> {
  /** Called once per instance before any pair. */
  open(_ctx: RuntimeContext): void | Promise<void> {}
  abstract processElement(left: L, right: R, ctx: ProcessJoinContext, out: Collector<O>): void | Promise<void>;
}
