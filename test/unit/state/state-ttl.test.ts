/**
 * State TTL semantics (Flink StateTtlConfig) end to end on the in-memory engine. Replay
 * simulates processing time from event time: with one shard and events in time order, the
 * processing time of a record is its own timestamp, so "written at t, read at t + T" is a
 * record at t and one at t + T. Expectations follow Flink's rules:
 *   - an entry written at t with TTL T is expired for reads at t + T and later;
 *   - NeverReturnExpired never returns it; ReturnExpiredIfNotCleanedUp returns it on the read
 *     that finds it (which cleans it up), so a second read sees nothing;
 *   - OnReadAndWrite restarts the TTL on reads, OnCreateAndWrite only on writes;
 *   - list elements and map entries expire one by one;
 *   - a reducing state drops an expired value before reducing (NeverReturnExpired) or keeps it
 *     (ReturnExpiredIfNotCleanedUp), as Flink's TtlReduceFunction does.
 */
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  StateVisibility,
  UpdateType,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type ListState,
  type MapState,
  type ReducingState,
  type RuntimeContext,
  type ValueState,
} from '../../../lib/api/index.ts';
import type { StateBackendKind } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { mapEntryKey, stateItemKey, VOID_NAMESPACE } from '../../../lib/state/keys.ts';
import { stateDump, stateItem, stateItemsOf } from '../support/state-items.ts';
import { groupBy, lines, sink, tsSource } from '../support/tiny.ts';

const T = 10_000;
const t0 = 1_700_000_000_250;
const ttl = (update: UpdateType, visibility: StateVisibility) => ({ ttl: StateTtlConfig.newBuilder(T).setUpdateType(update).setStateVisibility(visibility).build() });
const OCW = UpdateType.OnCreateAndWrite;
const ORW = UpdateType.OnReadAndWrite;
const NEVER = StateVisibility.NeverReturnExpired;
const RET = StateVisibility.ReturnExpiredIfNotCleanedUp;

type S = 'v-never' | 'v-ret' | 'v-rw' | 'plain' | 'l' | 'l-rw' | 'm' | 'r-never' | 'r-ret';
type Ev = { k: string; ts: number; s: S; op: 'set' | 'get'; v?: unknown };
type Out = { k: string; ts: number; result: unknown };

class TtlOps extends KeyedProcessFunction<string, Ev, Out> {
  private values!: Record<'v-never' | 'v-ret' | 'v-rw' | 'plain', ValueState<unknown>>;
  private lists!: Record<'l' | 'l-rw', ListState<unknown>>;
  private map!: MapState<string, unknown>;
  private reducing!: Record<'r-never' | 'r-ret', ReducingState<number>>;
  override open(ctx: RuntimeContext) {
    this.values = {
      'v-never': ctx.getState(new ValueStateDescriptor('v-never', ttl(OCW, NEVER))),
      'v-ret': ctx.getState(new ValueStateDescriptor('v-ret', ttl(OCW, RET))),
      'v-rw': ctx.getState(new ValueStateDescriptor('v-rw', ttl(ORW, NEVER))),
      plain: ctx.getState(new ValueStateDescriptor('plain')),
    };
    this.lists = { l: ctx.getListState(new ListStateDescriptor('l', ttl(OCW, NEVER))), 'l-rw': ctx.getListState(new ListStateDescriptor('l-rw', ttl(ORW, NEVER))) };
    this.map = ctx.getMapState(new MapStateDescriptor<string, unknown>('m', ttl(OCW, NEVER)));
    const sum = (a: number, b: number) => a + b;
    this.reducing = {
      'r-never': ctx.getReducingState(new ReducingStateDescriptor('r-never', sum, ttl(OCW, NEVER))),
      'r-ret': ctx.getReducingState(new ReducingStateDescriptor('r-ret', sum, ttl(OCW, RET))),
    };
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Out>) {
    const s = e.s;
    if (s === 'l' || s === 'l-rw') {
      if (e.op === 'set') await this.lists[s].add(e.v);
      else out.collect({ k: e.k, ts: e.ts, result: await this.lists[s].get() });
    } else if (s === 'm') {
      if (e.op === 'set') await this.map.put(...(e.v as [string, unknown]));
      else out.collect({ k: e.k, ts: e.ts, result: { entries: await this.map.entries(), a: await this.map.contains('a'), b: (await this.map.get('b')) ?? null, isEmpty: await this.map.isEmpty() } });
    } else if (s === 'r-never' || s === 'r-ret') {
      if (e.op === 'set') await this.reducing[s].add(e.v as number);
      else out.collect({ k: e.k, ts: e.ts, result: (await this.reducing[s].get()) ?? null });
    } else if (e.op === 'set') await this.values[s].update(e.v);
    else out.collect({ k: e.k, ts: e.ts, result: (await this.values[s].value()) ?? null });
    void ctx;
  }
}

