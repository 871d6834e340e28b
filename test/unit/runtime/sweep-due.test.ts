/**
 * lib/runtime/sweep-due.ts: when a pass ticks a shard, and when an invocation needs its next
 * pass. Times are plain numbers (a fake clock); every expectation is worked out by hand from
 * the rules: due, not busy for 5 s, not ticked for 15 s; passes 1 s apart at least.
 */
import { describe, expect, it } from 'vitest';
import { MIN_WATERMARK } from '../../../lib/api/time.ts';
import { initialCheckpoint, NO_TIMER, type Checkpoint } from '../../../lib/runtime/checkpoint.ts';
import {
  currentWatermark,
  eventTimerDueAt,
  idleAdvanceOf,
  idleWatermarkAt,
  nextPassAt,
  quietOnItsOwn,
  tickDueAt,
  type ShardToSweep,
  type TickRules,
} from '../../../lib/runtime/sweep-due.ts';

const RULES: TickRules = { busyWithinMs: 5_000, retickAfterMs: 15_000 };
const NONE = { E: NO_TIMER, P: NO_TIMER };
const T = 1_800_000_000_000; // an invocation starts here
const cp = (patch: Partial<Checkpoint>): Checkpoint => ({ ...initialCheckpoint(), nextTimer: NONE, ...patch });
const shard = (patch: Partial<Checkpoint>, lastTickAt?: number): ShardToSweep => ({ stage: 'alarm', checkpoint: cp(patch), lastTickAt });
const window = (now: number) => ({ now, until: T + 60_000, minIntervalMs: 1_000 });

describe('tickDueAt', () => {
  it('is never for a shard without timers', () => {
    expect(tickDueAt(shard({ updatedAt: T - 60_000 }), RULES)).toBe(Infinity);
  });

  it('is the processing-time timer of a shard quiet for long', () => {
    expect(tickDueAt(shard({ nextTimer: { E: NO_TIMER, P: T + 20_000 }, updatedAt: T - 60_000 }), RULES)).toBe(T + 20_000);
  });

  it('waits out a recent commit: the shard may fire its own timer', () => {
    expect(tickDueAt(shard({ nextTimer: { E: NO_TIMER, P: T - 1_000 }, updatedAt: T - 2_000 }), RULES)).toBe(T + 3_000);
  });

  it('waits out a recent tick of an overdue timer (it may be in flight), then ticks again (it may be lost)', () => {
    expect(tickDueAt(shard({ nextTimer: { E: NO_TIMER, P: T - 30_000 }, updatedAt: T - 60_000 }, T - 4_000), RULES)).toBe(T + 11_000);
  });

  it('is at once for a shard whose timers are unknown (born of a reshard), once quiet', () => {
    const inherited = { nextTimer: { E: MIN_WATERMARK, P: MIN_WATERMARK }, updatedAt: T - 1_000 };
    expect(tickDueAt(shard(inherited), RULES)).toBe(T + 4_000);
  });

  it('ignores event-time timers unless the job advances an idle watermark', () => {
    expect(tickDueAt(shard({ nextTimer: { E: T - 600_000, P: NO_TIMER }, updatedAt: T - 60_000 }), RULES)).toBe(Infinity);
  });

  it('takes the earlier of a timer and another reason to tick', () => {
    const other: TickRules = { ...RULES, otherTickDueAt: (c, stage) => (stage === 'alarm' ? c.updatedAt + 100_000 : undefined) };
    expect(tickDueAt(shard({ nextTimer: { E: NO_TIMER, P: T + 50_000 }, updatedAt: T - 60_000 }), other)).toBe(T + 40_000);
    expect(tickDueAt({ ...shard({ updatedAt: T - 60_000 }), stage: 'other' }, other)).toBe(Infinity);
  });

  it('applies the busy and retick rules to another reason too', () => {
    const now: TickRules = { ...RULES, otherTickDueAt: () => MIN_WATERMARK };
    expect(tickDueAt(shard({ updatedAt: T - 1_000 }, T - 2_000), now)).toBe(T + 13_000);
  });
});

