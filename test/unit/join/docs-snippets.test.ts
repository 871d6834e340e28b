/**
 * docs/joins.md must work as printed: its `// runnable` blocks are written to modules, imported
 * and type-checked (test/unit/support/doc-snippets.ts), then replayed in memory on small inputs
 * whose results are worked out by hand below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { loadRunnableSnippets, typeCheck, type DocSnippets } from '../support/doc-snippets.ts';

const jsonl = (records: object[]) => records.map((r) => JSON.stringify(r));
const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort().map((l) => JSON.parse(l));

let snippets: DocSnippets;
beforeAll(async () => {
  snippets = await loadRunnableSnippets('docs/joins.md');
});
afterAll(async () => {
  await snippets?.remove();
});
const job = (name: string) => {
  const j = snippets.jobs.get(name);
  if (!j) throw new Error(`docs/joins.md has no runnable job ${name}`);
  return j;
};

describe('docs/joins.md snippets', () => {
  it('has runnable snippets, each a module exporting a Job as default, with its joins in one keyed stage each', () => {
    expect(snippets.files).toHaveLength(4);
    expect([...snippets.jobs.keys()].sort()).toEqual(['ad-clicks', 'order-payments', 'priced-views', 'views-and-clicks']);
    for (const j of snippets.jobs.values()) expect(j).toBeInstanceOf(Job);
    const stages = (name: string) => planJob(job(name).graph).stages.map((s) => s.id);
    expect(stages('order-payments')).toEqual(['source-orders', 'source-payments', 'match-payment']);
    expect(stages('ad-clicks')).toEqual(['source-impressions', 'source-clicks', 'attribute-clicks']);
    expect(stages('views-and-clicks')).toEqual(['source-views', 'source-clicks', 'page-clicks', 'activity']);
    expect(stages('priced-views')).toEqual(['source-views', 'source-price-cdc', 'price-views']);
  });

  it('type-checks with the repository compiler options', () => {
    expect(typeCheck(snippets.files)).toEqual([]);
  }, 120_000);

  it('order-payments: an order and its payment meet whichever comes first', async () => {
    const orders = [{ orderId: 'o1', amount: 10, ts: 1_000 }, { orderId: 'o2', amount: 20, ts: 2_000 }, { orderId: 'o3', amount: 30, ts: 3_000 }];
    const payments = [{ orderId: 'o1', method: 'card', ts: 500 }, { orderId: 'o2', method: 'cash', ts: 2_500 }, { orderId: 'o9', method: 'card', ts: 2_600 }];
    const { sinks, deadLetters } = await replayInMemory(job('order-payments'), { orders: jsonl(orders), payments: jsonl(payments) });
    expect(deadLetters).toEqual([]);
    expect(sorted(sinks.values('paid'))).toEqual([{ orderId: 'o1', amount: 10, method: 'card' }, { orderId: 'o2', amount: 20, method: 'cash' }]);
  });

  it('ad-clicks: a click in [impression, impression + 10 min) of the same user and ad, the upper bound excluded', async () => {
    const impressions = [{ userId: 'u1', adId: 'a1', ts: 0 }, { userId: 'u2', adId: 'a1', ts: 10_000 }, { userId: 'u1', adId: 'a1', ts: 300_000 }];
    const clicks = [
      { userId: 'u2', adId: 'a1', ts: 9_000 }, // before u2's impression
      { userId: 'u2', adId: 'a2', ts: 20_000 }, // an ad u2 was not shown
      { userId: 'u1', adId: 'a1', ts: 60_000 }, // 1 min after the first impression only
      { userId: 'u1', adId: 'a1', ts: 600_000 }, // exactly 10 min after the first (excluded), 5 min after the second
      { userId: 'u2', adId: 'a1', ts: 610_000 }, // exactly 10 min after u2's: excluded
    ];
    const { sinks, deadLetters } = await replayInMemory(job('ad-clicks'), { impressions: jsonl(impressions), clicks: jsonl(clicks) });
    expect(deadLetters).toEqual([]);
    expect(sorted(sinks.values('attributed'))).toEqual([
      { userId: 'u1', adId: 'a1', shownTs: 0, clickTs: 60_000 },
      { userId: 'u1', adId: 'a1', shownTs: 300_000, clickTs: 600_000 },
    ]);
    expect(sinks.values('late-clicks')).toEqual([]); // each stream in order: nothing behind the watermark
  });

  it('views-and-clicks: pairs per user and minute, and counts per user and minute with either side empty', async () => {
    const views = [{ userId: 'u1', page: '/a', ts: 1_000 }, { userId: 'u1', page: '/b', ts: 30_000 }, { userId: 'u2', page: '/a', ts: 65_000 }, { userId: 'u1', page: '/c', ts: 70_000 }];
    const clicks = [{ userId: 'u3', url: 'z', ts: 5_000 }, { userId: 'u1', url: 'x', ts: 20_000 }, { userId: 'u1', url: 'y', ts: 61_000 }];
    const { sinks, deadLetters } = await replayInMemory(job('views-and-clicks'), { views: jsonl(views), clicks: jsonl(clicks) });
    expect(deadLetters).toEqual([]);
    expect(sorted(sinks.values('page-clicks'))).toEqual(sorted([
      { userId: 'u1', page: '/a', url: 'x' }, { userId: 'u1', page: '/b', url: 'x' }, // minute 0
      { userId: 'u1', page: '/c', url: 'y' }, // minute 1
    ]));
    expect(sorted(sinks.values('activity'))).toEqual(sorted([
      { userId: 'u1', views: 2, clicks: 1 }, { userId: 'u3', views: 0, clicks: 1 }, // minute 0
      { userId: 'u1', views: 1, clicks: 1 }, { userId: 'u2', views: 1, clicks: 0 }, // minute 1
    ]));
  });

  it('priced-views: views that come before the price table is loaded wait for it; unknown skus go to the side output', async () => {
    const change = (type: string, sku?: string, price?: number) => ({ database: 'shop', table: 'price', type, ts: 1_700_000_000, data: sku ? { sku, price } : {} });
    const cdc = [change('bootstrap-start'), change('bootstrap-insert', 's1', 10), change('bootstrap-insert', 's2', 20), change('bootstrap-complete')];
    const views = [{ viewId: 'v1', sku: 's2', ts: 1_000 }, { viewId: 'v2', sku: 's9', ts: 2_000 }, { viewId: 'v3', sku: 's1', ts: 3_000 }];
    const { sinks, deadLetters } = await replayInMemory(job('priced-views'), { views: jsonl(views), 'price-cdc': jsonl(cdc) });
    expect(deadLetters).toEqual([]);
    expect(sorted(sinks.values('priced'))).toEqual([{ viewId: 'v1', sku: 's2', price: 20 }, { viewId: 'v3', sku: 's1', price: 10 }]);
    expect(sinks.values('unknown-sku')).toEqual([{ viewId: 'v2', sku: 's9', ts: 2_000 }]);
  });
});
