/**
 * `keyedA.intervalJoin(keyedB).between(lower, upper)...process(fn)` (Flink `KeyedStream.IntervalJoin`
 * and `IntervalJoined`): joins each left record with every right record of the same key whose
 * timestamp lies in `[left.ts + lower, left.ts + upper]`. It is a `connect` of the two keyed
 * streams into one keyed stage running an {@link IntervalJoinOperator}.
 */
import type { OutputTag } from '../api/output-tag.ts';
import type { StageOptions } from '../api/stage-options.ts';
import type { StateTtlConfig } from '../api/state-ttl.ts';
import type { ConnectedKeyedStreams, ProcessedStream } from '../api/stream.ts';
import { IntervalJoinOperator } from './interval-join-operator.ts';
import type { ProcessJoinFunction } from './process-join-function.ts';

/**
 * The two keyed streams of an interval join, before its bounds are set.
 *
 * @example
 * ```ts
 * orders.keyBy((o) => o.orderId).intervalJoin(details.keyBy((d) => d.orderId)).between(Time.seconds(-5), Time.minutes(10));
 * ```
 */
export class IntervalJoin<K, L, R> {
  constructor(private readonly connected: ConnectedKeyedStreams<K, L, R>) {}

  /** Right records with `left.ts + lowerMs <= right.ts <= left.ts + upperMs` join (bounds may be negative). */
  between(lowerMs: number, upperMs: number): IntervalJoined<K, L, R> {
    if (!(Number.isSafeInteger(lowerMs) && Number.isSafeInteger(upperMs))) throw new Error(`interval join bounds must be integers of ms, got ${lowerMs}, ${upperMs}`);
    if (lowerMs > upperMs) throw new Error(`interval join: lower bound ${lowerMs} is above upper bound ${upperMs}`);
    return new IntervalJoined<K, L, R>(this.connected, lowerMs, upperMs);
  }
}

/** Options of an interval join's `process`; `batchingWindowSeconds` applies to the join's stage. */
export interface IntervalJoinOptions extends StageOptions {
  /** Names the join's stage and state (default `co-process-<n>`); keep it stable across job versions. */
  uid?: string;
  /**
   * A {@link StateTtlConfig} for both buffers (processing time). The cleanup timers remove every
   * record in event time; the TTL is a backstop for records whose timer never fires because the
   * watermark stopped. Make it much longer than the interval plus the sources' skew.
   */
  ttl?: StateTtlConfig;
}

/**
 * An interval join with its bounds (Flink `IntervalJoined`): choose exclusive bounds and late
 * data outputs, then `process`.
 *
 * @example
 * ```ts
 * const lateDetails = new OutputTag<Detail>('late-details');
 * const lines = orders.keyBy((o) => o.orderId)
 *   .intervalJoin(details.keyBy((d) => d.orderId))
 *   .between(-5000, 600_000)
 *   .upperBoundExclusive()
 *   .sideOutputRightLateData(lateDetails)
 *   .process(new OrderLine(), { uid: 'order-lines' });
 * lines.getSideOutput(lateDetails).sinkTo(KinesisSink.json('late-details', { partitionKey: (d) => d.orderId }));
 * ```
 */
export class IntervalJoined<K, L, R> {
  private lowerInclusive = true;
  private upperInclusive = true;
  private leftLateTag: OutputTag<L> | undefined;
  private rightLateTag: OutputTag<R> | undefined;

  constructor(private readonly connected: ConnectedKeyedStreams<K, L, R>, private readonly lower: number, private readonly upper: number) {}

  /** `left.ts + lower < right.ts` instead of `<=`. */
  lowerBoundExclusive(): this {
    this.lowerInclusive = false;
    return this;
  }

  /** `right.ts < left.ts + upper` instead of `<=`. */
  upperBoundExclusive(): this {
    this.upperInclusive = false;
    return this;
  }

  /** Left records behind the watermark (never joined) go to this side output instead of being dropped. */
  sideOutputLeftLateData(tag: OutputTag<L>): this {
    this.leftLateTag = tag;
    return this;
  }

  /** Right records behind the watermark (never joined) go to this side output instead of being dropped. */
  sideOutputRightLateData(tag: OutputTag<R>): this {
    this.rightLateTag = tag;
    return this;
  }

  /** Runs `fn` on every joined pair; its outputs carry the later of the pair's two timestamps. */
  process<O>(fn: ProcessJoinFunction<L, R, O>, options: IntervalJoinOptions = {}): ProcessedStream<O> {
    const operator = new IntervalJoinOperator<K, L, R, O>(
      {
        // Moved inwards by 1 ms when exclusive (timestamps are whole ms), as Flink's operator does.
        lower: this.lowerInclusive ? this.lower : this.lower + 1,
        upper: this.upperInclusive ? this.upper : this.upper - 1,
        leftLateTag: this.leftLateTag,
        rightLateTag: this.rightLateTag,
        ttl: options.ttl,
      },
      fn,
    );
    return this.connected.process(operator, { uid: options.uid, batchingWindowSeconds: options.batchingWindowSeconds });
  }
}
