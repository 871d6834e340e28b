/**
 * The shape every steady-rate input shares: records arrive at exactly `rate` a second (the
 * i-th at i / rate s after the start) and their event time advances with them — each `ts` is
 * its arrival time minus a small random lag of at most `disorderMs`, so that a record can be
 * behind one that arrived before it by at most that much (the jobs allow 5 s). A job's
 * generator plans its records on a timeline of its own (orders, then their payments a delay
 * later, ...); the feed keeps their order and puts them on the steady clock. Records planned
 * `upfront` (a table's bootstrap) arrive all at once a second before the start — `runCost`
 * processes them as a warm-up, left out of the per-hour figures — and come on top of `events`.
 */

/** What a steady generator is asked for. */
export interface SteadyOptions {
  /** Records on the steady clock, over all sources (upfront ones come on top). */
  events: number;
  /** Records per second, all sources together. */
  rate: number;
  seed: number;
  /** Epoch ms of the first arrival (default 2023-11-14T22:00:00Z, a whole hour). */
  startMs?: number;
}

/** Lines per source and when each arrives (ms after the start), as `runCost` takes them. */
export interface SteadyInput {
  lines: Record<string, string[]>;
  arrivalsMs: Record<string, number[]>;
  startMs: number;
}

/** One planned record of a job's own timeline. */
export interface PlannedRecord {
  /** Where it falls on the job's timeline, ms (only the order matters). */
  atMs: number;
  source: string;
  /** The record, given its event time (epoch ms). */
  record: (ts: number) => unknown;
  /** Sent this many times in a row, identical (a producer's retry); each copy is a record of the feed. */
  copies?: number;
  /** Arrives a second before the start (arrival −1000 ms, `ts` = start − 1 s), before the timeline's records. */
  upfront?: boolean;
}

export const DEFAULT_STEADY_START_MS = Math.floor(1_700_000_000_000 / 3_600_000) * 3_600_000;

/**
 * Puts planned records on the steady clock: the upfront ones first, then the first `events`
 * of the others by `atMs`, the i-th arriving at ⌊i × 1000 / rate⌋ ms with `ts` = start + arrival − lag.
 *
 * @example
 * ```ts
 * const input = steadyFeed(planned, { events: 20_000, rate: 10, seed: 1, disorderMs: 4000, random });
 * input.arrivalsMs.orders[10]; // 1000
 * ```
 */
export function steadyFeed(planned: PlannedRecord[], o: SteadyOptions & { disorderMs: number; random: () => number }): SteadyInput {
  const startMs = o.startMs ?? DEFAULT_STEADY_START_MS;
  const upfront = planned.filter((p) => p.upfront);
  const timeline = planned.map((p, i) => ({ p, i })).filter(({ p }) => !p.upfront).sort((a, b) => a.p.atMs - b.p.atMs || a.i - b.i).map(({ p }) => p);
  const lines: Record<string, string[]> = {};
  const arrivalsMs: Record<string, number[]> = {};
  const emit = (source: string, line: string, arrival: number) => {
    (lines[source] ??= []).push(line);
    (arrivalsMs[source] ??= []).push(arrival);
  };
  for (const p of upfront) for (let c = 0; c < (p.copies ?? 1); c++) emit(p.source, JSON.stringify(p.record(startMs - 1000)), -1000);
  let n = 0;
  let slot = 0;
  for (const p of timeline) {
    if (n >= o.events) break;
    const arrival = Math.floor((slot * 1000) / o.rate);
    const line = JSON.stringify(p.record(startMs + arrival - Math.floor(o.random() * (o.disorderMs + 1))));
    for (let c = 0; c < (p.copies ?? 1) && n < o.events; c++, n++, slot++) emit(p.source, line, Math.floor((slot * 1000) / o.rate));
  }
  if (n < o.events) throw new Error(`steady feed: ${timeline.length} planned records make ${n} of the ${o.events} asked for`);
  return { lines, arrivalsMs, startMs };
}

/**
 * Plans a job's timeline long enough for `events` records: `plan(horizonMs)` is asked for the
 * records of its first `horizonMs` (and may add later ones: a payment after its order), the
 * horizon growing until the records inside it are enough.
 *
 * @example
 * ```ts
 * const planned = planEnough(20_000, 10, (horizon) => planOrders(horizon));
 * ```
 */
export function planEnough(events: number, rate: number, plan: (horizonMs: number) => PlannedRecord[]): PlannedRecord[] {
  for (let horizon = ((events * 1000) / rate) * 1.1; ; horizon *= 1.5) {
    const planned = plan(horizon);
    // Only records inside the horizon count: past it, the timeline holds followers (payments, details) but no new orders.
    const count = planned.reduce((n, p) => n + (!p.upfront && p.atMs <= horizon ? (p.copies ?? 1) : 0), 0);
    if (count >= events) return planned;
  }
}
