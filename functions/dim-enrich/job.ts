/**
 * dim-enrich — a small dimension table broadcast from MySQL change data (SCENARIOS.md).
 *
 * The `product-cdc` Maxwell stream is broadcast to every shard of the `enrich` stage, which
 * keeps the product table as broadcast state (one copy per shard). The big `events` stream is
 * not re-keyed: each of its shards forwards to one `enrich` shard. The job waits for the
 * table's bootstrap: events that arrive before Maxwell's `bootstrap-complete` for `product`
 * are held in state and enriched, in order, once the table is whole. An event whose product
 * is in the table goes to `enriched`, else to `unmatched`: one output per event.
 *
 * Changes: insert, update and bootstrap-insert upsert the row, delete removes it;
 * bootstrap-start changes nothing (a re-bootstrap upserts every row again, and lookups keep
 * working against the table meanwhile). Rows of other tables are ignored.
 */
import { z } from 'zod';
import {
  BroadcastProcessFunction, Job, KinesisSink, KinesisSource, MapStateDescriptor, OutputTag, Time, WatermarkStrategy,
  type BroadcastContext, type Collector, type MaxwellRecord, type ReadOnlyBroadcastContext, type WithRaw,
} from 'eddy';

export const PRODUCT_TABLE = 'product';

export const Event = z.object({
  eventId: z.string().min(1),
  productId: z.union([z.string().min(1), z.number().int()]),
  ts: z.number().int().nonnegative(),
});
export type Event = z.infer<typeof Event>;
export interface Product { name: unknown; category: unknown }
export interface Enriched { eventId: string; productId: string | number; name: unknown; category: unknown }
export interface Unmatched { eventId: string; productId: string | number }

/** The product table, by productId (as a string: Maxwell and the events may disagree on its JSON type). */
export const products = new MapStateDescriptor<string, Product>('products');
export const unmatched = new OutputTag<Unmatched>('unmatched');

const isProductRow = (c: MaxwellRecord) => c.table === PRODUCT_TABLE && c.data !== undefined && c.data.productId !== undefined && c.data.productId !== null;

class EnrichEvents extends BroadcastProcessFunction<Event, WithRaw<MaxwellRecord>, Enriched> {
  async processElement(e: Event, ctx: ReadOnlyBroadcastContext, out: Collector<Enriched>) {
    const product = await ctx.getBroadcastState(products).get(String(e.productId));
    if (product) out.collect({ eventId: e.eventId, productId: e.productId, name: product.name, category: product.category });
    else ctx.output(unmatched, { eventId: e.eventId, productId: e.productId });
  }

  async processBroadcastElement(c: WithRaw<MaxwellRecord>, ctx: BroadcastContext) {
    if (!isProductRow(c)) return;
    const table = ctx.getBroadcastState(products);
    const id = String(c.data!.productId);
    if (c.type === 'delete') await table.remove(id);
    else if (c.type === 'insert' || c.type === 'update' || c.type === 'bootstrap-insert') await table.put(id, { name: c.data!.name ?? null, category: c.data!.category ?? null });
  }
}

const job = new Job('dim-enrich');
const events = job.fromSource(
  KinesisSource.json('events', { schema: Event, partitionKey: (e) => e.eventId, shards: 2 }),
  WatermarkStrategy.forBoundedOutOfOrderness<Event>(Time.seconds(5)).withTimestampAssigner((e) => e.ts),
);
const productChanges = job.fromSource(
  // One shard, as Maxwell's producer partitions by database: the bootstrap's rows come before its `bootstrap-complete`.
  KinesisSource.maxwell('product-cdc', { partitionKey: (c) => `${c.database}.${c.table}`, shards: 1 }),
  WatermarkStrategy.forBoundedOutOfOrderness<WithRaw<MaxwellRecord>>(Time.seconds(5)).withTimestampAssigner((c) => c.tsMs),
);
const enriched = events
  .connect(productChanges.broadcast(products))
  .waitForBootstrap((c) => c.table === PRODUCT_TABLE && c.type === 'bootstrap-complete')
  .process(new EnrichEvents(), { uid: 'enrich' });
enriched.sinkTo(KinesisSink.json('enriched', { partitionKey: (e) => e.eventId }));
enriched.getSideOutput(unmatched).sinkTo(KinesisSink.json('unmatched', { partitionKey: (e) => e.eventId }));
export default job;
