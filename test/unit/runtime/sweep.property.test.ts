/**
 * The sweep's guarantee against the sweep it replaced (a pass every 5 s, the whole minute):
 * it never misses a timer that one would fire. In a world that stands still (random
 * checkpoints and source activity, nothing consumes the ticks), four scheduled invocations a
 * minute apart run on a fake clock, and for every shard:
 *
 * - it is never ticked at a moment the old rule would not tick it;
 * - let `e` be the first moment the old rule would tick it: it is ticked at the latest at the
 *   first invocation that starts at or after `e` (so within a minute of `e`);
 * - when it is quiet on its own (no data, no upstream watermark for 5 s) at the start of an
 *   invocation that `e` falls into, at least 1 s before the minute ends, it is ticked less
 *   than 1 s (the minimum interval) after `e`: the old 5 s resolution, or better;
 * - a job with nothing due makes one pass per invocation and waits for nothing.
 *
 * The old rule is written out here again, from the sweep as it was (busy 5 s, retick 15 s,
 * idle watermark = now - idleness - out-of-orderness once every source is idle).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_WATERMARK } from '../../../lib/api/time.ts';
import { NO_TIMER, type Checkpoint } from '../../../lib/runtime/checkpoint.ts';
import { sweepOnce } from '../../../lib/runtime/sweep.ts';
import { runSweepInvocation } from '../../../lib/runtime/sweep-invocation.ts';
import { IDLENESS_MS, openSweepWorld, OUT_OF_ORDERNESS_MS } from '../../support/sweep-world.ts';

const T = 1_800_000_000_000; // the first invocation starts here
const PERIOD = 60_000;
const INVOCATIONS = 4;
const MIN_INTERVAL = 1_000;

type ShardState = Pick<Checkpoint, 'nextTimer' | 'updatedAt' | 'lastDataAt' | 'watermarks' | 'heardAt'>;

interface ShardSetup {
  checkpoint: ShardState;
  lastTickAt?: number;
}

interface WorldSetup {
  idle: boolean;
  shards: ShardSetup[];
  sourcesLastDataAgo: number[];
}

/** Would the sweep as it was tick this shard at `now`? */
function oldRuleTicks(cp: ShardState, lastTickAt: number | undefined, idle: { sourcesLastData: number[] } | undefined, now: number): boolean {
  if (now - cp.updatedAt < 5_000 || now - (lastTickAt ?? -Infinity) < 15_000) return false;
  if (cp.nextTimer.P <= now) return true;
  if (!idle || idle.sourcesLastData.some((at) => now - at < IDLENESS_MS)) return false;
  const idleWatermark = now - IDLENESS_MS - OUT_OF_ORDERNESS_MS;
  const reported = Object.values(cp.watermarks); // the floor is MIN_WATERMARK in these worlds
  const current = reported.length ? Math.min(...reported) : MIN_WATERMARK;
  return idleWatermark > current && cp.nextTimer.E <= idleWatermark;
}

/** The first whole ms from `from` at which `ticks` holds (it only turns true as time passes: nothing else moves), or Infinity. */
function firstMoment(ticks: (now: number) => boolean, from: number, to: number): number {
  if (ticks(from)) return from;
  if (!ticks(to)) return Infinity;
  let [lo, hi] = [from, to]; // ticks(lo) false, ticks(hi) true
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ticks(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

const timerAt = (min: number, max: number) =>
  fc.oneof(fc.constant(NO_TIMER), fc.constant(MIN_WATERMARK), fc.integer({ min, max }).map((d) => T + d));

const shardSetup: fc.Arbitrary<ShardSetup> = fc
  .record({
    P: timerAt(-120_000, 240_000),
    E: timerAt(-300_000, 120_000),
    committedAgo: fc.integer({ min: 0, max: 120_000 }),
    dataBeforeCommit: fc.integer({ min: 0, max: 120_000 }),
    heardBeforeCommit: fc.option(fc.integer({ min: 0, max: 60_000 })),
    watermarkBehind: fc.option(fc.integer({ min: 0, max: 200_000 })),
    tickedAgo: fc.option(fc.integer({ min: 0, max: 30_000 })),
  })
  .map((r) => {
    const updatedAt = T - r.committedAgo;
    return {
      checkpoint: {
        nextTimer: { E: r.E, P: r.P },
        updatedAt,
        lastDataAt: updatedAt - r.dataBeforeCommit,
        heardAt: r.heardBeforeCommit === null ? undefined : { 'source-pings/shardId-000000000000': updatedAt - r.heardBeforeCommit },
        watermarks: r.watermarkBehind === null ? {} : ({ 'source-pings/shardId-000000000000': T - r.watermarkBehind } as Record<string, number>),
      },
      lastTickAt: r.tickedAgo === null ? undefined : T - r.tickedAgo,
    };
  });

const worldSetup: fc.Arbitrary<WorldSetup> = fc.record({
  idle: fc.boolean(),
  shards: fc.array(shardSetup, { minLength: 1, maxLength: 4 }),
  sourcesLastDataAgo: fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 2 }),
});

