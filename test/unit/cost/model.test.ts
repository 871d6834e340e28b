/** lib/cost/model.ts: the per-batch DynamoDB cost and the dollars of a stream's read path. */
import { describe, expect, it } from 'vitest';
import { batchCost, PRICES, readPathCost } from '../../../lib/cost/model.ts';

describe('batchCost', () => {
  it('charges a stateless (source) batch its checkpoint read and a conditional put of it', () => {
    expect(batchCost(0)).toEqual({ requests: 2, readUnits: 1, writeUnits: 1, transactional: true });
  });

  it('commits a keyed batch the cheapest way: a log inline, in a part, or a transaction', () => {
    // 2 items of 110 B: the checkpoint with their log is still 1 KB (1), the items 2: 3 instead of 2 × 3
    expect(batchCost(2)).toEqual({ requests: 1 + 1 + 1 + 1, readUnits: 3, writeUnits: 3, transactional: false });
    // 50 items: a 5.4 KB log in a part (6) + checkpoint (1) + 50 + the clearing put (1) instead of 2 × 51 or 6 + 50 + 2 × 5
    expect(batchCost(50)).toEqual({ requests: 1 + 1 + (3 + 2), readUnits: 51, writeUnits: 58, transactional: false });
    // items of a full KB: the log is as large as the items, the transaction is cheapest
    expect(batchCost(3, 3, 1000)).toMatchObject({ writeUnits: 8, transactional: true });
  });
});

describe('readPathCost', () => {
  it('prices invocations, duration, checkpoints, on-demand reads and enhanced fan-out separately', () => {
    const c = readPathCost({ invocations: 10_000, lambdaMs: 200_000, memoryMb: 512, bytesRead: 2 ** 30, consumers: 4, shardHours: 0.5 });
    expect(c.lambdaRequests).toBeCloseTo(0.002, 10); // 10k × $0.20/M
    expect(c.lambdaDuration).toBeCloseTo(200 * 0.5 * 0.0000133334, 10); // 200 s at 0.5 GB
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