describe('the idle watermark advance', () => {
  // Sources: one idle 30 s after its shards' last data at T - 50 s and T - 10 s (out of order 5 s), one after 10 s (out of order 20 s).
  const sources = [
    { idlenessMs: 30_000, outOfOrdernessMs: 5_000, lastDataAt: [T - 50_000, T - 10_000] },
    { idlenessMs: 10_000, outOfOrdernessMs: 20_000, lastDataAt: [T - 45_000] },
  ];
  const idle = idleAdvanceOf(sources)!;

  it('starts when the last active source shard has been silent for its idleness', () => {
    expect(idle).toEqual({ idleFrom: T + 20_000, lagMs: 35_000 });
    expect(idleWatermarkAt(idle, T + 19_999)).toBeUndefined();
    expect(idleWatermarkAt(idle, T + 20_000)).toBe(T - 15_000);
  });

  it('never starts when a source has no idleness, nor without sources', () => {
    expect(idleAdvanceOf([...sources, { outOfOrdernessMs: 0, lastDataAt: [] }])).toBeUndefined();
    expect(idleAdvanceOf([])).toBeUndefined();
  });

  it('takes a source without live shards as idle', () => {
    expect(idleAdvanceOf([{ idlenessMs: 1_000, outOfOrdernessMs: 0, lastDataAt: [] }])).toEqual({ idleFrom: -Infinity, lagMs: 1_000 });
  });

  it('brings an event-time timer due when sources become idle, or when the watermark reaches it', () => {
    // Sources idle from T + 20 s, then watermark = now - 35 s.
    expect(eventTimerDueAt(cp({ nextTimer: { E: T - 30_000, P: NO_TIMER } }), idle)).toBe(T + 20_000);
    expect(eventTimerDueAt(cp({ nextTimer: { E: T + 5_000, P: NO_TIMER } }), idle)).toBe(T + 40_000);
    expect(eventTimerDueAt(cp({ nextTimer: NONE }), idle)).toBe(Infinity);
  });

  it('needs the idle watermark to pass the shard’s own watermark (a tick that raises nothing fires nothing)', () => {
    const ahead = cp({ nextTimer: { E: T - 30_000, P: NO_TIMER }, watermarks: { 'source/0': T - 10_000 } });
    expect(currentWatermark(ahead)).toBe(T - 10_000);
    expect(eventTimerDueAt(ahead, idle)).toBe(T + 25_001);
  });

  it('makes the shard tickable under the busy rule', () => {
    const rules = { ...RULES, idleAdvance: idle };
    expect(tickDueAt(shard({ nextTimer: { E: T + 5_000, P: NO_TIMER }, updatedAt: T - 60_000 }), rules)).toBe(T + 40_000);
    expect(tickDueAt(shard({ nextTimer: { E: T + 5_000, P: T + 30_000 }, updatedAt: T - 60_000 }), rules)).toBe(T + 30_000);
  });
});

describe('quietOnItsOwn', () => {
  it('counts data and upstream watermarks, not the commits of the sweep’s ticks', () => {
    const woken = cp({ lastDataAt: T - 60_000, heardAt: { 'source/0': T - 30_000 }, updatedAt: T - 1_000 });
    expect(quietOnItsOwn(woken, T, 5_000)).toBe(true);
    expect(quietOnItsOwn(cp({ lastDataAt: T - 60_000, heardAt: { 'source/0': T - 30_000, 'source/1': T - 4_000 } }), T, 5_000)).toBe(false);
    expect(quietOnItsOwn(cp({ lastDataAt: T - 4_000 }), T, 5_000)).toBe(false);
  });
});

