/**
 * Processing-time timers with the simulated clock of replay: processing time follows the
 * event time the shard has processed (the largest timestamp so far), so a processing-time
 * timer at t fires as soon as a record with timestamp >= t has been processed on its shard,
 * never earlier; each (key, timestamp, domain) fires at most once, a deleted one never; at
 * end of input every remaining timer fires. Event-time and processing-time timers of the same
 * key and timestamp are distinct timers.
 */
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  TimeDomain,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type OnTimerContext,
  type RuntimeContext,
  type ValueState,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';

type Op = ['regP' | 'delP' | 'regE', number];
type Ev = { k: string; ts: number; ops?: Op[]; set?: string };
type Log = { kind: 'el'; k: string; ts: number; pt: number } | { kind: 'timer'; k: string; at: number; pt: number; domain: TimeDomain; value: string | null };

class PtOps extends KeyedProcessFunction<string, Ev, Log> {
  private value!: ValueState<string>;
  override open(ctx: RuntimeContext) {
    this.value = ctx.getState(new ValueStateDescriptor<string>('value'));
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Log>) {
    const ts = ctx.timerService();
    out.collect({ kind: 'el', k: e.k, ts: e.ts, pt: ts.currentProcessingTime() });
    if (e.set) await this.value.update(e.set);
    for (const [op, at] of e.ops ?? []) {
      if (op === 'regP') ts.registerProcessingTimeTimer(at);
      if (op === 'delP') ts.deleteProcessingTimeTimer(at);
      if (op === 'regE') ts.registerEventTimeTimer(at);
    }
  }
  override async onTimer(at: number, ctx: OnTimerContext<string>, out: Collector<Log>) {
    out.collect({ kind: 'timer', k: ctx.getCurrentKey(), at, pt: ctx.timerService().currentProcessingTime(), domain: ctx.timeDomain(), value: (await this.value.value()) ?? null });
  }
}

const events: Ev[] = [
  { k: 'a', ts: 1000, set: 'A', ops: [['regP', 3000]] },
  { k: 'b', ts: 2999 },
  { k: 'c', ts: 3000 }, // processing time reaches 3000: a's timer fires
  { k: 'a', ts: 3500, ops: [['regP', 4000], ['delP', 4000], ['regP', 5000], ['regP', 5000]] },
  { k: 'a', ts: 3600, ops: [['regP', 5000]] },
  { k: 'm', ts: 3700, set: 'M', ops: [['regP', 20_000], ['regE', 20_000]] },
  { k: 'd', ts: 6000 }, // a@5000 fires (once)
  { k: 'e', ts: 6001, ops: [['regP', 1_000_000]] }, // never reached: fires at end of input
  { k: 'f', ts: 30_000 }, // m's processing-time timer (20_000) fires; its event-time twin fires when the watermark passes
];

function ptJob(batchSize: number) {
  const job = new Job('t-ptimers', { batchSize, parallelism: 1 });
  tsSource<Ev>(job).keyBy((e) => e.k).process(new PtOps(), { uid: 'pt' }).sinkTo(sink('log'));
  return job;
}

describe('processing-time timers (simulated clock)', () => {
  for (const batchSize of [1, 100]) {
    it(`fire once the clock passes them, once each, and all at end of input (batch size ${batchSize})`, async () => {
      const { sinks, deadLetters } = await replayInMemory(ptJob(batchSize), { in: lines(events) });
      expect(deadLetters).toEqual([]);
      const log = sinks.values('log') as Log[];

      // the clock a record sees is the largest timestamp processed so far (its own, here)
      expect(log.filter((l) => l.kind === 'el').map((l) => (l as { pt: number }).pt)).toEqual(events.map((e) => e.ts));

      const timers = log.filter((l): l is Extract<Log, { kind: 'timer' }> => l.kind === 'timer');
      const p = timers.filter((t) => t.domain === TimeDomain.PROCESSING_TIME);
      expect(p.map((t) => `${t.k}@${t.at}`)).toEqual(['a@3000', 'a@5000', 'm@20000', 'e@1000000']);
      expect(timers.filter((t) => t.domain === TimeDomain.EVENT_TIME).map((t) => `${t.k}@${t.at}`)).toEqual(['m@20000']);
      expect(p.find((t) => t.k === 'a')?.value).toBe('A');
      expect(p.find((t) => t.k === 'm')?.value).toBe('M');

      // a timer fires right after the first record that moves the clock to or past it, before the next record
      for (const t of p.filter((x) => x.at < 1_000_000)) {
        const at = log.indexOf(t);
        const previous = log.slice(0, at).filter((l) => l.kind === 'el').at(-1) as Extract<Log, { kind: 'el' }>;
        expect(previous.ts, `${t.k}@${t.at}`).toBe(events.find((e) => e.ts >= t.at)!.ts);
        expect(t.pt).toBeGreaterThanOrEqual(t.at);
      }
      // the timer nobody's clock reached fires at end of input, after every record
      expect(log.at(-1)).toMatchObject({ kind: 'timer', k: 'e', at: 1_000_000, domain: TimeDomain.PROCESSING_TIME });
    });
  }
});
