// Independent test oracle for the `order-timeout` scenario.
//
// Computes the expected sink contents straight from the contract, by grouping
// events per orderId. It deliberately does NOT simulate watermarks, timers or
// state: if the engine is correct, its output (as a multiset) must equal this,
// whatever the arrival order, as long as the input respects the 5 s
// out-of-orderness bound. Imports nothing from lib/ or functions/ on purpose.

export type OrderStatus = "CREATED" | "PAID";

export interface OrderEvent {
  orderId: string;
  userId: string;
  status: OrderStatus;
  amount: number;
  ts: number;
}

export interface PaidOut {
  orderId: string;
  userId: string;
  createdTs: number;
  paidTs: number;
}

export interface TimeoutOut {
  orderId: string;
  userId: string;
  createdTs: number;
}

export interface LatePaymentOut {
  orderId: string;
  paidTs: number;
}

export interface OrderTimeoutExpectation {
  paid: PaidOut[];
  timeouts: TimeoutOut[];
  latePayments: LatePaymentOut[];
}

/** A PAID with ts <= createdTs + PAYMENT_TIMEOUT_MS counts (inclusive bound). */
export const PAYMENT_TIMEOUT_MS = 180_000;
/** Watermark bound the input streams must respect. */
export const OUT_OF_ORDERNESS_MS = 5_000;

/**
 * Expected outputs for a stream of valid events. Row order within each sink
 * follows the first arrival of each orderId (late payments: first arrival of
 * each distinct ts); compare with `sortRows` since the engine's cross-key
 * order is not part of the contract.
 *
 * Throws on inputs outside the contract (an order with PAIDs but no CREATED,
 * or CREATED copies that are not identical), because the contract defines no
 * output for them and silently guessing would hide generator bugs.
 */
export function expectedOrderTimeout(events: OrderEvent[]): OrderTimeoutExpectation {
  // Map preserves insertion order = first arrival of each orderId.
  const byOrder = new Map<string, OrderEvent[]>();
  for (const e of events) {
    const group = byOrder.get(e.orderId);
    if (group) group.push(e);
    else byOrder.set(e.orderId, [e]);
  }

  const out: OrderTimeoutExpectation = { paid: [], timeouts: [], latePayments: [] };
  for (const [orderId, group] of byOrder) {
    const created = singleCreated(orderId, group);
    const payments = group.filter((e) => e.status === "PAID");
    const deadline = created.ts + PAYMENT_TIMEOUT_MS;

    const onTime = payments.filter((p) => p.ts <= deadline);
    if (onTime.length > 0) {
      // Earliest by event time, not first to arrive.
      const paidTs = Math.min(...onTime.map((p) => p.ts));
      out.paid.push({ orderId, userId: created.userId, createdTs: created.ts, paidTs });
      continue;
    }

    out.timeouts.push({ orderId, userId: created.userId, createdTs: created.ts });
    // Every PAID of a timed-out order is after the deadline; duplicates
    // (same ts) collapse into one late-payment row.
    const seen = new Set<number>();
    for (const p of payments) {
      if (seen.has(p.ts)) continue;
      seen.add(p.ts);
      out.latePayments.push({ orderId, paidTs: p.ts });
    }
  }
  return out;
}

function singleCreated(orderId: string, group: OrderEvent[]): OrderEvent {
  const created = group.filter((e) => e.status === "CREATED");
  if (created.length === 0) {
    throw new Error(`oracle: order ${orderId} has no CREATED event (outside the contract)`);
  }
  const first = created[0];
  for (const c of created) {
    if (c.userId !== first.userId || c.amount !== first.amount || c.ts !== first.ts) {
      throw new Error(`oracle: order ${orderId} has non-identical CREATED copies (outside the contract)`);
    }
  }
  return first;
}

/** JSON with object keys sorted recursively, so key order never matters. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * Copy of `rows` in canonical order (by canonical JSON, code-unit order), for
 * multiset comparison: `expect(sortRows(actual)).toEqual(sortRows(expected))`.
 */
export function sortRows<T>(rows: T[]): T[] {
  return rows
    .map((row) => ({ row, key: canonicalJson(row) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.row);
}
