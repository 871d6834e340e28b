import type { ItemCache } from '../state/item-cache.ts';
import { compareTimers, timerId, timerItem, timerItemKey, type Timer, type TimerDomain, type TimerLayout } from './timer-items.ts';

/** A timer the batch knows of, and what the batch did to it. */
interface TimerEntry {
  id: string;
  timer: Timer;
  /** Registered (or found due in the store) and neither fired nor deleted since. */
  live: boolean;
  /** Whether the store holds it as of the batch's start (undefined: not known). */
  stored: boolean | undefined;
  /** In its domain's queue. */
  queued: boolean;
}

/**
 * The timers one batch knows of: those found due in the store plus those registered during
 * the batch, each once (by key, namespace, time and domain). The batch registers, deletes and
 * fires them here, in memory; {@link flush} turns the net effect into the cache's timer items
 * (one put per new pending timer, one delete per stored timer gone), so a timer registered and
 * fired within a batch costs no item at all. Changes are journaled on the cache (when it
 * journals), so they roll back with the state of a failed record.
 *
 * @example
 * ```ts
 * const timers = new BatchTimers(cache, layout);
 * timers.register({ key: 'o-1', namespace: '-', ts: 180_000, domain: 'E' });
 * const t = timers.nextDue('E', watermark); // the timer, no longer live
 * timers.flush(); // before the batch's state is committed
 * ```
 */
export class BatchTimers {
  /** Per domain, a binary min-heap by firing order (a record's processing-time check never walks event-time timers). */
  private readonly queues: Record<TimerDomain, TimerEntry[]> = { E: [], P: [] };
  private readonly entries = new Map<string, TimerEntry>();
  /** Per domain: every stored timer up to this time was read into the cache (or the hint proved there is none). */
  private readonly knownUpTo: Record<TimerDomain, number> = { E: -Infinity, P: -Infinity };

  constructor(private readonly cache: ItemCache, private readonly layout: TimerLayout) {}

  /** Says that the store's timers of `domain` up to `ts` are all known to the batch. */
  markKnown(domain: TimerDomain, ts: number): void {
    this.knownUpTo[domain] = ts;
  }

  /** Timers read from the store (already seeded into the cache). */
  addExisting(timers: Timer[]): void {
    for (const t of timers) {
      const entry = this.entryOf(t, true);
      entry.live = true;
      this.enqueue(entry);
    }
  }

  register(timer: Timer): void {
    // Not known though all stored timers up to its time are: the store does not hold it.
    const entry = this.entryOf(timer, timer.ts <= this.knownUpTo[timer.domain] ? false : undefined);
    if (!entry.live) this.setLive(entry, true);
    if (!entry.queued) this.enqueue(entry);
  }

  delete(timer: Timer): void {
    const entry = this.entryOf(timer, timer.ts <= this.knownUpTo[timer.domain] ? false : undefined);
    if (entry.live) this.setLive(entry, false);
  }

  /** Removes and returns the earliest live timer of `domain` due at `bound`; it is no longer live. */
  nextDue(domain: TimerDomain, bound: number): Timer | undefined {
    const heap = this.queues[domain];
    while (heap.length > 0 && heap[0].timer.ts <= bound) {
      const entry = pop(heap);
      entry.queued = false;
      if (!entry.live) continue; // deleted (or rolled back) since it was queued
      this.setLive(entry, false);
      // Registered and fired in this batch: nothing to flush, and nothing to undo without a journal. Forgetting it keeps the map small.
      if (entry.stored === false && !this.cache.journals()) this.entries.delete(entry.id);
      return entry.timer;
    }
    return undefined;
  }

  /** Earliest live timer of `domain` this batch still knows of (Infinity when none). */
  earliestPending(domain: TimerDomain): number {
    const heap = this.queues[domain];
    // Dead timers at the top can go: one registered again is queued again.
    while (heap.length > 0 && !heap[0].live) pop(heap).queued = false;
    return heap.length > 0 ? heap[0].timer.ts : Infinity;
  }

  /** Writes the batch's net timer changes to the cache: new pending timers, and stored ones fired or deleted. */
  flush(): void {
    for (const entry of this.entries.values()) {
      if (entry.live && entry.stored !== true) {
        const key = timerItemKey(this.layout, entry.timer);
        this.cache.set(key, timerItem(this.layout, entry.timer, key));
      } else if (!entry.live && entry.stored !== false) {
        this.cache.set(timerItemKey(this.layout, entry.timer), undefined);
      }
    }
  }

  private entryOf(timer: Timer, stored: boolean | undefined): TimerEntry {
    const id = timerId(timer);
    let entry = this.entries.get(id);
    if (!entry) this.entries.set(id, (entry = { id, timer, live: false, stored, queued: false }));
    return entry;
  }

  private setLive(entry: TimerEntry, live: boolean): void {
    this.cache.journalUndo(() => {
      entry.live = !live;
      if (entry.live && !entry.queued) this.enqueue(entry); // a firing undone: due again
    });
    entry.live = live;
  }

  private enqueue(entry: TimerEntry): void {
    entry.queued = true;
    const heap = this.queues[entry.timer.domain];
    let i = heap.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareTimers(heap[parent].timer, entry.timer) <= 0) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }
}

/** Removes the top of a non-empty heap. */
function pop(heap: TimerEntry[]): TimerEntry {
  const top = heap[0];
  const last = heap.pop()!;
  const n = heap.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && compareTimers(heap[child + 1].timer, heap[child].timer) < 0) child++;
    if (compareTimers(last.timer, heap[child].timer) <= 0) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = last;
  return top;
}
