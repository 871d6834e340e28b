/**
 * The batch lifecycle of a stage shard — the one place to read to know what a Lambda
 * invocation does:
 *   read checkpoint → drop records at or below it → decode (bad records to dead letters) →
 *   find due timers → preload the state of every key of the batch → run the operators on the
 *   write-behind cache, firing timers as the watermark and processing time pass them →
 *   emit outputs downstream and to sinks → commit state, timers, dead letters and checkpoint.
 */
import { MAX_WATERMARK } from '../api/time.ts';
import { DecodeError } from '../connectors/source-spec.ts';
import { ItemCache } from '../state/item-cache.ts';
import { BatchTimers } from '../time/batch-timers.ts';
import { findDueTimers } from '../time/timer-queries.ts';
import { timerItem, type TimerDomain, type TimerLayout } from '../time/timer-items.ts';
import { boundedWatermark, InputWatermark } from '../time/watermarks.ts';
import { checkpointOfItem, initialCheckpoint, NO_TIMER, readCheckpointItem, type Checkpoint } from './checkpoint.ts';
import { ChaosCrash } from './chaos.ts';
import { commitBatch, hasRedoLog, replayRedoLog } from './commit.ts';
import { recordText, type DeadLetter } from './dead-letters.ts';
import { emitEnvelopes } from './emitter.ts';
import { compareOrigin, compareSeq, decodeEnvelopes, isControlRecord, isSourceEnd, type Envelope, type EnvelopeRecord } from './envelope.ts';
import type { StageTask } from './task.ts';

/** Dead letters of failing timers sit after those of the record's envelopes. */
const TIMER_DEAD_LETTER_INDEX = 100_000;

/** One input record as the event source delivers it. */
export interface InputRecord {
  seq: string;
  data: Uint8Array;
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
  outputs: number;
  deadLetters: number;
  timersFired: number;
  watermark: number;
  ended: boolean;
  /** How the batch committed: one transaction, or through a redo log (see commit.ts). */
  commit?: 'atomic' | 'redo';
  /** The first record not processed (time budget spent); Lambda must deliver it again. */
  unprocessedFrom?: string;
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
  const previous = stored ?? initialCheckpoint();
  const fresh = records.filter((r) => previous.seq === undefined || compareSeq(r.seq, previous.seq) > 0);
  const result: BatchResult = {
    stage: task.stage.id,
    shard: task.shardId,
    recordsIn: records.length,
    skipped: records.length - fresh.length,
    dataIn: 0,
    duplicates: 0,
    outputs: 0,
    deadLetters: 0,
    timersFired: 0,
    watermark: previous.emittedWatermark,
    ended: previous.ended,
  };
  if (fresh.length === 0) return result;

  const run =
    task.stage.kind === 'source'
      ? new SourceBatch(task, previous, result, options.deadline)
      : new KeyedBatch(task, previous, result, options.deadline, await task.upstreamShards());
  const checkpoint = await run.process(fresh);
  const { path } = await commitBatch(store, {
    stage: task.stage.id,
    shard: task.shardId,
    cache: run.cache,
    deadLetters: run.deadLetters,
    checkpoint,
    previousVersion: stored?.version,
    wallClock: task.services.wallClock(),
    faults: task.services.faults,
  });
  task.appliedVersion = checkpoint.version;
  result.commit = path;
  task.services.faults?.('after-commit');
  result.deadLetters = run.deadLetters.length;
  const next = fresh.findIndex((r) => compareSeq(r.seq, checkpoint.seq!) > 0);
  if (next >= 0) result.unprocessedFrom = fresh[next].seq;
  result.watermark = checkpoint.emittedWatermark;
  result.ended = checkpoint.ended;
  return result;
}

/** What both kinds of stage share: checkpoint bookkeeping, dead letters, emitting. */
abstract class BatchRun {
  readonly cache: ItemCache;
  readonly deadLetters: DeadLetter[] = [];
  protected readonly cp: Checkpoint;

  /** The last input record fully processed: what the checkpoint will say. */
  processed: string | undefined;

