/** lib/cost/steady/dim-enrich.ts: the bootstrap first, at once; then views and a trickle of changes. */
import { describe, expect, it } from 'vitest';
import { dimEnrichInput } from '../../../../lib/cost/steady/dim-enrich.ts';

describe('dimEnrichInput', () => {
  const input = dimEnrichInput({ events: 20_000, rate: 10, seed: 4 });
  const changes = input.lines['product-cdc'].map((l) => JSON.parse(l) as { type: string; table: string; data: { productId?: string } });
  const events = input.lines.events.map((l) => JSON.parse(l) as { eventId: string; productId: string });

  it('bootstraps the product table at once before the steady clock starts, before any live change', () => {
    expect(changes[0].type).toBe('bootstrap-start');
    const complete = changes.findIndex((c) => c.type === 'bootstrap-complete');
    expect(complete).toBe(2001);
    expect(changes.slice(1, complete).every((c) => c.type === 'bootstrap-insert' && c.table === 'product')).toBe(true);
    expect(input.arrivalsMs['product-cdc'].slice(0, complete + 1).every((a) => a === -1000)).toBe(true);
    expect(input.arrivalsMs['product-cdc'].slice(complete + 1).every((a) => a >= 0)).toBe(true);
  });

  it('changes the table about once every 500 records, and names an unknown product in about 3 % of views', () => {
    const live = changes.length - 2002;
    expect(live).toBeGreaterThan(20_000 / 500 / 2);
    expect(live).toBeLessThan((20_000 / 500) * 2);
    const known = new Set(changes.filter((c) => c.type !== 'delete').map((c) => c.data.productId));
    const unknown = events.filter((e) => !known.has(e.productId)).length / events.length;
    expect(unknown).toBeGreaterThan(0.02);
    expect(unknown).toBeLessThan(0.04);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });
});
