import { MAX_WATERMARK } from '../api/time.ts';
import { hashKeyHex, timerPartitionsOfRange, type HashRange } from '../plan/partitioning.ts';
import type { StateReader } from '../state/store.ts';
import { dueTimersRange, timerOfItem, timerPartitionKey, tsPart, type Timer, type TimerDomain, type TimerLayout } from './timer-items.ts';

/** How many timers past the due bound to read to learn when the next one is due. */
const LOOKAHEAD = 25;

/**
 * The timers of one domain in a hash range that are due at `upTo`, plus a lower bound of the
 * next timer's time (Infinity when there is none), so that a stage does not query again until
 * something can be due.
 *
 * @example
 * ```ts
 * const { due, next } = await findDueTimers(store, layout, shardRange, 'E', watermark);
 * ```
 */
export async function findDueTimers(
  store: StateReader,
  layout: TimerLayout,
  range: HashRange,
  domain: TimerDomain,
  upTo: number,
): Promise<{ due: Timer[]; next: number }> {
  const lo = hashKeyHex(range.start);
  const hi = hashKeyHex(range.end);
  const inRange = (hk: string) => hk >= lo && hk <= hi;
  const due: Timer[] = [];
  let next = Infinity;
  for (const partition of timerPartitionsOfRange(range, layout.keyGroups, layout.partitions)) {
    const pk = timerPartitionKey(layout.stage, partition);
    if (upTo >= 0) {
      const items = await store.query('state', pk, dueTimersRange(domain, upTo));
      for (const item of items) if (inRange(String(item.attrs.hk))) due.push(timerOfItem(item));
    }
    if (upTo >= MAX_WATERMARK) continue;
    const after = await store.query('state', pk, { from: `${domain}#${tsPart(Math.max(0, Math.floor(upTo) + 1))}`, to: `${domain}#\uffff`, limit: LOOKAHEAD });
    const firstInRange = after.find((item) => inRange(String(item.attrs.hk)));
    if (firstInRange) next = Math.min(next, Number(firstInRange.attrs.ts));
    else if (after.length === LOOKAHEAD) next = Math.min(next, Number(after[after.length - 1].attrs.ts));
  }
  return { due, next };
}
