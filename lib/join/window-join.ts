/**
 * Window join and coGroup (Flink `JoinedStreams`, `CoGroupedStreams`), built as Flink builds
 * them: each side's records are tagged with their side, the two tagged streams are merged
 * (`union`), keyed by the side's key and windowed with lib/window's operator; when a window
 * fires, a window function splits its elements by side and calls the coGroup function (for a
 * join: the join function on every pair of the window's cross product).
 */
import type { Collector } from '../api/functions.ts';
import type { StageOptions } from '../api/stage-options.ts';
import type { DataStream, ProcessedStream } from '../api/stream.ts';
import type { WindowAssigner } from '../window/assigners.ts';
import type { Evictor } from '../window/evictors.ts';
import { ProcessWindowFunction, type WindowContext } from '../window/functions.ts';
import type { Trigger } from '../window/triggers.ts';

/** A record of either input, tagged with its side (Flink `TaggedUnion`): what the join's windows hold. */
export type TaggedUnion<L, R> = { side: 1; value: L } | { side: 2; value: R };

/**
 * Whether a record is one side's record of a window join or coGroup, as its stage receives it
 * (`eddy event` reads the event time of its value).
 *
 * @example
 * ```ts
 * isTaggedUnion({ side: 1, value: { ts: 5 } }); // true
 * ```
 */
export function isTaggedUnion(record: unknown): record is TaggedUnion<unknown, unknown> {
  const r = record as { side?: unknown } | null;
  return typeof r === 'object' && r !== null && (r.side === 1 || r.side === 2) && 'value' in r;
}

/** Joins one pair of a window (Flink `JoinFunction`). @example `{ join: (o, d) => ({ ...o, ...d }) }` */
export interface JoinFunction<L, R, O> {
  join(left: L, right: R): O;
}

/**
 * Gets all records of both sides of one key and window (Flink `CoGroupFunction`), also when
 * one side has none.
 *
 * @example
 * ```ts
 * const countBoth: CoGroupFunction<Click, View, { clicks: number; views: number }> = {
 *   coGroup: (clicks, views, out) => out.collect({ clicks: clicks.length, views: views.length }),
 * };
 * ```
 */
export interface CoGroupFunction<L, R, O> {
  coGroup(lefts: L[], rights: R[], out: Collector<O>): void | Promise<void>;
}

/** Options of a window join's or coGroup's `apply`; `batchingWindowSeconds` applies to its window stage. */
export interface WindowJoinOptions extends StageOptions {
  /** Names the window operator's stage and state (default `join-<n>` / `co-group-<n>`); keep it stable. */
  uid?: string;
}

/** Splits a fired window's tagged records by side and hands them to the coGroup function. */
class CoGroupWindowFunction<L, R, O, K> extends ProcessWindowFunction<TaggedUnion<L, R>, O, K> {
  constructor(private readonly fn: CoGroupFunction<L, R, O>) {
    super();
  }
  async process(_key: K, _ctx: WindowContext, elements: TaggedUnion<L, R>[], out: Collector<O>): Promise<void> {
    const lefts: L[] = [];
    const rights: R[] = [];
    for (const e of elements) {
      if (e.side === 1) lefts.push(e.value);
      else rights.push(e.value);
    }
    await this.fn.coGroup(lefts, rights, out);
  }
}

type Kind = 'join' | 'co-group';

/**
 * Two streams, their keys and the window, with optional trigger, evictor and lateness
 * (Flink `JoinedStreams.WithWindow` / `CoGroupedStreams.WithWindow`).
 */
abstract class TwoInputWindow<L, R, K extends string | number> {
  private triggerFn: Trigger<TaggedUnion<L, R>> | undefined;
  private evictorFn: Evictor<TaggedUnion<L, R>> | undefined;
  private lateness = 0;

  constructor(
    private readonly kind: Kind,
    private readonly left: DataStream<L>,
    private readonly right: DataStream<R>,
    private readonly leftKey: (l: L) => K,
    private readonly rightKey: (r: R) => K,
    private readonly assigner: WindowAssigner<TaggedUnion<L, R>>,
  ) {}

  /** Replaces the assigner's default trigger; it sees tagged records. */
  trigger(trigger: Trigger<TaggedUnion<L, R>>): this {
    this.triggerFn = trigger;
    return this;
  }

  /** Removes tagged records of a window before / after the function runs. */
  evictor(evictor: Evictor<TaggedUnion<L, R>>): this {
    this.evictorFn = evictor;
    return this;
  }

  /** Keeps windows this long after their end; a late record fires its window again (with all its records). */
  allowedLateness(ms: number): this {
    this.lateness = ms;
    return this;
  }

