/**
 * The estimate behind `internalStreamMode: 'auto'`. Expected dollars are worked out by hand
 * from the list prices (COST.md): provisioned $0.015 per shard-hour + $0.014 per million PUT
 * payload units (25 KB); on-demand $0.04 per stream-hour + $0.12 per GB (in $0.08, out $0.04;
 * GB = 2^30 bytes), records rounded up to 1 KB, four shards. Records: one a second per shard
 * (fewer when events are fewer), each carrying rate × 200 bytes / records.
 */
import { describe, expect, it } from 'vitest';
import { PRICES } from '../../../lib/cost/model.ts';
import { chooseStreamMode, internalStreamMode, provisionedCarries, streamCostPerHour } from '../../../lib/plan/stream-mode.ts';

const GB = 2 ** 30;

describe('streamCostPerHour', () => {
  it('provisioned: shard-hours plus one PUT payload unit per record of up to 25 KB', () => {
    // 100 events/s on 2 shards: 2 records/s of 10,000 B = 1 unit each, 7,200 units an hour.
    expect(streamCostPerHour('provisioned', { eventsPerSecond: 100, shards: 2 })).toBeCloseTo(0.03 + 7200 * 0.014e-6, 12);
    // 10,000 events/s on 2 shards: 2 records/s of 1,000,000 B = 40 units each.
    expect(streamCostPerHour('provisioned', { eventsPerSecond: 10_000, shards: 2 })).toBeCloseTo(0.03 + 2 * 3600 * 40 * 0.014e-6, 12);
    // Half an event a second: half a batch a second per shard, 100 B records.
    expect(streamCostPerHour('provisioned', { eventsPerSecond: 0.5, shards: 2 })).toBeCloseTo(0.03 + 3600 * 0.014e-6, 12);
    expect(streamCostPerHour('provisioned', { eventsPerSecond: 0, shards: 3 })).toBeCloseTo(0.045, 12);
  });

  it('on-demand: the stream-hour plus GB in and out, each of four records a second rounded up to 1 KB', () => {
    // 100 events/s: 4 records/s of 5,000 B, billed 5 KB each.
    expect(streamCostPerHour('on-demand', { eventsPerSecond: 100, shards: 2 })).toBeCloseTo(0.04 + ((4 * 3600 * 5 * 1024) / GB) * 0.12, 12);
    // 10 events/s: 4 records/s of 500 B, billed 1 KB each: rounding doubles the bytes at such rates.
    expect(streamCostPerHour('on-demand', { eventsPerSecond: 10, shards: 7 })).toBeCloseTo(0.04 + ((4 * 3600 * 1024) / GB) * 0.12, 12);
    expect(streamCostPerHour('on-demand', { eventsPerSecond: 0, shards: 2 })).toBeCloseTo(0.04, 12);
    // A larger envelope: 100 events/s of 1,000 B are 4 records/s of 25,000 B, billed 25 KB each.
    expect(streamCostPerHour('on-demand', { eventsPerSecond: 100, shards: 2, envelopeBytes: 1000 })).toBeCloseTo(0.04 + ((4 * 3600 * 25 * 1024) / GB) * 0.12, 12);
  });

  it('takes other prices', () => {
    const free = { ...PRICES, kinesisShardHour: 0, kinesisPutPayloadUnit: 0 };
    expect(streamCostPerHour('provisioned', { eventsPerSecond: 100, shards: 8 }, free)).toBe(0);
  });

  it('refuses a load that is not one', () => {
    expect(() => streamCostPerHour('provisioned', { eventsPerSecond: -1, shards: 2 })).toThrow(/plannedEventsPerSecond must be a non-negative number/);
    expect(() => streamCostPerHour('on-demand', { eventsPerSecond: Number.NaN, shards: 2 })).toThrow(/plannedEventsPerSecond/);
    expect(() => streamCostPerHour('provisioned', { eventsPerSecond: 1, shards: 0 })).toThrow(/positive whole number of shards/);
  });
});

describe('provisionedCarries', () => {
  it('holds while the planned shards take the rate at 1 MiB/s each', () => {
    expect(provisionedCarries({ eventsPerSecond: 10_485, shards: 2 })).toBe(true); // 2,097,000 B/s ≤ 2,097,152
    expect(provisionedCarries({ eventsPerSecond: 10_486, shards: 2 })).toBe(false); // 2,097,200 B/s
    expect(provisionedCarries({ eventsPerSecond: 5_243, shards: 1, envelopeBytes: 100 })).toBe(true);
  });
});

describe('chooseStreamMode', () => {
  it('keeps one or two shards provisioned at any rate they carry', () => {
    for (const eventsPerSecond of [0, 1, 100, 1000, 5000]) expect(chooseStreamMode({ eventsPerSecond, shards: 1 }), `${eventsPerSecond}/s`).toBe('provisioned');
    for (const eventsPerSecond of [0, 1, 100, 1000, 10_000]) expect(chooseStreamMode({ eventsPerSecond, shards: 2 }), `${eventsPerSecond}/s`).toBe('provisioned');
  });

  it('picks on-demand for three or more shards at low rates, up to the break-even rate', () => {
    // 3 shards: provisioned $0.045 + 10,800 units = $0.0451512. On-demand at 61/s: 4 × 3,050 B → 3 KB each
    // ($0.04 + 44,236,800 B × $0.12/GB = $0.0449); at 62/s 3,100 B → 4 KB each ($0.0466).
    expect(chooseStreamMode({ eventsPerSecond: 61, shards: 3 })).toBe('on-demand');
    expect(chooseStreamMode({ eventsPerSecond: 62, shards: 3 })).toBe('provisioned');
    // 4 shards: provisioned $0.0602016. On-demand at 245/s: 12,250 B → 12 KB ($0.0598); at 246/s → 13 KB ($0.0614).
    expect(chooseStreamMode({ eventsPerSecond: 100, shards: 4 })).toBe('on-demand');
    expect(chooseStreamMode({ eventsPerSecond: 245, shards: 4 })).toBe('on-demand');
    expect(chooseStreamMode({ eventsPerSecond: 246, shards: 4 })).toBe('provisioned');
    expect(chooseStreamMode({ eventsPerSecond: 1000, shards: 4 })).toBe('provisioned');
  });

  it('picks on-demand when the planned shards cannot carry the rate, however dear', () => {
    expect(chooseStreamMode({ eventsPerSecond: 10_486, shards: 2 })).toBe('on-demand');
  });
});

describe('internalStreamMode', () => {
  it('follows the option, and `auto` the chooser', () => {
    expect(internalStreamMode('on-demand', { eventsPerSecond: 100, shards: 2 })).toBe('on-demand');
    expect(internalStreamMode('provisioned', { eventsPerSecond: 100, shards: 4 })).toBe('provisioned');
    expect(internalStreamMode('auto', { eventsPerSecond: 100, shards: 4 })).toBe('on-demand');
    expect(internalStreamMode('auto', { eventsPerSecond: 100, shards: 2 })).toBe('provisioned');
  });

  it('refuses an unknown mode, and a planned rate that is not one whatever the mode', () => {
    expect(() => internalStreamMode('ON_DEMAND' as never, { eventsPerSecond: 100, shards: 2 })).toThrow(/internalStreamMode must be 'provisioned', 'on-demand' or 'auto', got "ON_DEMAND"/);
    expect(() => internalStreamMode('provisioned', { eventsPerSecond: -1, shards: 2 })).toThrow(/plannedEventsPerSecond must be a non-negative number/);
  });
});
