/**
 * dim-enrich on the in-memory engine against its oracle: clean, with the events racing ahead
 * of the table's bootstrap, under chaos, and with malformed records on both streams.
 */
import { describe, expect, it } from 'vitest';
import dimEnrich from '../../../functions/dim-enrich/job.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import type { BatchResult } from '../../../lib/runtime/batch.ts';
import { generateDimEnrich } from '../../scenario/dim-enrich/generator.ts';
import { checkDimEnrich } from '../../scenario/dim-enrich/oracle.ts';
import { driveToEnd } from '../support/drive.ts';
import { stateDump } from '../support/state-items.ts';
import { lines } from '../support/tiny.ts';

const { changes, events } = generateDimEnrich({ seed: 21, products: 40, events: 500, changesAfter: 30, noise: 15 });
const inputs = { events: lines(events), 'product-cdc': lines(changes) };

describe('dim-enrich in memory', () => {
  it('meets its contract: each event once, never against a half-loaded table', async () => {
    const run = await replayInMemory(dimEnrich, inputs);
    expect(run.deadLetters).toEqual([]);
    expect(checkDimEnrich(changes, events, run.sinks.values('enriched') as any, run.sinks.values('unmatched') as any)).toEqual([]);
    expect(run.sinks.values('enriched').length).toBeGreaterThan(100);
    expect(run.sinks.values('unmatched').length).toBeGreaterThan(10);
  });

  it('holds the events that come before the bootstrap completes and enriches them after', async () => {
    const results: BatchResult[] = [];
    const run = await driveToEnd(dimEnrich, inputs, { batchSize: (stage) => (stage === 'source-product-cdc' ? 3 : 200), onBatch: (r) => results.push(r) });
    const held = results.reduce((n, r) => n + r.held, 0);
    expect(held).toBeGreaterThan(events.length / 2);
    expect(results.reduce((n, r) => n + r.released, 0)).toBe(held);
    expect(run.deadLetters).toEqual([]);
    expect(checkDimEnrich(changes, events, run.sinks.values('enriched') as any, run.sinks.values('unmatched') as any)).toEqual([]);
    expect((await stateDump(run)).filter((i) => i.sk.startsWith('$held#'))).toEqual([]);
  });

  for (const seed of [1, 2]) {
    it(`under chaos 0.2 (seed ${seed}) too`, async () => {
      const run = await replayInMemory(dimEnrich, inputs, { chaos: { probability: 0.2, seed } });
      expect(Object.values(run.chaos!).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(run.deadLetters).toEqual([]);
      expect(checkDimEnrich(changes, events, run.sinks.values('enriched') as any, run.sinks.values('unmatched') as any)).toEqual([]);
    });
  }

  it('dead-letters malformed events and change records with their reasons; the rest is exact', async () => {
    const badEvents = ['{"eventId":"x1","productId":"p1"}', 'not json', '{"eventId":"","productId":"p1","ts":5}', '{"eventId":"x2","productId":null,"ts":5}'];
    const badChanges = ['{"database":"shop","table":"product","type":"upsert","ts":1700000000,"data":{}}', '{"database":"shop","table":"product","type":"insert","ts":"soon","data":{"productId":"p9"}}'];
    const run = await replayInMemory(dimEnrich, {
      events: [...lines(events.slice(0, 50)), ...badEvents, ...lines(events.slice(50))],
      'product-cdc': [...lines(changes.slice(0, 5)), ...badChanges, ...lines(changes.slice(5))],
    });
    expect(run.deadLetters.map((d) => d.record).sort()).toEqual([...badEvents, ...badChanges].sort());
    expect(run.deadLetters.every((d) => d.reason.length > 10)).toBe(true);
    expect(run.deadLetters.filter((d) => d.stage === 'source-product-cdc').map((d) => d.reason)).toEqual([expect.stringMatching(/^maxwell: .*type/), expect.stringMatching(/^maxwell: ts/)]);
    expect(checkDimEnrich(changes, events, run.sinks.values('enriched') as any, run.sinks.values('unmatched') as any)).toEqual([]);
  });
});