  constructor(
    protected readonly task: StageTask,
    previous: Checkpoint,
    protected readonly result: BatchResult,
    protected readonly deadline?: number,
  ) {
    this.cache = new ItemCache(task.services.store);
    this.cp = structuredClone(previous);
    task.resetOutputs();
  }

  abstract process(records: InputRecord[]): Promise<Checkpoint>;

  protected deadLetter(seq: string, index: number, data: Uint8Array | string, error: unknown): void {
    const reason = error instanceof DecodeError ? error.reason : `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`;
    const text = typeof data === 'string' ? { record: data, encoding: 'utf8' as const } : recordText(data);
    this.deadLetters.push({ stage: this.task.stage.id, shard: this.task.shardId, seq, index, reason, ...text, at: this.task.services.wallClock() });
  }

  /** Sends envelopes (with the watermark and end of input) downstream and sink records out. */
  protected async emit(watermark: number, justEnded: boolean): Promise<void> {
    const outputs = this.task.outputs;
    const faults = this.task.services.faults;
    const sendWatermark = watermark > this.cp.emittedWatermark;
    faults?.('before-emit');
    for (const out of this.task.stage.outputs) {
      if (out.kind !== 'stage') continue;
      faults?.('mid-emit');
      await emitEnvelopes(this.task.services.streams, out.stream, {
        from: { stage: this.task.stage.id, shard: this.task.shardId },
        envelopes: outputs.envelopes.get(out.stream) ?? [],
        watermark: sendWatermark || justEnded ? watermark : undefined,
        end: justEnded,
      });
    }
    if (outputs.sinkRecords.length > 0) faults?.('mid-emit');
    await this.task.services.sinks.write(outputs.sinkRecords);
    faults?.('after-emit');
    this.result.outputs = outputs.count();
    this.cp.emittedWatermark = Math.max(this.cp.emittedWatermark, watermark);
  }

  /** Runs a user function, retrying it (after undoing its effects) before the record is dead-lettered. */
  protected async retrying(attempt: () => unknown, undo: () => void): Promise<void> {
    const retries = this.task.plan.options.functionRetries;
    for (let n = 0; ; n++) {
      try {
        await attempt();
        return;
      } catch (error) {
        if (n >= retries || error instanceof DecodeError || error instanceof ChaosCrash) throw error;
        undo();
      }
    }
  }

  /** Past the time budget (Lambda's remaining time, less a margin): stop at this record and commit what is done. */
  protected outOfTime(): boolean {
    return this.processed !== undefined && this.deadline !== undefined && this.task.services.wallClock() >= this.deadline;
  }

  protected finish(): Checkpoint {
    if (this.processed === undefined) throw new Error('a batch must process at least one record');
    this.cp.seq = this.processed;
    this.cp.version += 1;
    this.cp.updatedAt = this.task.services.wallClock();
    return this.cp;
  }
}

/** A source stage: decode raw records, assign event time, run the stateless chain. */
class SourceBatch extends BatchRun {
  async process(records: InputRecord[]): Promise<Checkpoint> {
    const node = this.task.job.graph.node(this.task.stage.entryNode);
    if (node.kind !== 'source') throw new Error('not a source stage');
    const push = this.task.chain.source!;
    const assign = node.watermarks.timestampAssigner!;
    const outputs = this.task.outputs;
    let justEnded = false;
    for (const record of records) {
      if (this.outOfTime()) break;
      outputs.at(record.seq);
      if (isSourceEnd(record.data)) {
        justEnded ||= !this.cp.ended;
        this.cp.ended = true;
        this.processed = record.seq;
        continue;
      }
      const mark = outputs.mark();
      try {
        if (isControlRecord(record.data)) throw new DecodeError('unknown eddy control record');
        const value = node.source.decode(record.data);
        const ts = assign(value);
        if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0 || ts > MAX_WATERMARK) {
          throw new DecodeError(`event time must be a non-negative number of epoch ms, got ${JSON.stringify(ts) ?? 'undefined'}`);
        }
        this.result.dataIn++;
        this.cp.maxTimestamp = Math.max(this.cp.maxTimestamp, ts);
        this.cp.clock = Math.max(this.cp.clock, ts);
        this.cp.lastDataAt = this.task.services.processingTime === 'event' ? this.cp.clock : this.task.services.wallClock();
        await this.retrying(() => push(value, ts), () => outputs.rollback(mark));
      } catch (error) {
        outputs.rollback(mark);
        this.deadLetter(record.seq, 0, record.data, error);
      }
      this.processed = record.seq;
    }
    const watermark = this.cp.ended ? MAX_WATERMARK : boundedWatermark(this.cp.maxTimestamp, node.watermarks.outOfOrdernessMs);
    await this.emit(watermark, justEnded);
    return this.finish();
  }
}

