/**
 * Window join and coGroup against brute force: every (key, window) of the assigner's
 * definition (windows enumerated, records tested for membership), the join its cross product,
 * the coGroup one call with both sides' records. Tumbling and sliding windows, generated input
 * within the sources' out-of-orderness (nothing late); trigger, evictor and lateness pass through.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CountEvictor, CountTrigger, GlobalWindows, Job, KeyedProcessFunction, SlidingEventTimeWindows, TumblingEventTimeWindows,
  type Collector, type KeyedContext, type WindowAssigner,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';
import { stateDump } from '../support/state-items.ts';

interface Rec { side: 'L' | 'R'; k: string; id: string; ts: number }
interface Joined { k: string; l: string; r: string }
interface Grouped { k: string; lefts: string[]; rights: string[] }

const B = 5;
const rec = (side: 'L' | 'R', k: string, id: string, ts: number): Rec => ({ side, k, id, ts });
const sortJson = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();
/** A coGroup row with each side's ids sorted: the two sides' records reach the window from two stages, interleaved. */
const canonical = (g: Grouped): Grouped => ({ k: g.k, lefts: [...g.lefts].sort(), rights: [...g.rights].sort() });

/** Brute force: windows [start, start + size) for every start that is a multiple of `slide` near the data. */
function bruteForce(records: Rec[], size: number, slide: number): { joined: Joined[]; grouped: Grouped[] } {
  const joined: Joined[] = [];
  const grouped: Grouped[] = [];
  if (records.length === 0) return { joined, grouped };
  const min = Math.min(...records.map((r) => r.ts));
  const max = Math.max(...records.map((r) => r.ts));
  for (let start = Math.floor((min - size) / slide) * slide; start <= max; start += slide) {
    const inside = records.filter((r) => r.ts >= start && r.ts < start + size);
    for (const k of new Set(inside.map((r) => r.k))) {
      const lefts = inside.filter((r) => r.k === k && r.side === 'L');
      const rights = inside.filter((r) => r.k === k && r.side === 'R');
      for (const l of lefts) for (const r of rights) joined.push({ k, l: l.id, r: r.id });
      grouped.push({ k, lefts: lefts.map((r) => r.id), rights: rights.map((r) => r.id) });
    }
  }
  return { joined, grouped };
}

/** One job with both: `left.join(right)` to sink `joined`, `left.coGroup(right)` to sink `grouped`. */
function joinJob(assigner: () => WindowAssigner<any>) {
  const job = new Job('window-join');
  const left = tsSource<Rec>(job, 'left', { outOfOrderness: B });
  const right = tsSource<Rec>(job, 'right', { outOfOrderness: B });
  left.join(right).where((l) => l.k).equalTo((r) => r.k).window(assigner())
    .apply((l, r): Joined => ({ k: l.k, l: l.id, r: r.id }), { uid: 'joined' })
    .sinkTo(sink('joined'));
  left.coGroup(right).where((l) => l.k).equalTo((r) => r.k).window(assigner())
    .apply({ coGroup: (ls: Rec[], rs: Rec[], out: Collector<Grouped>) => out.collect({ k: (ls[0] ?? rs[0]).k, lefts: ls.map((l) => l.id), rights: rs.map((r) => r.id) }) }, { uid: 'grouped' })
    .sinkTo(sink('grouped'));
  return job;
}

async function run(assigner: () => WindowAssigner<any>, records: Rec[]) {
  const r = await replayInMemory(joinJob(assigner), { left: lines(records.filter((x) => x.side === 'L')), right: lines(records.filter((x) => x.side === 'R')) });
  expect(r.deadLetters).toEqual([]);
  return { joined: r.sinks.values('joined') as Joined[], grouped: r.sinks.values('grouped') as Grouped[], state: () => stateDump(r) };
}

// Arrival order with ts = (non-decreasing clock) - jitter <= B: nothing is ever late.
const inputArb = fc.array(fc.record({ side: fc.constantFrom('L' as const, 'R' as const), k: fc.constantFrom('a', 'b', 'c'), step: fc.integer({ min: 0, max: 4 }), jitter: fc.integer({ min: 0, max: B }) }), { maxLength: 40 })
  .map((xs) => {
    let clock = 50;
    return xs.map((x, i) => rec(x.side, x.k, `${x.side}${i}`, (clock += x.step) - x.jitter));
  });

