/** lib/cost/steady/purchases.ts: popular items and users are Zipf-skewed, the tail long. */
import { describe, expect, it } from 'vitest';
import { purchasesInput } from '../../../../lib/cost/steady/purchases.ts';

describe('purchasesInput', () => {
  const purchases = purchasesInput({ events: 20_000, rate: 100, seed: 5 }).lines.purchases.map((l) => JSON.parse(l) as { userId: string; spuId: string });
  const counts = (key: (p: { userId: string; spuId: string }) => string) => {
    const c = new Map<string, number>();
    for (const p of purchases) c.set(key(p), (c.get(key(p)) ?? 0) + 1);
    return [...c.values()].sort((a, b) => b - a);
  };

  it('buys the most popular item about 15 % of the time, and thousands of others', () => {
    const items = counts((p) => p.spuId);
    // Zipf s = 1.1 over 10,000: P(rank 1) = 1 / Σ r^-1.1 ≈ 0.15
    expect(items[0] / purchases.length).toBeGreaterThan(0.12);
    expect(items[0] / purchases.length).toBeLessThan(0.18);
    expect(items.length).toBeGreaterThan(2000);
  });

  it('spreads purchases over many users, the busiest with a few percent', () => {
    const users = counts((p) => p.userId);
    expect(users.length).toBeGreaterThan(5000);
    expect(users[0] / purchases.length).toBeLessThan(0.05);
    expect(users[0]).toBeGreaterThan(users[999] * 10);
  });
});
