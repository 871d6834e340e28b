/**
 * The context a keyed function sees (Flink KeyedProcessFunction.Context / OnTimerContext):
 * getCurrentKey() is the key the selector returned, of its type, in processElement and in
 * onTimer; keys that are different values are different keys (7 and '7'); timestamp() is the
 * record's event time, or the timer's time in onTimer.
 */
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type OnTimerContext,
  type RuntimeContext,
  type ValueState,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';

type Ev = { ts: number; key: string | number };
type Seen = { where: 'element' | 'timer'; key: unknown; type: string; ts: number; count: number };

class KeyEcho extends KeyedProcessFunction<string | number, Ev, Seen> {
  private count!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
  }
  async processElement(_e: Ev, ctx: KeyedContext<string | number>, out: Collector<Seen>) {
    const count = ((await this.count.value()) ?? 0) + 1;
    await this.count.update(count);
    const key = ctx.getCurrentKey();
    out.collect({ where: 'element', key, type: typeof key, ts: ctx.timestamp(), count });
    ctx.timerService().registerEventTimeTimer(ctx.timestamp() + 1);
  }
  override async onTimer(ts: number, ctx: OnTimerContext<string | number>, out: Collector<Seen>) {
    const key = ctx.getCurrentKey();
    out.collect({ where: 'timer', key, type: typeof key, ts: ctx.timestamp(), count: (await this.count.value()) ?? 0 });
    void ts;
  }
}

describe('KeyedContext', () => {
  it('gives the key as the selector returned it, and keeps 7 and "7" apart', async () => {
    const job = new Job('t-keys');
    tsSource<Ev>(job).keyBy((e) => e.key).process(new KeyEcho(), { uid: 'echo' }).sinkTo(sink('out'));
    const events: Ev[] = [
      { ts: 10, key: 7 },
      { ts: 20, key: '7' },
      { ts: 30, key: 7 },
      { ts: 40, key: 'a b#c' },
      { ts: 50, key: -1.5 },
    ];
    const { sinks, deadLetters } = await replayInMemory(job, { in: lines(events) });
    expect(deadLetters).toEqual([]);
    const seen = sinks.values('out') as Seen[];
    const sortKey = (s: Seen) => `${s.where}|${s.ts}`;
    expect(seen.sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual([
      { where: 'element', key: 7, type: 'number', ts: 10, count: 1 },
      { where: 'element', key: '7', type: 'string', ts: 20, count: 1 },
      { where: 'element', key: 7, type: 'number', ts: 30, count: 2 },
      { where: 'element', key: 'a b#c', type: 'string', ts: 40, count: 1 },
      { where: 'element', key: -1.5, type: 'number', ts: 50, count: 1 },
      { where: 'timer', key: 7, type: 'number', ts: 11, count: 2 },
      { where: 'timer', key: '7', type: 'string', ts: 21, count: 1 },
      { where: 'timer', key: 7, type: 'number', ts: 31, count: 2 },
      { where: 'timer', key: 'a b#c', type: 'string', ts: 41, count: 1 },
      { where: 'timer', key: -1.5, type: 'number', ts: 51, count: 1 },
    ]);
  });

  it('dead-letters a record whose key selector returns no usable key', async () => {
    const job = new Job('t-nokey');
    tsSource<{ ts: number; key?: unknown }>(job).keyBy((e) => e.key as string).process(new KeyEcho(), { uid: 'echo' }).sinkTo(sink('out'));
    const { sinks, deadLetters } = await replayInMemory(job, { in: lines([{ ts: 1 }, { ts: 2, key: '' }, { ts: 3, key: 'ok' }]) });
    expect(deadLetters).toHaveLength(2);
    expect((sinks.values('out') as Seen[]).filter((s) => s.where === 'element').map((s) => s.key)).toEqual(['ok']);
  });
});
