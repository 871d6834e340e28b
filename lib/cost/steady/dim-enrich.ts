/**
 * Steady-rate input for dim-enrich (contract: /work/shared/SCENARIOS.md): Maxwell's bootstrap
 * of the `product` table first (2,000 rows at once, before the steady clock starts: a warm-up),
 * then product views at the feed rate — products Zipf-popular (s = 1), 3 % of views naming a
 * product the table does not have — with a live change to the table (40 % insert, 50 %
 * update, 10 % delete) about once every 500 records.
 */
import { steadyFeed, type PlannedRecord, type SteadyInput, type SteadyOptions } from './feed.ts';
import { uniformInt, zipfRanks } from './random.ts';
import { seededRandom } from '../../runtime/seeded-random.ts';

const PRODUCTS = 2_000;
const CATEGORIES = ['books', 'games', 'garden', 'kitchen', 'music', 'toys'];

/**
 * `events` and `product-cdc` at `rate` records a second together, the bootstrap first.
 *
 * @example
 * ```ts
 * const { lines } = dimEnrichInput({ events: 20_000, rate: 10, seed: 1 });
 * JSON.parse(lines['product-cdc'][0]).type; // 'bootstrap-start'
 * ```
 */
export function dimEnrichInput(o: SteadyOptions): SteadyInput {
  const random = seededRandom(o.seed);
  const popular = zipfRanks(PRODUCTS, 1, random);
  const seconds = (ts: number) => Math.floor(ts / 1000); // Maxwell's ts
  const change = (type: string, data: Record<string, unknown>, old?: Record<string, unknown>) => (ts: number) => ({ database: 'shop', table: 'product', type, ts: seconds(ts), data, ...(old && { old }) });
  const row = (id: number, version: number) => ({ productId: `p${id}`, name: `product ${id} v${version}`, category: CATEGORIES[uniformInt(random, 0, CATEGORIES.length - 1)] });

  const planned: PlannedRecord[] = [{ atMs: 0, upfront: true, source: 'product-cdc', record: change('bootstrap-start', {}) }];
  const versions = new Map<number, number>();
  for (let id = 1; id <= PRODUCTS; id++) {
    versions.set(id, 0);
    planned.push({ atMs: 0, upfront: true, source: 'product-cdc', record: change('bootstrap-insert', row(id, 0)) });
  }
  planned.push({ atMs: 0, upfront: true, source: 'product-cdc', record: change('bootstrap-complete', {}) });

  let nextId = PRODUCTS + 1;
  for (let i = 0; planned.length < o.events + PRODUCTS + 2; i++) {
    if (random() < 1 / 500) {
      const r = random();
      const ids = [...versions.keys()];
      const id = r < 0.4 || ids.length === 0 ? nextId++ : ids[uniformInt(random, 0, ids.length - 1)];
      const version = (versions.get(id) ?? -1) + 1;
      if (r < 0.4) versions.set(id, 0);
      else if (r < 0.9) versions.set(id, version);
      else versions.delete(id);
      const record = r < 0.4 ? change('insert', row(id, 0)) : r < 0.9 ? change('update', row(id, version), { name: `product ${id} v${version - 1}` }) : change('delete', row(id, version));
      planned.push({ atMs: i, source: 'product-cdc', record });
      continue;
    }
    const productId = random() < 0.03 ? `p${PRODUCTS * 10 + uniformInt(random, 1, 1000)}` : `p${popular()}`;
    const eventId = `e${i}`;
    planned.push({ atMs: i, source: 'events', record: (ts) => ({ eventId, productId, ts }) });
  }
  return steadyFeed(planned, { ...o, disorderMs: 4000, random });
}
