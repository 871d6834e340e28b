/**
 * The planner cuts a job at every keyBy: one stage per source and per process(); stateless
 * operators, side outputs and sinks chain into the stage before them (Flink's operator
 * chaining). A keyBy must lead into exactly one process(), every output must reach a sink,
 * sink names, source names and operator uids are unique.
 */
import { describe, expect, it } from 'vitest';
import { Job, KeyedProcessFunction, OutputTag, type Collector, type KeyedContext } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import type { Plan } from '../../../lib/plan/plan.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';

type Ev = { k: string; v: number; ts: number };
const tag = new OutputTag<Ev>('odd');

class PassOn extends KeyedProcessFunction<string, Ev, Ev> {
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Ev>) {
    if (e.v % 2) ctx.output(tag, e);
    else out.collect(e);
  }
}

function twoKeyedStages() {
  const job = new Job('t-plan', { parallelism: 2 });
  const first = tsSource<Ev>(job)
    .filter((e) => e.v >= 0)
    .map((e) => ({ ...e, v: e.v * 10 + 1 }))
    .flatMap((e) => [e, { ...e, v: e.v - 1 }])
    .keyBy((e) => e.k)
    .process(new PassOn(), { uid: 'first' });
  first.map((e) => ({ ...e, k: e.k.toUpperCase() })).keyBy((e) => e.k).process(new PassOn(), { uid: 'second' }).setParallelism(3).sinkTo(sink('out'));
  first.getSideOutput(tag).sinkTo(sink('odd'));
  return job;
}

const kindsOf = (job: Job, ids: number[]) => ids.map((id) => job.graph.node(id).kind);

describe('planJob', () => {
  it('cuts at every keyBy and chains stateless operators, side outputs and sinks', () => {
    const job = twoKeyedStages();
    const plan = planJob(job.graph);
    expect(plan.stages.map((s) => [s.id, s.kind, s.stateful])).toEqual([
      ['source-in', 'source', false],
      ['first', 'keyed', true],
      ['second', 'keyed', true],
    ]);
    const [source, first, second] = plan.stages;
    expect(kindsOf(job, source.nodes)).toEqual(['source', 'filter', 'map', 'flatMap', 'keyBy']);
    expect(kindsOf(job, first.nodes).sort()).toEqual(['keyBy', 'map', 'process', 'sideOutput', 'sink'].sort());
    expect(kindsOf(job, second.nodes)).toEqual(['process', 'sink']);
    // every node is in exactly one stage
    const all = plan.stages.flatMap((s) => s.nodes).sort((a, b) => a - b);
    expect(all).toEqual(job.graph.nodes.map((n) => n.id));

    expect(source.outputs).toEqual([{ kind: 'stage', viaNode: source.nodes[4], stage: 'first', stream: 't-plan-first' }]);
    expect(first.outputs.map((o) => (o.kind === 'stage' ? `stage:${o.stage}:${o.stream}` : `sink:${o.sink}:${o.target}`)).sort()).toEqual(['sink:odd:t-plan-sink-odd', 'stage:second:t-plan-second']);
    expect(second.outputs.map((o) => o.kind === 'sink' && o.sink)).toEqual(['out']);
    expect([source.upstream, first.upstream, second.upstream]).toEqual([[], ['source-in'], ['first']]);
  });

  it('derives streams, tables and the sweep from the stages', () => {
    const plan: Plan = planJob(twoKeyedStages().graph);
    expect(plan.streams.map((s) => [s.name, s.shards, s.role]).sort()).toEqual(
      [
        ['t-plan-source-in', 1, 'source'],
        ['t-plan-first', 2, 'internal'],
        ['t-plan-second', 3, 'internal'],
        ['t-plan-sink-out', 1, 'sink'],
        ['t-plan-sink-odd', 1, 'sink'],
      ].sort(),
    );
    expect(plan.stages.map((s) => s.input.stream)).toEqual(['t-plan-source-in', 't-plan-first', 't-plan-second']);
    expect(plan.tables.map((t) => [t.name, t.role])).toEqual([
      ['t-plan-state', 'state'],
      ['t-plan-dead-letter', 'dead-letter'],
    ]);
    expect(plan.sweep?.stages).toEqual(['first', 'second']);
  });

  it('runs the chained operators exactly as their functions compose', async () => {
    const events: Ev[] = [
      { k: 'a', v: 1, ts: 1 },
      { k: 'b', v: -4, ts: 2 },
      { k: 'a', v: 2, ts: 3 },
    ];
    const { sinks, deadLetters } = await replayInMemory(twoKeyedStages(), { in: lines(events) });
    expect(deadLetters).toEqual([]);
    const expanded = events.filter((e) => e.v >= 0).flatMap((e) => [{ ...e, v: e.v * 10 + 1 }, { ...e, v: e.v * 10 }]);
    const byV = (a: Ev, b: Ev) => a.v - b.v;
    expect((sinks.values('odd') as Ev[]).sort(byV)).toEqual(expanded.filter((e) => e.v % 2).sort(byV));
    expect((sinks.values('out') as Ev[]).sort(byV)).toEqual(expanded.filter((e) => !(e.v % 2)).map((e) => ({ ...e, k: e.k.toUpperCase() })).sort(byV));
  });
});

