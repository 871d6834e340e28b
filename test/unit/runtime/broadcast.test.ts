/**
 * Broadcast state: a small stream reaches every shard of a stage that is fed a big stream
 * without re-keying it; the main input waits for the broadcast side's bootstrap.
 */
import { describe, expect, it } from 'vitest';
import {
  BroadcastProcessFunction, Job, KeyedBroadcastProcessFunction, MapStateDescriptor, OutputTag, ValueStateDescriptor,
  type BroadcastContext, type Collector, type KeyedBroadcastContext, type KeyedReadOnlyBroadcastContext,
  type ReadOnlyBroadcastContext, type RuntimeContext, type ValueState,
} from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { describePlan } from '../../../lib/plan/describe.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import type { BatchResult } from '../../../lib/runtime/batch.ts';
import { driveToEnd } from '../support/drive.ts';
import { stateDump } from '../support/state-items.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';

interface Event { eventId: string; productId: string; ts: number }
interface Change { type: 'bootstrap-start' | 'bootstrap-insert' | 'bootstrap-complete' | 'insert'; productId?: string; name?: string; ts: number }
interface Enriched { eventId: string; productId: string; name: string }

const products = new MapStateDescriptor<string, string>('products');
const unmatched = new OutputTag<{ eventId: string; productId: string }>('unmatched');

class Enrich extends BroadcastProcessFunction<Event, Change, Enriched> {
  async processElement(e: Event, ctx: ReadOnlyBroadcastContext, out: Collector<Enriched>) {
    const name = await ctx.getBroadcastState(products).get(e.productId);
    if (name === undefined) ctx.output(unmatched, { eventId: e.eventId, productId: e.productId });
    else out.collect({ eventId: e.eventId, productId: e.productId, name });
  }
  async processBroadcastElement(c: Change, ctx: BroadcastContext) {
    if (c.productId !== undefined && c.name !== undefined) await ctx.getBroadcastState(products).put(c.productId, c.name);
  }
}

function enrichJob(options: { bootstrap?: boolean; parallelism?: number } = {}) {
  const job = new Job('enrich', { parallelism: 1 });
  const events = tsSource<Event>(job, 'events', { shards: 2 });
  const changes = tsSource<Change>(job, 'products', { shards: 1 });
  let connected = events.connect(changes.broadcast(products));
  if (options.bootstrap !== false) connected = connected.waitForBootstrap((c) => c.type === 'bootstrap-complete');
  const enriched = connected.process(new Enrich(), { uid: 'enrich' }).setParallelism(options.parallelism ?? 3);
  enriched.sinkTo(sink('enriched'));
  enriched.getSideOutput(unmatched).sinkTo(sink('unmatched'));
  return job;
}

/** A table loaded by a bootstrap, then events for known and unknown products. */
function scenario(rows: number, eventCount: number) {
  const table = Array.from({ length: rows }, (_, i) => ({ productId: `p${i}`, name: `product ${i}` }));
  const changes: Change[] = [
    { type: 'bootstrap-start', ts: 0 },
    ...table.map((r, i) => ({ type: 'bootstrap-insert' as const, ...r, ts: i })),
    { type: 'bootstrap-complete', ts: rows },
  ];
  const events: Event[] = Array.from({ length: eventCount }, (_, i) => ({ eventId: `e${i}`, productId: `p${(i * 7) % (rows + 10)}`, ts: 1000 + i }));
  const names = new Map(table.map((r) => [r.productId, r.name]));
  const expected = {
    enriched: events.filter((e) => names.has(e.productId)).map((e) => ({ eventId: e.eventId, productId: e.productId, name: names.get(e.productId)! })),
    unmatched: events.filter((e) => !names.has(e.productId)).map((e) => ({ eventId: e.eventId, productId: e.productId })),
  };
  return { changes, events, expected };
}

const byEvent = (a: any, b: any) => Number(a.eventId.slice(1)) - Number(b.eventId.slice(1));

