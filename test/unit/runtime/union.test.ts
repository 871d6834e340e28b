/** `union`: two sources merged and keyed into one stage, whose watermark waits for both. */
import { describe, expect, it } from 'vitest';
import { Job, KeyedProcessFunction, KinesisSink, ValueStateDescriptor, type Collector, type KeyedContext, type RuntimeContext, type ValueState } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { tsSource } from '../support/tiny.ts';
import { planJob } from '../../../lib/plan/planner.ts';

interface Click { user: string; page: string; ts: number }
interface View { uid: string; ts: number }
interface Activity { user: string; kind: 'click' | 'view'; ts: number }

class Count extends KeyedProcessFunction<string, Activity, { user: string; n: number; kinds: string }> {
  private n!: ValueState<{ n: number; kinds: string }>;
  override open(ctx: RuntimeContext) {
    this.n = ctx.getState(new ValueStateDescriptor<{ n: number; kinds: string }>('n'));
  }
  async processElement(a: Activity, ctx: KeyedContext<string>) {
    const seen = (await this.n.value()) ?? { n: 0, kinds: '' };
    await this.n.update({ n: seen.n + 1, kinds: seen.kinds + a.kind[0] });
    ctx.timerService().registerEventTimeTimer(1_000_000); // fires at end of input: the final count
  }
  override async onTimer(_ts: number, ctx: KeyedContext<string>, out: Collector<{ user: string; n: number; kinds: string }>) {
    const seen = await this.n.value();
    out.collect({ user: ctx.getCurrentKey(), n: seen!.n, kinds: [...seen!.kinds].sort().join('') });
  }
}

function activityJob() {
  const job = new Job('activity', { parallelism: 2 });
  const clicks = tsSource<Click>(job, 'clicks', { outOfOrderness: 0 })
    .map((c): Activity => ({ user: c.user, kind: 'click', ts: c.ts }));
  const views = tsSource<View>(job, 'views', { outOfOrderness: 0 })
    .map((v): Activity => ({ user: v.uid, kind: 'view', ts: v.ts }));
  clicks.union(views).keyBy((a) => a.user).process(new Count(), { uid: 'count' }).sinkTo(KinesisSink.json('counts', { partitionKey: (c) => c.user }));
  return job;
}

describe('union', () => {
  it('plans one stage per source, both feeding the keyed stage', () => {
    const plan = planJob(activityJob().graph);
    expect(plan.stages.map((s) => s.id)).toEqual(['source-clicks', 'source-views', 'count']);
    expect(plan.stages[2].upstream.sort()).toEqual(['source-clicks', 'source-views']);
    for (const s of plan.stages.slice(0, 2)) expect(s.outputs).toEqual([expect.objectContaining({ kind: 'stage', stage: 'count' })]);
  });

  it('counts the records of both sources per key', async () => {
    const clicks = ['a', 'b', 'a', 'c'].map((user, i) => JSON.stringify({ user, page: 'p', ts: i * 10 }));
    const views = ['a', 'c', 'c', 'd'].map((uid, i) => JSON.stringify({ uid, ts: i * 10 + 5 }));
    const { sinks } = await replayInMemory(activityJob(), { clicks, views });
    expect([...sinks.values('counts')].sort((x: any, y: any) => (x.user < y.user ? -1 : 1))).toEqual([
      { user: 'a', n: 3, kinds: 'ccv' }, { user: 'b', n: 1, kinds: 'c' }, { user: 'c', n: 3, kinds: 'cvv' }, { user: 'd', n: 1, kinds: 'v' },
    ]);
  });

  it('a union of two branches of one source reaches the next stage once per record', async () => {
    const job = new Job('twice', { parallelism: 1 });
    const src = tsSource<Click>(job, 'clicks', { outOfOrderness: 0 });
    const toActivity = (c: Click): Activity => ({ user: c.user, kind: 'click', ts: c.ts });
    src.filter((c) => c.page === 'x').map(toActivity).union(src.filter((c) => c.page !== 'x').map(toActivity))
      .keyBy((a) => a.user).process(new Count(), { uid: 'count' }).sinkTo(KinesisSink.json('counts', { partitionKey: (c) => c.user }));
    expect(planJob(job.graph).stages[0].outputs).toHaveLength(1);
    const { sinks } = await replayInMemory(job, { clicks: ['x', 'y', 'x'].map((page, i) => JSON.stringify({ user: 'u', page, ts: i })) });
    expect(sinks.values('counts')).toEqual([{ user: 'u', n: 3, kinds: 'ccc' }]);
  });
});
