/**
 * Lambda's execution environments, simulated: what a container may keep between invocations
 * is an optimisation Lambda does not guarantee ("no affinity", /work/shared/COST.md), so
 * `eddy cost` must not hand a stage one container that sees every batch. Each stage gets a
 * pool of environments, each a handler instance of its own (`createStageHandler`: its own
 * module state, so its own in-container caches); every invocation lands on one of them at
 * random (seeded), and an environment older than the recycle period is replaced by a fresh one
 * before it is used. What each batch reports about finding its shard's state in the container
 * (`BatchResult.state`) is tallied per stage: hits, catch-ups and restores, what they read, and
 * the memory the busiest container holds.
 */
import type { Job } from '../api/job.ts';
import type { PlanStage } from '../plan/plan.ts';
import { metricsDue, troubled } from '../runtime/metrics.ts';
import type { BatchResult } from '../runtime/batch.ts';
import { createStageHandler, type StageHandler } from '../runtime/handler.ts';
import type { RuntimeServices } from '../runtime/task.ts';

/**
 * JS heap a container needs per item it holds beyond the item's stored (DynamoDB) size: the Map
 * entry, its id, the item object and its strings. Measured with bench/heap-factor.ts (Node 20,
 * docs/benchmarks.md "Processing cost vs Managed Flink"): 277–280 bytes for items of 120 B to
 * 4 KB held in a Map by item id. An estimate of how the state backend keeps items, not a
 * measurement of it.
 */
export const HEAP_BYTES_PER_HELD_ITEM = 280;

export interface EnvironmentStats {
  /** Environments in the stage's pool, and their lifetime before recycling. */
  pool: number;
  recycleMinutes: number;
  /** Environments started (cold starts), first ones and replacements of recycled ones. */
  started: number;
  recycled: number;
  /** Batches by how they found the shard's state (`unreported`: the backend says nothing, e.g. per-key state). */
  batches: { hit: number; 'catch-up': number; restore: number; unreported: number };
  /** Bytes and items (log entries, snapshot parts) read by catch-ups and by restores; their read units are in the DynamoDB counts. */
  catchUp: { bytes: number; items: number };
  restore: { bytes: number; items: number };
  /** Restores in environments that replaced a recycled one (a cold container meeting grown state). */
  restoresAfterRecycle: number;
  /** The most any one environment held at once: the sum over its shards of the latest `heldBytes` / `heldItems` (stored size). */
  peakHeldBytes: number;
  peakHeldItems: number;
  /** The largest estimated heap of one environment's state: stored bytes + {@link HEAP_BYTES_PER_HELD_ITEM} per item. */
  peakHeapBytes: number;
  /** Latest `heldBytes` reported per shard (whichever environment ran it last): what a restore of it rebuilds. */
  latestHeldBytes: Record<string, number>;
}

/** Hits among the batches that reported how they found their state; undefined when none did. @example `hitRate(stats) // 0.72` */
export function hitRate(s: Pick<EnvironmentStats, 'batches'>): number | undefined {
  const reported = s.batches.hit + s.batches['catch-up'] + s.batches.restore;
  return reported === 0 ? undefined : s.batches.hit / reported;
}

interface Environment {
  handler: StageHandler;
  bornAt: number;
  /** 0 for the first environment of a slot, then one more per recycling. */
  generation: number;
  held: Map<string, { bytes: number; items: number }>;
  /** Simulated time of the environment's last metrics document (lib/runtime/metrics.ts). */
  lastMetricsFlush?: number;
}

export interface EnvironmentPoolOptions {
  size: number;
  recycleMinutes: number;
  /** Uniform in [0, 1), seeded. */
  random: () => number;
  /** Simulated time, ms. */
  now: () => number;
  /** Every batch result, after the pool has tallied it. */
  onBatch?: (result: BatchResult) => void;
  /** A batch after which its environment's handler publishes its gathered metrics (one EMF document). */
  onMetricsDocument?: () => void;
}

/**
 * One stage's execution environments.
 *
 * @example
 * ```ts
 * const pool = new EnvironmentPool(job, stage, () => services, { size: stage.input.shards + 1, recycleMinutes: 15, random: seededRandom(1), now: () => clock });
 * const response = await pool.pick()(kinesisEvent);
 * pool.stats.batches.hit;
 * ```
 */
export class EnvironmentPool {
  readonly stats: EnvironmentStats;
  private readonly slots: (Environment | undefined)[];

  constructor(private readonly job: Job, private readonly stage: PlanStage, private readonly services: () => RuntimeServices, private readonly options: EnvironmentPoolOptions) {
    if (!Number.isSafeInteger(options.size) || options.size < 1) throw new Error(`a pool needs a whole number of environments, at least one, got ${options.size}`);
    if (!(options.recycleMinutes > 0)) throw new Error(`environments must be recycled after a positive number of minutes, got ${options.recycleMinutes}`);
    this.slots = new Array(options.size).fill(undefined);
    this.stats = {
      pool: options.size, recycleMinutes: options.recycleMinutes, started: 0, recycled: 0,
      batches: { hit: 0, 'catch-up': 0, restore: 0, unreported: 0 }, catchUp: { bytes: 0, items: 0 }, restore: { bytes: 0, items: 0 },
      restoresAfterRecycle: 0, peakHeldBytes: 0, peakHeldItems: 0, peakHeapBytes: 0, latestHeldBytes: {},
    };
  }

  /** The handler of a random environment, started (or replaced, when older than the recycle period) as needed. */
  pick(): StageHandler {
    const slot = Math.min(this.slots.length - 1, Math.floor(this.options.random() * this.slots.length));
    let env = this.slots[slot];
    const now = this.options.now();
    if (env && now - env.bornAt >= this.options.recycleMinutes * 60_000) {
      this.stats.recycled += 1;
      env = this.start(now, env.generation + 1);
    } else if (!env) env = this.start(now, 0);
    this.slots[slot] = env;
    return env.handler;
  }

  private start(now: number, generation: number): Environment {
    this.stats.started += 1;
    const env: Environment = { handler: createStageHandler(this.job, this.stage.id, this.services), bornAt: now, generation, held: new Map() };
    env.handler.onBatch = (result) => {
      this.tally(env, result);
      this.options.onBatch?.(result);
    };
    return env;
  }

  private tally(env: Environment, result: BatchResult): void {
    const now = this.options.now();
    if (metricsDue(env.lastMetricsFlush, now, troubled(result))) {
      env.lastMetricsFlush = now;
      this.options.onMetricsDocument?.();
    }
    const state = result.state;
    if (!state) {
      if (this.stage.stateful) this.stats.batches.unreported += 1;
      return;
    }
    this.stats.batches[state.access] += 1;
    if (state.access !== 'hit') {
      const read = state.access === 'catch-up' ? this.stats.catchUp : this.stats.restore;
      read.bytes += state.bytesRead;
      read.items += state.itemsRead;
    }
    if (state.access === 'restore' && env.generation > 0) this.stats.restoresAfterRecycle += 1;
    env.held.set(result.shard, { bytes: state.heldBytes, items: state.heldItems });
    this.stats.latestHeldBytes[result.shard] = state.heldBytes;
    let bytes = 0;
    let items = 0;
    for (const h of env.held.values()) {
      bytes += h.bytes;
      items += h.items;
    }
    this.stats.peakHeldBytes = Math.max(this.stats.peakHeldBytes, bytes);
    this.stats.peakHeldItems = Math.max(this.stats.peakHeldItems, items);
    this.stats.peakHeapBytes = Math.max(this.stats.peakHeapBytes, bytes + HEAP_BYTES_PER_HELD_ITEM * items);
  }
}