  protected build<O>(fn: CoGroupFunction<L, R, O>, options: WindowJoinOptions): ProcessedStream<O> {
    const tagged = this.left
      .map((value): TaggedUnion<L, R> => ({ side: 1, value }))
      .union(this.right.map((value): TaggedUnion<L, R> => ({ side: 2, value })));
    const keyed = tagged.keyBy((t) => (t.side === 1 ? this.leftKey(t.value) : this.rightKey(t.value)));
    const windowed = keyed.window(this.assigner).allowedLateness(this.lateness);
    if (this.triggerFn) windowed.trigger(this.triggerFn);
    if (this.evictorFn) windowed.evictor(this.evictorFn);
    return windowed.process(new CoGroupWindowFunction<L, R, O, K>(fn), { uid: options.uid ?? `${this.kind}-${keyed.nodeId}`, batchingWindowSeconds: options.batchingWindowSeconds });
  }
}

/** A window join, ready for `apply` (Flink `JoinedStreams.WithWindow`). @example `joined.window(TumblingEventTimeWindows.of(Time.minutes(1))).apply((o, d) => ({ ...o, ...d }))` */
export class JoinWithWindow<L, R, K extends string | number> extends TwoInputWindow<L, R, K> {
  /** Calls `fn` on every (left, right) pair of a key's window, left-major, in arrival order. */
  apply<O>(fn: JoinFunction<L, R, O> | ((left: L, right: R) => O), options: WindowJoinOptions = {}): ProcessedStream<O> {
    const join = typeof fn === 'function' ? fn : (l: L, r: R) => fn.join(l, r);
    return this.build<O>({ coGroup: (lefts, rights, out) => lefts.forEach((l) => rights.forEach((r) => out.collect(join(l, r)))) }, options);
  }
}

/** A window coGroup, ready for `apply` (Flink `CoGroupedStreams.WithWindow`). @example `grouped.window(TumblingEventTimeWindows.of(Time.minutes(1))).apply(countBoth)` */
export class CoGroupWithWindow<L, R, K extends string | number> extends TwoInputWindow<L, R, K> {
  /** Calls `fn` once per key and fired window with the records of each side (one side may be empty). */
  apply<O>(fn: CoGroupFunction<L, R, O> | ((lefts: L[], rights: R[], out: Collector<O>) => void | Promise<void>), options: WindowJoinOptions = {}): ProcessedStream<O> {
    return this.build<O>(typeof fn === 'function' ? { coGroup: fn } : fn, options);
  }
}

/**
 * `a.join(b)` (Flink `JoinedStreams`): `.where(keyA).equalTo(keyB).window(assigner).apply(fn)`.
 *
 * @example
 * ```ts
 * clicks.join(views).where((c) => c.userId).equalTo((v) => v.userId)
 *   .window(TumblingEventTimeWindows.of(Time.minutes(1)))
 *   .apply((c, v) => ({ userId: c.userId, url: c.url, page: v.page }), { uid: 'clicks-views' });
 * ```
 */
export class JoinedStreams<L, R> {
  constructor(private readonly left: DataStream<L>, private readonly right: DataStream<R>) {}
  where<K extends string | number>(leftKey: (l: L) => K) {
    return whereEqualTo(leftKey, (rightKey: (r: R) => K, assigner) => new JoinWithWindow<L, R, K>('join', this.left, this.right, leftKey, rightKey, assigner));
  }
}

/**
 * `a.coGroup(b)` (Flink `CoGroupedStreams`): `.where(keyA).equalTo(keyB).window(assigner).apply(fn)`.
 *
 * @example
 * ```ts
 * clicks.coGroup(views).where((c) => c.userId).equalTo((v) => v.userId)
 *   .window(TumblingEventTimeWindows.of(Time.minutes(1)))
 *   .apply((cs, vs, out) => out.collect({ clicks: cs.length, views: vs.length }), { uid: 'clicks-views' });
 * ```
 */
export class CoGroupedStreams<L, R> {
  constructor(private readonly left: DataStream<L>, private readonly right: DataStream<R>) {}
  where<K extends string | number>(leftKey: (l: L) => K) {
    return whereEqualTo(leftKey, (rightKey: (r: R) => K, assigner) => new CoGroupWithWindow<L, R, K>('co-group', this.left, this.right, leftKey, rightKey, assigner));
  }
}

/** The `.equalTo(keyB).window(assigner)` steps that `join` and `coGroup` share, ending in `build`. */
function whereEqualTo<L, R, K extends string | number, W>(_leftKey: (l: L) => K, build: (rightKey: (r: R) => K, assigner: WindowAssigner<TaggedUnion<L, R>>) => W) {
  return {
    equalTo: (rightKey: (r: R) => K) => ({ window: (assigner: WindowAssigner<TaggedUnion<L, R>>) => build(rightKey, assigner) }),
  };
}
