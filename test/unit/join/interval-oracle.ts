/**
 * Oracles of the interval join, written from its definition, not from the operator: a pair
 * joins when `left.ts + lower <= right.ts <= left.ts + upper` (each bound inclusive or not).
 *
 * `bruteForceIntervalJoin` is that definition over all pairs: the whole answer when no record
 * is late. `arrivalOrderIntervalJoin` adds Flink's event-time rules for input that is out of
 * order beyond the watermark: the watermark before each record is given; a record below it is
 * late (never joined); a buffered record is gone once a watermark advance reached its cleanup
 * instant (left: ts + upper, or ts when upper <= 0; right: ts - lower, or ts when lower > 0,
 * with exclusive bounds moved inwards by 1 ms), so a later record no longer meets it.
 */

export interface Rec {
  side: 'L' | 'R';
  k: string;
  id: string;
  ts: number;
}

export interface Bounds {
  lower: number;
  upper: number;
  lowerExclusive?: boolean;
  upperExclusive?: boolean;
}

export interface Pair {
  k: string;
  l: string;
  r: string;
  lts: number;
  rts: number;
}

/** Inclusive bounds: an exclusive bound moved inwards by one ms (timestamps are whole ms). */
export function inclusive(b: Bounds): { lower: number; upper: number } {
  return { lower: b.lowerExclusive ? b.lower + 1 : b.lower, upper: b.upperExclusive ? b.upper - 1 : b.upper };
}

export function inInterval(lts: number, rts: number, b: Bounds): boolean {
  const lowOk = b.lowerExclusive ? rts > lts + b.lower : rts >= lts + b.lower;
  const highOk = b.upperExclusive ? rts < lts + b.upper : rts <= lts + b.upper;
  return lowOk && highOk;
}

const pair = (l: Rec, r: Rec): Pair => ({ k: l.k, l: l.id, r: r.id, lts: l.ts, rts: r.ts });

/** Every pair of equal key within the interval. */
export function bruteForceIntervalJoin(records: Rec[], b: Bounds): Pair[] {
  const out: Pair[] = [];
  for (const l of records) {
    if (l.side !== 'L') continue;
    for (const r of records) if (r.side === 'R' && r.k === l.k && inInterval(l.ts, r.ts, b)) out.push(pair(l, r));
  }
  return out;
}

/**
 * With `watermarkBefore[i]` the watermark in force when record i arrives (records in arrival
 * order), the pairs the join emits and the records it finds late.
 */
export function arrivalOrderIntervalJoin(records: Rec[], b: Bounds, watermarkBefore: number[]): { pairs: Pair[]; late: Rec[] } {
  const { lower, upper } = inclusive(b);
  const late = records.filter((r, i) => r.ts < watermarkBefore[i]);
  const cleanupAt = (r: Rec) => (r.side === 'L' ? (upper > 0 ? r.ts + upper : r.ts) : lower < 0 ? r.ts - lower : r.ts);
  const pairs: Pair[] = [];
  records.forEach((l, i) => {
    if (l.side !== 'L' || l.ts < watermarkBefore[i]) return;
    records.forEach((r, j) => {
      if (r.side !== 'R' || r.k !== l.k || r.ts < watermarkBefore[j] || !inInterval(l.ts, r.ts, b)) return;
      const [first, firstAt, secondAt] = i < j ? [l, i, j] : [r, j, i];
      // Timers fire on each advance of the watermark, at every instant up to it: the first
      // record was removed before the second came iff the watermark advanced in between, to
      // its cleanup instant or beyond.
      const w = watermarkBefore[secondAt];
      const removed = w > watermarkBefore[firstAt] && w >= cleanupAt(first);
      if (!removed) pairs.push(pair(l, r));
    });
  });
  return { pairs, late };
}

/** Canonical order for comparing multisets of pairs. */
export function sortPairs(pairs: Pair[]): Pair[] {
  return [...pairs].sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) || (a.l < b.l ? -1 : a.l > b.l ? 1 : 0) || (a.r < b.r ? -1 : a.r > b.r ? 1 : 0));
}