describe('window join and coGroup', () => {
  it('plan: each side tags in its own stage; one keyed window stage per join', () => {
    const plan = planJob(joinJob(() => TumblingEventTimeWindows.of(10)).graph);
    expect(plan.stages.map((s) => s.id)).toEqual(['source-left', 'source-right', 'joined', 'grouped']);
    expect(plan.stages.find((s) => s.id === 'joined')!.upstream).toEqual(['source-left', 'source-right']);
  });

  it('hand example, tumbling 10 ms: cross product per key and window; coGroup also for one-sided windows', async () => {
    const records = [rec('L', 'a', 'l1', 1), rec('R', 'a', 'r1', 9), rec('R', 'a', 'r2', 10), rec('L', 'a', 'l2', 5), rec('R', 'b', 'r3', 3), rec('L', 'a', 'l3', 12)];
    const { joined, grouped, state } = await run(() => TumblingEventTimeWindows.of(10), records);
    expect(sortJson(joined)).toEqual(sortJson([{ k: 'a', l: 'l1', r: 'r1' }, { k: 'a', l: 'l2', r: 'r1' }, { k: 'a', l: 'l3', r: 'r2' }]));
    expect(sortJson(grouped.map(canonical))).toEqual(sortJson([
      { k: 'a', lefts: ['l1', 'l2'], rights: ['r1'] }, { k: 'a', lefts: ['l3'], rights: ['r2'] }, { k: 'b', lefts: [], rights: ['r3'] },
    ]));
    expect((await state()).filter((i) => /^[st]#(joined|grouped)#/.test(i.pk))).toEqual([]); // windows and timers gone at the end
  });

  for (const [name, size, slide] of [['tumbling 10', 10, 10], ['tumbling 7', 7, 7], ['sliding 12 / 4', 12, 4], ['sliding 10 / 3', 10, 3]] as const) {
    it(`${name}: equals brute force on generated input`, async () => {
      const assigner = () => (size === slide ? TumblingEventTimeWindows.of(size) : SlidingEventTimeWindows.of(size, slide));
      await fc.assert(
        fc.asyncProperty(inputArb, async (records) => {
          const got = await run(assigner, records);
          const want = bruteForce(records, size, slide);
          expect(sortJson(got.joined)).toEqual(sortJson(want.joined));
          expect(sortJson(got.grouped.map(canonical))).toEqual(sortJson(want.grouped.map(canonical)));
        }),
        { numRuns: 25 },
      );
    }, 120_000);
  }

  it('trigger, evictor and allowed lateness reach the window: a count trigger with an evictor on a global window', async () => {
    // One source split into both sides: a single stage feeds the window, so arrival order is file order.
    const job = new Job('window-join-count', { batchSize: 1 });
    const all = tsSource<Rec>(job, 'in', { shards: 1 });
    all.filter((r) => r.side === 'L').join(all.filter((r) => r.side === 'R')).where((l) => l.k).equalTo((r) => r.k)
      .window(GlobalWindows.create())
      .trigger(CountTrigger.of(2)) // every 2nd record of a key
      .evictor(CountEvictor.of(3)) // over the key's last 3
      .apply((l, r): Joined => ({ k: l.k, l: l.id, r: r.id }), { uid: 'joined' })
      .sinkTo(sink('joined'));
    const records = [rec('L', 'a', 'l1', 1), rec('R', 'a', 'r1', 2), rec('L', 'a', 'l2', 3), rec('R', 'a', 'r2', 4)];
    const { sinks } = await replayInMemory(job, { in: lines(records) });
    // After r1: [l1, r1] -> l1r1. After r2: last 3 = [r1, l2, r2] -> l2r1, l2r2.
    expect(sinks.values('joined')).toEqual([{ k: 'a', l: 'l1', r: 'r1' }, { k: 'a', l: 'l2', r: 'r1' }, { k: 'a', l: 'l2', r: 'r2' }]);
  });

  it('allowed lateness: a late record re-fires its window with everything it holds; results carry the window end - 1', async () => {
    class Stamp extends KeyedProcessFunction<string, Joined, Joined & { ts: number }> {
      processElement(j: Joined, ctx: KeyedContext<string>, out: Collector<Joined & { ts: number }>) {
        out.collect({ ...j, ts: ctx.timestamp() });
      }
    }
    const job = new Job('window-join-late', { batchSize: 1 });
    const all = tsSource<Rec>(job, 'in', { shards: 1, outOfOrderness: 0 });
    all.filter((r) => r.side === 'L').join(all.filter((r) => r.side === 'R')).where((l) => l.k).equalTo((r) => r.k)
      .window(TumblingEventTimeWindows.of(10))
      .allowedLateness(20)
      .apply((l, r): Joined => ({ k: l.k, l: l.id, r: r.id }), { uid: 'joined' })
      .keyBy((j) => j.k).process(new Stamp(), { uid: 'stamp' })
      .sinkTo(sink('joined'));
    const records = [rec('L', 'a', 'l1', 1), rec('R', 'a', 'r1', 2), rec('L', 'a', 'l9', 15), rec('R', 'a', 'r2', 5), rec('L', 'a', 'l8', 45), rec('R', 'a', 'r3', 6)];
    const { sinks } = await replayInMemory(job, { in: lines(records) });
    // l9 (15) moves the watermark to 14: [0, 10) fires (l1r1). r2 (5) is late but within 20: fires again (l1r1, l1r2).
    // l8 (45): watermark 44 passes [0, 10)'s cleanup at 29: r3 (6) is dropped. [10, 20) and [40, 50) have no right record.
    expect(sinks.values('joined')).toEqual([
      { k: 'a', l: 'l1', r: 'r1', ts: 9 }, { k: 'a', l: 'l1', r: 'r1', ts: 9 }, { k: 'a', l: 'l1', r: 'r2', ts: 9 },
    ]);
  });
});
