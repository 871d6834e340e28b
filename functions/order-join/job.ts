/**
 * order-join — two fact streams joined by order id within a time interval (SCENARIOS.md).
 *
 * Orders and their details are both keyed by orderId and interval-joined in one keyed stage
 * (`intervalJoin`): a detail joins its order when `orderTs - 5 s <= detailTs <= orderTs + 10 min`.
 * Each side waits in the key's buffer only as long as the other side can still match it: an
 * order until the watermark passes `orderTs + 10 min`, a detail until it passes
 * `detailTs + 5 s`; the operator's event-time timers then remove it, so the state does not grow
 * with the stream and nothing is left after end of input. A TTL on both buffers is the backstop
 * for records whose timer never fires (a watermark that stopped): a day, far beyond the
 * interval even when one source lags the other by hours (in replay, processing time is the
 * largest event time a shard has seen, so the skew between the two sources counts).
 * Malformed lines of either source go to the dead letters with the schema's reason.
 */
import { z } from 'zod';
import {
  Job, KinesisSink, KinesisSource, ProcessJoinFunction, StateTtlConfig, Time, WatermarkStrategy,
  type Collector, type ProcessJoinContext,
} from 'eddy';

/** A detail joins an order when `orderTs + LOWER <= detailTs <= orderTs + UPPER`. */
export const JOIN_LOWER_MS = -Time.seconds(5);
export const JOIN_UPPER_MS = Time.minutes(10);

export const Order = z.object({
  orderId: z.string().min(1),
  userId: z.string(),
  amount: z.number().finite(),
  ts: z.number().int().nonnegative(),
});
export type Order = z.infer<typeof Order>;

export const OrderDetail = z.object({
  detailId: z.string().min(1),
  orderId: z.string().min(1),
  spuId: z.string(),
  qty: z.number().int(),
  ts: z.number().int().nonnegative(),
});
export type OrderDetail = z.infer<typeof OrderDetail>;

export interface OrderLine { orderId: string; detailId: string; userId: string; spuId: string; qty: number; orderTs: number; detailTs: number }

export class ToOrderLine extends ProcessJoinFunction<Order, OrderDetail, OrderLine> {
  processElement(o: Order, d: OrderDetail, ctx: ProcessJoinContext, out: Collector<OrderLine>) {
    out.collect({ orderId: o.orderId, detailId: d.detailId, userId: o.userId, spuId: d.spuId, qty: d.qty, orderTs: ctx.getLeftTimestamp(), detailTs: ctx.getRightTimestamp() });
  }
}

const watermarks = <T extends { ts: number }>() => WatermarkStrategy.forBoundedOutOfOrderness<T>(Time.seconds(5)).withTimestampAssigner((r) => r.ts);

const job = new Job('order-join');
const orders = job.fromSource(KinesisSource.json('orders', { schema: Order, partitionKey: (o) => o.orderId }), watermarks<Order>());
const details = job.fromSource(KinesisSource.json('order-details', { schema: OrderDetail, partitionKey: (d) => d.orderId }), watermarks<OrderDetail>());

orders
  .keyBy((o) => o.orderId)
  .intervalJoin(details.keyBy((d) => d.orderId))
  .between(JOIN_LOWER_MS, JOIN_UPPER_MS)
  .process(new ToOrderLine(), { uid: 'order-lines', ttl: StateTtlConfig.newBuilder(Time.days(1)).build() })
  .sinkTo(KinesisSink.json('order-lines', { partitionKey: (l) => l.orderId }));

export default job;
