import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  expectedOrderTimeout,
  sortRows,
  OUT_OF_ORDERNESS_MS,
  PAYMENT_TIMEOUT_MS,
  type OrderEvent,
  type OrderStatus,
} from "./oracle.ts";
import { generateOrderStream, toJsonl, MAX_ORDER_SPAN_MS, ORDER_KINDS } from "./generator.ts";
import { malformedOrderLines } from "./malformed.ts";

const ev = (orderId: string, status: OrderStatus, ts: number, userId = "u-001", amount = 10): OrderEvent => ({
  orderId,
  userId,
  status,
  amount,
  ts,
});

describe("expectedOrderTimeout (hand-written cases)", () => {
  it("empty input gives empty sinks", () => {
    expect(expectedOrderTimeout([])).toEqual({ paid: [], timeouts: [], latePayments: [] });
  });

  it("PAID at createdTs+180000 is paid; at +180001 it is a timeout plus a late payment", () => {
    const out = expectedOrderTimeout([
      ev("o-1", "CREATED", 1_000, "u-1"),
      ev("o-2", "CREATED", 2_000, "u-2"),
      ev("o-1", "PAID", 181_000, "u-1"),
      ev("o-2", "PAID", 182_001, "u-2"),
    ]);
    expect(out).toEqual({
      paid: [{ orderId: "o-1", userId: "u-1", createdTs: 1_000, paidTs: 181_000 }],
      timeouts: [{ orderId: "o-2", userId: "u-2", createdTs: 2_000 }],
      latePayments: [{ orderId: "o-2", paidTs: 182_001 }],
    });
  });

  it("never paid gives a timeout and no late payment", () => {
    expect(expectedOrderTimeout([ev("o-1", "CREATED", 0)])).toEqual({
      paid: [],
      timeouts: [{ orderId: "o-1", userId: "u-001", createdTs: 0 }],
      latePayments: [],
    });
  });

  it("the earliest on-time PAID counts, not the first to arrive; later PAIDs of a paid order are ignored", () => {
    const out = expectedOrderTimeout([
      ev("o-1", "CREATED", 0),
      ev("o-1", "PAID", 50_000),
      ev("o-1", "PAID", 30_000),
      ev("o-1", "PAID", 200_000),
    ]);
    expect(out).toEqual({
      paid: [{ orderId: "o-1", userId: "u-001", createdTs: 0, paidTs: 30_000 }],
      timeouts: [],
      latePayments: [],
    });
  });

  it("identical CREATED and PAID copies give one row each", () => {
    const out = expectedOrderTimeout([
      ev("o-1", "CREATED", 0),
      ev("o-1", "CREATED", 0),
      ev("o-2", "CREATED", 10),
      ev("o-1", "PAID", 5_000),
      ev("o-2", "CREATED", 10),
      ev("o-1", "PAID", 5_000),
    ]);
    expect(out).toEqual({
      paid: [{ orderId: "o-1", userId: "u-001", createdTs: 0, paidTs: 5_000 }],
      timeouts: [{ orderId: "o-2", userId: "u-001", createdTs: 10 }],
      latePayments: [],
    });
  });

  it("PAID arriving before its CREATED still pays the order", () => {
    const out = expectedOrderTimeout([ev("o-1", "PAID", 12_000, "u-7"), ev("o-1", "CREATED", 10_000, "u-7")]);
    expect(out).toEqual({
      paid: [{ orderId: "o-1", userId: "u-7", createdTs: 10_000, paidTs: 12_000 }],
      timeouts: [],
      latePayments: [],
    });
  });

  it("late payments are one row per distinct ts", () => {
    const out = expectedOrderTimeout([
      ev("o-1", "CREATED", 0),
      ev("o-1", "PAID", 240_000),
      ev("o-1", "PAID", 300_000),
      ev("o-1", "PAID", 240_000),
    ]);
    expect(out.timeouts).toEqual([{ orderId: "o-1", userId: "u-001", createdTs: 0 }]);
    expect(sortRows(out.latePayments)).toEqual([
      { orderId: "o-1", paidTs: 240_000 },
      { orderId: "o-1", paidTs: 300_000 },
    ]);
  });

  it("rejects inputs the contract does not define", () => {
    expect(() => expectedOrderTimeout([ev("o-1", "PAID", 5)])).toThrow(/no CREATED/);
    expect(() => expectedOrderTimeout([ev("o-1", "CREATED", 0), ev("o-1", "CREATED", 1)])).toThrow(/non-identical/);
  });
});

