import type { ItemCache } from '../state/item-cache.ts';
import { compareTimers, timerId, timerItem, timerItemKey, type Timer, type TimerDomain, type TimerLayout } from './timer-items.ts';

/**
 * The timers one batch knows of: those found due in the store plus those registered during
 * the batch. Registrations and deletions are writes on the batch's {@link ItemCache}, so they
 * commit (or roll back) with the state; the queue only proposes candidates, and a candidate
 * fires only if its item still exists: a deleted timer never fires, a fired one is deleted.
 *
 * @example
 * ```ts
 * const timers = new BatchTimers(cache, layout);
 * timers.register({ key: 'o-1', namespace: '-', ts: 180_000, domain: 'E' });
 * const t = timers.nextDue('E', watermark); // the timer, now deleted in the cache
 * ```
 */
export class BatchTimers {
  private readonly queue: Timer[] = [];
  private readonly queued = new Set<string>();
  /** Per domain: every stored timer up to this time was read into the cache (or the hint proved there is none). */
  private readonly knownUpTo: Record<TimerDomain, number> = { E: -Infinity, P: -Infinity };

  constructor(private readonly cache: ItemCache, private readonly layout: TimerLayout) {}

  /** Says that the store's timers of `domain` up to `ts` are all known to the batch. */
  markKnown(domain: TimerDomain, ts: number): void {
    this.knownUpTo[domain] = ts;
  }

  /** Timers read from the store (already seeded into the cache). */
  addExisting(timers: Timer[]): void {
    for (const t of timers) this.enqueue(t);
  }

  register(timer: Timer): void {
    const key = timerItemKey(this.layout, timer);
    // Not in the cache though all stored timers up to its time are: the store does not hold it.
    if (!this.cache.peek(key)) this.cache.set(key, timerItem(this.layout, timer), { absentInStore: timer.ts <= this.knownUpTo[timer.domain] });
    this.enqueue(timer);
  }

  delete(timer: Timer): void {
    this.cache.set(timerItemKey(this.layout, timer), undefined);
  }

  /** Removes and returns the earliest live timer of `domain` due at `bound`, deleting its item. */
  nextDue(domain: TimerDomain, bound: number): Timer | undefined {
    for (let i = 0; i < this.queue.length; i++) {
      const t = this.queue[i];
      if (t.ts > bound) break;
      if (t.domain !== domain) continue;
      this.queue.splice(i, 1);
      this.queued.delete(timerId(t));
      const key = timerItemKey(this.layout, t);
      if (!this.cache.peek(key)) {
        i--;
        continue;
      }
      this.cache.set(key, undefined);
      return t;
    }
    return undefined;
  }

  /** Earliest live timer of `domain` this batch still knows of (Infinity when none). */
  earliestPending(domain: TimerDomain): number {
    for (const t of this.queue) if (t.domain === domain && this.cache.peek(timerItemKey(this.layout, t))) return t.ts;
    return Infinity;
  }

  private enqueue(timer: Timer): void {
    const id = timerId(timer);
    if (this.queued.has(id)) return;
    this.queued.add(id);
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareTimers(this.queue[mid], timer) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, timer);
  }
}
