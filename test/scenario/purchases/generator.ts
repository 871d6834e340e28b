import { seededRandom } from "../../../lib/runtime/seeded-random.ts";
// Seeded, deterministic purchase stream shared by the hourly-uv, uv-sliding
// and hot-items scenarios.
//
// Event times are drawn uniformly over [startTs, startTs + spanMs). Arrival
// order is obtained by sorting on `ts + delay` with delay in
// [0, maxOutOfOrderMs], as in the order-timeout generator: for an earlier
// arrival i and a later arrival j, ts_i + d_i <= ts_j + d_j, so
// ts_i - ts_j <= d_j - d_i <= maxOutOfOrderMs. The bound thus holds by
// construction while records still arrive out of event-time order.

/** One purchase; `ts` is its event time (epoch ms, UTC). */
export interface Purchase {
  userId: string;
  spuId: string;
  amount: number;
  ts: number;
}

export interface GeneratePurchasesOptions {
  /** PRNG seed (32-bit integer; other numbers are truncated to uint32). */
  seed: number;
  /** Number of purchases to emit. */
  events: number;
  /** Number of distinct users ("u1" .. "u<users>"), drawn uniformly. */
  users: number;
  /** Number of distinct items ("spu-1" .. "spu-<items>"), Zipf-skewed: spu-1 is the most popular. */
  items: number;
  /** Event time of the span's start. Default: 1_700_000_000_000 rounded down to a whole UTC hour. */
  startTs?: number;
  /** Event times fall in [startTs, startTs + spanMs). Over 1 h, the data crosses an hour boundary. */
  spanMs: number;
  /** Max amount by which an earlier arrival's ts may exceed a later arrival's. Default 5000. */
  maxOutOfOrderMs?: number;
}

const HOUR_MS = 3_600_000;
/** 2023-11-14T22:00:00Z: whole hour, so a span over 1 h crosses a boundary. */
export const DEFAULT_PURCHASE_START_TS = Math.floor(1_700_000_000_000 / HOUR_MS) * HOUR_MS;
/** Zipf exponent: steep enough that the top-10 is stable-ish, flat enough that ties and churn occur. */
const ZIPF_S = 1.1;

/** Purchases in ARRIVAL order (event-time order perturbed within maxOutOfOrderMs). */
export function generatePurchases(opts: GeneratePurchasesOptions): Purchase[] {
  const { seed, events, users, items, startTs = DEFAULT_PURCHASE_START_TS, spanMs, maxOutOfOrderMs = 5_000 } = opts;
  for (const [name, v] of Object.entries({ events, startTs, maxOutOfOrderMs })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`generatePurchases: ${name} must be a non-negative integer`);
  }
  for (const [name, v] of Object.entries({ users, items, spanMs })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`generatePurchases: ${name} must be a positive integer`);
  }

  const rand = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive

  // Cumulative Zipf weights; item of rank k (1-based) has weight 1 / k^s.
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 1; k <= items; k++) cumulative.push((total += 1 / Math.pow(k, ZIPF_S)));
  const pickItem = (): number => {
    const x = rand() * total;
    let lo = 0;
    let hi = items - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo + 1;
  };

  const planned: { p: Purchase; arrivalKey: number; seq: number }[] = [];
  for (let i = 0; i < events; i++) {
    const ts = startTs + Math.floor(rand() * spanMs);
    const p: Purchase = { userId: `u${int(1, users)}`, spuId: `spu-${pickItem()}`, amount: int(100, 50_000) / 100, ts };
    planned.push({ p, arrivalKey: ts + int(0, maxOutOfOrderMs), seq: i });
  }
  // seq breaks ties so the order (and hence the output) is fully deterministic.
  planned.sort((a, b) => a.arrivalKey - b.arrivalKey || a.seq - b.seq);
  return planned.map((x) => x.p);
}
