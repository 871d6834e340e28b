/** The bench's cdc-split jobs (side outputs vs one filter job per table) and its many-table Maxwell generator. */
import { describe, expect, it } from 'vitest';
import { cdcFilterJobs, cdcSplitJob, OTHER, routeOf } from '../../../bench/jobs/cdc-split.ts';
import { generateTableChanges, tableName } from '../../../bench/maxwell-tables.ts';
import { TABLES as SHIPPED_TABLES } from '../../../functions/cdc-split/job.ts';
import { decodeMaxwell } from '../../../lib/connectors/change-records.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { generateMaxwell } from '../../scenario/cdc-split/generator.ts';
import { expectedCdcSplit } from '../../scenario/cdc-split/oracle.ts';

const bySink = (records: { sink: string; value: unknown }[]) => {
  const out: Record<string, unknown[]> = {};
  for (const r of records) (out[r.sink] ??= []).push(r.value);
  return out;
};

describe('routeOf', () => {
  const tables = new Set(['a', 'b']);
  it('sends row changes of a listed table to it, everything else to other', () => {
    for (const type of ['insert', 'update', 'delete'] as const) expect(routeOf({ table: 'a', type }, tables)).toBe('a');
    expect(routeOf({ table: 'b', type: 'bootstrap-insert' }, tables)).toBe(OTHER);
    expect(routeOf({ table: 'b', type: 'bootstrap-start' }, tables)).toBe(OTHER);
    expect(routeOf({ table: 'c', type: 'insert' }, tables)).toBe(OTHER);
  });
});

describe('generateTableChanges', () => {
  const records = generateTableChanges({ seed: 3, records: 3000, tables: 6 });

  it('is deterministic per seed', () => {
    expect(generateTableChanges({ seed: 3, records: 3000, tables: 6 })).toEqual(records);
    expect(generateTableChanges({ seed: 4, records: 3000, tables: 6 })).not.toEqual(records);
    expect(records).toHaveLength(3000);
  });

  it('writes valid Maxwell records: skewed tables, rows that exist, ts that never decreases', () => {
    const count = new Map<string, number>();
    const live = new Map<string, Set<unknown>>();
    let ts = 0;
    for (const r of records) {
      expect(() => decodeMaxwell(JSON.parse(JSON.stringify(r)))).not.toThrow();
      expect(r.ts).toBeGreaterThanOrEqual(ts);
      ts = r.ts;
      count.set(r.table, (count.get(r.table) ?? 0) + 1);
      const rows = live.get(r.table) ?? live.set(r.table, new Set()).get(r.table)!;
      const id = r.data!.id;
      if (r.type === 'insert') {
        expect(rows.has(id)).toBe(false);
        rows.add(id);
      } else {
        expect(rows.has(id)).toBe(true); // update, delete and bootstrap-insert name a live row
        if (r.type === 'delete') rows.delete(id);
        if (r.type === 'update') expect(Object.keys(r.old ?? {}).length).toBeGreaterThan(0);
      }
    }
    expect([...count.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6].map(tableName));
    expect(count.get(tableName(1))!).toBeGreaterThan(2 * count.get(tableName(6))!); // Zipf 1.1: rank 1 ≈ 7× rank 6
    const bootstraps = records.filter((r) => r.type === 'bootstrap-insert').length;
    expect(bootstraps).toBeGreaterThan(0);
    expect(bootstraps).toBeLessThan(100);
  });
});

describe('cdc-split bench jobs', () => {
  it('side outputs and one filter job per table write the same records to the same sinks, in order', async () => {
    const lines = generateTableChanges({ seed: 5, records: 400, tables: 5 }).map((r) => JSON.stringify(r));
    const tables = [1, 2, 3, 4].map(tableName); // tbl_05 and bootstraps go to other
    const split = await replayInMemory(cdcSplitJob(tables, { batchSize: 50 }), { maxwell: lines });
    expect(split.deadLetters).toEqual([]);
    const filters = cdcFilterJobs(tables, { batchSize: 50 });
    expect(filters.map((j) => j.name)).toEqual(['bench-cdc-filter-tbl-01', 'bench-cdc-filter-tbl-02', 'bench-cdc-filter-tbl-03', 'bench-cdc-filter-tbl-04', 'bench-cdc-filter-other']);
    const merged: { sink: string; value: unknown }[] = [];
    for (const job of filters) {
      const r = await replayInMemory(job, { maxwell: lines });
      expect(r.deadLetters).toEqual([]);
      expect(r.plan.stages).toHaveLength(1); // one source stage: the job reads the stream once, all of it
      expect(new Set(r.sinks.records.map((s) => s.sink)).size).toBe(1);
      merged.push(...r.sinks.records);
    }
    const want = bySink(split.sinks.records);
    expect(Object.keys(want).sort()).toEqual([...tables, OTHER].sort());
    expect(bySink(merged)).toEqual(want);
    expect(merged).toHaveLength(lines.length);
  });

  it('route as the shipped cdc-split job does (its scenario oracle)', async () => {
    const changes = generateMaxwell({ seed: 9, records: 300 });
    const lines = changes.map((c) => JSON.stringify(c));
    const expected: Record<string, unknown[]> = { ...expectedCdcSplit(changes) };
    const split = await replayInMemory(cdcSplitJob(SHIPPED_TABLES), { maxwell: lines });
    expect(bySink(split.sinks.records)).toEqual(expected);
    const merged = [];
    for (const job of cdcFilterJobs(SHIPPED_TABLES)) merged.push(...(await replayInMemory(job, { maxwell: lines })).sinks.records);
    expect(bySink(merged)).toEqual(expected);
  });
});
