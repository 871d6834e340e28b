import { describe, expect, it } from "vitest";
import { generatePurchases, DEFAULT_PURCHASE_START_TS, type Purchase } from "./purchases/generator.ts";
import { checkHourlyStream, expectedHourlyFinals, HOUR_MS, type HourlyRow } from "./hourly-uv/oracle.ts";
import { expectedUvSliding } from "./uv-sliding/oracle.ts";
import { expectedHotItems } from "./hot-items/oracle.ts";
import { generateRequests } from "./anti-crawler/generator.ts";
import { expectedAlerts, type Request } from "./anti-crawler/oracle.ts";

const H = DEFAULT_PURCHASE_START_TS;
const p = (ts: number, userId = "u1", spuId = "spu-1"): Purchase => ({ userId, spuId, amount: 1, ts });
/** Largest ts[i] - ts[j] over i < j: the out-of-orderness actually present. */
const maxLateness = (ts: number[]) => ts.reduce(([worst, max], t) => [Math.max(worst, max - t), Math.max(max, t)], [0, -Infinity])[0];
/** Brute force, event-centric (like Flink's assignWindows): every window start each event falls in. */
const windowsOf = (ts: number, size: number, slide: number) => {
  const starts: number[] = [];
  for (let s = Math.floor(ts / slide) * slide; s > ts - size; s -= slide) starts.unshift(s);
  return starts;
};
const bruteByWindow = <T>(ps: Purchase[], size: number, slide: number, add: (acc: T | undefined, x: Purchase) => T) => {
  const acc = new Map<number, T>();
  for (const x of ps) for (const s of windowsOf(x.ts, size, slide)) acc.set(s, add(acc.get(s), x));
  return [...acc].sort((a, b) => a[0] - b[0]);
};

const small = generatePurchases({ seed: 7, events: 300, users: 40, items: 25, spanMs: 2.5 * HOUR_MS });
const big = generatePurchases({ seed: 1, events: 3000, users: 500, items: 200, spanMs: 2 * HOUR_MS });

describe("generatePurchases", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const opts = { seed: 11, events: 500, users: 50, items: 30, spanMs: 2 * HOUR_MS };
    expect(generatePurchases(opts)).toEqual(generatePurchases(opts));
    expect(generatePurchases({ ...opts, seed: 12 })).not.toEqual(generatePurchases(opts));
  });

  it("respects the out-of-orderness bound, yet is really out of order", () => {
    expect(maxLateness(big.map((x) => x.ts))).toBeLessThanOrEqual(5_000);
    expect(maxLateness(big.map((x) => x.ts))).toBeGreaterThan(0);
    const tight = generatePurchases({ seed: 1, events: 2000, users: 9, items: 9, spanMs: HOUR_MS, maxOutOfOrderMs: 300 });
    expect(maxLateness(tight.map((x) => x.ts))).toBeLessThanOrEqual(300);
    const inOrder = generatePurchases({ seed: 1, events: 500, users: 9, items: 9, spanMs: HOUR_MS, maxOutOfOrderMs: 0 });
    expect(maxLateness(inOrder.map((x) => x.ts))).toBe(0);
  });

  it("spans the requested range, crosses an hour boundary, and skews item popularity", () => {
    expect(H % HOUR_MS).toBe(0);
    expect(big).toHaveLength(3000);
    expect(big.every((x) => x.ts >= H && x.ts < H + 2 * HOUR_MS)).toBe(true);
    expect(new Set(big.map((x) => Math.floor(x.ts / HOUR_MS))).size).toBe(2);
    expect(big.every((x) => /^u\d+$/.test(x.userId) && /^spu-\d+$/.test(x.spuId))).toBe(true);
    const count = (id: string) => big.filter((x) => x.spuId === id).length;
    expect(count("spu-1")).toBeGreaterThan(5 * count("spu-100"));
  });
});

describe("expectedHourlyFinals", () => {
  it("buckets by UTC hour with an exclusive end", () => {
    const out = expectedHourlyFinals([p(H + HOUR_MS, "u2"), p(H, "u1"), p(H + HOUR_MS - 1, "u1")]);
    expect(out).toEqual({ uv: [{ hourStart: H, uv: 1 }, { hourStart: H + HOUR_MS, uv: 1 }], orders: [{ hourStart: H, orders: 2 }, { hourStart: H + HOUR_MS, orders: 1 }] });
  });

  it("matches a brute-force recount on generated data", () => {
    const out = expectedHourlyFinals(small);
    const hours = [...new Set(small.map((x) => x.ts - (x.ts % HOUR_MS)))].sort((a, b) => a - b);
    const inHour = (h: number) => small.filter((x) => x.ts >= h && x.ts < h + HOUR_MS);
    expect(out.uv).toEqual(hours.map((h) => ({ hourStart: h, uv: new Set(inHour(h).map((x) => x.userId)).size })));
    expect(out.orders).toEqual(hours.map((h) => ({ hourStart: h, orders: inHour(h).length })));
  });
});

