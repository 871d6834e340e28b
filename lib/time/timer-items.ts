/**
 * Where timers live: in the state table, partitioned by stage and timer partition (a run of
 * contiguous key groups), sorted by domain and time. A stage finds the due timers of a shard
 * with one Query per timer partition its hash range touches, and keeps the hash key on each
 * timer so that ranges that cut through a partition are filtered exactly.
 */
import { MAX_WATERMARK } from '../api/time.ts';
import { hashKeyHex, hashKeyOf, keyGroupOf, timerPartitionOf } from '../plan/partitioning.ts';
import type { Item, ItemKey } from '../state/store.ts';

export type TimerDomain = 'E' | 'P';

export interface Timer {
  key: string;
  namespace: string;
  ts: number;
  domain: TimerDomain;
}

export interface TimerLayout {
  stage: string;
  keyGroups: number;
  partitions: number;
}

const TS_WIDTH = 16; // MAX_WATERMARK has 16 digits

export function tsPart(ts: number): string {
  if (!Number.isInteger(ts) || ts < 0 || ts > MAX_WATERMARK) throw new Error(`timer timestamp must be an integer in [0, ${MAX_WATERMARK}], got ${ts}`);
  return String(ts).padStart(TS_WIDTH, '0');
}

/**
 * The sort-key range of a timer partition that holds the timers of `domain` due at or before
 * `upTo` (a timer's sort key starts with its domain and zero-padded time).
 *
 * @example
 * ```ts
 * store.query('state', timerPartitionKey(stage, 0), dueTimersRange('E', watermark));
 * ```
 */
export function dueTimersRange(domain: TimerDomain, upTo: number): { from: string; to: string } {
  return { from: `${domain}#`, to: `${domain}#${tsPart(Math.floor(upTo))}#\uffff` };
}

export function timerPartitionKey(stage: string, partition: number): string {
  return `t#${stage}#${partition}`;
}

/** Per key: its hash key in hex and its key group (for `groups` key groups); a key has timers registered and fired over and over. */
interface KeyPlacement {
  hex: string;
  groups: number;
  group: number;
}
const placements = new Map<string, KeyPlacement>();
const MAX_PLACEMENTS = 50_000;

function placementOf(key: string, groups: number): KeyPlacement {
  let p = placements.get(key);
  if (p === undefined || p.groups !== groups) {
    const hash = hashKeyOf(key);
    p = { hex: hashKeyHex(hash), groups, group: keyGroupOf(hash, groups) };
    if (placements.size >= MAX_PLACEMENTS) placements.clear();
    placements.set(key, p);
  }
  return p;
}

/** The item key of a timer; unique per (key, namespace, timestamp, domain). */
export function timerItemKey(layout: TimerLayout, timer: Timer): ItemKey {
  const p = placementOf(timer.key, layout.keyGroups);
  return {
    table: 'state',
    pk: timerPartitionKey(layout.stage, timerPartitionOf(p.group, layout.keyGroups, layout.partitions)),
    sk: `${timer.domain}#${tsPart(timer.ts)}#${p.hex}#${timer.key}#${timer.namespace}`,
  };
}

/** The item of a timer (`key`: its item key, when the caller has it already). */
export function timerItem(layout: TimerLayout, timer: Timer, key: ItemKey = timerItemKey(layout, timer)): Item {
  const hk = placementOf(timer.key, layout.keyGroups).hex;
  return { table: key.table, pk: key.pk, sk: key.sk, attrs: { key: timer.key, ns: timer.namespace, ts: timer.ts, dom: timer.domain, hk } };
}

export function timerOfItem(item: Item): Timer {
  return { key: String(item.attrs.key), namespace: String(item.attrs.ns), ts: Number(item.attrs.ts), domain: item.attrs.dom as TimerDomain };
}

export function timerId(t: Timer): string {
  return `${t.domain}\u0001${t.ts}\u0001${t.key}\u0001${t.namespace}`;
}

/** Firing order: by time, then key and namespace, so that a batch fires timers deterministically. */
export function compareTimers(a: Timer, b: Timer): number {
  return a.ts - b.ts || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0);
}
