/**
 * The interval join against its definition (test/unit/join/interval-oracle.ts): hand examples,
 * generated inputs (fast-check) with inclusive and exclusive, positive and negative bounds,
 * late records to the side outputs, and no buffered state or timer left after end of input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Job, KeyedProcessFunction, OutputTag, ProcessJoinFunction, ProcessWindowFunction, TumblingEventTimeWindows,
  type Collector, type KeyedContext, type ProcessJoinContext, type WindowContext,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { stateDump } from '../support/state-items.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';
import { arrivalOrderIntervalJoin, bruteForceIntervalJoin, sortPairs, type Bounds, type Pair, type Rec } from './interval-oracle.ts';

const UID = 'ij';
const B = 5; // out-of-orderness of the sources

class ToPair extends ProcessJoinFunction<Rec, Rec, Pair & { ts: number }> {
  processElement(l: Rec, r: Rec, ctx: ProcessJoinContext, out: Collector<Pair & { ts: number }>) {
    out.collect({ k: l.k, l: l.id, r: r.id, lts: ctx.getLeftTimestamp(), rts: ctx.getRightTimestamp(), ts: ctx.getTimestamp() });
  }
}

function withBounds(b: Bounds, joined: ReturnType<ReturnType<ReturnType<Job['fromSource']>['keyBy']>['intervalJoin']>) {
  const j = joined.between(b.lower, b.upper);
  if (b.lowerExclusive) j.lowerBoundExclusive();
  if (b.upperExclusive) j.upperBoundExclusive();
  return j;
}

/** Two sources `left` and `right`, joined by `k`. */
function twoSourceJob(b: Bounds, batchSize = 100) {
  const job = new Job('ij-two', { batchSize });
  const left = tsSource<Rec>(job, 'left', { outOfOrderness: B });
  const right = tsSource<Rec>(job, 'right', { outOfOrderness: B });
  withBounds(b, left.keyBy((r) => r.k).intervalJoin(right.keyBy((r) => r.k))).process(new ToPair(), { uid: UID }).sinkTo(sink('pairs'));
  return job;
}

const lateLeft = new OutputTag<Rec>('late-left');
const lateRight = new OutputTag<Rec>('late-right');

/** One source of both sides (one shard, one record per batch): the watermark before each record is known exactly. */
function oneSourceJob(b: Bounds) {
  const job = new Job('ij-one', { batchSize: 1 });
  const all = tsSource<Rec>(job, 'in', { shards: 1, outOfOrderness: B });
  const joined = withBounds(b, all.filter((r) => r.side === 'L').keyBy((r) => r.k).intervalJoin(all.filter((r) => r.side === 'R').keyBy((r) => r.k)))
    .sideOutputLeftLateData(lateLeft)
    .sideOutputRightLateData(lateRight)
    .process(new ToPair(), { uid: UID });
  joined.sinkTo(sink('pairs'));
  joined.getSideOutput(lateLeft).sinkTo(sink('late-left'));
  joined.getSideOutput(lateRight).sinkTo(sink('late-right'));
  return job;
}

/** The source's watermark after each prefix: max ts - out-of-orderness - 1. */
function watermarksBefore(records: Rec[]): number[] {
  let max = -Infinity;
  return records.map((r) => {
    const w = max === -Infinity ? -Infinity : max - B - 1;
    max = Math.max(max, r.ts);
    return w;
  });
}

/** What is left of the join: its buffers and its timers, whichever backend keeps them. */
async function leftovers(run: Awaited<ReturnType<typeof replayInMemory>>) {
  return (await stateDump(run)).filter((i) => i.pk.startsWith(`s#${UID}#`) || i.pk.startsWith(`t#${UID}#`));
}

const pairsOf = (rows: unknown[]) => sortPairs((rows as (Pair & { ts: number })[]).map(({ k, l, r, lts, rts }) => ({ k, l, r, lts, rts })));
const rec = (side: 'L' | 'R', k: string, id: string, ts: number): Rec => ({ side, k, id, ts });

