/**
 * One scheduled invocation of the sweep. Lambda bills an invocation for as long as it runs,
 * sleeping included, so the invocation makes one pass and returns at once unless some quiet
 * shard needs a tick before the next scheduled invocation; then it sleeps exactly until that
 * moment, passes again, and so on (see `nextPassAt` in sweep-due.ts). The passes and the time
 * spent waiting are returned, which is what the invocation costs.
 */
import type { SweepOptions, SweepResult } from './sweep.ts';

/** Kept free at the end of the Lambda's time for the last pass and for returning. */
export const SWEEP_RESERVE_MS = 10_000;
/** Passes are at least this far apart (the default of `EDDY_SWEEP_INTERVAL_MS`): a due moment every few ms does not make the sweep spin. */
export const SWEEP_MIN_INTERVAL_MS = 1_000;
/** The period assumed for a schedule that is not a `rate(...)` expression. */
const DEFAULT_PERIOD_MS = 60_000;

/** What one invocation did. */
export interface SweepInvocationResult {
  /** Every pass, in order: `passes.length` is how many ran. */
  passes: SweepResult[];
  /** Time spent sleeping between passes, ms (billed by Lambda like the passes themselves). */
  waitedMs: number;
}

export interface InvocationTiming {
  /** The processing time the passes use; `sleep` must advance it. */
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** The schedule's period: the next scheduled invocation comes about this long after this one starts. */
  periodMs: number;
  /** Lambda's time left when the invocation starts; undefined (not in Lambda): a single pass. */
  remainingMs?: number;
  minIntervalMs: number;
  /** A single pass, whatever is due later (`{ "once": true }`, the local runner). */
  once?: boolean;
}

/** One pass at `now`; asked for the next pass's moment when `nextPassWithin` is given. */
export type SweepPass = (options: Pick<SweepOptions, 'now' | 'nextPassWithin'>) => Promise<SweepResult>;

/**
 * Runs the passes of one invocation: one, then more only while a pass says another is needed
 * before the schedule period ends (and before Lambda's time runs out, less a reserve).
 *
 * @example
 * ```ts
 * const ticked = new Map();
 * const { passes, waitedMs } = await runSweepInvocation((pass) => sweepOnce(job, plan, services, { ...pass, ticked }), {
 *   clock: Date.now,
 *   sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
 *   periodMs: 60_000,
 *   remainingMs: context.getRemainingTimeInMillis(),
 *   minIntervalMs: 1_000,
 * });
 * ```
 */
export async function runSweepInvocation(pass: SweepPass, timing: InvocationTiming): Promise<SweepInvocationResult> {
  const { clock, sleep, periodMs, remainingMs, minIntervalMs, once } = timing;
  const start = clock();
  const until = once || remainingMs === undefined ? undefined : Math.min(start + periodMs, start + remainingMs - SWEEP_RESERVE_MS);
  const passes: SweepResult[] = [];
  let waitedMs = 0;
  for (;;) {
    const result = await pass({ now: clock(), nextPassWithin: until === undefined ? undefined : { until, minIntervalMs } });
    passes.push(result);
    const next = result.nextPassAt;
    if (until === undefined || next === undefined || next >= until) return { passes, waitedMs };
    const from = clock();
    // A timer may wake a little early: the pass at `next` must see `next` due.
    for (let now = from; now < next; now = clock()) await sleep(next - now);
    waitedMs += clock() - from;
  }
}

/**
 * The period of an EventBridge `rate(...)` schedule, in ms (60 s for anything else).
 *
 * @example
 * ```ts
 * schedulePeriodMs('rate(1 minute)'); // 60_000
 * schedulePeriodMs('rate(5 minutes)'); // 300_000
 * ```
 */
export function schedulePeriodMs(schedule: string | undefined): number {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(schedule ?? '');
  if (!rate) return DEFAULT_PERIOD_MS;
  const unitMs = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[rate[2] as 'minute' | 'hour' | 'day'];
  return Number(rate[1]) * unitMs;
}
