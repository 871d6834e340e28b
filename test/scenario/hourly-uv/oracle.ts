// Independent test oracle for the `hourly-uv` scenario (hourly tumbling
// windows with early firings).
//
// Finals are computed straight from the contract by bucketing purchases into
// UTC hours; no watermarks, triggers or state are simulated. Early (non-final)
// firings have no exact expected value, so `checkHourlyStream` checks the
// properties they must satisfy instead. Imports nothing from lib/ or
// functions/ on purpose (only a type from the shared generator).

import type { Purchase } from "../purchases/generator.ts";

export const HOUR_MS = 3_600_000;

export interface HourlyUv {
  hourStart: number;
  uv: number;
}

export interface HourlyOrders {
  hourStart: number;
  orders: number;
}

export interface HourlyFinals {
  uv: HourlyUv[];
  orders: HourlyOrders[];
}

/** One row as emitted by the job: an early firing (final: false) or the hour's final result. */
export interface HourlyRow {
  hourStart: number;
  uv?: number;
  orders?: number;
  final: boolean;
}

/**
 * For each UTC hour [hourStart, hourStart + 1 h) with at least one purchase:
 * the number of distinct userIds (uv) and of events (orders), sorted by hourStart.
 */
export function expectedHourlyFinals(purchases: Purchase[]): HourlyFinals {
  const byHour = new Map<number, { users: Set<string>; orders: number }>();
  for (const p of purchases) {
    const hourStart = Math.floor(p.ts / HOUR_MS) * HOUR_MS;
    let bucket = byHour.get(hourStart);
    if (!bucket) byHour.set(hourStart, (bucket = { users: new Set(), orders: 0 }));
    bucket.users.add(p.userId);
    bucket.orders++;
  }
  const hours = [...byHour.keys()].sort((a, b) => a - b);
  return {
    uv: hours.map((hourStart) => ({ hourStart, uv: byHour.get(hourStart)!.users.size })),
    orders: hours.map((hourStart) => ({ hourStart, orders: byHour.get(hourStart)!.orders })),
  };
}

/**
 * Checks an emitted stream of `field` rows against the contract; returns
 * human-readable violations (empty = ok):
 * - every hour with data has exactly one final row, whose value equals the oracle's;
 * - no final (nor early) row for an hour without data;
 * - early rows of an hour are <= the expected final and non-decreasing, in the given order;
 * - no early row of an hour comes after that hour's final row.
 * Rows of different hours may interleave freely.
 */
export function checkHourlyStream(rows: HourlyRow[], field: "uv" | "orders", finals: HourlyFinals): string[] {
  const expected = new Map<number, number>();
  for (const f of finals.uv) if (field === "uv") expected.set(f.hourStart, f.uv);
  for (const f of finals.orders) if (field === "orders") expected.set(f.hourStart, f.orders);

  const violations: string[] = [];
  const hour = (h: number) => `hour ${h} (${Number.isFinite(h) ? new Date(h).toISOString() : "invalid"})`;
  const finalsSeen = new Map<number, number>(); // hourStart -> number of final rows so far
  const lastEarly = new Map<number, number>(); // hourStart -> value of the previous early row

  rows.forEach((row, i) => {
    const where = `row #${i}, ${hour(row.hourStart)}`;
    const value = row[field];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      violations.push(`${where}: ${field} is missing or not a number (${JSON.stringify(value)})`);
      return;
    }
    const want = expected.get(row.hourStart);
    if (row.final) {
      finalsSeen.set(row.hourStart, (finalsSeen.get(row.hourStart) ?? 0) + 1);
      if (want === undefined) violations.push(`${where}: final row for an hour without data (${field}=${value})`);
      else if (value !== want) violations.push(`${where}: final ${field}=${value}, expected ${want}`);
      return;
    }
    if (want === undefined) {
      violations.push(`${where}: early row for an hour without data (${field}=${value})`);
      return;
    }
    if (finalsSeen.has(row.hourStart)) violations.push(`${where}: early row after the hour's final row`);
    if (value > want) violations.push(`${where}: early ${field}=${value} exceeds the final ${want}`);
    const prev = lastEarly.get(row.hourStart);
    if (prev !== undefined && value < prev) violations.push(`${where}: early ${field} decreased from ${prev} to ${value}`);
    lastEarly.set(row.hourStart, value);
  });

  for (const [hourStart, want] of expected) {
    const n = finalsSeen.get(hourStart) ?? 0;
    if (n === 0) violations.push(`${hour(hourStart)}: no final row (expected ${field}=${want})`);
    else if (n > 1) violations.push(`${hour(hourStart)}: ${n} final rows, expected exactly one`);
  }
  return violations;
}
