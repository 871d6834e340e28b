import { ProcessFunction, type Collector, type CoProcessFunction, type KeyedCoProcessFunction, type KeyedProcessFunction } from './functions.ts';
import type { OutputTag } from './output-tag.ts';
import type { MapStateDescriptor } from './state-descriptors.ts';
import { BroadcastConnectedStream, BroadcastStream } from './broadcast-stream.ts';
import type { KeyedProcessOptions } from './stage-options.ts';
import type { SinkSpec } from '../connectors/sink-spec.ts';
import type { WatermarkStrategy } from './watermark.ts';
import type { JobGraph, KeySelector, StateBackendKind } from '../plan/graph.ts';
import { GlobalWindows, type WindowAssigner } from '../window/assigners.ts';
import { CountEvictor } from '../window/evictors.ts';
import { CountTrigger, PurgingTrigger } from '../window/triggers.ts';
import { WindowedStream } from '../window/windowed-stream.ts';
import { IntervalJoin } from '../join/interval-join.ts';
import { byAggregate, fieldAggregate, RollingReduce, type NumericField } from './rolling.ts';
import { CoGroupedStreams, JoinedStreams } from '../join/window-join.ts';

/**
 * A stream of records of type T (Flink `DataStream`). Stateless operators chain into the stage
 * that precedes them; `keyBy` starts a new stage.
 *
 * @example
 * ```ts
 * orders.filter((o) => o.amount > 0).map((o) => ({ ...o, cents: o.amount * 100 }))
 *   .keyBy((o) => o.orderId).process(new OrderTimeout())
 *   .sinkTo(KinesisSink.json('paid', { partitionKey: (p) => p.orderId }));
 * ```
 */
export class DataStream<T> {
  constructor(protected readonly graph: JobGraph, readonly nodeId: number) {}

  /**
   * A display name for the operator that made this stream (Flink `name`): `eddy plan` prints it
   * beside the operator. It names nothing else — state is named by `uid`.
   *
   * @example
   * ```ts
   * raw.map(parseOrder).name('parse orders');
   * ```
   */
  name(name: string): this {
    if (name.trim() === '') throw new Error('an operator name must not be empty');
    this.graph.names.set(this.nodeId, name);
    return this;
  }

  map<R>(fn: (value: T) => R): DataStream<R> {
    return new DataStream<R>(this.graph, this.graph.add({ kind: 'map', input: this.nodeId, fn }));
  }

  filter(fn: (value: T) => boolean): DataStream<T> {
    return new DataStream<T>(this.graph, this.graph.add({ kind: 'filter', input: this.nodeId, fn }));
  }

  /**
   * Zero or more records per record: returned as an iterable, or given to a {@link Collector}
   * as in Flink's `FlatMapFunction` (a function of two parameters).
   *
   * @example
   * ```ts
   * lines.flatMap((line) => line.split(' '));
   * lines.flatMap((line: string, out: Collector<string>) => { for (const w of line.split(' ')) out.collect(w); });
   * ```
   */
  flatMap<R>(fn: (value: T) => Iterable<R>): DataStream<R>;
  flatMap<R>(fn: (value: T, out: Collector<R>) => void): DataStream<R>;
  flatMap<R>(fn: ((value: T) => Iterable<R>) | ((value: T, out: Collector<R>) => void)): DataStream<R> {
    const iterable = fn.length >= 2 ? collected(fn as (value: T, out: Collector<R>) => void) : (fn as (value: T) => Iterable<R>);
    return new DataStream<R>(this.graph, this.graph.add({ kind: 'flatMap', input: this.nodeId, fn: iterable }));
  }

  /**
   * Runs a {@link ProcessFunction} on every record, chained into this stage (no shuffle): for
   * routing to side outputs in one pass.
   */
  process<O>(fn: ProcessFunction<T, O>, options: { uid?: string } = {}): ProcessedStream<O> {
    const uid = options.uid ?? `process-${this.graph.nodes.length}`;
    return new ProcessedStream<O>(this.graph, this.graph.add({ kind: 'processFn', input: this.nodeId, fn, uid }));
  }

