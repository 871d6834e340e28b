/**
 * A user function that throws: the record (or timer) goes to the dead-letter table with the
 * error, everything it did before throwing — state writes, emitted records, side outputs,
 * timer registrations — is undone, and the other records and timers proceed as if it had
 * never been there.
 */
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  OutputTag,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type ListState,
  type MapState,
  type OnTimerContext,
  type RuntimeContext,
  type ValueState,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { stateDump, stateItem, storedValue } from '../support/state-items.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';

type Ev = { id: string; k: string; ts: number; v: number; boom?: boolean };
type Out = { kind: 'el'; id: string; sum: number; ids: string[]; seen: string[] } | { kind: 'timer'; k: string; at: number; sum: number };
const side = new OutputTag<{ id: string }>('side');
const TIMER_DELAY = 100_000;

class Risky extends KeyedProcessFunction<string, Ev, Out> {
  private sum!: ValueState<number>;
  private ids!: ListState<string>;
  private seen!: MapState<string, number>;
  override open(ctx: RuntimeContext) {
    this.sum = ctx.getState(new ValueStateDescriptor<number>('sum'));
    this.ids = ctx.getListState(new ListStateDescriptor<string>('ids'));
    this.seen = ctx.getMapState(new MapStateDescriptor<string, number>('seen'));
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Out>) {
    const sum = ((await this.sum.value()) ?? 0) + e.v;
    await this.sum.update(sum);
    await this.ids.add(e.id);
    await this.seen.put(e.id, e.v);
    out.collect({ kind: 'el', id: e.id, sum, ids: await this.ids.get(), seen: await this.seen.keys() });
    ctx.output(side, { id: e.id });
    ctx.timerService().registerEventTimeTimer(e.ts + TIMER_DELAY);
    if (e.boom) throw new Error(`boom ${e.id}`);
  }
  override async onTimer(at: number, ctx: OnTimerContext<string>, out: Collector<Out>) {
    const sum = (await this.sum.value()) ?? 0;
    if (ctx.getCurrentKey() === 'tb' && at === 6000 + TIMER_DELAY) {
      await this.sum.update(-999);
      out.collect({ kind: 'timer', k: 'tb', at, sum: -999 });
      ctx.output(side, { id: 'from-failing-timer' });
      ctx.timerService().registerEventTimeTimer(at + 1);
      throw new Error('timer boom');
    }
    out.collect({ kind: 'timer', k: ctx.getCurrentKey(), at, sum });
  }
}

const events: Ev[] = [
  { id: 'e1', k: 'a', ts: 1000, v: 1 },
  { id: 'e2', k: 'a', ts: 2000, v: 10, boom: true },
  { id: 'e3', k: 'a', ts: 3000, v: 100 },
  { id: 'e4', k: 'b', ts: 4000, v: 5, boom: true }, // the first record of its key fails: b has no state afterwards
  { id: 'e5', k: 'b', ts: 5000, v: 7 },
  { id: 'e6', k: 'tb', ts: 6000, v: 2 }, // its timer throws
  { id: 'e7', k: 'tb', ts: 7000, v: 3 },
];

/** What a job without the failing records and timer computes. */
function expected() {
  const ok = events.filter((e) => !e.boom);
  const els = ok.map((e) => {
    const mine = ok.filter((x) => x.k === e.k && x.ts <= e.ts);
    const ids = mine.map((x) => x.id);
    return { kind: 'el', id: e.id, sum: mine.reduce((s, x) => s + x.v, 0), ids, seen: [...ids].sort() };
  });
  const finalSum = (k: string) => ok.filter((x) => x.k === k).reduce((s, x) => s + x.v, 0);
  const timers = ok.filter((e) => e.id !== 'e6').map((e) => ({ kind: 'timer', k: e.k, at: e.ts + TIMER_DELAY, sum: finalSum(e.k) }));
  return { els, timers, side: ok.map((e) => ({ id: e.id })) };
}

