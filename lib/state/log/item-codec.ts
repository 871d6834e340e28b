/**
 * How log entries and snapshot parts spell a shard's items: by what is not derivable from the
 * shard's layout. A timer item's partition, sort key and hash key all follow from its key,
 * namespace, time and domain (lib/time/timer-items.ts), and the 32 hex digits of its hash key
 * are random — they do not deflate, and they made most of a log entry's bytes (order-timeout at
 * 1,000 events/s: 2.1 MB of entries per 20,000 events, 0.69 MB spelled this way). A state
 * item's partition is the stage's prefix and the key. Anything else is kept whole.
 *
 * Timers are grouped by namespace, time and domain (a sliding window registers the same end for
 * every key it holds), and the timers a batch fired are not listed one by one when they are
 * every timer the state held up to a time: `tf` says "every timer of this domain at or before
 * this time that was held before the entry is gone" (hot-items at 10 events/s: a fire every 5 s
 * deletes a timer per item in the window; listed, they were 40 % of its log's bytes).
 */
import { timerItem, timerOfItem, type Timer } from '../../time/timer-items.ts';
import type { Attributes, Item, ItemKey } from '../store.ts';
import type { ShardLayout } from './layout.ts';
import { applyDelta, deltaOf, type Edits } from './value-delta.ts';

type TimerRow = [key: string, namespace: string, ts: number, domain: Timer['domain']];
/** Timers of one namespace, time and domain: their keys. */
type TimerGroup = [namespace: string, ts: number, domain: Timer['domain'], keys: string[]];

/** The stored body: state puts and deletes by key, timers by their four fields, other items whole. */
export interface ItemsBody {
  /** State items: [key, sort key, attributes]. */
  s?: [string, string, Attributes][];
  /** State items as edits of their value before (value-delta.ts): [key, sort key, attributes but `v`, edits of `v`]. */
  sv?: [string, string, Attributes, Edits][];
  /** Timers registered (bodies written before grouping). */
  t?: TimerRow[];
  /** Timers registered, grouped. */
  tg?: TimerGroup[];
  /** Items of any other partition: [pk, sk, attributes]. */
  p?: [string, string, Attributes][];
  /** Deleted state items: [key, sort key]. */
  sd?: [string, string][];
  /** Deleted timers (bodies written before grouping). */
  td?: TimerRow[];
  /** Deleted timers, grouped. */
  tdg?: TimerGroup[];
  /** Fired up to: every timer of the domain at or before the time, held before this body, is deleted. */
  tf?: [domain: Timer['domain'], upTo: number][];
  /** Other deleted items: [pk, sk]. */
  d?: [string, string][];
}

const isTimer = (pk: string) => pk.startsWith('t#');

/** The item before a change, as the reader of a body holds it when it applies the body. */
export type ItemBefore = (key: ItemKey) => Item | undefined;

/** The timers of a domain at or before `upTo` held before a change (the first `limit` of them, in time order per partition). */
export type TimersBefore = (domain: Timer['domain'], upTo: number, limit: number) => Item[];

/**
 * Spells puts and deletes; a delete is given as the item it deletes (a timer's row is its fields).
 * With `before`, a state value that was there already may be spelled as its edits: the body
 * must then be decoded against the same items (the log is applied in order).
 *
 * @example
 * ```ts
 * const body = encodeItems(layout, changes.puts, deletedItems, (key) => state.get(key));
 * decodeItems(layout, body, { before: (key) => state.get(key) }); // { puts: changes.puts, deletes: the deleted items' keys }
 * ```
 */
export function encodeItems(layout: ShardLayout, puts: readonly Item[], deleted: readonly Item[], before?: ItemBefore, timersBefore?: TimersBefore): ItemsBody {
  const body: ItemsBody = {};
  const prefix = layout.statePrefix;
  const registered: TimerRow[] = [];
  for (const item of puts) {
    if (isTimer(item.pk)) registered.push(timerRow(item));
    else if (item.pk.startsWith(prefix)) {
      const key = item.pk.slice(prefix.length);
      const { v, ...rest } = item.attrs;
      const old = before?.(item)?.attrs.v;
      const edits = typeof v === 'string' && typeof old === 'string' ? deltaOf(old, v) : undefined;
      if (edits) (body.sv ??= []).push([key, item.sk, rest, edits]);
      else (body.s ??= []).push([key, item.sk, item.attrs]);
    } else (body.p ??= []).push([item.pk, item.sk, item.attrs]);
  }
  const gone: Item[] = [];
  for (const item of deleted) {
    if (isTimer(item.pk)) gone.push(item);
    else if (item.pk.startsWith(prefix)) (body.sd ??= []).push([item.pk.slice(prefix.length), item.sk]);
    else (body.d ??= []).push([item.pk, item.sk]);
  }
  if (registered.length > 0) body.tg = groupTimers(registered);
  const listed = timersBefore ? firedRanges(gone, timersBefore, body) : gone;
  if (listed.length > 0) body.tdg = groupTimers(listed.map(timerRow));
  return body;
}

