/** What source and keyed batches share: checkpoint bookkeeping, dead letters, emitting, retries, the time budget. */
import { DecodeError } from '../connectors/source-spec.ts';
import { ItemCache, type StateEncoding } from '../state/item-cache.ts';
import type { StateReader } from '../state/store.ts';
import type { BatchResult, InputRecord } from './batch.ts';
import type { Checkpoint } from './checkpoint.ts';
import { ChaosCrash } from './chaos.ts';
import { recordText, type DeadLetter } from './dead-letters.ts';
import { emitEnvelopes } from './emitter.ts';
import { pruneInheritedOrigins } from './resharding.ts';
import type { StageTask } from './task.ts';

/** What both kinds of stage share: checkpoint bookkeeping, dead letters, emitting. */
export abstract class BatchRun {
  readonly cache: ItemCache;
  readonly deadLetters: DeadLetter[] = [];
  protected readonly cp: Checkpoint;

  /** The last input record fully processed: what the checkpoint will say. */
  processed: string | undefined;

  constructor(
    protected readonly task: StageTask,
    previous: Checkpoint,
    readonly result: BatchResult,
    protected readonly deadline?: number,
    /** Where keyed state and timers are read: the store, or the shard's state in the container. */
    protected readonly reader: StateReader = task.services.store,
    /** How written state is encoded: see ItemCache. */
    encoding: StateEncoding = 'eager',
  ) {
    this.cache = new ItemCache(reader, encoding);
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
    for (let n = 0; ; n++) {
      try {
        await attempt();
        return;
      } catch (error) {
        if (!this.mayRetry(n, error)) throw error;
        undo();
      }
    }
  }

  /** Whether attempt `n` (from 0) of a user function that threw `error` is tried again. */
  protected mayRetry(n: number, error: unknown): boolean {
    const retries = this.task.plan.options.functionRetries;
    return !(n >= retries || error instanceof DecodeError || error instanceof ChaosCrash);
  }

  /** Past the time budget (Lambda's remaining time, less a margin): stop at this record and commit what is done. */
  protected outOfTime(): boolean {
    return this.processed !== undefined && this.deadline !== undefined && this.task.services.wallClock() >= this.deadline;
  }

  protected finish(): Checkpoint {
    if (this.processed === undefined) throw new Error('a batch must process at least one record');
    this.cp.seq = this.processed;
    pruneInheritedOrigins(this.cp);
    this.cp.version += 1;
    this.cp.updatedAt = this.task.services.wallClock();
    return this.cp;
  }
}