function riskyJob(batchSize: number) {
  const job = new Job('t-risky', { batchSize });
  const processed = tsSource<Ev>(job).keyBy((e) => e.k).process(new Risky(), { uid: 'risky' });
  processed.sinkTo(sink('out'));
  processed.getSideOutput(side).sinkTo(sink('side'));
  return job;
}

describe('a throwing user function', () => {
  for (const batchSize of [100, 2]) {
    it(`is dead-lettered and leaves no trace; everything else proceeds (batch size ${batchSize})`, async () => {
      const { sinks, deadLetters } = await replayInMemory(riskyJob(batchSize), { in: lines(events) });
      const exp = expected();
      const out = sinks.values('out') as Out[];
      const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
      expect(out.filter((o) => o.kind === 'el').sort(byId as never)).toEqual(exp.els);
      const timerKey = (o: Out) => (o.kind === 'timer' ? `${o.k}@${o.at}` : '');
      expect(out.filter((o) => o.kind === 'timer').sort((x, y) => timerKey(x).localeCompare(timerKey(y)))).toEqual(exp.timers.sort((x, y) => `${x.k}@${x.at}`.localeCompare(`${y.k}@${y.at}`)));
      expect((sinks.values('side') as { id: string }[]).sort(byId)).toEqual(exp.side);

      expect(deadLetters).toHaveLength(3);
      const reasons = deadLetters.map((d) => d.reason).sort();
      expect(reasons[0]).toContain('boom e2');
      expect(reasons[1]).toContain('boom e4');
      expect(reasons[2]).toContain('timer boom');
      for (const id of ['e2', 'e4']) expect(deadLetters.some((d) => d.record.includes(`"id":"${id}"`) && d.stage === 'risky')).toBe(true);
      expect(deadLetters.some((d) => d.record.includes(String(6000 + TIMER_DELAY)))).toBe(true);
    });
  }

  it('leaves no state of the failed records in the store', async () => {
    const stored = await stateDump(await replayInMemory(riskyJob(100), { in: lines(events) }));
    const items = stored.filter((i) => i.pk.startsWith('s#risky#'));
    expect(storedValue(stateItem(stored, 'risky', 'a', 'sum#-'))).toBe(101);
    expect(storedValue(stateItem(stored, 'risky', 'b', 'sum#-'))).toBe(7);
    expect(storedValue(stateItem(stored, 'risky', 'tb', 'sum#-'))).toBe(5);
    expect(items.filter((i) => i.sk.startsWith('seen#')).map((i) => i.sk).sort()).toEqual(['seen#-#"e1"', 'seen#-#"e3"', 'seen#-#"e5"', 'seen#-#"e6"', 'seen#-#"e7"']);
    expect(stored.filter((i) => i.pk.startsWith('t#'))).toEqual([]);
  });

  it('at the source, dead-letters records that are not JSON or lack a usable event time', async () => {
    const job = new Job('t-bad-source');
    tsSource<{ k: string; ts: number }>(job).keyBy((e) => e.k).process(new Risky(), { uid: 'risky' }).sinkTo(sink('out'));
    const bad = ['not json', '{"id":"x1","k":"a","v":1}', '{"id":"x2","k":"a","v":1,"ts":-1}', '{"id":"x3","k":"a","v":1,"ts":"7"}'];
    const good = ['{"id":"g1","k":"a","v":1,"ts":5}', '{"id":"g2","k":"a","v":2,"ts":6}'];
    const { sinks, deadLetters } = await replayInMemory(job, { in: [good[0], ...bad, good[1]] });
    expect(deadLetters.map((d) => [d.stage, d.record])).toEqual(bad.map((line) => ['source-in', line]));
    expect((sinks.values('out') as Out[]).filter((o) => o.kind === 'el').map((o) => o.kind === 'el' && o.sum)).toEqual([1, 3]);
  });
});
