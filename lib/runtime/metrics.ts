/**
 * Per-stage metrics of the Lambda handler, as CloudWatch Embedded Metric Format lines on stdout
 * (Powertools Metrics), namespace `eddy` (or `POWERTOOLS_METRICS_NAMESPACE`), dimensions
 * `service` (the job) and `stage`. A container publishes at its first batch and then at most
 * once a minute — CloudWatch's standard resolution — gathering the batches in between (each
 * value a sample: sums, counts and maxima stay exact), and at once when a batch has trouble
 * (dead letters, late records, a failure): a document per batch was most of a quiet job's
 * CloudWatch Logs bill. Gathered values wait in the container for its next batch; a container
 * Lambda retires takes them with it (less than a minute's).
 *
 * On by default only inside Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set): the local runner,
 * replay and tests run every stage in one process, where a JSON document per batch on stdout
 * would be noise. `EDDY_METRICS=on|off` forces it either way.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { MAX_WATERMARK, MIN_WATERMARK } from '../api/time.ts';
import type { MetricsLevel } from '../plan/graph.ts';
import type { BatchResult } from './batch.ts';

/**
 * What each level publishes. Every metric name is a custom metric CloudWatch bills by the month
 * ($0.30 each, per stage: its dimensions), so `basic` (the default) keeps what Lambda does not
 * already give for free — Lambda's own metrics have the batch latency (Duration), the iterator
 * age (IteratorAge) and the invocations that threw (Errors). The metrics of
 * {@link ON_OCCURRENCE} are published only in batches where they count something.
 */
export const STAGE_METRICS: Record<MetricsLevel, readonly string[]> = {
  none: [],
  basic: ['DataRecordsIn', 'RecordsOut', 'DeadLetters', 'WatermarkLag', 'BatchFailures'],
  detailed: ['RecordsIn', 'DataRecordsIn', 'RecordsSkipped', 'RecordsOut', 'DeadLetters', 'TimersFired', 'LateRecords', 'StateReads', 'StateWrites', 'BatchLatency', 'IteratorAge', 'WatermarkLag', 'BatchFailures'],
};

/**
 * Metrics of trouble, published only when a batch has some (never as zeros): CloudWatch prorates
 * a custom metric by the hours it receives data, so a healthy stage does not pay for them. An
 * alarm on one treats missing data as none (`TreatMissingData: notBreaching`).
 */
export const ON_OCCURRENCE: ReadonlySet<string> = new Set(['DeadLetters', 'LateRecords', 'BatchFailures']);

/** How long a container gathers its batches' metrics before it publishes them (CloudWatch's standard resolution). */
export const METRICS_FLUSH_MS = 60_000;

/**
 * Whether a container that last published at `lastFlush` (never: undefined) publishes what it
 * gathered after a batch at `now`.
 *
 * @example
 * ```ts
 * metricsDue(undefined, 0, false); // true: a container's first batch
 * metricsDue(0, 30_000, false); // false: gather on
 * metricsDue(0, 30_000, true); // true: trouble is published at once
 * ```
 */
export function metricsDue(lastFlush: number | undefined, now: number, troubled: boolean): boolean {
  return troubled || lastFlush === undefined || now - lastFlush >= METRICS_FLUSH_MS;
}

/** A batch whose metrics are published at once: it has some of {@link ON_OCCURRENCE}. */
export function troubled(result: Pick<BatchResult, 'deadLetters' | 'late'>): boolean {
  return result.deadLetters > 0 || result.late > 0;
}

/** What the handler measured around one batch, besides the batch's own result. */
export interface BatchMeasurement {
  /** Wall-clock time the batch took, ms. */
  latencyMs: number;
  /** Approximate arrival (epoch ms) of the batch's last record: its age is Lambda's IteratorAge. */
  lastArrival: number | undefined;
  /** Items the batch read from and wrote to the state table (store counters before/after). */
  stateReads: number;
  stateWrites: number;
  /** Wall clock at the end of the batch. */
  now: number;
}

/**
 * Whether the handler emits metrics in this environment.
 *
 * @example
 * ```ts
 * metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'eddy-order-timeout-dev-orderTimeout' }); // true
 * ```
 */
export function metricsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.EDDY_METRICS === 'on') return true;
  if (env.EDDY_METRICS === 'off') return false;
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
}

/**
 * The metrics of one stage's handler.
 *
 * @example
 * ```ts
 * const metrics = new StageMetrics('order-timeout', 'order-timeout', 'basic');
 * metrics.batch(result, { latencyMs: 42, lastArrival, stateReads: 10, stateWrites: 4, now: Date.now() });
 * ```
 */
export class StageMetrics {
  private readonly metrics: Metrics;
  private readonly names: ReadonlySet<string>;
  /** Wall clock of the last publication. */
  private lastFlush: number | undefined;

  constructor(jobName: string, stageId: string, level: MetricsLevel = 'basic', env: NodeJS.ProcessEnv = process.env) {
    this.names = new Set(STAGE_METRICS[level]);
    this.metrics = new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'eddy', serviceName: jobName, defaultDimensions: { stage: stageId } });
  }

  /** Adds one batch's metrics; publishes what the container gathered when {@link metricsDue}. */
  batch(result: BatchResult, m: BatchMeasurement): void {
    if (this.names.size === 0) return;
    const count = (name: string, value: number) => this.names.has(name) && (value > 0 || !ON_OCCURRENCE.has(name)) && this.metrics.addMetric(name, MetricUnit.Count, value);
    const ms = (name: string, value: number) => this.names.has(name) && this.metrics.addMetric(name, MetricUnit.Milliseconds, Math.max(0, value));
    count('RecordsIn', result.recordsIn);
    count('DataRecordsIn', result.dataIn);
    count('RecordsSkipped', result.skipped + result.duplicates);
    count('RecordsOut', result.outputs);
    count('DeadLetters', result.deadLetters);
    count('TimersFired', result.timersFired);
    count('LateRecords', result.late);
    count('StateReads', m.stateReads);
    count('StateWrites', m.stateWrites);
    ms('BatchLatency', m.latencyMs);
    if (m.lastArrival !== undefined) ms('IteratorAge', m.now - m.lastArrival);
    // Only a finite watermark has a lag: -inf before the first event, +inf after the end of input.
    if (result.watermark > MIN_WATERMARK && result.watermark < MAX_WATERMARK) ms('WatermarkLag', m.now - result.watermark);
    if (this.metrics.hasStoredMetrics() && metricsDue(this.lastFlush, m.now, troubled(result))) {
      this.flush();
      this.lastFlush = m.now;
    }
  }

  /** Publishes what the container gathered (one EMF line). */
  flush(): void {
    if (this.metrics.hasStoredMetrics()) this.metrics.publishStoredMetrics();
  }

  /** Publishes a failed batch (Lambda delivers it again). */
  failure(): void {
    if (!this.names.has('BatchFailures')) return;
    this.metrics.addMetric('BatchFailures', MetricUnit.Count, 1);
    this.flush();
  }
}
