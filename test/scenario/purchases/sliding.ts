import type { Purchase } from './generator.ts';

/**
 * Every sliding window [windowStart, windowStart + size) aligned to epoch 0 that holds at least
 * one purchase, with those purchases — by two pointers over the purchases sorted by ts, an
 * obviously correct scan for the oracles (not the engine's slicing).
 */
export function* slidingWindowsOf(purchases: Purchase[], sizeMs: number, slideMs: number): Generator<{ windowStart: number; windowEnd: number; events: Purchase[] }> {
  if (purchases.length === 0) return;
  const sorted = [...purchases].sort((a, b) => a.ts - b.ts);
  // First start: the smallest multiple of slideMs with start + size > the first ts; last: the largest not after the last ts.
  const firstStart = Math.floor((sorted[0].ts - sizeMs) / slideMs) * slideMs + slideMs;
  const lastStart = Math.floor(sorted[sorted.length - 1].ts / slideMs) * slideMs;
  let lo = 0; // first index with ts >= windowStart
  let hi = 0; // first index with ts >= windowEnd (end is exclusive)
  for (let windowStart = firstStart; windowStart <= lastStart; windowStart += slideMs) {
    const windowEnd = windowStart + sizeMs;
    while (lo < sorted.length && sorted[lo].ts < windowStart) lo++;
    while (hi < sorted.length && sorted[hi].ts < windowEnd) hi++;
    if (hi > lo) yield { windowStart, windowEnd, events: sorted.slice(lo, hi) }; // a gap in the data creates no window
  }
}
