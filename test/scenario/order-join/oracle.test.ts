import { describe, expect, it } from "vitest";
import { DETAIL_KINDS, generateOrderJoin, OUT_OF_ORDERNESS_MS } from "./generator.ts";
import { compareLines, expectedOrderLines, type Order, type OrderDetail, type OrderLine } from "./oracle.ts";

/** Largest ts[i] - ts[j] over i < j: the out-of-orderness actually present. */
const maxLateness = (ts: number[]) => ts.reduce(([worst, max], t) => [Math.max(worst, max - t), Math.max(max, t)], [0, -Infinity])[0];

const data = generateOrderJoin({ seed: 3, orders: 300 });

describe("order-join generator", () => {
  it("is deterministic per seed and differs across seeds", () => {
    expect(generateOrderJoin({ seed: 3, orders: 300 })).toEqual(data);
    expect(generateOrderJoin({ seed: 4, orders: 300 })).not.toEqual(data);
    expect(() => generateOrderJoin({ seed: 1, orders: 5, startTs: 0 })).toThrow(/startTs/);
  });

  it("keeps each stream within 5 s of out-of-orderness, yet out of order", () => {
    for (const stream of [data.orders, data.details]) {
      expect(maxLateness(stream.map((r) => r.ts))).toBeLessThanOrEqual(OUT_OF_ORDERNESS_MS);
      expect(maxLateness(stream.map((r) => r.ts))).toBeGreaterThan(0);
    }
  });

  it("has ~300 orders and ~600 details covering every case", () => {
    const { orders, details } = data;
    expect(new Set(orders.map((o) => o.orderId)).size).toBe(300);
    expect(orders.length).toBeGreaterThan(300); // some orders sent twice
    expect(details.length).toBeGreaterThan(450);
    expect(details.length).toBeLessThan(800);
    expect(new Set(details.map((d) => d.detailId)).size).toBe(details.length);
    const orderTs = new Map(orders.map((o) => [o.orderId, o.ts]));
    const offsets = details.filter((d) => orderTs.has(d.orderId)).map((d) => d.ts - orderTs.get(d.orderId)!);
    for (const edge of [-5_000, 600_000, -5_001, 600_001]) expect(offsets).toContain(edge);
    expect(offsets.some((x) => x > 10 * 60_000)).toBe(true); // details long after their order
    expect(offsets.some((x) => x < -5_001)).toBe(true);
    expect(details.some((d) => !orderTs.has(d.orderId))).toBe(true); // details of no order
    const perOrder = new Map<string, number>();
    for (const d of details) perOrder.set(d.orderId, (perOrder.get(d.orderId) ?? 0) + 1);
    expect(Math.max(...perOrder.values())).toBeGreaterThanOrEqual(3);
    expect(orders.some((o) => !perOrder.has(o.orderId))).toBe(true); // orders without details
    expect(DETAIL_KINDS).toHaveLength(6);
  });
});

describe("expectedOrderLines", () => {
  const o = (orderId: string, ts: number, userId = "u1"): Order => ({ orderId, userId, amount: 1, ts });
  const d = (detailId: string, orderId: string, ts: number): OrderDetail => ({ detailId, orderId, spuId: "s", qty: 1, ts });

  it("hand example: both bounds inclusive, other orders ignored, duplicated orders pair twice", () => {
    const lines = expectedOrderLines(
      [o("a", 10_000), o("b", 10_000), o("c", 0), o("c", 0)],
      [d("d1", "a", 5_000), d("d2", "a", 4_999), d("d3", "a", 610_000), d("d4", "a", 610_001), d("d5", "c", 1), d("d6", "x", 10_000)],
    );
    expect(lines.map((l) => `${l.orderId}:${l.detailId}`)).toEqual(["a:d1", "a:d3", "c:d5", "c:d5"]);
    expect(lines[0]).toEqual({ orderId: "a", detailId: "d1", userId: "u1", spuId: "s", qty: 1, orderTs: 10_000, detailTs: 5_000 });
  });

  it("matches brute force over all pairs on generated data", () => {
    const brute: OrderLine[] = [];
    for (const x of data.orders) for (const y of data.details) {
      if (x.orderId === y.orderId && y.ts - x.ts >= -5_000 && y.ts - x.ts <= 600_000) {
        brute.push({ orderId: x.orderId, detailId: y.detailId, userId: x.userId, spuId: y.spuId, qty: y.qty, orderTs: x.ts, detailTs: y.ts });
      }
    }
    expect(expectedOrderLines(data.orders, data.details)).toEqual(brute.sort(compareLines));
    expect(brute.length).toBeGreaterThan(300);
  });
});
