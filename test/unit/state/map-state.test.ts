/**
 * MapState through a small job on the in-memory engine, against an in-test model (a JS Map
 * per key). After every operation the job reports everything MapState can answer, so each of
 * put/putAll/get/remove/contains/entries/keys/values/isEmpty/clear is checked after every step.
 */
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  MapStateDescriptor,
  type Collector,
  type KeyedContext,
  type MapState,
  type RuntimeContext,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { mapEntryKey, VOID_NAMESPACE } from '../../../lib/state/keys.ts';
import { driveToEnd } from '../support/drive.ts';
import { stateDump, stateItemsOf, storedValue } from '../support/state-items.ts';
import { groupBy, lines, sink, tsSource } from '../support/tiny.ts';

type MapOp = {
  i: number;
  k: string;
  ts: number;
  op: 'put' | 'putAll' | 'remove' | 'clear' | 'look';
  uk?: string;
  v?: number;
  all?: [string, number][];
  /** The user key asked with get/contains after the operation. */
  q: string;
};
type Snapshot = { i: number; k: string; get: number | null; contains: boolean; entries: [string, number][]; keys: string[]; values: number[]; isEmpty: boolean };

class MapOps extends KeyedProcessFunction<string, MapOp, Snapshot> {
  private m!: MapState<string, number>;
  override open(ctx: RuntimeContext) {
    this.m = ctx.getMapState(new MapStateDescriptor<string, number>('m'));
  }
  async processElement(e: MapOp, _ctx: KeyedContext<string>, out: Collector<Snapshot>) {
    if (e.op === 'put') await this.m.put(e.uk!, e.v!);
    if (e.op === 'putAll') await this.m.putAll(e.all!);
    if (e.op === 'remove') await this.m.remove(e.uk!);
    if (e.op === 'clear') await this.m.clear();
    out.collect({
      i: e.i,
      k: e.k,
      get: (await this.m.get(e.q)) ?? null,
      contains: await this.m.contains(e.q),
      entries: await this.m.entries(),
      keys: await this.m.keys(),
      values: await this.m.values(),
      isEmpty: await this.m.isEmpty(),
    });
  }
}

function model(ops: MapOp[]): Snapshot[] {
  const maps = new Map<string, Map<string, number>>();
  return ops.map((e) => {
    const m = maps.get(e.k) ?? new Map<string, number>();
    maps.set(e.k, m);
    if (e.op === 'put') m.set(e.uk!, e.v!);
    if (e.op === 'putAll') for (const [uk, v] of e.all!) m.set(uk, v);
    if (e.op === 'remove') m.delete(e.uk!);
    if (e.op === 'clear') m.clear();
    // MapState documents its entries as ordered by key.
    const entries = [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      i: e.i,
      k: e.k,
      get: m.get(e.q) ?? null,
      contains: m.has(e.q),
      entries,
      keys: entries.map(([uk]) => uk),
      values: entries.map(([, v]) => v),
      isEmpty: m.size === 0,
    };
  });
}

function mapJob(batchSize: number) {
  const job = new Job('t-map', { batchSize });
  tsSource<MapOp>(job).keyBy((e) => e.k).process(new MapOps(), { uid: 'map-ops' }).sinkTo(sink('out'));
  return job;
}

const script: Omit<MapOp, 'i' | 'ts'>[] = [
  { k: 'a', op: 'look', q: 'x' },
  { k: 'a', op: 'put', uk: 'x', v: 1, q: 'x' },
  { k: 'b', op: 'put', uk: 'x', v: 100, q: 'x' },
  { k: 'a', op: 'put', uk: 'c', v: 3, q: 'y' },
  { k: 'a', op: 'putAll', all: [['y', 2], ['x', 11], ['a0', 0]], q: 'y' },
  { k: 'a', op: 'remove', uk: 'y', q: 'y' },
  { k: 'a', op: 'remove', uk: 'never-there', q: 'x' },
  { k: 'b', op: 'look', q: 'x' },
  { k: 'a', op: 'look', q: 'c' },
  { k: 'a', op: 'clear', q: 'x' },
  { k: 'a', op: 'look', q: 'x' },
  { k: 'a', op: 'put', uk: 'x', v: 7, q: 'x' },
  { k: 'b', op: 'remove', uk: 'x', q: 'x' },
  { k: 'b', op: 'put', uk: 'z', v: 0, q: 'z' },
  { k: 'a', op: 'putAll', all: [['m', 5], ['n', 6]], q: 'n' },
  { k: 'a', op: 'look', q: 'm' },
];