/** A keyed stage: envelopes in, keyed state and timers, envelopes or sink records out. */
class KeyedBatch extends BatchRun {
  private readonly watermark: InputWatermark;
  private readonly timers: BatchTimers;
  private readonly layout: TimerLayout;
  private now: number;
  /** The input record being processed; timers fired now are dead-lettered under it. */
  private seq = '';
  /** End of input was reached (and drained) in this batch. */
  private justEnded = false;

  constructor(task: StageTask, previous: Checkpoint, result: BatchResult, deadline: number | undefined, private readonly upstreams: string[]) {
    super(task, previous, result, deadline);
    this.watermark = new InputWatermark(upstreams, this.cp.watermarks, this.cp.watermarkFloor);
    const opts = task.plan.options;
    this.layout = { stage: task.stage.id, keyGroups: opts.maxParallelism, partitions: opts.timerPartitions };
    this.timers = new BatchTimers(this.cache, this.layout);
    this.now = task.services.processingTime === 'event' ? this.cp.clock : task.services.wallClock();
  }

  async process(records: InputRecord[]): Promise<Checkpoint> {
    const decoded = records.map((record) => {
      try {
        return { record, envelopes: decodeEnvelopes(record.data) };
      } catch (error) {
        this.deadLetter(record.seq, 0, record.data, new DecodeError(`undecodable internal record: ${(error as Error).message}`));
        return { record, envelopes: undefined };
      }
    });
    await this.prepare(decoded.flatMap((d) => (d.envelopes ? [d.envelopes] : [])));

    const op = this.task.chain.keyed!;
    op.begin({ cache: this.cache, timers: this.timers, now: () => this.now, wallClock: this.task.services.wallClock, watermark: () => this.watermark.current() });
    if (this.task.services.processingTime === 'system') {
      // Processing-time timers due when the batch starts fire first, their outputs numbered at
      // the batch's first record: a retry starts at the same record (simulated time fires them per record).
      this.task.outputs.at((this.seq = records[0].seq));
      await this.fire('P', this.now);
    }
    for (const { record, envelopes } of decoded) {
      if (this.outOfTime()) break;
      this.task.outputs.at(record.seq);
      this.seq = record.seq;
      if (envelopes) {
        const upstream = `${envelopes.from.stage}/${envelopes.from.shard}`;
        for (let i = 0; i < envelopes.envelopes.length; i++) await this.handle(upstream, record, i, envelopes.envelopes[i]);
      }
      this.processed = record.seq;
    }
    const snapshot = this.watermark.snapshot();
    this.cp.watermarks = snapshot.reported;
    this.cp.watermarkFloor = snapshot.floor;
    this.cp.clock = Math.max(this.cp.clock, this.task.services.processingTime === 'event' ? this.now : 0);
    this.cp.nextTimer = {
      E: Math.min(this.cp.nextTimer.E, this.timers.earliestPending('E'), NO_TIMER),
      P: Math.min(this.cp.nextTimer.P, this.timers.earliestPending('P'), NO_TIMER),
    };
    await this.emit(this.watermark.current(), this.justEnded);
    return this.finish();
  }

