/**
 * Exactly-once state under crashes and re-delivery (DESIGN.md section 5), as a property: a
 * two-stage job (per-key folds, then a global tally of what the first stage emitted) runs on
 * the in-memory engine with random batch sizes, and invocations crash at random just before
 * or just after their commit and are retried, as Lambda does. Whatever happens:
 *   - the state of every stage is exactly the fold of its input, each input applied once;
 *   - outputs may be re-delivered, but only under the same deterministic id and with the same
 *     value, so deduplicating by id gives exactly the outputs of a crash-free run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  MAX_WATERMARK,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type MapState,
  type OnTimerContext,
  type ReducingState,
  type RuntimeContext,
  type ValueState,
} from '../../../lib/api/index.ts';
import type { SinkRecordOut } from '../../../lib/runtime/outputs.ts';
import { driveToEnd, type CrashPoint } from '../support/drive.ts';
import { stateDump, stateItem, storedValue } from '../support/state-items.ts';
import { groupBy, lines, sink, tsSource } from '../support/tiny.ts';

type Ev = { k: string; v: number; ts: number };
type Fold = { kind: 'running' | 'final'; k: string; count: number; sum: number; distinct: number[] };
type Tally = { kind: 'tally'; records: number; finals: number; sum: number };

class PerKey extends KeyedProcessFunction<string, Ev, Fold> {
  private count!: ValueState<number>;
  private sum!: ReducingState<number>;
  private distinct!: MapState<number, true>;
  override open(ctx: RuntimeContext) {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
    this.sum = ctx.getReducingState(new ReducingStateDescriptor<number>('sum', (a, b) => a + b));
    this.distinct = ctx.getMapState(new MapStateDescriptor<number, true>('distinct'));
  }
  private async snapshot(kind: Fold['kind'], k: string): Promise<Fold> {
    return { kind, k, count: (await this.count.value()) ?? 0, sum: (await this.sum.get()) ?? 0, distinct: (await this.distinct.keys()).sort((a, b) => a - b) };
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Fold>) {
    await this.count.update(((await this.count.value()) ?? 0) + 1);
    await this.sum.add(e.v);
    await this.distinct.put(e.v, true);
    ctx.timerService().registerEventTimeTimer(MAX_WATERMARK); // fires at end of input only
    out.collect(await this.snapshot('running', ctx.getCurrentKey()));
  }
  override async onTimer(_ts: number, ctx: OnTimerContext<string>, out: Collector<Fold>) {
    out.collect(await this.snapshot('final', ctx.getCurrentKey()));
  }
}

/** Counts what the first stage emitted: a record applied twice would show here. */
class Tallies extends KeyedProcessFunction<string, Fold, Tally> {
  private tally!: ValueState<Tally>;
  override open(ctx: RuntimeContext) {
    this.tally = ctx.getState(new ValueStateDescriptor<Tally>('tally'));
  }
  async processElement(f: Fold, _ctx: KeyedContext<string>, out: Collector<Tally>) {
    const t = (await this.tally.value()) ?? { kind: 'tally', records: 0, finals: 0, sum: 0 };
    const next: Tally = { kind: 'tally', records: t.records + (f.kind === 'running' ? 1 : 0), finals: t.finals + (f.kind === 'final' ? 1 : 0), sum: t.sum + (f.kind === 'final' ? f.sum : 0) };
    await this.tally.update(next);
    out.collect(next);
  }
}

function twoStageJob(sourceShards: number) {
  const job = new Job('t-exactly-once', { parallelism: 2 });
  const folds = tsSource<Ev>(job, 'in', { shards: sourceShards })
    .filter((e) => e.v !== 13)
    .map((e) => ({ ...e, k: e.k.toLowerCase() }))
    .keyBy((e) => e.k)
    .process(new PerKey(), { uid: 'per-key' });
  folds.sinkTo(sink('folds'));
  folds.keyBy(() => 'all').process(new Tallies(), { uid: 'tally' }).sinkTo(sink('tallies'));
  return job;
}

function expectedFinals(events: Ev[]): Fold[] {
  const kept = events.filter((e) => e.v !== 13).map((e) => ({ ...e, k: e.k.toLowerCase() }));
  return [...groupBy(kept, (e) => e.k)].map(([k, evs]) => ({
    kind: 'final' as const,
    k,
    count: evs.length,
    sum: evs.reduce((s, e) => s + e.v, 0),
    distinct: [...new Set(evs.map((e) => e.v))].sort((a, b) => a - b),
  }));
}

/** Outputs deduplicated by id; every re-delivery of an id must carry the same value. */
function dedupe(records: SinkRecordOut[], sinkName: string): unknown[] {
  const byId = new Map<string, unknown>();
  for (const r of records.filter((x) => x.sink === sinkName)) {
    if (byId.has(r.id)) expect(r.value, `re-delivery of ${r.id}`).toEqual(byId.get(r.id));
    else byId.set(r.id, r.value);
  }
  return [...byId.values()];
}

const eventsArb = fc
  .array(fc.record({ k: fc.constantFrom('a', 'b', 'B', 'c', 'd'), v: fc.integer({ min: 0, max: 20 }), dt: fc.integer({ min: 0, max: 5000 }) }), { maxLength: 30 })
  .map((rows) => {
    let ts = 100_000;
    return rows.map(({ k, v, dt }) => ({ k, v, ts: (ts += dt) }));
  });

/** A small deterministic generator, so that crashes and batch sizes follow the seed. */
function lcg(seed: number) {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
}

describe('exactly-once under crashes and re-delivery', () => {
  it('keeps every stage exact and re-delivers only identical outputs (property)', async () => {
    let crashes = 0;
    await fc.assert(
      fc.asyncProperty(eventsArb, fc.constantFrom(1, 2), fc.integer(), fc.double({ min: 0, max: 0.35, noNaN: true }), async (events, sourceShards, seed, crashRate) => {
        const random = lcg(seed);
        const crash = (): CrashPoint => (random() < crashRate ? (random() < 0.5 ? 'before-commit' : 'after-commit') : undefined);
        const run = await driveToEnd(twoStageJob(sourceShards), { in: lines(events) }, { batchSize: () => 1 + Math.floor(random() * 4), crash });
        expect(run.deadLetters).toEqual([]);
        crashes += run.crashes;

        const finals = expectedFinals(events);
        const folds = dedupe(run.sinks.records, 'folds') as Fold[];
        const byK = (a: { k: string }, b: { k: string }) => a.k.localeCompare(b.k);
        expect(folds.filter((f) => f.kind === 'final').sort(byK)).toEqual(finals.sort(byK));
        const kept = events.filter((e) => e.v !== 13).length;
        expect(folds.filter((f) => f.kind === 'running')).toHaveLength(kept);

        const tallies = dedupe(run.sinks.records, 'tallies') as Tally[];
        const total = { kind: 'tally', records: kept, finals: finals.length, sum: finals.reduce((s, f) => s + f.sum, 0) };
        expect(tallies).toHaveLength(kept + finals.length);
        if (kept > 0) expect(tallies.reduce((best, t) => (t.records + t.finals > best.records + best.finals ? t : best))).toEqual(total);
        expect(storedValue(stateItem(await stateDump(run), 'tally', 'all', 'tally#-'))).toEqual(kept > 0 ? total : undefined);
      }),
      { numRuns: 60 },
    );
    expect(crashes).toBeGreaterThan(0); // the property did exercise retries
  });
});
