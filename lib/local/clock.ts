/**
 * The time the local event source emulation waits by: the system clock for live runs, a
 * manual one for tests and simulations, so that a 60-second batching window takes no minute.
 */

/**
 * What the emulation needs of time: reading it, and waiting (cut short when `signal` aborts).
 *
 * @example
 * ```ts
 * const started = clock.now();
 * await clock.sleep(1000, stopping.signal);
 * ```
 */
export interface Clock {
  /** Milliseconds since the epoch (or since the clock's own zero). */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts; never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Real time: `Date.now()` and `setTimeout`.
 *
 * @example
 * ```ts
 * await systemClock.sleep(100, stopping.signal); // 100 ms, or less if stopping aborts
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

interface Sleeper {
  until: number;
  wake: () => void;
}

/**
 * A clock that moves only when told to. `advance` wakes the sleepers in the order of their
 * deadlines, each at its own time, and lets the work they start settle before moving on (work
 * that waits on promises only; real I/O is not waited for).
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const runner = new EventSourceRunner({ plan, streams, reader: streams, invoke, clock });
 * runner.start();
 * await clock.advance(5_000); // five seconds of polling, at once
 * ```
 */
export class ManualClock implements Clock {
  private readonly sleepers = new Set<Sleeper>();
  /** Counts sleeps begun, to tell when the work woken up has come to rest. */
  private sleepsBegun = 0;

  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    this.sleepsBegun++;
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        until: this.time + ms,
        wake: () => {
          this.sleepers.delete(sleeper);
          signal?.removeEventListener('abort', sleeper.wake);
          resolve();
        },
      };
      this.sleepers.add(sleeper);
      signal?.addEventListener('abort', sleeper.wake, { once: true });
    });
  }

  /** Moves the time forward by `ms`, waking every sleeper whose deadline it passes, earliest first. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await this.settle();
    for (;;) {
      const due = [...this.sleepers].filter((s) => s.until <= target);
      if (due.length === 0) break;
      const next = Math.min(...due.map((s) => s.until));
      this.time = Math.max(this.time, next);
      for (const s of due.filter((x) => x.until === next)) s.wake();
      await this.settle();
    }
    this.time = target;
  }

  /** Lets promise-based work run until a turn of the event loop begins no new sleep. */
  private async settle(): Promise<void> {
    for (let turn = 0; turn < 100; turn++) {
      const before = this.sleepsBegun;
      await new Promise((resolve) => setImmediate(resolve));
      if (this.sleepsBegun === before) return;
    }
  }
}
