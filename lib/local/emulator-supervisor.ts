/**
 * Supervision of the local stack's emulators (the stack service, lib/local/stack-main.ts, asks
 * for it): when DynamoDB Local or kinesis-mock exits without a stop being asked for, it is
 * started again on the same port and data after a growing delay, and its status says so.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Emulator, EmulatorName, EmulatorStatus } from './emulators.ts';

/** After this many unexpected exits (or failed restarts) in a row, the supervisor retries only every SLOW_RESTART_MS. */
export const RAPID_RESTARTS = 6;
const MAX_BACKOFF_MS = 10_000;
const SLOW_RESTART_MS = 30_000;
/** An emulator that stayed up this long after a restart is healthy again: its next exit starts the backoff afresh. */
const STABLE_MS = 60_000;

/**
 * The supervisor of one emulator, for as long as the stack lives: waits for its process to exit; unless the stack is
 * stopping, starts it again (same port, same data: `launch`) after {@link restartDelay}, until it answers `probe`.
 */
export async function superviseEmulator(s: {
  name: EmulatorName;
  launch: () => Emulator;
  /** Resolves once a (re)started emulator answers; rejects when it does not in time or exits. */
  ready: (emulator: Emulator) => Promise<void>;
  current: Record<EmulatorName, Emulator>;
  status: EmulatorStatus;
  stopped: AbortSignal;
  changed: () => void;
  log: (line: string) => void;
}): Promise<void> {
  const { name, status, stopped, log } = s;
  let inARow = 0; // unexpected exits and failed restarts since it last stayed up STABLE_MS
  let upSince = Date.now();
  for (;;) {
    const exit = await s.current[name].exited;
    if (stopped.aborted) return;
    if (Date.now() - upSince >= STABLE_MS) inARow = 0;
    const how = describeExit(exit);
    Object.assign(status, { state: 'restarting', lastExit: { at: new Date().toISOString(), how } });
    log(`! [${name}] exited unexpectedly (${how}); restarting it on the same port and data`);
    s.changed();
    let lastFailure = `exited (${how})`;
    for (;;) {
      inARow++;
      const delay = restartDelay(inARow);
      if (delay === SLOW_RESTART_MS) {
        // It keeps dying: say so where `eddy stack status` and the log show it, and keep trying, slowly.
        status.failing = `${lastFailure}; ${inARow - 1} failures in a row, retrying every ${SLOW_RESTART_MS / 1000} s`;
        if (inARow === RAPID_RESTARTS + 1) log(`! [${name}] ${status.failing}`);
        s.changed();
      }
      await sleep(delay, undefined, { signal: stopped }).catch(() => {});
      if (stopped.aborted) return;
      const emulator = (s.current[name] = s.launch());
      status.restarts++;
      status.pid = emulator.pid;
      log(`[${name}] restart ${status.restarts} (pid ${emulator.pid}) after ${delay} ms`);
      s.changed();
      try {
        await s.ready(emulator);
      } catch (error) {
        if (stopped.aborted) return; // stop() stops this process too: it is current
        const message = error instanceof Error ? error.message : String(error);
        log(`! [${name}] restart ${status.restarts} failed: ${message}`);
        status.failing = lastFailure = message.split('\n')[0];
        await emulator.stop(); // when it hangs rather than exits: free its port for the next attempt
        s.changed();
        continue;
      }
      upSince = Date.now();
      delete status.failing;
      status.state = 'running';
      log(`[${name}] running again (pid ${emulator.pid}, restart ${status.restarts})`);
      s.changed();
      break;
    }
  }
}

/**
 * How long the supervisor waits before the `attempt`-th restart in a row (1-based): 0.5 s doubling up to 10 s, then,
 * after {@link RAPID_RESTARTS} in a row, 30 s (it keeps dying: keep trying, slowly).
 *
 * @example
 * ```ts
 * restartDelay(1); // 500
 * restartDelay(5); // 8000
 * ```
 */
export function restartDelay(attempt: number): number {
  if (attempt > RAPID_RESTARTS) return SLOW_RESTART_MS;
  return Math.min(500 * 2 ** (Math.max(attempt, 1) - 1), MAX_BACKOFF_MS);
}

function describeExit(exit: Awaited<Emulator['exited']>): string {
  return exit.error ? `could not be started: ${exit.error.message}` : (exit.signal ?? `code ${exit.code}`);
}

