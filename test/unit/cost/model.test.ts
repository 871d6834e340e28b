/** lib/cost/model.ts: the per-batch DynamoDB cost and the dollars of a stream's read path. */
import { describe, expect, it } from 'vitest';
import { batchCost, PRICES, readPathCost } from '../../../lib/cost/model.ts';

describe('batchCost', () => {
  it('charges a stateless (source) batch its checkpoint read and a conditional put of it', () => {
    expect(batchCost(0)).toEqual({ requests: 2, readUnits: 1, writeUnits: 1, transactional: true });
  });
});

describe('readPathCost', () => {
  it('prices invocations, duration, checkpoints, on-demand reads and enhanced fan-out separately', () => {
    const c = readPathCost({ invocations: 10_000, lambdaMs: 200_000, memoryMb: 512, bytesRead: 2 ** 30, consumers: 4, shardHours: 0.5 });
    expect(c.lambdaRequests).toBeCloseTo(0.002, 10); // 10k × $0.20/M
    expect(c.lambdaDuration).toBeCloseTo(200 * 0.5 * 0.0000166667, 10); // 200 s at 0.5 GB
    expect(c.checkpoints).toBeCloseTo(10_000 * (0.125 + 0.625) / 1e6, 10); // 1 RRU + 1 WRU each
    expect(c.kinesisOnDemandReads).toBeCloseTo(0.04, 10); // 1 GB
    expect(c.enhancedFanOut).toBeCloseTo(4 * 0.5 * 0.015 + 0.013, 10);
  });

  it('takes other prices, and scales linearly', () => {
    const usage = { invocations: 1, lambdaMs: 1000, memoryMb: 1024, bytesRead: 0, consumers: 1, shardHours: 1 };
    const free = Object.fromEntries(Object.keys(PRICES).map((k) => [k, 0])) as { [K in keyof typeof PRICES]: number };
    expect(Object.values(readPathCost(usage, free)).every((v) => v === 0)).toBe(true);
    const one = readPathCost(usage);
    const ten = readPathCost({ ...usage, invocations: 10, lambdaMs: 10_000, shardHours: 10 });
    expect(ten.lambdaRequests).toBeCloseTo(10 * one.lambdaRequests, 12);
    expect(ten.lambdaDuration).toBeCloseTo(10 * one.lambdaDuration, 12);
    expect(ten.enhancedFanOut).toBeCloseTo(10 * one.enhancedFanOut, 12);
  });
});
