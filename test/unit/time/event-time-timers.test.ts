/**
 * Event-time timers on the in-memory engine, against a model of Flink's timer service:
 * the source's watermark after a record at ts is max ts - 5000 - 1 (BoundedOutOfOrderness
 * 5000); when the watermark advances, every timer with timestamp <= watermark fires, earliest
 * first, including timers registered by onTimer that are already due; at most one timer
 * exists per (key, timestamp), a deleted timer never fires, onTimer runs with the key's state;
 * at end of input the watermark is +infinity and every remaining timer fires.
 * With batch size 1 and one shard the engine sends a watermark after every record, so the
 * model predicts the exact log; with bigger batches and two shards the log differs only in
 * when timers fire, so the test checks what must hold whatever the batching.
 */
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  MAX_WATERMARK,
  MIN_WATERMARK,
  TimeDomain,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type OnTimerContext,
  type RuntimeContext,
  type ValueState,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { groupBy, lines, OUT_OF_ORDERNESS, sink, tsSource } from '../support/tiny.ts';
import { stateDump } from '../support/state-items.ts';

type Op = ['reg' | 'del', number];
type Ev = { k: string; ts: number; ops?: Op[]; set?: string; chain?: number };
type Log =
  | { kind: 'el'; k: string; ts: number; wm: number }
  | { kind: 'timer'; k: string; at: number; ts: number; wm: number; value: string | null; domain: TimeDomain };

class TimerOps extends KeyedProcessFunction<string, Ev, Log> {
  private value!: ValueState<string>;
  private chain!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.value = ctx.getState(new ValueStateDescriptor<string>('value'));
    this.chain = ctx.getState(new ValueStateDescriptor<number>('chain'));
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Log>) {
    out.collect({ kind: 'el', k: ctx.getCurrentKey(), ts: ctx.timestamp(), wm: ctx.timerService().currentWatermark() });
    if (e.set !== undefined) await this.value.update(e.set);
    if (e.chain !== undefined) await this.chain.update(e.chain);
    for (const [op, at] of e.ops ?? []) {
      if (op === 'reg') ctx.timerService().registerEventTimeTimer(at);
      else ctx.timerService().deleteEventTimeTimer(at);
    }
  }
  override async onTimer(at: number, ctx: OnTimerContext<string>, out: Collector<Log>) {
    const value = (await this.value.value()) ?? null;
    out.collect({ kind: 'timer', k: ctx.getCurrentKey(), at, ts: ctx.timestamp(), wm: ctx.timerService().currentWatermark(), value, domain: ctx.timeDomain() });
    const chain = (await this.chain.value()) ?? 0;
    if (chain > 0) {
      await this.chain.update(chain - 1);
      ctx.timerService().registerEventTimeTimer(at + 1000);
    }
  }
}

/** Flink's timer service and bounded-out-of-orderness watermark, per record. */
function model(events: Ev[]): Log[] {
  const timers = new Map<string, { k: string; at: number }>();
  const values = new Map<string, string>();
  const chains = new Map<string, number>();
  const log: Log[] = [];
  let wm = MIN_WATERMARK;
  const fireUpTo = (bound: number) => {
    for (;;) {
      const next = [...timers.values()].filter((t) => t.at <= bound).sort((x, y) => x.at - y.at || (x.k < y.k ? -1 : 1))[0];
      if (!next) return;
      timers.delete(`${next.k}@${next.at}`);
      log.push({ kind: 'timer', k: next.k, at: next.at, ts: next.at, wm, value: values.get(next.k) ?? null, domain: TimeDomain.EVENT_TIME });
      const chain = chains.get(next.k) ?? 0;
      if (chain > 0) {
        chains.set(next.k, chain - 1);
        timers.set(`${next.k}@${next.at + 1000}`, { k: next.k, at: next.at + 1000 });
      }
    }
  };
  for (const e of events) {
    log.push({ kind: 'el', k: e.k, ts: e.ts, wm });
    if (e.set !== undefined) values.set(e.k, e.set);
    if (e.chain !== undefined) chains.set(e.k, e.chain);
    for (const [op, at] of e.ops ?? []) {
      if (op === 'reg') timers.set(`${e.k}@${at}`, { k: e.k, at });
      else timers.delete(`${e.k}@${at}`);
    }
    const advanced = Math.max(wm, e.ts - OUT_OF_ORDERNESS - 1);
    if (advanced > wm) fireUpTo((wm = advanced));
  }
  wm = MAX_WATERMARK;
  fireUpTo(wm);
  return log;
}

