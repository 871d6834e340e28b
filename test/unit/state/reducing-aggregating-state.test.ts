/**
 * ReducingState and AggregatingState through a small job, against folds computed in the test:
 * a reducing state holds reduce(...reduce(v1, v2)..., vn) of the values added since the last
 * clear (nothing before the first add); an aggregating state holds the accumulator built with
 * createAccumulator/add and answers getResult of it.
 */
import { describe, expect, it } from 'vitest';
import {
  AggregatingStateDescriptor,
  Job,
  KeyedProcessFunction,
  ReducingStateDescriptor,
  type AggregateFunction,
  type AggregatingState,
  type Collector,
  type KeyedContext,
  type ReducingState,
  type RuntimeContext,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { stateDump, stateItem, storedValue } from '../support/state-items.ts';
import { groupBy, lines, sink, tsSource } from '../support/tiny.ts';

type Ev = { i: number; k: string; ts: number; op: 'add' | 'clear' | 'get'; v?: number };
type Out = { i: number; k: string; sum: number | null; max: number | null; mean: number | null; span: string | null };

/** Mean of the values, kept as a JSON accumulator. */
const mean: AggregateFunction<number, { sum: number; n: number }, number> = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
  getResult: (acc) => acc.sum / acc.n,
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
};

/** An order-sensitive aggregate: "first..last" of the values added. */
const span: AggregateFunction<number, { first?: number; last?: number }, string> = {
  createAccumulator: () => ({}),
  add: (v, acc) => ({ first: acc.first ?? v, last: v }),
  getResult: (acc) => `${acc.first}..${acc.last}`,
  merge: (a, b) => ({ first: a.first ?? b.first, last: b.last ?? a.last }),
};

class Folds extends KeyedProcessFunction<string, Ev, Out> {
  private sum!: ReducingState<number>;
  private max!: ReducingState<number>;
  private mean!: AggregatingState<number, number>;
  private span!: AggregatingState<number, string>;
  override open(ctx: RuntimeContext) {
    this.sum = ctx.getReducingState(new ReducingStateDescriptor<number>('sum', (a, b) => a + b));
    this.max = ctx.getReducingState(new ReducingStateDescriptor<number>('max', (a, b) => Math.max(a, b)));
    this.mean = ctx.getAggregatingState(new AggregatingStateDescriptor('mean', mean));
    this.span = ctx.getAggregatingState(new AggregatingStateDescriptor('span', span));
  }
  async processElement(e: Ev, _ctx: KeyedContext<string>, out: Collector<Out>) {
    const states = [this.sum, this.max, this.mean, this.span];
    if (e.op === 'add') for (const s of states) await s.add(e.v!);
    if (e.op === 'clear') for (const s of states) await s.clear();
    out.collect({
      i: e.i,
      k: e.k,
      sum: (await this.sum.get()) ?? null,
      max: (await this.max.get()) ?? null,
      mean: (await this.mean.get()) ?? null,
      span: (await this.span.get()) ?? null,
    });
  }
}

function model(events: Ev[]): Out[] {
  const added = new Map<string, number[]>();
  return events.map((e) => {
    const vs = added.get(e.k) ?? [];
    if (e.op === 'add') vs.push(e.v!);
    if (e.op === 'clear') vs.length = 0;
    added.set(e.k, vs);
    const none = vs.length === 0;
    return {
      i: e.i,
      k: e.k,
      sum: none ? null : vs.reduce((a, b) => a + b, 0),
      max: none ? null : Math.max(...vs),
      mean: none ? null : vs.reduce((a, b) => a + b, 0) / vs.length,
      span: none ? null : `${vs[0]}..${vs[vs.length - 1]}`,
    };
  });
}

function foldJob(batchSize: number) {
  const job = new Job('t-folds', { batchSize });
  tsSource<Ev>(job).keyBy((e) => e.k).process(new Folds(), { uid: 'folds' }).sinkTo(sink('out'));
  return job;
}

const script: Omit<Ev, 'i' | 'ts'>[] = [
  { k: 'a', op: 'get' },
  { k: 'a', op: 'add', v: 4 },
  { k: 'b', op: 'add', v: -2 },
  { k: 'a', op: 'add', v: 10 },
  { k: 'a', op: 'add', v: -1 },
  { k: 'b', op: 'add', v: 0 },
  { k: 'a', op: 'clear' },
  { k: 'a', op: 'get' },
  { k: 'a', op: 'add', v: 3 },
  { k: 'b', op: 'add', v: 7 },
  { k: 'a', op: 'add', v: 3 },
  { k: 'b', op: 'get' },
];
const events = script.map((e, i) => ({ ...e, i, ts: 5_000 + i })) as Ev[];
const byKey = (rows: Out[]) => Object.fromEntries(groupBy(rows, (r) => r.k));

describe('ReducingState and AggregatingState', () => {
  for (const batchSize of [100, 2]) {
    it(`fold the values added since the last clear, batch size ${batchSize}`, async () => {
      const { sinks, deadLetters } = await replayInMemory(foldJob(batchSize), { in: lines(events) });
      expect(deadLetters).toEqual([]);
      expect(byKey(sinks.values('out') as Out[])).toEqual(byKey(model(events)));
    });
  }

  it('stores the accumulator, not the result, of an aggregating state', async () => {
    const stored = await stateDump(await replayInMemory(foldJob(100), { in: lines(events) }));
    expect(storedValue(stateItem(stored, 'folds', 'a', 'mean#-'))).toEqual({ sum: 6, n: 2 });
  });
});
