/** lib/cost/steady/orders.ts: orders that are paid, late or never; details that come after their order, a few outside the interval. */
import { describe, expect, it } from 'vitest';
import { orderJoinInput, orderTimeoutInput } from '../../../../lib/cost/steady/orders.ts';

interface Order { orderId: string; status: 'CREATED' | 'PAID'; ts: number }

describe('orderTimeoutInput', () => {
  const input = orderTimeoutInput({ events: 20_000, rate: 10, seed: 3 });
  const orders = input.lines.orders.map((l) => JSON.parse(l) as Order);
  const byOrder = new Map<string, { created?: number; createdAt?: number; paid: number[]; paidAt: number[] }>();
  orders.forEach((o, i) => {
    const e = byOrder.get(o.orderId) ?? { paid: [], paidAt: [] };
    if (o.status === 'CREATED') [e.created, e.createdAt] = [o.ts, e.createdAt ?? i];
    else [e.paid, e.paidAt] = [[...e.paid, o.ts], [...e.paidAt, i]];
    byOrder.set(o.orderId, e);
  });
  // orders created in the first half: their payments are not cut off by the end of the input
  const early = [...byOrder.values()].filter((e) => e.created !== undefined && e.created < input.startMs + 1_000_000);

  it('pays about 83 % of orders within 3 minutes, and some late', () => {
    const onTime = early.filter((e) => e.paid.some((ts) => ts <= e.created! + 180_000)).length / early.length;
    expect(onTime).toBeGreaterThan(0.78);
    expect(onTime).toBeLessThan(0.88);
    expect(early.filter((e) => e.paid.length > 0 && e.paid.every((ts) => ts > e.created! + 180_000)).length).toBeGreaterThan(0);
  });

  it('sends some CREATEDs and PAIDs twice, and some PAIDs before their order', () => {
    const lines = input.lines.orders;
    expect(lines.filter((l, i) => i > 0 && l === lines[i - 1] && l.includes('CREATED')).length).toBeGreaterThan(0);
    expect(lines.filter((l, i) => i > 0 && l === lines[i - 1] && l.includes('PAID')).length).toBeGreaterThan(0);
    expect([...byOrder.values()].filter((e) => e.createdAt !== undefined && e.paidAt.some((at) => at < e.createdAt!)).length).toBeGreaterThan(0);
  });
});

describe('orderJoinInput', () => {
  const input = orderJoinInput({ events: 20_000, rate: 10, seed: 3 });
  const orderTs = new Map(input.lines.orders.map((l) => JSON.parse(l) as { orderId: string; ts: number }).map((o) => [o.orderId, o.ts]));
  const details = input.lines['order-details'].map((l) => JSON.parse(l) as { orderId: string; ts: number });

  it('has about two details an order, most inside the join interval, some after it, a few just before the order', () => {
    expect(details.length / orderTs.size).toBeGreaterThan(1.5);
    expect(details.length / orderTs.size).toBeLessThan(2.2);
    const known = details.filter((d) => orderTs.has(d.orderId));
    const offset = known.map((d) => d.ts - orderTs.get(d.orderId)!);
    const inside = offset.filter((x) => x >= -5000 && x <= 600_000).length / offset.length;
    expect(inside).toBeGreaterThan(0.88);
    expect(offset.filter((x) => x > 600_000).length).toBeGreaterThan(0);
    expect(offset.filter((x) => x < 0).length).toBeGreaterThan(0);
    expect(details.length - known.length).toBeGreaterThan(0); // details of orders that never come
  });
});
