import type { Plan, PlanStage } from '../plan/plan.ts';
import type { ReadRecord, ShardReader } from '../runtime/shard-reader.ts';
import type { StreamClient } from '../runtime/stream-client.ts';
import { systemClock, type Clock } from './clock.ts';

/** Invokes a stage on a batch of one shard; returns the sequence number to retry from, if any. */
export type StageInvoker = (stageId: string, shardId: string, stream: string, records: ReadRecord[]) => Promise<{ retryFrom?: string }>;

export interface RunnerOptions {
  plan: Plan;
  streams: StreamClient;
  reader: ShardReader;
  invoke: StageInvoker;
  /** Wait between polls of an empty shard (Lambda polls each shard about once a second). */
  pollIntervalMs?: number;
  /** Wait between listings of the streams, which find shards born of resharding (default 2 s). */
  discoveryIntervalMs?: number;
  /** Where each shard starts (Lambda keeps its own position); undefined = TRIM_HORIZON. */
  startAfter?: (stageId: string, shardId: string) => Promise<string | undefined>;
  onError?: (stageId: string, shardId: string, error: unknown) => void;
  /** Backoff before retrying a failed batch: base doubling per attempt, capped (default 50 ms, 5 s). */
  retryBackoff?: { baseMs: number; maxMs: number };
  /** Chaos: deliver this successfully processed batch a second time (as Lambda may). */
  duplicateDelivery?: () => boolean;
  /**
   * The time the pollers read and wait by (default: the system clock). A `ManualClock` lets a
   * test or a simulation run batching windows, polls and backoffs without waiting for real.
   * `waitFor` keeps to real time: it is the caller's wait, not the emulated Lambda's.
   */
  clock?: Clock;
  /**
   * Invoke as soon as records are there, whatever each stage's batching window says (replay:
   * everything is fed before the first poll, so waiting would only slow it down; batch
   * boundaries are a matter of timing anyway).
   */
  ignoreBatchingWindows?: boolean;
}

interface Poller {
  stage: string;
  shard: string;
  stream: string;
  position: string | undefined;
  /** True after a poll found nothing new and no invocation is running. */
  caughtUp: boolean;
  attempts: number;
  /** Pollers of the shards this one was split or merged from (Lambda reads them to their end first). */
  parents: string[];
  /** The shard is closed (resharded): once read to its end, its children may start. */
  closed: boolean;
  /** Closed and read to its end, everything processed. */
  finished: boolean;
  /** When the poller first saw the records of the batch it is filling (its batching window opened), by the runner's clock. */
  windowOpenedAt: number | undefined;
}

/**
 * Emulates Lambda's Kinesis event source mappings: one poller per shard of every stage's
 * input stream, each reading batches (the stage's batch size) and invoking the stage,
 * strictly one batch at a time per shard. As Lambda does, a batch goes out when it is full or
 * when the stage's batching window has passed since the poller first saw its records; until
 * then the poller reads again every poll interval, so the batch fills with what arrives
 * meanwhile (window 0: at once). A batch the handler reports as failed (or that
 * throws) is retried from the reported record with backoff, as Lambda does with
 * ReportBatchItemFailures. After a split or merge, a child shard is not read before its
 * parents are read to their end and processed, which keeps each key's records in order.
 *
 * @example
 * ```ts
 * const runner = new EventSourceRunner({ plan, streams, reader, invoke });
 * runner.start();
 * await runner.waitFor(async () => runner.caughtUp());
 * await runner.stop();
 * ```
 */
export class EventSourceRunner {
  private readonly pollers = new Map<string, Poller>();
  private readonly loops: Promise<void>[] = [];
  private running = false;
  private discovery: Promise<void> | undefined;
  private readonly clock: Clock;
  /** Aborted by stop(): every wait ends at once. */
  private stopping = new AbortController();

  constructor(private readonly options: RunnerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    this.running = true;
    this.stopping = new AbortController();
    this.discovery = this.discoverLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await this.discovery;
    await Promise.all(this.loops);
  }

  /** Every known shard has been read to its end and nothing is being processed. */
  caughtUp(): boolean {
    return this.pollers.size > 0 && [...this.pollers.values()].every((p) => p.caughtUp);
  }

