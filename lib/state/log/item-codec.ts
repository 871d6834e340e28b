/**
 * How log entries and snapshot parts spell a shard's items: by what is not derivable from the
 * shard's layout. A timer item's partition, sort key and hash key all follow from its key,
 * namespace, time and domain (lib/time/timer-items.ts), and the 32 hex digits of its hash key
 * are random — they do not deflate, and they made most of a log entry's bytes (order-timeout at
 * 1,000 events/s: 2.1 MB of entries per 20,000 events, 0.69 MB spelled this way). A state
 * item's partition is the stage's prefix and the key. Anything else is kept whole.
 */
import { timerItem, timerOfItem, type Timer } from '../../time/timer-items.ts';
import type { Attributes, Item, ItemKey } from '../store.ts';
import type { ShardLayout } from './layout.ts';

type TimerRow = [key: string, namespace: string, ts: number, domain: Timer['domain']];

/** The stored body: state puts and deletes by key, timers by their four fields, other items whole. */
export interface ItemsBody {
  /** State items: [key, sort key, attributes]. */
  s?: [string, string, Attributes][];
  /** Timers registered. */
  t?: TimerRow[];
  /** Items of any other partition: [pk, sk, attributes]. */
  p?: [string, string, Attributes][];
  /** Deleted state items: [key, sort key]. */
  sd?: [string, string][];
  /** Deleted timers. */
  td?: TimerRow[];
  /** Other deleted items: [pk, sk]. */
  d?: [string, string][];
}

const isTimer = (pk: string) => pk.startsWith('t#');

/**
 * Spells puts and deletes; a delete is given as the item it deletes (a timer's row is its fields).
 *
 * @example
 * ```ts
 * const body = encodeItems(layout, changes.puts, deletedItems);
 * decodeItems(layout, body); // { puts: changes.puts, deletes: the deleted items' keys }
 * ```
 */
export function encodeItems(layout: ShardLayout, puts: readonly Item[], deleted: readonly Item[]): ItemsBody {
  const body: ItemsBody = {};
  const prefix = layout.statePrefix;
  for (const item of puts) {
    if (isTimer(item.pk)) (body.t ??= []).push(timerRow(item));
    else if (item.pk.startsWith(prefix)) (body.s ??= []).push([item.pk.slice(prefix.length), item.sk, item.attrs]);
    else (body.p ??= []).push([item.pk, item.sk, item.attrs]);
  }
  for (const item of deleted) {
    if (isTimer(item.pk)) (body.td ??= []).push(timerRow(item));
    else if (item.pk.startsWith(prefix)) (body.sd ??= []).push([item.pk.slice(prefix.length), item.sk]);
    else (body.d ??= []).push([item.pk, item.sk]);
  }
  return body;
}

/** The items a body spells, each exactly as it was given to {@link encodeItems}. */
export function decodeItems(layout: ShardLayout, body: ItemsBody): { puts: Item[]; deletes: ItemKey[] } {
  const prefix = layout.statePrefix;
  const timer = ([key, namespace, ts, domain]: TimerRow) => timerItem(layout.timers, { key, namespace, ts, domain });
  const puts: Item[] = [
    ...(body.s ?? []).map(([key, sk, attrs]): Item => ({ table: 'state', pk: prefix + key, sk, attrs })),
    ...(body.t ?? []).map(timer),
    ...(body.p ?? []).map(([pk, sk, attrs]): Item => ({ table: 'state', pk, sk, attrs })),
  ];
  const deletes: ItemKey[] = [
    ...(body.sd ?? []).map(([key, sk]): ItemKey => ({ table: 'state', pk: prefix + key, sk })),
    ...(body.td ?? []).map((row) => {
      const { table, pk, sk } = timer(row);
      return { table, pk, sk };
    }),
    ...(body.d ?? []).map(([pk, sk]): ItemKey => ({ table: 'state', pk, sk })),
  ];
  return { puts, deletes };
}

function timerRow(item: Item): TimerRow {
  const t = timerOfItem(item);
  return [t.key, t.namespace, t.ts, t.domain];
}
