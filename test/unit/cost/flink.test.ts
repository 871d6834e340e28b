/** lib/cost/flink.ts: Managed Flink's smallest application, and where eddy's processing cost crosses it. */
import { describe, expect, it } from 'vitest';
import { compareWithFlink, flinkPerHour } from '../../../lib/cost/flink.ts';
import { PRICES } from '../../../lib/cost/model.ts';

describe('flinkPerHour', () => {
  it('is two KPUs and the 50 GB of running storage of the application KPU: about $0.227/h', () => {
    expect(flinkPerHour()).toBeCloseTo(0.22 + 5 / 730, 12);
    expect(flinkPerHour()).toBeCloseTo(0.227, 3);
  });

  it('follows the prices it is given', () => {
    expect(flinkPerHour({ ...PRICES, flinkKpuHour: 1, flinkRunningStorageGbMonth: 0 })).toBe(2);
  });
});

describe('compareWithFlink', () => {
  const flink = 0.22 + 5 / 730;

  it('prices eddy at the rate and finds the rate where the two cost the same', () => {
    const c = compareWithFlink({ rate: 100, fixedPerHour: 0.03, variablePerEvent: 2e-7 });
    expect(c.eddyPerHour).toBeCloseTo(0.03 + 2e-7 * 100 * 3600, 12); // 0.102
    expect(c.ratio).toBeCloseTo(0.102 / flink, 9);
    expect(c.crossoverRate).toBeCloseTo((flink - 0.03) / (2e-7 * 3600), 6); // ≈ 273 events/s
    // at the crossover rate both cost the same
    expect(compareWithFlink({ rate: c.crossoverRate!, fixedPerHour: 0.03, variablePerEvent: 2e-7 }).ratio).toBeCloseTo(1, 9);
  });

  it('has no crossover when the fixed cost alone reaches Flink\'s, or nothing costs per event', () => {
    expect(compareWithFlink({ rate: 10, fixedPerHour: 0.3, variablePerEvent: 1e-7 }).crossoverRate).toBeUndefined();
    expect(compareWithFlink({ rate: 10, fixedPerHour: 0.01, variablePerEvent: 0 }).crossoverRate).toBeUndefined();
  });
});
