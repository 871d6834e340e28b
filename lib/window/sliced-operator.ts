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
import { operatorInternals } from '../runtime/keyed-operator.ts';
import type { WindowSpec } from './operator.ts';
import { windowStart, type TimeWindow } from './windows.ts';

interface SliceState {
  /** Accumulators by slice start. */
  s: Record<string, unknown>;
  /** Last instant (end - 1) of the last window fired by its timer. */
  f?: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export class SlicedWindowOperator<K, IN, OUT> extends KeyedProcessFunction<K, IN, OUT> {
  private slices!: ValueState<SliceState>;
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
    this.slices = ctx.getState(new ValueStateDescriptor<SliceState>('slices'));
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
    const state = (await this.slices.value()) ?? { s: {} };
    const sliceStart = windowStart(ts, this.offset, this.slice);
    state.s[sliceStart] = this.spec.contents.add(state.s[sliceStart], value);
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
    await this.slices.update(state);
  }

  override async onTimer(time: number, ctx: OnTimerContext<K>, out: Collector<OUT>): Promise<void> {
    const state = await this.slices.value();
    if (!state) return;
    const end = time + 1;
    if (this.endAfter(time) === end && time > (state.f ?? -Infinity)) {
      await this.fire({ start: end - this.size, end }, state, ctx, out);
      state.f = time;
      const nextStart = end - this.size + this.slide;
      if (Object.keys(state.s).some((s) => Number(s) >= nextStart && Number(s) < end)) ctx.timerService().registerEventTimeTimer(time + this.slide);
    }
    // A slice leaves once the last window holding it is past its cleanup time.
    for (const s of Object.keys(state.s)) {
      const lastEnd = windowStart(Number(s) + this.slice - 1, this.offset, this.slide) + this.size;
      if (lastEnd - 1 + this.spec.allowedLateness <= time) delete state.s[s];
    }
    if (Object.keys(state.s).length === 0) await this.slices.clear();
    else await this.slices.update(state);
  }

  /** The smallest window end (aligned) that is greater than `t`. */
  private endAfter(t: number): number {
    const alignment = (this.offset + this.size) % this.slide;
    return windowStart(t, alignment, this.slide) + this.slide;
  }

  private async fire(window: TimeWindow, state: SliceState, ctx: KeyedContext<K>, out: Collector<OUT>): Promise<void> {
    let acc: unknown;
    for (const [s, sliceAcc] of Object.entries(state.s)) {
      const start = Number(s);
      if (start < window.start || start >= window.end) continue;
      acc = acc === undefined ? sliceAcc : this.spec.contents.merge(acc, sliceAcc);
    }
    if (acc === undefined) return;
    const internals = operatorInternals(ctx);
    internals.setOutputTimestamp(window.end - 1);
    try {
      const inputs = this.spec.contents.results(acc);
      if (!this.spec.fn) for (const r of inputs) out.collect(r as OUT);
      else {
        const timers = ctx.timerService();
        const wctx = { window, currentWatermark: () => timers.currentWatermark(), currentProcessingTime: () => timers.currentProcessingTime(), output: ctx.output };
        await this.spec.fn.process(ctx.getCurrentKey(), wctx, inputs, out);
      }
    } finally {
      internals.setOutputTimestamp(undefined);
    }
  }
}
