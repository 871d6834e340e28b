import {
  KeyedCoProcessFunction,
  TimeDomain,
  type Collector,
  type KeyedContext,
  type KeyedProcessFunction,
  type OnTimerContext,
  type RuntimeContext,
  type TimerService,
} from '../api/functions.ts';
import type { OutputTag } from '../api/output-tag.ts';
import type { AnyStateDescriptor } from '../api/state-descriptors.ts';
import { ItemCache } from '../state/item-cache.ts';
import { createStateHandle, type KeyScope } from '../state/handles.ts';
import { stateItemKey, VOID_NAMESPACE } from '../state/keys.ts';
import type { ItemKey } from '../state/store.ts';
import type { BatchTimers } from '../time/batch-timers.ts';
import type { Timer } from '../time/timer-items.ts';
import { decodeKey } from './keys.ts';

/**
 * What built-in operators written as process functions (the window operators) may do beyond
 * the public context: stamp their outputs with a chosen event time (Flink's
 * `TimestampedCollector.setAbsoluteTimestamp`; window results carry the window's last instant).
 */
export const OPERATOR_INTERNALS = Symbol('eddy.operator-internals');
export interface OperatorInternals {
  setOutputTimestamp(ts: number | undefined): void;
}

/** The internals behind a context handed to a process function. */
export function operatorInternals(ctx: object): OperatorInternals {
  const internals = (ctx as { [OPERATOR_INTERNALS]?: OperatorInternals })[OPERATOR_INTERNALS];
  if (!internals) throw new Error('not an eddy operator context');
  return internals;
}

/** What the operator needs from the batch it runs in. */
export interface OperatorBatch {
  cache: ItemCache;
  timers: BatchTimers;
  now(): number;
  wallClock(): number;
  watermark(): number;
}

/**
 * Runs one {@link KeyedProcessFunction} instance: gives it state handles and timers scoped to
 * the current key, and routes what it emits. One operator per stage shard, reused across
 * batches; `begin` hands it the batch's cache and timers.
 *
 * @example
 * ```ts
 * const op = new KeyedOperator(fn, { jobName, stageId, operatorUid }, emit, emitSide);
 * await op.open();
 * op.begin(batch);
 * await op.processElement('o-1', 1000, order);
 * ```
 */
export class KeyedOperator {
  readonly descriptors: AnyStateDescriptor[] = [];
  private readonly fn: KeyedProcessFunction<unknown, unknown, unknown> | KeyedCoProcessFunction<unknown, unknown, unknown, unknown>;
  private batch: OperatorBatch | undefined;
  /** The current key in its canonical (JSON) form, as state and timers store it. */
  private key = '';
  private decodedKey: string | number | undefined;
  private ts = 0;
  private outputTs: number | undefined;
  private domain = TimeDomain.EVENT_TIME;

  constructor(
    fn: KeyedProcessFunction<unknown, unknown, unknown> | KeyedCoProcessFunction<unknown, unknown, unknown, unknown>,
    private readonly ids: { jobName: string; stageId: string; operatorUid: string },
    private readonly emit: (value: unknown, ts: number) => void,
    private readonly emitSide: (tagId: string, value: unknown, ts: number) => void,
  ) {
    // Flink gives every parallel instance its own (deserialized) copy of the function.
    this.fn = Object.assign(Object.create(Object.getPrototypeOf(fn)), fn);
  }

  async open(): Promise<void> {
    const op = this;
    const scope: KeyScope = {
      operatorUid: this.ids.operatorUid,
      get cache() {
        return op.current().cache;
      },
      currentKey: () => this.key,
      namespace: () => VOID_NAMESPACE,
      now: () => this.current().now(),
      wallClock: () => this.current().wallClock(),
    };
    const names = new Set<string>();
    const handle = (d: AnyStateDescriptor): any => {
      if (names.has(d.name)) throw new Error(`operator ${this.ids.operatorUid}: state "${d.name}" is declared twice`);
      names.add(d.name);
      this.descriptors.push(d);
      return createStateHandle(scope, d);
    };
    const ctx: RuntimeContext = {
      ...this.ids,
      getState: handle,
      getListState: handle,
      getMapState: handle,
      getReducingState: handle,
      getAggregatingState: handle,
    };
    await this.fn.open(ctx);
  }

  begin(batch: OperatorBatch): void {
    this.batch = batch;
  }

  /** The state items to preload for these keys (map entries are read on demand). */
  preloadKeys(keys: Iterable<string>): ItemKey[] {
    const singles = this.descriptors.filter((d) => d.kind !== 'map');
    const out: ItemKey[] = [];
    for (const key of keys) for (const d of singles) out.push(stateItemKey(this.ids.operatorUid, key, d.name, VOID_NAMESPACE));
    return out;
  }

  /** Runs the function on a record of input 1 or, for a co-process function, input 2. */
  async processElement(key: string, ts: number, value: unknown, input: 1 | 2 = 1): Promise<void> {
    this.setKey(key);
    this.ts = ts;
    this.outputTs = undefined;
    const fn = this.fn;
    if (!(fn instanceof KeyedCoProcessFunction)) await fn.processElement(value, this.context, this.collector);
    else if (input === 1) await fn.processElement1(value, this.context, this.collector);
    else await fn.processElement2(value, this.context, this.collector);
  }

  async onTimer(timer: Timer): Promise<void> {
    this.setKey(timer.key);
    this.ts = timer.ts;
    this.outputTs = undefined;
    this.domain = timer.domain === 'E' ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME;
    await this.fn.onTimer(timer.ts, this.context, this.collector);
  }

  private setKey(key: string): void {
    if (key !== this.key) this.decodedKey = undefined;
    this.key = key;
  }

  private current(): OperatorBatch {
    if (!this.batch) throw new Error('keyed state and timers are only available while processing a record or timer');
    return this.batch;
  }

  private readonly collector: Collector<unknown> = { collect: (value) => this.emit(value, this.outputTs ?? this.ts) };

  private readonly timerService: TimerService = {
    currentProcessingTime: () => this.current().now(),
    currentWatermark: () => this.current().watermark(),
    registerEventTimeTimer: (ts) => this.current().timers.register(this.timer(ts, 'E')),
    registerProcessingTimeTimer: (ts) => this.current().timers.register(this.timer(ts, 'P')),
    deleteEventTimeTimer: (ts) => this.current().timers.delete(this.timer(ts, 'E')),
    deleteProcessingTimeTimer: (ts) => this.current().timers.delete(this.timer(ts, 'P')),
  };

  private timer(ts: number, domain: 'E' | 'P'): Timer {
    return { key: this.key, namespace: VOID_NAMESPACE, ts: Math.floor(ts), domain };
  }

  private readonly context: OnTimerContext<unknown> & KeyedContext<unknown> = {
    timestamp: () => this.ts,
    getCurrentKey: () => (this.decodedKey ??= decodeKey(this.key)),
    timerService: () => this.timerService,
    output: <X>(tag: OutputTag<X>, value: X) => this.emitSide(tag.id, value, this.ts),
    timeDomain: () => this.domain,
    [OPERATOR_INTERNALS]: { setOutputTimestamp: (ts: number | undefined) => void (this.outputTs = ts) } satisfies OperatorInternals,
  } as OnTimerContext<unknown> & KeyedContext<unknown>;
}
