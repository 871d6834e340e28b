import type { Plan } from '../plan/plan.ts';
import type { ReadRecord, ShardReader } from '../runtime/shard-reader.ts';
import type { StreamClient } from '../runtime/stream-client.ts';

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
}

/**
 * Emulates Lambda's Kinesis event source mappings: one poller per shard of every stage's
 * input stream, each reading batches (the stage's batch size) and invoking the stage,
 * strictly one batch at a time per shard. A batch the handler reports as failed (or that
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

  constructor(private readonly options: RunnerOptions) {}

  start(): void {
    this.running = true;
    this.discovery = this.discoverLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
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
      await sleep(50);
    }
  }

  private async discoverLoop(): Promise<void> {
    while (this.running) {
      try {
        await this.discover();
      } catch (error) {
        this.options.onError?.('*', '*', error); // e.g. ListShards throttled past its retries: try again later
      }
      // Look for new shards (resharding) now and then, but notice stop() at once.
      const interval = this.options.discoveryIntervalMs ?? 2000;
      for (let waited = 0; waited < interval && this.running; waited += 50) await sleep(Math.min(50, interval));
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
          parents: shard.parents.map((p) => `${stage.id}/${p}`), closed: shard.closed, finished: false,
        };
        this.pollers.set(id, poller);
        this.loops.push(this.pollLoop(poller, stage.batchSize));
      }
    }
  }

  private async pollLoop(p: Poller, batchSize: number): Promise<void> {
    const interval = this.options.pollIntervalMs ?? 100;
    while (this.running) {
      if (p.parents.some((id) => this.pollers.get(id)?.finished === false)) {
        await sleep(interval);
        continue;
      }
      const closed = p.closed; // known before the read: an empty read of a closed shard is its end
      let records: ReadRecord[];
      try {
        records = await this.options.reader.read(p.stream, p.shard, p.position, batchSize);
      } catch (error) {
        this.options.onError?.(p.stage, p.shard, error);
        await sleep(interval * 5);
        continue;
      }
      if (records.length === 0) {
        p.finished = closed;
        p.caughtUp = true;
        await sleep(interval);
        continue;
      }
      p.caughtUp = false;
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
        continue;
      }
      const failedAt = records.findIndex((r) => r.seq === retryFrom);
      if (failedAt > 0) p.position = records[failedAt - 1].seq;
      p.attempts++;
      const backoff = this.options.retryBackoff ?? { baseMs: 50, maxMs: 5000 };
      await sleep(Math.min(backoff.maxMs, backoff.baseMs * 2 ** p.attempts));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
