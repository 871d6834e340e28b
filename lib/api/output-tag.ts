/**
 * Names a side output of a process function, as Flink's `OutputTag`.
 *
 * @example
 * ```ts
 * const late = new OutputTag<Payment>('late-payments');
 * // in processElement: ctx.output(late, payment)
 * const lateStream = processed.getSideOutput(late);
 * ```
 */
export class OutputTag<T> {
  /** Phantom field so that tags of different element types do not mix. */
  declare readonly __type?: T;
  constructor(readonly id: string) {
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new Error(`OutputTag id must match [A-Za-z0-9_.-]+, got "${id}"`);
  }
}
