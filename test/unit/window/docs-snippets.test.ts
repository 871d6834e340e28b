/**
 * docs/windows.md must work as printed: every ```ts block whose first line is `// runnable` is
 * written to a module inside the package (so that `eddy` resolves as it does for users),
 * type-checked with the repository's compiler options, imported, and must export a Job as
 * default (test/unit/support/doc-snippets.ts). Each is then replayed in memory on a tiny input and its sinks compared with results
 * worked out by hand. The session job also runs "live" in memory, with a simulated wall clock:
 * its last sessions close through the sweep's idle watermark, with no further input.
 */
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from '../../../lib/api/index.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { EventSourceRunner } from '../../../lib/local/event-source-runner.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { taskInvoker } from '../../../lib/local/invokers.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { feedSource } from '../../../lib/local/replay.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { sweepOnce } from '../../../lib/runtime/sweep.ts';
import type { RuntimeServices } from '../../../lib/runtime/task.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { loadRunnableSnippets, typeCheck, type DocSnippets } from '../support/doc-snippets.ts';

const jsonl = (records: object[]) => records.map((r) => JSON.stringify(r));
const byUserThenStart = (a: any, b: any) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : (a.windowStart ?? a.start) - (b.windowStart ?? b.start));

let snippets: DocSnippets;
let files: string[];
let jobs: Map<string, Job>;

beforeAll(async () => {
  snippets = await loadRunnableSnippets('docs/windows.md');
  ({ files, jobs } = snippets);
});

afterAll(async () => {
  await snippets?.remove();
});

