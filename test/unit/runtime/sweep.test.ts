/**
 * lib/runtime/sweep.ts and the sweep handler over checkpoints set by hand, on a fake clock: a
 * pass ticks the quiet shards with a timer due (into their own shard), says when the next pass
 * is needed, and an invocation returns at once when nothing is due before the next one.
 */
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NO_TIMER } from '../../../lib/runtime/checkpoint.ts';
import { createSweepHandler } from '../../../lib/runtime/handler.ts';
import { sweepOnce } from '../../../lib/runtime/sweep.ts';
import { IDLENESS_MS, openSweepWorld, OUT_OF_ORDERNESS_MS } from '../../support/sweep-world.ts';

const T = 1_800_000_000_000;
const LONG_AGO = T - 600_000;
const within = { until: T + 60_000, minIntervalMs: 1_000 };
/** Lambda's context, for the time left (all the sweep reads of it). */
const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

describe('a sweep pass', () => {
  it('ticks quiet shards with a timer due, and asks for the next pass when the next one comes due', async () => {
    const world = await openSweepWorld({ idle: false, keyedShards: 3, sourceShards: 1, now: T });
    const [overdue, later, busy] = world.keyed.shards;
    await world.setKeyed(overdue, { nextTimer: { E: NO_TIMER, P: T - 1_000 }, updatedAt: LONG_AGO, lastDataAt: LONG_AGO });
    await world.setKeyed(later, { nextTimer: { E: NO_TIMER, P: T + 20_000 }, updatedAt: LONG_AGO, lastDataAt: LONG_AGO });
    await world.setKeyed(busy, { nextTimer: { E: NO_TIMER, P: T + 10_000 }, updatedAt: T - 500, lastDataAt: T - 1_000 });
    const ticked = new Map<string, number>();

    const first = await sweepOnce(world.job, world.plan, world.services, { now: T, ticked, nextPassWithin: within });
    expect(first.ticks).toEqual([{ stage: world.keyed.id, shard: overdue, watermark: undefined }]);
    expect(await world.tickedShards()).toEqual([overdue]);
    // The busy shard fires its own timer at T + 10 s; `overdue` is looked at again when its tick should be committed.
    expect(first.nextPassAt).toBe(T + 5_000);

    // The stage committed the tick (its next timer at T + 40 s); `busy` got more data.
    await world.setKeyed(overdue, { nextTimer: { E: NO_TIMER, P: T + 40_000 }, updatedAt: T + 1_000, lastDataAt: LONG_AGO });
    await world.setKeyed(busy, { nextTimer: { E: NO_TIMER, P: T + 30_000 }, updatedAt: T + 4_200, lastDataAt: T + 4_000 });
    const second = await sweepOnce(world.job, world.plan, world.services, { now: T + 5_000, ticked, nextPassWithin: within });
    expect(second.ticks).toEqual([]);
    expect(second.nextPassAt).toBe(T + 20_000);

    // Then `busy` fell quiet: at T + 20 s it is ticked with `later`, its timer overdue.
    await world.setKeyed(busy, { nextTimer: { E: NO_TIMER, P: T + 9_000 }, updatedAt: T + 4_200, lastDataAt: T + 4_000 });
    const third = await sweepOnce(world.job, world.plan, world.services, { now: T + 20_000, ticked, nextPassWithin: within });
    expect(third.ticks.map((t) => t.shard).sort()).toEqual([later, busy].sort());
    expect(third.nextPassAt).toBe(T + 25_000);
  });

  it('plans the first tick of the children of a split shard, whose timers are unknown, once their parent is 5 s quiet', async () => {
    const world = await openSweepWorld({ idle: false, keyedShards: 1, sourceShards: 1, now: T });
    const [parent] = world.streams.shardList(world.keyed.stream);
    await world.setKeyed(parent.shardId, { nextTimer: { E: NO_TIMER, P: T + 600_000 }, updatedAt: T - 2_000, lastDataAt: LONG_AGO });
    const children = world.streams.splitShard(world.keyed.stream, parent.shardId, parent.start + (parent.end - parent.start) / 2n);
    const first = await sweepOnce(world.job, world.plan, world.services, { now: T, nextPassWithin: within });
    expect(first).toMatchObject({ ticks: [], nextPassAt: T + 3_000 });
    const second = await sweepOnce(world.job, world.plan, world.services, { now: T + 3_000, nextPassWithin: within });
    expect(second.ticks.map((t) => t.shard).sort()).toEqual(children.map((c) => c.shardId).sort());
  });

  it('ticks a quiet shard whose log-structured state is a day old, so that it writes a snapshot before TTL reaches its items', async () => {
    const world = await openSweepWorld({ idle: false, keyedShards: 2, sourceShards: 1, now: T });
    const [old, fresh] = world.keyed.shards;
    const lineage = (since: number) => ({ snapshots: [], logs: [{ shard: 'x', after: 0, head: '000000000001#aaaaaaaa' }], logBytes: 100, snapshotBytes: 0, since });
    await world.setKeyed(old, { nextTimer: { E: NO_TIMER, P: NO_TIMER }, updatedAt: LONG_AGO, lastDataAt: LONG_AGO, state: lineage(T - 86_400_000) });
    await world.setKeyed(fresh, { nextTimer: { E: NO_TIMER, P: NO_TIMER }, updatedAt: LONG_AGO, lastDataAt: LONG_AGO, state: lineage(T - 86_400_000 + 30_000) });
    const pass = await sweepOnce(world.job, world.plan, world.services, { now: T, nextPassWithin: within });
    expect(pass.ticks).toEqual([{ stage: world.keyed.id, shard: old, watermark: undefined }]);
    expect(pass.nextPassAt).toBe(T + 5_000); // `old`'s tick commit is looked at; `fresh` comes due at T + 30 s, after it
  });

  it('does not plan a next pass unless asked (a single pass: the local runner, the cost tool)', async () => {
    const world = await openSweepWorld({ idle: false, keyedShards: 1, sourceShards: 1, now: T });
    await world.setKeyed(world.keyed.shards[0], { nextTimer: { E: NO_TIMER, P: T + 20_000 }, updatedAt: LONG_AGO });
    expect(await sweepOnce(world.job, world.plan, world.services, { now: T })).toEqual({ ticks: [], idleWatermark: undefined });
  });

  it('sends the idle-advanced watermark with a tick only where it brings an event-time timer due', async () => {
    const world = await openSweepWorld({ idle: true, keyedShards: 2, sourceShards: 2, now: T });
    await world.setSourceLastData(world.sourceShards[0], T - 40_000);
    await world.setSourceLastData(world.sourceShards[1], T - 31_000); // every source shard idle (30 s) since T - 1 s
    const watermark = T - IDLENESS_MS - OUT_OF_ORDERNESS_MS;
    const [eventDue, processingDue] = world.keyed.shards;
    await world.setKeyed(eventDue, { nextTimer: { E: watermark, P: NO_TIMER }, updatedAt: LONG_AGO });
    await world.setKeyed(processingDue, { nextTimer: { E: watermark + 1, P: T }, updatedAt: LONG_AGO });
    const pass = await sweepOnce(world.job, world.plan, world.services, { now: T, nextPassWithin: within });
    expect(pass.idleWatermark).toBe(watermark);
    expect(pass.ticks.sort((a, b) => a.shard.localeCompare(b.shard))).toEqual([
      { stage: world.keyed.id, shard: eventDue, watermark },
      { stage: world.keyed.id, shard: processingDue, watermark: undefined },
    ].sort((a, b) => a.shard.localeCompare(b.shard)));
  });

  it('plans the moment the last active source falls idle, for an event-time timer the idle watermark then passes', async () => {
    const world = await openSweepWorld({ idle: true, keyedShards: 1, sourceShards: 2, now: T });
    await world.setSourceLastData(world.sourceShards[0], LONG_AGO);
    await world.setSourceLastData(world.sourceShards[1], T - 4_000); // still active: idle from T + 26 s
    await world.setKeyed(world.keyed.shards[0], { nextTimer: { E: LONG_AGO, P: NO_TIMER }, updatedAt: LONG_AGO });
    const pass = await sweepOnce(world.job, world.plan, world.services, { now: T, nextPassWithin: within });
    expect(pass).toMatchObject({ ticks: [], idleWatermark: undefined, nextPassAt: T + 26_000 });
  });
});

