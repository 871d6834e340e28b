/** The clocks the event source emulation waits by: a manual one moves only when told, and a stop signal ends any wait. */
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../lib/local/clock.ts';

describe('ManualClock', () => {
  it('wakes sleepers in the order of their deadlines, each at its own time', async () => {
    const clock = new ManualClock(1000);
    const woke: [string, number][] = [];
    const sleeper = async (name: string, ms: number) => {
      await clock.sleep(ms);
      woke.push([name, clock.now()]);
    };
    void sleeper('late', 300);
    void sleeper('early', 100);
    await clock.advance(99);
    expect(woke).toEqual([]);
    await clock.advance(500);
    expect(woke).toEqual([['early', 1100], ['late', 1300]]);
    expect(clock.now()).toBe(1599);
  });

  it('runs a loop of sleeps through the time it is advanced by', async () => {
    const clock = new ManualClock();
    const ticks: number[] = [];
    void (async () => {
      for (let i = 0; i < 10; i++) {
        await clock.sleep(250);
        ticks.push(clock.now());
      }
    })();
    await clock.advance(1000);
    expect(ticks).toEqual([250, 500, 750, 1000]);
  });

  it('ends a sleep when its signal aborts, without moving', async () => {
    const clock = new ManualClock();
    const stop = new AbortController();
    const sleeping = clock.sleep(60_000, stop.signal);
    stop.abort();
    await sleeping;
    expect(clock.now()).toBe(0);
    await clock.sleep(5, stop.signal); // already aborted: no wait at all
  });
});

describe('systemClock', () => {
  it('ends a sleep when its signal aborts', async () => {
    const stop = new AbortController();
    const sleeping = systemClock.sleep(600_000, stop.signal);
    stop.abort();
    await expect(sleeping).resolves.toBeUndefined(); // ten minutes otherwise: far past the test's timeout
  });
});
