// Independent test oracle for the `uv-sliding` scenario (distinct users per
// sliding event-time window).
//
// Deliberately naive: sort by ts, walk every candidate window start with two
// pointers and count distinct userIds of the slice with a fresh Set. No
// slicing, panes, watermarks or incremental state, so that it shares no
// algorithm (and no bug) with the engine. Imports nothing from lib/ or
// functions/ on purpose (only a type from the shared generator).

import type { Purchase } from "../purchases/generator.ts";

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
  if (purchases.length === 0) return [];

  const sorted = [...purchases].sort((a, b) => a.ts - b.ts);
  const minTs = sorted[0].ts;
  const maxTs = sorted[sorted.length - 1].ts;
  // First start: the smallest multiple of slideMs with start + size > minTs.
  // Last start: the largest multiple of slideMs with start <= maxTs.
  const firstStart = Math.floor((minTs - sizeMs) / slideMs) * slideMs + slideMs;
  const lastStart = Math.floor(maxTs / slideMs) * slideMs;

  const out: UvWindow[] = [];
  let lo = 0; // first index with ts >= windowStart
  let hi = 0; // first index with ts >= windowEnd (end is exclusive)
  for (let windowStart = firstStart; windowStart <= lastStart; windowStart += slideMs) {
    const windowEnd = windowStart + sizeMs;
    while (lo < sorted.length && sorted[lo].ts < windowStart) lo++;
    while (hi < sorted.length && sorted[hi].ts < windowEnd) hi++;
    if (hi <= lo) continue; // gap in the data: no window is created
    const users = new Set<string>();
    for (let i = lo; i < hi; i++) users.add(sorted[i].userId);
    out.push({ windowStart, windowEnd, uv: users.size });
  }
  return out;
}
