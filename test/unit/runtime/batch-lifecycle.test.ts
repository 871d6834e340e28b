/**
 * The batch lifecycle of a keyed stage, driven directly with StageTask + runBatch on the
 * in-memory store and streams (docs: DESIGN.md section 5):
 *   - records at or below the committed sequence number are dropped, so re-running a
 *     committed batch changes nothing: no outputs, identical state;
 *   - data envelopes whose origin is at or below the highest origin already consumed from
 *     their upstream shard are dropped (a retried upstream batch re-sends them);
 *   - the commit is fenced on the previous checkpoint: a concurrent (zombie) invocation that
 *     read the same checkpoint cannot commit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Job, KeyedProcessFunction, type StateBackendKind, ValueStateDescriptor, type Collector, type KeyedContext, type RuntimeContext, type ValueState } from '../../../lib/api/index.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { runBatch, type InputRecord } from '../../../lib/runtime/batch.ts';
import { readCheckpoint } from '../../../lib/runtime/checkpoint.ts';
import { keyedStateItems } from '../../../lib/runtime/inspect.ts';
import { decodeEnvelopes, encodeEnvelopes, type Envelope } from '../../../lib/runtime/envelope.ts';
import { StageTask, type RuntimeServices } from '../../../lib/runtime/task.ts';
import { statePartition } from '../../../lib/state/keys.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { CommitConflictError, type CommitRequest, type KeyValueStore } from '../../../lib/state/store.ts';
import { sink, tsSource } from '../support/tiny.ts';

type Ev = { v: number; ts: number };

class Sum extends KeyedProcessFunction<string, Ev, { key: string; sum: number }> {
  private sum!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.sum = ctx.getState(new ValueStateDescriptor<number>('sum'));
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<{ key: string; sum: number }>) {
    const sum = ((await this.sum.value()) ?? 0) + e.v;
    await this.sum.update(sum);
    out.collect({ key: ctx.getCurrentKey(), sum });
  }
}

const SHARD = 'shardId-000000000000';
const up = (shard: number) => ({ stage: 'source-in', shard: `shardId-${String(shard).padStart(12, '0')}` });
/** The key 'k' as the source stage writes it into envelopes (asked from the engine, not assumed). */
let K = '';
const data = (_key: 'k', v: number, originSeq: string, index: number): Envelope => ({ kind: 'data', key: K, ts: 1000 + v, payload: { v, ts: 1000 + v }, origin: { seq: originSeq, index } });
const record = (seq: string, envelopes: Envelope[], from = up(0)): InputRecord => ({ seq, data: encodeEnvelopes({ from, envelopes }) });

/** The backend the suites below run on, and what reading the state needs (set by `setup`). */
let backend: StateBackendKind = 'log';
let inspect: { streams: MemoryStreams; plan: ReturnType<typeof planJob> };

async function setup(store: KeyValueStore = new MemoryStore(), sourceShards = 1) {
  const job = new Job('t-lifecycle', { parallelism: 1, stateBackend: backend });
  tsSource<Ev>(job, 'in', { shards: sourceShards }).keyBy(() => 'k').process(new Sum(), { uid: 'sum' }).sinkTo(sink('out'));
  const plan = planJob(job.graph);
  const streams = new MemoryStreams();
  for (const s of plan.streams) streams.createStream(s.name, s.shards);
  const sinks = new MemorySinkWriter();
  const services: RuntimeServices = { store, streams, sinks, processingTime: 'event', wallClock: () => 1 };
  const task = () => StageTask.create(job, 'sum', SHARD, services, plan);
  if (!K) {
    // run the source stage on a side store to learn how it spells the key in envelopes
    const probeStreams = new MemoryStreams();
    for (const s of plan.streams) probeStreams.createStream(s.name, s.shards);
    const probe: RuntimeServices = { ...services, store: new MemoryStore(), streams: probeStreams, sinks: new MemorySinkWriter() };
    await runBatch(await StageTask.create(job, 'source-in', SHARD, probe, plan), [{ seq: '1', data: Buffer.from('{"v":0,"ts":1}') }]);
    const [first] = probeStreams.all(stageStream(plan)).map((r) => decodeEnvelopes(r.data));
    K = (first.envelopes.find((e) => e.kind === 'data') as Extract<Envelope, { kind: 'data' }>).key;
  }
  inspect = { streams, plan };
  return { store, sinks, task, plan, job, services, streams };
}

