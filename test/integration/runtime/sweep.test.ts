/**
 * The sweep against the emulators: a key whose timer is due on a shard that gets no more data
 * still fires — a processing-time timer, and an event-time timer of a job that opted into the
 * idle watermark advance — through a tick the sweep injects into the stage's own stream.
 */
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  KinesisSink,
  KinesisSource,
  EventTimeSessionWindows,
  ProcessWindowFunction,
  Time,
  WatermarkStrategy,
  type WindowContext,
  type Collector,
  type KeyedContext,
  type OnTimerContext,
} from '../../../lib/api/index.ts';
import { EventSourceRunner } from '../../../lib/local/event-source-runner.ts';
import { feedSource } from '../../../lib/local/replay.ts';
import { createSweepHandler } from '../../../lib/runtime/handler.ts';
import { openTestJob } from '../../support/local-job.ts';

interface Ping { id: string; ts: number }

/** Registers a timer `delay` ms after each record, in the given domain, and reports when it fires. */
class Alarm extends KeyedProcessFunction<string, Ping, { id: string; firedFor: number; domain: string }> {
  constructor(private readonly domain: 'event' | 'processing', private readonly delay: number) {
    super();
  }
  processElement(p: Ping, ctx: KeyedContext<string>) {
    const timers = ctx.timerService();
    if (this.domain === 'event') timers.registerEventTimeTimer(p.ts + this.delay);
    else timers.registerProcessingTimeTimer(timers.currentProcessingTime() + this.delay);
  }
  override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<{ id: string; firedFor: number; domain: string }>) {
    out.collect({ id: ctx.getCurrentKey(), firedFor: ts, domain: ctx.timeDomain() });
  }
}

function alarmJob(name: string, domain: 'event' | 'processing', delay: number, idle: boolean) {
  const job = new Job(name, { idleWatermarkAdvance: idle });
  let strategy = WatermarkStrategy.forBoundedOutOfOrderness<Ping>(Time.seconds(5)).withTimestampAssigner((p) => p.ts);
  if (idle) strategy = strategy.withIdleness(300);
  job.fromSource(KinesisSource.json<Ping>('pings'), strategy).keyBy((p) => p.id).process(new Alarm(domain, delay), { uid: 'alarm' })
    .sinkTo(KinesisSink.json('alarms', { partitionKey: (a) => a.id }));
  return job;
}

/** Sessions of pings per id with a gap of 1 s; the job opts into the idle watermark advance. */
class SessionSummary extends ProcessWindowFunction<Ping, { id: string; start: number; end: number; pings: number }, string> {
  process(id: string, ctx: WindowContext, pings: Ping[], out: Collector<{ id: string; start: number; end: number; pings: number }>) {
    out.collect({ id, start: ctx.window.start, end: ctx.window.end, pings: pings.length });
  }
}

function sessionJob() {
  const job = new Job('sweep-session', { idleWatermarkAdvance: true });
  job.fromSource(KinesisSource.json<Ping>('pings'), WatermarkStrategy.forBoundedOutOfOrderness<Ping>(Time.seconds(1)).withTimestampAssigner((p) => p.ts).withIdleness(300))
    .keyBy((p) => p.id).window(EventTimeSessionWindows.withGap(Time.seconds(1))).process(new SessionSummary(), { uid: 'sessions' })
    .sinkTo(KinesisSink.json('sessions', { partitionKey: (s) => s.id }));
  return job;
}

async function runWithSweep(job: Job, lines: string[], until: (outputs: unknown[]) => boolean) {
  const local = await openTestJob(job);
  const runner = new EventSourceRunner({ plan: local.plan, streams: local.services.streams, reader: local.reader, invoke: local.invoke, pollIntervalMs: 50 });
  const sweep = createSweepHandler(job, () => local.services);
  runner.start();
  try {
    await feedSource(job, local.services, 'pings', local.plan.stages[0].input.stream, lines);
    let passes = 0;
    let ticks = 0;
    const deadline = Date.now() + 30_000;
    while (!until(local.sinks.records.map((r) => r.value))) {
      if (Date.now() > deadline) throw new Error(`timer did not fire; outputs: ${JSON.stringify(local.sinks.records)}`);
      await new Promise((r) => setTimeout(r, 250));
      const result = await sweep({ once: true }, {} as never);
      passes++;
      ticks += result.passes.reduce((n, p) => n + p.ticks.length, 0);
    }
    return { outputs: local.sinks.records.map((r) => r.value), passes, ticks };
  } finally {
    await runner.stop();
  }
}

describe('sweep', () => {
  it("fires an idle key's processing-time timer with no further input", async () => {
    const job = alarmJob('sweep-processing', 'processing', 1500, false);
    const started = Date.now();
    const { outputs, ticks } = await runWithSweep(job, [JSON.stringify({ id: 'k-1', ts: started })], (o) => o.length > 0);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ id: 'k-1', domain: 'PROCESSING_TIME' });
    expect((outputs[0] as { firedFor: number }).firedFor).toBeGreaterThanOrEqual(started + 1500);
    expect(ticks).toBeGreaterThan(0); // nothing but the sweep's tick could have woken the shard
  });

  it('fires an event-time timer on a stream that went quiet when the job opts into idle advance', async () => {
    const job = alarmJob('sweep-idle', 'event', 2000, true);
    const ts = Date.now();
    const { outputs } = await runWithSweep(job, [JSON.stringify({ id: 'k-2', ts })], (o) => o.length > 0);
    expect(outputs).toEqual([{ id: 'k-2', firedFor: ts + 2000, domain: 'EVENT_TIME' }]);
  });

  it('does not advance the watermark of a job that did not opt in', async () => {
    const job = alarmJob('sweep-no-idle', 'event', 100, false);
    const local = await openTestJob(job);
    const runner = new EventSourceRunner({ plan: local.plan, streams: local.services.streams, reader: local.reader, invoke: local.invoke, pollIntervalMs: 50 });
    const sweep = createSweepHandler(job, () => local.services);
    runner.start();
    try {
      await feedSource(job, local.services, 'pings', local.plan.stages[0].input.stream, [JSON.stringify({ id: 'k-3', ts: Date.now() - 60_000 })]);
      await runner.waitFor(async () => runner.caughtUp(), 20_000);
      for (let i = 0; i < 4; i++) {
        const result = await sweep({ once: true }, {} as never);
        expect(result.passes[0].ticks).toEqual([]);
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(local.sinks.records).toEqual([]);
    } finally {
      await runner.stop();
    }
  });

  it('closes a session window on a stream that went quiet (the seed notes: "does a session window ever close if no more data comes?")', async () => {
    const ts = Date.now();
    const lines = [0, 300, 700].map((d) => JSON.stringify({ id: 's-1', ts: ts + d }));
    const { outputs, ticks } = await runWithSweep(sessionJob(), lines, (o) => o.length > 0);
    expect(outputs).toEqual([{ id: 's-1', start: ts, end: ts + 700 + 1000, pings: 3 }]);
    expect(ticks).toBeGreaterThan(0); // only the sweep's idle-advanced watermark could close it
  });
});
