import { describe, expect, it } from "vitest";
import { decodeMaxwell } from "../../../lib/connectors/change-records.ts";
import { CDC_TABLES, generateMaxwell, MAX_TS_JITTER_S } from "./generator.ts";
import { expectedCdcSplit, type MaxwellJson } from "./oracle.ts";

describe("cdc-split generator", () => {
  it("is deterministic per seed", () => {
    const a = generateMaxwell({ seed: 7, records: 300 });
    expect(generateMaxwell({ seed: 7, records: 300 })).toEqual(a);
    expect(generateMaxwell({ seed: 8, records: 300 })).not.toEqual(a);
    expect(a).toHaveLength(300);
    expect(generateMaxwell({ seed: 7, records: 0 })).toEqual([]);
  });

  it("writes records the Maxwell decoder accepts, through JSON", () => {
    for (const r of generateMaxwell({ seed: 11, records: 300 })) {
      const parsed: unknown = JSON.parse(JSON.stringify(r));
      expect(decodeMaxwell(parsed)).toMatchObject({ table: r.table, type: r.type, ts: r.ts, tsMs: r.ts * 1000 });
    }
  });

  it("covers every table and type, with ts in seconds out of order by at most 5 s", () => {
    const recs = generateMaxwell({ seed: 1, records: 500 });
    expect(new Set(recs.map((r) => r.table))).toEqual(new Set(CDC_TABLES));
    expect(new Set(recs.map((r) => r.type))).toEqual(new Set(["insert", "update", "delete", "bootstrap-start", "bootstrap-insert", "bootstrap-complete"]));
    let maxTs = -Infinity;
    for (const r of recs) {
      expect(r.database).toBe("shop");
      expect(Number.isInteger(r.ts) && r.ts >= 1_700_000_000 && r.ts < 1e10).toBe(true);
      expect(r.ts).toBeGreaterThanOrEqual(maxTs - MAX_TS_JITTER_S);
      maxTs = Math.max(maxTs, r.ts);
      if (r.type !== "bootstrap-start" && r.type !== "bootstrap-complete") expect(typeof r.data?.id).toBe("number");
      if (r.type === "update") {
        expect(Object.keys(r.old ?? {}).length).toBeGreaterThan(0);
        for (const k of Object.keys(r.old!)) expect(r.old![k]).not.toEqual(r.data![k]);
      }
    }
    expect(recs.filter((r) => r.type !== "bootstrap-start" && r.type !== "bootstrap-complete" && r.type !== "bootstrap-insert").length).toBeGreaterThan(400);
  });
});

describe("expectedCdcSplit", () => {
  it("splits a hand-made stream", () => {
    const recs: MaxwellJson[] = [
      { database: "shop", table: "orders", type: "insert", ts: 100, xid: 1, commit: true, data: { id: 1, status: "CREATED" } },
      { database: "shop", table: "coupon", type: "insert", ts: 101, data: { id: 9, code: "C1" } },
      { database: "shop", table: "user_info", type: "bootstrap-start", ts: 99, data: {} },
      { database: "shop", table: "user_info", type: "bootstrap-insert", ts: 102, data: { id: 3, name: "u3" } },
      { database: "shop", table: "orders", type: "update", ts: 103, data: { id: 1, status: "PAID" }, old: { status: "CREATED" } },
      { database: "shop", table: "order_detail", type: "delete", ts: 98, data: { id: 5, order_id: 1 } },
    ];
    const out = expectedCdcSplit(recs);
    expect(out).toEqual({
      orders: [
        { type: "insert", ts: 100, data: { id: 1, status: "CREATED" } },
        { type: "update", ts: 103, data: { id: 1, status: "PAID" } },
      ],
      order_detail: [{ type: "delete", ts: 98, data: { id: 5, order_id: 1 } }],
      user_info: [],
      other: [recs[1], recs[2], recs[3]],
    });
    expect(out.other[0]).toBe(recs[1]); // whole, as it was
  });

  it("routes every generated record exactly once", () => {
    const recs = generateMaxwell({ seed: 3, records: 400 });
    const out = expectedCdcSplit(recs);
    expect(out.orders.length + out.order_detail.length + out.user_info.length + out.other.length).toBe(recs.length);
    expect(out.orders.length).toBeGreaterThan(0);
    expect(out.order_detail.length).toBeGreaterThan(0);
    expect(out.user_info.length).toBeGreaterThan(0);
  });
});
