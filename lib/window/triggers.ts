/**
 * Triggers decide when a window's contents are emitted (Flink `Trigger`). A trigger keeps its
 * per-window state in `ctx.state` (a JSON object stored with the window). Timers a trigger
 * registers are the key's timers: a timer that no window needs any more fires as a no-op, so
 * triggers never delete timers (another window of the key may share the same instant).
 */
import { maxTimestamp, type TimeWindow } from './windows.ts';

export enum TriggerResult {
  CONTINUE = 'CONTINUE',
  FIRE = 'FIRE',
  PURGE = 'PURGE',
  FIRE_AND_PURGE = 'FIRE_AND_PURGE',
}

export interface TriggerContext {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  /** This trigger's state for the current key and window. */
  readonly state: Record<string, any>;
}

/**
 * @example
 * ```ts
 * // Fire when an element says so, and at the end of the window.
 * const onFlag: Trigger<{ flush: boolean }> = {
 *   onElement: (e, ts, w, ctx) => { ctx.registerEventTimeTimer(w.end - 1); return e.flush ? TriggerResult.FIRE : TriggerResult.CONTINUE; },
 *   onEventTime: (time, w) => (time === w.end - 1 ? TriggerResult.FIRE : TriggerResult.CONTINUE),
 *   onProcessingTime: () => TriggerResult.CONTINUE,
 * };
 * ```
 */
