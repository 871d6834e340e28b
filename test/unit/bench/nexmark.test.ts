/**
 * The Nexmark bench sections run on small inputs: every query's output is checked against the
 * reference inside benchNexmark (it throws otherwise), and benchNexmarkCost fails on any dead
 * letter; here they must finish with a figure for each of the seven queries.
 */
import { describe, expect, it } from 'vitest';
import { benchNexmark } from '../../../bench/nexmark.ts';
import { benchNexmarkCost } from '../../../bench/nexmark-cost.ts';

describe('bench/nexmark.ts and bench/nexmark-cost.ts', () => {
  it('measures every query on checked output', async () => {
    const perCore = await benchNexmark(['--nexmark-events=4000']);
    expect(Object.keys(perCore).sort()).toEqual(['q1', 'q2', 'q3', 'q4', 'q5', 'q7', 'q8']);
    for (const v of Object.values(perCore)) expect(v).toBeGreaterThan(0);
  }, 120_000);

  it('prices every query at 1,000 events/s without a dead letter', async () => {
    const rows = await benchNexmarkCost(['--nexmark-cost-seconds=5']);
    expect(rows.map((r) => r.query)).toEqual(['q1', 'q2', 'q3', 'q4', 'q5', 'q7', 'q8']);
    for (const r of rows) expect(r.perHour).toBeGreaterThan(0);
  }, 180_000);
});
