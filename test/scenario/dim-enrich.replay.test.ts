/** `eddy replay dim-enrich` from outside, on the embedded stack: its contract, clean and under --chaos. */
import { describe, expect, it } from 'vitest';
import { generateDimEnrich } from './dim-enrich/generator.ts';
import { checkDimEnrich } from './dim-enrich/oracle.ts';
import { replayCli } from '../support/replay-cli.ts';

const { changes, events } = generateDimEnrich({ seed: 33, products: 30, events: 400, changesAfter: 25, noise: 10 });
const inputs = {
  events: events.map((e) => JSON.stringify(e)).join('\n') + '\n',
  'product-cdc': changes.map((c) => JSON.stringify(c)).join('\n') + '\n',
};

describe('eddy replay dim-enrich', () => {
  it('enriches every event once against the whole table, or reports it unmatched', async () => {
    const run = await replayCli('dim-enrich', inputs);
    expect(await run.read('dead-letter')).toEqual([]);
    const [enriched, unmatched] = [await run.read('enriched'), await run.read('unmatched')];
    expect(checkDimEnrich(changes, events, enriched, unmatched)).toEqual([]);
    expect(enriched.length + unmatched.length).toBe(new Set(events.map((e) => e.eventId)).size);
  }, 300_000);

  it('gives an answer that meets the contract under --chaos 0.2', async () => {
    const run = await replayCli('dim-enrich', inputs, ['--chaos', '0.2', '--seed', '5', '--batch-size', '100']);
    expect(Object.values(run.chaosCounts()).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(await run.read('dead-letter')).toEqual([]);
    expect(checkDimEnrich(changes, events, await run.read('enriched'), await run.read('unmatched'))).toEqual([]);
  }, 300_000);
});