describe("sortRows", () => {
  it("orders canonically regardless of key order, without mutating its input", () => {
    const rows = [
      { b: 1, a: 2 },
      { a: 1, b: 1 },
    ];
    expect(sortRows(rows)).toEqual([
      { a: 1, b: 1 },
      { a: 2, b: 1 },
    ]);
    expect(sortRows([{ a: 2, b: 1 }, { b: 1, a: 1 }])).toEqual(sortRows(rows));
    expect(rows[0]).toEqual({ b: 1, a: 2 });
  });
});

describe("expectedOrderTimeout (metamorphic properties)", () => {
  const sorted = (o: ReturnType<typeof expectedOrderTimeout>) => ({
    paid: sortRows(o.paid),
    timeouts: sortRows(o.timeouts),
    latePayments: sortRows(o.latePayments),
  });

  it("is independent of arrival order and of duplicated events", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 30 }), fc.infiniteStream(fc.nat()), (seed, orders, picks) => {
        const events = generateOrderStream({ seed, orders });
        const base = sorted(expectedOrderTimeout(events));
        const it = picks[Symbol.iterator]();
        const next = () => it.next().value as number;
        const shuffled = [...events];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = next() % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        const withDupes = [...shuffled, ...shuffled.filter(() => next() % 3 === 0).map((e) => ({ ...e }))];
        expect(sorted(expectedOrderTimeout(withDupes))).toEqual(base);
      }),
      { numRuns: 100 },
    );
  });
});

// ---- generator ----

/** Independent check of the 5 s bound over the whole arrival sequence. */
function outOfOrdernessViolations(events: OrderEvent[]): string[] {
  const bad: string[] = [];
  let maxTs = -Infinity;
  events.forEach((e, i) => {
    if (e.ts < maxTs - OUT_OF_ORDERNESS_MS) bad.push(`#${i} ${e.orderId} ts=${e.ts} maxTsSoFar=${maxTs}`);
    maxTs = Math.max(maxTs, e.ts);
  });
  return bad;
}

/** The dead-letter schema, written out independently of the engine. */
function isValidOrderLine(line: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return false;
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.orderId === "string" &&
    o.orderId.length > 0 &&
    typeof o.userId === "string" &&
    (o.status === "CREATED" || o.status === "PAID") &&
    typeof o.amount === "number" &&
    Number.isFinite(o.amount) &&
    typeof o.ts === "number" &&
    Number.isInteger(o.ts) &&
    o.ts >= 0
  );
}

/** Which generator cases a stream demonstrably contains, judged from raw events and oracle output. */
function coverage(events: OrderEvent[]) {
  const out = expectedOrderTimeout(events);
  const byOrder = new Map<string, { events: OrderEvent[]; idx: number[] }>();
  events.forEach((e, i) => {
    const g = byOrder.get(e.orderId) ?? { events: [], idx: [] };
    g.events.push(e);
    g.idx.push(i);
    byOrder.set(e.orderId, g);
  });
  const groups = [...byOrder.values()];
  const hasIdenticalCopies = (es: OrderEvent[]) => new Set(es.map((e) => JSON.stringify(e))).size < es.length;
  const createdTs = new Map(out.timeouts.map((t) => [t.orderId, t.createdTs]));
  const late = (delta: (d: number) => boolean) =>
    out.latePayments.some((l) => delta(l.paidTs - createdTs.get(l.orderId)!));

  return {
    paidWithin: out.paid.some((p) => p.paidTs - p.createdTs < PAYMENT_TIMEOUT_MS),
    paidAtBoundary: out.paid.some((p) => p.paidTs - p.createdTs === PAYMENT_TIMEOUT_MS),
    paidJustLate: late((d) => d === PAYMENT_TIMEOUT_MS + 1),
    neverPaid: out.timeouts.some((t) => !byOrder.get(t.orderId)!.events.some((e) => e.status === "PAID")),
    // Earliest on-time PAID counted although another on-time PAID arrived first.
    multiplePaidEarliestCounts: out.paid.some((p) => {
      const onTime = byOrder.get(p.orderId)!.events.filter((e) => e.status === "PAID" && e.ts <= p.createdTs + PAYMENT_TIMEOUT_MS);
      return onTime.length >= 2 && onTime[0].ts > p.paidTs;
    }),
    duplicateCreated: groups.some((g) => hasIdenticalCopies(g.events.filter((e) => e.status === "CREATED"))),
    duplicatePaid: groups.some((g) => hasIdenticalCopies(g.events.filter((e) => e.status === "PAID"))),
    paidBeforeCreated: groups.some((g) => g.events[0].status === "PAID"),
    latePaymentMinutesAfterTimeout: late((d) => d >= PAYMENT_TIMEOUT_MS + 60_000),
    duplicateLatePaymentCollapsed: out.timeouts.some((t) => {
      const paidEvents = byOrder.get(t.orderId)!.events.filter((e) => e.status === "PAID").length;
      return paidEvents > out.latePayments.filter((l) => l.orderId === t.orderId).length;
    }),
    // Some order's arrival span contains another order's event.
    interleaved: groups.some((g) => g.idx[g.idx.length - 1] - g.idx[0] + 1 > g.idx.length),
  };
}

