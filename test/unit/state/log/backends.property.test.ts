/**
 * The two state backends are interchangeable (DESIGN §3): a random keyed job (value, list under
 * TTL, map state, event- and processing-time timers, then a second keyed stage counting what
 * the first emitted) runs once on per-key items without any failure — the reference — and once
 * log-structured with everything Lambda may do to it: invocations land on random execution
 * environments (a container's copy of a shard's state is reused, stale, or absent), crash at
 * every point of the batch lifecycle (mid-emit, between the log entry and the checkpoint,
 * after the commit, ...), race a zombie twin on the same batch, and snapshots come every few
 * hundred bytes of log. Both must emit the same outputs (deduplicated by id, re-deliveries
 * identical) and end with the same live state and timers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Job,
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  StateTtlConfig,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type ListState,
  type MapState,
  type OnTimerContext,
  type RuntimeContext,
  type StateBackendKind,
  type ValueState,
} from '../../../../lib/api/index.ts';
import { ChaosCrash, type FaultPoint } from '../../../../lib/runtime/chaos.ts';
import type { BatchResult } from '../../../../lib/runtime/batch.ts';
import type { SinkRecordOut } from '../../../../lib/runtime/outputs.ts';
import type { Item } from '../../../../lib/state/store.ts';
import { driveToEnd, type CrashPoint } from '../../support/drive.ts';
import { stateDump } from '../../support/state-items.ts';
import { lines, sink, tsSource } from '../../support/tiny.ts';

type Ev = { k: string; ts: number; op: number; v: number };
type Out = { k: string; at: number; what: string; value: number | null; list: number[]; map: [number, number][] };

const TTL_MS = 4_000;

class Scripted extends KeyedProcessFunction<string, Ev, Out> {
  private value!: ValueState<number>;
  private list!: ListState<number>;
  private map!: MapState<number, number>;
  override open(ctx: RuntimeContext) {
    this.value = ctx.getState(new ValueStateDescriptor<number>('value'));
    this.list = ctx.getListState(new ListStateDescriptor<number>('list', { ttl: StateTtlConfig.newBuilder(TTL_MS).build() }));
    this.map = ctx.getMapState(new MapStateDescriptor<number, number>('map'));
  }
  private async view(k: string, at: number, what: string): Promise<Out> {
    return { k, at, what, value: (await this.value.value()) ?? null, list: await this.list.get(), map: await this.map.entries() };
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Out>) {
    const timers = ctx.timerService();
    switch (e.op) {
      case 0: await this.value.update(e.v); break;
      case 1: await this.value.clear(); break;
      case 2: await this.list.add(e.v); break;
      case 3: await this.list.update(e.v % 2 === 0 ? [] : [e.v]); break;
      case 4: await this.map.put(e.v % 4, e.v); break;
      case 5: await this.map.remove(e.v % 4); break;
      case 6: timers.registerEventTimeTimer(e.ts + e.v * 100); break;
      case 7: timers.registerProcessingTimeTimer(e.ts + e.v * 100); break;
      case 8: timers.deleteEventTimeTimer(e.ts + e.v * 100); break;
    }
    out.collect(await this.view(ctx.getCurrentKey(), e.ts, `op${e.op}`));
  }
  override async onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<Out>) {
    await this.value.update(((await this.value.value()) ?? 0) + 1);
    out.collect(await this.view(ctx.getCurrentKey(), ts, `timer-${ctx.timeDomain()}`));
  }
}

/** Counts what the first stage emitted: an output applied twice would show here. */
class Count extends KeyedProcessFunction<string, Out, { n: number }> {
  private n!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.n = ctx.getState(new ValueStateDescriptor<number>('n'));
  }
  async processElement(_o: Out, _ctx: KeyedContext<string>, out: Collector<{ n: number }>) {
    const n = ((await this.n.value()) ?? 0) + 1;
    await this.n.update(n);
    out.collect({ n });
  }
}

function job(backend: StateBackendKind, changelog: { minLogBytes: number; logToSnapshotRatio: number }) {
  const j = new Job('t-backends', { parallelism: 2, stateBackend: backend, changelog });
  const outs = tsSource<Ev>(j, 'in').keyBy((e) => e.k).process(new Scripted(), { uid: 'scripted' });
  outs.sinkTo(sink('outs'));
  outs.keyBy((o) => o.what).process(new Count(), { uid: 'count' }).sinkTo(sink('counts'));
  return j;
}

