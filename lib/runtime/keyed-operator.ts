import { isBroadcastFunction, type AnyBroadcastFunction, type BroadcastContext, type KeyedBroadcastContext } from '../api/broadcast.ts';
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
import type { AnyStateDescriptor, MapStateDescriptor } from '../api/state-descriptors.ts';
import { ItemCache } from '../state/item-cache.ts';
import { createStateHandle, type KeyScope } from '../state/handles.ts';
import { stateItemKey, VOID_NAMESPACE } from '../state/keys.ts';
import type { ItemKey } from '../state/store.ts';
import type { BatchTimers } from '../time/batch-timers.ts';
import type { Timer } from '../time/timer-items.ts';
import { BroadcastSide } from './broadcast-side.ts';
import { decodeKey } from './keys.ts';

/**
 * What built-in operators written as process functions (the window operators) may do beyond
 * the public context: stamp their outputs with a chosen event time (Flink's
 * `TimestampedCollector.setAbsoluteTimestamp`; window results carry the window's last instant).
 */
export const OPERATOR_INTERNALS = Symbol('eddy.operator-internals');
export interface OperatorInternals {
  setOutputTimestamp(ts: number | undefined): void;
  /**
   * An event-time timer in a namespace of the operator's own (Flink's internal timer service
   * has namespaces; the public one does not): `onTimer` tells it by `timerNamespace()`.
   */
  registerEventTimeTimer(ts: number, namespace: string): void;
  /** The namespace of the timer firing now (`-`, the void namespace, for public timers). */
  timerNamespace(): string;
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
  /** Keys of this shard that hold the state `name` of this operator (for `applyToKeyedState`). */
  keysWithState(name: string): Promise<string[]>;
}

/** A stage's broadcast input: the broadcast state it keeps and the bootstrap its main input waits for. */
export interface BroadcastInput {
  descriptors: readonly MapStateDescriptor<any, any>[];
  bootstrap?: (value: unknown) => boolean;
}

