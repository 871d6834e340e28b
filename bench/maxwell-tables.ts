/**
 * Seeded Maxwell stream over many tables with skewed traffic, for bench/cdc-split.ts (the
 * scenario generator, test/scenario/cdc-split/generator.ts, has five fixed tables).
 *
 * Tables `tbl_01` … `tbl_NN` are drawn by Zipf rank (tbl_01 the busiest; bench/zipf.ts). Each
 * record is an insert, update or delete against a per-table model of the rows, so updates and
 * deletes name rows that exist and `old` holds the previous value; a share of the records are
 * `bootstrap-insert`s of an existing row (they belong to no table's sink). `ts` is in seconds
 * and never decreases.
 */
import { seededRandom } from '../lib/runtime/seeded-random.ts';
import type { MaxwellJson } from '../test/scenario/cdc-split/oracle.ts';
import { zipfSampler } from './zipf.ts';

export interface TableChangesOptions {
  seed: number;
  records: number;
  /** Tables in the stream (ranks 1..tables). */
  tables: number;
  /** Zipf exponent of table traffic (default 1.1). */
  s?: number;
  /** Share of records that are bootstrap-inserts (default 0.01). */
  bootstrapShare?: number;
  /** Clock of the first record, in seconds (default 1_700_000_000). */
  startTs?: number;
}

/** Name of the table of Zipf rank r (1 = busiest). */
export const tableName = (rank: number) => `tbl_${String(rank).padStart(2, '0')}`;

/** `records` Maxwell records (objects; the caller stringifies), in arrival order. */
export function generateTableChanges(options: TableChangesOptions): MaxwellJson[] {
  const { seed, records, tables, s = 1.1, bootstrapShare = 0.01, startTs = 1_700_000_000 } = options;
  if (!Number.isSafeInteger(records) || records < 0) throw new Error(`generateTableChanges: records must be a non-negative integer, got ${records}`);
  const nextRank = zipfSampler({ n: tables, s, seed });
  const rand = seededRandom(seed ^ 0x5bd1e995);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const rows = Array.from({ length: tables }, () => new Map<number, Record<string, unknown>>());
  const ids = Array.from({ length: tables }, () => [] as number[]); // live ids, for picking one
  const nextId = new Array<number>(tables).fill(1);
  let clock = startTs;
  let xid = 1;
  const out: MaxwellJson[] = [];
  while (out.length < records) {
    clock += int(0, 1);
    const t = nextRank() - 1;
    const table = tableName(t + 1);
    const live = rows[t];
    const pickId = () => ids[t][int(0, ids[t].length - 1)];
    if (live.size > 0 && rand() < bootstrapShare) {
      out.push({ database: 'shop', table, type: 'bootstrap-insert', ts: clock, data: { ...live.get(pickId())! } });
      continue;
    }
    const u = rand();
    const type = live.size === 0 || u < 0.5 ? 'insert' : u < 0.85 ? 'update' : 'delete';
    const base = { database: 'shop', table, ts: clock, xid: xid++, commit: true };
    if (type === 'insert') {
      const id = nextId[t]++;
      const row = { id, name: `row-${table}-${id}`, amount: int(100, 99_999) / 100, status: 'NEW', version: 1 };
      live.set(id, row);
      ids[t].push(id);
      out.push({ ...base, type, data: { ...row } });
    } else if (type === 'update') {
      const row = live.get(pickId())!;
      const old: Record<string, unknown> = { version: row.version };
      const amount = int(100, 99_999) / 100;
      if (amount !== row.amount) old.amount = row.amount;
      row.amount = amount;
      row.version = (row.version as number) + 1;
      out.push({ ...base, type, data: { ...row }, old });
    } else {
      const id = pickId();
      const row = live.get(id)!;
      live.delete(id);
      ids[t].splice(ids[t].indexOf(id), 1);
      out.push({ ...base, type, data: { ...row } });
    }
  }
  return out;
}
