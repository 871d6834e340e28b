/** The dim-enrich oracle accepts every arrival order the contract allows and rejects what it forbids. */
import { describe, expect, it } from 'vitest';
import { generateDimEnrich, type EventLine, type MaxwellLine } from './generator.ts';
import { checkDimEnrich, determinedEvents, productVersions, type EnrichedLine, type UnmatchedLine } from './oracle.ts';

/** A brute-force run of one arrival order: changes up to `cut` (at least the bootstrap) before every event. */
function runWithCut(changes: MaxwellLine[], events: EventLine[], cut: number) {
  const table = new Map<string, { name: unknown; category: unknown }>();
  for (const c of changes.slice(0, cut)) {
    if (c.table !== 'product' || c.data?.productId === undefined) continue;
    if (c.type === 'delete') table.delete(String(c.data.productId));
    else if (c.type !== 'bootstrap-start' && c.type !== 'bootstrap-complete') table.set(String(c.data.productId), { name: c.data.name, category: c.data.category });
  }
  const enriched: EnrichedLine[] = [];
  const unmatched: UnmatchedLine[] = [];
  for (const e of events) {
    const p = table.get(e.productId);
    if (p) enriched.push({ eventId: e.eventId, productId: e.productId, ...p });
    else unmatched.push({ eventId: e.eventId, productId: e.productId });
  }
  return { enriched, unmatched };
}

describe('dim-enrich oracle', () => {
  const { changes, events } = generateDimEnrich({ seed: 4, products: 30, events: 300, changesAfter: 20, noise: 10 });
  const complete = changes.findIndex((c) => c.type === 'bootstrap-complete') + 1;

  it('generates a bootstrap, live changes and events of known and unknown products', () => {
    expect(changes.filter((c) => c.type === 'bootstrap-insert')).toHaveLength(30);
    expect(changes.some((c) => c.table !== 'product')).toBe(true);
    expect(new Set(changes.map((c) => c.type))).toEqual(new Set(['bootstrap-start', 'bootstrap-insert', 'bootstrap-complete', 'insert', 'update', 'delete']));
    expect(productVersions(changes).size).toBeGreaterThan(30);
    expect(determinedEvents(changes, events)).toBeGreaterThan(events.length / 2);
  });

  it('accepts any order in which events come after the bootstrap', () => {
    for (const cut of [complete, complete + 5, changes.length]) {
      const run = runWithCut(changes, events, cut);
      expect(checkDimEnrich(changes, events, run.enriched, run.unmatched)).toEqual([]);
    }
  });

  it('rejects events met with a half-loaded table, lost, duplicated or enriched wrongly', () => {
    const half = runWithCut(changes, events, Math.floor(complete / 2));
    expect(checkDimEnrich(changes, events, half.enriched, half.unmatched).length).toBeGreaterThan(0);
    const ok = runWithCut(changes, events, complete);
    expect(checkDimEnrich(changes, events, ok.enriched.slice(1), ok.unmatched)).toEqual([`${ok.enriched[0].eventId} is lost`]);
    expect(checkDimEnrich(changes, events, [...ok.enriched, ok.enriched[0]], ok.unmatched)).toEqual([`${ok.enriched[0].eventId} is output more than once`]);
    const wrong = [{ ...ok.enriched[0], name: 'nope' }, ...ok.enriched.slice(1)];
    expect(checkDimEnrich(changes, events, wrong, ok.unmatched)).toHaveLength(1);
  });
});