  /**
   * Merges this stream with others of the same type (Flink `union`). Each input keeps its own
   * stage; after a `keyBy`, the next stage reads them all and its watermark is the minimum of theirs.
   *
   * @example
   * ```ts
   * clicks.map(toActivity).union(views.map(toActivity)).keyBy((a) => a.userId).process(new CountActivity());
   * ```
   */
  union(...others: DataStream<T>[]): DataStream<T> {
    if (others.length === 0) throw new Error('union needs at least one other stream');
    return new DataStream<T>(this.graph, this.graph.add({ kind: 'union', input: this.nodeId, others: others.map((o) => o.nodeId) }));
  }

  /**
   * Joins this stream with another per key and window (Flink `join`): every pair of a key's
   * window, see lib/join/window-join.ts.
   *
   * @example
   * ```ts
   * clicks.join(views).where((c) => c.userId).equalTo((v) => v.userId)
   *   .window(TumblingEventTimeWindows.of(Time.minutes(1))).apply((c, v) => ({ ...c, page: v.page }));
   * ```
   */
  join<T2>(other: DataStream<T2>): JoinedStreams<T, T2> {
    return new JoinedStreams<T, T2>(this, other);
  }

  /**
   * Groups this stream and another per key and window (Flink `coGroup`): both sides' records of
   * a key's window in one call, see lib/join/window-join.ts.
   *
   * @example
   * ```ts
   * clicks.coGroup(views).where((c) => c.userId).equalTo((v) => v.userId)
   *   .window(TumblingEventTimeWindows.of(Time.minutes(1))).apply((cs, vs, out) => out.collect(cs.length - vs.length));
   * ```
   */
  coGroup<T2>(other: DataStream<T2>): CoGroupedStreams<T, T2> {
    return new CoGroupedStreams<T, T2>(this, other);
  }

  /**
   * Connects this stream with another of a different type (Flink `connect`); key both with
   * `keyBy(key1, key2)` and process them in one stage with a {@link KeyedCoProcessFunction}.
   *
   * @example
   * ```ts
   * orders.connect(details).keyBy((o) => o.orderId, (d) => d.orderId).process(new JoinLines(), { uid: 'join' });
   * ```
   */
  connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  /**
   * Connects this stream with a broadcast stream (Flink's broadcast state pattern): process
   * both with a `BroadcastProcessFunction`. This stream is not re-keyed: each of its shards
   * feeds one shard of the next stage, in order.
   */
  connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStream<T, T2>;
  connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2> {
    if (other instanceof BroadcastStream) {
      return new BroadcastConnectedStream<T, T2>(this.graph, this.graph.add({ kind: 'forward', input: this.nodeId }), other.nodeId, false);
    }
    return new ConnectedStreams<T, T2>(this.graph, this.nodeId, other.nodeId);
  }

  /**
   * Makes this a broadcast stream (Flink `broadcast(MapStateDescriptor...)`): connected with
   * another stream, each element reaches every shard of that stage, which keeps the described
   * map states as its broadcast state.
   *
   * @example
   * ```ts
   * const products = new MapStateDescriptor<string, Product>('products');
   * events.connect(productChanges.broadcast(products)).process(new Enrich(), { uid: 'enrich' });
   * ```
   */
  broadcast(...descriptors: MapStateDescriptor<any, any>[]): BroadcastStream<T> {
    if (descriptors.length === 0) throw new Error('broadcast needs at least one MapStateDescriptor (the broadcast state it feeds)');
    return new BroadcastStream<T>(this.graph, this.graph.add({ kind: 'broadcast', input: this.nodeId, descriptors }), descriptors);
  }

  /** Repartitions by key: records of one key go to one shard of the next stage, in order. */
  keyBy<K extends string | number>(key: (value: T) => K): KeyedStream<K, T> {
    const id = this.graph.add({ kind: 'keyBy', input: this.nodeId, key: key as KeySelector<T> });
    return new KeyedStream<K, T>(this.graph, id);
  }

  /** Writes the stream to a sink. */
  sinkTo(sink: SinkSpec<T>): void {
    this.graph.add({ kind: 'sink', input: this.nodeId, sink });
  }

  /**
   * Prints every record (Flink `print`): deployed, one line `<name>> <JSON>` per record in the
   * function's log (CloudWatch Logs); in `eddy replay` / `eddy run` the file `<out>/<name>.jsonl`
   * like any sink; in `eddy/testing` the sink `<name>`. For looking at a stream, not for
   * results: a retried batch prints its records again, and log ingestion is billed per GB.
   *
   * @example
   * ```ts
   * orders.filter((o) => o.amount > 1_000).print('big-orders');
   * ```
   */
  print(name = 'print'): void {
    this.sinkTo({ kind: 'print', name });
  }

