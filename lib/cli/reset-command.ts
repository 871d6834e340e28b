/**
 * `eddy reset <job> <stage> --to trim-horizon|latest|<time>|<seq>`: moves the checkpoints of a
 * stage's shards so that its next batch starts there — Flink's "restart from other source
 * offsets". What must change besides the position is in lib/runtime/reset.ts.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { firstSeqAtOrAfter, recordsBetween, shardBacklog } from '../aws/shard-positions.ts';
import { tryLock } from '../local/pid-lock.ts';
import { stageById, type Plan, type PlanStage } from '../plan/plan.ts';
import { checkpointItem, checkpointOfItem, initialCheckpoint, readCheckpointItem, readStageCheckpoints, type Checkpoint } from '../runtime/checkpoint.ts';
import { hasRedoLog, replayRedoLog } from '../runtime/commit.ts';
import { compareSeq } from '../runtime/envelope.ts';
import { firstOrigins, moveCheckpoint, releaseUpstream, rewindKeyedCheckpoint } from '../runtime/reset.ts';
import { loadJob } from './load-job.ts';
import { endpointsFromEnvironment } from './stack.ts';
import { usingTarget, type JobTarget, type TargetOptions } from './target.ts';

export type ResetPosition = { kind: 'trim-horizon' } | { kind: 'latest' } | { kind: 'time'; at: Date } | { kind: 'seq'; seq: string };

/**
 * Parses `--to`: `trim-horizon`, `latest`, a sequence number (digits only), or a time
 * (ISO 8601, or `timestamp:<epoch ms>`).
 *
 * @example
 * ```ts
 * parseResetPosition('2026-11-24T10:00:00Z'); // { kind: 'time', at: Date(...) }
 * ```
 */
export function parseResetPosition(text: string): ResetPosition {
  if (text === 'trim-horizon' || text === 'latest') return { kind: text };
  if (/^\d+$/.test(text)) return { kind: 'seq', seq: text };
  const ms = text.startsWith('timestamp:') ? Number(text.slice('timestamp:'.length)) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new Error(`--to takes trim-horizon, latest, a time (ISO 8601 or timestamp:<epoch ms>) or a sequence number, got "${text}"`);
  return { kind: 'time', at: new Date(ms) };
}

/** What a reset did to one shard of the stage. */
export interface ShardReset {
  shard: string;
  from: string | undefined;
  to: string | undefined;
  /** Records the next batches will read again (or skip, when moved forward: negative). */
  reread: number;
}

/**
 * The lock `eddy run` holds on a data dir while it runs a job, which `eddy reset` takes too:
 * a running job keeps reading from where it is in memory and would commit over the reset.
 *
 * @example
 * ```ts
 * const lock = await tryLock(runLockPath('.eddy', 'order-timeout'));
 * ```
 */
export function runLockPath(dataDir: string, jobName: string): string {
  return join(dataDir, `run-${jobName}.lock`);
}

/**
 * @example
 * ```ts
 * const moved = await resetCommand('order-timeout', 'source-orders', { to: 'trim-horizon', dataDir: '.eddy' });
 * ```
 */
export async function resetCommand(jobName: string, stageId: string, options: TargetOptions & { to: string; shard?: string }, say: (m: string) => void = (m) => console.error(m)): Promise<ShardReset[]> {
  const { job } = await loadJob(jobName);
  const position = parseResetPosition(options.to);
  const usesDataDir = !endpointsFromEnvironment() && !options.aws;
  if (usesDataDir) await mkdir(options.dataDir, { recursive: true }); // a fresh data dir: the lock file needs its folder
  const lock = usesDataDir ? await tryLock(runLockPath(options.dataDir, job.name)) : undefined;
  if (typeof lock === 'number') throw new Error(`eddy run of ${job.name} (pid ${lock}) is running on ${options.dataDir}: stop it first (it would carry on from where it is and commit over the reset)`);
  try {
    if (!usesDataDir) say('make sure nothing runs this job meanwhile (eddy run, or its Lambda event source mappings disabled): a running job carries on from where it is');
    return await usingTarget(job, options, { say }, async (target) => {
      const stage = stageById(target.plan, stageId);
      const moved = await resetStage(target, stage, position, options.shard);
      for (const m of moved) {
        const n = Math.abs(m.reread);
        const records = `${n} record${n === 1 ? '' : 's'}`;
        const verb = m.reread >= 0 ? `${records} to read again` : `${records} skipped`;
        console.log(`${stage.id}/${m.shard}: checkpoint ${m.from ?? '(none)'} -> ${m.to ?? '(start of the stream)'}: ${verb}`);
      }
      if (moved.some((m) => m.reread > 0)) {
        say('state, timers and watermarks are NOT rewound: re-read records apply on top of the current state (counts count them again), and event-time logic that moved past them sees them late');
      }
      if (target.services.target.kind === 'aws') say("on AWS, Lambda's event source mapping has its own position: recreate the stage's mapping at TRIM_HORIZON (records at or below the checkpoint are skipped) for the reset to take effect");
      return moved;
    });
  } finally {
    if (lock && typeof lock !== 'number') await lock.release();
  }
}

