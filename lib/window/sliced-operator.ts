/**
 * Slicing (issue 4 §3): a sliding or tumbling event-time window with an incremental function
 * (reduce / aggregate) keeps one accumulator per *slice* — the gcd of size and slide — not per
 * window, and merges the slices of a window when it fires. An element updates one
 * accumulator whatever size/slide is (720 for one hour sliding by 5 s), where per-window
 * assignment updates size/slide of them.
 *
 * State per key: the non-empty slices and the last window fired. Timers: an element asks for
 * the earliest window holding it that the watermark has not passed; a firing window asks for
 * the next one while it still holds slices. Slices leave once every window holding them is
 * past its cleanup time (end + allowed lateness).
 */
import { KeyedProcessFunction, type Collector, type KeyedContext, type OnTimerContext, type RuntimeContext } from '../api/functions.ts';
import { ValueStateDescriptor } from '../api/state-descriptors.ts';
import type { ValueState } from '../api/state.ts';
import { emitWindowResult } from './functions.ts';
import type { WindowSpec } from './operator.ts';
import { TwoStacks } from './two-stacks.ts';
import { windowStart, type TimeWindow } from './windows.ts';

interface SliceState {
  /** Accumulators by slice start. */
  s: Record<string, unknown>;
  /** Smallest and largest slice start held (so that a firing never scans every slice). */
  lo: number;
  hi: number;
  /** Last instant (end - 1) of the last window fired by its timer. */
  f?: number;
}

