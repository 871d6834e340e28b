// Independent test oracle for the `cdc-split` scenario (SCENARIOS.md): one Maxwell stream of
// many tables, split in one pass into the sinks `orders`, `order_detail`, `user_info` and `other`.
// Imports nothing from lib/ or functions/ on purpose; the input is assumed valid (malformed
// records go to the dead-letter table, which the contract leaves out of the four sinks).

export type MaxwellType = "insert" | "update" | "delete" | "bootstrap-start" | "bootstrap-insert" | "bootstrap-complete";

/** A Maxwell record as parsed from JSON (`ts` in seconds). */
export interface MaxwellJson {
  database: string;
  table: string;
  type: MaxwellType;
  ts: number;
  xid?: number;
  commit?: boolean;
  data?: Record<string, unknown>;
  old?: Record<string, unknown>;
}

/** What the per-table sinks receive: `ts` exactly as in the record (seconds). */
export interface Row {
  type: "insert" | "update" | "delete";
  ts: number;
  data: Record<string, unknown>;
}

export interface CdcSplitExpectation {
  orders: Row[];
  order_detail: Row[];
  user_info: Row[];
  other: object[];
}

/** The tables that have a sink of their own. */
export const SPLIT_TABLES = ["orders", "order_detail", "user_info"] as const;
type SplitTable = (typeof SPLIT_TABLES)[number];

const ROW_TYPES: ReadonlySet<string> = new Set(["insert", "update", "delete"]);
const isSplitTable = (t: string): t is SplitTable => (SPLIT_TABLES as readonly string[]).includes(t);

/**
 * Expected sink contents, each in input order. A record of `orders`, `order_detail` or
 * `user_info` with type insert, update or delete becomes `{ type, ts, data }` in its table's
 * sink; every other record goes to `other` whole (the parsed object as it was).
 *
 * Choice: bootstrap-* records of the three tables also go to `other`, since the contract gives
 * those sinks "insert, update, delete" rows only (a bootstrap-insert is not re-labelled insert,
 * and bootstrap-start/complete carry no row). The split is by table name only; the database
 * is not looked at (the contract names tables, not databases).
 */
export function expectedCdcSplit(records: MaxwellJson[]): CdcSplitExpectation {
  const out: CdcSplitExpectation = { orders: [], order_detail: [], user_info: [], other: [] };
  for (const r of records) {
    if (isSplitTable(r.table) && ROW_TYPES.has(r.type)) {
      if (r.data === undefined) throw new Error(`oracle: ${r.type} of ${r.table} without data (outside the contract)`);
      out[r.table].push({ type: r.type as Row["type"], ts: r.ts, data: r.data });
    } else {
      out.other.push(r);
    }
  }
  return out;
}
