/**
 * One input per scenario job, by source, as JSON Lines text, with a malformed line where a
 * source should dead-letter one: what the tests that run every scenario job end to end feed
 * (replay engines, the deployed artifacts).
 */
import { generateRequests } from './anti-crawler/generator.ts';
import { generateMaxwell } from './cdc-split/generator.ts';
import { generateDimEnrich } from './dim-enrich/generator.ts';
import { generateOrderJoin } from './order-join/generator.ts';
import { generateOrderStream, toJsonl } from './order-timeout/generator.ts';
import { generatePurchases } from './purchases/generator.ts';

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** The malformed line some inputs end with. */
export const BAD_LINE = 'not json\n';

/**
 * @example
 * ```ts
 * const inputs = scenarioInputs()['order-timeout']; // { orders: '...jsonl...' }
 * ```
 */
export function scenarioInputs(seed = 21): Record<string, Record<string, string>> {
  const purchases = jsonl(generatePurchases({ seed, events: 300, users: 80, items: 20, spanMs: 2 * 3_600_000 }));
  const { orders, details } = generateOrderJoin({ seed, orders: 120 });
  const dim = generateDimEnrich({ seed, products: 20, events: 200, changesAfter: 25, noise: 5 });
  return {
    'order-timeout': { orders: toJsonl(generateOrderStream({ seed, orders: 120 })) + BAD_LINE },
    'order-join': { orders: jsonl(orders) + BAD_LINE, 'order-details': jsonl(details) },
    'hourly-uv': { purchases: purchases + BAD_LINE },
    'uv-sliding': { purchases },
    'hot-items': { purchases },
    'anti-crawler': { requests: jsonl(generateRequests({ seed, ips: 12, requests: 400 })) },
    'cdc-split': { maxwell: jsonl(generateMaxwell({ seed, records: 300 })) + BAD_LINE },
    'dim-enrich': { events: jsonl(dim.events), 'product-cdc': jsonl(dim.changes) },
  };
}
