/**
 * The sweep: fires the timers of shards that receive no data. Lambda is only invoked when
 * records arrive, so a processing-time timer (or an event-time timer on a stream that went
 * quiet) would never fire on its own. On a schedule, the sweep looks at every shard
 * checkpoint of every keyed stage; where a timer can be due and the shard is not busy, it
 * injects a tick envelope into that shard of the stage's own input stream. The stage then
 * fires the timers itself, in the shard's serial order, committing the firing atomically with
 * its effects — so a timer is never fired twice nor lost, however often the sweep runs.
 *
 * When to tick and when to look again is decided in sweep-due.ts; how often an invocation
 * passes, in sweep-invocation.ts.
 */
import type { Job } from '../api/job.ts';
import { DEFAULT_CHANGELOG_OPTIONS } from '../plan/graph.ts';
import { sourceStageId, stageById, type Plan, type PlanStage } from '../plan/plan.ts';
import { readStageCheckpoints, type Checkpoint } from './checkpoint.ts';
import { putAll } from './emitter.ts';
import { encodeEnvelopes } from './envelope.ts';
import { inheritCheckpoint } from './resharding.ts';
import type { ShardInfo } from './stream-client.ts';
import {
  BUSY_WITHIN_MS,
  eventTimerDueAt,
  idleAdvanceOf,
  idleWatermarkAt,
  nextPassAt,
  RETICK_AFTER_MS,
  tickDueAt,
  type IdleAdvance,
  type ShardToSweep,
  type SourceActivity,
  type TickRules,
} from './sweep-due.ts';
import type { RuntimeServices } from './task.ts';

export interface SweepOptions extends Partial<Pick<TickRules, 'busyWithinMs' | 'retickAfterMs' | 'otherTickDueAt'>> {
  /** Processing time of this pass. */
  now: number;
  /** Last tick per `stage/shard`, kept across passes by the caller. */
  ticked?: Map<string, number>;
  /** Also work out when, before `until`, the next pass is needed ({@link SweepResult.nextPassAt}). */
  nextPassWithin?: { until: number; minIntervalMs: number };
}

export interface SweepResult {
  ticks: { stage: string; shard: string; watermark?: number }[];
  /** The idle-advanced watermark, when the job opted in and every source is idle. */
  idleWatermark?: number;
  /** When asked (`nextPassWithin`): the moment the next pass is needed, undefined if none before `until`. */
  nextPassAt?: number;
}

/**
 * One pass of the sweep over every keyed stage of a job.
 *
 * @example
 * ```ts
 * const ticked = new Map();
 * const pass = await sweepOnce(job, plan, services, { now: Date.now(), ticked, nextPassWithin: { until: Date.now() + 60_000, minIntervalMs: 1_000 } });
 * pass.ticks; // the shards woken, e.g. [{ stage: 'order-timeout', shard: 'shardId-000000000000' }]
 * pass.nextPassAt; // e.g. the moment the next processing-time timer of a quiet shard comes due
 * ```
 */
export async function sweepOnce(job: Job, plan: Plan, services: RuntimeServices, options: SweepOptions): Promise<SweepResult> {
  const { now, ticked = new Map(), nextPassWithin } = options;
  const rules: TickRules = {
    busyWithinMs: options.busyWithinMs ?? BUSY_WITHIN_MS,
    retickAfterMs: options.retickAfterMs ?? RETICK_AFTER_MS,
    otherTickDueAt: options.otherTickDueAt ?? stateRefreshDueAt(plan),
    idleAdvance: plan.options.idleWatermarkAdvance ? await readIdleAdvance(job, plan, services) : undefined,
  };
  const idleWatermark = idleWatermarkAt(rules.idleAdvance, now);
  const result: SweepResult = { ticks: [], idleWatermark };
  const seen: ShardToSweep[] = [];
  for (const stage of plan.stages.filter((s) => s.stateful)) {
    const entries = [];
    for (const { shard, checkpoint } of await liveShardCheckpoints(services, stage)) {
      const id = `${stage.id}/${shard.shardId}`;
      const swept: ShardToSweep = { stage: stage.id, checkpoint, lastTickAt: ticked.get(id) };
      seen.push(swept);
      if (tickDueAt(swept, rules) > now) continue;
      const watermark = eventTimerDueAt(checkpoint, rules.idleAdvance) <= now ? idleWatermark : undefined;
      entries.push({
        data: encodeEnvelopes({ from: { stage: '$sweep', shard: '-' }, envelopes: [{ kind: 'tick', watermark }] }),
        partitionKey: shard.shardId,
        explicitHashKey: shard.start.toString(),
      });
      ticked.set(id, (swept.lastTickAt = now));
      result.ticks.push({ stage: stage.id, shard: shard.shardId, watermark });
    }
    if (entries.length > 0) await putAll(services.streams, stage.input.stream, entries);
  }
  if (nextPassWithin) result.nextPassAt = nextPassAt(seen, rules, { now, ...nextPassWithin });
  return result;
}

/**
 * Log-structured state must be rewritten before DynamoDB's TTL reaches the oldest item its
 * checkpoint names: a quiet shard is ticked when that is due, and its batch writes a snapshot
 * (lib/runtime/log-commit.ts, `maxAgeMs`).
 */
function stateRefreshDueAt(plan: Plan): (checkpoint: Checkpoint) => number | undefined {
  const { maxAgeMs } = { ...DEFAULT_CHANGELOG_OPTIONS, ...plan.options.changelog };
  return (cp) => (cp.state ? cp.state.since + maxAgeMs : undefined);
}

/** The open shards of a stage with the checkpoint each resumes from, those that ended or never committed left out. */
async function liveShardCheckpoints(services: RuntimeServices, stage: PlanStage): Promise<{ shard: ShardInfo; checkpoint: Checkpoint }[]> {
  const stored = new Map((await readStageCheckpoints(services.store, stage.id)).map((c) => [c.shard, c.checkpoint]));
  const listing = await services.streams.listShards(stage.input.stream);
  const live = [];
  for (const shard of listing.filter((s) => !s.closed)) {
    // A shard split or merged from others has its parents' timers in its range until its first batch.
    const checkpoint = stored.get(shard.shardId) ?? inheritCheckpoint(shard, listing, (id) => stored.get(id));
    if (checkpoint && !checkpoint.ended) live.push({ shard, checkpoint }); // no checkpoint: no timer registered
  }
  return live;
}

/**
 * When every source of the job will have had no record for its idleness timeout, the
 * watermark may follow processing time (see {@link idleAdvanceOf}).
 */
async function readIdleAdvance(job: Job, plan: Plan, services: RuntimeServices): Promise<IdleAdvance | undefined> {
  const sources = job.graph.nodes.flatMap((node) => (node.kind === 'source' ? [node] : []));
  if (sources.some((node) => node.watermarks.idlenessMs === undefined)) return undefined; // never idle: read nothing
  const activity: SourceActivity[] = [];
  for (const node of sources) {
    const stage = stageById(plan, sourceStageId(node.source.name));
    const checkpoints = await readStageCheckpoints(services.store, stage.id);
    const lastDataAt = checkpoints.filter((c) => !c.checkpoint.ended).map((c) => c.checkpoint.lastDataAt);
    activity.push({ idlenessMs: node.watermarks.idlenessMs, outOfOrdernessMs: node.watermarks.outOfOrdernessMs, lastDataAt });
  }
  return idleAdvanceOf(activity);
}
