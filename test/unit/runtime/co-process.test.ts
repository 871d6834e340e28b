/** A CoProcessFunction on two streams that are not keyed: chained into each input's stage, no shuffle, with side outputs. */
import { describe, expect, it } from 'vitest';
import { CoProcessFunction, Job, KeyedProcessFunction, OutputTag, ValueStateDescriptor, type Collector, type KeyedContext, type ProcessContext, type RuntimeContext, type ValueState } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';

interface Web { id: string; cents: number; ts: number }
interface App { orderId: string; amount: number; ts: number }
interface Order { id: string; amount: number; from: 'web' | 'app' }
const refunds = new OutputTag<Order>('refunds');

class Normalize extends CoProcessFunction<Web, App, Order> {
  processElement1(o: Web, ctx: ProcessContext, out: Collector<Order>) {
    this.route({ id: o.id, amount: o.cents / 100, from: 'web' }, ctx, out);
  }
  processElement2(o: App, ctx: ProcessContext, out: Collector<Order>) {
    this.route({ id: o.orderId, amount: o.amount, from: 'app' }, ctx, out);
  }
  private route(o: Order, ctx: ProcessContext, out: Collector<Order>) {
    if (o.amount < 0) ctx.output(refunds, o);
    else out.collect(o);
  }
}

/** Counts orders per id downstream: both inputs' records of an id meet after one keyBy. */
class CountPerId extends KeyedProcessFunction<string, Order, { id: string; n: number }> {
  private n!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.n = ctx.getState(new ValueStateDescriptor<number>('n'));
  }
  async processElement(_o: Order, ctx: KeyedContext<string>, out: Collector<{ id: string; n: number }>) {
    const n = ((await this.n.value()) ?? 0) + 1;
    await this.n.update(n);
    out.collect({ id: ctx.getCurrentKey(), n });
  }
}

function job() {
  const j = new Job('co-process', { parallelism: 2 });
  const normalized = tsSource<Web>(j, 'web').connect(tsSource<App>(j, 'app')).process(new Normalize());
  normalized.sinkTo(sink('orders'));
  normalized.getSideOutput(refunds).sinkTo(sink('refunds'));
  normalized.keyBy((o) => o.id).process(new CountPerId(), { uid: 'count' }).sinkTo(sink('counts'));
  return j;
}

describe('connect + CoProcessFunction (not keyed)', () => {
  it('adds no stage: each input is processed in its own source stage', () => {
    const plan = planJob(job().graph);
    expect(plan.stages.map((s) => s.id)).toEqual(['source-web', 'source-app', 'count']);
    for (const s of plan.stages.slice(0, 2)) expect(s.outputs.map((o) => (o.kind === 'sink' ? o.sink : o.stage)).sort()).toEqual(['count', 'orders', 'refunds']);
    // Written by both source stages, each sink is one stream.
    expect(plan.streams.filter((s) => s.role === 'sink').map((s) => s.of).sort()).toEqual(['counts', 'orders', 'refunds']);
  });

  it('each input reaches its own processElement; main and side outputs; a keyed stage after it sees both', async () => {
    const web = [{ id: 'a', cents: 1250, ts: 1 }, { id: 'b', cents: -300, ts: 2 }, { id: 'c', cents: 99, ts: 3 }];
    const app = [{ orderId: 'a', amount: 4, ts: 1 }, { orderId: 'd', amount: -1, ts: 5 }, { orderId: 'c', amount: 7, ts: 6 }];
    const run = await replayInMemory(job(), { web: lines(web), app: lines(app) }, { chaos: { probability: 0.2, seed: 3 } });
    expect(run.deadLetters).toEqual([]);
    const byId = (x: Order, y: Order) => x.id.localeCompare(y.id) || x.from.localeCompare(y.from);
    expect([...(run.sinks.values('orders') as Order[])].sort(byId)).toEqual([
      { id: 'a', amount: 4, from: 'app' }, { id: 'a', amount: 12.5, from: 'web' }, { id: 'c', amount: 7, from: 'app' }, { id: 'c', amount: 0.99, from: 'web' },
    ]);
    expect([...(run.sinks.values('refunds') as Order[])].sort(byId)).toEqual([{ id: 'b', amount: -3, from: 'web' }, { id: 'd', amount: -1, from: 'app' }]);
    const finals = new Map<string, number>();
    for (const c of run.sinks.values('counts') as { id: string; n: number }[]) finals.set(c.id, Math.max(finals.get(c.id) ?? 0, c.n));
    expect(finals).toEqual(new Map([['a', 2], ['c', 2]]));
  });
});
