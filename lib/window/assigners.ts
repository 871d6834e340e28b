/**
 * Window assigners, as in Flink: which windows an element belongs to, in which time domain,
 * and the trigger used unless `trigger(...)` replaces it.
 */
import { EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger, type Trigger } from './triggers.ts';
import { GLOBAL_WINDOW, windowStart, type TimeWindow } from './windows.ts';

export interface WindowAssigner<T> {
  assignWindows(element: T, timestamp: number, processingTime: number): TimeWindow[];
  isEventTime(): boolean;
  defaultTrigger(): Trigger<T>;
  /** Session assigners: overlapping windows of a key merge into one. */
  readonly merging?: boolean;
  /** Tumbling and sliding assigners: size, slide and offset, which slicing uses. */
  readonly sliding?: { size: number; slide: number; offset: number };
}

function checkSize(name: string, size: number, slide = size, offset = 0): void {
  if (!(Number.isInteger(size) && size > 0)) throw new Error(`${name}: size must be a positive integer of ms, got ${size}`);
  if (!(Number.isInteger(slide) && slide > 0)) throw new Error(`${name}: slide must be a positive integer of ms, got ${slide}`);
  if (!(Number.isInteger(offset) && Math.abs(offset) < slide)) throw new Error(`${name}: offset must be an integer smaller than the slide, got ${offset}`);
}

function slidingWindows(ts: number, size: number, slide: number, offset: number): TimeWindow[] {
  const windows: TimeWindow[] = [];
  for (let start = windowStart(ts, offset, slide); start > ts - size; start -= slide) windows.push({ start, end: start + size });
  return windows;
}

function sliding<T>(name: string, size: number, slide: number, offset: number, eventTime: boolean): WindowAssigner<T> {
  checkSize(name, size, slide, offset);
  return {
    sliding: { size, slide, offset },
    assignWindows: (_e, ts, now) => slidingWindows(eventTime ? ts : now, size, slide, offset),
    isEventTime: () => eventTime,
    defaultTrigger: () => (eventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create()),
  };
}

/**
 * Fixed-size, non-overlapping event-time windows.
 *
 * @example
 * ```ts
 * purchases.keyBy((p) => p.spuId).window(TumblingEventTimeWindows.of(Time.hours(1))).aggregate(countEvents);
 * ```
 */
export const TumblingEventTimeWindows = {
  of: <T = unknown>(size: number, offset = 0): WindowAssigner<T> => sliding<T>('TumblingEventTimeWindows', size, size, offset, true),
};

/** Fixed-size, non-overlapping windows of processing time. @example `TumblingProcessingTimeWindows.of(Time.seconds(10))` */
export const TumblingProcessingTimeWindows = {
  of: <T = unknown>(size: number, offset = 0): WindowAssigner<T> => sliding<T>('TumblingProcessingTimeWindows', size, size, offset, false),
};

/**
 * Windows of `size` starting every `slide` in event time; an element is in size/slide of them.
 *
 * @example
 * ```ts
 * keyed.window(SlidingEventTimeWindows.of(Time.hours(1), Time.seconds(5))).aggregate(countEvents, withWindow);
 * ```
 */
export const SlidingEventTimeWindows = {
  of: <T = unknown>(size: number, slide: number, offset = 0): WindowAssigner<T> => sliding<T>('SlidingEventTimeWindows', size, slide, offset, true),
};

/** Sliding windows of processing time. @example `SlidingProcessingTimeWindows.of(Time.minutes(1), Time.seconds(10))` */
export const SlidingProcessingTimeWindows = {
  of: <T = unknown>(size: number, slide: number, offset = 0): WindowAssigner<T> => sliding<T>('SlidingProcessingTimeWindows', size, slide, offset, false),
};

function sessions<T>(gapOf: (element: T) => number, eventTime: boolean): WindowAssigner<T> {
  return {
    merging: true,
    assignWindows: (element, ts, now) => {
      const gap = gapOf(element);
      if (!(Number.isFinite(gap) && gap > 0)) throw new Error(`session gap must be a positive number of ms, got ${gap}`);
      const at = eventTime ? ts : now;
      return [{ start: at, end: at + gap }];
    },
    isEventTime: () => eventTime,
    defaultTrigger: () => (eventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create()),
  };
}

/**
 * Session windows: a key's elements closer than the gap fall into one window, which closes
 * once the watermark passes the last element + gap (with `idleWatermarkAdvance`, also when no
 * more data comes).
 *
 * @example
 * ```ts
 * clicks.keyBy((c) => c.userId).window(EventTimeSessionWindows.withGap(Time.minutes(30))).process(new SessionSummary());
 * ```
 */
export const EventTimeSessionWindows = {
  withGap: <T = unknown>(gap: number): WindowAssigner<T> => sessions<T>(() => gap, true),
  withDynamicGap: <T>(gapOf: (element: T) => number): WindowAssigner<T> => sessions(gapOf, true),
};

/** Session windows of processing time. @example `ProcessingTimeSessionWindows.withGap(Time.seconds(30))` */
export const ProcessingTimeSessionWindows = {
  withGap: <T = unknown>(gap: number): WindowAssigner<T> => sessions<T>(() => gap, false),
  withDynamicGap: <T>(gapOf: (element: T) => number): WindowAssigner<T> => sessions(gapOf, false),
};

/**
 * One window per key that never closes by time; use with a trigger (and an evictor), as
 * `countWindow` does.
 *
 * @example
 * ```ts
 * keyed.window(GlobalWindows.create()).trigger(CountTrigger.of(100)).reduce((a, b) => a + b);
 * ```
 */
export const GlobalWindows = {
  create: <T = unknown>(): WindowAssigner<T> => ({
    assignWindows: () => [GLOBAL_WINDOW],
    isEventTime: () => false,
    defaultTrigger: () => NeverTrigger.create(),
  }),
};
