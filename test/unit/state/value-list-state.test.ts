/**
 * ValueState and ListState through small jobs on the in-memory engine. Expected outputs come
 * from a plain in-test model of Flink's semantics (value: last update or nothing after clear;
 * list: insertion order, update replaces, update([]) / clear empties).
 */
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  ListStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type ListState,
  type RuntimeContext,
  type ValueState,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { stateDump, stateItemsOf, storedValue } from '../support/state-items.ts';
import { groupBy, lines, sink, tsSource } from '../support/tiny.ts';

type ValueOp = { i: number; k: string; ts: number; op: 'set' | 'clear' | 'get'; v?: number };
type Out<T> = { i: number; k: string; key: string; result: T };

class ValueOps extends KeyedProcessFunction<string, ValueOp, Out<number | null>> {
  private s!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.s = ctx.getState(new ValueStateDescriptor<number>('v'));
  }
  async processElement(e: ValueOp, ctx: KeyedContext<string>, out: Collector<Out<number | null>>) {
    if (e.op === 'set') await this.s.update(e.v!);
    if (e.op === 'clear') await this.s.clear();
    out.collect({ i: e.i, k: e.k, key: ctx.getCurrentKey(), result: (await this.s.value()) ?? null });
  }
}

type ListOp = { i: number; k: string; ts: number; op: 'add' | 'addAll' | 'update' | 'clear' | 'get'; vs?: string[] };

class ListOps extends KeyedProcessFunction<string, ListOp, Out<string[]>> {
  private s!: ListState<string>;
  override open(ctx: RuntimeContext) {
    this.s = ctx.getListState(new ListStateDescriptor<string>('l'));
  }
  async processElement(e: ListOp, ctx: KeyedContext<string>, out: Collector<Out<string[]>>) {
    if (e.op === 'add') await this.s.add(e.vs![0]);
    if (e.op === 'addAll') await this.s.addAll(e.vs!);
    if (e.op === 'update') await this.s.update(e.vs!);
    if (e.op === 'clear') await this.s.clear();
    out.collect({ i: e.i, k: e.k, key: ctx.getCurrentKey(), result: await this.s.get() });
  }
}

function valueModel(ops: ValueOp[]): Out<number | null>[] {
  const state = new Map<string, number>();
  return ops.map((e) => {
    if (e.op === 'set') state.set(e.k, e.v!);
    if (e.op === 'clear') state.delete(e.k);
    return { i: e.i, k: e.k, key: e.k, result: state.get(e.k) ?? null };
  });
}

function listModel(ops: ListOp[]): Out<string[]>[] {
  const state = new Map<string, string[]>();
  return ops.map((e) => {
    const cur = state.get(e.k) ?? [];
    if (e.op === 'add') state.set(e.k, [...cur, e.vs![0]]);
    if (e.op === 'addAll') state.set(e.k, [...cur, ...e.vs!]);
    if (e.op === 'update') state.set(e.k, [...e.vs!]);
    if (e.op === 'clear') state.delete(e.k);
    return { i: e.i, k: e.k, key: e.k, result: state.get(e.k) ?? [] };
  });
}

/** Per key, in order: what a correct engine emits for one key never depends on other keys. */
function byKey<T extends { k: string }>(rows: T[]) {
  return Object.fromEntries(groupBy(rows, (r) => r.k));
}

function valueJob(batchSize: number) {
  const job = new Job('t-value', { batchSize });
  tsSource<ValueOp>(job).keyBy((e) => e.k).process(new ValueOps(), { uid: 'value-ops' }).sinkTo(sink('out'));
  return job;
}

function listJob(batchSize: number) {
  const job = new Job('t-list', { batchSize });
  tsSource<ListOp>(job).keyBy((e) => e.k).process(new ListOps(), { uid: 'list-ops' }).sinkTo(sink('out'));
  return job;
}

