/**
 * Broadcast state across resharding: a shard of the consuming stage born of a split or merge
 * starts with its parents' table and bootstrap state, and takes over the records they still
 * held for the keys it now owns.
 */
import { describe, expect, it } from 'vitest';
import { BroadcastProcessFunction, Job, MapStateDescriptor, type BroadcastContext, type Collector, type ReadOnlyBroadcastContext } from '../../../lib/api/index.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { EventSourceRunner } from '../../../lib/local/event-source-runner.ts';
import { allStagesEnded } from '../../../lib/local/idle.ts';
import { taskInvoker } from '../../../lib/local/invokers.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { endSource, feedSource } from '../../../lib/local/replay.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import type { BatchResult } from '../../../lib/runtime/batch.ts';
import type { RuntimeServices } from '../../../lib/runtime/task.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { stateDump } from '../support/state-items.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';

interface Event { eventId: string; productId: string; ts: number }
interface Change { type: string; productId?: string; name?: string; ts: number }
const products = new MapStateDescriptor<string, string>('products');

class Enrich extends BroadcastProcessFunction<Event, Change, { eventId: string; name: string | null }> {
  async processElement(e: Event, ctx: ReadOnlyBroadcastContext, out: Collector<{ eventId: string; name: string | null }>) {
    out.collect({ eventId: e.eventId, name: (await ctx.getBroadcastState(products).get(e.productId)) ?? null });
  }
  async processBroadcastElement(c: Change, ctx: BroadcastContext) {
    if (c.productId) await ctx.getBroadcastState(products).put(c.productId, c.name!);
  }
}

describe('broadcast state when the consuming stage is resharded', () => {
  it('split and then merge mid-bootstrap: every event once, against the whole table', async () => {
    const job = new Job('bcast-reshard', { parallelism: 2 });
    tsSource<Event>(job, 'events', { shards: 4 })
      .connect(tsSource<Change>(job, 'products').broadcast(products))
      .waitForBootstrap((c) => c.type === 'bootstrap-complete')
      .process(new Enrich(), { uid: 'enrich' })
      .sinkTo(sink('out'));
    const plan = planJob(job.graph);
    const memory = new MemoryStreams();
    for (const s of plan.streams) memory.createStream(s.name, s.shards);
    const sinks = new MemorySinkWriter();
    const store = new MemoryStore();
    const services: RuntimeServices = { store, streams: memory, sinks, processingTime: 'event', wallClock: () => Date.now() };
    const batches: BatchResult[] = [];
    const runner = new EventSourceRunner({
      plan, streams: memory, reader: memory, invoke: taskInvoker(job, plan, services, (b) => batches.push(b)),
      pollIntervalMs: 1, discoveryIntervalMs: 10, retryBackoff: { baseMs: 1, maxMs: 10 },
    });
    runner.start();
    const stream = (id: string) => plan.stages.find((s) => s.id === id)!.input.stream;
    const rows = Array.from({ length: 30 }, (_, i) => ({ type: 'bootstrap-insert', productId: `p${i}`, name: `product ${i}`, ts: i }));
    const events = Array.from({ length: 240 }, (_, i) => ({ eventId: `e${i}`, productId: `p${(i * 11) % 36}`, ts: 100 + i }));
    const settle = () => runner.waitFor(async () => runner.caughtUp());
    const open = () => memory.shardList(stream('enrich')).filter((s) => !s.closed).sort((a, b) => (a.start < b.start ? -1 : 1));

    await feedSource(job, services, 'products', stream('source-products'), lines([{ type: 'bootstrap-start', ts: 0 }, ...rows.slice(0, 15)]));
    await feedSource(job, services, 'events', stream('source-events'), lines(events.slice(0, 80)));
    await settle();
    for (const s of open()) memory.splitShard(stream('enrich'), s.shardId, s.start + (s.end - s.start + 1n) / 2n); // 2 -> 4, all still held
    await feedSource(job, services, 'events', stream('source-events'), lines(events.slice(80, 160)));
    await feedSource(job, services, 'products', stream('source-products'), lines([...rows.slice(15), { type: 'bootstrap-complete', ts: 99 }]));
    await settle();
    const [a, b] = open();
    memory.mergeShards(stream('enrich'), a.shardId, b.shardId); // 4 -> 3, after the bootstrap
    await feedSource(job, services, 'events', stream('source-events'), lines(events.slice(160)));
    for (const source of ['source-events', 'source-products']) await endSource(services, stream(source));
    await runner.waitFor(async () => runner.caughtUp() && (await allStagesEnded(plan, memory, store)), 30_000);
    await runner.stop();

    const names = new Map(rows.map((r) => [r.productId, r.name]));
    const expected = events.map((e) => ({ eventId: e.eventId, name: names.get(e.productId) ?? null }));
    const byId = (x: { eventId: string }, y: { eventId: string }) => Number(x.eventId.slice(1)) - Number(y.eventId.slice(1));
    expect([...(sinks.values('out') as { eventId: string; name: string | null }[])].sort(byId)).toEqual(expected);
    const held = batches.reduce((n, r) => n + r.held, 0);
    expect(held).toBeGreaterThanOrEqual(80); // the first 80 came before any bootstrap-complete
    expect(batches.reduce((n, r) => n + r.released, 0)).toBe(held); // released by the children that took them over
    expect((await stateDump({ store, streams: memory, plan })).filter((i) => i.sk.startsWith('$held#'))).toEqual([]);
  });
});