/** Outputs deduplicated by id (within one run); every re-delivery of an id must carry the same value. */
function dedupe(records: SinkRecordOut[]): Map<string, unknown> {
  const byId = new Map<string, unknown>();
  for (const r of records) {
    if (byId.has(r.id)) expect(r.value, `re-delivery of ${r.id}`).toEqual(byId.get(r.id));
    else byId.set(r.id, r.value);
  }
  return byId;
}

/** Live items as a comparable set: expired ones (by the latest event time) and the table's TTL attribute left out. */
function live(items: Item[], now: number): string[] {
  return items
    .filter((i) => !(typeof i.attrs.exp === 'number' && i.attrs.exp <= now))
    .map(({ pk, sk, attrs: { expiresAt: _, ...attrs } }) => JSON.stringify([pk, sk, attrs]))
    .sort();
}

const eventsArb = fc
  .array(fc.record({ k: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), op: fc.integer({ min: 0, max: 8 }), v: fc.integer({ min: 0, max: 30 }), dt: fc.integer({ min: 0, max: 1500 }) }), { minLength: 1, maxLength: 40 })
  .map((rows) => {
    let ts = 100_000;
    return rows.map(({ k, op, v, dt }) => ({ k, op, v, ts: (ts += dt) }));
  });

/** A small deterministic generator, so that environments, crashes and batch sizes follow the seed. */
function lcg(seed: number) {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
}

const FAULT_POINTS: FaultPoint[] = ['before-emit', 'mid-emit', 'after-emit', 'mid-commit', 'after-commit'];

describe('log-structured and per-key state backends', () => {
  it('give identical outputs and live state under random environments, crashes and zombies (property)', async () => {
    const seen = { crashes: 0, zombies: 0, access: new Set<string>(), commits: new Set<string>() };
    await fc.assert(
      fc.asyncProperty(
        eventsArb,
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        fc.record({ environments: fc.integer({ min: 1, max: 4 }), crashRate: fc.double({ min: 0, max: 0.3, noNaN: true }), zombieRate: fc.double({ min: 0, max: 0.3, noNaN: true }) }),
        fc.record({ minLogBytes: fc.integer({ min: 100, max: 4_000 }), logToSnapshotRatio: fc.double({ min: 0.25, max: 3, noNaN: true }) }),
        async (events, batchSize, seed, chaos, changelog) => {
          const input = { in: lines(events) };
          // The same batch cuts in both runs: where watermarks fall among records decides when timers fire (one source shard: no interleaving to vary).
          const reference = await driveToEnd(job('items', changelog), input, { batchSize: () => batchSize });

          const random = lcg(seed);
          const batches: BatchResult[] = [];
          const logged = await driveToEnd(job('log', changelog), input, {
            batchSize: () => batchSize,
            environments: chaos.environments,
            environment: () => Math.floor(random() * chaos.environments),
            zombie: () => random() < chaos.zombieRate,
            crash: (): CrashPoint => (random() < chaos.crashRate / 2 ? (random() < 0.5 ? 'before-commit' : 'after-commit') : undefined),
            faults: (point) => {
              if (random() < chaos.crashRate / FAULT_POINTS.length) throw new ChaosCrash(point);
            },
            onBatch: (b) => batches.push(b),
          });
          seen.crashes += logged.crashes;
          seen.zombies += logged.zombies;
          for (const b of batches.filter((x) => x.state)) {
            seen.access.add(b.state!.access);
            if (b.commit) seen.commits.add(b.commit);
          }

          expect(logged.deadLetters).toEqual([]);
          expect(reference.deadLetters).toEqual([]);
          // Ids follow the input positions, which differ with batch shapes: the runs compare by value.
          for (const name of ['outs', 'counts']) {
            const values = (run: typeof logged) => [...dedupe(run.sinks.records.filter((r) => r.sink === name)).values()].map((v) => JSON.stringify(v)).sort();
            expect(values(logged), name).toEqual(values(reference));
          }
          const now = events[events.length - 1].ts;
          expect(live(await stateDump(logged), now)).toEqual(live(await stateDump(reference), now));
        },
      ),
      { numRuns: 100 },
    );
    // The property did exercise what it claims to.
    expect(seen.crashes).toBeGreaterThan(0);
    expect(seen.zombies).toBeGreaterThan(0);
    expect([...seen.access].sort()).toEqual(['catch-up', 'hit', 'restore']);
    expect([...seen.commits].sort()).toEqual(['log', 'snapshot']);
  });
});
