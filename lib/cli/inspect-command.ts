/**
 * `eddy state get` and `eddy timers`: a job's keyed state and pending timers, read by
 * lib/runtime/inspect.ts (`readKeyState`, `listTimers`), rendered for people.
 */
import { decodeKey } from '../runtime/keys.ts';
import type { StateEntry } from '../runtime/inspect.ts';
import type { Timer } from '../time/timer-items.ts';

/**
 * Renders state entries: `json` as one JSON document, `text` as a table with TTLs relative to `now`.
 *
 * @example
 * ```ts
 * console.log(formatKeyState('order-timeout', 'o-1', partition, entries, 'text', Date.now()));
 * ```
 */
export function formatKeyState(stageId: string, key: string | number, partition: string, entries: StateEntry[], format: 'text' | 'json', now: number): string {
  if (format === 'json') return JSON.stringify({ stage: stageId, key, partition, entries }, null, 2);
  const header = `stage ${stageId}, key ${JSON.stringify(key)} (partition ${partition}): ${entries.length} state item${entries.length === 1 ? '' : 's'}`;
  if (entries.length === 0) return `${header}\n(no state: never seen, cleared, or expired and removed)`;
  const rows = [['STATE', 'KIND', 'NAMESPACE', 'VALUE', 'TTL']];
  for (const e of entries) {
    const value = (e.mapKey !== undefined ? `${JSON.stringify(e.mapKey)} => ` : '') + JSON.stringify(e.value);
    rows.push([e.state, e.kind, e.namespace, value, ttlText(e, now)]);
  }
  return [header, ...table(rows)].join('\n');
}

function ttlText(e: StateEntry, now: number): string {
  if (e.expiresAt === undefined) return e.kind === 'list' ? 'per element (see value)' : 'none';
  const left = e.expiresAt - now;
  const when = new Date(e.expiresAt).toISOString();
  const native = e.nativeExpiresAt !== undefined ? `; table TTL ${new Date(e.nativeExpiresAt * 1000).toISOString()}` : '';
  return `${left > 0 ? `expires ${when} (in ${duration(left)})` : `expired ${when} (${duration(-left)} ago)`}${native}`;
}

/**
 * Renders timers: `json` as JSON Lines (key decoded), `text` as a table with times relative to `now`.
 *
 * @example
 * ```ts
 * console.log(formatTimers(timers, 'text', Date.now()));
 * ```
 */
export function formatTimers(timers: (Timer & { stage: string })[], format: 'text' | 'json', now: number): string {
  const domain = (t: Timer) => (t.domain === 'E' ? 'event-time' : 'processing-time');
  if (format === 'json') {
    return timers.map((t) => JSON.stringify({ stage: t.stage, key: decodeKey(t.key), domain: domain(t), ts: t.ts, time: new Date(t.ts).toISOString(), namespace: t.namespace })).join('\n');
  }
  const count = `${timers.length} pending timer${timers.length === 1 ? '' : 's'}`;
  if (timers.length === 0) return count;
  const rows = [['STAGE', 'KEY', 'DOMAIN', 'TIME', 'NAMESPACE']];
  for (const t of timers) {
    const rel = t.domain === 'P' ? ` (${t.ts > now ? `in ${duration(t.ts - now)}` : 'due'})` : '';
    rows.push([t.stage, t.key, domain(t), `${new Date(t.ts).toISOString()} = ${t.ts}${rel}`, t.namespace]);
  }
  return [...table(rows), count].join('\n');
}

/**
 * Lines of a left-aligned table; the last column is not padded.
 *
 * @example
 * ```ts
 * table([['KEY', 'COUNT'], ['"a"', '3']]); // ['KEY  COUNT', '"a"  3']
 * ```
 */
export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]) : cell)).join('  '));
}

/**
 * A duration for people.
 *
 * @example
 * ```ts
 * duration(3_723_000); // '1h 2m 3s'
 * duration(850);       // '850 ms'
 * ```
 */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return h > 0 ? `${h}h ${m}m ${sec}s` : m > 0 ? `${m}m ${sec}s` : `${sec}s`;
}
