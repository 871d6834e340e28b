/** `eddy plan` text: a stage's batching window shows when it has one. */
import { describe, expect, it } from 'vitest';
import { Job, KeyedProcessFunction, type Collector, type JobOptions, type KeyedContext } from '../../../lib/api/index.ts';
import { describePlan } from '../../../lib/plan/describe.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { sink, tsSource } from '../support/tiny.ts';

type Ev = { k: string; v: number; ts: number };

class Pass extends KeyedProcessFunction<string, Ev, Ev> {
  async processElement(e: Ev, _ctx: KeyedContext<string>, out: Collector<Ev>) {
    out.collect(e);
  }
}

function text(options: JobOptions = {}, stage: { batchingWindowSeconds?: number; parallelism?: number } = {}): string[] {
  const job = new Job('t-describe', options);
  const keyed = tsSource<Ev>(job).keyBy((e) => e.k).process(new Pass(), { uid: 'pass', batchingWindowSeconds: stage.batchingWindowSeconds });
  if (stage.parallelism) keyed.setParallelism(stage.parallelism);
  keyed.sinkTo(sink('out'));
  return describePlan(planJob(job.graph), job.graph).split('\n');
}

describe('describePlan', () => {
  it('shows the batching window of the stages that have one', () => {
    expect(text({}, { batchingWindowSeconds: 20 }).filter((l) => l.startsWith('  reads'))).toEqual([
      '  reads   t-describe-source-in (1 shard, batch 100)',
      '  reads   t-describe-pass (2 shards, batch 100, window 20 s)',
    ]);
    expect(text({ maximumBatchingWindowInSeconds: 4 }).filter((l) => l.startsWith('  reads'))).toEqual([
      '  reads   t-describe-source-in (1 shard, batch 100, window 4 s)',
      '  reads   t-describe-pass (2 shards, batch 100, window 4 s)',
    ]);
  });

});
