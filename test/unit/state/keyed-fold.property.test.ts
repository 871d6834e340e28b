/**
 * Property: for random keyed inputs, a job keeping a per-key count (ValueState), sum
 * (ReducingState), distinct-value set (MapState) and value history (ListState) emits, after
 * every record, exactly the fold of that key's records so far — computed independently here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type ListState,
  type MapState,
  type ReducingState,
  type RuntimeContext,
  type ValueState,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { groupBy, lines, sink, tsSource } from '../support/tiny.ts';

type Ev = { k: string; v: number; ts: number };
type Out = { k: string; count: number; sum: number; distinct: number[]; history: number[] };

class Fold extends KeyedProcessFunction<string, Ev, Out> {
  private count!: ValueState<number>;
  private sum!: ReducingState<number>;
  private distinct!: MapState<number, true>;
  private history!: ListState<number>;
  override open(ctx: RuntimeContext) {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
    this.sum = ctx.getReducingState(new ReducingStateDescriptor<number>('sum', (a, b) => a + b));
    this.distinct = ctx.getMapState(new MapStateDescriptor<number, true>('distinct'));
    this.history = ctx.getListState(new ListStateDescriptor<number>('history'));
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Out>) {
    await this.count.update(((await this.count.value()) ?? 0) + 1);
    await this.sum.add(e.v);
    await this.distinct.put(e.v, true);
    await this.history.add(e.v);
    out.collect({
      k: ctx.getCurrentKey(),
      count: (await this.count.value())!,
      sum: (await this.sum.get())!,
      distinct: (await this.distinct.keys()).sort((a, b) => a - b),
      history: await this.history.get(),
    });
  }
}

function expectedFold(events: Ev[]): Map<string, Out[]> {
  const out = new Map<string, Out[]>();
  for (const [k, evs] of groupBy(events, (e) => e.k)) {
    out.set(
      k,
      evs.map((_, n) => {
        const prefix = evs.slice(0, n + 1).map((e) => e.v);
        return { k, count: n + 1, sum: prefix.reduce((a, b) => a + b, 0), distinct: [...new Set(prefix)].sort((a, b) => a - b), history: prefix };
      }),
    );
  }
  return out;
}

const eventsArb = fc
  .array(fc.record({ k: fc.constantFrom('a', 'b', 'c', 'k-4', 'long-key-5'), v: fc.integer({ min: -20, max: 20 }), dt: fc.integer({ min: 0, max: 3000 }) }), { maxLength: 40 })
  .map((rows) => {
    let ts = 1_000_000;
    return rows.map(({ k, v, dt }) => ({ k, v, ts: (ts += dt) }));
  });

describe('keyed fold property (in-memory replay)', () => {
  it('per-key count / sum / distinct set / history equal the independent fold after every record', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, fc.constantFrom(1, 3, 100), async (events, batchSize) => {
        const job = new Job('t-fold', { batchSize });
        tsSource<Ev>(job).keyBy((e) => e.k).process(new Fold(), { uid: 'fold' }).sinkTo(sink('out'));
        const { sinks, deadLetters } = await replayInMemory(job, { in: lines(events) });
        expect(deadLetters).toEqual([]);
        expect(groupBy(sinks.values('out') as Out[], (o) => o.k)).toEqual(expectedFold(events));
      }),
      { numRuns: 25 },
    );
  });
});
