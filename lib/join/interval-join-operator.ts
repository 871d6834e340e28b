/**
 * The interval join operator (Flink `IntervalJoinOperator`), written as a
 * {@link KeyedCoProcessFunction} so that it is the keyed operator of the stage that `connect`
 * builds: both inputs keyed by the join key, so a key's two buffers and its cleanup timers are
 * local to one shard.
 *
 * Per record: drop it (or side-output it) when its timestamp is below the watermark; else add
 * it to its side's buffer (MapState: timestamp → records), join it with every buffered record
 * of the other side whose timestamp is in range, and register the timer at which the watermark
 * has passed the last instant it can still match. The timer removes it from the buffer.
 */
import { KeyedCoProcessFunction, type Collector, type KeyedContext, type OnTimerContext, type RuntimeContext } from '../api/functions.ts';
import type { OutputTag } from '../api/output-tag.ts';
import { MapStateDescriptor } from '../api/state-descriptors.ts';
import type { StateTtlConfig } from '../api/state-ttl.ts';
import type { MapState } from '../api/state.ts';
import { operatorInternals } from '../runtime/keyed-operator.ts';
import type { ProcessJoinContext, ProcessJoinFunction } from './process-join-function.ts';

/** Timer namespaces of the two buffers' cleanup timers. */
const LEFT = 'L';
const RIGHT = 'R';

export interface IntervalJoinSpec<L, R> {
  /** Inclusive bounds: exclusive ones are already moved inwards by 1 ms, as Flink does, so no check needs to know. */
  lower: number;
  upper: number;
  leftLateTag?: OutputTag<L>;
  rightLateTag?: OutputTag<R>;
  /** TTL of both buffers: a backstop only; the cleanup timers remove every record in event time. */
  ttl?: StateTtlConfig;
}

/**
 * @example
 * ```ts
 * // What `intervalJoin(...).between(-5000, 600000).process(fn)` builds:
 * connected.process(new IntervalJoinOperator({ lower: -5000, upper: 600000 }, fn), { uid: 'order-lines' });
 * ```
 */
export class IntervalJoinOperator<K, L, R, O> extends KeyedCoProcessFunction<K, L, R, O> {
  private left!: MapState<number, L[]>;
  private right!: MapState<number, R[]>;
  private fn!: ProcessJoinFunction<L, R, O>;

  constructor(private readonly spec: IntervalJoinSpec<L, R>, private readonly userFn: ProcessJoinFunction<L, R, O>) {
    super();
    if (!(Number.isSafeInteger(spec.lower) && Number.isSafeInteger(spec.upper))) throw new Error(`interval join bounds must be integers of ms, got ${spec.lower}, ${spec.upper}`);
  }

  override async open(ctx: RuntimeContext): Promise<void> {
    this.left = ctx.getMapState(new MapStateDescriptor<number, L[]>('join-left', { ttl: this.spec.ttl }));
    this.right = ctx.getMapState(new MapStateDescriptor<number, R[]>('join-right', { ttl: this.spec.ttl }));
    // The runtime copies this operator per shard; the user's function needs its own copy too,
    // or the state handles its open() keeps would be shared by every shard of the process.
    this.fn = Object.assign(Object.create(Object.getPrototypeOf(this.userFn)), this.userFn);
    await this.fn.open(ctx);
  }

  processElement1(value: L, ctx: KeyedContext<K>, out: Collector<O>): Promise<void> {
    return this.processElement(value, ctx, out, true);
  }

  processElement2(value: R, ctx: KeyedContext<K>, out: Collector<O>): Promise<void> {
    return this.processElement(value, ctx, out, false);
  }

  /**
   * Each side's cleanup timers live in a namespace of their own, so a timer removes exactly the
   * bucket that registered it: the left record whose cleanup time it is sits at `time - upper`
   * (at `time` when upper <= 0), the right one at `time + lower` (at `time` when lower > 0).
   * One timer per (key, side, instant) means one removal per bucket, never a delete of nothing.
   */
  override async onTimer(time: number, ctx: OnTimerContext<K>, _out: Collector<O>): Promise<void> {
    const { lower, upper } = this.spec;
    const side = operatorInternals(ctx).timerNamespace();
    if (side === LEFT) await this.left.remove(upper <= 0 ? time : time - upper);
    else if (side === RIGHT) await this.right.remove(lower <= 0 ? time + lower : time);
  }

  private async processElement(value: L | R, ctx: KeyedContext<K>, out: Collector<O>, isLeft: boolean): Promise<void> {
    const ts = ctx.timestamp();
    // The cleanup timer must find the record again from its own instant: whole ms only.
    if (!Number.isSafeInteger(ts)) throw new Error(`interval join: records need integer timestamps (ms), got ${ts}`);
    const timers = ctx.timerService();
    if (ts < timers.currentWatermark()) {
      // Late (Flink: strictly below the watermark): it could only match records already cleaned up.
      const tag = isLeft ? this.spec.leftLateTag : this.spec.rightLateTag;
      if (tag) ctx.output(tag as OutputTag<L | R>, value);
      return;
    }
    const { lower, upper } = this.spec;
    // For a right record the same test reads the other way round: left.ts in [ts - upper, ts - lower].
    const relLower = isLeft ? lower : -upper;
    const relUpper = isLeft ? upper : -lower;
    const ours = (isLeft ? this.left : this.right) as MapState<number, unknown[]>;
    const other = (isLeft ? this.right : this.left) as MapState<number, unknown[]>;

    // Neither read is in the batch's preload (map entries are read on demand): on DynamoDB a
    // GetItem and a Query, issued together so that a record waits for one round trip, not two.
    const [bucket, others] = await Promise.all([ours.get(ts), other.entries()]);
    await ours.put(ts, bucket ? [...bucket, value] : [value]);

    for (const [otherTs, values] of others) {
      if (otherTs < ts + relLower || otherTs > ts + relUpper) continue;
      for (const v of values) {
        if (isLeft) await this.emit(value as L, v as R, ts, otherTs, ctx, out);
        else await this.emit(v as L, value as R, otherTs, ts, ctx, out);
      }
    }
    // The last watermark at which a record of the other side can still match this one.
    operatorInternals(ctx).registerEventTimeTimer(relUpper > 0 ? ts + relUpper : ts, isLeft ? LEFT : RIGHT);
  }

  private async emit(left: L, right: R, leftTs: number, rightTs: number, ctx: KeyedContext<K>, out: Collector<O>): Promise<void> {
    const internals = operatorInternals(ctx);
    const timestamp = Math.max(leftTs, rightTs);
    internals.setOutputTimestamp(timestamp); // a pair happens when its later record does, as in Flink
    const context: ProcessJoinContext = {
      getLeftTimestamp: () => leftTs,
      getRightTimestamp: () => rightTs,
      getTimestamp: () => timestamp,
      output: (tag, v) => ctx.output(tag, v),
    };
    try {
      await this.fn.processElement(left, right, context, out);
    } finally {
      internals.setOutputTimestamp(undefined);
    }
  }
}
