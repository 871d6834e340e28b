/**
 * `StageHarness` of `eddy/testing`: the keyed stage of order-timeout fed batch by batch; its
 * state, timers and outputs between batches follow from the job's rules (a CREATED arms a
 * timer at ts + 3 min; the watermark passing it times the order out; a PAID by the deadline
 * pays it) and are worked out here by hand. The source stage dead-letters a malformed line.
 */
import { StageHarness } from 'eddy/testing';
import { describe, expect, it } from 'vitest';
import job, { PAYMENT_TIMEOUT_MS } from '../../../functions/order-timeout/job.ts';

const T0 = 1_700_000_000_000;
const created = (orderId: string, ts: number) => ({ orderId, userId: `u-${orderId}`, status: 'CREATED', amount: 10, ts });
const paid = (orderId: string, ts: number) => ({ orderId, userId: `u-${orderId}`, status: 'PAID', amount: 10, ts });

describe('eddy/testing StageHarness', () => {
  it('shows a keyed stage state and timers between batches, and what fired', async () => {
    const stage = await StageHarness.open(job, 'order-timeout');
    const first = await stage.feed([created('o-1', T0), created('o-2', T0 + 1_000)], { watermark: T0 });
    expect(first.sinks).toEqual({});
    expect(await stage.timers()).toEqual([
      { key: 'o-1', domain: 'event', ts: T0 + PAYMENT_TIMEOUT_MS, namespace: '-' },
      { key: 'o-2', domain: 'event', ts: T0 + 1_000 + PAYMENT_TIMEOUT_MS, namespace: '-' },
    ]);
    const createdState = (await stage.state('o-1')).find((e) => e.state === 'created');
    expect(createdState?.value).toEqual({ userId: 'u-o-1', createdTs: T0 });

    // o-2 pays in time; the watermark passes the PAID's own timer and o-1's deadline.
    await stage.feed([paid('o-2', T0 + 60_000)], { watermark: T0 + 30_000 });
    expect((await stage.timers('o-2')).map((t) => t.ts)).toEqual([T0 + 60_000, T0 + 1_000 + PAYMENT_TIMEOUT_MS]);
    const fired = await stage.advanceWatermark(T0 + PAYMENT_TIMEOUT_MS);
    expect(fired.sinks).toEqual({
      paid: [{ orderId: 'o-2', userId: 'u-o-2', createdTs: T0 + 1_000, paidTs: T0 + 60_000 }],
      timeouts: [{ orderId: 'o-1', userId: 'u-o-1', createdTs: T0 }],
    });
    expect(await stage.timers()).toEqual([]); // both settled: the deadline of o-2 was deleted
    expect((await stage.state('o-1')).find((e) => e.state === 'outcome')?.value).toBe('timed-out');

    // A PAID after the timeout is a late payment, reported once.
    const late = await stage.feed([paid('o-1', T0 + PAYMENT_TIMEOUT_MS + 5_000), paid('o-1', T0 + PAYMENT_TIMEOUT_MS + 5_000)]);
    expect(late.sinks).toEqual({ 'late-payments': [{ orderId: 'o-1', paidTs: T0 + PAYMENT_TIMEOUT_MS + 5_000 }] });
  });

  it('feeds a source stage lines: records go downstream, a malformed line is dead-lettered', async () => {
    const stage = await StageHarness.open(job, 'source-orders');
    const out = await stage.feed([created('o-1', T0), '{"orderId": ', paid('o-1', T0 + 5)]);
    expect(out.downstream).toEqual({ 'order-timeout': [created('o-1', T0), paid('o-1', T0 + 5)] });
    expect(out.deadLetters.map((d) => d.record)).toEqual(['{"orderId": ']);
    const again = await stage.feed([created('o-3', T0 + 9)]);
    expect(again).toEqual({ sinks: {}, downstream: { 'order-timeout': [created('o-3', T0 + 9)] }, deadLetters: [] });
  });

  it('names what it cannot do', async () => {
    await expect(StageHarness.open(job, 'nope')).rejects.toThrow(/nope/);
    const source = await StageHarness.open(job, 'source-orders');
    await expect(source.advanceWatermark(T0)).rejects.toThrow(/reads a source: feed it records/);
  });
});
