import { seededRandom } from "../../../lib/runtime/seeded-random.ts";
// Seeded, deterministic request stream for the `anti-crawler` scenario.
//
// Three kinds of ip:
// - normal: sparse requests 2-15 s apart, so no 30 of them fit in 10 s even
//   after reordering by up to 5 s: they never alert;
// - crawler: a few sparse requests around 1-2 bursts of 40-80 requests
//   20-120 ms apart (<= 9.6 s per burst), so windows inside a burst alert and
//   windows straddling sparse requests do not;
// - borderline: exactly 30 requests spanning BORDERLINE_SPANS_MS, sent with
//   zero delay so their arrival order is their ts order: the 10000 ms bound is
//   hit exactly (alert) and missed by 1 ms (no alert).
// Arrival order is the sort on `ts + delay`, delay in [0, maxOutOfOrderMs]; as
// in the other generators, this bounds out-of-orderness by construction.

import type { Request } from "./oracle.ts";

export interface GenerateRequestsOptions {
  /** PRNG seed (32-bit integer; other numbers are truncated to uint32). */
  seed: number;
  /** Number of distinct ips (>= 5): ~10% crawlers, BORDERLINE_SPANS_MS.length borderline, the rest normal. */
  ips: number;
  /** Total number of requests; must cover the crawler and borderline bursts (throws otherwise). */
  requests: number;
  /** Earliest event time. Default 2023-11-14T22:13:20Z. */
  startTs?: number;
  /** Max amount by which an earlier arrival's ts may exceed a later arrival's. Default 5000. */
  maxOutOfOrderMs?: number;
}

/** First-to-last spans of the borderline ips' 30 requests: two alert, one does not. */
export const BORDERLINE_SPANS_MS = [9_999, 10_000, 10_001] as const;
const BORDERLINE_COUNT = 30;

const NORMAL_PATHS = ["/", "/search", "/cart", "/login", "/item/"];

/** Requests in ARRIVAL order (event-time order perturbed within maxOutOfOrderMs). */
export function generateRequests(opts: GenerateRequestsOptions): Request[] {
  const { seed, ips, requests, startTs = 1_700_000_000_000, maxOutOfOrderMs = 5_000 } = opts;
  for (const [name, v] of Object.entries({ requests, startTs, maxOutOfOrderMs })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`generateRequests: ${name} must be a non-negative integer`);
  }
  const crawlers = Math.max(1, Math.round(ips / 10));
  if (!Number.isSafeInteger(ips) || ips < crawlers + BORDERLINE_SPANS_MS.length + 1) {
    throw new Error(`generateRequests: ips must be an integer >= ${crawlers + BORDERLINE_SPANS_MS.length + 1}`);
  }

  const rand = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
  const ipName = (i: number) => `10.0.${Math.floor(i / 256)}.${i % 256}`;

  // Seeded shuffle, so the roles are not tied to the ip numbering.
  const order = Array.from({ length: ips }, (_, i) => i + 1);
  for (let i = order.length - 1; i > 0; i--) {
    const j = int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const crawlerIps = order.slice(0, crawlers).map(ipName);
  const borderlineIps = order.slice(crawlers, crawlers + BORDERLINE_SPANS_MS.length).map(ipName);
  const normalIps = order.slice(crawlers + BORDERLINE_SPANS_MS.length).map(ipName);

  const planned: { r: Request; arrivalKey: number; seq: number }[] = [];
  const push = (ip: string, path: string, ts: number, delay = int(0, maxOutOfOrderMs)) =>
    planned.push({ r: { ip, path, ts }, arrivalKey: ts + delay, seq: planned.length });
  const sparse = (ip: string, from: number, n: number): number => {
    let ts = from;
    for (let k = 0; k < n; k++) push(ip, pick(NORMAL_PATHS), (ts += int(2_000, 15_000)));
    return ts;
  };

  for (const ip of crawlerIps) {
    let ts = sparse(ip, startTs + int(0, 60_000), int(0, 5));
    const bursts = int(1, 2);
    for (let b = 0; b < bursts; b++) {
      const n = int(40, 80);
      let item = int(1, 10_000);
      ts += int(2_000, 15_000); // the burst starts after a sparse-like pause
      for (let k = 0; k < n; k++) push(ip, `/item/${item++}`, (ts += int(20, 120)));
      ts = sparse(ip, ts + int(20_000, 60_000), int(0, 5));
    }
  }
  BORDERLINE_SPANS_MS.forEach((span, b) => {
    const ip = borderlineIps[b];
    const t0 = startTs + int(0, 120_000);
    const middle = Array.from({ length: BORDERLINE_COUNT - 2 }, () => t0 + int(0, span)).sort((x, y) => x - y);
    // Pushed in ts order with delay 0: seq keeps equal ts in push order too.
    for (const ts of [t0, ...middle, t0 + span]) push(ip, `/item/${int(1, 10_000)}`, ts, 0);
  });

  const remaining = requests - planned.length;
  if (remaining < 0) {
    throw new Error(`generateRequests: requests must be >= ${planned.length} for seed ${seed} and ${ips} ips`);
  }
  // Spread the rest over the normal ips at random (multinomial).
  const perIp = new Array<number>(normalIps.length).fill(0);
  for (let k = 0; k < remaining; k++) perIp[int(0, normalIps.length - 1)]++;
  normalIps.forEach((ip, i) => sparse(ip, startTs + int(0, 60_000), perIp[i]));

  planned.sort((a, b) => a.arrivalKey - b.arrivalKey || a.seq - b.seq);
  return planned.map((x) => x.r);
}