  /** Resolves when `condition` holds, checked between polls; rejects after `timeoutMs`. */
  async waitFor(condition: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`local run did not finish within ${timeoutMs} ms`);
      await systemClock.sleep(50);
    }
  }

  /** Waits `ms` by the runner's clock, or until stop(). */
  private pause(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.stopping.signal);
  }

  private async discoverLoop(): Promise<void> {
    while (this.running) {
      try {
        await this.discover();
      } catch (error) {
        this.options.onError?.('*', '*', error); // e.g. ListShards throttled past its retries: try again later
      }
      // Look for new shards (resharding) now and then; stop() cuts the wait short.
      await this.pause(this.options.discoveryIntervalMs ?? 2000);
    }
  }

  private async discover(): Promise<void> {
    for (const stage of this.options.plan.stages) {
      for (const shard of await this.options.streams.listShards(stage.input.stream, { fresh: true })) {
        const id = `${stage.id}/${shard.shardId}`;
        const known = this.pollers.get(id);
        if (known) {
          known.closed ||= shard.closed;
          continue;
        }
        const position = await this.options.startAfter?.(stage.id, shard.shardId);
        const poller: Poller = {
          stage: stage.id, shard: shard.shardId, stream: stage.input.stream, position, caughtUp: false, attempts: 0,
          parents: shard.parents.map((p) => `${stage.id}/${p}`), closed: shard.closed, finished: false, windowOpenedAt: undefined,
        };
        this.pollers.set(id, poller);
        this.loops.push(this.pollLoop(poller, stage));
      }
    }
  }

  private async pollLoop(p: Poller, stage: PlanStage): Promise<void> {
    const interval = this.options.pollIntervalMs ?? 100;
    const batchSize = stage.batchSize;
    const windowMs = this.options.ignoreBatchingWindows ? 0 : stage.eventSource.maximumBatchingWindowInSeconds * 1000;
    while (this.running) {
      if (p.parents.some((id) => this.pollers.get(id)?.finished === false)) {
        await this.pause(interval);
        continue;
      }
      const closed = p.closed; // known before the read: an empty read of a closed shard is its end
      let records: ReadRecord[];
      try {
        records = await this.options.reader.read(p.stream, p.shard, p.position, batchSize);
      } catch (error) {
        this.options.onError?.(p.stage, p.shard, error);
        await this.pause(interval * 5);
        continue;
      }
      if (records.length === 0) {
        p.finished = closed;
        p.caughtUp = true;
        await this.pause(interval);
        continue;
      }
      p.caughtUp = false;
      const fillFor = this.timeToFill(p, records.length, batchSize, windowMs);
      if (fillFor > 0) {
        await this.pause(Math.min(fillFor, interval)); // then read again: the batch may have filled
        continue;
      }
      let retryFrom: string | undefined;
      try {
        retryFrom = (await this.options.invoke(p.stage, p.shard, p.stream, records)).retryFrom;
      } catch (error) {
        this.options.onError?.(p.stage, p.shard, error);
        retryFrom = records[0].seq;
      }
      if (retryFrom === undefined && this.options.duplicateDelivery?.()) {
        try {
          retryFrom = (await this.options.invoke(p.stage, p.shard, p.stream, records)).retryFrom;
        } catch (error) {
          this.options.onError?.(p.stage, p.shard, error);
        }
      }
      if (retryFrom === undefined) {
        p.position = records[records.length - 1].seq;
        p.attempts = 0;
        p.windowOpenedAt = undefined; // the next batch waits its own window; a retried one does not wait again
        continue;
      }
      const failedAt = records.findIndex((r) => r.seq === retryFrom);
      if (failedAt > 0) p.position = records[failedAt - 1].seq;
      p.attempts++;
      const backoff = this.options.retryBackoff ?? { baseMs: 50, maxMs: 5000 };
      await this.pause(Math.min(backoff.maxMs, backoff.baseMs * 2 ** p.attempts));
    }
  }

  /**
   * How much longer the poller waits before invoking a batch of `count` records: nothing when
   * the batch is full or there is no window, else what is left of the window, which opened
   * when the poller first saw these records.
   */
  private timeToFill(p: Poller, count: number, batchSize: number, windowMs: number): number {
    if (count >= batchSize || windowMs <= 0) return 0;
    const now = this.clock.now();
    p.windowOpenedAt ??= now;
    return p.windowOpenedAt + windowMs - now;
  }
}