export interface Trigger<T> {
  onElement(element: T, timestamp: number, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  onEventTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  /** Session windows: combine the states of the windows merged into `window` (into `ctx.state`). */
  onMerge?(window: TimeWindow, ctx: TriggerContext, mergedStates: Record<string, any>[]): void;
  /** True for the default event-time trigger: lets the operator slice sliding windows. */
  readonly isDefaultEventTime?: boolean;
  /** True for the default processing-time trigger. */
  readonly isDefaultProcessingTime?: boolean;
}

/** Fires once the watermark passes the window's end (and again for each late element within the allowed lateness). @example `EventTimeTrigger.create()` */
export const EventTimeTrigger = {
  create: <T = unknown>(): Trigger<T> => ({
    isDefaultEventTime: true,
    onElement: (_e, _ts, window, ctx) => {
      if (maxTimestamp(window) <= ctx.currentWatermark()) return TriggerResult.FIRE; // late, within allowed lateness
      ctx.registerEventTimeTimer(maxTimestamp(window));
      return TriggerResult.CONTINUE;
    },
    onEventTime: (time, window) => (time === maxTimestamp(window) ? TriggerResult.FIRE : TriggerResult.CONTINUE),
    onProcessingTime: () => TriggerResult.CONTINUE,
    onMerge: (window, ctx) => {
      if (maxTimestamp(window) > ctx.currentWatermark()) ctx.registerEventTimeTimer(maxTimestamp(window));
    },
  }),
};

/** Fires when processing time passes the window's end. @example `ProcessingTimeTrigger.create()` */
export const ProcessingTimeTrigger = {
  create: <T = unknown>(): Trigger<T> => ({
    isDefaultProcessingTime: true,
    onElement: (_e, _ts, window, ctx) => {
      ctx.registerProcessingTimeTimer(maxTimestamp(window));
      return TriggerResult.CONTINUE;
    },
    onEventTime: () => TriggerResult.CONTINUE,
    onProcessingTime: (time, window) => (time === maxTimestamp(window) ? TriggerResult.FIRE : TriggerResult.CONTINUE),
    onMerge: (window, ctx) => ctx.registerProcessingTimeTimer(maxTimestamp(window)),
  }),
};

/** Fires every `count` elements (Flink `CountTrigger`). @example `CountTrigger.of(100)` */
export const CountTrigger = {
  of: <T = unknown>(count: number): Trigger<T> => {
    if (!(Number.isInteger(count) && count > 0)) throw new Error(`CountTrigger: count must be a positive integer, got ${count}`);
    return {
      onElement: (_e, _ts, _w, ctx) => {
        ctx.state.count = (ctx.state.count ?? 0) + 1;
        if (ctx.state.count < count) return TriggerResult.CONTINUE;
        ctx.state.count = 0;
        return TriggerResult.FIRE;
      },
      onEventTime: () => TriggerResult.CONTINUE,
      onProcessingTime: () => TriggerResult.CONTINUE,
      onMerge: (_w, ctx, merged) => {
        ctx.state.count = merged.reduce((n, s) => n + (s.count ?? 0), 0);
      },
    };
  },
};

/**
 * Fires every `interval` of event time while the window is open, and at its end (Flink
 * `ContinuousEventTimeTrigger`): early results. An early firing that the watermark has
 * already carried past the window's end is skipped, as the end firing follows at once.
 *
 * @example
 * ```ts
 * keyed.window(TumblingEventTimeWindows.of(Time.hours(1))).trigger(ContinuousEventTimeTrigger.of(Time.seconds(5)))
 * ```
 */
export const ContinuousEventTimeTrigger = {
  of: <T = unknown>(interval: number): Trigger<T> => {
    if (!(Number.isInteger(interval) && interval > 0)) throw new Error(`ContinuousEventTimeTrigger: interval must be a positive integer of ms, got ${interval}`);
    const schedule = (time: number, window: TimeWindow, ctx: TriggerContext) => {
      ctx.state.next = Math.min(time, maxTimestamp(window));
      ctx.registerEventTimeTimer(ctx.state.next);
    };
    return {
      onElement: (_e, ts, window, ctx) => {
        if (maxTimestamp(window) <= ctx.currentWatermark()) return TriggerResult.FIRE;
        ctx.registerEventTimeTimer(maxTimestamp(window));
        if (ctx.state.next === undefined) schedule(ts - (((ts % interval) + interval) % interval) + interval, window, ctx);
        return TriggerResult.CONTINUE;
      },
      onEventTime: (time, window, ctx) => {
        if (time === maxTimestamp(window)) return TriggerResult.FIRE;
        if (ctx.state.next !== time) return TriggerResult.CONTINUE;
        schedule(time + interval, window, ctx);
        return ctx.currentWatermark() >= maxTimestamp(window) ? TriggerResult.CONTINUE : TriggerResult.FIRE;
      },
      onProcessingTime: () => TriggerResult.CONTINUE,
      onMerge: (window, ctx, merged) => {
        const next = Math.min(...merged.map((s) => s.next ?? Infinity));
        if (Number.isFinite(next)) schedule(next, window, ctx);
        ctx.registerEventTimeTimer(maxTimestamp(window));
      },
    };
  },
};

/** Turns every FIRE of `trigger` into FIRE_AND_PURGE (Flink `PurgingTrigger`). @example `PurgingTrigger.of(CountTrigger.of(10))` */
export const PurgingTrigger = {
  of: <T>(trigger: Trigger<T>): Trigger<T> => {
    const purge = (r: TriggerResult) => (r === TriggerResult.FIRE ? TriggerResult.FIRE_AND_PURGE : r);
    return {
      onElement: (e, ts, w, ctx) => purge(trigger.onElement(e, ts, w, ctx)),
      onEventTime: (time, w, ctx) => purge(trigger.onEventTime(time, w, ctx)),
      onProcessingTime: (time, w, ctx) => purge(trigger.onProcessingTime(time, w, ctx)),
      onMerge: trigger.onMerge && ((w, ctx, merged) => trigger.onMerge!(w, ctx, merged)),
    };
  },
};

/** Never fires (the default of {@link GlobalWindows}). */
export const NeverTrigger = {
  create: <T = unknown>(): Trigger<T> => ({
    onElement: () => TriggerResult.CONTINUE,
    onEventTime: () => TriggerResult.CONTINUE,
    onProcessingTime: () => TriggerResult.CONTINUE,
  }),
};
