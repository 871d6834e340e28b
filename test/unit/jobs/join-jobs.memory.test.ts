/**
 * order-join on the in-memory engine against its independent oracle, clean and under chaos
 * (crashes at every point of the batch lifecycle, duplicated deliveries), and the contract's
 * other half: after end of input no buffered join state and no timer of the join is left.
 */
import { describe, expect, it } from 'vitest';
import orderJoin from '../../../functions/order-join/job.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import type { ItemsBody } from '../../../lib/state/log/item-codec.ts';
import { joinParts, unpack, type Packed } from '../../../lib/state/packing.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import type { CommitRequest, Item, ItemKey } from '../../../lib/state/store.ts';
import { generateOrderJoin } from '../../scenario/order-join/generator.ts';
import { compareLines, expectedOrderLines, type OrderLine } from '../../scenario/order-join/oracle.ts';
import { CHAOS_BATCH_SIZE, withBatchSize } from '../support/batch-size.ts';
import { stateDump } from '../support/state-items.ts';

const { orders, details } = generateOrderJoin({ seed: 5, orders: 300 });
const inputs = { orders: orders.map((o) => JSON.stringify(o)), 'order-details': details.map((d) => JSON.stringify(d)) };
const expected = expectedOrderLines(orders, details);
const JOIN_STAGE = 'order-lines';

/**
 * Records per invocation of every stage. At the job's 100, one invocation of the join reads up to
 * 100 records of each source's batches, so most of this input meets and is cleaned up within a
 * batch; at 5, buffers and timers live in the store from batch to batch, as they do live.
 */
const SMALL_BATCHES = 5;

async function run(chaos?: { probability: number; seed: number }, batchSize?: number) {
  let late = 0;
  const r = await withBatchSize(orderJoin, batchSize, () => replayInMemory(orderJoin, inputs, { chaos, onBatch: (b) => b.stage === JOIN_STAGE && (late += b.late) }));
  return { ...r, late };
}

/** The join's state items (its buffers: s#order-lines#<key>) and its timers (t#order-lines#<partition>), whichever backend keeps them. */
async function joinLeftovers(run: Awaited<ReturnType<typeof replayInMemory>>) {
  return (await stateDump(run)).filter((i) => i.pk.startsWith(`s#${JOIN_STAGE}#`) || i.pk.startsWith(`t#${JOIN_STAGE}#`));
}

describe('order-join in memory', () => {
  for (const batchSize of [undefined, SMALL_BATCHES]) {
    it(`emits exactly the oracle’s order lines, drops nothing as late, and leaves no join state or timer (batch size ${batchSize ?? 'of the job'})`, async () => {
      expect(expected.length).toBeGreaterThan(300);
      const result = await run(undefined, batchSize);
      const { sinks, deadLetters, late } = result;
      expect(deadLetters).toEqual([]);
      expect([...(sinks.values('order-lines') as OrderLine[])].sort(compareLines)).toEqual(expected);
      expect(late).toBe(0);
      expect(await joinLeftovers(result)).toEqual([]);
    });
  }

  it('rows have the contract’s fields, in its order', async () => {
    const { sinks } = await run();
    for (const row of sinks.values('order-lines').slice(0, 20)) expect(Object.keys(row as object)).toEqual(['orderId', 'detailId', 'userId', 'spuId', 'qty', 'orderTs', 'detailTs']);
  });

  it('did buffer state and register timers on the way (the emptiness above is not vacuous)', async () => {
    const written = { buffers: 0, timers: 0 };
    const count = (puts: Item[]) => {
      for (const put of puts) {
        if (put.pk.startsWith(`s#${JOIN_STAGE}#`)) written.buffers++;
        if (put.pk.startsWith(`t#${JOIN_STAGE}#`)) written.timers++;
      }
    };
    const { commit, writeBatch } = MemoryStore.prototype;
    MemoryStore.prototype.commit = async function (this: MemoryStore, request: CommitRequest) {
      count(request.puts);
      return commit.call(this, request);
    };
    MemoryStore.prototype.writeBatch = async function (this: MemoryStore, puts: Item[], deletes: ItemKey[]) {
      count(puts); // a large batch's changes, applied after its redo log (lib/runtime/commit.ts)
      // Log-structured state: a batch's changes are a log entry (its parts written together; lib/runtime/log-commit.ts).
      const entries = new Map<string, Packed[]>();
      for (const put of puts.filter((p) => p.pk.startsWith('l#'))) entries.set(put.sk.slice(0, put.sk.lastIndexOf('#')), [...(entries.get(put.sk.slice(0, put.sk.lastIndexOf('#'))) ?? []), put.attrs.log as Packed]);
      // Rows of the entry's body by kind (item-codec.ts): state values, whole or as edits, and timers (grouped by time).
      for (const parts of entries.values()) {
        const body = unpack<ItemsBody>(joinParts(parts));
        written.buffers += (body.s?.length ?? 0) + (body.sv?.length ?? 0);
        written.timers += (body.t?.length ?? 0) + (body.tg ?? []).reduce((n, [, , , keys]) => n + keys.length, 0);
      }
      return writeBatch.call(this, puts, deletes);
    };
    try {
      await run(undefined, SMALL_BATCHES);
    } finally {
      Object.assign(MemoryStore.prototype, { commit, writeBatch });
    }
    expect(written.buffers).toBeGreaterThan(orders.length / 2);
    expect(written.timers).toBeGreaterThan(orders.length / 2);
  });

  for (const [seed, batchSize] of [[1, CHAOS_BATCH_SIZE], [2, CHAOS_BATCH_SIZE], [1, SMALL_BATCHES], [2, SMALL_BATCHES]]) {
    it(`under chaos 0.2 (seed ${seed}, batch size ${batchSize}): the same lines, and no join state left`, async () => {
      const result = await run({ probability: 0.2, seed: seed! }, batchSize);
      const { sinks, deadLetters, chaos } = result;
      expect(Object.values(chaos ?? {}).reduce((n, x) => n + (x ?? 0), 0)).toBeGreaterThan(0);
      expect(deadLetters).toEqual([]);
      expect([...(sinks.values('order-lines') as OrderLine[])].sort(compareLines)).toEqual(expected);
      expect(await joinLeftovers(result)).toEqual([]);
    });
  }

  it('dead-letters malformed lines of both sources with a reason; the rest joins exactly', async () => {
    const badOrders = ['not json', '{"orderId":"","userId":"u","amount":1,"ts":1700000000000}', '{"orderId":"o-x","userId":"u","amount":"1","ts":1700000000000}', '{"orderId":"o-y","userId":"u","amount":1}'];
    const badDetails = ['[1,2]', '{"detailId":"d-x","orderId":"o-000001","spuId":"s","qty":1.5,"ts":1700000000000}', '{"detailId":"d-y","spuId":"s","qty":1,"ts":1700000000000}', '{"detailId":"d-z","orderId":"o-000001","spuId":"s","qty":1,"ts":-1}'];
    const mix = (good: string[], bad: string[]) => good.flatMap((l, i) => (i < bad.length ? [bad[i], l] : [l]));
    const { sinks, deadLetters } = await replayInMemory(orderJoin, { orders: mix(inputs.orders, badOrders), 'order-details': mix(inputs['order-details'], badDetails) });
    expect(deadLetters.map((d) => d.record).sort()).toEqual([...badOrders, ...badDetails].sort());
    for (const d of deadLetters) expect(d.reason).toMatch(/\S/);
    expect([...(sinks.values('order-lines') as OrderLine[])].sort(compareLines)).toEqual(expected);
  });
});