async function resetStage(target: JobTarget, stage: PlanStage, position: ResetPosition, onlyShard: string | undefined): Promise<ShardReset[]> {
  const { services, plan } = target;
  const stream = services.target.prefix + stage.input.stream;
  const listing = await services.streams.listShards(stage.input.stream, { fresh: true });
  const shards = onlyShard ? listing.filter((s) => s.shardId === onlyShard) : listing.filter((s) => !s.closed);
  if (shards.length === 0) throw new Error(`stream ${stream} has no ${onlyShard ? `shard ${onlyShard}` : 'open shard'} (shards: ${listing.map((s) => s.shardId).join(', ')})`);
  if (position.kind === 'seq' && shards.length > 1) throw new Error(`a sequence number belongs to one shard: name it with --shard (${shards.map((s) => s.shardId).join(', ')})`);
  const moved: ShardReset[] = [];
  for (const { shardId } of shards) {
    const item = await readCheckpointItem(services.store, stage.id, shardId);
    // A batch committed through its redo log may not be applied yet; apply it before the log is dropped.
    if (item && hasRedoLog(item)) await replayRedoLog(services.store, stage.id, shardId, item);
    const stored = item && checkpointOfItem(item);
    const seq = await targetSeq(services.clients.kinesis, stream, shardId, position, stored?.seq);
    if (seq === stored?.seq || (!stored && seq === undefined)) {
      moved.push({ shard: shardId, from: stored?.seq, to: seq, reread: 0 });
      continue;
    }
    const backward = stored?.seq !== undefined && (seq === undefined || compareSeq(seq, stored.seq) < 0);
    // Backward: the records to read again; forward: the records skipped.
    const between = backward ? await recordsBetween(services.clients.kinesis, stream, shardId, seq, stored!.seq!) : await recordsBetween(services.clients.kinesis, stream, shardId, stored?.seq, seq!);
    const base = stored ?? initialCheckpoint();
    const next = stage.kind === 'keyed' && backward ? rewindKeyedCheckpoint(base, seq, firstOrigins(between, shardId)) : moveCheckpoint(base, seq);
    await writeCheckpoint(services.store, stage.id, shardId, next, stored?.version);
    moved.push({ shard: shardId, from: stored?.seq, to: seq, reread: backward ? between.length : -between.length });
    if (backward) await releaseDownstream(plan, services.store, stage.id, shardId, seq);
  }
  return moved;
}

/** The checkpoint sequence number for a position: the record *before* the first one to read (undefined: none before it). */
async function targetSeq(kinesis: JobTarget['services']['clients']['kinesis'], stream: string, shardId: string, position: ResetPosition, current: string | undefined): Promise<string | undefined> {
  if (position.kind === 'trim-horizon') return undefined;
  if (position.kind === 'latest') return (await shardBacklog(kinesis, stream, shardId, current)).lastSeq ?? current;
  const first = position.kind === 'seq' ? position.seq : await firstSeqAtOrAfter(kinesis, stream, shardId, position.at);
  if (first === undefined) return (await shardBacklog(kinesis, stream, shardId, current)).lastSeq ?? current; // nothing arrived since: as latest
  // Kinesis positions readers after a record that exists, so the checkpoint names the record before `first`.
  const upTo = await recordsBetween(kinesis, stream, shardId, undefined, first);
  if (position.kind === 'seq' && upTo[upTo.length - 1]?.seq !== first) throw new Error(`shard ${shardId} of ${stream} has no record ${first} (trimmed, or of another shard?)`);
  return upTo.length >= 2 ? upTo[upTo.length - 2].seq : undefined;
}

/** Lowers what each downstream stage consumed from `stage/shard`, so that what it re-emits is processed. */
async function releaseDownstream(plan: Plan, store: JobTarget['services']['store'], stageId: string, shardId: string, seq: string | undefined): Promise<void> {
  for (const downstream of plan.stages.filter((s) => s.upstream.includes(stageId))) {
    for (const { shard, checkpoint } of await readStageCheckpoints(store, downstream.id)) {
      const next = releaseUpstream(checkpoint, `${stageId}/${shardId}`, seq);
      if (next) await writeCheckpoint(store, downstream.id, shard, next, checkpoint.version);
    }
  }
}

/** Fenced like a batch commit: a batch of the shard that commits meanwhile makes this fail, not vanish. */
async function writeCheckpoint(store: JobTarget['services']['store'], stageId: string, shardId: string, cp: Checkpoint, expectedVersion: number | undefined): Promise<void> {
  const item = checkpointItem(stageId, shardId, { ...cp, version: (expectedVersion ?? 0) + 1, updatedAt: Date.now() });
  await store.commit({ puts: [], deletes: [], checkpoint: { item, expectedVersion } });
}
