// Independent test oracle for the `uv-sliding` scenario (distinct users per
// sliding event-time window).
//
// Deliberately naive: sort by ts, walk every candidate window start with two
// pointers and count distinct userIds of the slice with a fresh Set. No
// slicing, panes, watermarks or incremental state, so that it shares no
// algorithm (and no bug) with the engine. Imports nothing from lib/ or
// functions/ on purpose (only a type from the shared generator).

import type { Purchase } from "../purchases/generator.ts";
import { slidingWindowsOf } from "../purchases/sliding.ts";

export interface UvWindow {
  windowStart: number;
  windowEnd: number;
  uv: number;
}

/**
 * One row per window [windowStart, windowStart + sizeMs) with windowStart a
 * multiple of slideMs (aligned to epoch 0, like Flink's SlidingEventTimeWindows
 * with offset 0) that contains at least one purchase; uv = distinct userIds in
 * it. Sorted by windowStart. sizeMs need not be a multiple of slideMs.
 */
export function expectedUvSliding(purchases: Purchase[], sizeMs = 3_600_000, slideMs = 10_000): UvWindow[] {
  if (!Number.isSafeInteger(sizeMs) || sizeMs < 1) throw new Error("expectedUvSliding: sizeMs must be a positive integer");
  if (!Number.isSafeInteger(slideMs) || slideMs < 1) throw new Error("expectedUvSliding: slideMs must be a positive integer");
  const out: UvWindow[] = [];
  for (const { windowStart, windowEnd, events } of slidingWindowsOf(purchases, sizeMs, slideMs)) {
    out.push({ windowStart, windowEnd, uv: new Set(events.map((p) => p.userId)).size });
  }
  return out;
}
