/** Plan warnings: a job whose results go nowhere is said before it runs. */
import { describe, expect, it } from 'vitest';
import { Job } from '../../../lib/api/index.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { planWarnings } from '../../../lib/plan/warnings.ts';
import { sink, tsSource } from '../support/tiny.ts';

interface Ev { k: string; ts: number }

describe('planWarnings', () => {
  it('warns about a job with no sink', () => {
    const j = new Job('no-sink', { parallelism: 1 });
    tsSource<Ev>(j, 'in').keyBy((e) => e.k).sum('ts', { uid: 'total' });
    expect(planWarnings(planJob(j.graph))).toEqual(['job no-sink has no sink: its results go nowhere (add .sinkTo(...) to a stream)']);
  });

  it('says nothing of a job with a sink, in any stage', () => {
    const j = new Job('with-sink', { parallelism: 1 });
    tsSource<Ev>(j, 'in').keyBy((e) => e.k).sum('ts', { uid: 'total' }).sinkTo(sink<Ev>('out'));
    expect(planWarnings(planJob(j.graph))).toEqual([]);
  });
});
