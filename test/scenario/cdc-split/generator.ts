import { seededRandom } from "../../../lib/runtime/seeded-random.ts";
import type { MaxwellJson, MaxwellType } from "./oracle.ts";
// Seeded, deterministic Maxwell stream for the `cdc-split` scenario.
//
// Records are produced in binlog order against a per-table model of the rows (so updates and
// deletes name rows that exist, and `old` holds the previous values of the changed columns).
// Each record's ts is `clock - jitter`, with the clock non-decreasing and jitter in
// [0, MAX_TS_JITTER_S]: for any earlier record p and later c, ts_c >= clock_p - 5 >= ts_p - 5,
// so ts is out of order by at most 5 s while the changes of one row stay in order.

/** Largest backwards step of ts between two records, in seconds. */
export const MAX_TS_JITTER_S = 5;
export const CDC_TABLES = ["orders", "order_detail", "user_info", "audit_log", "coupon"] as const;
type Table = (typeof CDC_TABLES)[number];
/** Relative frequency of each table, in CDC_TABLES order. */
const TABLE_WEIGHTS = [30, 25, 20, 15, 10];

export interface GenerateMaxwellOptions {
  /** PRNG seed (32-bit integer; other numbers are truncated to uint32). */
  seed: number;
  /** Number of records returned. */
  records: number;
  /** Clock of the first record, in seconds. Default 1_700_000_000 (2023-11-14T22:13:20Z). */
  startTs?: number;
}

type Cols = Record<string, unknown>;

/** Maxwell records (as objects; the caller stringifies) in arrival order. */
export function generateMaxwell(opts: GenerateMaxwellOptions): MaxwellJson[] {
  const { seed, records, startTs = 1_700_000_000 } = opts;
  for (const [name, v] of Object.entries({ records, startTs })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`generateMaxwell: ${name} must be a non-negative integer`);
  }
  const rand = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
  const pickTable = (): Table => {
    let x = rand() * TABLE_WEIGHTS.reduce((a, b) => a + b, 0);
    for (let i = 0; i < CDC_TABLES.length; i++) if ((x -= TABLE_WEIGHTS[i]) < 0) return CDC_TABLES[i];
    return CDC_TABLES[CDC_TABLES.length - 1];
  };

  let clock = startTs;
  const rows = new Map<Table, Map<number, Cols>>(CDC_TABLES.map((t) => [t, new Map()]));
  const nextId = new Map<Table, number>(CDC_TABLES.map((t) => [t, 1]));
  const newRow = (table: Table, id: number): Cols => {
    switch (table) {
      case "orders":
        return { id, user_id: int(1, 200), status: "CREATED", amount: int(100, 50_000) / 100, created_at: sqlTime(clock) };
      case "order_detail":
        return { id, order_id: int(1, 500), sku_id: `sku-${int(1, 99)}`, quantity: int(1, 5), price: int(100, 9_999) / 100 };
      case "user_info":
        return { id, name: `user${id}`, city: pick(CITIES), level: int(1, 5) };
      case "audit_log":
        return { id, action: pick(ACTIONS), actor: `user${int(1, 200)}` };
      case "coupon":
        return { id, code: `C${String(int(0, 99_999)).padStart(5, "0")}`, discount: int(5, 50), used: 0 };
    }
  };
  const other = <T>(xs: readonly T[], current: unknown): T => pick(xs.filter((x) => x !== current));
  /** New values for one or two columns of a row (never the id), each different from the current one. */
  const change = (table: Table, row: Cols): Cols => {
    switch (table) {
      case "orders":
        return rand() < 0.7 ? { status: other(STATUSES, row.status) } : { status: other(STATUSES, row.status), amount: Math.round((row.amount as number) * 100 + 100) / 100 };
      case "order_detail":
        return { quantity: (row.quantity as number) + 1 };
      case "user_info":
        return rand() < 0.5 ? { city: other(CITIES, row.city) } : { level: ((row.level as number) % 5) + 1, city: other(CITIES, row.city) };
      case "audit_log":
        return { action: other(ACTIONS, row.action) };
      case "coupon":
        return { used: 1 - (row.used as number) };
    }
  };

  const out: MaxwellJson[] = [];
  let xid = 1000;
  const ts = () => clock - int(0, Math.min(MAX_TS_JITTER_S, clock - startTs));
  // A bootstrap in progress: its table and the records still to write.
  let bootstrap: { table: Table; pending: MaxwellJson[] } | undefined;
  let bootstraps = 0;

  while (out.length < records) {
    if (out.length > 0) clock += int(0, 2);
    if (!bootstrap && ((bootstraps === 0 && out.length >= 5) || rand() < 0.02)) {
      const table = pick(CDC_TABLES);
      const existing = [...rows.get(table)!.values()].slice(0, int(1, 4)); // none for an empty table
      const rec = (type: MaxwellType, data: Cols): MaxwellJson => ({ database: "shop", table, type, ts: 0, data });
      bootstrap = { table, pending: [rec("bootstrap-start", {}), ...existing.map((r) => rec("bootstrap-insert", { ...r })), rec("bootstrap-complete", {})] };
      bootstraps++;
    }
    if (bootstrap && rand() < 0.5) {
      const r = bootstrap.pending.shift()!;
      out.push({ ...r, ts: ts() });
      if (bootstrap.pending.length === 0) bootstrap = undefined;
      continue;
    }

    const table = pickTable();
    const live = rows.get(table)!;
    const u = rand();
    const type: "insert" | "update" | "delete" = live.size === 0 || u < 0.5 ? "insert" : u < 0.85 ? "update" : "delete";
    const base = { database: "shop", table, type, ts: ts(), xid: xid++, commit: true };
    if (type === "insert") {
      const id = nextId.get(table)!;
      nextId.set(table, id + 1);
      const data = newRow(table, id);
      live.set(id, data);
      out.push({ ...base, data: { ...data } });
    } else {
      const id = pick([...live.keys()]);
      const row = live.get(id)!;
      if (type === "delete") {
        live.delete(id);
        out.push({ ...base, data: { ...row } });
      } else {
        const next = change(table, row);
        const old: Cols = {};
        for (const k of Object.keys(next)) old[k] = row[k];
        Object.assign(row, next);
        out.push({ ...base, data: { ...row }, old });
      }
    }
  }
  return out;
}

const CITIES = ["Beijing", "Shanghai", "Hangzhou", "Shenzhen", "Chengdu"];
const STATUSES = ["CREATED", "PAID", "SHIPPED", "CANCELLED"];
const ACTIONS = ["login", "logout", "export", "refund"];

/** `YYYY-MM-DD hh:mm:ss` (UTC), as Maxwell writes a DATETIME column. */
function sqlTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ");
}