async function runTwo(records: Rec[], b: Bounds, batchSize?: number) {
  const r = await replayInMemory(twoSourceJob(b, batchSize), { left: lines(records.filter((x) => x.side === 'L')), right: lines(records.filter((x) => x.side === 'R')) });
  expect(r.deadLetters).toEqual([]);
  return r;
}

describe('intervalJoin', () => {
  it('plans both keyed inputs into one keyed stage', () => {
    const plan = planJob(twoSourceJob({ lower: -1, upper: 1 }).graph);
    expect(plan.stages.map((s) => s.id)).toEqual(['source-left', 'source-right', UID]);
    expect(plan.stages[1].outputs).toEqual([expect.objectContaining({ stage: UID, input: 2 })]);
  });

  it('joins by key within inclusive bounds; outputs carry the later timestamp', async () => {
    const records = [
      rec('L', 'a', 'l1', 1000), rec('L', 'b', 'l2', 1000),
      rec('R', 'a', 'r1', 998), // 1000 - 2: on the lower bound
      rec('R', 'a', 'r2', 997), // below it
      rec('R', 'a', 'r3', 1003), // on the upper bound
      rec('R', 'a', 'r4', 1004), // above it
      rec('R', 'b', 'r5', 1001), rec('R', 'c', 'r6', 1000), // another key; a key without a left record
    ];
    const run = await runTwo(records, { lower: -2, upper: 3 });
    const { sinks } = run;
    const rows = sinks.values('pairs') as (Pair & { ts: number })[];
    expect(pairsOf(rows)).toEqual(sortPairs([
      { k: 'a', l: 'l1', r: 'r1', lts: 1000, rts: 998 }, { k: 'a', l: 'l1', r: 'r3', lts: 1000, rts: 1003 }, { k: 'b', l: 'l2', r: 'r5', lts: 1000, rts: 1001 },
    ]));
    for (const row of rows) expect(row.ts).toBe(Math.max(row.lts, row.rts));
    expect(await leftovers(run)).toEqual([]);
  });

  it('stamps each output with max(left, right) for the stages after it', async () => {
    class Stamp extends KeyedProcessFunction<string, Pair, { r: string; ts: number }> {
      processElement(p: Pair, ctx: KeyedContext<string>, out: Collector<{ r: string; ts: number }>) {
        out.collect({ r: p.r, ts: ctx.timestamp() });
      }
    }
    const job = new Job('ij-stamp');
    const left = tsSource<Rec>(job, 'left');
    const right = tsSource<Rec>(job, 'right');
    left.keyBy((r) => r.k).intervalJoin(right.keyBy((r) => r.k)).between(-10, 10).process(new ToPair(), { uid: UID })
      .keyBy((p) => p.r).process(new Stamp(), { uid: 'stamp' }).sinkTo(sink('stamps'));
    const { sinks } = await replayInMemory(job, { left: lines([rec('L', 'a', 'l1', 100)]), right: lines([rec('R', 'a', 'r1', 95), rec('R', 'a', 'r2', 107)]) });
    expect(sinks.values('stamps').sort((a: any, b: any) => (a.r < b.r ? -1 : 1))).toEqual([{ r: 'r1', ts: 100 }, { r: 'r2', ts: 107 }]);
  });

  it('checks its bounds', () => {
    const job = new Job('ij-bad');
    const keyed = tsSource<Rec>(job, 'left').keyBy((r) => r.k);
    const other = tsSource<Rec>(job, 'right').keyBy((r) => r.k);
    expect(() => keyed.intervalJoin(other).between(5, 4)).toThrow(/lower bound 5 is above upper bound 4/);
    expect(() => keyed.intervalJoin(other).between(0.5, 4)).toThrow(/integers/);
    const elsewhere = tsSource<Rec>(new Job('ij-other'), 'right').keyBy((r) => r.k);
    expect(() => keyed.intervalJoin(elsewhere)).toThrow(/one job/);
  });

  const boundsArb = fc.record({ lower: fc.integer({ min: -15, max: 10 }), width: fc.integer({ min: 0, max: 20 }), lowerExclusive: fc.boolean(), upperExclusive: fc.boolean() })
    .map(({ lower, width, ...flags }): Bounds => ({ lower, upper: lower + width, ...flags }));
  const keyArb = fc.constantFrom('a', 'b');

  it('equals the brute-force join on in-order-enough input (nothing late), and leaves no state', async () => {
    // Arrival order with ts = (non-decreasing clock) - jitter <= B: never behind a watermark.
    const inputArb = fc.array(fc.record({ side: fc.constantFrom('L' as const, 'R' as const), k: keyArb, step: fc.integer({ min: 0, max: 6 }), jitter: fc.integer({ min: 0, max: B }) }), { maxLength: 40 })
      .map((xs) => {
        let clock = 100;
        return xs.map((x, i) => rec(x.side, x.k, `${x.side}${i}`, (clock += x.step) - x.jitter));
      });
    await fc.assert(
      fc.asyncProperty(inputArb, boundsArb, fc.constantFrom(1, 3, 100), async (records, bounds, batchSize) => {
        const run = await runTwo(records, bounds, batchSize);
        const { sinks } = run;
        expect(pairsOf(sinks.values('pairs'))).toEqual(sortPairs(bruteForceIntervalJoin(records, bounds)));
        expect(await leftovers(run)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('with late records: they go to the side outputs; pairs follow the watermark and cleanup rules', async () => {
    // Timestamps anywhere in [0, 30], and often exactly on the watermark in force (max so far - B - 1):
    // such a record is not late (Flink: late = below the watermark) but may find its partner cleaned up.
    const inputArb = fc.array(fc.record({ side: fc.constantFrom('L' as const, 'R' as const), k: keyArb, ts: fc.integer({ min: 0, max: 30 }), onWatermark: fc.boolean() }), { maxLength: 35 })
      .map((xs) => {
        let max = -Infinity;
        return xs.map((x, i) => {
          const ts = x.onWatermark && max - B - 1 >= 0 ? max - B - 1 : x.ts;
          max = Math.max(max, ts);
          return rec(x.side, x.k, `${x.side}${i}`, ts);
        });
      });
    let sawLate = 0;
    await fc.assert(
      fc.asyncProperty(inputArb, boundsArb, async (records, bounds) => {
        const run = await replayInMemory(oneSourceJob(bounds), { in: lines(records) });
        const { sinks, deadLetters } = run;
        expect(deadLetters).toEqual([]);
        const want = arrivalOrderIntervalJoin(records, bounds, watermarksBefore(records));
        expect(pairsOf(sinks.values('pairs'))).toEqual(sortPairs(want.pairs));
        // Side outputs of different keys come from different shards: compared as sets (ids are unique).
        const ids = (rows: unknown[]) => (rows as Rec[]).map((r) => r.id).sort();
        expect(ids(sinks.values('late-left'))).toEqual(ids(want.late.filter((r) => r.side === 'L')));
        expect(ids(sinks.values('late-right'))).toEqual(ids(want.late.filter((r) => r.side === 'R')));
        expect(await leftovers(run)).toEqual([]);
        sawLate += want.late.length;
      }),
      { numRuns: 60 },
    );
    expect(sawLate).toBeGreaterThan(0); // the generator does produce late records
  }, 120_000);

  it('a record exactly on the watermark is not late, but its partner may already be cleaned up (as in Flink)', async () => {
    const records = [
      rec('L', 'a', 'l1', 100), // cleanup instant 100 + 10
      rec('R', 'a', 'x', 116), // no match (116 > 110); the watermark becomes 116 - 5 - 1 = 110: l1's timer fires
      rec('R', 'a', 'r1', 110), // on the watermark: not late, within l1's interval, but l1 is gone
    ];
    const bounds = { lower: 0, upper: 10 };
    const run = await replayInMemory(oneSourceJob(bounds), { in: lines(records) });
    const { sinks } = run;
    expect(bruteForceIntervalJoin(records, bounds).map((p) => p.r)).toEqual(['r1']);
    expect(arrivalOrderIntervalJoin(records, bounds, watermarksBefore(records))).toEqual({ pairs: [], late: [] });
    expect(sinks.values('pairs')).toEqual([]);
    expect(sinks.values('late-right')).toEqual([]);
    expect(await leftovers(run)).toEqual([]);
  });

  it('a late record without a side output is dropped, and counted late by the runtime', async () => {
    const job = new Job('ij-drop', { batchSize: 1 });
    const all = tsSource<Rec>(job, 'in', { shards: 1, outOfOrderness: B });
    all.filter((r) => r.side === 'L').keyBy((r) => r.k).intervalJoin(all.filter((r) => r.side === 'R').keyBy((r) => r.k))
      .between(-100, 100).process(new ToPair(), { uid: UID }).sinkTo(sink('pairs'));
    let late = 0;
    const records = [rec('L', 'a', 'l1', 50), rec('R', 'a', 'r1', 120), rec('R', 'a', 'r2', 60), rec('L', 'a', 'l2', 130)];
    const { sinks } = await replayInMemory(job, { in: lines(records) }, { onBatch: (b) => b.stage === UID && (late += b.late) });
    // r2 (60) arrives behind the watermark 120 - 5 - 1: dropped though l1 (50) would match it; l2 (130) is not late.
    expect(pairsOf(sinks.values('pairs'))).toEqual(sortPairs([{ k: 'a', l: 'l1', r: 'r1', lts: 50, rts: 120 }, { k: 'a', l: 'l2', r: 'r1', lts: 130, rts: 120 }]));
    expect(late).toBe(1);
  });
});

describe('side outputs of a ProcessJoinFunction', () => {
  it('carry the pair’s timestamp (the later record’s), as the main output does', async () => {
    // Pairs go to a side output, then into 10 ms tumbling windows counted per window: a pair lands
    // in the window of max(leftTs, rightTs), not of whichever record happened to arrive last.
    const tag = new OutputTag<{ k: string }>('pairs');
    class SideOnly extends ProcessJoinFunction<Rec, Rec, never> {
      processElement(l: Rec, _r: Rec, ctx: ProcessJoinContext) {
        ctx.output(tag, { k: l.k });
      }
    }
    const job = new Job('side-ts', { parallelism: 1 });
    const left = tsSource<Rec>(job, 'left', { outOfOrderness: 100 });
    const right = tsSource<Rec>(job, 'right', { outOfOrderness: 100 });
    const joined = left.keyBy((r) => r.k).intervalJoin(right.keyBy((r) => r.k)).between(-50, 50).process(new SideOnly(), { uid: 'join' });
    class CountPairs extends ProcessWindowFunction<{ k: string }, { k: string; start: number; n: number }, string> {
      process(k: string, ctx: WindowContext, pairs: { k: string }[], out: Collector<{ k: string; start: number; n: number }>) {
        out.collect({ k, start: ctx.window.start, n: pairs.length });
      }
    }
    joined.getSideOutput(tag).keyBy((p) => p.k).window(TumblingEventTimeWindows.of(10)).process(new CountPairs(), { uid: 'count' }).sinkTo(sink('counts'));
    // The right record (ts 33) arrives after the left (ts 5): the pair's time is 33 either way.
    // The left record (ts 47) arrives after the right (ts 12): the pair's time is 47, not the arrival's.
    const run = await replayInMemory(job, {
      left: lines([{ k: 'a', id: 'l1', ts: 5 }, { k: 'b', id: 'l2', ts: 47 }]),
      right: lines([{ k: 'b', id: 'r2', ts: 12 }, { k: 'a', id: 'r1', ts: 33 }]),
    });
    expect(run.deadLetters).toEqual([]);
    const counts = [...(run.sinks.values('counts') as { k: string; start: number }[])].sort((x, y) => x.k.localeCompare(y.k));
    expect(counts).toEqual([{ k: 'a', start: 30, n: 1 }, { k: 'b', start: 40, n: 1 }]);
  });
});
