/**
 * Regression tests of engine bugs found by the unit tests (each test's comment says what was
 * wrong and where); they failed before the fix and must keep passing.
 */
import { describe, expect, it } from 'vitest';
import {
  AggregatingStateDescriptor,
  Job,
  KeyedProcessFunction,
  MAX_WATERMARK,
  MapStateDescriptor,
  ValueStateDescriptor,
  type AggregateFunction,
  type AggregatingState,
  type Collector,
  type KeyedContext,
  type MapState,
  type OnTimerContext,
  type RuntimeContext,
  type ValueState,
} from '../../lib/api/index.ts';
import { MemorySinkWriter } from '../../lib/connectors/memory-sink.ts';
import { replayInMemory } from '../../lib/local/in-memory.ts';
import { MemoryStreams } from '../../lib/local/memory-streams.ts';
import { planJob } from '../../lib/plan/planner.ts';
import { runBatch } from '../../lib/runtime/batch.ts';
import { encodeSourceEnd } from '../../lib/runtime/envelope.ts';
import { StageTask, type RuntimeServices } from '../../lib/runtime/task.ts';
import { MemoryStore } from '../../lib/state/memory-store.ts';
import { CrashingStore, InjectedCrash } from './support/drive.ts';
import { stateDump, stateItem, storedValue } from './support/state-items.ts';
import { lines, sink, tsSource } from './support/tiny.ts';

/*
 * BUG 5 — lib/runtime/batch.ts KeyedBatch.process(), `await this.drain()` after the record
 * loop: at end of input, event-time timers fire at the MAX watermark envelope (numbered under
 * the record that carried it), but processing-time timers (and what their onTimer registers)
 * only fire in drain(), after the loop, so their outputs are numbered under the batch's *last*
 * record — BatchOutputs.at() was last called for it. Which record is last depends on how the
 * batch was cut, and a retry after a failed invocation may read a longer batch (Lambda
 * re-reads from the reported record up to the batch size; here the upstream's re-sent copy of
 * the end record follows). The retry numbers the same outputs differently: sinks get them
 * under new ids and a downstream stage, whose consumed position came from the failed
 * attempt's emission, applies them a second time — DESIGN.md section 5's "outputs are
 * deterministic per input position" is broken, and exactly-once state downstream with it.
 * The post-loop `fire('P', this.now)` has the same flaw with the system clock.
 * Fix: run drain() while handling the 'end' (or watermark) envelope that makes every upstream
 * ended — the outputs are then numbered under that record — or call
 * `this.task.outputs.at(<seq of that record>)` before drain(); fire the post-loop
 * processing-time timers at a fixed input position too (e.g. before the first fresh record).
 */
describe('BUG 5: outputs of processing-time timers fired by the end-of-input drain are numbered under the last record of the batch', () => {
  type Ev = { k: string; ts: number };
  class FinalAtEnd extends KeyedProcessFunction<string, Ev, { final: string }> {
    async processElement(_e: Ev, ctx: KeyedContext<string>) {
      // a processing-time timer the simulated clock never reaches: only the drain fires it
      ctx.timerService().registerProcessingTimeTimer(MAX_WATERMARK);
    }
    override async onTimer(_ts: number, ctx: OnTimerContext<string>, out: Collector<{ final: string }>) {
      out.collect({ final: ctx.getCurrentKey() });
    }
  }
  class CountFinals extends KeyedProcessFunction<string, { final: string }, number> {
    private n!: ValueState<number>;
    override open(ctx: RuntimeContext) {
      this.n = ctx.getState(new ValueStateDescriptor<number>('n'));
    }
    async processElement(_f: { final: string }, _ctx: KeyedContext<string>, out: Collector<number>) {
      const n = ((await this.n.value()) ?? 0) + 1;
      await this.n.update(n);
      out.collect(n);
    }
  }

  it('a retried drain is not applied twice downstream', async () => {
    const job = new Job('t-bug5', { parallelism: 1 });
    tsSource<Ev>(job).keyBy((e) => e.k).process(new FinalAtEnd(), { uid: 'fold' }).keyBy(() => 'all').process(new CountFinals(), { uid: 'count' }).sinkTo(sink('counts'));
    const plan = planJob(job.graph);
    const memory = new MemoryStore();
    const store = new CrashingStore(memory);
    const streams = new MemoryStreams();
    for (const s of plan.streams) streams.createStream(s.name, s.shards);
    const sinks = new MemorySinkWriter();
    const services: RuntimeServices = { store, streams, sinks, processingTime: 'event', wallClock: () => 0 };
    const shard = 'shardId-000000000000';
    const input = (stage: string) => streams.read(plan.stages.find((s) => s.id === stage)!.input.stream, shard, undefined, 100);
    const run = async (stage: string, records: { seq: string; data: Uint8Array }[], crash?: 'before-commit') => {
      store.next = () => crash;
      const task = await StageTask.create(job, stage, shard, services, plan);
      await runBatch(task, records).catch((e) => {
        if (!(e instanceof InjectedCrash)) throw e;
      });
    };
    const source = [{ seq: '1', data: Buffer.from(JSON.stringify({ k: 'a', ts: 1000 })) }, { seq: '2', data: encodeSourceEnd() }];
    await run('source-in', source, 'before-commit'); // emits [data, watermark, end], then dies before its commit
    await run('source-in', source); // the retry emits the same envelopes again
    const foldInput = await input('fold');
    expect(foldInput).toHaveLength(2);
    await run('fold', foldInput.slice(0, 1), 'before-commit'); // drains (emits the final) and dies before its commit
    await run('fold', foldInput); // the retry reads a longer batch: the original record and its re-sent copy
    await run('count', await input('count'));
    expect(storedValue(stateItem(await stateDump({ store: memory, streams, plan }), 'count', 'all', 'n#-'))).toBe(1);
  });
});