  /** Finds the timers that can fire in this batch and preloads the state of every key involved. */
  private async prepare(inputs: EnvelopeRecord[]): Promise<void> {
    const probe = new InputWatermark(this.upstreams, this.cp.watermarks, this.cp.watermarkFloor);
    const keys = new Set<string>();
    let maxDataTs = this.now;
    for (const input of inputs) {
      const upstream = `${input.from.stage}/${input.from.shard}`;
      for (const e of input.envelopes) {
        if (e.kind === 'data') {
          keys.add(e.key);
          maxDataTs = Math.max(maxDataTs, e.ts);
        } else if (e.kind === 'watermark') probe.update(upstream, e.watermark);
        else if (e.kind === 'end') probe.update(upstream, MAX_WATERMARK);
        else if (e.kind === 'tick' && e.watermark !== undefined) probe.raiseFloor(e.watermark);
      }
    }
    const draining = probe.allEnded() && !this.cp.ended;
    const bounds: Record<TimerDomain, number> = {
      E: draining ? MAX_WATERMARK : probe.current(),
      P: draining ? MAX_WATERMARK : this.task.services.processingTime === 'event' ? maxDataTs : this.now,
    };
    const range = await this.task.hashRange();
    for (const domain of ['E', 'P'] as const) {
      if (bounds[domain] < this.cp.nextTimer[domain]) continue;
      const { due, next } = await findDueTimers(this.task.services.store, this.layout, range, domain, bounds[domain]);
      this.cache.seed(due.map((t) => timerItem(this.layout, t)));
      this.timers.addExisting(due);
      for (const t of due) keys.add(t.key);
      this.cp.nextTimer[domain] = Math.min(next, NO_TIMER);
    }
    await this.cache.preload(this.task.chain.keyed!.preloadKeys(keys));
  }

  private async handle(upstream: string, record: InputRecord, index: number, e: Envelope): Promise<void> {
    switch (e.kind) {
      case 'data': {
        const consumed = this.cp.origins[upstream];
        if (consumed && compareOrigin(e.origin, consumed) <= 0) {
          this.result.duplicates++;
          return;
        }
        this.cp.origins[upstream] = e.origin;
        if (this.task.services.processingTime === 'event' && e.ts > this.now) this.now = e.ts;
        this.result.dataIn++;
        this.cp.lastDataAt = this.now;
        const cacheMark = this.cache.mark();
        const outMark = this.task.outputs.mark();
        const undo = () => {
          this.cache.rollback(cacheMark);
          this.task.outputs.rollback(outMark);
        };
        try {
          await this.retrying(() => this.task.chain.keyed!.processElement(e.key, e.ts, e.payload), undo);
        } catch (error) {
          undo();
          this.deadLetter(record.seq, index, JSON.stringify(e), error);
        }
        if (this.task.services.processingTime === 'event') await this.fire('P', this.now);
        return;
      }
      case 'watermark':
        if (this.watermark.update(upstream, e.watermark)) await this.fire('E', this.watermark.current());
        return;
      case 'end':
        if (this.watermark.update(upstream, MAX_WATERMARK)) await this.fire('E', this.watermark.current());
        if (this.watermark.allEnded() && !this.cp.ended) {
          // The last upstream ended: drain here, so the drained outputs are numbered at this record.
          await this.drain();
          this.cp.ended = this.justEnded = true;
        }
        return;
      case 'tick':
        if (e.watermark !== undefined && this.watermark.raiseFloor(e.watermark)) await this.fire('E', this.watermark.current());
        return;
    }
  }

  /** Fires every live timer of `domain` due at `bound`, earliest first, each with its key's state. */
  private async fire(domain: TimerDomain, bound: number): Promise<void> {
    const op = this.task.chain.keyed!;
    for (let timer = this.timers.nextDue(domain, bound); timer; timer = this.timers.nextDue(domain, bound)) {
      const cacheMark = this.cache.mark();
      const outMark = this.task.outputs.mark();
      try {
        await op.onTimer(timer);
      } catch (error) {
        this.cache.rollback(cacheMark);
        this.task.outputs.rollback(outMark);
        this.timers.delete(timer); // a timer whose onTimer throws is dead-lettered, not retried forever
        this.deadLetter(this.seq, TIMER_DEAD_LETTER_INDEX + this.result.timersFired, JSON.stringify({ timer }), error);
      }
      this.result.timersFired++;
    }
  }

  /** End of input: every timer fires, including those that firing registers. */
  private async drain(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      const before = this.result.timersFired;
      await this.fire('E', MAX_WATERMARK);
      await this.fire('P', MAX_WATERMARK);
      if (this.result.timersFired === before) return;
    }
    throw new Error(`stage ${this.task.stage.id}: timers keep registering new timers at end of input`);
  }
}
