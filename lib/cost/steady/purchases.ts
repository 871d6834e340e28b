/**
 * Steady-rate purchases for hot-items, hourly-uv and uv-sliding (contract: /work/shared/SCENARIOS.md):
 * users Zipf-distributed (s = 0.8) over 100,000, items (spuId) Zipf-distributed (s = 1.1) over 10,000.
 */
import { steadyFeed, type PlannedRecord, type SteadyInput, type SteadyOptions } from './feed.ts';
import { uniformInt, zipfRanks } from './random.ts';
import { seededRandom } from '../../runtime/seeded-random.ts';

/**
 * `purchases` at `rate` records a second.
 *
 * @example
 * ```ts
 * const { lines } = purchasesInput({ events: 20_000, rate: 1000, seed: 1 });
 * JSON.parse(lines.purchases[0]); // { userId: 'u-17', spuId: 'spu-3', amount: 12.5, ts: 1699999996712 }
 * ```
 */
export function purchasesInput(o: SteadyOptions): SteadyInput {
  const random = seededRandom(o.seed);
  const user = zipfRanks(100_000, 0.8, random);
  const item = zipfRanks(10_000, 1.1, random);
  const planned: PlannedRecord[] = Array.from({ length: o.events }, (_, i) => {
    const purchase = { userId: `u-${user()}`, spuId: `spu-${item()}`, amount: uniformInt(random, 100, 50_000) / 100 };
    return { atMs: i, source: 'purchases', record: (ts: number) => ({ ...purchase, ts }) };
  });
  return steadyFeed(planned, { ...o, disorderMs: 4000, random });
}
