/**
 * The Lambda endpoints of a job: one handler per stage (a Kinesis event source mapping with
 * ReportBatchItemFailures) and the sweep (an EventBridge schedule). The same functions run
 * in AWS, under `serverless invoke local`, and in eddy's local runner.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { Job } from '../api/job.ts';
import { servicesFromEnvironment } from '../aws/services.ts';
import { planJob } from '../plan/planner.ts';
import { runBatch, type BatchResult } from './batch.ts';
import { ChaosCrash } from './chaos.ts';
import { metricsEnabled, StageMetrics } from './metrics.ts';
import { sweepOnce } from './sweep.ts';
import { runSweepInvocation, schedulePeriodMs, SWEEP_MIN_INTERVAL_MS, type SweepInvocationResult, type SweepPass } from './sweep-invocation.ts';
import { StageTask, type RuntimeServices } from './task.ts';

const logger = new Logger({ serviceName: 'eddy', logLevel: (process.env.EDDY_LOG_LEVEL as 'INFO') ?? 'WARN' });

/** Kinesis `eventID` is `<shardId>:<sequenceNumber>`. */
function shardOf(eventId: string): string {
  const i = eventId.indexOf(':');
  if (i <= 0) throw new Error(`unexpected Kinesis eventID ${eventId}`);
  return eventId.slice(0, i);
}

export type StageHandler = ((event: KinesisStreamEvent, context?: Partial<Context>) => Promise<KinesisStreamBatchResponse>) & {
  /** Results of the batches this container ran, for the local runner's progress display. */
  onBatch?: (result: BatchResult) => void;
};

/**
 * The Lambda handler of one stage.
 *
 * @example
 * ```ts
 * // functions/order-timeout/handler.ts
 * export const orderTimeout = createStageHandler(job, 'order-timeout');
 * ```
 */
export function createStageHandler(job: Job, stageId: string, makeServices?: () => RuntimeServices): StageHandler {
  const plan = planJob(job.graph);
  let services: RuntimeServices | undefined;
  const tasks = new Map<string, Promise<StageTask>>();
  const log = logger.createChild({ persistentKeys: { job: job.name, stage: stageId } });
  const metrics = metricsEnabled() && plan.options.metrics !== 'none' ? new StageMetrics(job.name, stageId, plan.options.metrics) : undefined;
  const taskFor = (shard: string) => {
    services ??= makeServices ? makeServices() : servicesFromEnvironment(job, plan);
    let task = tasks.get(shard);
    if (!task) tasks.set(shard, (task = StageTask.create(job, stageId, shard, services, plan)));
    return task;
  };

  const handler: StageHandler = middy(async (event: KinesisStreamEvent, context?: Partial<Context>): Promise<KinesisStreamBatchResponse> => {
    const records = event.Records ?? [];
    if (records.length === 0) return { batchItemFailures: [] };
    const shard = shardOf(records[0].eventID);
    try {
      const task = await taskFor(shard);
      // Stop taking records when less than a margin of Lambda's time is left: commit what is done, report the rest.
      const remaining = context?.getRemainingTimeInMillis?.();
      const started = Date.now();
      const deadline = remaining === undefined ? undefined : started + remaining - Math.max(5_000, remaining * 0.2);
      const before = task.services.store.stats();
      const [reads, writes] = [before.itemsRead, before.itemsWritten];
      const result = await runBatch(
        task,
        records.map((r) => ({ seq: r.kinesis.sequenceNumber, data: Buffer.from(r.kinesis.data, 'base64'), arrival: arrivalMs(r.kinesis.approximateArrivalTimestamp) })),
        { deadline },
      );
      const after = task.services.store.stats();
      const lastArrival = arrivalMs(records[records.length - 1].kinesis.approximateArrivalTimestamp);
      const measured = {
        latencyMs: Date.now() - started,
        lastArrival,
        stateReads: after.itemsRead - reads,
        stateWrites: after.itemsWritten - writes,
        now: task.services.wallClock(),
      };
      log.info('batch', { ...result, latencyMs: measured.latencyMs, stateReads: measured.stateReads, stateWrites: measured.stateWrites });
      metrics?.batch(result, measured);
      handler.onBatch?.(result);
      return { batchItemFailures: result.unprocessedFrom ? [{ itemIdentifier: result.unprocessedFrom }] : [] };
    } catch (error) {
      // Whatever was done, the checkpoint says what counts: ask for the whole batch again from its first record.
      if (error instanceof ChaosCrash) tasks.delete(shard); // a crash loses the container, and its memory
      else log.error('batch failed', { shard, error: error as Error });
      metrics?.failure();
      return { batchItemFailures: [{ itemIdentifier: records[0].kinesis.sequenceNumber }] };
    }
  }) as StageHandler;
  return handler;
}

/**
 * The sweep handler, on the plan's schedule (`rate(1 minute)`): each invocation makes one pass
 * and returns at once unless a shard that gets no data needs a tick before the next scheduled
 * invocation; then it sleeps until exactly that moment and passes again (sweep-invocation.ts).
 * Passes are at least `EDDY_SWEEP_INTERVAL_MS` apart (default 1 s). Invoked with
 * `{ "once": true }` it makes a single pass. Returns the passes and the time spent waiting.
 *
 * @example
 * ```ts
 * export const sweep = createSweepHandler(job);
 * ```
 */
export function createSweepHandler(job: Job, makeServices?: () => RuntimeServices) {
  const plan = planJob(job.graph);
  let services: RuntimeServices | undefined;
  const ticked = new Map<string, number>();
  const periodMs = schedulePeriodMs(plan.sweep?.schedule);
  return middy(async (event: { once?: boolean } = {}, context?: Partial<Context>): Promise<SweepInvocationResult> => {
    const runtime = (services ??= makeServices ? makeServices() : servicesFromEnvironment(job, plan));
    const pass: SweepPass = async (options) => {
      const result = await sweepOnce(job, plan, runtime, { ...options, ticked });
      if (result.ticks.length > 0) logger.info('sweep', { ...result });
      return result;
    };
    return runSweepInvocation(pass, {
      clock: () => runtime.wallClock(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      periodMs,
      remainingMs: context?.getRemainingTimeInMillis?.(),
      minIntervalMs: Number(process.env.EDDY_SWEEP_INTERVAL_MS) || SWEEP_MIN_INTERVAL_MS, // unset, 0 or not a number: 1 s
      once: event.once,
    });
  });
}

/** Kinesis's approximate arrival time (epoch seconds, fractional, in a Lambda event) in epoch ms. */
function arrivalMs(seconds: number | undefined): number | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
}