/** A key's window aggregation as of its last firing (see two-stacks.ts); derived from the state, kept per container. */
interface Sliding {
  stacks: TwoStacks<unknown>;
  /** Every slice below this has left the stacks. */
  evictedBelow: number;
  /** Every slice below this (that exists) has entered the stacks. */
  pushedUpTo: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export class SlicedWindowOperator<K, IN, OUT> extends KeyedProcessFunction<K, IN, OUT> {
  private slices!: ValueState<SliceState>;
  /**
   * Per key, the sliding aggregation of its last firing. Slices below the last fired window's
   * end change only by late records (which drop the entry), so it stays exact; a container that
   * crashes loses it and rebuilds it from the state. With allowed lateness, windows re-fire
   * out of order, so it is not used.
   */
  private readonly sliding = new Map<string, Sliding>();
  /** `merge` on a copy of its first argument: an AggregateFunction may reuse it (as Flink allows), and it may be state. */
  private readonly merge = (a: unknown, b: unknown) => this.spec.contents.merge(typeof a === 'object' && a !== null ? structuredClone(a) : a, b);
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;
  private readonly slice: number;

  constructor(private readonly spec: WindowSpec<IN, OUT>) {
    super();
    const sliding = spec.assigner.sliding;
    if (!sliding || sliding.slide > sliding.size || !spec.assigner.isEventTime() || spec.contents.keepsElements || spec.evictor || !spec.trigger.isDefaultEventTime) {
      throw new Error('slicing applies to event-time tumbling/sliding windows (slide <= size) with reduce or aggregate and the default trigger');
    }
    ({ size: this.size, slide: this.slide, offset: this.offset } = sliding);
    this.slice = gcd(this.size, this.slide);
  }

  override open(ctx: RuntimeContext): void {
    this.slices = ctx.getState(new ValueStateDescriptor<SliceState>('slices', { ttl: this.spec.stateTtl }));
  }

  async processElement(value: IN, ctx: KeyedContext<K>, out: Collector<OUT>): Promise<void> {
    const ts = ctx.timestamp();
    const timers = ctx.timerService();
    const watermark = timers.currentWatermark();
    const lateness = this.spec.allowedLateness;
    const lastEnd = windowStart(ts, this.offset, this.slide) + this.size; // the latest window holding ts
    if (lastEnd - 1 + lateness <= watermark) {
      if (this.spec.lateTag) ctx.output(this.spec.lateTag, value);
      return;
    }
    const state = (await this.slices.value()) ?? { s: {}, lo: Infinity, hi: -Infinity };
    const sliceStart = windowStart(ts, this.offset, this.slice);
    state.s[sliceStart] = this.spec.contents.add(state.s[sliceStart], value);
    state.lo = Math.min(state.lo, sliceStart);
    state.hi = Math.max(state.hi, sliceStart);
    const key = JSON.stringify(ctx.getCurrentKey());
    if (sliceStart < (this.sliding.get(key)?.pushedUpTo ?? -Infinity)) this.sliding.delete(key); // a late record changed a slice already aggregated
    // Windows holding ts end at endAfter(ts), + slide, ..., lastEnd. Those the watermark passed
    // but within the allowed lateness fire again now (Flink's late firing); the first one it has
    // not passed gets a timer (O(1) for an element that is not late).
    for (let e = this.endAfter(ts); e <= lastEnd; e += this.slide) {
      if (e - 1 > watermark) {
        timers.registerEventTimeTimer(e - 1);
        break;
      }
      if (e - 1 + lateness > watermark) await this.fire({ start: e - this.size, end: e }, state, ctx, out);
    }
    if (lateness > 0) timers.registerEventTimeTimer(lastEnd - 1 + lateness);
    this.evictExpired(state, watermark);
    await this.slices.update(state);
  }

  override async onTimer(time: number, ctx: OnTimerContext<K>, out: Collector<OUT>): Promise<void> {
    const state = await this.slices.value();
    if (!state) return;
    const end = time + 1;
    const lateness = this.spec.allowedLateness;
    // Without lateness a window's timer fires once (nothing asks for it again once the
    // watermark passed it); with lateness, a cleanup timer may share its instant.
    if (this.endAfter(time) === end && (lateness === 0 || time > (state.f ?? -Infinity))) {
      await this.fire({ start: end - this.size, end }, state, ctx, out);
      if (lateness > 0) state.f = time;
      // The next window holds a slice (or a younger slice asked for its own timer): it fires
      // next; the state is left as it is (expired slices leave with the next write), so a
      // firing costs no state write.
      if (state.hi >= end - this.size + this.slide) {
        ctx.timerService().registerEventTimeTimer(time + this.slide);
        if (lateness === 0) return;
      }
    }
    this.evictExpired(state, time);
    if (state.lo > state.hi) {
      this.sliding.delete(JSON.stringify(ctx.getCurrentKey()));
      await this.slices.clear();
    } else await this.slices.update(state);
  }

  /** Slices leave, oldest first, once the last window holding them is past its cleanup time. */
  private evictExpired(state: SliceState, time: number): void {
    while (state.lo <= state.hi && windowStart(state.lo + this.slice - 1, this.offset, this.slide) + this.size - 1 + this.spec.allowedLateness <= time) {
      delete state.s[state.lo];
      state.lo += this.slice;
    }
  }

  /** The smallest window end (aligned) that is greater than `t`. */
  private endAfter(t: number): number {
    const alignment = (this.offset + this.size) % this.slide;
    return windowStart(t, alignment, this.slide) + this.slide;
  }

  /** The window's aggregate: the slices it holds, merged (incrementally from the last firing when possible). */
  private aggregate(window: TimeWindow, state: SliceState, key: string): unknown {
    const from = Math.max(window.start, state.lo);
    const to = Math.min(window.end, state.hi + 1);
    if (this.spec.allowedLateness > 0) {
      let acc: unknown;
      for (let s = from; s < to; s += this.slice) if (state.s[s] !== undefined) acc = acc === undefined ? state.s[s] : this.merge(acc, state.s[s]);
      return acc;
    }
    let sliding = this.sliding.get(key);
    if (!sliding || window.start < sliding.evictedBelow) {
      sliding = { stacks: new TwoStacks(this.merge), evictedBelow: window.start, pushedUpTo: from };
      this.sliding.set(key, sliding);
    }
    sliding.stacks.evictBefore(window.start);
    sliding.evictedBelow = window.start;
    for (let s = Math.max(sliding.pushedUpTo, from); s < to; s += this.slice) if (state.s[s] !== undefined) sliding.stacks.push(s, state.s[s]);
    sliding.pushedUpTo = Math.max(sliding.pushedUpTo, window.end);
    return sliding.stacks.query();
  }

  private async fire(window: TimeWindow, state: SliceState, ctx: KeyedContext<K>, out: Collector<OUT>): Promise<void> {
    const acc = this.aggregate(window, state, JSON.stringify(ctx.getCurrentKey()));
    if (acc !== undefined) await emitWindowResult(window, this.spec.contents.results(acc), this.spec.fn, ctx, out);
  }
}
