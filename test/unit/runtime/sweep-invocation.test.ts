/**
 * lib/runtime/sweep-invocation.ts: an invocation passes once, then again only at the moments its
 * passes ask for, within the schedule period and Lambda's time less the reserve; it reports
 * the passes and the time it waited. A fake clock that only `sleep` moves; scripted passes.
 */
import { describe, expect, it } from 'vitest';
import type { SweepOptions, SweepResult } from '../../../lib/runtime/sweep.ts';
import { runSweepInvocation, schedulePeriodMs, SWEEP_RESERVE_MS } from '../../../lib/runtime/sweep-invocation.ts';

const T = 1_800_000_000_000;

/** Passes that answer `nextPassAt` from a script, recording what each was asked; a clock moved by sleeping. */
function scripted(nextPassAts: (number | undefined)[], wakeEarlyBy = 0) {
  let now = T;
  const asked: Pick<SweepOptions, 'now' | 'nextPassWithin'>[] = [];
  const sleeps: number[] = [];
  const timing = {
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms > wakeEarlyBy ? ms - wakeEarlyBy : ms;
    },
    periodMs: 60_000,
    minIntervalMs: 1_000,
  };
  const pass = async (options: Pick<SweepOptions, 'now' | 'nextPassWithin'>): Promise<SweepResult> => {
    asked.push(options);
    return { ticks: [], nextPassAt: nextPassAts[asked.length - 1] };
  };
  return { timing, pass, asked, sleeps };
}

describe('runSweepInvocation', () => {
  it('passes once and waits for nothing when no pass is needed before the next invocation', async () => {
    const { timing, pass, asked } = scripted([undefined]);
    expect(await runSweepInvocation(pass, { ...timing, remainingMs: 70_000 })).toEqual({ passes: [{ ticks: [], nextPassAt: undefined }], waitedMs: 0 });
    expect(asked).toEqual([{ now: T, nextPassWithin: { until: T + 60_000, minIntervalMs: 1_000 } }]);
  });

  it('sleeps exactly until each moment asked for, and adds up the wait', async () => {
    const { timing, pass, asked, sleeps } = scripted([T + 20_000, T + 21_500, undefined]);
    const result = await runSweepInvocation(pass, { ...timing, remainingMs: 70_000 });
    expect(asked.map((a) => a.now)).toEqual([T, T + 20_000, T + 21_500]);
    expect(sleeps).toEqual([20_000, 1_500]);
    expect(result.passes).toHaveLength(3);
    expect(result.waitedMs).toBe(21_500);
  });

  it('sleeps again when woken before the moment, so the pass sees it due', async () => {
    const { timing, pass, asked, sleeps } = scripted([T + 20_000, undefined], 3);
    await runSweepInvocation(pass, { ...timing, remainingMs: 70_000 });
    expect(sleeps).toEqual([20_000, 3]);
    expect(asked.map((a) => a.now)).toEqual([T, T + 20_000]);
  });

  it('asks for passes only until Lambda’s time, less the reserve, when that comes before the period ends', async () => {
    const { timing, pass, asked } = scripted([undefined]);
    await runSweepInvocation(pass, { ...timing, remainingMs: 40_000 });
    expect(asked[0].nextPassWithin).toEqual({ until: T + 40_000 - SWEEP_RESERVE_MS, minIntervalMs: 1_000 });
  });

  it('makes a single pass, asking for no next one, when invoked once or outside Lambda', async () => {
    for (const extra of [{ once: true, remainingMs: 70_000 }, {}]) {
      const { timing, pass, asked } = scripted([T + 5_000]); // would be ignored: the pass was not asked
      const result = await runSweepInvocation(pass, { ...timing, ...extra });
      expect(asked).toEqual([{ now: T, nextPassWithin: undefined }]);
      expect(result.passes).toHaveLength(1);
    }
  });
});

describe('schedulePeriodMs', () => {
  it('reads EventBridge rate expressions, and takes a minute for anything else', () => {
    expect(schedulePeriodMs('rate(1 minute)')).toBe(60_000);
    expect(schedulePeriodMs('rate(5 minutes)')).toBe(300_000);
    expect(schedulePeriodMs('rate(2 hours)')).toBe(7_200_000);
    expect(schedulePeriodMs('cron(0/5 * * * ? *)')).toBe(60_000);
    expect(schedulePeriodMs(undefined)).toBe(60_000);
  });
});
