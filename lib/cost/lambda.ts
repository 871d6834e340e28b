/**
 * What a Lambda invocation of eddy is billed for, from what the in-memory run measured: requests;
 * duration — the handler's CPU time scaled to the function's share of a vCPU, plus the waits
 * for AWS requests the run made in memory; and CloudWatch, which every invocation feeds (its
 * platform log lines, and the handler's metrics: a document per container a minute at most,
 * gathering each batch's values, lib/runtime/metrics.ts).
 */
import type { MetricsLevel } from '../plan/graph.ts';
import { ON_OCCURRENCE, STAGE_METRICS } from '../runtime/metrics.ts';
import type { ActorCounts } from './meter.ts';
import type { Prices } from './model.ts';

/** Lambda gives a function CPU in proportion to its memory: one vCPU at 1,769 MB. */
export const MB_PER_VCPU = 1769;
/** START, END and REPORT lines Lambda writes to CloudWatch Logs for every invocation (about 80 + 50 + 180 bytes). */
export const PLATFORM_LOG_BYTES = 310;
/**
 * One batch's metrics document (CloudWatch Embedded Metric Format on stdout, StageMetrics.batch),
 * by level, in a batch without trouble (the metrics of ON_OCCURRENCE left out): measured 349
 * bytes with the basic metrics, 747 with the detailed ones (2026-12-04), plus Lambda's prefix of
 * each line (time, request id, level: about 70 bytes).
 */
export const METRICS_DOCUMENT_BYTES: Record<MetricsLevel, number> = { none: 0, basic: 420, detailed: 820 };
/** What each batch's values add to the document that gathers them (a sample per metric: a comma and a few digits). */
export const METRICS_VALUE_BYTES: Record<MetricsLevel, number> = { none: 0, basic: 15, detailed: 50 };

const GB = 2 ** 30;

export interface LambdaPricing {
  memoryMb: number;
  /** Wait added to every invocation, ms. */
  ioMs: number;
  /** Wait per AWS request an invocation makes, ms. */
  requestMs: number;
  /** What the handlers publish as metrics (as deployed: the job's `metrics` option; `none` with metrics off). */
  metrics: MetricsLevel;
}

export interface LambdaDollars {
  requests: number;
  duration: number;
  /** CloudWatch Logs ingestion of the invocations' log lines (and metrics documents). */
  logs: number;
}

/**
 * The billed milliseconds of an actor's invocations: measured handler time × the CPU scale
 * (a full core here, `memoryMb / 1769` of a vCPU on Lambda; each invocation rounded up to 1 ms,
 * half a millisecond on average), plus waits.
 *
 * @example
 * ```ts
 * billedDurationMs({ ...emptyActor(), invocations: 10, measuredMs: 20, billedMs: 30 }, { memoryMb: 1769, ioMs: 0, requestMs: 10, metrics: 'basic' }); // 30: one vCPU, no requests
 * ```
 */
export function billedDurationMs(a: ActorCounts, o: LambdaPricing): number {
  const cpuScale = Math.max(1, MB_PER_VCPU / o.memoryMb);
  const requests = a.dynamo.requests + a.streamPutRequests + a.sinkPuts.requests;
  return Math.max(a.billedMs, a.measuredMs * cpuScale + 0.5 * a.invocations) + a.invocations * o.ioMs + requests * o.requestMs;
}

/**
 * Lambda and CloudWatch Logs dollars of one actor's invocations.
 *
 * @example
 * ```ts
 * lambdaDollars(run.counts.actors['order-timeout'], { memoryMb: 512, ioMs: 0, requestMs: 10, metrics: 'basic' }, PRICES).duration;
 * ```
 */
export function lambdaDollars(a: ActorCounts, o: LambdaPricing, prices: Prices): LambdaDollars {
  const logBytes = a.invocations * (PLATFORM_LOG_BYTES + METRICS_VALUE_BYTES[o.metrics]) + a.metricDocuments * METRICS_DOCUMENT_BYTES[o.metrics] + a.printedBytes;
  return {
    requests: a.invocations * prices.lambdaRequest,
    duration: (billedDurationMs(a, o) / 1000) * (o.memoryMb / 1024) * prices.lambdaGbSecond,
    logs: (logBytes / GB) * prices.cloudWatchLogsIngestGb,
  };
}

/**
 * The custom metrics of the stage handlers, per hour: each name of the level
 * (lib/runtime/metrics.ts) per stage — those published only on occurrence where the stage's run
 * counted any (billed then as if every hour had one: a run does not tell the hours apart).
 *
 * @example
 * ```ts
 * metricsPerHour([emptyActor(), emptyActor(), emptyActor()], 'basic', PRICES); // 3 stages × 3 always published × $0.30 / 730 h
 * ```
 */
export function metricsPerHour(stages: readonly Pick<ActorCounts, 'occurrences'>[], level: MetricsLevel, prices: Prices): number {
  let metrics = 0;
  for (const stage of stages) {
    for (const name of STAGE_METRICS[level]) {
      if (!ON_OCCURRENCE.has(name) || stage.occurrences[name as keyof ActorCounts['occurrences']] > 0) metrics += 1;
    }
  }
  return (metrics * prices.cloudWatchMetricMonth) / prices.hoursPerMonth;
}
