import { seededRandom } from "../../../lib/runtime/seeded-random.ts";
import { LOWER_MS, UPPER_MS, type Order, type OrderDetail } from "./oracle.ts";
// Seeded, deterministic input of the `order-join` scenario: an `orders` stream and an
// `order-details` stream, each in its own arrival order.
//
// Orders come every 0..maxGapMs of event time. Each order gets a "kind" of details (below):
// none, some inside the join interval (on its bounds too), some just or far outside it, up to
// 11 minutes after the order. A few orders are sent twice (same line), a few details name an
// order that does not exist. Each stream's arrival order sorts its records by ts + delay with
// delay in [0, 5000]: for an earlier arrival p and a later c, ts_c >= ts_p - 5000, so neither
// stream is out of order by more than the job's 5 s, and nothing is ever behind the watermark
// (which is max ts - 5000 - 1 per source), while details still arrive long after their order.

export const OUT_OF_ORDERNESS_MS = 5_000;

/** What the details of one order test; the first orders cover each kind once. */
export const DETAIL_KINDS = [
  "none", // an order without details
  "inside", // 1..4 details well inside the interval
  "bounds", // details exactly on orderTs - 5000 and orderTs + 600000
  "justOutside", // orderTs - 5001 and orderTs + 600001
  "farOutside", // a minute before, 11 minutes after
  "mixed", // inside and outside
] as const;
export type DetailKind = (typeof DETAIL_KINDS)[number];

export interface GenerateOrderJoinOptions {
  seed: number;
  orders: number;
  /** ts of the first order; default 2023-11-14T22:13:20Z. */
  startTs?: number;
  /** Max event time between consecutive orders (default 2000). */
  maxGapMs?: number;
}

interface Timed<T> { record: T; key: number; seq: number }

export function generateOrderJoin(opts: GenerateOrderJoinOptions): { orders: Order[]; details: OrderDetail[] } {
  const { seed, orders: n, startTs = 1_700_000_000_000, maxGapMs = 2_000 } = opts;
  for (const [name, v] of Object.entries({ n, startTs, maxGapMs })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`generateOrderJoin: ${name} must be a non-negative integer`);
  }
  if (startTs < 120_000) throw new Error("generateOrderJoin: startTs must be >= 120000 (details may be a minute before their order)");
  const rand = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
  const delay = () => int(0, OUT_OF_ORDERNESS_MS);

  const orders: Timed<Order>[] = [];
  const details: Timed<OrderDetail>[] = [];
  let detailNo = 0;
  const detail = (orderId: string, ts: number) => {
    const d: OrderDetail = { detailId: `d-${String(++detailNo).padStart(6, "0")}`, orderId, spuId: `spu-${int(1, 50)}`, qty: int(1, 5), ts };
    details.push({ record: d, key: ts + delay(), seq: details.length });
  };
  const inside = (ts: number) => ts + int(LOWER_MS + 1, UPPER_MS - 1);
  const outside = (ts: number) => (rand() < 0.5 ? ts + LOWER_MS - int(1, 60_000) : ts + UPPER_MS + int(1, 60_000));

  let ts = startTs;
  for (let i = 0; i < n; i++) {
    if (i > 0) ts += int(0, maxGapMs);
    const order: Order = { orderId: `o-${String(i + 1).padStart(6, "0")}`, userId: `u-${String(int(1, 200)).padStart(3, "0")}`, amount: int(100, 50_000) / 100, ts };
    orders.push({ record: order, key: ts + delay(), seq: orders.length });
    if (rand() < 0.03) orders.push({ record: { ...order }, key: ts + delay(), seq: orders.length }); // sent twice
    const kind: DetailKind = i < DETAIL_KINDS.length ? DETAIL_KINDS[i] : DETAIL_KINDS[int(0, DETAIL_KINDS.length - 1)];
    switch (kind) {
      case "none":
        break;
      case "inside":
        for (let k = int(1, 4); k > 0; k--) detail(order.orderId, inside(ts));
        break;
      case "bounds":
        detail(order.orderId, ts + LOWER_MS);
        detail(order.orderId, ts + UPPER_MS);
        break;
      case "justOutside":
        detail(order.orderId, ts + LOWER_MS - 1);
        detail(order.orderId, ts + UPPER_MS + 1);
        break;
      case "farOutside":
        detail(order.orderId, ts - 60_000);
        detail(order.orderId, ts + 11 * 60_000);
        break;
      case "mixed":
        for (let k = int(1, 3); k > 0; k--) detail(order.orderId, inside(ts));
        detail(order.orderId, outside(ts));
        break;
    }
    if (rand() < 0.02) detail(`o-missing-${i}`, inside(ts)); // names no order
  }
  const arrival = <T>(xs: Timed<T>[]) => xs.sort((a, b) => a.key - b.key || a.seq - b.seq).map((x) => x.record);
  return { orders: arrival(orders), details: arrival(details) };
}
