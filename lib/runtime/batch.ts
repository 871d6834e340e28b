/**
 * The batch lifecycle of a stage shard — the one place to read to know what a Lambda
 * invocation does:
 *   read checkpoint → drop records at or below it → decode (bad records to dead letters) →
 *   find due timers → preload the state of every key of the batch → run the operators on the
 *   write-behind cache, firing timers as the watermark and processing time pass them →
 *   emit outputs downstream and to sinks → commit state, timers, dead letters and checkpoint.
 * The per-record work is in source-batch.ts and keyed-batch.ts (shared parts: batch-run.ts);
 * the commit in commit.ts; a new shard's starting point after resharding in resharding.ts.
 */
import { checkpointOfItem, initialCheckpoint, readCheckpointItem, readStageCheckpoints, type Checkpoint } from './checkpoint.ts';
import { commitBatch, hasRedoLog, replayRedoLog } from './commit.ts';
import { deadLetterItem } from './dead-letters.ts';
import { commitToLog } from './log-commit.ts';
import { openShardState } from '../state/log/restore.ts';
import type { StateReader } from '../state/store.ts';
import { DEFAULT_CHANGELOG_OPTIONS } from '../plan/graph.ts';
import { compareSeq } from './envelope.ts';
import { KeyedBatch } from './keyed-batch.ts';
import { ChaosCrash } from './chaos.ts';
import { RerunEagerly } from '../state/item-cache.ts';
import { inheritCheckpoint } from './resharding.ts';
import { SourceBatch } from './source-batch.ts';
import type { StageTask } from './task.ts';
import type { StateAccess } from '../state/log/restore.ts';

export type { StateAccess };

/** One input record as the event source delivers it. */
export interface InputRecord {
  seq: string;
  data: Uint8Array;
  /** The stream's approximate arrival time of the record (epoch ms), when it has one. */
  arrival?: number;
}

export interface BatchResult {
  stage: string;
  shard: string;
  recordsIn: number;
  /** Records at or below the checkpoint: already applied, dropped. */
  skipped: number;
  dataIn: number;
  /** Envelopes already consumed (re-sent by a retried upstream batch), dropped. */
  duplicates: number;
  /** Data records that arrived behind the stage's watermark (processed; windows may drop them). */
  late: number;
  /** Records addressed to another shard (a sender's stale shard map after resharding), ignored. */
  misrouted: number;
  outputs: number;
  deadLetters: number;
  timersFired: number;
  /** Main records held for the broadcast side's bootstrap, and held records released when it completed. */
  held: number;
  released: number;
  watermark: number;
  ended: boolean;
  /**
   * How the batch committed: per-key items in one transaction or through a redo log
   * (commit.ts); log-structured, a changelog entry, or one with a snapshot (log-commit.ts).
   */
  commit?: 'atomic' | 'redo' | 'log' | 'snapshot';
  /** The first record not processed (time budget spent); Lambda must deliver it again. */
  unprocessedFrom?: string;
  /** Keyed stages on the log-structured backend: how this container got the shard's state (see lib/state/log/restore.ts). */
  state?: StateAccess;
}


/** Runs one batch of records of the task's shard to its commit. */
export async function runBatch(task: StageTask, records: InputRecord[], options: { deadline?: number } = {}): Promise<BatchResult> {
  const { store } = task.services;
  const storedItem = await readCheckpointItem(store, task.stage.id, task.shardId);
  const stored = storedItem && checkpointOfItem(storedItem);
  if (storedItem && stored && hasRedoLog(storedItem) && task.appliedVersion !== stored.version) {
    // The last batch committed through its redo log; this container did not see it applied.
    await replayRedoLog(store, task.stage.id, task.shardId, storedItem, task.services.faults);
    task.appliedVersion = stored.version;
  }
  const previous = stored ?? (await startingCheckpoint(task));
  const fresh = records.filter((r) => previous.seq === undefined || compareSeq(r.seq, previous.seq) > 0);
  const result: BatchResult = {
    stage: task.stage.id,
    shard: task.shardId,
    recordsIn: records.length,
    skipped: records.length - fresh.length,
    dataIn: 0,
    duplicates: 0,
    misrouted: 0,
    late: 0,
    held: 0,
    released: 0,
    outputs: 0,
    deadLetters: 0,
    timersFired: 0,
    watermark: previous.emittedWatermark,
    ended: previous.ended,
  };
  if (fresh.length === 0) return result;

  let reader: StateReader = store;
  if (task.logStructured) {
    const opened = await openShardState(store, task.stateLayout(), previous.state, previous.version, task.shardState);
    reader = task.shardState = opened.state;
    result.state = opened.access;
  }
  const { run, checkpoint } = await processRecords(task, previous, result, fresh, reader, options.deadline);
  result.commit = await commit(task, run, checkpoint, stored?.version);
  task.services.faults?.('after-commit');
  result.deadLetters = run.deadLetters.length;
  const next = fresh.findIndex((r) => compareSeq(r.seq, checkpoint.seq!) > 0);
  if (next >= 0) result.unprocessedFrom = fresh[next].seq;
  result.watermark = checkpoint.emittedWatermark;
  result.ended = checkpoint.ended;
  return result;
}