type AnyKeyedFunction = KeyedProcessFunction<unknown, unknown, unknown> | KeyedCoProcessFunction<unknown, unknown, unknown, unknown> | AnyBroadcastFunction;

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
  private readonly fn: AnyKeyedFunction;
  private batch: OperatorBatch | undefined;
  /** The broadcast input's state and bootstrap gate, for a broadcast function. */
  broadcast: BroadcastSide | undefined;
  /** In `processBroadcastElement` there is no current key (Flink: keyed state only through `applyToKeyedState`). */
  private keyless = false;
  /** The current key in its canonical (JSON) form, as state and timers store it. */
  private key = '';
  private decodedKey: string | number | undefined;
  private ts = 0;
  private outputTs: number | undefined;
  private domain = TimeDomain.EVENT_TIME;
  private timerNs = VOID_NAMESPACE;
  /** What kind of function runs, known once (not per record). */
  private readonly isBroadcast: boolean;
  private readonly isCoProcess: boolean;

  constructor(
    fn: AnyKeyedFunction,
    private readonly ids: { jobName: string; stageId: string; operatorUid: string; shardId: string },
    private readonly emit: (value: unknown, ts: number) => void,
    private readonly emitSide: (tagId: string, value: unknown, ts: number) => void,
    private readonly broadcastInput?: BroadcastInput,
  ) {
    if (isBroadcastFunction(fn) !== (broadcastInput !== undefined)) throw new Error(`operator ${ids.operatorUid}: a broadcast function needs a broadcast input and the other way round`);
    // Flink gives every parallel instance its own (deserialized) copy of the function.
    this.fn = Object.assign(Object.create(Object.getPrototypeOf(fn)), fn);
    this.isBroadcast = isBroadcastFunction(fn);
    this.isCoProcess = fn instanceof KeyedCoProcessFunction;
  }

  get operatorUid(): string {
    return this.ids.operatorUid;
  }

  async open(): Promise<void> {
    const op = this;
    const scope: KeyScope = {
      operatorUid: this.ids.operatorUid,
      get cache() {
        return op.current().cache;
      },
      currentKey: () => {
        if (this.keyless) throw new Error('keyed state is not available in processBroadcastElement (there is no current key); use ctx.applyToKeyedState');
        return this.key;
      },
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
    if (this.broadcastInput) this.broadcast = new BroadcastSide(scope, this.ids.shardId, this.broadcastInput.descriptors, this.broadcastInput.bootstrap);
    const keyed = !isBroadcastFunction(this.fn) || this.fn.broadcastKind === 'keyed';
    const noKeyedState = () => {
      throw new Error(`operator ${this.ids.operatorUid}: a BroadcastProcessFunction has no keyed state; keyBy the main stream and use a KeyedBroadcastProcessFunction`);
    };
    const ctx: RuntimeContext = {
      jobName: this.ids.jobName,
      stageId: this.ids.stageId,
      operatorUid: this.ids.operatorUid,
      getState: keyed ? handle : noKeyedState,
      getListState: keyed ? handle : noKeyedState,
      getMapState: keyed ? handle : noKeyedState,
      getReducingState: keyed ? handle : noKeyedState,
      getAggregatingState: keyed ? handle : noKeyedState,
    };
    await this.fn.open(ctx);
  }

  begin(batch: OperatorBatch): void {
    this.batch = batch;
  }

  /** The state items to preload for these keys (map entries are read on demand). */
  preloadKeys(keys: Iterable<string>): ItemKey[] {
    const singles = this.descriptors.filter((d) => d.kind !== 'map');
    const out: ItemKey[] = this.broadcast?.preloadKeys(this.ids.operatorUid) ?? [];
    for (const key of keys) for (const d of singles) out.push(stateItemKey(this.ids.operatorUid, key, d.name, VOID_NAMESPACE));
    return out;
  }

  /**
   * Runs the function on a record of input 1 or, for a co-process function, input 2. Returns
   * 'held' when the record waits for the broadcast side's bootstrap instead.
   */
  async processElement(key: string, ts: number, value: unknown, input: 1 | 2 = 1): Promise<'held' | void> {
    this.setKey(key);
    this.ts = ts;
    this.outputTs = undefined;
    const fn = this.fn;
    if (this.isBroadcast) {
      const broadcastFn = fn as AnyBroadcastFunction;
      if (input === 2) throw new Error('broadcast elements go through processBroadcast');
      if (!(await this.broadcast!.mustHold())) return broadcastFn.processElement(value, this.context as any, this.collector);
      await this.broadcast!.hold({ key, ts, value });
      return 'held';
    } else if (!this.isCoProcess) await (fn as KeyedProcessFunction<unknown, unknown, unknown>).processElement(value, this.context, this.collector);
    else if (input === 1) await (fn as KeyedCoProcessFunction<unknown, unknown, unknown, unknown>).processElement1(value, this.context, this.collector);
    else await (fn as KeyedCoProcessFunction<unknown, unknown, unknown, unknown>).processElement2(value, this.context, this.collector);
  }

  /**
   * Runs `processBroadcastElement` on a broadcast element. Returns true when the element
   * completed the declared bootstrap: the caller then releases the held records (`takeHeld`).
   */
  async processBroadcast(ts: number, value: unknown): Promise<boolean> {
    const fn = this.fn;
    if (!isBroadcastFunction(fn)) throw new Error(`operator ${this.ids.operatorUid} has no broadcast input`);
    this.ts = ts;
    this.outputTs = undefined;
    this.keyless = true;
    try {
      await fn.processBroadcastElement(value, this.broadcastContext as any, this.collector);
    } finally {
      this.keyless = false;
    }
    return this.broadcast!.afterBroadcast(value);
  }

  async onTimer(timer: Timer): Promise<void> {
    this.setKey(timer.key);
    this.ts = timer.ts;
    this.outputTs = undefined;
    this.domain = timer.domain === 'E' ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME;
    this.timerNs = timer.namespace;
    const fn = this.fn;
    if (!('onTimer' in fn)) throw new Error(`operator ${this.ids.operatorUid}: a BroadcastProcessFunction has no timers`);
    await fn.onTimer(timer.ts, this.context, this.collector);
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

  private timer(ts: number, domain: 'E' | 'P', namespace = VOID_NAMESPACE): Timer {
    return { key: this.key, namespace, ts: Math.floor(ts), domain };
  }

  /** Every context of a record: keyed (with timers), and for a broadcast function's main input, the read-only broadcast state. */
  private readonly context: OnTimerContext<unknown> & KeyedContext<unknown> = {
    timestamp: () => this.ts,
    getCurrentKey: () => (this.decodedKey ??= decodeKey(this.key)),
    timerService: () => {
      if (this.isBroadcast && (this.fn as AnyBroadcastFunction).broadcastKind === 'plain') throw new Error('a BroadcastProcessFunction has no timers (they need a key): keyBy the main stream and use a KeyedBroadcastProcessFunction');
      return this.timerService;
    },
    // A side output carries the timestamp the main output would (a window's or a join pair's), as in Flink.
    output: <X>(tag: OutputTag<X>, value: X) => this.emitSide(tag.id, value, this.outputTs ?? this.ts),
    timeDomain: () => this.domain,
    currentProcessingTime: () => this.current().now(),
    currentWatermark: () => this.current().watermark(),
    getBroadcastState: (d: MapStateDescriptor<any, any>) => this.broadcast!.readOnly(d),
    [OPERATOR_INTERNALS]: {
      setOutputTimestamp: (ts: number | undefined) => void (this.outputTs = ts),
      registerEventTimeTimer: (ts: number, namespace: string) => this.current().timers.register(this.timer(ts, 'E', namespace)),
      timerNamespace: () => this.timerNs,
    } satisfies OperatorInternals,
  } as OnTimerContext<unknown> & KeyedContext<unknown>;

  private readonly broadcastContext: KeyedBroadcastContext<unknown> & BroadcastContext = {
    timestamp: () => this.ts,
    currentProcessingTime: () => this.current().now(),
    currentWatermark: () => this.current().watermark(),
    output: <X>(tag: OutputTag<X>, value: X) => this.emitSide(tag.id, value, this.ts),
    getBroadcastState: (d) => this.broadcast!.state(d),
    applyToKeyedState: async (descriptor, fn) => {
      if ((this.fn as AnyBroadcastFunction).broadcastKind !== 'keyed') throw new Error('applyToKeyedState needs a KeyedBroadcastProcessFunction');
      for (const key of await this.current().keysWithState(descriptor.name)) {
        this.setKey(key);
        this.keyless = false;
        try {
          await fn(this.decodedKey ??= decodeKey(key));
        } finally {
          this.keyless = true;
        }
      }
    },
  };
}
