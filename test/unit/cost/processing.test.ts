/**
 * lib/cost/processing.ts on a run written by hand — one hour at 100 events/s, counts chosen so
 * that every dollar below can be worked out with a pencil from the list prices (written out
 * here, not taken from PRICES).
 */
import { describe, expect, it } from 'vitest';
import { emptyActor, type ActorCounts, type MeterCounts } from '../../../lib/cost/meter.ts';
import { priceProcessing } from '../../../lib/cost/processing.ts';
import type { CostRun, CostRunStage } from '../../../lib/cost/run.ts';
import type { EnvironmentStats } from '../../../lib/cost/environments.ts';

const GB = 2 ** 30;
const HOUR = 3_600_000;
const LAMBDA_REQUEST = 0.2e-6;
const GB_SECOND = 0.0000133334; // arm64, as deployed
const RRU = 0.125e-6;
const WRU = 0.625e-6;

const actor = (a: Partial<ActorCounts> & { dynamo?: Partial<ActorCounts['dynamo']> }): ActorCounts => {
  const e = emptyActor();
  return { ...e, ...a, dynamo: { ...e.dynamo, ...a.dynamo } };
};
const environments = (pool: number, latestHeldBytes: Record<string, number> = {}): EnvironmentStats => ({
  pool, recycleMinutes: 15, started: pool, recycled: 0, batches: { hit: 0, 'catch-up': 0, restore: 0, unreported: 0 },
  catchUp: { bytes: 0, items: 0 }, restore: { bytes: 0, items: 0 }, restoresAfterRecycle: 0, peakHeldBytes: 0, peakHeldItems: 0, peakHeapBytes: 0, latestHeldBytes,
});

function handRun(overrides: { mode?: 'provisioned' | 'on-demand'; heldBytes?: Record<string, number> } = {}): CostRun {
  const counts = (countWrites: number): MeterCounts => ({
    streams: {
      src: { requests: 3600, records: 360_000, bytes: 36_000_000, billedKb: 360_000, payloadUnits: 360_000 },
      int: { requests: 3600, records: 7200, bytes: 7200 * 2048, billedKb: 7200 * 2, payloadUnits: 7200 },
    },
    actors: {
      'source-events': actor({ invocations: 3600, metricDocuments: 120, measuredMs: 2000, billedMs: 3600, streamPutRequests: 3600, readBilledKb: 360_000, dynamo: { requests: 7200, readUnits: 3600, writeUnits: 3600, byKind: { checkpoint: { readUnits: 3600, writeUnits: 3600 } } } }),
      count: actor({
        invocations: 7200, metricDocuments: 180, measuredMs: 10_000, billedMs: 14_400, readBilledKb: 7200 * 2, sinkPuts: { requests: 7200, records: 360_000, bytes: 0, billedKb: 360_000, payloadUnits: 360_000 },
        dynamo: { requests: 14_400, readUnits: 50_000, writeUnits: countWrites, byKind: { state: { readUnits: 40_000, writeUnits: countWrites - 20_000 }, checkpoint: { readUnits: 10_000, writeUnits: 20_000 } } },
      }),
      '(sweep)': actor({ invocations: 60, billedMs: 60, dynamo: { requests: 60, readUnits: 60, writeUnits: 0, byKind: { checkpoint: { readUnits: 60, writeUnits: 0 } } } }),
    },
  });
  const stage = (id: string, kind: 'source' | 'keyed', stream: string, shards: number, pool: number, held?: Record<string, number>): CostRunStage =>
    ({ id, kind, stream, shards, batchSize: 100, stateful: kind === 'keyed', environments: environments(pool, held) });
  return {
    job: 'hand', rate: 100, seconds: 3600, startMs: 0, recycleMinutes: 15, metrics: 'detailed',
    stages: [stage('source-events', 'source', 'src', 1, 2), stage('count', 'keyed', 'int', 2, 3, overrides.heldBytes)],
    streams: [
      { name: 'src', shards: 1, role: 'source', mode: 'provisioned' },
      { name: 'int', shards: 2, role: 'internal', mode: overrides.mode ?? 'provisioned' },
      { name: 'out', shards: 1, role: 'sink', mode: 'provisioned' },
    ],
    sweep: 'rate(1 minute)', sweepPasses: 60, sweepTicks: 0,
    inputs: { events: 360_000 }, warmup: { records: 0, counts: { streams: {}, actors: {} } }, deadLetters: 0, sinkRecords: { counts: 360_000 },
    counts: counts(100_000),
    feedCounts: counts(90_000),
    drained: true,
    storage: { state: { endedByteMs: GB * HOUR, retainedBytes: 0, ttlByteMs: 0, ttlBytes: 0, openByteMs: 0, openBytes: 0 } },
  };
}

