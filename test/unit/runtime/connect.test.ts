/** `connect` + `KeyedCoProcessFunction`: two keyed inputs in one stage sharing the key's state and timers. */
import { describe, expect, it } from 'vitest';
import {
  Job, KeyedCoProcessFunction, KinesisSink, ListStateDescriptor, ValueStateDescriptor,
  type Collector, type KeyedContext, type ListState, type OnTimerContext, type RuntimeContext, type ValueState,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { tsSource } from '../support/tiny.ts';
import { planJob } from '../../../lib/plan/planner.ts';

interface Order { orderId: string; userId: string; ts: number }
interface Detail { detailId: string; orderId: string; qty: number; ts: number }
interface Line { orderId: string; detailId: string; userId: string; qty: number }

/** Details may come before or after their order; both sides wait in the key's state; a timer reports the unmatched. */
class JoinLines extends KeyedCoProcessFunction<string, Order, Detail, Line | { orphan: string }> {
  private order!: ValueState<Order>;
  private waiting!: ListState<Detail>;
  override open(ctx: RuntimeContext) {
    this.order = ctx.getState(new ValueStateDescriptor<Order>('order'));
    this.waiting = ctx.getListState(new ListStateDescriptor<Detail>('waiting'));
  }
  async processElement1(o: Order, _ctx: KeyedContext<string>, out: Collector<Line | { orphan: string }>) {
    await this.order.update(o);
    for (const d of await this.waiting.get()) out.collect({ orderId: o.orderId, detailId: d.detailId, userId: o.userId, qty: d.qty });
    await this.waiting.clear();
  }
  async processElement2(d: Detail, ctx: KeyedContext<string>, out: Collector<Line | { orphan: string }>) {
    const o = await this.order.value();
    if (o) out.collect({ orderId: o.orderId, detailId: d.detailId, userId: o.userId, qty: d.qty });
    else {
      await this.waiting.add(d);
      ctx.timerService().registerEventTimeTimer(d.ts + 1000);
    }
  }
  override async onTimer(_ts: number, _ctx: OnTimerContext<string>, out: Collector<Line | { orphan: string }>) {
    for (const d of await this.waiting.get()) out.collect({ orphan: d.detailId });
    await this.waiting.clear();
  }
}

function joinJob() {
  const job = new Job('join', { parallelism: 2 });
  const orders = tsSource<Order>(job, 'orders', { outOfOrderness: 0 });
  const details = tsSource<Detail>(job, 'details', { outOfOrderness: 0 });
  orders.connect(details).keyBy((o) => o.orderId, (d) => d.orderId).process(new JoinLines(), { uid: 'join' })
    .sinkTo(KinesisSink.json('lines', { partitionKey: (l) => ('orderId' in l ? l.orderId : l.orphan) }));
  return job;
}

describe('connect + KeyedCoProcessFunction', () => {
  it('plans both sources into one keyed stage, the second marked as input 2', () => {
    const plan = planJob(joinJob().graph);
    expect(plan.stages.map((s) => s.id)).toEqual(['source-orders', 'source-details', 'join']);
    expect(plan.stages[0].outputs).toEqual([expect.not.objectContaining({ input: 2 })]);
    expect(plan.stages[1].outputs).toEqual([expect.objectContaining({ stage: 'join', input: 2 })]);
  });

  it('each input reaches its own processElement, sharing the key’s state and timers', async () => {
    const orders = [{ orderId: 'o1', userId: 'u1', ts: 100 }, { orderId: 'o2', userId: 'u2', ts: 200 }];
    const details = [
      { detailId: 'd1', orderId: 'o1', qty: 1, ts: 50 }, // before its order
      { detailId: 'd2', orderId: 'o1', qty: 2, ts: 150 },
      { detailId: 'd3', orderId: 'o2', qty: 3, ts: 250 },
      { detailId: 'd4', orderId: 'o9', qty: 4, ts: 260 }, // no order: reported by the timer
    ];
    const { sinks, deadLetters } = await replayInMemory(joinJob(), { orders: orders.map((o) => JSON.stringify(o)), details: details.map((d) => JSON.stringify(d)) });
    expect(deadLetters).toEqual([]);
    const rows = sinks.values('lines') as any[];
    expect(rows.filter((r) => r.detailId).sort((a, b) => (a.detailId < b.detailId ? -1 : 1))).toEqual([
      { orderId: 'o1', detailId: 'd1', userId: 'u1', qty: 1 }, { orderId: 'o1', detailId: 'd2', userId: 'u1', qty: 2 }, { orderId: 'o2', detailId: 'd3', userId: 'u2', qty: 3 },
    ]);
    expect(rows.filter((r) => r.orphan)).toEqual([{ orphan: 'd4' }]);
  });

  it('stays exact under chaos', async () => {
    const orders = Array.from({ length: 30 }, (_, i) => ({ orderId: `o${i}`, userId: `u${i % 4}`, ts: i * 100 }));
    const details = Array.from({ length: 60 }, (_, i) => ({ detailId: `d${i}`, orderId: `o${i % 30}`, qty: i, ts: (i % 30) * 100 + (i < 30 ? -50 : 50) }));
    const run = (chaos?: { probability: number; seed: number }) => replayInMemory(joinJob(), { orders: orders.map((o) => JSON.stringify(o)), details: details.map((d) => JSON.stringify(d)) }, { chaos });
    const sort = (rows: any[]) => [...rows].map((r) => JSON.stringify(r)).sort();
    const clean = sort((await run()).sinks.values('lines'));
    expect(clean.length).toBeGreaterThanOrEqual(30);
    for (const seed of [1, 2]) expect(sort((await run({ probability: 0.2, seed })).sinks.values('lines'))).toEqual(clean);
  });
});
