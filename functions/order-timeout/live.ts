/**
 * A small synthetic order stream for `eddy run order-timeout --generate` (`npm start`):
 * 40 orders over 20 s — half paid within seconds, some paid late (after their 3 minutes),
 * the rest never — then silence, so the timeouts that appear ~3 minutes later are fired by
 * the sweep, with no further input.
 */
import type { Order } from './job.ts';

export async function startGenerator(feed: (source: string, records: Order[]) => Promise<void>, signal: AbortSignal): Promise<void> {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const later: { at: number; order: Order }[] = [];
  // Unique per run: the persistent stack keeps an order's state for an hour, so ids must not repeat across runs.
  const run = Date.now().toString(36);
  for (let i = 1; i <= 40 && !signal.aborted; i++) {
    const now = Date.now();
    const orderId = `o-${run}-${String(i).padStart(4, '0')}`;
    const userId = `u-${String(i % 7).padStart(3, '0')}`;
    const amount = Math.round(Math.random() * 20000) / 100;
    await feed('orders', [{ orderId, userId, status: 'CREATED', amount, ts: now }]);
    const kind = i % 4;
    if (kind === 0 || kind === 1) later.push({ at: now + 1000 + Math.random() * 15000, order: { orderId, userId, status: 'PAID', amount, ts: 0 } });
    if (kind === 2 && i % 8 === 2) later.push({ at: now + 190_000, order: { orderId, userId, status: 'PAID', amount, ts: 0 } });
    // Payments due by now go out (their ts is the moment they happen).
    await flush(Date.now());
    await sleep(500);
  }
  while (later.length > 0 && !signal.aborted) {
    await flush(Date.now());
    await sleep(500);
  }

  async function flush(now: number) {
    const due = later.filter((l) => l.at <= now);
    if (due.length === 0) return;
    for (const d of due) later.splice(later.indexOf(d), 1);
    await feed('orders', due.map((d) => ({ ...d.order, ts: now })));
  }
}
