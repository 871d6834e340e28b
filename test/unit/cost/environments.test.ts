/**
 * lib/cost/environments.ts: which environment an invocation lands on, when environments are
 * replaced, and what the batches' state reports add up to — fed by hand through the handlers'
 * `onBatch`, as the stage handler calls it after each batch.
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentPool, hitRate } from '../../../lib/cost/environments.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import type { BatchResult, StateAccess } from '../../../lib/runtime/batch.ts';
import type { RuntimeServices } from '../../../lib/runtime/task.ts';
import { tinyJob } from './tiny-job.ts';

const job = tinyJob({ batchSize: 10, parallelism: 2 });
const keyed = planJob(job.graph).stages.find((s) => s.kind === 'keyed')!;
const noServices = (): RuntimeServices => {
  throw new Error('not invoked in these tests');
};
const result = (shard: string, state?: StateAccess): BatchResult =>
  ({ stage: keyed.id, shard, recordsIn: 1, skipped: 0, dataIn: 1, duplicates: 0, late: 0, misrouted: 0, outputs: 0, deadLetters: 0, timersFired: 0, held: 0, released: 0, watermark: 0, ended: false, state }) as BatchResult;

/** A "random" source returning the given draws in turn. */
const draws = (...xs: number[]) => () => xs.shift()!;

describe('EnvironmentPool', () => {
  it('lands each invocation on the environment the draw names, starting each once', () => {
    const clock = { now: 0 };
    const pool = new EnvironmentPool(job, keyed, noServices, { size: 3, recycleMinutes: 15, random: draws(0.1, 0.5, 0.9, 0.12), now: () => clock.now });
    const [a, b, c, a2] = [pool.pick(), pool.pick(), pool.pick(), pool.pick()];
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a2).toBe(a); // 0.1 and 0.12 both fall in the first third
    expect(pool.stats).toMatchObject({ pool: 3, started: 3, recycled: 0 });
  });

  it('replaces an environment that has lived the recycle period by a fresh handler when it is next picked', () => {
    const clock = { now: 0 };
    const pool = new EnvironmentPool(job, keyed, noServices, { size: 2, recycleMinutes: 15, random: draws(0, 0, 0.7, 0), now: () => clock.now });
    const first = pool.pick();
    clock.now = 15 * 60_000 - 1;
    expect(pool.pick()).toBe(first);
    clock.now = 15 * 60_000;
    pool.pick(); // the other slot: started now
    const replaced = pool.pick();
    expect(replaced).not.toBe(first);
    expect(pool.stats).toMatchObject({ started: 3, recycled: 1 });
  });

  it('tallies hits, catch-ups and restores, what they read, and the most one container holds', () => {
    const clock = { now: 0 };
    const pool = new EnvironmentPool(job, keyed, noServices, { size: 2, recycleMinutes: 15, random: draws(0, 0, 0.9, 0.9, 0), now: () => clock.now });
    const held = (heldBytes: number) => ({ heldItems: heldBytes / 100, heldBytes, heldTimers: 0 });
    pool.pick().onBatch!(result('s0', { access: 'restore', bytesRead: 500, itemsRead: 2, ...held(1000) }));
    pool.pick().onBatch!(result('s1', { access: 'restore', bytesRead: 300, itemsRead: 1, ...held(600) })); // env 0 holds 1,600
    pool.pick().onBatch!(result('s0', { access: 'restore', bytesRead: 700, itemsRead: 3, ...held(1200) }));
    pool.pick().onBatch!(result('s0', { access: 'hit', bytesRead: 0, itemsRead: 0, ...held(1300) }));
    pool.pick().onBatch!(result('s0', { access: 'catch-up', bytesRead: 90, itemsRead: 1, ...held(1400) })); // env 0: 1,400 + 600
    expect(pool.stats.batches).toEqual({ hit: 1, 'catch-up': 1, restore: 3, unreported: 0 });
    expect(pool.stats.restore).toEqual({ bytes: 1500, items: 6 });
    expect(pool.stats.catchUp).toEqual({ bytes: 90, items: 1 });
    expect(pool.stats.peakHeldBytes).toBe(2000);
    expect(pool.stats.peakHeldItems).toBe(20);
    expect(pool.stats.peakHeapBytes).toBe(2000 + 280 * 20); // stored bytes + 280 per item held
    expect(pool.stats.latestHeldBytes).toEqual({ s0: 1400, s1: 600 });
    expect(hitRate(pool.stats)).toBeCloseTo(1 / 5, 12);
  });

  it('counts a stateful stage\'s batches without a state report as unreported, and restores in replacement environments apart', () => {
    const clock = { now: 0 };
    const pool = new EnvironmentPool(job, keyed, noServices, { size: 1, recycleMinutes: 1, random: () => 0, now: () => clock.now });
    pool.pick().onBatch!(result('s0'));
    clock.now = 60_000;
    pool.pick().onBatch!(result('s0', { access: 'restore', bytesRead: 10, itemsRead: 1, heldItems: 1, heldBytes: 10, heldTimers: 0 }));
    expect(pool.stats.batches.unreported).toBe(1);
    expect(pool.stats.restoresAfterRecycle).toBe(1);
    expect(hitRate({ batches: { hit: 0, 'catch-up': 0, restore: 0, unreported: 5 } })).toBeUndefined();
  });
});