describe("generateOrderStream", () => {
  const seedArb = fc.integer();
  const optsArb = fc.record({
    seed: seedArb,
    orders: fc.integer({ min: 0, max: 80 }),
    maxGapMs: fc.integer({ min: 0, max: 20_000 }),
    startTs: fc.integer({ min: 0, max: 2_000_000_000_000 }),
  });

  it("keeps bounded out-of-orderness (5 s) over the whole arrival sequence", () => {
    fc.assert(
      fc.property(optsArb, (opts) => {
        expect(outOfOrdernessViolations(generateOrderStream(opts))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("is deterministic: same options, same stream", () => {
    fc.assert(
      fc.property(optsArb, (opts) => {
        expect(generateOrderStream(opts)).toEqual(generateOrderStream(opts));
      }),
      { numRuns: 100 },
    );
  });

  it("different seeds give different streams", () => {
    expect(generateOrderStream({ seed: 1, orders: 20 })).not.toEqual(generateOrderStream({ seed: 2, orders: 20 }));
  });

  it("emits only schema-valid events, within 15 min of CREATED, one CREATED ts per order, ids as specified", () => {
    fc.assert(
      fc.property(optsArb, (opts) => {
        const events = generateOrderStream(opts);
        const ids = new Set(events.map((e) => e.orderId));
        expect(ids.size).toBe(opts.orders);
        for (const line of toJsonl(events).split("\n").slice(0, -1)) expect(isValidOrderLine(line)).toBe(true);
        const out = expectedOrderTimeout(events); // throws on a missing or conflicting CREATED
        const created = new Map([...out.paid, ...out.timeouts].map((r) => [r.orderId, r.createdTs]));
        expect(created.size).toBe(opts.orders); // each order in exactly one of paid / timeouts
        for (const e of events) {
          expect(e.orderId).toMatch(/^o-\d{6}$/);
          expect(e.userId).toMatch(/^u-\d{3}$/);
          const span = e.ts - created.get(e.orderId)!;
          expect(span).toBeGreaterThanOrEqual(0);
          expect(span).toBeLessThanOrEqual(MAX_ORDER_SPAN_MS);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("a fixed seed covers every case", () => {
    const events = generateOrderStream({ seed: 42, orders: 200 });
    const cov = coverage(events);
    expect(Object.entries(cov).filter(([, hit]) => !hit)).toEqual([]);
  });

  it("any seed covers every case once orders >= ORDER_KINDS.length", () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const cov = coverage(generateOrderStream({ seed, orders: ORDER_KINDS.length }));
        // The first ORDER_KINDS.length orders run through every kind, so no case depends on luck.
        expect(Object.entries(cov).filter(([, hit]) => !hit)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("toJsonl writes one newline-terminated JSON object per event", () => {
    const events = generateOrderStream({ seed: 7, orders: 5 });
    const text = toJsonl(events);
    expect(text.endsWith("\n")).toBe(true);
    expect(text.trimEnd().split("\n").map((l) => JSON.parse(l))).toEqual(events);
    expect(toJsonl([])).toBe("");
  });
});

describe("malformedOrderLines", () => {
  it("has at least 12 distinct single-line entries, each failing the schema", () => {
    expect(malformedOrderLines.length).toBeGreaterThanOrEqual(12);
    expect(new Set(malformedOrderLines.map((m) => m.line)).size).toBe(malformedOrderLines.length);
    for (const { line, why } of malformedOrderLines) {
      expect(line, why).not.toMatch(/[\r\n]/);
      expect(line.trim(), why).not.toBe("");
      expect(isValidOrderLine(line), why).toBe(false);
    }
  });
});
