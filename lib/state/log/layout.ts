/**
 * What places a stage shard's log-structured items: the stage and shard (where its log and
 * snapshots are stored), its key groups (how snapshots are cut), its timer layout (how a timer
 * item is spelled, so that the log need not carry it) and the prefix of its state partitions.
 */
import { stageById, type Plan } from '../../plan/plan.ts';
import { statePartition } from '../keys.ts';
import type { TimerLayout } from '../../time/timer-items.ts';

export interface ShardLayout {
  stage: string;
  shard: string;
  keyGroups: number;
  /** `s#<operator uid>#`: a state item's partition is this and the key. */
  statePrefix: string;
  /** How the stage's timer items are keyed (lib/time/timer-items.ts). */
  timers: TimerLayout;
}

/**
 * The layout of one shard of a keyed stage (the stage id is its operator's uid).
 *
 * @example
 * ```ts
 * shardLayout(plan, 'order-timeout', 'shardId-000000000000').statePrefix; // 's#order-timeout#'
 * ```
 */
export function shardLayout(plan: Plan, stageId: string, shard: string): ShardLayout {
  const stage = stageById(plan, stageId);
  const { maxParallelism, timerPartitions } = plan.options;
  return { stage: stage.id, shard, keyGroups: maxParallelism, statePrefix: statePartition(stage.id, ''), timers: { stage: stage.id, keyGroups: maxParallelism, partitions: timerPartitions } };
}
