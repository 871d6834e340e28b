/**
 * The four windowed scenario jobs on the in-memory engine against their independent oracles,
 * clean and under chaos (crashes at every point of the batch lifecycle, duplicated deliveries).
 */
import { describe, expect, it } from 'vitest';
import antiCrawler from '../../../functions/anti-crawler/job.ts';
import cdcSplit from '../../../functions/cdc-split/job.ts';
import hotItems from '../../../functions/hot-items/job.ts';
import hourlyUv from '../../../functions/hourly-uv/job.ts';
import uvSliding from '../../../functions/uv-sliding/job.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { generateRequests } from '../../scenario/anti-crawler/generator.ts';
import { expectedAlerts } from '../../scenario/anti-crawler/oracle.ts';
import { generateMaxwell } from '../../scenario/cdc-split/generator.ts';
import { expectedCdcSplit } from '../../scenario/cdc-split/oracle.ts';
import { expectedHotItems } from '../../scenario/hot-items/oracle.ts';
import { checkHourlyStream, expectedHourlyFinals } from '../../scenario/hourly-uv/oracle.ts';
import { generatePurchases } from '../../scenario/purchases/generator.ts';
import { expectedUvSliding } from '../../scenario/uv-sliding/oracle.ts';
import { CHAOS_BATCH_SIZE, withBatchSize } from '../support/batch-size.ts';

const purchases = generatePurchases({ seed: 5, events: 400, users: 120, items: 25, spanMs: 2 * 3_600_000 });
const lines = purchases.map((p) => JSON.stringify(p));
const requests = generateRequests({ seed: 3, ips: 20, requests: 900 });
const changes = generateMaxwell({ seed: 9, records: 500 });
const byWindow = (a: any, b: any) => a.windowStart - b.windowStart;
const byIp = (a: any, b: any) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.lastTs - b.lastTs || a.firstTs - b.firstTs);

const cases = [
  { name: 'hourly-uv', run: (chaos?: { probability: number; seed: number }) => replayInMemory(hourlyUv, { purchases: lines }, { chaos }), check: (sinks: any) => {
    const finals = expectedHourlyFinals(purchases);
    expect(checkHourlyStream(sinks.values('hourly-uv'), 'uv', finals)).toEqual([]);
    expect(checkHourlyStream(sinks.values('hourly-orders'), 'orders', finals)).toEqual([]);
    expect(sinks.values('hourly-uv').some((r: any) => !r.final)).toBe(true); // early results came (one per watermark advance in replay)
  } },
  { name: 'uv-sliding', run: (chaos?: { probability: number; seed: number }) => replayInMemory(uvSliding, { purchases: lines }, { chaos }), check: (sinks: any) => {
    expect([...sinks.values('uv-1h')].sort(byWindow)).toEqual(expectedUvSliding(purchases));
  } },
  { name: 'hot-items', run: (chaos?: { probability: number; seed: number }) => replayInMemory(hotItems, { purchases: lines }, { chaos }), check: (sinks: any) => {
    expect([...sinks.values('hot-items')].sort(byWindow)).toEqual(expectedHotItems(purchases));
  } },
  { name: 'anti-crawler', run: (chaos?: { probability: number; seed: number }) => replayInMemory(antiCrawler, { requests: requests.map((r) => JSON.stringify(r)) }, { chaos }), check: (sinks: any) => {
    const expected = expectedAlerts(requests);
    expect(expected.length).toBeGreaterThan(0);
    expect([...sinks.values('alerts')].sort(byIp)).toEqual([...expected].sort(byIp));
  } },
  { name: 'cdc-split', run: (chaos?: { probability: number; seed: number }) => replayInMemory(cdcSplit, { maxwell: changes.map((c) => JSON.stringify(c)) }, { chaos }), check: (sinks: any) => {
    const expected = expectedCdcSplit(changes);
    for (const sink of ['orders', 'order_detail', 'user_info', 'other'] as const) expect(sinks.values(sink)).toEqual(expected[sink]);
  } },
];

describe('scenario jobs in memory (windows, side outputs)', () => {
  for (const c of cases) {
    it(`${c.name} matches its oracle`, async () => {
      const { sinks, deadLetters } = await c.run();
      expect(deadLetters).toEqual([]);
      c.check(sinks);
    });
    for (const seed of [1, 2]) {
      it(`${c.name} under chaos 0.2 (seed ${seed}) too`, async () => {
        const job = { 'hourly-uv': hourlyUv, 'uv-sliding': uvSliding, 'hot-items': hotItems, 'anti-crawler': antiCrawler, 'cdc-split': cdcSplit }[c.name]!;
        const { sinks, chaos } = await withBatchSize(job, CHAOS_BATCH_SIZE, () => c.run({ probability: 0.2, seed }));
        expect(Object.values(chaos ?? {}).reduce((n, x) => n + (x ?? 0), 0)).toBeGreaterThan(0);
        c.check(sinks);
      });
    }
  }
});

describe('cdc-split with malformed change records', () => {
  it('dead-letters each with a Maxwell reason; the rest is split exactly', async () => {
    const bad = [
      '{"database":"shop","table":"orders","type":"insert","ts":1700000000}',
      '{"database":"shop","table":"orders","type":"upsert","ts":1700000000,"data":{"id":1}}',
      '{"database":"shop","table":"orders","type":"insert","ts":1700000000123,"data":{"id":1}}',
      '{"table":"orders","type":"delete","ts":1700000000,"data":{"id":1}}',
      'not json',
    ];
    const lines = changes.map((c) => JSON.stringify(c));
    const mixed = lines.flatMap((l, i) => (i < bad.length ? [bad[i], l] : [l]));
    const { sinks, deadLetters } = await replayInMemory(cdcSplit, { maxwell: mixed });
    expect(deadLetters.map((d) => d.record).sort()).toEqual([...bad].sort());
    for (const d of deadLetters.filter((d) => d.record !== 'not json')) expect(d.reason).toMatch(/^maxwell: /);
    const expected = expectedCdcSplit(changes);
    for (const sink of ['orders', 'order_detail', 'user_info', 'other'] as const) expect(sinks.values(sink)).toEqual(expected[sink]);
  });
});
