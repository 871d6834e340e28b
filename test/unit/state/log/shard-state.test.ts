/**
 * A shard's state held in memory answers reads exactly as the store would answer them for the
 * same items (the batch lifecycle reads both through one contract): checked against the
 * in-memory store on random writes, deletes, queries and scans.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardState } from '../../../../lib/state/log/shard-state.ts';
import { MemoryStore } from '../../../../lib/state/memory-store.ts';
import type { Item, ItemKey } from '../../../../lib/state/store.ts';

const pkArb = fc.constantFrom('s#op#a', 's#op#ab', 's#op#a\u0001x', 's#op2#a', 't#op#0', 't#op#1');
const skArb = fc.constantFrom('v#-', 'm#-#"1"', 'm#-#"2"', 'm#-#"10"', 'E#0000000000000005#ff#a#-', 'E#0000000000000007#00#b#-', 'P#0000000000000001#aa#c#-');
const opArb = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), pk: pkArb, sk: skArb, v: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), pk: pkArb, sk: skArb }),
);
const queryArb = fc.record({ pk: pkArb, from: fc.option(skArb, { nil: undefined }), to: fc.option(skArb, { nil: undefined }), limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) });
const scanArb = fc.record({ pkPrefix: fc.constantFrom('', 's#', 's#op#', 's#op#a', 't#op#'), skPrefix: fc.option(fc.constantFrom('m#', 'E#', 'v#'), { nil: undefined }) });

const sortById = (items: Item[]) => [...items].sort((a, b) => (a.pk + '\u0000' + a.sk < b.pk + '\u0000' + b.sk ? -1 : 1));

describe('ShardState', () => {
  it('reads like the store over the same items (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), fc.array(queryArb, { maxLength: 6 }), fc.array(scanArb, { maxLength: 3 }), async (ops, queries, scans) => {
        const state = new ShardState(0);
        const store = new MemoryStore();
        for (const op of ops) {
          const key: ItemKey = { table: 'state', pk: op.pk, sk: op.sk };
          if (op.kind === 'put') {
            const item: Item = { ...key, attrs: { v: String(op.v) } };
            state.apply([item], []);
            await store.writeBatch([item], []);
          } else {
            state.apply([], [key]);
            await store.writeBatch([], [key]);
          }
        }
        for (const q of queries) {
          const range = { from: q.from, to: q.to, limit: q.limit };
          expect(await state.query('state', q.pk, range)).toEqual(await store.query('state', q.pk, range));
        }
        for (const s of scans) expect(sortById(await state.scan('state', s))).toEqual(sortById(await store.scan('state', s)));
        const keys = ops.map((o) => ({ table: 'state' as const, pk: o.pk, sk: o.sk }));
        expect(sortById(await state.batchGet(keys))).toEqual(sortById(await store.batchGet(keys)));
        expect(state.size).toBe(store.dump('state').length);
      }),
      { numRuns: 300 },
    );
  });

  it('counts what it holds, and forgets what is deleted', () => {
    const state = new ShardState(3);
    const item: Item = { table: 'state', pk: 's#op#k', sk: 'v#-', attrs: { v: '12345' } };
    state.apply([item], []);
    // pk + sk + 4 (separators) + "v" + "12345"
    expect([state.size, state.heldBytes]).toEqual([1, 6 + 3 + 4 + 1 + 5]);
    state.apply([{ ...item, attrs: { v: '1' } }], []);
    expect(state.heldBytes).toBe(6 + 3 + 4 + 1 + 1);
    state.apply([], [item]);
    expect([state.size, state.heldBytes, state.version]).toEqual([0, 0, 3]);
  });
});
