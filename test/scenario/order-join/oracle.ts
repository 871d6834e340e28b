// Expected output of the `order-join` scenario (SCENARIOS.md), from the contract alone:
// one `order-lines` row for every (order, detail) pair with equal orderId and
// orderTs - 5000 <= detailTs <= orderTs + 600000. Two order records with one orderId (a
// duplicated order) each pair with the order's details, as "every pair" says.

export interface Order { orderId: string; userId: string; amount: number; ts: number }
export interface OrderDetail { detailId: string; orderId: string; spuId: string; qty: number; ts: number }
export interface OrderLine { orderId: string; detailId: string; userId: string; spuId: string; qty: number; orderTs: number; detailTs: number }

export const LOWER_MS = -5_000;
export const UPPER_MS = 600_000;

export const inInterval = (orderTs: number, detailTs: number) => orderTs + LOWER_MS <= detailTs && detailTs <= orderTs + UPPER_MS;

/** The rows of `order-lines`, sorted by {@link compareLines}. */
export function expectedOrderLines(orders: Order[], details: OrderDetail[]): OrderLine[] {
  const detailsOf = new Map<string, OrderDetail[]>();
  for (const d of details) {
    const list = detailsOf.get(d.orderId) ?? [];
    list.push(d);
    detailsOf.set(d.orderId, list);
  }
  const lines: OrderLine[] = [];
  for (const o of orders) {
    for (const d of detailsOf.get(o.orderId) ?? []) {
      if (inInterval(o.ts, d.ts)) lines.push({ orderId: o.orderId, detailId: d.detailId, userId: o.userId, spuId: d.spuId, qty: d.qty, orderTs: o.ts, detailTs: d.ts });
    }
  }
  return lines.sort(compareLines);
}

/** A total order on rows (by every field), so that outputs compare as multisets. */
export function compareLines(a: OrderLine, b: OrderLine): number {
  const x = JSON.stringify([a.orderId, a.detailId, a.orderTs, a.detailTs, a.userId, a.spuId, a.qty]);
  const y = JSON.stringify([b.orderId, b.detailId, b.orderTs, b.detailTs, b.userId, b.spuId, b.qty]);
  return x < y ? -1 : x > y ? 1 : 0;
}
