/** lib/cost/lambda.ts: billed duration from measured CPU time and waits; CloudWatch per invocation and per stage. */
import { describe, expect, it } from 'vitest';
import { billedDurationMs, lambdaDollars, metricsPerHour } from '../../../lib/cost/lambda.ts';
import { emptyActor } from '../../../lib/cost/meter.ts';
import { PRICES } from '../../../lib/cost/model.ts';

const actor = { ...emptyActor(), invocations: 100, measuredMs: 40, billedMs: 100, dynamo: { ...emptyActor().dynamo, requests: 300 }, streamPutRequests: 50, metricDocuments: 10 };

describe('billedDurationMs', () => {
  it('scales the CPU time measured on a full core to the function\'s share of a vCPU, and adds the waits', () => {
    // at 512 MB a function has 512 / 1769 of a vCPU: 40 ms of CPU take 138 ms; 100 invocations round up half a ms each
    expect(billedDurationMs(actor, { memoryMb: 512, ioMs: 2, requestMs: 10, metrics: 'detailed' as const })).toBeCloseTo(40 * (1769 / 512) + 50 + 100 * 2 + 350 * 10, 9);
    // at 1,769 MB and above, a full vCPU: the measured time, at least the per-invocation rounding already billed
    expect(billedDurationMs(actor, { memoryMb: 3538, ioMs: 0, requestMs: 0, metrics: 'detailed' as const })).toBe(100);
  });
});

describe('lambdaDollars', () => {
  it('prices requests, GB-seconds, the log lines of every invocation and the metrics documents (each gathering its batches\' values), with or without metrics', () => {
    const o = { memoryMb: 1024, ioMs: 0, requestMs: 0, metrics: 'detailed' as const };
    const d = lambdaDollars(actor, o, PRICES);
    expect(d.requests).toBeCloseTo(100 * 0.2e-6, 15);
    expect(d.duration).toBeCloseTo((Math.max(100, 40 * (1769 / 1024) + 50) / 1000) * 1 * 0.0000133334, 15);
    expect(d.logs).toBeCloseTo(((100 * (310 + 50) + 10 * 820) * 0.5) / 2 ** 30, 15); // 100 batches' lines and values, 10 documents
    expect(lambdaDollars(actor, { ...o, metrics: 'none' as const }, PRICES).logs).toBeCloseTo((100 * 310 * 0.5) / 2 ** 30, 15);
  });
});

describe('metricsPerHour', () => {
  const healthy = () => [emptyActor(), emptyActor(), emptyActor()];
  it('charges each custom metric of the level per stage at $0.30 a month; trouble metrics only where the run had some', () => {
    // detailed: 13 names, 3 of them on occurrence (DeadLetters, LateRecords, BatchFailures); basic: 5, 2 on occurrence
    expect(metricsPerHour(healthy(), 'detailed', PRICES)).toBeCloseTo((3 * 10 * 0.3) / 730, 12);
    expect(metricsPerHour(healthy(), 'basic', PRICES)).toBeCloseTo((3 * 3 * 0.3) / 730, 12);
    expect(metricsPerHour(healthy(), 'none', PRICES)).toBe(0);
    const troubled = healthy();
    troubled[1].occurrences.DeadLetters = 2; // basic publishes it
    troubled[2].occurrences.LateRecords = 1; // basic does not have it
    expect(metricsPerHour(troubled, 'basic', PRICES)).toBeCloseTo(((3 * 3 + 1) * 0.3) / 730, 12);
    expect(metricsPerHour(troubled, 'detailed', PRICES)).toBeCloseTo(((3 * 10 + 2) * 0.3) / 730, 12);
  });
});
