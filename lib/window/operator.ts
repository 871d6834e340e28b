/**
 * The window operator (Flink `WindowOperator` / `EvictingWindowOperator`), written as a keyed
 * process function so that the runtime treats it like any other: its state is one item per
 * key holding the key's open windows (contents and trigger state), preloaded with the batch
 * and written once per batch; its timers are the key's timers.
 *
 * Per element: assign windows (merging session windows), drop or side-output it when every
 * window is past its cleanup time (end + allowed lateness), add it, ask the trigger. Per
 * timer: ask the trigger of every window of the key, then remove the windows whose cleanup
 * time it is. Firing calls the window function with the contents (evicted first, if any).
 */
import { KeyedProcessFunction, type Collector, type KeyedContext, type OnTimerContext, type RuntimeContext, TimeDomain, type TimerService } from '../api/functions.ts';
import type { OutputTag } from '../api/output-tag.ts';
import { MAX_WATERMARK } from '../api/time.ts';
import { ValueStateDescriptor } from '../api/state-descriptors.ts';
import type { StateTtlConfig } from '../api/state-ttl.ts';
import type { ValueState } from '../api/state.ts';
import type { WindowAssigner } from './assigners.ts';
import type { Evictor, TimestampedValue } from './evictors.ts';
import { emitWindowResult, type ProcessWindowFunction, type WindowContents } from './functions.ts';
import { TriggerResult, type Trigger, type TriggerContext } from './triggers.ts';
import { cover, intersects, maxTimestamp, windowId, type TimeWindow } from './windows.ts';

/** A window of one key: its contents (an accumulator, or timestamped elements) and its trigger's state. */
interface WindowEntry {
  w: TimeWindow;
  acc?: unknown;
  t: Record<string, any>;
}

export interface WindowSpec<IN, OUT> {
  assigner: WindowAssigner<IN>;
  trigger: Trigger<IN>;
  evictor?: Evictor<IN>;
  allowedLateness: number;
  lateTag?: OutputTag<IN>;
  contents: WindowContents<any, any, any>;
  fn?: ProcessWindowFunction<any, OUT, any>;
  /** TTL of the key's window state (see WindowOperatorOptions.stateTtl). */
  stateTtl?: StateTtlConfig;
}

export class WindowOperator<K, IN, OUT> extends KeyedProcessFunction<K, IN, OUT> {
  private windows!: ValueState<Record<string, WindowEntry>>;

  constructor(private readonly spec: WindowSpec<IN, OUT>) {
    super();
  }

  override open(ctx: RuntimeContext): void {
    this.windows = ctx.getState(new ValueStateDescriptor<Record<string, WindowEntry>>('windows', { ttl: this.spec.stateTtl }));
  }

  async processElement(value: IN, ctx: KeyedContext<K>, out: Collector<OUT>): Promise<void> {
    const { assigner, contents } = this.spec;
    const timers = ctx.timerService();
    const ts = ctx.timestamp();
    const state = (await this.windows.value()) ?? {};
    let placed = false;
    for (const assigned of assigner.assignWindows(value, ts, timers.currentProcessingTime())) {
      // Session windows merge first; a merged window that is late holds only late parts (Flink retires it).
      const window = assigner.merging ? this.mergeInto(state, assigned, ctx).w : assigned;
      if (this.isLate(window, ctx)) {
        if (assigner.merging) delete state[windowId(window)];
        continue;
      }
      const entry = (state[windowId(window)] ??= { w: window, t: {} });
      placed = true;
      const element = contents.keepsElements ? ({ value, timestamp: ts } satisfies TimestampedValue<IN>) : value;
      entry.acc = contents.add(entry.acc, element);
      const result = this.spec.trigger.onElement(value, ts, entry.w, this.triggerContext(entry, ctx));
      await this.apply(result, entry, ctx, out);
      this.registerCleanup(entry.w, ctx);
    }
    if (!placed && this.spec.lateTag) ctx.output(this.spec.lateTag, value);
    await this.save(state);
  }

  override async onTimer(time: number, ctx: OnTimerContext<K>, out: Collector<OUT>): Promise<void> {
    const state = await this.windows.value();
    if (!state) return;
    const eventTime = ctx.timeDomain() === TimeDomain.EVENT_TIME;
    for (const entry of Object.values(state).sort((a, b) => a.w.end - b.w.end)) {
      const tctx = this.triggerContext(entry, ctx);
      const result = eventTime ? this.spec.trigger.onEventTime(time, entry.w, tctx) : this.spec.trigger.onProcessingTime(time, entry.w, tctx);
      await this.apply(result, entry, ctx, out);
      if (eventTime === this.spec.assigner.isEventTime() && time >= this.cleanupTime(entry.w)) delete state[windowId(entry.w)];
    }
    await this.save(state);
  }