/** Runs the scheduled invocations; returns every tick with its moment, and each invocation's passes and wait. */
async function runInvocations(setup: WorldSetup) {
  const world = await openSweepWorld({ idle: setup.idle, keyedShards: setup.shards.length, sourceShards: setup.sourcesLastDataAgo.length, now: T });
  const ticked = new Map<string, number>();
  for (const [i, shard] of setup.shards.entries()) {
    await world.setKeyed(world.keyed.shards[i], shard.checkpoint);
    if (shard.lastTickAt !== undefined) ticked.set(`${world.keyed.id}/${world.keyed.shards[i]}`, shard.lastTickAt);
  }
  for (const [i, ago] of setup.sourcesLastDataAgo.entries()) await world.setSourceLastData(world.sourceShards[i], T - ago);
  const ticks: { shard: string; at: number }[] = [];
  const invocations: { passes: number; waitedMs: number }[] = [];
  for (let k = 0; k < INVOCATIONS; k++) {
    world.setClock(T + k * PERIOD);
    const clock = () => world.services.wallClock();
    const result = await runSweepInvocation(
      async (options) => {
        const pass = await sweepOnce(world.job, world.plan, world.services, { ...options, ticked });
        for (const t of pass.ticks) ticks.push({ shard: t.shard, at: options.now });
        return pass;
      },
      { clock, sleep: async (ms) => world.setClock(clock() + ms), periodMs: PERIOD, remainingMs: 70_000, minIntervalMs: MIN_INTERVAL },
    );
    invocations.push({ passes: result.passes.length, waitedMs: result.waitedMs });
  }
  return { world, ticks, invocations };
}

describe('the sweep never misses a timer the every-5-s sweep would fire', () => {
  it('ticks no earlier than the old rule, at the latest at the next scheduled invocation, and within 1 s for a shard quiet at the start', async () => {
    await fc.assert(
      fc.asyncProperty(worldSetup, async (setup) => {
        const { world, ticks } = await runInvocations(setup);
        const idle = setup.idle ? { sourcesLastData: setup.sourcesLastDataAgo.map((ago) => T - ago) } : undefined;
        const lastStart = T + (INVOCATIONS - 1) * PERIOD;
        for (const [i, setupOfShard] of setup.shards.entries()) {
          const shard = world.keyed.shards[i];
          const cp = setupOfShard.checkpoint;
          const mine = ticks.filter((t) => t.shard === shard).map((t) => t.at);
          // Never early: each tick is one the old rule would send, given the ticks before it.
          mine.forEach((at, n) => expect(oldRuleTicks(cp, n === 0 ? setupOfShard.lastTickAt : mine[n - 1], idle, at)).toBe(true));

          const e = firstMoment((now) => oldRuleTicks(cp, setupOfShard.lastTickAt, idle, now), T, lastStart + PERIOD);
          if (e > lastStart) continue; // no scheduled invocation left at or after it
          const nextInvocation = T + Math.ceil((e - T) / PERIOD) * PERIOD;
          expect(mine.length).toBeGreaterThan(0);
          expect(mine[0]).toBeLessThanOrEqual(nextInvocation);

          const start = T + Math.floor((e - T) / PERIOD) * PERIOD; // the invocation `e` falls into
          const heard = Math.max(cp.lastDataAt, ...Object.values(cp.heardAt ?? {}));
          if (start - heard >= 5_000 && e + MIN_INTERVAL <= start + PERIOD) {
            expect(mine[0]).toBeGreaterThanOrEqual(e);
            expect(mine[0]).toBeLessThan(e + MIN_INTERVAL);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('makes one pass per invocation, waiting for nothing, when no timer is pending', async () => {
    await fc.assert(
      fc.asyncProperty(worldSetup, async (setup) => {
        const none = { ...setup, shards: setup.shards.map((s) => ({ ...s, checkpoint: { ...s.checkpoint, nextTimer: { E: NO_TIMER, P: NO_TIMER } } })) };
        const { ticks, invocations } = await runInvocations(none);
        expect(ticks).toEqual([]);
        expect(invocations).toEqual(Array.from({ length: INVOCATIONS }, () => ({ passes: 1, waitedMs: 0 })));
      }),
      { numRuns: 30 },
    );
  });
});