describe('priceProcessing', () => {
  it('prices Lambda, DynamoDB and internal streams of the stages, not the source stream nor the sinks', () => {
    const p = priceProcessing(handRun());
    expect(p.rate).toBe(100);
    expect(p.hours).toBe(1);
    expect(p.variable.lambdaRequests).toBeCloseTo((3600 + 7200) * LAMBDA_REQUEST, 12);
    // measured CPU on a full core × 1,769 / 512 (Lambda's share of a vCPU at 512 MB), + half a ms of rounding an
    // invocation, + 10 ms per AWS request: source 2,000 ms and (7,200 DynamoDB + 3,600 puts) requests; count 10,000 ms
    // and (14,400 + 7,200 sink puts) requests
    const cpu = 1769 / 512;
    const sourceMs = 2000 * cpu + 0.5 * 3600 + 10_800 * 10;
    const countMs = 10_000 * cpu + 0.5 * 7200 + 21_600 * 10;
    expect(p.variable.lambdaDuration).toBeCloseTo(((sourceMs + countMs) / 1000) * 0.5 * GB_SECOND, 12);
    // CloudWatch Logs: START/END/REPORT (310 B) and the detailed values (50 B) per invocation, a document (820 B) per environment a minute (2 + 3 environments, an hour), at $0.50/GB
    expect(p.variable.logs).toBeCloseTo(((10_800 * (310 + 50) + 300 * 820) / GB) * 0.5, 12);
    expect(p.variable.dynamoReads).toBeCloseTo((3600 + 50_000) * RRU, 12);
    expect(p.variable.dynamoWrites).toBeCloseTo((3600 + 100_000) * WRU, 12);
    expect(p.variable.streams).toBeCloseTo(7200 * 0.014e-6, 12); // PUT payload units of the internal stream only
    expect(p.units.perEvent.state).toEqual({ readUnits: 40_000 / 360_000, writeUnits: 80_000 / 360_000 });
    expect(p.drainShare).toBeCloseTo((10_000 * WRU) / p.variable.total, 12);
  });

  it('adds the fixed costs per hour: shard-hours, the sweep a minute, INITs, and storage at $0.25/GB-month', () => {
    const p = priceProcessing(handRun());
    expect(p.fixedPerHour.streams).toBeCloseTo(2 * 0.015, 12);
    const sweepPass = LAMBDA_REQUEST + ((1 + 10) / 1000) * 0.5 * GB_SECOND + RRU + (310 / GB) * 0.5; // 1 ms billed + one request, one read unit, its log lines
    expect(p.fixedPerHour.sweep).toBeCloseTo(60 * sweepPass, 12);
    expect(p.fixedPerHour.metrics).toBeCloseTo((2 * 10 * 0.3) / 730, 12); // the detailed level: 13 custom metrics a stage at $0.30 a month, 3 only on occurrence (none here)
    expect(priceProcessing(handRun(), { metrics: false }).fixedPerHour.metrics).toBe(0);
    expect(p.fixedPerHour.init).toBeCloseTo((2 + 3 + 1) * 4 * 0.4 * 0.5 * GB_SECOND, 12); // 6 environments recycled 4 times an hour
    expect(p.fixedPerHour.projectedRestores).toBe(0); // the per-key backend reports no held state
    expect(p.storage.averageBytes).toBeCloseTo(GB, 3);
    expect(p.storage.perHour).toBeCloseTo(0.25 / 730, 12);
    const variablePerHour = p.variable.total + 0.25 / 730;
    expect(p.perHour).toBeCloseTo(p.fixedPerHour.total + variablePerHour, 12);
    expect(p.perMillion).toBeCloseTo((p.perHour / 360_000) * 1e6, 9);
    expect(p.flink.ratio).toBeCloseTo(p.perHour / (0.22 + 5 / 730), 9);
    expect(p.flink.crossoverRate).toBeCloseTo(((0.22 + 5 / 730 - p.fixedPerHour.total) / variablePerHour) * 100, 6);
    // the feed alone: the drain wrote 10,000 units of the 100,000
    expect(p.live.perHour).toBeCloseTo(p.perHour - 10_000 * WRU, 12);
    expect(p.live.ratio).toBeCloseTo(p.live.perHour / (0.22 + 5 / 730), 9);
  });

  it('prices on-demand internal streams by stream-hour and GB in and out, and reports both modes either way', () => {
    const provisioned = priceProcessing(handRun());
    const onDemand = priceProcessing(handRun({ mode: 'on-demand' }));
    const dataInOut = ((7200 * 2 * 1024) / GB) * (0.08 + 0.04);
    expect(onDemand.variable.streams).toBeCloseTo(dataInOut, 12);
    expect(onDemand.fixedPerHour.streams).toBeCloseTo(0.04, 12);
    expect(onDemand.streamMode).toBe('on-demand');
    for (const p of [provisioned, onDemand]) {
      expect(p.streamModes.provisioned).toBeCloseTo(2 * 0.015 + 7200 * 0.014e-6, 12);
      expect(p.streamModes.onDemand).toBeCloseTo(0.04 + dataInOut, 12);
    }
  });

  it('projects the restores of recycling the run did not see, at the size each shard\'s state had last', () => {
    const p = priceProcessing({ ...handRun({ heldBytes: { s0: 40_960, s1: 8192 } }), seconds: 600 }); // 10 minutes: no round of recycling seen
    // 4 rounds an hour × 3 environments × (10 + 2 read units)
    expect(p.fixedPerHour.projectedRestores).toBeCloseTo(4 * 3 * 12 * RRU, 12);
  });
});
