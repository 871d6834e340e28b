// Independent test oracle for the `anti-crawler` scenario (per-ip count
// window of 30 requests sliding by 1; alert when they span <= 10 s).
//
// Count windows are defined by ARRIVAL order, not event time, so the oracle
// walks each ip's requests in array order and looks back 29 positions. No
// state, watermarks or evictors are simulated. Imports nothing from lib/ or
// functions/ on purpose.

/** One request; `ts` is its event time (epoch ms, UTC). */
export interface Request {
  ip: string;
  path: string;
  ts: number;
}

export interface Alert {
  ip: string;
  /** ts of the oldest (first to arrive) of the 30 requests. */
  firstTs: number;
  /** ts of the newest (last to arrive) of the 30 requests. */
  lastTs: number;
}

/** Requests per count window. */
export const ALERT_WINDOW_COUNT = 30;
/** Alert when lastTs - firstTs <= this (inclusive bound). */
export const ALERT_MAX_SPAN_MS = 10_000;

/**
 * For every ip and every position i >= 29 of that ip's requests in arrival
 * order: an alert {firstTs: seq[i-29].ts, lastTs: seq[i].ts} when
 * lastTs - firstTs <= 10000. Note lastTs may be < firstTs under
 * out-of-orderness; that still alerts. Sorted by ip (plain string
 * comparison), then by position.
 */
export function expectedAlerts(requests: Request[]): Alert[] {
  const byIp = new Map<string, Request[]>();
  for (const r of requests) {
    const seq = byIp.get(r.ip);
    if (seq) seq.push(r);
    else byIp.set(r.ip, [r]);
  }

  const ips = [...byIp.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Alert[] = [];
  for (const ip of ips) {
    const seq = byIp.get(ip)!;
    for (let i = ALERT_WINDOW_COUNT - 1; i < seq.length; i++) {
      const first = seq[i - (ALERT_WINDOW_COUNT - 1)];
      const last = seq[i];
      if (last.ts - first.ts <= ALERT_MAX_SPAN_MS) out.push({ ip, firstTs: first.ts, lastTs: last.ts });
    }
  }
  return out;
}