/*
 * BUG 6 — lib/state/handles.ts: `valueOf()` hands out the one parsed object cached per item
 * (the module-level `parsed` WeakMap), and AggregatingStateImpl.add() passes it straight to
 * the user's `add(value, accumulator)`. Flink's AggregateFunction contract allows (and its
 * examples use) modifying the accumulator in place and returning it. When the record then
 * throws, ItemCache.rollback() restores the previous *item*, but that item's cached parsed
 * object has been mutated, so the next read in the same batch sees the failed record's
 * contribution and the next write persists it: the rollback of a dead-lettered record is not
 * complete. The same holds for a ReducingState whose reduce function mutates its first
 * argument, and for objects read from ValueState/MapState that are modified before update()
 * and a throw. Fix: never give user code the cached instance — pass
 * `structuredClone(acc)` / a fresh `JSON.parse` to `add()`/`reduce()` (and return copies from
 * reads), or drop the `parsed` cache entries of the items a rollback restores.
 */
describe('BUG 6: a dead-lettered record that modified an accumulator in place leaks into the state', () => {
  type Ev = { ts: number; v: number; boom?: boolean };
  const inPlaceSum: AggregateFunction<number, { sum: number }, number> = {
    createAccumulator: () => ({ sum: 0 }),
    add: (v, acc) => {
      acc.sum += v; // allowed by Flink's AggregateFunction contract
      return acc;
    },
    getResult: (acc) => acc.sum,
    merge: (a, b) => ({ sum: a.sum + b.sum }),
  };
  class Sum extends KeyedProcessFunction<string, Ev, number> {
    private s!: AggregatingState<number, number>;
    override open(ctx: RuntimeContext) {
      this.s = ctx.getAggregatingState(new AggregatingStateDescriptor('s', inPlaceSum));
    }
    async processElement(e: Ev, _ctx: KeyedContext<string>, out: Collector<number>) {
      await this.s.add(e.v);
      if (e.boom) throw new Error('boom');
      out.collect((await this.s.get())!);
    }
  }

  it('sums 1 and 100 around a failed 10 to 1, 101', async () => {
    const job = new Job('t-bug6');
    tsSource<Ev>(job).keyBy(() => 'a').process(new Sum(), { uid: 'sum' }).sinkTo(sink('out'));
    const { sinks, deadLetters } = await replayInMemory(job, { in: lines([{ ts: 1, v: 1 }, { ts: 2, v: 10, boom: true }, { ts: 3, v: 100 }]) });
    expect(deadLetters).toHaveLength(1);
    expect(sinks.values('out')).toEqual([1, 101]);
  });
});

/*
 * BUG 7 — lib/state/handles.ts MapStateImpl.put(): the entry is stored as
 * `v: JSON.stringify(value)`, which is `undefined` for an `undefined` value, so the item has
 * no (or an undefined) `v`. In the batch that wrote it the cached parse hides the problem, but
 * every later batch that reads the entry — get(k), contains(k), entries(), keys(), values(),
 * isEmpty(), clear() — runs JSON.parse("undefined") and throws, so every later record of that
 * key that looks at the map is dead-lettered, for good. Fix: reject `undefined` in put()
 * (throw a TypeError in the writing record, as Flink rejects what it cannot serialize), or
 * treat it as remove(k); and make valueOf() robust to an item without `v`.
 */
describe('BUG 7: MapState.put(k, undefined) poisons the map of the key', () => {
  type Ev = { ts: number; op: 'put' | 'read' };
  class PutUndefined extends KeyedProcessFunction<string, Ev, unknown> {
    private m!: MapState<string, number | undefined>;
    override open(ctx: RuntimeContext) {
      this.m = ctx.getMapState(new MapStateDescriptor<string, number | undefined>('m'));
    }
    async processElement(e: Ev, _ctx: KeyedContext<string>, out: Collector<unknown>) {
      if (e.op === 'put') {
        await this.m.put('ok', 1);
        await this.m.put('u', undefined);
      } else out.collect(await this.m.keys());
    }
  }

  it('a later batch can still read the map', async () => {
    const job = new Job('t-bug7', { batchSize: 1 });
    tsSource<Ev>(job).keyBy(() => 'a').process(new PutUndefined(), { uid: 'bug7' }).sinkTo(sink('out'));
    const { sinks, deadLetters } = await replayInMemory(job, { in: lines([{ ts: 1, op: 'put' }, { ts: 2, op: 'read' }]) });
    expect(deadLetters.filter((d) => d.record.includes('"op":"read"'))).toEqual([]);
    expect(sinks.values('out')).toHaveLength(1);
  });
});
