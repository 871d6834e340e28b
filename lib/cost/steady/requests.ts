/**
 * Steady-rate requests for anti-crawler (contract: /work/shared/SCENARIOS.md): a fixed population
 * of 10,000 ips whose traffic is Zipf-distributed (s = 1: a few heavy hitters, a long tail), and
 * 10 crawlers sending 10 % of all requests between them, walking item pages. At 1,000 requests/s
 * a crawler sends 10 a second (its last 30 span 3 s: alerts); at 10/s one every 10 s (none).
 */
import { steadyFeed, type PlannedRecord, type SteadyInput, type SteadyOptions } from './feed.ts';
import { uniformInt, zipfRanks } from './random.ts';
import { seededRandom } from '../../runtime/seeded-random.ts';

const IPS = 10_000;
const CRAWLERS = 10;
const PATHS = ['/', '/search', '/cart', '/login', '/item/'];

/** An ip of the population by rank (1: the busiest), in 10.0.0.0/8. @example `ipOfRank(1) // '10.0.0.1'` */
export function ipOfRank(rank: number): string {
  return `10.${(rank >> 16) & 255}.${(rank >> 8) & 255}.${rank & 255}`;
}

/**
 * `requests` at `rate` a second.
 *
 * @example
 * ```ts
 * const { lines } = antiCrawlerInput({ events: 20_000, rate: 100, seed: 1 });
 * ```
 */
export function antiCrawlerInput(o: SteadyOptions): SteadyInput {
  const random = seededRandom(o.seed);
  const ip = zipfRanks(IPS, 1, random);
  const page = zipfRanks(50_000, 1.1, random);
  const crawled = new Array<number>(CRAWLERS).fill(0);
  const planned: PlannedRecord[] = Array.from({ length: o.events }, (_, i) => {
    let request: { ip: string; path: string };
    if (random() < 0.1) {
      const c = uniformInt(random, 0, CRAWLERS - 1);
      request = { ip: `203.0.113.${c + 1}`, path: `/item/${c * 1_000_000 + ++crawled[c]}` };
    } else {
      const path = PATHS[uniformInt(random, 0, PATHS.length - 1)];
      request = { ip: ipOfRank(ip()), path: path === '/item/' ? `/item/${page()}` : path };
    }
    return { atMs: i, source: 'requests', record: (ts: number) => ({ ...request, ts }) };
  });
  return steadyFeed(planned, { ...o, disorderMs: 4000, random });
}
