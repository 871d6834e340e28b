/**
 * Sliding aggregation in O(1) amortized merges per slide, for functions with no inverse
 * (the "two stacks" algorithm): slices enter at the back, leave at the front; the front keeps
 * suffix aggregates, rebuilt from the back when it runs empty. A window that slides by one
 * slice then costs about three merges, not one per slice it holds (720 for 1 h / 5 s).
 *
 * @example
 * ```ts
 * const agg = new TwoStacks<number>((a, b) => a + b);
 * agg.push(0, 3); agg.push(5000, 4);
 * agg.evictBefore(5000);
 * agg.query(); // 4
 * ```
 */
export class TwoStacks<A> {
  private front: { start: number; agg: A }[] = [];
  private head = 0;
  private back: { start: number; acc: A }[] = [];
  private backAgg: A | undefined;

  constructor(private readonly merge: (older: A, newer: A) => A) {}

  /** Adds the next (youngest) slice. */
  push(start: number, acc: A): void {
    this.back.push({ start, acc });
    this.backAgg = this.backAgg === undefined ? acc : this.merge(this.backAgg, acc);
  }

  /** Drops every slice that starts before `start`. */
  evictBefore(start: number): void {
    for (;;) {
      if (this.head === this.front.length) {
        if (this.back.length === 0 || this.back[0].start >= start) return;
        this.flip();
      }
      if (this.front[this.head].start >= start) return;
      this.head++;
    }
  }

  /** The aggregate of every slice held, oldest first; undefined when empty. */
  query(): A | undefined {
    const front = this.head < this.front.length ? this.front[this.head].agg : undefined;
    if (front === undefined) return this.backAgg;
    return this.backAgg === undefined ? front : this.merge(front, this.backAgg);
  }

  private flip(): void {
    const front: { start: number; agg: A }[] = new Array(this.back.length);
    let agg: A | undefined;
    for (let i = this.back.length - 1; i >= 0; i--) {
      agg = agg === undefined ? this.back[i].acc : this.merge(this.back[i].acc, agg);
      front[i] = { start: this.back[i].start, agg };
    }
    this.front = front;
    this.head = 0;
    this.back = [];
    this.backAgg = undefined;
  }
}