const events: Ev[] = [
  { k: 'a', ts: 1000, ops: [['reg', 7000]] },
  { k: 'b', ts: 1000, ops: [['reg', 7001]] },
  { k: 'c', ts: 12_000 }, // watermark 6999: nothing due
  { k: 'd', ts: 12_001 }, // watermark 7000: a's timer, not b's
  { k: 'e', ts: 12_002 }, // watermark 7001: b's timer
  { k: 'g', ts: 12_003, ops: [['reg', 30_000], ['reg', 30_000]] }, // registered twice: fires once
  { k: 'g', ts: 12_004, ops: [['reg', 30_000]] }, // and again in a later batch
  { k: 'h', ts: 12_005, ops: [['reg', 31_000]] },
  { k: 'h', ts: 12_006, ops: [['del', 31_000]] }, // deleted in a later batch: never fires
  { k: 'i', ts: 12_007, ops: [['reg', 31_500], ['del', 31_500]] }, // deleted at once: never fires
  { k: 'j', ts: 12_008, ops: [['reg', 32_000], ['del', 32_000], ['reg', 32_000]] }, // re-registered: fires once
  { k: 'k1', ts: 12_010, ops: [['reg', 50_000]] },
  { k: 'k2', ts: 12_011, ops: [['reg', 40_000]] },
  { k: 'k3', ts: 12_012, ops: [['reg', 45_000], ['del', 99_999]] }, // deleting an unknown timer is a no-op
  { k: 's', ts: 12_020, set: 'hello', ops: [['reg', 33_000]] },
  { k: 's', ts: 12_021, set: 'world' }, // onTimer sees the latest state of its key
  { k: 'z', ts: 60_000 }, // watermark 54_999: 30_000 .. 50_000 fire in timestamp order
  { k: 'q', ts: 60_001, chain: 2, ops: [['reg', 70_000]] }, // fires at end of input, registering 71_000 then 72_000
  { k: 'r', ts: 60_002, ops: [['reg', 100]] }, // already behind the watermark: fires at the next advance
  { k: 'u', ts: 60_003, set: 'late', ops: [['reg', 90_000]] },
];

function timerJob(options: { batchSize: number; parallelism: number }) {
  const job = new Job('t-etimers', options);
  tsSource<Ev>(job).keyBy((e) => e.k).process(new TimerOps(), { uid: 'timers' }).sinkTo(sink('log'));
  return job;
}

describe('event-time timers', () => {
  it('the model itself fires what the scenario intends', () => {
    const fired = model(events).filter((l) => l.kind === 'timer') as Extract<Log, { kind: 'timer' }>[];
    expect(fired.map((t) => `${t.k}@${t.at}`)).toEqual(['a@7000', 'b@7001', 'g@30000', 'j@32000', 's@33000', 'k2@40000', 'k3@45000', 'k1@50000', 'r@100', 'q@70000', 'q@71000', 'q@72000', 'u@90000']);
  });

  it('fire exactly when the watermark passes them (batch size 1, one shard)', async () => {
    const { sinks, deadLetters } = await replayInMemory(timerJob({ batchSize: 1, parallelism: 1 }), { in: lines(events) });
    expect(deadLetters).toEqual([]);
    expect(sinks.values('log')).toEqual(model(events));
  });

  it('whatever the batching: each live timer fires once, at or after its time, in time order per key, with its state', async () => {
    const { sinks, deadLetters } = await replayInMemory(timerJob({ batchSize: 3, parallelism: 2 }), { in: lines(events) });
    expect(deadLetters).toEqual([]);
    const log = sinks.values('log') as Log[];
    const expected = model(events);
    const timersOf = (l: Log[]) => l.filter((x) => x.kind === 'timer') as Extract<Log, { kind: 'timer' }>[];
    const got = timersOf(log);
    expect(got.map((t) => `${t.k}@${t.at}`).sort()).toEqual(timersOf(expected).map((t) => `${t.k}@${t.at}`).sort());
    for (const t of got) {
      expect(t.wm).toBeGreaterThanOrEqual(t.at);
      expect(t.ts).toBe(t.at);
      expect(t.domain).toBe(TimeDomain.EVENT_TIME);
    }
    // per key, the log (elements and timers) is in the same order as the model's
    const strip = (l: Log[]) => l.map((x) => (x.kind === 'el' ? `el@${x.ts}` : `timer@${x.at}:${x.value}`));
    const gotByKey = groupBy(log, (x) => x.k);
    for (const [k, rows] of groupBy(expected, (x) => x.k)) expect(strip(gotByKey.get(k) ?? []), k).toEqual(strip(rows));
  });

  it('leaves no timer behind once everything fired', async () => {
    const run = await replayInMemory(timerJob({ batchSize: 2, parallelism: 2 }), { in: lines(events) });
    expect(run.sinks.records.length).toBeGreaterThan(0); // timers did fire (the emptiness below is not vacuous)
    expect((await stateDump(run)).filter((i) => i.pk.startsWith('t#'))).toEqual([]);
  });
});