describe('broadcast state', () => {
  it('plans the broadcast side to every shard and the main side forward, not re-keyed', () => {
    const plan = planJob(enrichJob().graph);
    expect(plan.stages.map((s) => s.id)).toEqual(['source-events', 'source-products', 'enrich']);
    expect(plan.stages[0].outputs).toEqual([expect.objectContaining({ stage: 'enrich', route: 'forward' })]);
    expect(plan.stages[0].outputs[0]).not.toHaveProperty('input');
    expect(plan.stages[1].outputs).toEqual([expect.objectContaining({ stage: 'enrich', route: 'broadcast', input: 2 })]);
    expect(plan.stages[2].upstream).toEqual(['source-events', 'source-products']);
    // eddy plan says so.
    const text = describePlan(plan, enrichJob().graph);
    expect(text).toContain('emits   forward -> stage enrich via enrich-enrich');
    expect(text).toContain('emits   broadcast -> stage enrich (input 2) via enrich-enrich');
  });

  it('holds main records that arrive before the bootstrap completes, then enriches them all against the whole table', async () => {
    const { changes, events, expected } = scenario(40, 120);
    const results: BatchResult[] = [];
    // The table arrives one change per invocation, the events all at once: they reach the stage first.
    const run = await driveToEnd(enrichJob(), { events: lines(events), products: lines(changes) }, {
      batchSize: (stage) => (stage === 'source-products' ? 1 : 500),
      onBatch: (r) => results.push(r),
    });
    const enrich = results.filter((r) => r.stage === 'enrich');
    const held = enrich.reduce((n, r) => n + r.held, 0);
    expect(held).toBe(events.length); // every event arrived before the table was complete
    expect(enrich.reduce((n, r) => n + r.released, 0)).toBe(held);
    expect(run.deadLetters).toEqual([]);
    expect([...run.sinks.values('enriched')].sort(byEvent)).toEqual(expected.enriched);
    expect([...run.sinks.values('unmatched')].sort(byEvent)).toEqual(expected.unmatched);
    // Nothing is left held; each of the 3 shards keeps its own full copy of the table.
    const items = await stateDump(run);
    expect(items.filter((i) => i.sk.startsWith('$held#'))).toEqual([]);
    const copies = new Map<string, number>();
    for (const i of items.filter((i) => i.sk.startsWith('products#'))) copies.set(i.pk, (copies.get(i.pk) ?? 0) + 1);
    expect([...copies.values()]).toEqual([40, 40, 40]);
  });

  it('without a declared bootstrap, records are processed at once (here: against an empty table)', async () => {
    const { changes, events } = scenario(40, 60);
    const run = await driveToEnd(enrichJob({ bootstrap: false }), { events: lines(events), products: lines(changes) }, {
      batchSize: (stage) => (stage === 'source-products' ? 1 : 500),
    });
    // The events went first and no table was there yet: this is the start-up race the bootstrap closes.
    expect(run.sinks.values('unmatched')).toHaveLength(events.length);
  });

  it('dead-letters what is still held when the input ends before the bootstrap completes: nothing lost', async () => {
    const { changes, events } = scenario(10, 30);
    const run = await driveToEnd(enrichJob(), { events: lines(events), products: lines(changes.slice(0, -1)) });
    expect(run.sinks.values('enriched')).toEqual([]);
    expect(run.deadLetters).toHaveLength(events.length);
    expect(run.deadLetters.every((d) => /bootstrap, which did not complete before the end of input/.test(d.reason))).toBe(true);
    expect(run.deadLetters.map((d) => JSON.parse(d.record).value.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
  });

  for (const seed of [1, 2]) {
    it(`gives the same results under chaos 0.2 (seed ${seed})`, async () => {
      const { changes, events, expected } = scenario(60, 300);
      const run = await replayInMemory(enrichJob(), { events: lines(events), products: lines(changes) }, { chaos: { probability: 0.2, seed } });
      expect(run.deadLetters).toEqual([]);
      expect(Object.values(run.chaos!).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect([...run.sinks.values('enriched')].sort(byEvent)).toEqual(expected.enriched);
      expect([...run.sinks.values('unmatched')].sort(byEvent)).toEqual(expected.unmatched);
    });
  }

  it('rejects a function of the wrong kind and undeclared broadcast state', async () => {
    const job = new Job('wrong', { parallelism: 1 });
    const events = tsSource<Event>(job, 'events');
    const changes = tsSource<Change>(job, 'products');
    class Keyed extends KeyedBroadcastProcessFunction<string, Event, Change, Event> {
      processElement() {}
      processBroadcastElement() {}
    }
    expect(() => events.connect(changes.broadcast(products)).process(new Keyed() as any)).toThrow(/BroadcastProcessFunction/);

    const other = new MapStateDescriptor<string, string>('other');
    class ReadsOther extends Enrich {
      override async processBroadcastElement(c: Change, ctx: BroadcastContext) {
        await ctx.getBroadcastState(other).put(String(c.productId), 'x');
      }
    }
    const bad = new Job('bad', { parallelism: 1 });
    tsSource<Event>(bad, 'events').connect(tsSource<Change>(bad, 'products').broadcast(products)).process(new ReadsOther(), { uid: 'enrich' }).sinkTo(sink('out'));
    const run = await replayInMemory(bad, { events: [], products: lines([{ type: 'insert', productId: 'p', name: 'n', ts: 1 }]) });
    expect(run.deadLetters.map((d) => d.reason)).toEqual([expect.stringMatching(/broadcast state "other" is not declared/)]);
  });
});

describe('KeyedBroadcastProcessFunction', () => {
  interface Click { userId: string; ts: number }
  interface Command { type: 'report'; ts: number }
  const count = new ValueStateDescriptor<number>('count');
  const commands = new MapStateDescriptor<string, number>('commands');

  /** Counts clicks per user; a broadcast "report" visits every user's count with applyToKeyedState (and scales it, to show writes). */
  class CountAndReport extends KeyedBroadcastProcessFunction<string, Click, Command, { userId: string; count: number }> {
    private count!: ValueState<number>;
    override open(ctx: RuntimeContext) {
      this.count = ctx.getState(count);
    }
    async processElement(_c: Click, ctx: KeyedReadOnlyBroadcastContext<string>) {
      await this.count.update(((await this.count.value()) ?? 0) + 1);
      expect(await ctx.getBroadcastState(commands).isEmpty()).toBe(true);
    }
    async processBroadcastElement(c: Command, ctx: KeyedBroadcastContext<string>, out: Collector<{ userId: string; count: number }>) {
      await ctx.getBroadcastState(commands).put(c.type, c.ts);
      await expect(this.count.value()).rejects.toThrow(/no current key/);
      await ctx.applyToKeyedState(count, async (userId) => {
        const n = (await this.count.value())!;
        out.collect({ userId, count: n });
        await this.count.update(n * 10);
      });
    }
  }

  it('applyToKeyedState visits every key of each shard once, with its state', async () => {
    const clicks: Click[] = Array.from({ length: 300 }, (_, i) => ({ userId: `u${(i * 13) % 37}`, ts: i }));
    const job = new Job('report', { parallelism: 1 });
    const clickStream = tsSource<Click>(job, 'clicks', { shards: 2 });
    const commandStream = tsSource<Command>(job, 'commands');
    clickStream.keyBy((c) => c.userId).connect(commandStream.broadcast(commands)).process(new CountAndReport(), { uid: 'report' }).setParallelism(3).sinkTo(sink('counts'));
    // The clicks source runs first in each round, so every shard has all its clicks before the report.
    const run = await driveToEnd(job, { clicks: lines(clicks), commands: lines([{ type: 'report', ts: 1000 }]) }, { batchSize: () => 1000 });
    const expected = new Map<string, number>();
    for (const c of clicks) expected.set(c.userId, (expected.get(c.userId) ?? 0) + 1);
    expect(run.deadLetters).toEqual([]);
    const reported = run.sinks.values('counts') as { userId: string; count: number }[];
    expect(new Map(reported.map((r) => [r.userId, r.count]))).toEqual(expected);
    expect(reported).toHaveLength(expected.size); // once each: a shard visits only its own keys
    // Written through the visit; every shard's state stays (another shard must not visit it).
    const stored = (await stateDump(run)).filter((i) => i.sk.startsWith('count#')).map((i) => [JSON.parse(i.pk.slice('s#report#'.length)), JSON.parse(String(i.attrs.v))]);
    expect(new Map(stored as [string, number][])).toEqual(new Map([...expected].map(([u, n]) => [u, n * 10])));
  });
});