/**
 * Runs the records through the stage. A keyed stage first encodes its state lazily (once per
 * key and batch); when a record's effects must be undone or a value is too big to store, it
 * runs the batch again from the same starting point, encoding eagerly (see ItemCache): the
 * outcome is the same, only the rare batch with a failing record pays for it twice.
 */
async function processRecords(task: StageTask, previous: Checkpoint, result: BatchResult, records: InputRecord[], reader: StateReader, deadline: number | undefined) {
  if (task.stage.kind === 'source') {
    const run = new SourceBatch(task, previous, result, deadline);
    return { run, checkpoint: await run.process(records) };
  }
  const initial = { ...result };
  try {
    const run = new KeyedBatch(task, previous, result, deadline, reader, 'lazy');
    return { run, checkpoint: await run.process(records) };
  } catch (error) {
    if (!(error instanceof RerunEagerly)) throw error;
    if (error.cause instanceof ChaosCrash) throw error.cause; // a crash is a crash, whatever the cache
    for (const key of Object.keys(result)) delete result[key as keyof BatchResult];
    Object.assign(result, initial);
    const run = new KeyedBatch(task, previous, result, deadline, reader, 'eager', error.failed);
    return { run, checkpoint: await run.process(records) };
  }
}

/** Commits the batch the way the stage keeps its state: log-structured (log-commit.ts) or per-key items (commit.ts). */
async function commit(task: StageTask, run: SourceBatch | KeyedBatch, checkpoint: Checkpoint, previousVersion: number | undefined): Promise<BatchResult['commit']> {
  const { store } = task.services;
  if (task.logStructured && run instanceof KeyedBatch) {
    const state = task.shardState!;
    try {
      const { materialized } = await commitToLog(store, {
        layout: task.stateLayout(),
        state,
        changes: run.cache.changes(),
        deadLetters: run.deadLetters.map(deadLetterItem),
        checkpoint,
        previousVersion,
        wallClock: task.services.wallClock(),
        now: run.processingTime(),
        policy: { ...DEFAULT_CHANGELOG_OPTIONS, ...task.plan.options.changelog },
        faults: task.services.faults,
      });
      const access = run.result.state!;
      Object.assign(access, { heldItems: state.size, heldBytes: state.heldBytes, heldTimers: state.timers });
      return materialized ? 'snapshot' : 'log';
    } catch (error) {
      task.shardState = undefined; // changed in place before the commit point: its version is unknown now
      throw error;
    }
  }
  const { path } = await commitBatch(store, {
    stage: task.stage.id,
    shard: task.shardId,
    cache: run.cache,
    deadLetters: run.deadLetters,
    checkpoint,
    previousVersion,
    wallClock: task.services.wallClock(),
    faults: task.services.faults,
  });
  task.appliedVersion = checkpoint.version;
  return path;
}

/**
 * Where a shard without a checkpoint starts: from its parents' checkpoints when it was split
 * or merged from other shards (see resharding.ts), else from scratch.
 */
async function startingCheckpoint(task: StageTask): Promise<Checkpoint> {
  const own = await task.ownShard();
  if (own.parents.length === 0) return initialCheckpoint();
  const stored = new Map((await readStageCheckpoints(task.services.store, task.stage.id)).map((c) => [c.shard, c.checkpoint]));
  return inheritCheckpoint(own, own.listing, (id) => stored.get(id)) ?? initialCheckpoint();
}
