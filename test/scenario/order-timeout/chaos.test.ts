/**
 * The exactly-once promise from outside: `eddy replay --chaos 0.2 --seed n` crashes and
 * retries batches at random points of their lifecycle (and delivers some twice); the sink
 * files must equal the clean contract (the independent oracle), line for line as multisets.
 * Batches of 100 (`--batch-size`): at the default 1,000 this input would be a batch or two.
 */
import { describe, expect, it } from 'vitest';
import { replayCli } from '../../support/replay-cli.ts';
import { generateOrderStream, toJsonl } from './generator.ts';
import { expectedOrderTimeout, sortRows } from './oracle.ts';

const events = generateOrderStream({ seed: 4242, orders: 120 });
const expected = expectedOrderTimeout(events);

describe('eddy replay order-timeout --chaos', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: the outputs equal a run without chaos`, async () => {
      const { read, chaosCounts } = await replayCli('order-timeout', { orders: toJsonl(events) }, ['--chaos', '0.2', '--seed', String(seed), '--batch-size', '100']);
      expect(Object.values(chaosCounts()).reduce((a, b) => a + b, 0)).toBeGreaterThan(0); // it really crashed
      expect(sortRows(await read('paid'))).toEqual(sortRows(expected.paid));
      expect(sortRows(await read('timeouts'))).toEqual(sortRows(expected.timeouts));
      expect(sortRows(await read('late-payments'))).toEqual(sortRows(expected.latePayments));
      expect(await read('dead-letter')).toEqual([]);
    }, 300_000);
  }

  it('refuses a --batch-size Lambda would not take', async () => {
    await expect(replayCli('order-timeout', { orders: toJsonl(events.slice(0, 3)) }, ['--batch-size', '0'])).rejects.toThrow(/--batch-size takes a whole number of records from 1 to 10000, got "0"/);
    await expect(replayCli('order-timeout', { orders: toJsonl(events.slice(0, 3)) }, ['--batch-size', '20000'])).rejects.toThrow(/got "20000"/);
  });
});
