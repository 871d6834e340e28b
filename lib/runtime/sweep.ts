/**
 * The sweep: fires the timers of shards that receive no data. Lambda is only invoked when
 * records arrive, so a processing-time timer (or an event-time timer on a stream that went
 * quiet) would never fire on its own. On a schedule, the sweep looks at every shard
 * checkpoint of every keyed stage; where a timer can be due and the shard is not busy, it
 * injects a tick envelope into that shard of the stage's own input stream. The stage then
 * fires the timers itself, in the shard's serial order, committing the firing atomically with
 * its effects — so a timer is never fired twice nor lost, however often the sweep runs.
 */
import type { Job } from '../api/job.ts';
import { sourceStageId, stageById, type Plan } from '../plan/plan.ts';
import { readStageCheckpoints, type Checkpoint } from './checkpoint.ts';
import { putAll } from './emitter.ts';
import { encodeEnvelopes } from './envelope.ts';
import { inheritCheckpoint } from './resharding.ts';
import type { RuntimeServices } from './task.ts';

export interface SweepOptions {
  /** Processing time of this pass. */
  now: number;
  /** A shard committed this recently is busy and fires its own timers. */
  busyWithinMs?: number;
  /** A shard ticked this recently is not ticked again (the tick may still be in flight). */
  retickAfterMs?: number;
  /** Last tick per `stage/shard`, kept across passes by the caller. */
  ticked?: Map<string, number>;
}

export interface SweepResult {
  ticks: { stage: string; shard: string; watermark?: number }[];
  /** The idle-advanced watermark, when the job opted in and every source is idle. */
  idleWatermark?: number;
}

/**
 * One pass of the sweep over every keyed stage of a job.
 *
 * @example
 * ```ts
 * const ticked = new Map();
 * setInterval(() => sweepOnce(job, plan, services, { now: Date.now(), ticked }), 5000);
 * ```
 */
export async function sweepOnce(job: Job, plan: Plan, services: RuntimeServices, options: SweepOptions): Promise<SweepResult> {
  const { now, busyWithinMs = 5_000, retickAfterMs = 15_000, ticked = new Map() } = options;
  const idleWatermark = plan.options.idleWatermarkAdvance ? await idleAdvancedWatermark(job, plan, services, now) : undefined;
  const result: SweepResult = { ticks: [], idleWatermark };
  for (const stage of plan.stages.filter((s) => s.stateful)) {
    const checkpoints = new Map((await readStageCheckpoints(services.store, stage.id)).map((c) => [c.shard, c.checkpoint]));
    const listing = await services.streams.listShards(stage.input.stream);
    const entries = [];
    for (const shard of listing.filter((s) => !s.closed)) {
      // A shard split or merged from others has its parents' timers in its range until its first batch.
      const cp = checkpoints.get(shard.shardId) ?? inheritCheckpoint(shard, listing, (id) => checkpoints.get(id));
      if (!cp || cp.ended) continue; // no shard of this range ever committed: no timer registered
      const id = `${stage.id}/${shard.shardId}`;
      if (now - cp.updatedAt < busyWithinMs || now - (ticked.get(id) ?? -Infinity) < retickAfterMs) continue;
      const processingDue = cp.nextTimer.P <= now;
      const eventDue = idleWatermark !== undefined && idleWatermark > currentWatermark(cp) && cp.nextTimer.E <= idleWatermark;
      if (!processingDue && !eventDue) continue;
      const watermark = eventDue ? idleWatermark : undefined;
      entries.push({
        data: encodeEnvelopes({ from: { stage: '$sweep', shard: '-' }, envelopes: [{ kind: 'tick', watermark }] }),
        partitionKey: shard.shardId,
        explicitHashKey: shard.start.toString(),
      });
      ticked.set(id, now);
      result.ticks.push({ stage: stage.id, shard: shard.shardId, watermark });
    }
    if (entries.length > 0) await putAll(services.streams, stage.input.stream, entries);
  }
  return result;
}

/**
 * When every source of the job has had no record for its idleness timeout, the watermark may
 * follow processing time: now - idleness - out-of-orderness (the smallest over sources).
 */
async function idleAdvancedWatermark(job: Job, plan: Plan, services: RuntimeServices, now: number): Promise<number | undefined> {
  let watermark = Infinity;
  for (const node of job.graph.nodes) {
    if (node.kind !== 'source') continue;
    const idleness = node.watermarks.idlenessMs;
    if (idleness === undefined) return undefined; // a source without withIdleness is never idle
    const stage = stageById(plan, sourceStageId(node.source.name));
    for (const { checkpoint } of await readStageCheckpoints(services.store, stage.id)) {
      if (!checkpoint.ended && now - checkpoint.lastDataAt < idleness) return undefined;
    }
    watermark = Math.min(watermark, now - idleness - node.watermarks.outOfOrdernessMs);
  }
  return Number.isFinite(watermark) ? watermark : undefined;
}

function currentWatermark(cp: Checkpoint): number {
  const reported = Object.values(cp.watermarks);
  return Math.max(cp.watermarkFloor, reported.length ? Math.min(...reported) : cp.watermarkFloor);
}
