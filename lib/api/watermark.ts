/**
 * How a source assigns event time and watermarks, after Flink's `WatermarkStrategy`.
 *
 * The watermark of a source shard is `max(ts seen) - outOfOrderness - 1`, exactly as Flink's
 * `BoundedOutOfOrdernessWatermarks`: a record with timestamp `t` is on time while the
 * watermark is below `t`.
 *
 * @example
 * ```ts
 * const strategy = WatermarkStrategy
 *   .forBoundedOutOfOrderness<Order>(Time.seconds(5))
 *   .withTimestampAssigner((order) => order.ts);
 * ```
 */
export class WatermarkStrategy<T> {
  private constructor(
    readonly outOfOrdernessMs: number,
    readonly timestampAssigner: ((event: T) => number) | undefined,
    readonly idlenessMs: number | undefined,
  ) {}

  /** Watermarks trail the largest timestamp seen by `maxOutOfOrdernessMs`. */
  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    if (!(maxOutOfOrdernessMs >= 0)) throw new Error(`out-of-orderness must be >= 0, got ${maxOutOfOrdernessMs}`);
    return new WatermarkStrategy<T>(maxOutOfOrdernessMs, undefined, undefined);
  }

  /** Timestamps only ever increase: no out-of-orderness allowed. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return WatermarkStrategy.forBoundedOutOfOrderness<T>(0);
  }

  /** Reads the event time (epoch ms) of a record. */
  withTimestampAssigner(assigner: (event: T) => number): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.outOfOrdernessMs, assigner, this.idlenessMs);
  }

  /**
   * Marks the source idle after `idleMs` of processing time without records. A job that sets
   * {@link JobOptions.idleWatermarkAdvance} then lets the sweep advance its watermark by
   * processing time, so event-time timers fire on a stream that went quiet.
   */
  withIdleness(idleMs: number): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.outOfOrdernessMs, this.timestampAssigner, idleMs);
  }
}