const ev = (k: string, s: S, dt: number, op: 'set' | 'get', v?: unknown): Ev => ({ k, s, ts: t0 + dt, op, ...(v === undefined ? {} : { v }) });

/** Per key: the script and the reads' expected results in order. */
const scenarios: Record<string, { events: Ev[]; reads: unknown[] }> = {
  neverReturnExpired: { events: [ev('A', 'v-never', 0, 'set', 1), ev('A', 'v-never', T - 1, 'get'), ev('A', 'v-never', T, 'get'), ev('A', 'v-never', T + 1, 'get')], reads: [1, null, null] },
  returnExpiredOnce: { events: [ev('B', 'v-ret', 0, 'set', 2), ev('B', 'v-ret', T - 1, 'get'), ev('B', 'v-ret', T, 'get'), ev('B', 'v-ret', T, 'get'), ev('B', 'v-ret', T + 2, 'get')], reads: [2, 2, null, null] },
  readRefreshes: {
    events: [ev('C', 'v-rw', 0, 'set', 3), ev('C', 'v-rw', T - 1, 'get'), ev('C', 'v-rw', 2 * T - 2, 'get'), ev('C', 'v-rw', 3 * T - 3, 'get'), ev('C', 'v-rw', 4 * T - 3, 'get')],
    reads: [3, 3, 3, null],
  },
  readDoesNotRefresh: { events: [ev('D', 'v-never', 0, 'set', 4), ev('D', 'v-never', T - 1, 'get'), ev('D', 'v-never', 2 * T - 2, 'get')], reads: [4, null] },
  writeRefreshes: { events: [ev('E', 'v-never', 0, 'set', 5), ev('E', 'v-never', 5000, 'set', 6), ev('E', 'v-never', T + 1000, 'get'), ev('E', 'v-never', T + 5000, 'get')], reads: [6, null] },
  listElements: {
    events: [ev('F', 'l', 0, 'set', 'x'), ev('F', 'l', 4000, 'set', 'y'), ev('F', 'l', T - 1, 'get'), ev('F', 'l', T, 'get'), ev('F', 'l', T + 4000, 'get')],
    reads: [['x', 'y'], ['y'], []],
  },
  // appending is no read of the other elements (Flink's TtlListState.add only stamps the new one);
  // the read at T refreshes y (OnReadAndWrite) until 2T
  listAddDoesNotRefresh: { events: [ev('P', 'l-rw', 0, 'set', 'x'), ev('P', 'l-rw', 5000, 'set', 'y'), ev('P', 'l-rw', T, 'get'), ev('P', 'l-rw', 2 * T, 'get')], reads: [['y'], []] },
  listReadRefreshes: { events: [ev('G', 'l-rw', 0, 'set', 'x'), ev('G', 'l-rw', T - 1, 'get'), ev('G', 'l-rw', 2 * T - 2, 'get'), ev('G', 'l-rw', 3 * T, 'get')], reads: [['x'], ['x'], []] },
  mapEntries: {
    events: [ev('H', 'm', 0, 'set', ['a', 1]), ev('H', 'm', 4000, 'set', ['b', 2]), ev('H', 'm', T - 1, 'get'), ev('H', 'm', T, 'get'), ev('H', 'm', T + 4000, 'get')],
    reads: [
      { entries: [['a', 1], ['b', 2]], a: true, b: 2, isEmpty: false },
      { entries: [['b', 2]], a: false, b: 2, isEmpty: false },
      { entries: [], a: false, b: null, isEmpty: true },
    ],
  },
  reduceDropsExpired: { events: [ev('I', 'r-never', 0, 'set', 5), ev('I', 'r-never', T, 'set', 3), ev('I', 'r-never', T, 'get')], reads: [3] },
  reduceKeepsExpiredNotCleanedUp: { events: [ev('J', 'r-ret', 0, 'set', 5), ev('J', 'r-ret', T, 'set', 3), ev('J', 'r-ret', T, 'get')], reads: [8] },
};

/** Items left in the store, for the native TTL attribute. */
const storedEvents = [ev('K', 'v-never', 7, 'set', 'kept'), ev('L', 'l', 0, 'set', 'x'), ev('L', 'l', 4500, 'set', 'y'), ev('M', 'm', 0, 'set', ['a', 1]), ev('M', 'm', 1800, 'set', ['b', 2]), ev('N', 'plain', 0, 'set', 'no-ttl')];

function allEvents(): Ev[] {
  const all = [...Object.values(scenarios).flatMap((s) => s.events), ...storedEvents];
  return all.map((e, i) => ({ e, i })).sort((a, b) => a.e.ts - b.e.ts || a.i - b.i).map(({ e }) => e);
}