  /**
   * Gives the source this stream reads its event time and watermarks (Flink
   * `assignTimestampsAndWatermarks`), replacing the strategy `fromSource` was given. eddy
   * assigns event time where records enter, in the source stage, so this is called on the
   * stream `fromSource` returns; after an operator it is an error (docs/concepts.md says why).
   *
   * @example
   * ```ts
   * job.fromSource(KinesisSource.json('orders', { schema: Order, partitionKey: (o) => o.orderId }))
   *   .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Order>(Time.seconds(5)).withTimestampAssigner((o) => o.ts));
   * ```
   */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): DataStream<T> {
    const node = this.graph.node(this.nodeId);
    if (node.kind !== 'source') {
      throw new Error(
        `assignTimestampsAndWatermarks after ${node.kind}: eddy assigns event time in the source stage, where records enter; call it on the stream fromSource(...) returns (or give fromSource the strategy)`,
      );
    }
    node.watermarks = strategy;
    return this;
  }
}

/** A stream partitioned by key (Flink `KeyedStream`). */
export class KeyedStream<K, T> extends DataStream<T> {
  /**
   * Runs a {@link KeyedProcessFunction} on every record with keyed state and timers.
   * `uid` names the operator's state; keep it stable across job versions (default `process-<n>`).
   * `batchingWindowSeconds` sets this stage's batching window ({@link KeyedProcessOptions}).
   *
   * @example
   * ```ts
   * orders.keyBy((o) => o.orderId).process(new OrderTimeout(), { uid: 'order-timeout', batchingWindowSeconds: 5 });
   * ```
   */
  override process<O>(fn: KeyedProcessFunction<K, T, O>, options: KeyedProcessOptions = {}): ProcessedStream<O> {
    if (fn instanceof ProcessFunction) throw new Error('a keyed stream takes a KeyedProcessFunction (with keyed state and timers); a ProcessFunction goes before keyBy');
    const uid = options.uid ?? `process-${this.graph.nodes.length}`;
    if (!/^[A-Za-z0-9_-]+$/.test(uid)) throw new Error(`operator uid must match [A-Za-z0-9_-]+, got "${uid}"`);
    const id = this.graph.add({ kind: 'process', input: this.nodeId, fn, uid, batchingWindowSeconds: options.batchingWindowSeconds });
    return new ProcessedStream<O>(this.graph, id);
  }

  /**
   * Connects this keyed stream with a broadcast stream: process both with a
   * `KeyedBroadcastProcessFunction` (keyed state and timers, plus the broadcast state).
   *
   * @example
   * ```ts
   * txns.keyBy((t) => t.userId).connect(ruleChanges.broadcast(rules)).process(new Alert(), { uid: 'alert' });
   * ```
   */
  override connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  override connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStream<T, T2>;
  override connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2> {
    if (other instanceof BroadcastStream) return new BroadcastConnectedStream<T, T2>(this.graph, this.nodeId, other.nodeId, true);
    return super.connect(other);
  }

  /**
   * A rolling reduce (Flink `KeyedStream.reduce`): for every record, the key's aggregate so far
   * — the first record as it is, then `reduce(aggregate, record)` — emitted and kept in a value
   * state of the operator `uid`.
   *
   * @example
   * ```ts
   * clicks.keyBy((c) => c.user).reduce((a, b) => ({ ...a, n: a.n + b.n }), { uid: 'clicks-per-user' });
   * ```
   */
  reduce(reduce: (aggregate: T, value: T) => T, options: KeyedProcessOptions = {}): ProcessedStream<T> {
    return this.process(new RollingReduce<K, T>(reduce), { ...options, uid: options.uid ?? `reduce-${this.graph.nodes.length}` });
  }

  /**
   * Rolling sum of a numeric field (Flink `sum`): each record's key's sum so far, in the key's
   * first record (its other fields stay the first record's, as in Flink).
   *
   * @example
   * ```ts
   * sales.keyBy((s) => s.shop).sum('amount', { uid: 'shop-totals' });
   * ```
   */
  sum(field: NumericField<T>, options: KeyedProcessOptions = {}): ProcessedStream<T> {
    return this.reduce(fieldAggregate<T>('sum', field), { ...options, uid: options.uid ?? `sum-${this.graph.nodes.length}` });
  }

