/** lib/cost/steady/requests.ts: heavy hitters among ordinary ips, and crawlers that alert at high rates only. */
import { describe, expect, it } from 'vitest';
import { antiCrawlerInput } from '../../../../lib/cost/steady/requests.ts';

type Request = { ip: string; ts: number };
const requests = (rate: number) => antiCrawlerInput({ events: 20_000, rate, seed: 9 }).lines.requests.map((l) => JSON.parse(l) as Request);
/** Ips whose 30 consecutive requests (by arrival) span at most 10 s somewhere: the ones anti-crawler alerts on. */
function bursting(rs: Request[]): Set<string> {
  const byIp = new Map<string, number[]>();
  for (const r of rs) byIp.set(r.ip, [...(byIp.get(r.ip) ?? []), r.ts]);
  return new Set([...byIp].filter(([, ts]) => ts.some((t, i) => i >= 29 && t - ts[i - 29] <= 10_000)).map(([ip]) => ip));
}

describe('antiCrawlerInput', () => {
  it('sends 10 % of requests from 10 crawlers, the rest from a population with heavy hitters', () => {
    const rs = requests(100);
    const crawler = rs.filter((r) => r.ip.startsWith('203.0.113.'));
    expect(crawler.length / rs.length).toBeGreaterThan(0.08);
    expect(crawler.length / rs.length).toBeLessThan(0.12);
    expect(new Set(crawler.map((r) => r.ip)).size).toBe(10);
    const normal = new Map<string, number>();
    for (const r of rs) if (!r.ip.startsWith('203.')) normal.set(r.ip, (normal.get(r.ip) ?? 0) + 1);
    const sorted = [...normal.values()].sort((a, b) => b - a);
    expect(sorted[0] / rs.length).toBeGreaterThan(0.05); // Zipf s = 1 over 10,000: rank 1 ≈ 10 % of 90 %
    expect(normal.size).toBeGreaterThan(3000);
  });

  it('makes crawlers burst at 1,000 requests a second and not at 10', () => {
    expect([...bursting(requests(1000))].filter((ip) => ip.startsWith('203.0.113.')).length).toBe(10);
    expect([...bursting(requests(10))].filter((ip) => ip.startsWith('203.0.113.'))).toEqual([]);
  });
});
