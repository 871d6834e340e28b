/**
 * order-timeout — "unpaid within 3 minutes → invalid" (SCENARIOS.md).
 *
 * Keyed by orderId. A CREATED registers an event-time timer at createdTs + 3 min. A PAID that
 * is on time does not emit at once: it registers a timer at its own timestamp, because an
 * earlier PAID may still arrive within the 5 s out-of-orderness; when the watermark passes
 * it, the earliest on-time PAID is final. Without an on-time PAID the deadline timer emits the
 * timeout, and every distinct later PAID becomes a late payment. The job asks for the idle
 * watermark advance, so the timeout fires live even when no other event ever arrives.
 */
import { z } from 'zod';
import {
  Job,
  KeyedProcessFunction,
  KinesisSink,
  KinesisSource,
  ListStateDescriptor,
  OutputTag,
  StateTtlConfig,
  Time,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type KeyedContext,
  type ListState,
  type OnTimerContext,
  type RuntimeContext,
  type ValueState,
} from 'eddy';

export const PAYMENT_TIMEOUT_MS = Time.minutes(3);

export const Order = z.object({
  orderId: z.string().min(1),
  userId: z.string(),
  status: z.enum(['CREATED', 'PAID']),
  amount: z.number().finite(),
  ts: z.number().int().nonnegative(),
});
export type Order = z.infer<typeof Order>;

export interface Paid { orderId: string; userId: string; createdTs: number; paidTs: number }
export interface Timeout { orderId: string; userId: string; createdTs: number }
export interface LatePayment { orderId: string; paidTs: number }

export const timeoutsTag = new OutputTag<Timeout>('timeouts');
export const latePaymentsTag = new OutputTag<LatePayment>('late-payments');

type Outcome = 'paid' | 'timed-out';

/** Finished orders keep their state long enough to recognise duplicates and late payments, then TTL removes it. */
const ttl = StateTtlConfig.newBuilder(Time.hours(1)).build();

export class OrderTimeout extends KeyedProcessFunction<string, Order, Paid> {
  private created!: ValueState<{ userId: string; createdTs: number }>;
  private outcome!: ValueState<Outcome>;
  /** Distinct PAID timestamps not yet settled (on time but maybe not the earliest, or before the CREATED). */
  private pendingPaid!: ListState<number>;
  /** Late payments already reported, so that duplicates are reported once. */
  private reportedLate!: ListState<number>;

  override open(ctx: RuntimeContext): void {
    this.created = ctx.getState(new ValueStateDescriptor('created', { ttl }));
    this.outcome = ctx.getState(new ValueStateDescriptor('outcome', { ttl }));
    // An order has a handful of payments: lists live in one item each, preloaded with the batch.
    this.pendingPaid = ctx.getListState(new ListStateDescriptor('pending-paid', { ttl }));
    this.reportedLate = ctx.getListState(new ListStateDescriptor('reported-late', { ttl }));
  }

  async processElement(order: Order, ctx: KeyedContext<string>): Promise<void> {
    const outcome = await this.outcome.value();
    if (order.status === 'CREATED') {
      if (outcome || (await this.created.value())) return; // a duplicate CREATED
      await this.created.update({ userId: order.userId, createdTs: order.ts });
      ctx.timerService().registerEventTimeTimer(order.ts + PAYMENT_TIMEOUT_MS);
      // PAIDs that arrived first wait for their own timers (or, if already due, the next watermark).
      for (const paidTs of await this.pendingPaid.get()) ctx.timerService().registerEventTimeTimer(paidTs);
      return;
    }
    if (outcome === 'paid') return;
    if (outcome === 'timed-out') return this.reportLate(order.orderId, order.ts, ctx);
    const pending = await this.pendingPaid.get();
    if (!pending.includes(order.ts)) await this.pendingPaid.add(order.ts);
    if (await this.created.value()) ctx.timerService().registerEventTimeTimer(order.ts);
  }

  override async onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<Paid>): Promise<void> {
    const created = await this.created.value();
    if (!created || (await this.outcome.value())) return;
    const deadline = created.createdTs + PAYMENT_TIMEOUT_MS;
    const paid = await this.pendingPaid.get();
    const onTime = paid.filter((ts) => ts <= deadline);
    const earliest = onTime.length > 0 ? Math.min(...onTime) : undefined;
    const orderId = ctx.getCurrentKey();
    if (earliest !== undefined && earliest <= timestamp) {
      // The watermark passed this PAID: no earlier one can still arrive.
      out.collect({ orderId, userId: created.userId, createdTs: created.createdTs, paidTs: earliest });
      await this.settle('paid', ctx, deadline);
    } else if (timestamp >= deadline) {
      ctx.output(timeoutsTag, { orderId, userId: created.userId, createdTs: created.createdTs });
      await this.settle('timed-out', ctx, deadline);
      for (const paidTs of paid) await this.reportLate(orderId, paidTs, ctx);
    }
  }

  private async settle(outcome: Outcome, ctx: OnTimerContext<string>, deadline: number): Promise<void> {
    await this.outcome.update(outcome);
    ctx.timerService().deleteEventTimeTimer(deadline);
    await this.pendingPaid.clear();
  }

  private async reportLate(orderId: string, paidTs: number, ctx: KeyedContext<string>): Promise<void> {
    if ((await this.reportedLate.get()).includes(paidTs)) return;
    await this.reportedLate.add(paidTs);
    ctx.output(latePaymentsTag, { orderId, paidTs });
  }
}

const job = new Job('order-timeout', { idleWatermarkAdvance: true });

const processed = job
  .fromSource(
    KinesisSource.json('orders', { schema: Order, partitionKey: (o) => o.orderId }),
    WatermarkStrategy.forBoundedOutOfOrderness<Order>(Time.seconds(5))
      .withTimestampAssigner((o) => o.ts)
      .withIdleness(Time.seconds(2)),
  )
  .keyBy((o) => o.orderId)
  .process(new OrderTimeout(), { uid: 'order-timeout' });

processed.sinkTo(KinesisSink.json('paid', { partitionKey: (p) => p.orderId }));
processed.getSideOutput(timeoutsTag).sinkTo(KinesisSink.json('timeouts', { partitionKey: (t) => t.orderId }));
processed.getSideOutput(latePaymentsTag).sinkTo(KinesisSink.json('late-payments', { partitionKey: (l) => l.orderId }));

export default job;
