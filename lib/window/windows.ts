/**
 * Windows (Flink `TimeWindow`, `GlobalWindow`): plain JSON values, because window state and
 * results are stored in DynamoDB. A time window is [start, end); its last instant, where its
 * event-time trigger fires, is `end - 1` ({@link maxTimestamp}).
 */
import { MAX_WATERMARK } from '../api/time.ts';

export interface TimeWindow {
  start: number;
  end: number;
}

/** The one window of {@link GlobalWindows}: it never ends by time. */
export const GLOBAL_WINDOW: TimeWindow = { start: -MAX_WATERMARK, end: MAX_WATERMARK };

/**
 * The largest timestamp that belongs to the window.
 *
 * @example
 * ```ts
 * maxTimestamp({ start: 0, end: 5000 }); // 4999
 * ```
 */
export function maxTimestamp(w: TimeWindow): number {
  return w.end - 1;
}

/** A window's identity in state (its start and end). */
export function windowId(w: TimeWindow): string {
  return `${w.start}:${w.end}`;
}

export function intersects(a: TimeWindow, b: TimeWindow): boolean {
  return a.start <= b.end && b.start <= a.end;
}

export function cover(a: TimeWindow, b: TimeWindow): TimeWindow {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** Start of the window of length `size` (aligned to `offset`) that holds `ts` (Flink `TimeWindow.getWindowStartWithOffset`). */
export function windowStart(ts: number, offset: number, size: number): number {
  const remainder = (ts - offset) % size;
  return remainder < 0 ? ts - (remainder + size) : ts - remainder;
}
