/**
 * Seeded input for the `dim-enrich` scenario: a Maxwell stream that bootstraps the `product`
 * table (with live changes to it and rows of other tables mixed in) and an events stream of
 * product views, some of unknown products.
 */
import { seededRandom } from '../../../lib/runtime/seeded-random.ts';

export interface MaxwellLine {
  database: string;
  table: string;
  type: 'insert' | 'update' | 'delete' | 'bootstrap-start' | 'bootstrap-insert' | 'bootstrap-complete';
  ts: number;
  data?: Record<string, unknown>;
  old?: Record<string, unknown>;
}
export interface EventLine { eventId: string; productId: string; ts: number }

export interface DimEnrichOptions {
  seed: number;
  /** Rows of the table when the bootstrap runs. */
  products: number;
  events: number;
  /** Live changes to `product` after the bootstrap (inserts, updates, deletes). */
  changesAfter: number;
  /** Rows of other tables mixed into the change stream. */
  noise?: number;
  /** Epoch seconds of the first change. */
  startTs?: number;
}

const CATEGORIES = ['books', 'games', 'garden', 'kitchen', 'music', 'toys'];

export function generateDimEnrich(o: DimEnrichOptions): { changes: MaxwellLine[]; events: EventLine[] } {
  const rand = seededRandom(o.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  let clock = o.startTs ?? 1_700_000_000;
  const tick = () => (clock += int(0, 1));
  const row = (id: number, version: number) => ({ productId: `p${id}`, name: `product ${id} v${version}`, category: CATEGORIES[int(0, CATEGORIES.length - 1)], price: int(100, 9999) / 100 });
  const noise = (): MaxwellLine => ({ database: 'shop', table: 'orders', type: 'insert', ts: tick(), data: { id: int(1, 1e6), amount: int(1, 500) } });

  const changes: MaxwellLine[] = [];
  const live = new Map<number, number>(); // id -> version
  let nextId = 1;
  changes.push({ database: 'shop', table: 'product', type: 'bootstrap-start', ts: tick(), data: {} });
  for (let i = 0; i < o.products; i++) {
    const id = nextId++;
    live.set(id, 0);
    changes.push({ database: 'shop', table: 'product', type: 'bootstrap-insert', ts: tick(), data: row(id, 0) });
    if (o.noise && rand() < 0.2) changes.push(noise());
  }
  changes.push({ database: 'shop', table: 'product', type: 'bootstrap-complete', ts: tick(), data: {} });
  for (let i = 0; i < o.changesAfter; i++) {
    const ids = [...live.keys()];
    const r = rand();
    if (r < 0.4 || ids.length === 0) {
      const id = nextId++;
      live.set(id, 0);
      changes.push({ database: 'shop', table: 'product', type: 'insert', ts: tick(), data: row(id, 0) });
    } else if (r < 0.8) {
      const id = ids[int(0, ids.length - 1)];
      const version = live.get(id)! + 1;
      live.set(id, version);
      const data = row(id, version);
      changes.push({ database: 'shop', table: 'product', type: 'update', ts: tick(), data, old: { name: `product ${id} v${version - 1}` } });
    } else {
      const id = ids[int(0, ids.length - 1)];
      live.delete(id);
      changes.push({ database: 'shop', table: 'product', type: 'delete', ts: tick(), data: { productId: `p${id}`, name: 'gone', category: 'gone' } });
    }
    if (o.noise && rand() < 0.3) changes.push(noise());
  }

  // Views of products that exist, will exist, or never do; event time within 5 s of order.
  const events: EventLine[] = [];
  let eventClock = (o.startTs ?? 1_700_000_000) * 1000;
  for (let i = 0; i < o.events; i++) {
    eventClock += int(0, 400);
    events.push({ eventId: `e${i}`, productId: `p${int(1, nextId + 5)}`, ts: eventClock - int(0, 5000) });
  }
  return { changes, events };
}