  /** Rolling minimum of a numeric field (Flink `min`; other fields: the key's first record's). @example `readings.keyBy((r) => r.sensor).min('celsius')` */
  min(field: NumericField<T>, options: KeyedProcessOptions = {}): ProcessedStream<T> {
    return this.reduce(fieldAggregate<T>('min', field), { ...options, uid: options.uid ?? `min-${this.graph.nodes.length}` });
  }

  /** Rolling maximum of a numeric field (Flink `max`; other fields: the key's first record's). @example `readings.keyBy((r) => r.sensor).max('celsius')` */
  max(field: NumericField<T>, options: KeyedProcessOptions = {}): ProcessedStream<T> {
    return this.reduce(fieldAggregate<T>('max', field), { ...options, uid: options.uid ?? `max-${this.graph.nodes.length}` });
  }

  /** The record with the smallest value of a field so far (Flink `minBy`; on a tie the first, or the latest with `first: false`). @example `readings.keyBy((r) => r.sensor).minBy('celsius')` */
  minBy(field: NumericField<T>, options: KeyedProcessOptions & { first?: boolean } = {}): ProcessedStream<T> {
    const { first, ...rest } = options;
    return this.reduce(byAggregate<T>('min', field, first ?? true), { ...rest, uid: options.uid ?? `minBy-${this.graph.nodes.length}` });
  }

  /** The record with the largest value of a field so far (Flink `maxBy`; on a tie the first, or the latest with `first: false`). @example `readings.keyBy((r) => r.sensor).maxBy('celsius')` */
  maxBy(field: NumericField<T>, options: KeyedProcessOptions & { first?: boolean } = {}): ProcessedStream<T> {
    const { first, ...rest } = options;
    return this.reduce(byAggregate<T>('max', field, first ?? true), { ...rest, uid: options.uid ?? `maxBy-${this.graph.nodes.length}` });
  }

  /**
   * Groups each key's records into windows (Flink `window`).
   *
   * @example
   * ```ts
   * keyed.window(TumblingEventTimeWindows.of(Time.minutes(1))).reduce((a, b) => ({ ...a, n: a.n + b.n }));
   * ```
   */
  window(assigner: WindowAssigner<T>): WindowedStream<K, T> {
    return new WindowedStream<K, T>(this, assigner);
  }

  /**
   * Count windows by arrival order (Flink `countWindow`): the last `size` records of a key,
   * emitted every `slide` records (every `size` without a slide).
   *
   * @example
   * ```ts
   * requests.keyBy((r) => r.ip).countWindow(30, 1).process(new BurstDetector());
   * ```
   */
  countWindow(size: number, slide?: number): WindowedStream<K, T> {
    const windowed = this.window(GlobalWindows.create<T>());
    if (slide === undefined) return windowed.trigger(PurgingTrigger.of(CountTrigger.of<T>(size)));
    return windowed.evictor(CountEvictor.of<T>(size)).trigger(CountTrigger.of<T>(slide));
  }

  /**
   * Joins this keyed stream with another keyed by the same key, record by record within a time
   * interval (Flink `intervalJoin`): both in one keyed stage, see lib/join/interval-join.ts.
   *
   * @example
   * ```ts
   * orders.keyBy((o) => o.orderId).intervalJoin(details.keyBy((d) => d.orderId))
   *   .between(Time.seconds(-5), Time.minutes(10)).process(new OrderLine(), { uid: 'order-lines' });
   * ```
   */
  intervalJoin<T2>(other: KeyedStream<K, T2>): IntervalJoin<K, T, T2> {
    if (other.graph !== this.graph) throw new Error('intervalJoin: both streams must belong to one job');
    return new IntervalJoin<K, T, T2>(new ConnectedKeyedStreams<K, T, T2>(this.graph, this.nodeId, other.nodeId));
  }
}

/** Two connected streams (Flink `ConnectedStreams`); `keyBy` both to process them together. */
export class ConnectedStreams<T1, T2> {
  constructor(private readonly graph: JobGraph, private readonly first: number, private readonly second: number) {}

  /**
   * Runs a {@link CoProcessFunction} on both inputs without keying them: chained into each
   * input's own stage (no shuffle, no state, no timers), its output one stream.
   */
  process<O>(fn: CoProcessFunction<T1, T2, O>, options: { uid?: string } = {}): ProcessedStream<O> {
    const uid = options.uid ?? `co-process-${this.graph.nodes.length}`;
    return new ProcessedStream<O>(this.graph, this.graph.add({ kind: 'coProcessFn', input: this.first, other: this.second, fn, uid }));
  }

