import { MAX_WATERMARK, MIN_WATERMARK } from '../api/time.ts';

/**
 * The event-time watermark of a stage shard: the minimum over its upstream shards (each
 * reports its own watermark in-band), raised by the idle-advance floor that the sweep may
 * set. An upstream that has not reported yet holds the watermark at its minimum, unless it was
 * split or merged from upstreams that did (`lineage`): it starts where its parents were, as
 * its own watermark can only be higher. An upstream at end of input reports {@link MAX_WATERMARK}.
 *
 * @example
 * ```ts
 * const wm = new InputWatermark(['source-orders/shardId-0'], {}, MIN_WATERMARK);
 * wm.update('source-orders/shardId-0', 1000); // true: advanced
 * wm.current(); // 1000
 * ```
 */
export class InputWatermark {
  private readonly reported: Record<string, number>;

  constructor(
    private readonly upstreams: readonly string[],
    reported: Record<string, number>,
    private floor: number,
    private readonly lineage: Readonly<Record<string, readonly string[]>> = {},
    /** Upstreams idle by their source's `withIdleness` (live only): left out while another is active. */
    private readonly isIdle: (upstream: string) => boolean = () => false,
  ) {
    this.reported = { ...reported };
  }

  current(): number {
    const active = this.upstreams.filter((u) => !this.isIdle(u));
    let min = MAX_WATERMARK;
    for (const u of active.length > 0 ? active : this.upstreams) min = Math.min(min, this.reportOf(u));
    if (this.upstreams.length === 0) min = MIN_WATERMARK;
    return Math.max(min, this.floor);
  }

  /** Records a watermark from one upstream shard; true when the combined watermark advanced. */
  update(upstream: string, watermark: number): boolean {
    const before = this.current();
    this.reported[upstream] = Math.max(this.reported[upstream] ?? MIN_WATERMARK, watermark);
    return this.current() > before;
  }

  /** Raises the floor (idle advance); true when the combined watermark advanced. */
  raiseFloor(floor: number): boolean {
    const before = this.current();
    this.floor = Math.max(this.floor, floor);
    return this.current() > before;
  }

  /** True when every upstream shard reported end of input. */
  allEnded(): boolean {
    return this.upstreams.length > 0 && this.upstreams.every((u) => this.reportOf(u) === MAX_WATERMARK);
  }

  private reportOf(upstream: string, depth = 0): number {
    const own = this.reported[upstream];
    if (own !== undefined) return own;
    const parents = this.lineage[upstream];
    if (!parents?.length || depth > 64) return MIN_WATERMARK;
    return Math.max(...parents.map((p) => this.reportOf(p, depth + 1)));
  }

  snapshot(): { reported: Record<string, number>; floor: number } {
    return { reported: { ...this.reported }, floor: this.floor };
  }
}

/** Flink's bounded-out-of-orderness watermark for the largest timestamp seen. */
export function boundedWatermark(maxTimestamp: number, outOfOrdernessMs: number): number {
  return maxTimestamp === MIN_WATERMARK ? MIN_WATERMARK : maxTimestamp - outOfOrdernessMs - 1;
}
