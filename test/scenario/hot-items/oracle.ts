// Independent test oracle for the `hot-items` scenario (top-N items by
// purchase count per sliding event-time window).
//
// Deliberately naive: sort by ts, walk every candidate window start with two
// pointers, count the slice's items in a fresh Map and sort. No incremental
// counts, panes or watermarks, so it shares no algorithm with the engine.
// Imports nothing from lib/ or functions/ on purpose (only a type from the
// shared generator).

import type { Purchase } from "../purchases/generator.ts";
import { slidingWindowsOf } from "../purchases/sliding.ts";

export interface ItemCount {
  spuId: string;
  count: number;
}

export interface HotItemsWindow {
  windowStart: number;
  windowEnd: number;
  items: ItemCount[];
}

/**
 * Count descending, then spuId ascending by plain string comparison (so
 * "spu-10" < "spu-2"): a total order, so the top-N is unique.
 */
export function compareItemCounts(a: ItemCount, b: ItemCount): number {
  if (a.count !== b.count) return b.count - a.count;
  return a.spuId < b.spuId ? -1 : a.spuId > b.spuId ? 1 : 0;
}

/**
 * One row per window [windowStart, windowStart + sizeMs) with windowStart a
 * multiple of slideMs (aligned to epoch 0) containing at least one purchase;
 * items = at most topN spuIds by number of events, ordered by
 * `compareItemCounts`. Sorted by windowStart.
 */
export function expectedHotItems(purchases: Purchase[], sizeMs = 3_600_000, slideMs = 5_000, topN = 10): HotItemsWindow[] {
  for (const [name, v] of Object.entries({ sizeMs, slideMs, topN })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`expectedHotItems: ${name} must be a positive integer`);
  }
  const out: HotItemsWindow[] = [];
  for (const { windowStart, windowEnd, events } of slidingWindowsOf(purchases, sizeMs, slideMs)) {
    const counts = new Map<string, number>();
    for (const p of events) counts.set(p.spuId, (counts.get(p.spuId) ?? 0) + 1);
    const items = [...counts].map(([spuId, count]) => ({ spuId, count })).sort(compareItemCounts);
    out.push({ windowStart, windowEnd, items: items.slice(0, topN) });
  }
  return out;
}
