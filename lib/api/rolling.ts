/**
 * Rolling aggregations of a keyed stream (Flink `KeyedStream.reduce`, `sum`, `min`, `max`,
 * `minBy`, `maxBy`): for every record, the key's aggregate so far, emitted. One keyed process
 * operator holding the aggregate in a value state; they are what `KeyedStream`'s methods of the
 * same names build.
 *
 * As in Flink: `sum`, `min` and `max` change only the field, the other fields are the key's
 * first record's; `minBy` and `maxBy` emit the whole record that has the smallest / largest
 * value of the field so far, the first of equal ones (`first = false`: the latest).
 */
import { KeyedProcessFunction, type Collector, type KeyedContext, type RuntimeContext } from './functions.ts';
import { ValueStateDescriptor } from './state-descriptors.ts';
import type { ValueState } from './state.ts';

/** The fields of `T` whose values are numbers. */
export type NumericField<T> = { [F in keyof T]: T[F] extends number ? F : never }[keyof T] & string;

/**
 * Emits, for every record, `reduce(aggregate so far, record)` (the first record of a key as it
 * is), and keeps it as the key's aggregate.
 *
 * @example
 * ```ts
 * clicks.keyBy((c) => c.user).process(new RollingReduce((a, b) => ({ ...a, n: a.n + b.n })), { uid: 'clicks-per-user' });
 * ```
 */
export class RollingReduce<K, T> extends KeyedProcessFunction<K, T, T> {
  private aggregate!: ValueState<T>;

  constructor(private readonly reduce: (aggregate: T, value: T) => T) {
    super();
  }

  override open(ctx: RuntimeContext): void {
    this.aggregate = ctx.getState(new ValueStateDescriptor<T>('rolling'));
  }

  async processElement(value: T, _ctx: KeyedContext<K>, out: Collector<T>): Promise<void> {
    const before = await this.aggregate.value();
    const next = before === undefined ? value : this.reduce(before, value);
    await this.aggregate.update(next);
    out.collect(next);
  }
}

/** A checked numeric field of a record: a rolling aggregation of anything else is a mistake in the job. */
function numberOf<T>(record: T, field: string, what: string): number {
  const v = (record as Record<string, unknown>)[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${what}("${field}"): the field is not a finite number in ${JSON.stringify(record)}`);
  return v;
}

/**
 * The reduce of `sum`, `min` or `max` over `field`: the aggregate keeps its other fields (the
 * key's first record's) and takes the new value of the field.
 *
 * @example
 * ```ts
 * keyed.process(new RollingReduce(fieldAggregate<Sale>('sum', 'amount')), { uid: 'sales-total' });
 * ```
 */
export function fieldAggregate<T>(kind: 'sum' | 'min' | 'max', field: NumericField<T>): (aggregate: T, value: T) => T {
  const combine = { sum: (a: number, b: number) => a + b, min: Math.min, max: Math.max }[kind];
  return (aggregate, value) => ({ ...aggregate, [field]: combine(numberOf(aggregate, field, kind), numberOf(value, field, kind)) });
}

/**
 * The reduce of `minBy` or `maxBy` over `field`: the record with the smaller / larger value;
 * on a tie the one held (`first`, Flink's default) or the new one.
 *
 * @example
 * ```ts
 * keyed.process(new RollingReduce(byAggregate<Reading>('max', 'celsius')), { uid: 'hottest' });
 * ```
 */
export function byAggregate<T>(kind: 'min' | 'max', field: NumericField<T>, first = true): (aggregate: T, value: T) => T {
  const what = `${kind}By`;
  return (aggregate, value) => {
    const [held, next] = [numberOf(aggregate, field, what), numberOf(value, field, what)];
    if (held === next) return first ? aggregate : value;
    return (kind === 'min' ? next < held : next > held) ? value : aggregate;
  };
}