describe('docs/windows.md snippets', () => {
  it('has runnable snippets, each a module exporting a Job as default', async () => {
    expect(files.length).toBe(4);
    for (const file of files) expect((await import(pathToFileURL(file).href)).default, file).toBeInstanceOf(Job);
    expect([...jobs.keys()].sort()).toEqual(['checkout-views', 'page-views', 'sensor-max', 'user-sessions']);
    for (const job of jobs.values()) expect(planJob(job.graph).stages.length).toBe(2);
  });

  it('type-checks with the repository compiler options', () => {
    expect(typeCheck(files)).toEqual([]);
  }, 120_000);

  it('page-views: one count per user and tumbling minute', async () => {
    const clicks = [
      { userId: 'u1', url: '/a', ts: 1_000 },
      { userId: 'u2', url: '/a', ts: 30_000 },
      { userId: 'u1', url: '/b', ts: 59_000 },
      { userId: 'u1', url: '/c', ts: 61_000 },
    ];
    const { sinks, deadLetters } = await replayInMemory(jobs.get('page-views')!, { clicks: jsonl(clicks) });
    expect(deadLetters).toEqual([]);
    expect(sinks.values('page-views').sort(byUserThenStart)).toEqual([
      { userId: 'u1', windowStart: 0, windowEnd: 60_000, views: 2 },
      { userId: 'u1', windowStart: 60_000, windowEnd: 120_000, views: 1 },
      { userId: 'u2', windowStart: 0, windowEnd: 60_000, views: 1 },
    ]);
  });

  it('checkout-views: the custom trigger fires once early on the first checkout, then at the end', async () => {
    const clicks = [
      { userId: 'u1', url: '/a', ts: 1_000 },
      { userId: 'u1', url: '/checkout', ts: 2_000 },
      { userId: 'u1', url: '/b', ts: 3_000 },
      { userId: 'u1', url: '/checkout', ts: 4_000 },
      { userId: 'u2', url: '/a', ts: 5_000 },
    ];
    const { sinks, deadLetters } = await replayInMemory(jobs.get('checkout-views')!, { clicks: jsonl(clicks) });
    expect(deadLetters).toEqual([]);
    const views = sinks.values('views') as { userId: string }[];
    expect(views.filter((v) => v.userId === 'u1')).toEqual([
      { userId: 'u1', views: 2, checkout: true }, // early, on the first checkout
      { userId: 'u1', views: 4, checkout: true }, // the window's end
    ]);
    expect(views.filter((v) => v.userId === 'u2')).toEqual([{ userId: 'u2', views: 1, checkout: false }]);
  });

  it('sensor-max: a late reading re-fires its minute within the allowed lateness; a later one goes to the side output', async () => {
    const job = jobs.get('sensor-max')!;
    // One record per batch: the watermark (max ts - 5 s - 1) moves after every reading, as in a live trickle.
    job.graph.options.batchSize = 1;
    const readings = [
      { sensor: 's1', value: 5, ts: 10_000 },
      { sensor: 's1', value: 1, ts: 70_000 }, // watermark 64 999: minute 0 fires (max 5)
      { sensor: 's1', value: 9, ts: 30_000 }, // late, within 1 min of lateness: minute 0 fires again (max 9)
      { sensor: 's1', value: 2, ts: 130_000 }, // watermark 124 999: minute 1 fires; minute 0 is cleaned up at 119 999
      { sensor: 's1', value: 7, ts: 20_000 }, // minute 0 is gone: too late
    ];
    const { sinks, deadLetters } = await replayInMemory(job, { readings: jsonl(readings) });
    expect(deadLetters).toEqual([]);
    expect(sinks.values('maxima')).toEqual([
      { sensor: 's1', minute: 0, max: 5 },
      { sensor: 's1', minute: 0, max: 9 },
      { sensor: 's1', minute: 60_000, max: 1 },
      { sensor: 's1', minute: 120_000, max: 2 }, // at end of input
    ]);
    expect(sinks.values('too-late')).toEqual([{ sensor: 's1', value: 7, ts: 20_000 }]);
  });

  it('user-sessions: actions closer than 3 minutes make one session', async () => {
    const activity = [
      { userId: 'u1', action: 'view', ts: 0 },
      { userId: 'u2', action: 'view', ts: 10_000 },
      { userId: 'u1', action: 'cart', ts: 60_000 },
      { userId: 'u1', action: 'buy', ts: 200_000 },
      { userId: 'u1', action: 'view', ts: 600_000 },
    ];
    const { sinks, deadLetters } = await replayInMemory(jobs.get('user-sessions')!, { activity: jsonl(activity) });
    expect(deadLetters).toEqual([]);
    expect(sinks.values('sessions').sort(byUserThenStart)).toEqual([
      { userId: 'u1', start: 0, end: 380_000, actions: 3 },
      { userId: 'u1', start: 600_000, end: 780_000, actions: 1 },
      { userId: 'u2', start: 10_000, end: 190_000, actions: 1 },
    ]);
  });

  it('user-sessions live: with no more input, the sweep closes each session at last + gap + idleness + out-of-orderness', async () => {
    const job = jobs.get('user-sessions')!;
    const plan = planJob(job.graph);
    const store = new MemoryStore();
    const streams = new MemoryStreams();
    for (const s of plan.streams) streams.createStream(s.name, s.shards);
    const sinks = new MemorySinkWriter();
    const T0 = 1_700_000_000_000;
    let clock = T0; // the wall clock: event time ≈ now, as live
    const services: RuntimeServices = { store, streams, sinks, processingTime: 'system', wallClock: () => clock };
    let sessionRecordsIn = 0;
    const invoke = taskInvoker(job, plan, services, (b) => {
      if (b.stage === plan.stages[1].id) sessionRecordsIn += b.dataIn;
    });
    const runner = new EventSourceRunner({ plan, streams, reader: streams, invoke, pollIntervalMs: 1 });
    const activity = [
      { userId: 'u1', action: 'view', ts: T0 - 60_000 },
      { userId: 'u1', action: 'buy', ts: T0 - 30_000 }, // u1's session: [T0 - 60 s, T0 + 150 s)
      { userId: 'u2', action: 'view', ts: T0 - 10_000 }, // u2's session: [T0 - 10 s, T0 + 170 s)
    ];
    const sessions = () => sinks.values('sessions').sort(byUserThenStart);
    await feedSource(job, services, 'activity', plan.stages[0].input.stream, jsonl(activity));
    runner.start();
    try {
      await runner.waitFor(async () => sessionRecordsIn === activity.length && runner.caughtUp(), 30_000);
      expect(sessions()).toEqual([]); // the watermark (T0 - 15 s) is behind both sessions' ends, and no data comes

      // Idle (30 s) but the idle watermark (now - 35 s) has not reached a session's end: nothing to tick.
      clock = T0 + 150_000;
      expect((await sweepOnce(job, plan, services, { now: clock })).ticks).toEqual([]);

      // u1's session ends at T0 + 150 s (last instant T0 + 149 999): closed once now - 35 s passes it.
      clock = T0 + 185_000;
      expect((await sweepOnce(job, plan, services, { now: clock })).idleWatermark).toBe(T0 + 150_000);
      await runner.waitFor(async () => sinks.values('sessions').length === 1, 30_000);
      expect(sessions()).toEqual([{ userId: 'u1', start: T0 - 60_000, end: T0 + 150_000, actions: 2 }]);

      clock = T0 + 205_000;
      await sweepOnce(job, plan, services, { now: clock });
      await runner.waitFor(async () => sinks.values('sessions').length === 2, 30_000);
      expect(sessions()).toEqual([
        { userId: 'u1', start: T0 - 60_000, end: T0 + 150_000, actions: 2 },
        { userId: 'u2', start: T0 - 10_000, end: T0 + 170_000, actions: 1 },
      ]);
    } finally {
      await runner.stop();
    }
  });
});
