/**
 * `eddy state get` and `eddy timers`: a job's keyed state and pending timers as its stages hold
 * them (per-key items: lib/state/keys.ts, lib/time/timer-items.ts; log-structured state:
 * restored read-only from each shard's checkpoint, lib/runtime/inspect.ts), decoded for people.
 */
import type { Job } from '../api/job.ts';
import type { AnyStateDescriptor } from '../api/state-descriptors.ts';
import { stageById, type Plan } from '../plan/plan.ts';
import { decodeKey, encodeKey } from '../runtime/keys.ts';
import { StageTask, type RuntimeServices } from '../runtime/task.ts';
import { statePartition } from '../state/keys.ts';
import type { Item } from '../state/store.ts';
import { timerOfItem, type Timer } from '../time/timer-items.ts';
import { stageStateView, stageTimerItems, type InspectServices } from '../runtime/inspect.ts';

/** One stored state entry of a key: a value, a list, or one entry of a map. */
export interface StateEntry {
  state: string;
  kind: AnyStateDescriptor['kind'] | 'unknown';
  /** `-` outside windows; a window's namespace inside one. */
  namespace: string;
  /** Map state: the entry's user key. */
  mapKey?: unknown;
  value: unknown;
  /** TTL: when the entry expires, in the job's processing time (epoch ms). */
  expiresAt?: number;
  /** TTL: DynamoDB's native expiry attribute (epoch seconds), the table's backstop. */
  nativeExpiresAt?: number;
}

/**
 * Every state item of `key` in the keyed operator of `stageId`, decoded with the operator's
 * state descriptors (opened as a Lambda container would open them). List elements under TTL
 * carry their own expiry, shown as `[value, expiresAt]` pairs.
 *
 * @example
 * ```ts
 * const entries = await readKeyState(job, plan, services, 'order-timeout', 'o-1');
 * ```
 */
export async function readKeyState(job: Job, plan: Plan, services: RuntimeServices, stageId: string, key: string | number): Promise<{ partition: string; entries: StateEntry[] }> {
  const stage = stageById(plan, stageId);
  if (stage.kind !== 'keyed') throw new Error(`stage ${stageId} keeps no keyed state (keyed stages: ${plan.stages.filter((s) => s.kind === 'keyed').map((s) => s.id).join(', ') || 'none'})`);
  const task = await StageTask.create(job, stageId, 'inspect', services, plan);
  const operator = task.chain.keyed!;
  // Longest names first, so that a state named `a#b` is not taken for `a` in namespace `b#...`.
  const descriptors = [...operator.descriptors].sort((a, b) => b.name.length - a.name.length);
  const partition = statePartition(operator.operatorUid, encodeKey(key));
  const items = await (await stageStateView(services, plan, stageId)).query('state', partition);
  return { partition, entries: items.map((item) => decodeEntry(item, descriptors)) };
}

function decodeEntry(item: Item, descriptors: AnyStateDescriptor[]): StateEntry {
  const d = descriptors.find((x) => item.sk.startsWith(`${x.name}#`));
  const rest = d ? item.sk.slice(d.name.length + 1) : item.sk.slice(item.sk.indexOf('#') + 1);
  const isMapEntry = item.attrs.k !== undefined;
  const mapKeyText = isMapEntry ? String(item.attrs.k) : undefined;
  const entry: StateEntry = {
    state: d?.name ?? item.sk.slice(0, Math.max(0, item.sk.indexOf('#'))),
    kind: d?.kind ?? 'unknown',
    namespace: mapKeyText !== undefined && rest.endsWith(`#${mapKeyText}`) ? rest.slice(0, -mapKeyText.length - 1) : rest,
    value: parse(item.attrs.v),
  };
  if (mapKeyText !== undefined) entry.mapKey = parse(mapKeyText);
  if (item.attrs.exp !== undefined) entry.expiresAt = Number(item.attrs.exp);
  if (item.attrs.expiresAt !== undefined) entry.nativeExpiresAt = Number(item.attrs.expiresAt);
  return entry;
}

function parse(value: unknown): unknown {
  try {
    return JSON.parse(String(value));
  } catch {
    return value;
  }
}

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
 * The pending timers of the given stages (all their timer partitions), by time then key.
 *
 * @example
 * ```ts
 * const timers = await listTimers(plan, services, ['order-timeout']);
 * ```
 */
export async function listTimers(plan: Plan, services: InspectServices, stageIds: string[], key?: string | number): Promise<(Timer & { stage: string })[]> {
  const out: (Timer & { stage: string })[] = [];
  const encoded = key === undefined ? undefined : encodeKey(key);
  for (const stage of stageIds) {
    for (const item of await stageTimerItems(services, plan, stage)) {
      const timer = timerOfItem(item);
      if (encoded === undefined || timer.key === encoded) out.push({ ...timer, stage });
    }
  }
  return out.sort((a, b) => a.ts - b.ts || a.stage.localeCompare(b.stage) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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