  /** Keys both inputs; records of equal keys (as JSON values) meet in one shard of the next stage. */
  keyBy<K extends string | number>(key1: (value: T1) => K, key2: (value: T2) => K): ConnectedKeyedStreams<K, T1, T2> {
    const a = this.graph.add({ kind: 'keyBy', input: this.first, key: key1 as KeySelector<T1> });
    const b = this.graph.add({ kind: 'keyBy', input: this.second, key: key2 as KeySelector<T2> });
    return new ConnectedKeyedStreams<K, T1, T2>(this.graph, a, b);
  }
}

/** Two keyed inputs of one stage. */
export class ConnectedKeyedStreams<K, T1, T2> {
  constructor(private readonly graph: JobGraph, private readonly first: number, private readonly second: number) {}

  /** Runs a {@link KeyedCoProcessFunction}: both inputs share the key's state and timers; options as {@link KeyedStream.process}. */
  process<O>(fn: KeyedCoProcessFunction<K, T1, T2, O>, options: KeyedProcessOptions = {}): ProcessedStream<O> {
    const uid = options.uid ?? `co-process-${this.graph.nodes.length}`;
    if (!/^[A-Za-z0-9_-]+$/.test(uid)) throw new Error(`operator uid must match [A-Za-z0-9_-]+, got "${uid}"`);
    return new ProcessedStream<O>(this.graph, this.graph.add({ kind: 'process', input: this.first, other: this.second, fn, uid, batchingWindowSeconds: options.batchingWindowSeconds }));
  }
}

/** A collector-style flatMap function as one that returns its records. */
function collected<T, R>(fn: (value: T, out: Collector<R>) => void): (value: T) => Iterable<R> {
  return (value) => {
    const rows: R[] = [];
    fn(value, { collect: (row) => rows.push(row) });
    return rows;
  };
}

/** The output of a process function: its main output plus side outputs (Flink `SingleOutputStreamOperator`). */
export class ProcessedStream<T> extends DataStream<T> {
  /** The records the function emitted with `ctx.output(tag, value)`. */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    return new DataStream<X>(this.graph, this.graph.add({ kind: 'sideOutput', input: this.nodeId, tag }));
  }

  /**
   * Names the operator's state (Flink `uid`), as the `uid` option does: keep it stable across
   * job versions, or the state is not found again.
   *
   * @example
   * ```ts
   * keyed.sum('amount').uid('shop-totals');
   * ```
   */
  uid(uid: string): this {
    const node = this.graph.node(this.nodeId);
    if (!('uid' in node)) throw new Error('uid applies to an operator with state (process, a window, a join, a rolling aggregation)');
    if (!/^[A-Za-z0-9_-]+$/.test(uid)) throw new Error(`operator uid must match [A-Za-z0-9_-]+, got "${uid}"`);
    const other = this.graph.nodes.find((n) => n.id !== node.id && 'uid' in n && n.uid === uid);
    if (other) throw new Error(`operator uid "${uid}" is taken by another operator of the job`);
    node.uid = uid;
    return this;
  }

  /** Shards of this stage's input stream (Flink `setParallelism`). */
  setParallelism(parallelism: number): this {
    const node = this.graph.node(this.nodeId);
    if (node.kind !== 'process') throw new Error('setParallelism applies to a process operator');
    if (!Number.isInteger(parallelism) || parallelism < 1) throw new Error(`parallelism must be a positive integer, got ${parallelism}`);
    node.parallelism = parallelism;
    return this;
  }

  /**
   * Where this keyed operator keeps its state and timers, overriding the job's
   * `stateBackend` (Flink chooses heap or RocksDB per job; eddy lets a stage choose).
   *
   * @example
   * ```ts
   * // A join whose buffers outgrow a Lambda container's memory keeps one item per key.
   * left.intervalJoin(right).between(lo, hi).process(new Join(), { uid: 'join' }).setStateBackend('items');
   * ```
   */
  setStateBackend(backend: StateBackendKind): this {
    const node = this.graph.node(this.nodeId);
    if (node.kind !== 'process') throw new Error('setStateBackend applies to a keyed process operator');
    if (backend !== 'log' && backend !== 'items') throw new Error(`state backend must be 'log' or 'items', got "${backend}"`);
    node.stateBackend = backend;
    return this;
  }
}
