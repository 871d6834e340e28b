/**
 * `eddy plan` text: a stage's batching window shows when it has one; an internal stream shows
 * its mode and what both modes would cost at the planned rate (stream-mode.test.ts works the
 * dollars out: 2 shards at 100 events/s, provisioned $0.0301/h, on-demand $0.0482/h; 4 shards
 * provisioned $0.0602/h). The job has two shards unless a test says otherwise.
 */
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
  const job = new Job('t-describe', { parallelism: 2, ...options });
  const keyed = tsSource<Ev>(job).keyBy((e) => e.k).process(new Pass(), { uid: 'pass', batchingWindowSeconds: stage.batchingWindowSeconds });
  if (stage.parallelism) keyed.setParallelism(stage.parallelism);
  keyed.sinkTo(sink('out'));
  return describePlan(planJob(job.graph), job.graph).split('\n');
}

const internalStreamLine = (lines: string[]) => lines.find((l) => l.startsWith('  stream  t-describe-pass '));

describe('describePlan', () => {
  it('shows the batching window of the stages that have one', () => {
    expect(text({}, { batchingWindowSeconds: 20 }).filter((l) => l.startsWith('  reads'))).toEqual([
      '  reads   t-describe-source-in (1 shard, batch 1000)',
      '  reads   t-describe-pass (2 shards, batch 1000, window 20 s)',
    ]);
    expect(text({ maximumBatchingWindowInSeconds: 4 }).filter((l) => l.startsWith('  reads'))).toEqual([
      '  reads   t-describe-source-in (1 shard, batch 1000, window 4 s)',
      '  reads   t-describe-pass (2 shards, batch 1000, window 4 s)',
    ]);
  });

  it("shows each internal stream's mode and both modes' estimates; source and sink streams as before", () => {
    expect(text().filter((l) => l.startsWith('  stream'))).toEqual([
      '  stream  t-describe-source-in (1 shard, source of source-in)',
      '  stream  t-describe-pass (2 shards, provisioned, internal of pass; ~$0.0301/h, on-demand ~$0.0482/h at 100 events/s)',
      '  stream  t-describe-sink-out (1 shard, sink of out)',
    ]);
    expect(internalStreamLine(text({}, { parallelism: 4 }))).toBe(
      '  stream  t-describe-pass (on-demand: 4 shards to start on AWS, 4 shards locally, internal of pass; ~$0.0482/h, provisioned ~$0.0602/h at 100 events/s)',
    );
  });

  it('says when the planned shards cannot take the planned rate provisioned', () => {
    expect(internalStreamLine(text({ internalStreamMode: 'provisioned', plannedEventsPerSecond: 20_000 }))).toMatch(/^ {2}stream {2}t-describe-pass \(2 shards, provisioned, internal of pass; .* at 20000 events\/s; 2 shards provisioned cannot take that rate\)$/);
  });
});
