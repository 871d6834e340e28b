/**
 * When the sweep must tick a shard, and when it must look again. Pure functions over what a
 * sweep pass has already read (the shards' checkpoints, the sources' last data), so that the
 * decision is tested without clocks, streams or tables.
 *
 * Both answer under one assumption: nothing happens until then (no data, no commit). When
 * something does happen, the next pass reads it: data makes a shard fire its own timers, and a
 * commit moves its `nextTimer` bounds.
 *
 * The guarantee (tested in test/unit/runtime/sweep.property.test.ts): let `e` be the moment
 * from which the sweep as it was before issue 11 (a pass every 5 s, all minute long) would tick
 * a shard, its conditions checked at every instant. Then the sweep ticks that shard
 * - never before `e`;
 * - at the latest at the first scheduled invocation that starts at or after `e`, so at most
 *   one schedule period (a minute) after it became due on a quiet shard;
 * - less than `minIntervalMs` after `e` when the shard is {@link quietOnItsOwn} at a pass of an
 *   invocation before `e` and `e` comes at least `minIntervalMs` before that invocation's
 *   window ends: the sub-minute resolution for shards that get no data, the only ones that
 *   need the sweep.
 */
import type { Checkpoint } from './checkpoint.ts';
import { NO_TIMER } from './checkpoint.ts';

/** A shard that committed this recently is busy and fires its own timers. */
export const BUSY_WITHIN_MS = 5_000;
/** A shard ticked this recently is not ticked again: the tick may still be in flight. */
export const RETICK_AFTER_MS = 15_000;

/** From `idleFrom` on, every source of the job is idle and the idle-advanced watermark is `now - lagMs`. */
export interface IdleAdvance {
  idleFrom: number;
  lagMs: number;
}

/** One source of a job that opted into the idle watermark advance. */
export interface SourceActivity {
  /** Its `withIdleness` timeout; undefined: the source is never idle. */
  idlenessMs?: number;
  outOfOrdernessMs: number;
  /** `lastDataAt` of each of its shards that has not ended. */
  lastDataAt: readonly number[];
}

/** One shard of a keyed stage as a pass sees it. */
export interface ShardToSweep {
  stage: string;
  checkpoint: Checkpoint;
  /** When this container last ticked the shard. */
  lastTickAt?: number;
}

export interface TickRules {
  busyWithinMs: number;
  retickAfterMs: number;
  /** Present when the job opted into the idle watermark advance and every source has `withIdleness`. */
  idleAdvance?: IdleAdvance;
  /**
   * Extension point: the earliest processing time at which a shard needs a tick for a reason
   * other than its timers (undefined: none). A tick makes the stage commit, so, for instance,
   * a state backend whose stored items must be rewritten before a TTL can ask for one on a
   * quiet shard. The sweep ticks the shard then, under the same busy and retick rules.
   */
  otherTickDueAt?: (checkpoint: Checkpoint, stage: string) => number | undefined;
}

/** The pass at `now` may ask for another pass before `until`, and no sooner than `minIntervalMs` after it. */
export interface PassWindow {
  now: number;
  until: number;
  minIntervalMs: number;
}

/**
 * When the job's sources are all idle (each shard silent for its source's idleness, shards
 * that ended aside) and how far the idle-advanced watermark then lags behind processing time
 * (the largest idleness + out-of-orderness: the watermark is the smallest over sources).
 *
 * @example
 * ```ts
 * idleAdvanceOf([{ idlenessMs: 30_000, outOfOrdernessMs: 5_000, lastDataAt: [1_000, 4_000] }]);
 * // { idleFrom: 34_000, lagMs: 35_000 }
 * ```
 */
export function idleAdvanceOf(sources: readonly SourceActivity[]): IdleAdvance | undefined {
  if (sources.length === 0) return undefined;
  let idleFrom = -Infinity;
  let lagMs = -Infinity;
  for (const { idlenessMs, outOfOrdernessMs, lastDataAt } of sources) {
    if (idlenessMs === undefined) return undefined;
    for (const at of lastDataAt) idleFrom = Math.max(idleFrom, at + idlenessMs);
    lagMs = Math.max(lagMs, idlenessMs + outOfOrdernessMs);
  }
  return { idleFrom, lagMs };
}

/**
 * The idle-advanced watermark at `now`, or undefined while some source is still active.
 *
 * @example
 * ```ts
 * idleWatermarkAt({ idleFrom: 34_000, lagMs: 35_000 }, 40_000); // 5_000
 * idleWatermarkAt({ idleFrom: 34_000, lagMs: 35_000 }, 30_000); // undefined
 * ```
 */
export function idleWatermarkAt(idle: IdleAdvance | undefined, now: number): number | undefined {
  return idle && now >= idle.idleFrom ? now - idle.lagMs : undefined;
}

/**
 * The shard's input watermark as of its checkpoint: the smallest upstream watermark, raised
 * by the idle floor.
 *
 * @example
 * ```ts
 * currentWatermark({ ...initialCheckpoint(), watermarks: { 'a/1': 900, 'a/2': 700 }, watermarkFloor: 800 }); // 800
 * ```
 */
export function currentWatermark(cp: Checkpoint): number {
  const reported = Object.values(cp.watermarks);
  return Math.max(cp.watermarkFloor, reported.length ? Math.min(...reported) : cp.watermarkFloor);
}

