/**
 * The deployment knobs the planner carries into the plan: each stage's batching window (its
 * own `batchingWindowSeconds`, set on its source or the keyed operator that starts it, else the
 * job's `maximumBatchingWindowInSeconds`) and each internal stream's capacity mode (the job's
 * `internalStreamMode`, `auto` choosing at `plannedEventsPerSecond`).
 */
import { describe, expect, it } from 'vitest';
import {
  BroadcastProcessFunction, Job, KeyedCoProcessFunction, KeyedProcessFunction, KinesisSource, MapStateDescriptor, ProcessJoinFunction,
  TumblingEventTimeWindows, WatermarkStrategy, type Collector, type JobOptions, type KeyedContext,
} from '../../../lib/api/index.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { sink, tsSource } from '../support/tiny.ts';

type Ev = { k: string; v: number; ts: number };

class Pass extends KeyedProcessFunction<string, Ev, Ev> {
  async processElement(e: Ev, _ctx: KeyedContext<string>, out: Collector<Ev>) {
    out.collect(e);
  }
}
class PassBoth extends KeyedCoProcessFunction<string, Ev, Ev, Ev> {
  processElement1(e: Ev, _ctx: KeyedContext<string>, out: Collector<Ev>) {
    out.collect(e);
  }
  processElement2(e: Ev, _ctx: KeyedContext<string>, out: Collector<Ev>) {
    out.collect(e);
  }
}
class PassMain extends BroadcastProcessFunction<Ev, Ev, Ev> {
  processElement(e: Ev, _ctx: unknown, out: Collector<Ev>) {
    out.collect(e);
  }
  processBroadcastElement() {}
}
class Pair extends ProcessJoinFunction<Ev, Ev, Ev> {
  processElement(left: Ev, _right: Ev, _ctx: unknown, out: Collector<Ev>) {
    out.collect(left);
  }
}

const source = (job: Job, name: string, batchingWindowSeconds?: number) =>
  job.fromSource(KinesisSource.json<Ev>(name, { batchingWindowSeconds }), WatermarkStrategy.forBoundedOutOfOrderness<Ev>(1000).withTimestampAssigner((e) => e.ts));

/** Every way a stage begins, each with its own window but one, in a job whose own window is 2 s. */
function everyStageKind() {
  const job = new Job('t-knobs', { maximumBatchingWindowInSeconds: 2 });
  const a = source(job, 'a', 5);
  const b = source(job, 'b');
  a.keyBy((e) => e.k).process(new Pass(), { uid: 'proc', batchingWindowSeconds: 30 }).sinkTo(sink('proc'));
  a.keyBy((e) => e.k).window(TumblingEventTimeWindows.of(1000)).reduce((x, y) => ({ ...x, v: x.v + y.v }), undefined, { uid: 'win', batchingWindowSeconds: 7 }).sinkTo(sink('win'));
  a.keyBy((e) => e.k).intervalJoin(b.keyBy((e) => e.k)).between(-1000, 1000).process(new Pair(), { uid: 'ij', batchingWindowSeconds: 11 }).sinkTo(sink('ij'));
  a.join(b).where((e) => e.k).equalTo((e) => e.k).window(TumblingEventTimeWindows.of(1000)).apply((l) => l, { uid: 'wj', batchingWindowSeconds: 13 }).sinkTo(sink('wj'));
  a.connect(b.broadcast(new MapStateDescriptor<string, Ev>('table'))).process(new PassMain(), { uid: 'bc', batchingWindowSeconds: 17 }).sinkTo(sink('bc'));
  a.connect(b).keyBy((e) => e.k, (e) => e.k).process(new PassBoth(), { uid: 'co', batchingWindowSeconds: 19 }).sinkTo(sink('co'));
  b.keyBy((e) => e.k).process(new Pass(), { uid: 'plain' }).sinkTo(sink('plain'));
  return job;
}

describe('planJob: batching windows', () => {
  it("gives each stage its own window where it set one, else the job's", () => {
    const plan = planJob(everyStageKind().graph);
    expect(Object.fromEntries(plan.stages.map((s) => [s.id, s.eventSource.maximumBatchingWindowInSeconds]))).toEqual({
      'source-a': 5, 'source-b': 2, proc: 30, win: 7, ij: 11, wj: 13, bc: 17, co: 19, plain: 2,
    });
  });

  it('defaults to no window at all', () => {
    const job = new Job('t-no-window');
    tsSource<Ev>(job).keyBy((e) => e.k).process(new Pass(), { uid: 'p' }).sinkTo(sink('out'));
    expect(planJob(job.graph).stages.map((s) => s.eventSource.maximumBatchingWindowInSeconds)).toEqual([0, 0]);
  });

  it("refuses a window outside Lambda's 0-300 whole seconds where it is set", () => {
    for (const bad of [-1, 301, 1.5, Number.NaN]) {
      const job = new Job('t-bad-window');
      expect(() => source(job, 'a', bad), `source ${bad}`).toThrow(/source a: batchingWindowSeconds must be an integer from 0 to 300/);
      expect(() => source(job, 'b').keyBy((e) => e.k).process(new Pass(), { uid: 'p', batchingWindowSeconds: bad }), `process ${bad}`).toThrow(/operator p: batchingWindowSeconds/);
    }
    expect(() => source(new Job('t-edge'), 'a', 300)).not.toThrow();
  });
});

describe('planJob: internal stream modes', () => {
  function modes(options: JobOptions, parallelism?: number) {
    const job = new Job('t-modes', { parallelism: 2, ...options }); // two shards unless a test says otherwise
    const keyed = tsSource<Ev>(job).keyBy((e) => e.k).process(new Pass(), { uid: 'p' });
    if (parallelism) keyed.setParallelism(parallelism);
    keyed.sinkTo(sink('out'));
    return planJob(job.graph).streams.map((s) => [s.role, s.shards, s.mode]);
  }

  it('auto: provisioned for two shards at the default 100 events/s; on-demand for four (stream-mode.ts: $0.048/h vs $0.060/h)', () => {
    expect(modes({})).toEqual([['source', 1, 'provisioned'], ['internal', 2, 'provisioned'], ['sink', 1, 'provisioned']]);
    expect(modes({}, 4)).toEqual([['source', 1, 'provisioned'], ['internal', 4, 'on-demand'], ['sink', 1, 'provisioned']]);
  });

  it('auto follows the planned rate: four shards are cheaper provisioned at 1,000 events/s', () => {
    expect(modes({ plannedEventsPerSecond: 1000 }, 4)[1]).toEqual(['internal', 4, 'provisioned']);
  });

  it('a mode that is set is kept, for internal streams only', () => {
    expect(modes({ internalStreamMode: 'on-demand' })).toEqual([['source', 1, 'provisioned'], ['internal', 2, 'on-demand'], ['sink', 1, 'provisioned']]);
    expect(modes({ internalStreamMode: 'provisioned' }, 4)[1]).toEqual(['internal', 4, 'provisioned']);
  });

  it('refuses a planned rate or a mode that is not one', () => {
    expect(() => modes({ plannedEventsPerSecond: -5 })).toThrow(/plannedEventsPerSecond must be a non-negative number/);
    expect(() => modes({ internalStreamMode: 'fast' as never })).toThrow(/internalStreamMode must be/);
  });
});
