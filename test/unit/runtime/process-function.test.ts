/** A ProcessFunction on a stream that is not keyed: chained into the source stage, routing to side outputs in one pass. */
import { describe, expect, it } from 'vitest';
import { Job, KinesisSink, OutputTag, ProcessFunction, type Collector, type ProcessContext } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { tsSource } from '../support/tiny.ts';
import { planJob } from '../../../lib/plan/planner.ts';

interface Ev { kind: string; n: number; ts: number }
const odd = new OutputTag<Ev>('odd');
const big = new OutputTag<{ n: number; at: number }>('big');

class Route extends ProcessFunction<Ev, Ev> {
  processElement(e: Ev, ctx: ProcessContext, out: Collector<Ev>) {
    if (e.n % 2) ctx.output(odd, e);
    else out.collect(e);
    if (e.n > 3) ctx.output(big, { n: e.n, at: ctx.timestamp() });
  }
}

function routingJob() {
  const job = new Job('route', { parallelism: 1 });
  const routed = tsSource<Ev>(job, 'events', { outOfOrderness: 0 }).process(new Route(), { uid: 'route' });
  routed.sinkTo(KinesisSink.json('even', { partitionKey: (e) => String(e.n) }));
  routed.getSideOutput(odd).sinkTo(KinesisSink.json('odd', { partitionKey: (e) => String(e.n) }));
  routed.getSideOutput(big).sinkTo(KinesisSink.json('big', { partitionKey: (e) => String(e.n) }));
  return job;
}

describe('ProcessFunction with side outputs', () => {
  it('runs chained in the source stage: one stage, the stream read once', () => {
    const plan = planJob(routingJob().graph);
    expect(plan.stages.map((s) => s.id)).toEqual(['source-events']);
    expect(plan.stages[0].outputs.map((o) => (o.kind === 'sink' ? o.sink : o.stage)).sort()).toEqual(['big', 'even', 'odd']);
  });

  it('routes each record to the main output or a side output, with its timestamp', async () => {
    const events = [1, 2, 3, 4, 5, 6].map((n) => ({ kind: 'x', n, ts: n * 100 }));
    const { sinks } = await replayInMemory(routingJob(), { events: events.map((e) => JSON.stringify(e)) });
    expect(sinks.values('even').map((e: any) => e.n)).toEqual([2, 4, 6]);
    expect(sinks.values('odd').map((e: any) => e.n)).toEqual([1, 3, 5]);
    expect(sinks.values('big')).toEqual([{ n: 4, at: 400 }, { n: 5, at: 500 }, { n: 6, at: 600 }]);
  });

  it('a keyed stream refuses a ProcessFunction with a clear message', () => {
    const job = new Job('wrong');
    const keyed = tsSource<Ev>(job, 'events', { outOfOrderness: 0 }).keyBy((e) => e.kind);
    expect(() => keyed.process(new Route() as never)).toThrow(/KeyedProcessFunction/);
  });
});