/**
 * When the shard's next event-time timer comes due through the idle advance: the
 * idle-advanced watermark must reach the timer and pass the shard's own watermark (a tick that
 * would not raise it fires nothing). Infinity: never, as far as the checkpoint says.
 *
 * @example
 * ```ts
 * // Sources idle from 34 s, watermark lagging 35 s behind: a timer at 10 s comes due at 45 s.
 * eventTimerDueAt({ ...initialCheckpoint(), nextTimer: { E: 10_000, P: NO_TIMER } }, { idleFrom: 34_000, lagMs: 35_000 }); // 45_000
 * ```
 */
export function eventTimerDueAt(cp: Checkpoint, idle: IdleAdvance | undefined): number {
  if (!idle || cp.nextTimer.E >= NO_TIMER) return Infinity;
  return Math.max(idle.idleFrom, cp.nextTimer.E + idle.lagMs, currentWatermark(cp) + idle.lagMs + 1);
}

/**
 * The moment from which a pass ticks this shard: a timer (or another reason) is due, the
 * shard has not committed for `busyWithinMs` and was not ticked for `retickAfterMs`.
 * Infinity: nothing is due. A pass at `now` ticks exactly the shards with `tickDueAt <= now`.
 *
 * @example
 * ```ts
 * const rules = { busyWithinMs: 5_000, retickAfterMs: 15_000 };
 * const checkpoint = { ...initialCheckpoint(), nextTimer: { E: NO_TIMER, P: 42_000 }, updatedAt: 40_000 };
 * tickDueAt({ stage: 'alarm', checkpoint }, rules); // 45_000: due at 42 s, but busy until 45 s
 * tickDueAt({ stage: 'alarm', checkpoint, lastTickAt: 44_000 }, rules); // 59_000: the tick of 44 s may be in flight
 * ```
 */
export function tickDueAt(shard: ShardToSweep, rules: TickRules): number {
  const cp = shard.checkpoint;
  const processingDue = cp.nextTimer.P >= NO_TIMER ? Infinity : cp.nextTimer.P;
  const due = Math.min(processingDue, eventTimerDueAt(cp, rules.idleAdvance), rules.otherTickDueAt?.(cp, shard.stage) ?? Infinity);
  if (due === Infinity) return Infinity;
  return Math.max(due, cp.updatedAt + rules.busyWithinMs, (shard.lastTickAt ?? -Infinity) + rules.retickAfterMs);
}

/**
 * No data and no watermark from upstream for `busyWithinMs`. The sweep's own ticks make a
 * shard commit too, but not hear from upstream: a shard the sweep just woke is still quiet.
 *
 * @example
 * ```ts
 * quietOnItsOwn({ ...initialCheckpoint(), lastDataAt: 1_000, heardAt: { 'source/0': 9_000 } }, 12_000, 5_000); // false
 * ```
 */
export function quietOnItsOwn(cp: Checkpoint, now: number, busyWithinMs: number): boolean {
  const heard = Math.max(cp.lastDataAt, ...Object.values(cp.heardAt ?? {}));
  return now - heard >= busyWithinMs;
}

/**
 * After this container ticked the shard, when its checkpoint should show the tick's commit
 * (`busyWithinMs` later: Lambda polls a shard about once a second), so that a pass can plan
 * from the timers the commit leaves instead of waiting out the retick delay. Infinity once
 * that moment has passed or the commit is there: then {@link tickDueAt} says when to tick again.
 */
function tickCommittedBy(shard: ShardToSweep, rules: TickRules, now: number): number {
  const { lastTickAt, checkpoint } = shard;
  if (lastTickAt === undefined || checkpoint.updatedAt >= lastTickAt) return Infinity;
  const at = lastTickAt + rules.busyWithinMs;
  return at > now ? at : Infinity;
}

/**
 * When, after the pass at `window.now` and before `window.until`, the next pass is needed:
 * the earliest {@link tickDueAt} of the shards that are {@link quietOnItsOwn} (or, for a shard
 * just ticked, the moment its tick should be committed, to see its next timer), no sooner
 * than `minIntervalMs` after this pass. Undefined: none; the next scheduled invocation looks.
 *
 * A shard its upstreams keep busy fires its own timers at each batch, so it is not waited
 * for: should it fall quiet, a later pass of this invocation or the next invocation sees it.
 *
 * @example
 * ```ts
 * const rules = { busyWithinMs: 5_000, retickAfterMs: 15_000 };
 * const checkpoint = { ...initialCheckpoint(), nextTimer: { E: NO_TIMER, P: 42_000 } };
 * nextPassAt([{ stage: 'alarm', checkpoint }], rules, { now: 30_000, until: 90_000, minIntervalMs: 1_000 }); // 42_000
 * nextPassAt([{ stage: 'alarm', checkpoint }], rules, { now: 30_000, until: 40_000, minIntervalMs: 1_000 }); // undefined
 * ```
 */
export function nextPassAt(shards: readonly ShardToSweep[], rules: TickRules, window: PassWindow): number | undefined {
  let earliest = Infinity;
  for (const shard of shards) {
    if (!quietOnItsOwn(shard.checkpoint, window.now, rules.busyWithinMs)) continue;
    const due = tickDueAt(shard, rules);
    if (due < Infinity) earliest = Math.min(earliest, due, tickCommittedBy(shard, rules, window.now));
  }
  const at = Math.max(earliest, window.now + window.minIntervalMs);
  return at < window.until ? at : undefined;
}
