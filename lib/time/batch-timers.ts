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
  /** Per domain, a binary min-heap by firing order (a record's processing-time check never walks event-time timers). */
  private readonly queues: Record<TimerDomain, Timer[]> = { E: [], P: [] };
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
    if (!this.cache.peek(key)) this.cache.set(key, timerItem(this.layout, timer, key), { absentInStore: timer.ts <= this.knownUpTo[timer.domain] });
    this.enqueue(timer);
  }

  delete(timer: Timer): void {
    this.cache.set(timerItemKey(this.layout, timer), undefined);
  }

  /** Removes and returns the earliest live timer of `domain` due at `bound`, deleting its item. */
  nextDue(domain: TimerDomain, bound: number): Timer | undefined {
    const heap = this.queues[domain];
    while (heap.length > 0 && heap[0].ts <= bound) {
      const t = pop(heap);
      this.queued.delete(timerId(t));
      const key = timerItemKey(this.layout, t);
      if (!this.cache.peek(key)) continue; // deleted (or rolled back) since it was queued
      this.cache.set(key, undefined);
      return t;
    }
    return undefined;
  }

  /** Earliest live timer of `domain` this batch still knows of (Infinity when none). */
  earliestPending(domain: TimerDomain): number {
    const heap = this.queues[domain];
    // Dead timers at the top can go: one registered again is queued again.
    while (heap.length > 0 && !this.cache.peek(timerItemKey(this.layout, heap[0]))) this.queued.delete(timerId(pop(heap)));
    return heap.length > 0 ? heap[0].ts : Infinity;
  }

  private enqueue(timer: Timer): void {
    const id = timerId(timer);
    if (this.queued.has(id)) return;
    this.queued.add(id);
    const heap = this.queues[timer.domain];
    let i = heap.push(timer) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareTimers(heap[parent], timer) <= 0) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = timer;
  }
}

/** Removes the top of a non-empty heap. */
function pop(heap: Timer[]): Timer {
  const top = heap[0];
  const last = heap.pop()!;
  const n = heap.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && compareTimers(heap[child + 1], heap[child]) < 0) child++;
    if (compareTimers(last, heap[child]) <= 0) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = last;
  return top;
}