const ops = script.map((e, i) => ({ ...e, i, ts: 1_000 + i * 10 })) as MapOp[];
const byKey = (rows: Snapshot[]) => Object.fromEntries(groupBy(rows, (r) => r.k));

describe('MapState', () => {
  for (const batchSize of [100, 3, 1]) {
    it(`answers every query like a map of the key's entries, batch size ${batchSize}`, async () => {
      const { sinks, deadLetters } = await replayInMemory(mapJob(batchSize), { in: lines(ops) });
      expect(deadLetters).toEqual([]);
      expect(byKey(sinks.values('out') as Snapshot[])).toEqual(byKey(model(ops)));
    });
  }

  it('stores each entry as its own item, and no item for removed entries', async () => {
    const stored = await stateDump(await replayInMemory(mapJob(2), { in: lines(ops) }));
    const final = model(ops);
    const last = (k: string) => final.filter((s) => s.k === k).at(-1)!;
    for (const k of ['a', 'b']) {
      const expected = last(k).entries.map(([uk, v]) => [mapEntryKey('map-ops', k, 'm', VOID_NAMESPACE, uk).sk, v]);
      const items = stateItemsOf(stored, 'map-ops', k).map((i) => [i.sk, storedValue(i)]);
      expect(items.sort(), k).toEqual(expected.sort());
    }
    expect(stored.filter((i) => i.pk.startsWith('s#map-ops#'))).toHaveLength(last('a').entries.length + last('b').entries.length);
  });
});

describe('MapState edge cases (regressions)', () => {
  class NumberKeys extends KeyedProcessFunction<string, { ts: number; n: number[] }, number[]> {
    private m!: MapState<number, true>;
    override open(ctx: RuntimeContext) {
      this.m = ctx.getMapState(new MapStateDescriptor<number, true>('n'));
    }
    async processElement(e: { n: number[] }, _ctx: KeyedContext<string>, out: Collector<number[]>) {
      for (const n of e.n) await this.m.put(n, true);
      out.collect(await this.m.keys());
    }
  }

  it('orders number keys numerically, as documented ("ordered by key")', async () => {
    const job = new Job('t-map-numbers', { batchSize: 1 });
    tsSource<{ ts: number; n: number[] }>(job).keyBy(() => 'a').process(new NumberKeys(), { uid: 'numbers' }).sinkTo(sink('out'));
    const { sinks } = await replayInMemory(job, { in: lines([{ ts: 1, n: [9, 10, -1] }, { ts: 2, n: [-2, 100, 0.5] }]) });
    expect(sinks.values('out')).toEqual([[-1, 9, 10], [-2, -1, 0.5, 9, 10, 100]]);
  });

  type Ev = { ts: number; op: 'put' | 'put-keys-throw' | 'keys' };
  class MapThenThrow extends KeyedProcessFunction<string, Ev, string[]> {
    private m!: MapState<string, number>;
    override open(ctx: RuntimeContext) {
      this.m = ctx.getMapState(new MapStateDescriptor<string, number>('m'));
    }
    async processElement(e: Ev, _ctx: KeyedContext<string>, out: Collector<string[]>) {
      if (e.op === 'put') await this.m.put('x', 1);
      if (e.op === 'put-keys-throw') {
        await this.m.put('x', 2); // a blind write over the committed entry
        await this.m.remove('y');
        await this.m.keys();
        throw new Error('boom');
      }
      if (e.op === 'keys') out.collect(await this.m.keys());
    }
  }

  it("still lists a key's committed entries after a failed record of the same batch wrote them blindly", async () => {
    const job = new Job('t-map-rollback', { parallelism: 1 });
    tsSource<Ev>(job).keyBy(() => 'a').process(new MapThenThrow(), { uid: 'rollback' }).sinkTo(sink('out'));
    // source batches: [put] then [put-keys-throw, keys] then the end marker, so that the entry is
    // committed before the batch in which the failing record and the reading record meet
    const sizes = [1, 2, 1];
    const events: Ev[] = [{ ts: 1, op: 'put' }, { ts: 2, op: 'put-keys-throw' }, { ts: 3, op: 'keys' }];
    const run = await driveToEnd(job, { in: lines(events) }, { batchSize: (stage) => (stage === 'source-in' ? (sizes.shift() ?? 1) : 1) });
    expect(run.deadLetters.map((d) => d.reason)).toEqual(['Error: boom']);
    expect(run.sinks.values('out')).toEqual([['x']]);
    expect(stateItemsOf(await stateDump(run), 'rollback', 'a').map(storedValue)).toEqual([1]);
  });
});