describe('the sweep handler', () => {
  afterEach(() => vi.useRealTimers());

  it('returns after one pass when no timer is due before the next scheduled invocation', async () => {
    const world = await openSweepWorld({ idle: false, keyedShards: 2, sourceShards: 1, now: T });
    await world.setKeyed(world.keyed.shards[0], { nextTimer: { E: NO_TIMER, P: T + 60_000 }, updatedAt: LONG_AGO });
    await world.setKeyed(world.keyed.shards[1], { updatedAt: LONG_AGO });
    const result = await createSweepHandler(world.job, () => world.services)({}, lambdaContext(70_000));
    expect(result).toEqual({ passes: [{ ticks: [], idleWatermark: undefined, nextPassAt: undefined }], waitedMs: 0 });
  });

  it('sleeps until each due moment within the minute (a fake clock), then returns', async () => {
    vi.useFakeTimers({ now: T });
    const world = await openSweepWorld({ idle: false, keyedShards: 1, sourceShards: 1, now: T });
    world.services.wallClock = () => Date.now();
    await world.setKeyed(world.keyed.shards[0], { nextTimer: { E: NO_TIMER, P: T + 20_000 }, updatedAt: LONG_AGO });
    const invocation = createSweepHandler(world.job, () => world.services)({}, lambdaContext(70_000));
    await vi.advanceTimersByTimeAsync(60_000);
    const { passes, waitedMs } = await invocation;
    // Due at T + 20 s. Nothing consumes the tick: 5 s later it is not committed, so it is sent again
    // 15 s after the first, and so on until the minute is over.
    expect(passes.map((p) => p.ticks.length)).toEqual([0, 1, 0, 1, 0, 1, 0]);
    expect(passes.map((p) => p.nextPassAt)).toEqual([20, 25, 35, 40, 50, 55, undefined].map((s) => (s === undefined ? s : T + s * 1_000)));
    expect(waitedMs).toBe(55_000);
  });

  it('makes a single pass when invoked with { once: true }, whatever is due later', async () => {
    const world = await openSweepWorld({ idle: false, keyedShards: 1, sourceShards: 1, now: T });
    await world.setKeyed(world.keyed.shards[0], { nextTimer: { E: NO_TIMER, P: T + 2_000 }, updatedAt: LONG_AGO });
    const result = await createSweepHandler(world.job, () => world.services)({ once: true }, lambdaContext(70_000));
    expect(result).toEqual({ passes: [{ ticks: [], idleWatermark: undefined }], waitedMs: 0 });
  });
});