describe('planJob rejects', () => {
  const plan = (build: (job: Job) => void) => () => {
    const job = new Job('t-bad');
    build(job);
    return planJob(job.graph);
  };

  it('a keyBy that is not followed by exactly one process()', () => {
    expect(plan((job) => void tsSource<Ev>(job).keyBy((e) => e.k))).toThrow(/keyBy.*process/);
    expect(plan((job) => tsSource<Ev>(job).keyBy((e) => e.k).map((e) => e).sinkTo(sink('x')))).toThrow(/keyBy.*process/);
    expect(
      plan((job) => {
        const keyed = tsSource<Ev>(job).keyBy((e) => e.k);
        keyed.process(new PassOn(), { uid: 'one' }).sinkTo(sink('x'));
        keyed.process(new PassOn(), { uid: 'two' }).sinkTo(sink('y'));
      }),
    ).toThrow(/keyBy.*process/);
  });

  it('an output that reaches no sink', () => {
    expect(plan((job) => void tsSource<Ev>(job).map((e) => e.v))).toThrow(/goes nowhere/);
    expect(plan((job) => void tsSource<Ev>(job).filter(() => true).map((e) => e))).toThrow(/goes nowhere/);
    expect(plan((job) => void tsSource<Ev>(job).keyBy((e) => e.k).process(new PassOn(), { uid: 'p' }).getSideOutput(tag))).toThrow(/goes nowhere/);
  });

  it('two sinks with one name, two operators with one uid, two sources with one name', () => {
    expect(
      plan((job) => {
        const s = tsSource<Ev>(job);
        s.sinkTo(sink('dup'));
        s.map((e) => e).sinkTo(sink('dup'));
      }),
    ).toThrow(/two sinks named "dup"/);
    expect(
      plan((job) => {
        const s = tsSource<Ev>(job);
        s.keyBy((e) => e.k).process(new PassOn(), { uid: 'same' }).sinkTo(sink('a'));
        s.keyBy((e) => e.k).process(new PassOn(), { uid: 'same' }).sinkTo(sink('b'));
      }),
    ).toThrow(/two stages named "same"/);
    expect(
      plan((job) => {
        tsSource<Ev>(job, 'in').sinkTo(sink('a'));
        tsSource<Ev>(job, 'in').sinkTo(sink('b'));
      }),
    ).toThrow(/two sources named in/);
  });

  it('a job without a source, and names that cannot become resource names', () => {
    expect(plan(() => {})).toThrow(/no source/);
    expect(() => new Job('Bad_Name')).toThrow();
    expect(plan((job) => tsSource<Ev>(job).keyBy((e) => e.k).process(new PassOn(), { uid: 'bad uid' }))).toThrow(/uid/);
    expect(() => new OutputTag('bad tag')).toThrow();
  });
});
