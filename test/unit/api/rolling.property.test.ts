/**
 * Rolling aggregations of a keyed stream (`reduce`, `sum`, `min`, `max`, `minBy`, `maxBy`)
 * against brute force: random records through a job in memory (two keyed shards, batches of
 * a few records, crashes), and for every key the sequence of emitted aggregates equal to the
 * prefix aggregates computed directly from the input, with Flink's rules for the other fields.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Job } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { withBatchSize } from '../support/batch-size.ts';
import { sink, tsSource } from '../support/tiny.ts';

interface Sale { shop: string; amount: number; item: string; ts: number }

type Op = 'reduce' | 'sum' | 'min' | 'max' | 'minBy' | 'maxBy' | 'maxByLatest';
const OPS: Op[] = ['reduce', 'sum', 'min', 'max', 'minBy', 'maxBy', 'maxByLatest'];

function job(op: Op): Job {
  const j = new Job(`rolling-${op.toLowerCase()}`, { parallelism: 2 });
  const keyed = tsSource<Sale>(j, 'sales', { outOfOrderness: 0 }).keyBy((s) => s.shop);
  const out = {
    reduce: () => keyed.reduce((a, b) => ({ ...a, amount: a.amount + b.amount, item: `${a.item}+${b.item}` }), { uid: 'agg' }),
    sum: () => keyed.sum('amount', { uid: 'agg' }),
    min: () => keyed.min('amount', { uid: 'agg' }),
    max: () => keyed.max('amount', { uid: 'agg' }),
    minBy: () => keyed.minBy('amount', { uid: 'agg' }),
    maxBy: () => keyed.maxBy('amount', { uid: 'agg' }),
    maxByLatest: () => keyed.maxBy('amount', { uid: 'agg', first: false }),
  }[op]();
  out.sinkTo(sink<Sale>('out'));
  return j;
}

/** The aggregate after each record of one key, computed from the records directly. */
function bruteForce(op: Op, sales: Sale[]): Sale[] {
  return sales.map((_, i) => {
    const prefix = sales.slice(0, i + 1);
    const amounts = prefix.map((s) => s.amount);
    const first = prefix[0];
    switch (op) {
      case 'reduce': return { ...first, amount: amounts.reduce((a, b) => a + b, 0), item: prefix.map((s) => s.item).join('+') };
      case 'sum': return { ...first, amount: amounts.reduce((a, b) => a + b, 0) };
      case 'min': return { ...first, amount: Math.min(...amounts) };
      case 'max': return { ...first, amount: Math.max(...amounts) };
      case 'minBy': return prefix.find((s) => s.amount === Math.min(...amounts))!;
      case 'maxBy': return prefix.find((s) => s.amount === Math.max(...amounts))!;
      case 'maxByLatest': return [...prefix].reverse().find((s) => s.amount === Math.max(...amounts))!;
    }
  });
}

const sales = fc.array(fc.record({ shop: fc.constantFrom('a', 'b', 'c', 'd', 'e'), amount: fc.integer({ min: -5, max: 5 }), item: fc.constantFrom('x', 'y', 'z') }), { minLength: 1, maxLength: 40 });

describe('rolling aggregations of a keyed stream', () => {
  for (const op of OPS) {
    it(`${op}: every key's emitted aggregates are its prefix aggregates`, async () => {
      await fc.assert(
        fc.asyncProperty(sales, fc.integer({ min: 1, max: 7 }), fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }), async (rows, batchSize, chaosSeed) => {
          const input = rows.map((r, i) => ({ ...r, ts: 1000 + i }));
          const j = job(op);
          const chaos = chaosSeed === undefined ? undefined : { probability: 0.2, seed: chaosSeed };
          const { sinks } = await withBatchSize(j, batchSize, () => replayInMemory(j, { sales: input.map((s) => JSON.stringify(s)) }, { chaos }));
          const got = sinks.values('out') as Sale[];
          expect(got).toHaveLength(input.length); // one aggregate per record, none lost or doubled by crashes
          for (const shop of new Set(input.map((s) => s.shop))) {
            expect(got.filter((s) => s.shop === shop)).toEqual(bruteForce(op, input.filter((s) => s.shop === shop)));
          }
        }),
        { numRuns: 15 },
      );
    }, 120_000);
  }

  it('refuses a field that is not a number in a record, naming the record', async () => {
    const j = new Job('rolling-bad', { parallelism: 1 });
    tsSource<Sale>(j, 'sales', { outOfOrderness: 0 }).keyBy((s) => s.shop).sum('amount', { uid: 'agg' }).sinkTo(sink<Sale>('out'));
    const lines = [{ shop: 'a', amount: 1, item: 'x', ts: 1 }, { shop: 'a', amount: 'two', item: 'y', ts: 2 }].map((s) => JSON.stringify(s));
    const { deadLetters } = await replayInMemory(j, { sales: lines });
    expect(deadLetters.map((d) => d.reason).join('\n')).toMatch(/sum\("amount"\): the field is not a finite number in \{"shop":"a","amount":"two"/);
  });
});