describe('nextPassAt', () => {
  const quiet = { lastDataAt: T - 60_000, updatedAt: T - 60_000 };

  it('is none for a job without timers: the invocation returns at once', () => {
    expect(nextPassAt([shard(quiet), shard(quiet)], RULES, window(T))).toBeUndefined();
    expect(nextPassAt([], RULES, window(T))).toBeUndefined();
  });

  it('is exactly the earliest timer of a quiet shard within the period', () => {
    const shards = [shard({ ...quiet, nextTimer: { E: NO_TIMER, P: T + 42_500 } }), shard({ ...quiet, nextTimer: { E: NO_TIMER, P: T + 17_250 } })];
    expect(nextPassAt(shards, RULES, window(T))).toBe(T + 17_250);
  });

  it('is none when the earliest timer comes due after the period: the next invocation ticks it', () => {
    expect(nextPassAt([shard({ ...quiet, nextTimer: { E: NO_TIMER, P: T + 60_000 } })], RULES, window(T))).toBeUndefined();
  });

  it('is no sooner than the minimum interval after this pass', () => {
    expect(nextPassAt([shard({ ...quiet, nextTimer: { E: NO_TIMER, P: T + 200 } })], RULES, window(T))).toBe(T + 1_000);
    expect(nextPassAt([shard({ ...quiet, nextTimer: { E: NO_TIMER, P: T + 59_500 } })], RULES, window(T + 59_200))).toBeUndefined();
  });

  it('looks again 5 s after a tick, to plan from the timers its commit leaves', () => {
    const ticked = shard({ ...quiet, nextTimer: { E: NO_TIMER, P: T - 5_000 } }, T);
    expect(nextPassAt([ticked], RULES, window(T))).toBe(T + 5_000);
    // Committed at T + 1.2 s, the next timer at T + 40 s: ticked then (the retick delay is over by T + 15 s).
    const committed = shard({ ...quiet, updatedAt: T + 1_200, nextTimer: { E: NO_TIMER, P: T + 40_000 } }, T);
    expect(nextPassAt([committed], RULES, window(T + 5_000))).toBe(T + 40_000);
    expect(nextPassAt([{ ...committed, checkpoint: { ...committed.checkpoint, nextTimer: NONE } }], RULES, window(T + 5_000))).toBeUndefined();
  });

  it('ticks again after 15 s when the tick has not been committed by then: it may have been lost', () => {
    expect(nextPassAt([shard({ ...quiet, nextTimer: { E: NO_TIMER, P: T - 5_000 } }, T)], RULES, window(T + 5_000))).toBe(T + 15_000);
  });

  it('waits for a shard woken by a tick (of another container) until its commit is 5 s old', () => {
    const woken = shard({ ...quiet, updatedAt: T + 2_000, nextTimer: { E: NO_TIMER, P: T + 3_000 } });
    expect(nextPassAt([woken], RULES, window(T + 2_500))).toBe(T + 7_000);
  });

  it('does not wait for a shard its upstreams keep busy: it fires its own timers', () => {
    const busy = shard({ lastDataAt: T - 1_000, updatedAt: T - 500, nextTimer: { E: NO_TIMER, P: T + 10_000 } });
    expect(nextPassAt([busy], RULES, window(T))).toBeUndefined();
    // Once it has been quiet for 5 s at a pass, it is waited for again.
    expect(nextPassAt([busy], RULES, window(T + 4_000))).toBe(T + 10_000);
  });

  it('wakes when the last source falls idle during the period and the watermark reaches a timer', () => {
    const idleAdvance = idleAdvanceOf([{ idlenessMs: 30_000, outOfOrdernessMs: 5_000, lastDataAt: [T - 20_000] }]);
    const rules = { ...RULES, idleAdvance };
    expect(nextPassAt([shard({ ...quiet, nextTimer: { E: T - 40_000, P: NO_TIMER } })], rules, window(T))).toBe(T + 10_000);
    expect(nextPassAt([shard({ ...quiet, nextTimer: { E: T + 10_000, P: NO_TIMER } })], rules, window(T))).toBe(T + 45_000);
    expect(nextPassAt([shard({ ...quiet, nextTimer: { E: T + 30_000, P: NO_TIMER } })], rules, window(T))).toBeUndefined();
  });

  it('wakes for another reason to tick', () => {
    const rules = { ...RULES, otherTickDueAt: () => T + 33_000 };
    expect(nextPassAt([shard(quiet)], rules, window(T))).toBe(T + 33_000);
  });
});