const valueScript: Omit<ValueOp, 'i' | 'ts'>[] = [
  { k: 'a', op: 'get' },
  { k: 'a', op: 'set', v: 1 },
  { k: 'b', op: 'set', v: 10 },
  { k: 'a', op: 'get' },
  { k: 'a', op: 'set', v: 5 },
  { k: 'b', op: 'clear' },
  { k: 'a', op: 'get' },
  { k: 'b', op: 'get' },
  { k: 'a', op: 'clear' },
  { k: 'a', op: 'get' },
  { k: 'a', op: 'set', v: 0 },
  { k: 'b', op: 'set', v: -3 },
  { k: 'a', op: 'get' },
  { k: 'b', op: 'get' },
];

const listScript: Omit<ListOp, 'i' | 'ts'>[] = [
  { k: 'a', op: 'get' },
  { k: 'a', op: 'add', vs: ['x'] },
  { k: 'b', op: 'addAll', vs: ['p', 'q'] },
  { k: 'a', op: 'add', vs: ['y'] },
  { k: 'a', op: 'addAll', vs: ['z', 'x'] },
  { k: 'b', op: 'update', vs: ['r'] },
  { k: 'a', op: 'get' },
  { k: 'b', op: 'add', vs: ['s'] },
  { k: 'a', op: 'update', vs: [] },
  { k: 'a', op: 'get' },
  { k: 'a', op: 'addAll', vs: [] },
  { k: 'a', op: 'add', vs: ['w'] },
  { k: 'b', op: 'clear' },
  { k: 'b', op: 'get' },
  { k: 'b', op: 'addAll', vs: ['t', 't'] },
];

const number = <T extends object>(script: T[]) => script.map((e, i) => ({ ...e, i, ts: 1_000 + i * 10 }));

describe('ValueState', () => {
  for (const batchSize of [100, 2]) {
    it(`update / value / clear per key, batch size ${batchSize}`, async () => {
      const ops = number(valueScript) as ValueOp[];
      const { sinks, deadLetters } = await replayInMemory(valueJob(batchSize), { in: lines(ops) });
      expect(deadLetters).toEqual([]);
      expect(byKey(sinks.values('out') as Out<number | null>[])).toEqual(byKey(valueModel(ops)));
    });
  }

  it('keeps the state of a key across batches in the store, and removes cleared state', async () => {
    const ops = number(valueScript) as ValueOp[];
    const items = await stateDump(await replayInMemory(valueJob(1), { in: lines(ops) }));
    // a ends at 0, b at -3: exactly one item per key, holding the last value
    expect(stateItemsOf(items, 'value-ops', 'a').map(storedValue)).toEqual([0]);
    expect(stateItemsOf(items, 'value-ops', 'b').map(storedValue)).toEqual([-3]);
    expect(items.filter((i) => i.pk.startsWith('s#value-ops#'))).toHaveLength(2);
  });
});

describe('ListState', () => {
  for (const batchSize of [100, 2]) {
    it(`add / addAll / update / get / clear per key, batch size ${batchSize}`, async () => {
      const ops = number(listScript) as ListOp[];
      const { sinks, deadLetters } = await replayInMemory(listJob(batchSize), { in: lines(ops) });
      expect(deadLetters).toEqual([]);
      expect(byKey(sinks.values('out') as Out<string[]>[])).toEqual(byKey(listModel(ops)));
    });
  }

  it('stores nothing for a list that was emptied', async () => {
    const ops = number([
      { k: 'e', op: 'add', vs: ['1'] },
      { k: 'e', op: 'update', vs: [] },
      { k: 'f', op: 'add', vs: ['1'] },
      { k: 'f', op: 'clear' },
    ]) as ListOp[];
    const run = await replayInMemory(listJob(1), { in: lines(ops) });
    expect(run.sinks.values('out')).toHaveLength(4); // the job ran (the emptiness below is not vacuous)
    expect((await stateDump(run)).filter((i) => i.pk.startsWith('s#list-ops#'))).toEqual([]);
  });
});
