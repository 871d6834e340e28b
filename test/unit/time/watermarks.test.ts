/**
 * Watermarks: Flink's BoundedOutOfOrderness watermark (max timestamp - bound - 1) and the
 * input watermark of a stage shard, which is the minimum over its upstream shards (an
 * upstream that has not reported holds it at the minimum), never goes back, and is raised by
 * the idle-advance floor.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  KinesisSource,
  MAX_WATERMARK,
  MIN_WATERMARK,
  WatermarkStrategy,
  type Collector,
  type KeyedContext,
  type OnTimerContext,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { hashKeyOf } from '../../../lib/plan/partitioning.ts';
import { boundedWatermark, InputWatermark } from '../../../lib/time/watermarks.ts';
import { lines, sink } from '../support/tiny.ts';

describe('boundedWatermark', () => {
  it('is max timestamp - out-of-orderness - 1, and the minimum before any record', () => {
    expect(boundedWatermark(12_001, 5000)).toBe(7000);
    expect(boundedWatermark(1000, 0)).toBe(999);
    expect(boundedWatermark(MIN_WATERMARK, 5000)).toBe(MIN_WATERMARK);
  });
});

describe('InputWatermark', () => {
  const ups = ['src/shard-0', 'src/shard-1'];

  it('is the minimum over the upstream shards; one not yet reported holds it at MIN', () => {
    const wm = new InputWatermark(ups, {}, MIN_WATERMARK);
    expect(wm.current()).toBe(MIN_WATERMARK);
    expect(wm.update('src/shard-0', 5000)).toBe(false);
    expect(wm.current()).toBe(MIN_WATERMARK);
    expect(wm.update('src/shard-1', 3000)).toBe(true);
    expect(wm.current()).toBe(3000);
    expect(wm.update('src/shard-1', 9000)).toBe(true);
    expect(wm.current()).toBe(5000);
  });

  it('never goes back when an upstream repeats an older watermark', () => {
    const wm = new InputWatermark(ups, { 'src/shard-0': 4000, 'src/shard-1': 4000 }, MIN_WATERMARK);
    expect(wm.update('src/shard-0', 1000)).toBe(false);
    expect(wm.current()).toBe(4000);
    expect(wm.snapshot().reported['src/shard-0']).toBe(4000);
  });

  it('is raised by the idle floor, and knows when every upstream ended', () => {
    const wm = new InputWatermark(ups, { 'src/shard-0': 100 }, MIN_WATERMARK);
    expect(wm.raiseFloor(2000)).toBe(true);
    expect(wm.current()).toBe(2000);
    expect(wm.raiseFloor(1000)).toBe(false);
    expect(wm.allEnded()).toBe(false);
    wm.update('src/shard-0', MAX_WATERMARK);
    expect(wm.allEnded()).toBe(false);
    wm.update('src/shard-1', MAX_WATERMARK);
    expect(wm.allEnded()).toBe(true);
    expect(wm.current()).toBe(MAX_WATERMARK);
  });

  it('resumes from a snapshot', () => {
    const wm = new InputWatermark(ups, { 'src/shard-0': 10, 'src/shard-1': 20 }, 5);
    const again = new InputWatermark(ups, wm.snapshot().reported, wm.snapshot().floor);
    expect(again.current()).toBe(10);
  });

  it('equals max(floor, min over upstreams of the max each reported) for any sequence (property)', () => {
    const update = fc.record({ u: fc.nat(2), w: fc.integer({ min: -1000, max: 1000 }) });
    fc.assert(
      fc.property(fc.array(update), fc.integer({ min: -2000, max: 500 }), (updates, floor) => {
        const names = ['u0', 'u1', 'u2'];
        const wm = new InputWatermark(names, {}, floor);
        const max = new Map<string, number>();
        let previous = wm.current();
        for (const { u, w } of updates) {
          const advanced = wm.update(names[u], w);
          max.set(names[u], Math.max(max.get(names[u]) ?? MIN_WATERMARK, w));
          const expected = Math.max(floor, Math.min(...names.map((n) => max.get(n) ?? MIN_WATERMARK)));
          expect(wm.current()).toBe(expected);
          expect(advanced).toBe(expected > previous);
          previous = expected;
        }
      }),
    );
  });
});

describe('the watermark of a keyed stage fed by two source shards', () => {
  type Ev = { p: string; name: string; ts: number; timer?: number };
  type Log = { what: string; wm: number };
  class Logger extends KeyedProcessFunction<string, Ev, Log> {
    async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Log>) {
      out.collect({ what: `el ${e.name}`, wm: ctx.timerService().currentWatermark() });
      if (e.timer) ctx.timerService().registerEventTimeTimer(e.timer);
    }
    override async onTimer(at: number, ctx: OnTimerContext<string>, out: Collector<Log>) {
      out.collect({ what: `timer ${at}`, wm: ctx.timerService().currentWatermark() });
    }
  }
  /** A partition key whose hash falls in the lower (0) or upper (1) half: shard 0 or 1 of 2. */
  const keyOnShard = (shard: 0 | 1) => {
    for (let i = 0; ; i++) if (hashKeyOf(`p${i}`) >> 127n === BigInt(shard)) return `p${i}`;
  };

  it('is the minimum of the two: a timer fires only after both shards passed it', async () => {
    const job = new Job('t-two-shards', { batchSize: 1, parallelism: 1 });
    job
      .fromSource(
        KinesisSource.json<Ev>('in', { shards: 2, partitionKey: (e) => e.p }),
        WatermarkStrategy.forBoundedOutOfOrderness<Ev>(5000).withTimestampAssigner((e) => e.ts),
      )
      .keyBy(() => 'one')
      .process(new Logger(), { uid: 'log' })
      .sinkTo(sink('log'));
    const [a, b] = [keyOnShard(0), keyOnShard(1)];
    const events: Ev[] = [
      { p: a, name: 'a', ts: 1000, timer: 7000 },
      { p: b, name: 'b', ts: 5000 },
      { p: a, name: 'x', ts: 20_000 }, // shard 0 alone passes 7000 (watermark 14_999)
      { p: b, name: 'c', ts: 12_001 }, // shard 1 reaches 7000 (watermark 7000)
    ];
    const { sinks, deadLetters } = await replayInMemory(job, { in: lines(events) });
    expect(deadLetters).toEqual([]);
    const log = (sinks.values('log') as Log[]).map((l) => l.what);
    const timer = log.indexOf('timer 7000');
    expect(timer).toBeGreaterThan(log.indexOf('el x'));
    expect(timer).toBeGreaterThan(log.indexOf('el c'));
    expect((sinks.values('log') as Log[])[timer].wm).toBeGreaterThanOrEqual(7000);
  });

  it('withIdleness (live): an idle upstream is left out while another is active, never below what was sent', () => {
    const idle = new Set<string>(['s/1']);
    const wm = new InputWatermark(['s/0', 's/1'], { 's/0': 900, 's/1': 100 }, 500, {}, (u) => idle.has(u));
    expect(wm.current()).toBe(900); // s/1 is idle: s/0 alone
    idle.add('s/0');
    expect(wm.current()).toBe(500); // all idle: the minimum again, but not below the floor
    idle.clear();
    expect(wm.current()).toBe(500);
  });

  it('counts data records that arrive behind the watermark', async () => {
    const job = new Job('late', { parallelism: 1, batchSize: 1 });
    job.fromSource(KinesisSource.json<Ev>('in'), WatermarkStrategy.forBoundedOutOfOrderness<Ev>(0).withTimestampAssigner((e) => e.ts))
      .keyBy(() => 'one').process(new Logger(), { uid: 'log' }).sinkTo(sink('log'));
    const late: number[] = [];
    await replayInMemory(job, { in: lines([{ p: 'a', name: 'a', ts: 1000 }, { p: 'a', name: 'b', ts: 5000 }, { p: 'a', name: 'c', ts: 2000 }, { p: 'a', name: 'd', ts: 6000 }]) }, {
      onBatch: (b) => b.stage === 'log' && late.push(b.late),
    });
    expect(late.reduce((a, b) => a + b, 0)).toBe(1); // c (2000) behind the watermark 4999
  });
});