  /** Session windows: the new window and every window of the key it overlaps become one. */
  private mergeInto(state: Record<string, WindowEntry>, assigned: TimeWindow, ctx: KeyedContext<K>): WindowEntry {
    const overlapping = Object.values(state).filter((e) => intersects(e.w, assigned));
    if (overlapping.length === 0) return (state[windowId(assigned)] = { w: assigned, t: {} });
    const merged: WindowEntry = { w: overlapping.reduce((w, e) => cover(w, e.w), assigned), t: {} };
    for (const e of overlapping) {
      delete state[windowId(e.w)];
      if (e.acc !== undefined) merged.acc = merged.acc === undefined ? e.acc : this.spec.contents.merge(merged.acc, e.acc);
    }
    this.spec.trigger.onMerge?.(merged.w, this.triggerContext(merged, ctx), overlapping.map((e) => e.t));
    return (state[windowId(merged.w)] = merged);
  }

  /** FIRE emits the contents (if any); PURGE drops them but keeps the window's trigger state until cleanup. */
  private async apply(result: TriggerResult, entry: WindowEntry, ctx: KeyedContext<K>, out: Collector<OUT>): Promise<void> {
    if ((result === TriggerResult.FIRE || result === TriggerResult.FIRE_AND_PURGE) && entry.acc !== undefined) await this.fire(entry, ctx, out);
    if (result === TriggerResult.PURGE || result === TriggerResult.FIRE_AND_PURGE) delete entry.acc;
  }

  private async fire(entry: WindowEntry, ctx: KeyedContext<K>, out: Collector<OUT>): Promise<void> {
    const { contents, evictor, fn } = this.spec;
    let acc = entry.acc;
    if (contents.keepsElements && evictor?.evictBefore) acc = evictor.evictBefore(acc as TimestampedValue<IN>[]);
    const inputs = contents.keepsElements ? contents.results((acc as TimestampedValue<IN>[]).map((e) => e.value)) : contents.results(acc);
    if (contents.keepsElements && evictor?.evictAfter) acc = evictor.evictAfter(acc as TimestampedValue<IN>[]);
    if (contents.keepsElements) entry.acc = (acc as unknown[]).length > 0 ? acc : undefined;
    await emitWindowResult(entry.w, inputs, fn, ctx, out);
  }

  private triggerContext(entry: WindowEntry, ctx: KeyedContext<K>): TriggerContext {
    return new WindowTriggerContext(entry.t, ctx.timerService());
  }

  private cleanupTime(w: TimeWindow): number {
    if (w.end >= MAX_WATERMARK) return MAX_WATERMARK;
    return maxTimestamp(w) + (this.spec.assigner.isEventTime() ? this.spec.allowedLateness : 0);
  }

  private isLate(w: TimeWindow, ctx: KeyedContext<K>): boolean {
    return this.spec.assigner.isEventTime() && this.cleanupTime(w) <= ctx.timerService().currentWatermark();
  }

  private registerCleanup(w: TimeWindow, ctx: KeyedContext<K>): void {
    const at = this.cleanupTime(w);
    if (at >= MAX_WATERMARK) return;
    if (this.spec.assigner.isEventTime()) ctx.timerService().registerEventTimeTimer(at);
    else ctx.timerService().registerProcessingTimeTimer(at);
  }

  private async save(state: Record<string, WindowEntry>): Promise<void> {
    if (Object.keys(state).length === 0) await this.windows.clear();
    else await this.windows.update(state);
  }
}

/** A trigger's view of one window of the current key (a class: nothing is made per element but the object). */
class WindowTriggerContext implements TriggerContext {
  constructor(readonly state: Record<string, any>, private readonly timers: TimerService) {}
  currentWatermark(): number {
    return this.timers.currentWatermark();
  }
  currentProcessingTime(): number {
    return this.timers.currentProcessingTime();
  }
  registerEventTimeTimer(time: number): void {
    this.timers.registerEventTimeTimer(time);
  }
  registerProcessingTimeTimer(time: number): void {
    this.timers.registerProcessingTimeTimer(time);
  }
}
