import { seededRandom } from '../../../lib/runtime/seeded-random.ts';
// Seeded, deterministic input generator for the `order-timeout` scenario.
//
// Each order is given a "kind" (the case it exercises) and a set of events
// with event-time ts. Arrival order is then obtained by sorting on
// `ts + delay` with delay in [0, OUT_OF_ORDERNESS_MS]: for any earlier arrival
// p and later arrival c, ts_p + d_p <= ts_c + d_c, so
// ts_c >= ts_p - (d_c - d_p) >= ts_p - 5000. Bounded out-of-orderness thus
// holds by construction, and forcing specific delays lets us stage cases such
// as "PAID arrives before its CREATED" without ever breaking the bound.

import { OUT_OF_ORDERNESS_MS, PAYMENT_TIMEOUT_MS, type OrderEvent, type OrderStatus } from "./oracle.ts";

/** Every event of an order stays within this much event time of its CREATED. */
export const MAX_ORDER_SPAN_MS = 15 * 60_000;

/** The cases the generator exercises; the first orders cover each one once. */
export const ORDER_KINDS = [
  "paidWithin", // one PAID well inside the 3 min window
  "paidAtBoundary", // PAID at createdTs + 180000: still paid (inclusive)
  "paidJustLate", // PAID at createdTs + 180001: timeout + late payment
  "neverPaid", // no PAID at all: timeout only
  "multiplePaid", // several PAIDs, the earliest (by ts) arriving after a later one
  "duplicateCreated", // identical CREATED copies
  "duplicatePaid", // identical PAID copies inside the window
  "paidBeforeCreated", // PAID arrives before CREATED (its ts is a bit later)
  "latePayments", // timed out, PAIDs minutes later, one duplicated
] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

export interface GenerateOrderStreamOptions {
  /** PRNG seed (32-bit integer; other numbers are truncated to uint32). */
  seed: number;
  /** Number of distinct orders. With >= ORDER_KINDS.length every kind appears. */
  orders: number;
  /** CREATED ts of the first order. Default 2023-11-14T22:13:20Z. */
  startTs?: number;
  /** Max event-time gap between consecutive orders' CREATED. Small => heavy interleaving. Default 2000. */
  maxGapMs?: number;
  /** Number used for the first orderId ("o-000001" by default); lets callers avoid id clashes. */
  firstOrderNumber?: number;
}


interface Planned {
  event: OrderEvent;
  arrivalKey: number; // ts + delay
  seq: number; // tie-breaker, keeps the sort deterministic
}

/** Events of the stream in ARRIVAL order. */
export function generateOrderStream(opts: GenerateOrderStreamOptions): OrderEvent[] {
  const { seed, orders, startTs = 1_700_000_000_000, maxGapMs = 2_000, firstOrderNumber = 1 } = opts;
  for (const [name, v] of Object.entries({ orders, startTs, maxGapMs, firstOrderNumber })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`generateOrderStream: ${name} must be a non-negative integer`);
  }

  const rand = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
  const anyDelay = () => int(0, OUT_OF_ORDERNESS_MS);

  // First block: each kind once, in seeded order; the rest: uniform random.
  const firstBlock = [...ORDER_KINDS];
  for (let i = firstBlock.length - 1; i > 0; i--) {
    const j = int(0, i);
    [firstBlock[i], firstBlock[j]] = [firstBlock[j], firstBlock[i]];
  }

  const planned: Planned[] = [];
  let createdTs = startTs;
  for (let i = 0; i < orders; i++) {
    if (i > 0) createdTs += int(0, maxGapMs);
    const kind: OrderKind = i < firstBlock.length ? firstBlock[i] : ORDER_KINDS[int(0, ORDER_KINDS.length - 1)];
    const orderId = `o-${String(firstOrderNumber + i).padStart(6, "0")}`;
    const userId = `u-${String(int(0, 999)).padStart(3, "0")}`;
    const amount = int(100, 50_000) / 100; // 1.00 .. 500.00
    const c = createdTs;

    const push = (status: OrderStatus, ts: number, delay = anyDelay()) =>
      planned.push({ event: { orderId, userId, status, amount, ts }, arrivalKey: ts + delay, seq: planned.length });
    const created = (delay?: number) => push("CREATED", c, delay);
    const paid = (ts: number, delay?: number) => push("PAID", ts, delay);
    const lateTs = () => c + PAYMENT_TIMEOUT_MS + int(60_000, MAX_ORDER_SPAN_MS - PAYMENT_TIMEOUT_MS); // minutes after timeout

    switch (kind) {
      case "paidWithin":
        created();
        paid(c + int(1_000, 170_000));
        break;
      case "paidAtBoundary":
        created();
        paid(c + PAYMENT_TIMEOUT_MS);
        break;
      case "paidJustLate":
        created();
        paid(c + PAYMENT_TIMEOUT_MS + 1);
        break;
      case "neverPaid":
        created();
        break;
      case "multiplePaid": {
        // t2 (delay 0) arrives before t1 (delay 5000) since t2 - t1 < 5000:
        // the engine must keep the earliest ts, not the first arrival.
        const t1 = c + int(10_000, 100_000);
        const t2 = t1 + int(1_000, OUT_OF_ORDERNESS_MS - 1);
        created();
        paid(t1, OUT_OF_ORDERNESS_MS);
        paid(t2, 0);
        paid(lateTs()); // after the deadline of a paid order: no late-payment row
        break;
      }
      case "duplicateCreated": {
        const copies = int(2, 3);
        for (let k = 0; k < copies; k++) created();
        // Half of them time out, so dedup is tested on both outcomes.
        if (rand() < 0.5) paid(c + int(1_000, 170_000));
        break;
      }
      case "duplicatePaid": {
        const ts = c + int(1_000, 170_000);
        const copies = int(2, 3);
        created();
        for (let k = 0; k < copies; k++) paid(ts);
        break;
      }
      case "paidBeforeCreated":
        // PAID key <= c + 3000 < CREATED key = c + 5000.
        created(OUT_OF_ORDERNESS_MS);
        paid(c + int(500, 3_000), 0);
        break;
      case "latePayments": {
        created();
        const distinct = new Set<number>();
        const n = int(2, 3);
        while (distinct.size < n) distinct.add(lateTs());
        const tss = [...distinct];
        for (const ts of tss) paid(ts);
        paid(tss[0]); // identical copy: still one late-payment row
        break;
      }
    }
  }

  planned.sort((a, b) => a.arrivalKey - b.arrivalKey || a.seq - b.seq);
  return planned.map((p) => p.event);
}

/** JSON Lines: one event per line, each line newline-terminated. */
export function toJsonl(events: OrderEvent[]): string {
  return events.map((e) => JSON.stringify(e) + "\n").join("");
}