describe("checkHourlyStream", () => {
  const finals = expectedHourlyFinals([p(H, "u1"), p(H + 1, "u2"), p(H + 2, "u3"), p(H + HOUR_MS, "u1")]); // uv 3, 1
  const row = (hourStart: number, uv: number, final = false): HourlyRow => ({ hourStart, uv, final });
  const good = [row(H, 1), row(H, 3), row(H + HOUR_MS, 1), row(H, 3, true), row(H + HOUR_MS, 1, true)];
  const check = (rows: HourlyRow[]) => checkHourlyStream(rows, "uv", finals);

  it("accepts a valid stream, with interleaved hours", () => expect(check(good)).toEqual([]));
  it("catches a decreasing early result", () => expect(check([row(H, 2), row(H, 1), ...good.slice(3)])).toEqual([expect.stringMatching(/decreased from 2 to 1/)]));
  it("catches an early result above the final", () => expect(check([row(H, 4), ...good.slice(3)])).toEqual([expect.stringMatching(/exceeds the final 3/)]));
  it("catches a missing final", () => expect(check(good.slice(0, 4))).toEqual([expect.stringMatching(/no final row \(expected uv=1\)/)]));
  it("catches two finals", () => expect(check([...good, row(H, 3, true)])).toEqual([expect.stringMatching(/2 final rows/)]));
  it("catches a wrong final", () => expect(check([row(H, 2, true), good[4]])).toEqual([expect.stringMatching(/final uv=2, expected 3/)]));
  it("catches an early row after the final", () => expect(check([...good, row(H, 3)])).toEqual([expect.stringMatching(/after the hour's final/)]));
  it("catches rows for an hour without data", () => {
    expect(check([...good, row(H + 2 * HOUR_MS, 1, true)])).toEqual([expect.stringMatching(/final row for an hour without data/)]);
    expect(check([...good, row(H - HOUR_MS, 1)])).toEqual([expect.stringMatching(/early row for an hour without data/)]);
  });
  it("checks the orders field, and flags rows lacking it", () => {
    const rows = [{ hourStart: H, orders: 3, final: true }, { hourStart: H + HOUR_MS, orders: 1, final: true }];
    expect(checkHourlyStream(rows, "orders", finals)).toEqual([]);
    expect(checkHourlyStream(rows, "uv", finals)).toHaveLength(4); // 2 rows without uv + 2 missing finals
  });
});

describe("expectedUvSliding", () => {
  it("hand example: the window end is exclusive and empty windows are absent", () => {
    const out = expectedUvSliding([p(12_000, "u1"), p(20_000, "u1"), p(14_999, "u2"), p(90_000, "u3")], 10_000, 5_000);
    expect(out.every((w) => w.windowEnd === w.windowStart + 10_000)).toBe(true);
    // [10000, 20000) does not contain ts 20000; nothing between 30000 and 85000.
    expect(out.map((w) => [w.windowStart, w.uv])).toEqual([[5_000, 2], [10_000, 2], [15_000, 1], [20_000, 1], [85_000, 1], [90_000, 1]]);
  });

  it("aligns windows to epoch 0 when the size is not a multiple of the slide", () => {
    expect(expectedUvSliding([p(10_000)], 7_000, 3_000).map((w) => [w.windowStart, w.windowEnd])).toEqual([[6_000, 13_000], [9_000, 16_000]]);
  });

  it("matches a brute-force event-centric assignment", () => {
    for (const [size, slide] of [[HOUR_MS, 10_000], [600_000, 7_000], [60_000, 60_000]]) {
      const brute = bruteByWindow<Set<string>>(small, size, slide, (acc, x) => (acc ?? new Set()).add(x.userId));
      expect(expectedUvSliding(small, size, slide)).toEqual(brute.map(([s, u]) => ({ windowStart: s, windowEnd: s + size, uv: u.size })));
    }
  });

  it("handles 3000 events over 2 hours quickly", () => {
    const t0 = performance.now();
    const out = expectedUvSliding(big);
    expect(performance.now() - t0).toBeLessThan(1_000);
    // No gaps: starts run from the first multiple of 10 s after minTs - 1 h to the last one <= maxTs.
    expect(out.every((w, i) => i === 0 || w.windowStart === out[i - 1].windowStart + 10_000)).toBe(true);
    expect(out).toHaveLength((3 * HOUR_MS) / 10_000 - 1);
  });
});

describe("expectedHotItems", () => {
  it("breaks count ties by spuId (plain string order) and keeps at most topN", () => {
    const ps = [p(1, "u", "spu-2"), p(2, "u", "spu-10"), p(3, "u", "spu-3"), p(4, "u", "spu-10"), p(5, "u", "spu-2")];
    expect(expectedHotItems(ps, 10, 10, 2)).toEqual([
      { windowStart: 0, windowEnd: 10, items: [{ spuId: "spu-10", count: 2 }, { spuId: "spu-2", count: 2 }] },
    ]);
  });

  it("treats windowStart + size as exclusive", () => {
    const out = expectedHotItems([p(0, "u", "spu-1"), p(10, "u", "spu-2")], 10, 10);
    expect(out.map((w) => w.items.map((i) => i.spuId))).toEqual([["spu-1"], ["spu-2"]]);
  });

  it("matches a brute-force event-centric assignment", () => {
    for (const [size, slide, topN] of [[HOUR_MS, 5_000, 10], [600_000, 7_000, 3]]) {
      const brute = bruteByWindow<Map<string, number>>(small, size, slide, (acc = new Map(), x) => acc.set(x.spuId, (acc.get(x.spuId) ?? 0) + 1));
      const want = brute.map(([s, m]) => {
        const all = [...m].map(([spuId, count]) => ({ spuId, count }));
        const rank = (a: (typeof all)[0]) => all.filter((b) => b.count > a.count || (b.count === a.count && b.spuId < a.spuId)).length;
        const items = all.filter((a) => rank(a) < topN).sort((a, b) => rank(a) - rank(b));
        return { windowStart: s, windowEnd: s + size, items };
      });
      expect(expectedHotItems(small, size, slide, topN)).toEqual(want);
    }
  });
});

describe("generateRequests / expectedAlerts", () => {
  const reqs = generateRequests({ seed: 3, ips: 40, requests: 3000 });
  const alerts = expectedAlerts(reqs);

  it("is deterministic per seed, bounded and really out of order", () => {
    expect(generateRequests({ seed: 3, ips: 40, requests: 3000 })).toEqual(reqs);
    expect(generateRequests({ seed: 4, ips: 40, requests: 3000 })).not.toEqual(reqs);
    expect(reqs).toHaveLength(3000);
    expect(maxLateness(reqs.map((r) => r.ts))).toBeLessThanOrEqual(5_000);
    expect(maxLateness(reqs.map((r) => r.ts))).toBeGreaterThan(0);
    expect(() => generateRequests({ seed: 3, ips: 40, requests: 10 })).toThrow(/requests must be >=/);
  });

  it("alerts for some ips but not all, and hits the 10 s bound exactly", () => {
    const alerted = new Set(alerts.map((a) => a.ip));
    expect(alerted.size).toBeGreaterThan(1);
    expect(alerted.size).toBeLessThan(new Set(reqs.map((r) => r.ip)).size / 2);
    const spanOf30 = new Map<string, number>(); // borderline ips: exactly 30 requests
    for (const ip of new Set(reqs.map((r) => r.ip))) {
      const seq = reqs.filter((r) => r.ip === ip);
      if (seq.length === 30) spanOf30.set(ip, seq[29].ts - seq[0].ts);
    }
    expect([...spanOf30.values()].sort((a, b) => a - b)).toEqual([9_999, 10_000, 10_001]);
    for (const [ip, span] of spanOf30) expect(alerted.has(ip)).toBe(span <= 10_000);
  });

  it("matches a brute-force look-back over the whole array", () => {
    const want: { ip: string; firstTs: number; lastTs: number; pos: number }[] = [];
    reqs.forEach((last, j) => {
      const prior = reqs.slice(0, j).filter((r) => r.ip === last.ip);
      const first = prior[prior.length - 29];
      if (first && last.ts - first.ts <= 10_000) want.push({ ip: last.ip, firstTs: first.ts, lastTs: last.ts, pos: prior.length });
    });
    want.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.pos - b.pos));
    expect(alerts).toEqual(want.map(({ ip, firstTs, lastTs }) => ({ ip, firstTs, lastTs })));
  });

  it("hand examples: inclusive 10 s bound, arrival order defines first/last, sorted by ip", () => {
    const burst = (ip: string, tss: number[]): Request[] => tss.map((ts) => ({ ip, path: "/", ts }));
    const even = (n: number, span: number) => Array.from({ length: n }, (_, k) => Math.round((k * span) / (n - 1)));
    expect(expectedAlerts(burst("a", even(30, 10_000)))).toEqual([{ ip: "a", firstTs: 0, lastTs: 10_000 }]);
    expect(expectedAlerts(burst("a", even(30, 10_001)))).toEqual([]);
    expect(expectedAlerts(burst("a", even(29, 1_000)))).toEqual([]);
    // ts range is 10500 > 10000, but in arrival order last - first = -10500.
    expect(expectedAlerts(burst("a", [11_000, ...even(28, 1_000), 500]))).toEqual([{ ip: "a", firstTs: 11_000, lastTs: 500 }]);
    const mixed = [...burst("10.0.0.9", even(31, 100)), ...burst("10.0.0.10", even(30, 100))].sort((x, y) => x.ts - y.ts);
    expect(expectedAlerts(mixed).map((a) => `${a.ip}@${a.firstTs}`)).toEqual(["10.0.0.10@0", "10.0.0.9@0", "10.0.0.9@3"]);
  });
});