/**
 * Per domain: when the deleted timers are every timer held up to the latest of them (a batch's
 * fired timers), records that time in `body.tf` instead of them. Returns the timers still to list.
 */
function firedRanges(gone: Item[], timersBefore: TimersBefore, body: ItemsBody): Item[] {
  const listed: Item[] = [];
  for (const domain of ['E', 'P'] as const) {
    const ofDomain = gone.filter((t) => t.attrs.dom === domain);
    if (ofDomain.length < 2) {
      listed.push(...ofDomain);
      continue;
    }
    const upTo = Math.max(...ofDomain.map((t) => Number(t.attrs.ts)));
    const ids = new Set(ofDomain.map((t) => t.pk + SEP + t.sk));
    // Every timer held up to `upTo` must be among the deleted: look at one more than them to know.
    const held = timersBefore(domain, upTo, ofDomain.length + 1);
    if (held.length <= ofDomain.length && held.every((t) => ids.has(t.pk + SEP + t.sk))) (body.tf ??= []).push([domain, upTo]);
    else listed.push(...ofDomain);
  }
  return listed;
}

const SEP = '\u0000';

function groupTimers(rows: TimerRow[]): TimerGroup[] {
  const groups = new Map<string, TimerGroup>();
  for (const [key, namespace, ts, domain] of rows) {
    const id = `${domain}${SEP}${ts}${SEP}${namespace}`;
    const group = groups.get(id);
    if (group) group[3].push(key);
    else groups.set(id, [namespace, ts, domain, [key]]);
  }
  return [...groups.values()];
}

function ungroup(groups: TimerGroup[] = []): TimerRow[] {
  return groups.flatMap(([namespace, ts, domain, keys]) => keys.map((key): TimerRow => [key, namespace, ts, domain]));
}

/**
 * The items a body spells, each exactly as it was given to {@link encodeItems}: those `keep`
 * accepts (a child shard's range; decided on the key, and a timer's hash), with edited values
 * made from the items `before` gives.
 */
export function decodeItems(layout: ShardLayout, body: ItemsBody, options: { before?: ItemBefore; timersBefore?: TimersBefore; keep?: (item: Item) => boolean } = {}): { puts: Item[]; deletes: ItemKey[] } {
  const prefix = layout.statePrefix;
  const keep = options.keep ?? (() => true);
  const timer = ([key, namespace, ts, domain]: TimerRow) => timerItem(layout.timers, { key, namespace, ts, domain });
  const state = (key: string, sk: string, attrs: Attributes): Item => ({ table: 'state', pk: prefix + key, sk, attrs });
  const edited = ([key, sk, rest, edits]: [string, string, Attributes, Edits]): Item => {
    const item = state(key, sk, rest);
    const old = options.before?.(item)?.attrs.v;
    if (typeof old !== 'string') throw new Error(`state log: an edit of ${item.pk}/${item.sk}, whose value before is not held`);
    return { ...item, attrs: { v: applyDelta(old, edits), ...rest } };
  };
  const puts: Item[] = [
    ...(body.s ?? []).map(([key, sk, attrs]) => state(key, sk, attrs)).filter(keep),
    ...(body.sv ?? []).filter(([key, sk]) => keep(state(key, sk, {}))).map(edited),
    ...[...(body.t ?? []), ...ungroup(body.tg)].map(timer).filter(keep),
    ...(body.p ?? []).map(([pk, sk, attrs]): Item => ({ table: 'state', pk, sk, attrs })).filter(keep),
  ];
  const key = ({ table, pk, sk }: Item): ItemKey => ({ table, pk, sk });
  const deletes: ItemKey[] = [
    ...(body.sd ?? []).map(([k, sk]) => state(k, sk, {})).filter(keep).map(key),
    ...[...(body.td ?? []), ...ungroup(body.tdg)].map(timer).filter(keep).map(key),
    ...(body.tf ?? []).flatMap(([domain, upTo]) => {
      if (!options.timersBefore) throw new Error('state log: an entry deletes the timers fired up to a time, and the timers held before it are not given');
      return options.timersBefore(domain, upTo, Infinity).filter(keep).map(key);
    }),
    ...(body.d ?? []).map(([pk, sk]): Item => ({ table: 'state', pk, sk, attrs: {} })).filter(keep).map(key),
  ];
  return { puts, deletes };
}

function timerRow(item: Item): TimerRow {
  const t = timerOfItem(item);
  return [t.key, t.namespace, t.ts, t.domain];
}