const stageStream = (plan: ReturnType<typeof planJob>) => plan.stages.find((s) => s.id === 'sum')!.input.stream;

const sumOf = async (store: MemoryStore) => {
  const item = (await keyedStateItems({ store, streams: inspect.streams }, inspect.plan)).find((i) => i.pk === statePartition('sum', K) && i.sk === 'sum#-');
  return item ? JSON.parse(String(item.attrs.v)) : undefined;
};

for (const kind of ['log', 'items'] as const) describe(`${kind} backend`, () => {
  beforeAll(() => {
    backend = kind;
  });

  describe('re-running a committed batch', () => {
    it('changes nothing: no outputs, identical state and checkpoint', async () => {
      const store = new MemoryStore();
      const { sinks, task } = await setup(store);
      const batch = [record('100', [data('k', 1, '7', 0), data('k', 2, '7', 1)]), record('101', [data('k', 4, '8', 0), { kind: 'watermark', watermark: 500 }])];
      const first = await runBatch(await task(), batch);
      expect([first.dataIn, first.outputs, first.skipped]).toEqual([3, 3, 0]);
      expect(sinks.values('out')).toEqual([{ key: 'k', sum: 1 }, { key: 'k', sum: 3 }, { key: 'k', sum: 7 }]);
      const state = store.dump('state');

      for (const t of [await task(), await task()]) {
        const again = await runBatch(t, batch); // a fresh container, as after a lost acknowledgement
        expect([again.skipped, again.dataIn, again.outputs, again.duplicates]).toEqual([2, 0, 0, 0]);
      }
      expect(store.dump('state')).toEqual(state);
      expect(sinks.records).toHaveLength(3);
    });

    it('drops the committed prefix of an overlapping batch and applies the rest once', async () => {
      const store = new MemoryStore();
      const { sinks, task } = await setup(store);
      await runBatch(await task(), [record('100', [data('k', 1, '7', 0)]), record('101', [data('k', 2, '8', 0)])]);
      const r = await runBatch(await task(), [record('100', [data('k', 1, '7', 0)]), record('101', [data('k', 2, '8', 0)]), record('102', [data('k', 4, '9', 0)])]);
      expect([r.skipped, r.dataIn]).toEqual([2, 1]);
      expect(await sumOf(store)).toBe(7);
      expect(sinks.values('out').at(-1)).toEqual({ key: 'k', sum: 7 });
    });

    it('orders sequence numbers numerically: 100 comes after 99', async () => {
      const store = new MemoryStore();
      const { task } = await setup(store);
      await runBatch(await task(), [record('99', [data('k', 1, '1', 0)])]);
      const r = await runBatch(await task(), [record('100', [data('k', 2, '2', 0)])]);
      expect([r.skipped, r.dataIn]).toEqual([0, 1]);
      expect(await sumOf(store)).toBe(3);
      const cp = await readCheckpoint(store, 'sum', SHARD);
      expect([cp?.seq, cp?.version]).toEqual(['100', 2]);
    });
  });

  describe('re-running a committed source batch', () => {
    it('emits nothing downstream', async () => {
      const { plan, job, services, streams } = await setup();
      const source = await StageTask.create(job, 'source-in', SHARD, services, plan);
      const raw = [1, 2, 3].map((i) => ({ seq: String(i), data: Buffer.from(JSON.stringify({ v: i, ts: 1000 + i })) }));
      const first = await runBatch(source, raw);
      const emitted = streams.all(stageStream(plan)).length;
      expect([first.dataIn, first.outputs, emitted]).toEqual([3, 3, 1]);
      const again = await runBatch(source, raw);
      expect([again.skipped, again.outputs]).toEqual([3, 0]);
      expect(streams.all(stageStream(plan))).toHaveLength(emitted);
    });
  });

  describe('envelopes already consumed', () => {
    it('are dropped when their origin is at or below the high-water mark of their upstream shard', async () => {
      const store = new MemoryStore();
      const { task } = await setup(store, 2);
      await runBatch(await task(), [record('100', [data('k', 1, '500', 0), data('k', 2, '500', 1)])]);
      const r = await runBatch(await task(), [
        record('101', [
          data('k', 1, '500', 0), // re-sent by a retried upstream batch
          data('k', 2, '500', 1), // exactly the high-water mark
          data('k', 1000, '499', 7), // below it
          data('k', 4, '500', 2), // new
          data('k', 8, '1000', 0), // new, longer sequence number
        ]),
      ]);
      expect([r.duplicates, r.dataIn]).toEqual([3, 2]);
      expect(await sumOf(store)).toBe(1 + 2 + 4 + 8);
      // positions are per upstream shard: the same origin from another shard is new
      const other = await runBatch(await task(), [record('102', [data('k', 16, '500', 0)], up(1))]);
      expect([other.duplicates, other.dataIn]).toEqual([0, 1]);
      expect(await sumOf(store)).toBe(31);
      const cp = await readCheckpoint(store, 'sum', SHARD);
      expect(cp?.origins).toEqual({ 'source-in/shardId-000000000000': { seq: '1000', index: 0 }, 'source-in/shardId-000000000001': { seq: '500', index: 0 } });
    });

    it('drops duplicates inside one batch too', async () => {
      const store = new MemoryStore();
      const { task } = await setup(store);
      const r = await runBatch(await task(), [record('100', [data('k', 1, '5', 0)]), record('101', [data('k', 1, '5', 0), data('k', 2, '5', 1)])]);
      expect([r.duplicates, r.dataIn]).toEqual([1, 2]);
      expect(await sumOf(store)).toBe(3);
    });
  });

  describe('fenced commit', () => {
    /** A store that holds every commit until `n` invocations reached their commit. */
    class Barrier implements KeyValueStore {
      readonly inner = new MemoryStore();
      private waiting: (() => void)[] = [];
      constructor(private readonly n: number) {}
      batchGet = (...a: Parameters<KeyValueStore['batchGet']>) => this.inner.batchGet(...a);
      query = (...a: Parameters<KeyValueStore['query']>) => this.inner.query(...a);
      scan = (...a: Parameters<KeyValueStore['scan']>) => this.inner.scan(...a);
      writeBatch = (...a: Parameters<KeyValueStore['writeBatch']>) => this.inner.writeBatch(...a);
      stats = () => this.inner.stats();
      async commit(request: CommitRequest) {
        await new Promise<void>((resolve) => {
          this.waiting.push(resolve);
          if (this.waiting.length === this.n) this.waiting.forEach((w) => w());
        });
        return this.inner.commit(request);
      }
    }

    it('lets exactly one of two concurrent invocations of a shard commit', async () => {
      const barrier = new Barrier(2);
      const { task } = await setup(barrier);
      const batch = [record('100', [data('k', 5, '1', 0)])];
      const results = await Promise.allSettled([runBatch(await task(), batch), runBatch(await task(), batch)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(CommitConflictError);
      expect(await sumOf(barrier.inner)).toBe(5);
      expect((await readCheckpoint(barrier.inner, 'sum', SHARD))?.version).toBe(1);
    });
  });

  describe('bad internal records', () => {
    it('are dead-lettered while the rest of the batch is applied', async () => {
      const store = new MemoryStore();
      const { task } = await setup(store);
      const r = await runBatch(await task(), [record('100', [data('k', 1, '1', 0)]), { seq: '101', data: Buffer.from('not an envelope') }, record('102', [data('k', 2, '2', 0)])]);
      expect([r.deadLetters, r.dataIn]).toEqual([1, 2]);
      expect(await sumOf(store)).toBe(3);
      const letters = store.dump('dead-letter');
      expect(letters.map((l) => [l.attrs.seq, l.attrs.record])).toEqual([['101', 'not an envelope']]);
    });
  });
});
