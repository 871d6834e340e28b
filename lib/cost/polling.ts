/**
 * Lambda's Kinesis event source mappings, on simulated time, for `eddy cost`: each shard of each
 * stage is polled once per simulated second; a poll takes what has arrived, up to the stage's
 * batch size, and polls again at once while batches come back full (as Lambda does); a stage
 * with a batching window (`maximumBatchingWindowInSeconds`) lets a partial batch wait until the
 * window has passed since its first record was seen. Stages are polled upstream first, so what
 * a stage emits in a second is read downstream in that same second: the batch shapes of a
 * steady stream polled about once a second. Deterministic, and without sleeps: a run of 2,000
 * simulated seconds takes as long as its invocations.
 */
import type { Plan, PlanStage } from '../plan/plan.ts';
import type { ReadRecord, ShardReader } from '../runtime/shard-reader.ts';

/** Invokes a stage on a batch of one shard; returns the sequence number to deliver again from, if any. */
export type BatchInvoker = (stage: PlanStage, shardId: string, records: ReadRecord[]) => Promise<{ retryFrom?: string }>;

/** A batch the handler keeps failing is a bug in a cost run (no chaos, no concurrency): give up after this many attempts. */
const MAX_ATTEMPTS = 5;

interface ShardPosition {
  stage: PlanStage;
  shardId: string;
  after?: string;
  /** Simulated ms when records were first seen waiting (batching window). */
  waitingSince?: number;
}

/**
 * Stages in an order where every stage comes after the stages that write into its input
 * (plan order where the plan has a cycle, which repeated passes then cover).
 *
 * @example
 * ```ts
 * upstreamFirst(plan).map((s) => s.id); // ['source-orders', 'order-timeout']
 * ```
 */
export function upstreamFirst(plan: Plan): PlanStage[] {
  const done = new Set<string>();
  const order: PlanStage[] = [];
  let progress = true;
  while (order.length < plan.stages.length && progress) {
    progress = false;
    for (const stage of plan.stages) {
      if (done.has(stage.id) || !stage.upstream.every((u) => done.has(u) || u === stage.id)) continue;
      done.add(stage.id);
      order.push(stage);
      progress = true;
    }
  }
  return [...order, ...plan.stages.filter((s) => !done.has(s.id))];
}

/**
 * The event source mappings of every stage of a plan.
 *
 * @example
 * ```ts
 * const polling = new SimulatedPolling(plan, memoryStreams, shardIds, invoke);
 * await polling.pollAll(clockMs); // once per simulated second
 * ```
 */
export class SimulatedPolling {
  private readonly positions: ShardPosition[];

  constructor(plan: Plan, private readonly reader: ShardReader, shardIds: (stream: string) => string[], private readonly invoke: BatchInvoker) {
    this.positions = upstreamFirst(plan).flatMap((stage) => shardIds(stage.input.stream).map((shardId) => ({ stage, shardId })));
  }

  /**
   * One poll of every shard at simulated time `now`, upstream stages first, repeated while a
   * pass invoked anything; `flush` ignores batching windows (end of input). Returns the
   * number of invocations.
   */
  async pollAll(now: number, flush = false): Promise<number> {
    let total = 0;
    for (let pass = 0; ; pass++) {
      let invoked = 0;
      for (const p of this.positions) invoked += await this.poll(p, now, flush);
      total += invoked;
      if (invoked === 0) return total;
      if (pass > 100) throw new Error('eddy cost: stages keep producing records for each other within one simulated second');
    }
  }

  private async poll(p: ShardPosition, now: number, flush: boolean): Promise<number> {
    const { batchSize, eventSource } = p.stage;
    let invocations = 0;
    let attempts = 0;
    for (;;) {
      const records = await this.reader.read(p.stage.input.stream, p.shardId, p.after, batchSize);
      if (records.length === 0) {
        p.waitingSince = undefined;
        return invocations;
      }
      const windowMs = eventSource.maximumBatchingWindowInSeconds * 1000;
      if (records.length < batchSize && windowMs > 0 && !flush) {
        p.waitingSince ??= now;
        if (now - p.waitingSince < windowMs) return invocations;
      }
      invocations += 1;
      const { retryFrom } = await this.invoke(p.stage, p.shardId, records);
      if (retryFrom !== undefined) {
        if (++attempts >= MAX_ATTEMPTS) throw new Error(`eddy cost: ${p.stage.id}/${p.shardId} failed ${attempts} times from ${retryFrom}`);
        const failedAt = records.findIndex((r) => r.seq === retryFrom);
        if (failedAt > 0) p.after = records[failedAt - 1].seq;
        continue;
      }
      attempts = 0;
      p.after = records[records.length - 1].seq;
      p.waitingSince = undefined;
      if (records.length < batchSize) return invocations;
    }
  }
}
