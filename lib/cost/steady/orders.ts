/**
 * Steady-rate orders for order-timeout and order-join (contracts: /work/shared/SCENARIOS.md):
 * orders created as a Poisson process, users Zipf-distributed over a large population.
 *
 * order-timeout: 85 % of orders are paid, after an exponential delay of 50 s on average —
 * about 3 % of those after the 3-minute deadline (a timeout and a late payment), 1 % up to 4 s
 * before the order; 1 % of CREATEDs and 2 % of PAIDs are sent twice. The input ends where its
 * count does: orders of its last minutes lose payments that would come after, so a short input
 * has more timeouts than the steady 15–18 %.
 *
 * order-join: each order has 0–4 details (1.9 on average) of Zipf-popular items, most arriving
 * an exponential 60 s after it, 5 % after the 10-minute interval, 5 % up to 4 s before it; 1 %
 * of orders are sent twice and 1 % of orders bring a detail naming an order that never comes.
 */
import { planEnough, steadyFeed, type PlannedRecord, type SteadyInput, type SteadyOptions } from './feed.ts';
import { exponential, uniformInt, zipfRanks } from './random.ts';
import { seededRandom } from '../../runtime/seeded-random.ts';

const USERS = 100_000;
const ITEMS = 10_000;
const JOIN_UPPER_MS = 600_000;

const orderId = (n: number) => `o-${String(n).padStart(8, '0')}`;
const amount = (random: () => number) => uniformInt(random, 100, 50_000) / 100;

/**
 * order-timeout's `orders`, at `rate` records a second.
 *
 * @example
 * ```ts
 * const { lines, arrivalsMs } = orderTimeoutInput({ events: 20_000, rate: 10, seed: 1 });
 * ```
 */
export function orderTimeoutInput(o: SteadyOptions): SteadyInput {
  const random = seededRandom(o.seed);
  const user = zipfRanks(USERS, 0.8, random);
  const recordsPerOrder = 1.01 + 0.85 * 1.02;
  const planned = planEnough(o.events, o.rate, (horizon) => {
    const out: PlannedRecord[] = [];
    for (let at = 0, n = 1; at <= horizon; at += exponential(random, (1000 * recordsPerOrder) / o.rate), n++) {
      const id = orderId(n);
      const userId = `u-${user()}`;
      const price = amount(random);
      out.push({ atMs: at, source: 'orders', copies: random() < 0.01 ? 2 : 1, record: (ts) => ({ orderId: id, userId, status: 'CREATED', amount: price, ts }) });
      if (random() < 0.85) {
        // 1 % of payments reach the stream up to 4 s before their order (another producer, another clock)
        const delay = random() < 0.01 ? -random() * 4000 : exponential(random, 50_000);
        out.push({ atMs: at + delay, source: 'orders', copies: random() < 0.02 ? 2 : 1, record: (ts) => ({ orderId: id, userId, status: 'PAID', amount: price, ts }) });
      }
    }
    return out;
  });
  return steadyFeed(planned, { ...o, disorderMs: 4000, random });
}

/**
 * order-join's `orders` and `order-details`, at `rate` records a second together.
 *
 * @example
 * ```ts
 * const { lines } = orderJoinInput({ events: 20_000, rate: 100, seed: 1 });
 * lines['order-details'].length; // about twice lines.orders.length
 * ```
 */
export function orderJoinInput(o: SteadyOptions): SteadyInput {
  const random = seededRandom(o.seed);
  const user = zipfRanks(USERS, 0.8, random);
  const item = zipfRanks(ITEMS, 1.1, random);
  const detailCounts = [0, 1, 1, 1, 2, 2, 2, 3, 3, 4]; // 0: 10 %, 1: 30 %, 2: 30 %, 3: 20 %, 4: 10 %
  const recordsPerOrder = 1.01 + 1.9 + 0.01;
  const planned = planEnough(o.events, o.rate, (horizon) => {
    const out: PlannedRecord[] = [];
    let detailNo = 0;
    const detail = (at: number, forOrder: string) => {
      const detailId = `d-${String(++detailNo).padStart(8, '0')}`;
      const spuId = `spu-${item()}`;
      const qty = uniformInt(random, 1, 5);
      out.push({ atMs: at, source: 'order-details', record: (ts) => ({ detailId, orderId: forOrder, spuId, qty, ts }) });
    };
    for (let at = 0, n = 1; at <= horizon; at += exponential(random, (1000 * recordsPerOrder) / o.rate), n++) {
      const id = orderId(n);
      const userId = `u-${user()}`;
      const price = amount(random);
      out.push({ atMs: at, source: 'orders', copies: random() < 0.01 ? 2 : 1, record: (ts) => ({ orderId: id, userId, amount: price, ts }) });
      for (let k = detailCounts[uniformInt(random, 0, 9)]; k > 0; k--) {
        const r = random();
        const delay = r < 0.05 ? -random() * 4000 : r < 0.1 ? JOIN_UPPER_MS + uniformInt(random, 1000, 100_000) : Math.min(JOIN_UPPER_MS - 10_000, exponential(random, 60_000));
        detail(at + delay, id);
      }
      if (random() < 0.01) detail(at + exponential(random, 60_000), `o-missing-${n}`);
    }
    return out;
  });
  return steadyFeed(planned, { ...o, disorderMs: 4000, random });
}
