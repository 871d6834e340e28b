/**
 * `eddy checkpoints <job>`: each stage shard's checkpoint and how far it is behind its stream.
 */
import { MAX_WATERMARK, MIN_WATERMARK } from '../api/time.ts';
import type { AwsClients, AwsTarget } from '../aws/config.ts';
import { shardBacklog } from '../aws/shard-positions.ts';
import { stageById, type Plan } from '../plan/plan.ts';
import { readStageCheckpoints } from '../runtime/checkpoint.ts';
import type { RuntimeServices } from '../runtime/task.ts';
import { duration, table } from './inspect-command.ts';

export interface CheckpointRow {
  stage: string;
  shard: string;
  /** Closed by a reshard (its children carry on). */
  closed: boolean;
  /** Last input record whose effects are committed; undefined before the first batch. */
  seq?: string;
  version?: number;
  /** Records after the checkpoint (at least this many when `capped`). */
  pending: number;
  capped: boolean;
  /** Age of the oldest record after the checkpoint (what the next batch's iterator age will be); 0 when none. */
  lagMs: number;
  /** Kinesis's MillisBehindLatest for a read at the checkpoint. */
  millisBehindLatest?: number;
  /** The last watermark the shard sent downstream. */
  watermark?: number;
  ended?: boolean;
  /** When the checkpoint was last committed (wall clock). */
  updatedAt?: number;
}

/**
 * The checkpoint and backlog of every shard (open or closed) of the given stages (default all).
 *
 * @example
 * ```ts
 * const rows = await checkpointRows(plan, services, undefined, Date.now());
 * ```
 */
export async function checkpointRows(
  plan: Plan,
  services: RuntimeServices & { clients: AwsClients; target: AwsTarget },
  stageIds: string[] = plan.stages.map((s) => s.id),
  now = Date.now(),
): Promise<CheckpointRow[]> {
  const rows: CheckpointRow[] = [];
  for (const stageId of stageIds) {
    const stage = stageById(plan, stageId);
    const checkpoints = new Map((await readStageCheckpoints(services.store, stageId)).map((c) => [c.shard, c.checkpoint]));
    for (const shard of await services.streams.listShards(stage.input.stream, { fresh: true })) {
      const cp = checkpoints.get(shard.shardId);
      const backlog = await shardBacklog(services.clients.kinesis, services.target.prefix + stage.input.stream, shard.shardId, cp?.seq);
      rows.push({
        stage: stageId,
        shard: shard.shardId,
        closed: shard.closed,
        seq: cp?.seq,
        version: cp?.version,
        pending: backlog.pending,
        capped: backlog.capped,
        lagMs: backlog.firstArrival === undefined ? 0 : Math.max(0, now - backlog.firstArrival),
        millisBehindLatest: backlog.millisBehindLatest,
        watermark: cp?.emittedWatermark,
        ended: cp?.ended,
        updatedAt: cp?.updatedAt,
      });
    }
  }
  return rows;
}

/**
 * Renders checkpoint rows: `json` as JSON Lines, `text` as a table.
 *
 * @example
 * ```ts
 * console.log(formatCheckpoints(rows, 'text'));
 * ```
 */
export function formatCheckpoints(rows: CheckpointRow[], format: 'text' | 'json'): string {
  if (format === 'json') return rows.map((r) => JSON.stringify(r)).join('\n');
  const lines = [['STAGE', 'SHARD', 'CHECKPOINT (last committed seq)', 'PENDING', 'LAG', 'BEHIND-LATEST', 'WATERMARK', 'UPDATED']];
  for (const r of rows) {
    lines.push([
      r.stage,
      r.shard + (r.closed ? ' (closed)' : ''),
      r.seq ?? '-',
      `${r.capped ? '>=' : ''}${r.pending}`,
      r.pending === 0 ? '0' : duration(r.lagMs),
      r.millisBehindLatest === undefined ? '-' : `${r.millisBehindLatest} ms`,
      r.ended ? 'ended' : watermarkText(r.watermark),
      r.updatedAt ? new Date(r.updatedAt).toISOString() : '-',
    ]);
  }
  const behind = rows.filter((r) => r.pending > 0).length;
  return [...table(lines), behind === 0 ? 'every shard is caught up' : `${behind} shard${behind === 1 ? '' : 's'} behind`].join('\n');
}

function watermarkText(w: number | undefined): string {
  if (w === undefined || w <= MIN_WATERMARK) return '-inf';
  if (w >= MAX_WATERMARK) return '+inf';
  return new Date(w).toISOString();
}
