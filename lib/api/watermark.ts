import { boundedWatermark } from '../time/watermarks.ts';
import { MIN_WATERMARK } from './time.ts';

/**
 * The record timestamp a timestamp assigner gets when the record has none (Flink
 * `TimestampAssigner.NO_TIMESTAMP`): in `eddy replay`, `eddy/testing` and `eddy cost`, whose
 * records come from files or arrays, not from a stream that stamped their arrival.
 */
export const NO_TIMESTAMP = Number.MIN_SAFE_INTEGER;

/**
 * Reads the event time (epoch ms) of a record (Flink `TimestampAssigner`). `recordTimestamp`
 * is the Kinesis record's approximate arrival time (epoch ms) deployed and in `eddy run`, and
 * {@link NO_TIMESTAMP} where records have no arrival time (replay, tests).
 */
export type TimestampAssigner<T> = (event: T, recordTimestamp: number) => number;

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
    readonly timestampAssigner: TimestampAssigner<T> | undefined,
    readonly idlenessMs: number | undefined,
    /** False for {@link WatermarkStrategy.noWatermarks}: event time advances only at the end of input. */
    readonly emitsWatermarks = true,
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

  /**
   * No watermarks (Flink `noWatermarks`): records keep their event time, but the source's
   * watermark stays at the beginning of time until its end of input — event-time windows and
   * timers fire only then (in replay, or `eddy run --drain`); processing-time ones as always.
   *
   * @example
   * ```ts
   * job.fromSource(KinesisSource.json<Order>('orders'), WatermarkStrategy.noWatermarks<Order>().withTimestampAssigner((o) => o.ts));
   * ```
   */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(0, undefined, undefined, false);
  }

  /**
   * Reads the event time (epoch ms) of a record; the second argument is the record's arrival
   * time, or {@link NO_TIMESTAMP} in replay (see {@link TimestampAssigner}).
   *
   * @example
   * ```ts
   * WatermarkStrategy.forBoundedOutOfOrderness<Order>(Time.seconds(5)).withTimestampAssigner((o) => o.ts);
   * WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner((_c, arrival) => arrival); // ingestion time
   * ```
   */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.outOfOrdernessMs, assigner, this.idlenessMs, this.emitsWatermarks);
  }

  /** The watermark of a source shard whose largest event time so far is `maxTimestamp` (before its end of input). @example `strategy.watermarkAfter(10_000) // 4_999 with 5 s of out-of-orderness` */
  watermarkAfter(maxTimestamp: number): number {
    return this.emitsWatermarks ? boundedWatermark(maxTimestamp, this.outOfOrdernessMs) : MIN_WATERMARK;
  }

  /**
   * Marks the source idle after `idleMs` of processing time without records. A job that sets
   * {@link JobOptions.idleWatermarkAdvance} then lets the sweep advance its watermark by
   * processing time, so event-time timers fire on a stream that went quiet.
   */
  withIdleness(idleMs: number): WatermarkStrategy<T> {
    if (!this.emitsWatermarks) throw new Error('withIdleness: a strategy without watermarks has none to advance');
    return new WatermarkStrategy<T>(this.outOfOrdernessMs, this.timestampAssigner, idleMs, this.emitsWatermarks);
  }
}