function ttlJob(batchSize: number, stateBackend: StateBackendKind = 'log') {
  const job = new Job('t-ttl', { batchSize, parallelism: 1, stateBackend });
  tsSource<Ev>(job).keyBy((e) => e.k).process(new TtlOps(), { uid: 'ttl' }).sinkTo(sink('out'));
  return job;
}

describe('StateTtlConfig spelled as in Flink', () => {
  it('StateTtlConfig.UpdateType and StateTtlConfig.StateVisibility are the top-level enums: either spelling builds the same config', () => {
    const flinkStyle = StateTtlConfig.newBuilder(T).setUpdateType(StateTtlConfig.UpdateType.OnReadAndWrite).setStateVisibility(StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp).build();
    const topLevel = StateTtlConfig.newBuilder(T).setUpdateType(UpdateType.OnReadAndWrite).setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp).build();
    expect(flinkStyle).toEqual(topLevel);
    expect(flinkStyle).toMatchObject({ ttlMs: T, updateType: 'OnReadAndWrite', visibility: 'ReturnExpiredIfNotCleanedUp' });
    expect(StateTtlConfig.newBuilder(T).build()).toMatchObject({ updateType: StateTtlConfig.UpdateType.OnCreateAndWrite, visibility: StateTtlConfig.StateVisibility.NeverReturnExpired });
  });
});

describe('state TTL with simulated processing time', () => {
  for (const batchSize of [100, 1]) {
    it(`reads see exactly the live entries (batch size ${batchSize})`, async () => {
      const { sinks, deadLetters } = await replayInMemory(ttlJob(batchSize), { in: lines(allEvents()) });
      expect(deadLetters).toEqual([]);
      const got = groupBy(sinks.values('out') as Out[], (o) => o.k);
      for (const [name, { events, reads }] of Object.entries(scenarios)) {
        expect((got.get(events[0].k) ?? []).map((o) => o.result), name).toEqual(reads);
      }
    });
  }

  it('stores the native TTL attribute expiresAt = ceil((write time + T) / 1000) on every per-key item with TTL', async () => {
    // A wall clock behind the (simulated) processing time: the write time counts.
    const stored = await stateDump(await replayInMemory(ttlJob(2, 'items'), { in: lines(allEvents()) }, { wallClock: () => 0 }));
    const find = (k: string, key: { sk: string }) => stateItem(stored, 'ttl', k, key.sk);
    const secs = (writtenAt: number) => Math.ceil((writtenAt + T) / 1000);
    expect(find('K', stateItemKey('ttl', 'K', 'v-never', VOID_NAMESPACE))?.attrs.expiresAt).toBe(secs(t0 + 7));
    // a list item lives as long as its youngest element
    expect(find('L', stateItemKey('ttl', 'L', 'l', VOID_NAMESPACE))?.attrs.expiresAt).toBe(secs(t0 + 4500));
    // map entries carry their own expiry
    expect(find('M', mapEntryKey('ttl', 'M', 'm', VOID_NAMESPACE, 'a'))?.attrs.expiresAt).toBe(secs(t0));
    expect(find('M', mapEntryKey('ttl', 'M', 'm', VOID_NAMESPACE, 'b'))?.attrs.expiresAt).toBe(secs(t0 + 1800));
    expect(secs(t0)).toBe(1_700_000_011);
    // state without TTL has no expiry
    const plain = find('N', stateItemKey('ttl', 'N', 'plain', VOID_NAMESPACE));
    expect(plain).toBeDefined();
    expect(plain!.attrs).not.toHaveProperty('expiresAt');
  });

  it('counts the native TTL from the wall clock when it is ahead of simulated processing time', async () => {
    // Replay simulates processing time from old event times; DynamoDB deletes by real time, so an
    // attribute in the past would delete live state (DynamoDB Local does, within seconds).
    const wall = 1_800_000_000_000;
    const stored = await stateDump(await replayInMemory(ttlJob(2, 'items'), { in: lines(allEvents()) }, { wallClock: () => wall }));
    const item = stateItem(stored, 'ttl', 'K', stateItemKey('ttl', 'K', 'v-never', VOID_NAMESPACE).sk);
    expect(item?.attrs.expiresAt).toBe(Math.ceil((wall + T) / 1000));
    expect(item?.attrs.exp).toBe(t0 + 7 + T); // reads still expire it in processing time
  });

  for (const backend of ['log', 'items'] as const) {
    it(`removes the item of a value that a read found expired (${backend} backend)`, async () => {
      const stored = await stateDump(await replayInMemory(ttlJob(100, backend), { in: lines(allEvents()) }));
      for (const k of ['A', 'B', 'D', 'E']) expect(stateItemsOf(stored, 'ttl', k), k).toEqual([]);
      expect(stateItemsOf(stored, 'ttl', 'K')).toHaveLength(1); // a control: K was never read, so it stays until native TTL (or a snapshot)
    });
  }
});
