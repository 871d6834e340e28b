/**
 * The four windowed scenario contracts tested from outside (SCENARIOS.md): `eddy replay` on
 * generated data with up to 5 s of out-of-orderness, sink files compared with independent
 * oracles; and again with `--chaos 0.2`, which must not change a line.
 */
import { describe, expect, it } from 'vitest';
import { generateRequests } from './anti-crawler/generator.ts';
import { generateMaxwell } from './cdc-split/generator.ts';
import { expectedCdcSplit } from './cdc-split/oracle.ts';
import { expectedAlerts } from './anti-crawler/oracle.ts';
import { expectedHotItems } from './hot-items/oracle.ts';
import { checkHourlyStream, expectedHourlyFinals } from './hourly-uv/oracle.ts';
import { generatePurchases } from './purchases/generator.ts';
import { expectedUvSliding } from './uv-sliding/oracle.ts';
import { replayCli, type ReplayRun } from '../support/replay-cli.ts';

const purchases = generatePurchases({ seed: 11, events: 300, users: 80, items: 20, spanMs: 2 * 3_600_000 });
const purchaseLines = purchases.map((p) => JSON.stringify(p)).join('\n') + '\n';
const requests = generateRequests({ seed: 8, ips: 16, requests: 700 });
const changes = generateMaxwell({ seed: 12, records: 400 });
const byWindow = (a: any, b: any) => a.windowStart - b.windowStart;
const byIp = (a: any, b: any) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.lastTs - b.lastTs || a.firstTs - b.firstTs);

const jobs: { job: string; inputs: Record<string, string>; check: (run: ReplayRun) => Promise<void> }[] = [
  { job: 'hourly-uv', inputs: { purchases: purchaseLines }, check: async (run) => {
    const finals = expectedHourlyFinals(purchases);
    expect(checkHourlyStream(await run.read('hourly-uv'), 'uv', finals)).toEqual([]);
    expect(checkHourlyStream(await run.read('hourly-orders'), 'orders', finals)).toEqual([]);
  } },
  { job: 'uv-sliding', inputs: { purchases: purchaseLines }, check: async (run) => {
    expect((await run.read('uv-1h')).sort(byWindow)).toEqual(expectedUvSliding(purchases));
  } },
  { job: 'hot-items', inputs: { purchases: purchaseLines }, check: async (run) => {
    expect((await run.read('hot-items')).sort(byWindow)).toEqual(expectedHotItems(purchases));
  } },
  { job: 'anti-crawler', inputs: { requests: requests.map((r) => JSON.stringify(r)).join('\n') + '\n' }, check: async (run) => {
    const expected = expectedAlerts(requests);
    expect(expected.length).toBeGreaterThan(0);
    expect((await run.read('alerts')).sort(byIp)).toEqual([...expected].sort(byIp));
  } },
  { job: 'cdc-split', inputs: { maxwell: changes.map((c) => JSON.stringify(c)).join('\n') + '\n' }, check: async (run) => {
    const expected = expectedCdcSplit(changes);
    for (const sink of ['orders', 'order_detail', 'user_info', 'other'] as const) expect(await run.read(sink)).toEqual(expected[sink]);
  } },
];

describe('eddy replay of the windowed jobs and cdc-split', () => {
  for (const { job, inputs, check } of jobs) {
    it(`${job} matches its contract`, async () => {
      const run = await replayCli(job, inputs);
      expect(await run.read('dead-letter')).toEqual([]);
      await check(run);
    }, 300_000);

    it(`${job} under --chaos 0.2 gives the same lines`, async () => {
      const run = await replayCli(job, inputs, ['--chaos', '0.2', '--seed', '7', '--batch-size', '100']);
      expect(Object.values(run.chaosCounts()).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      await check(run);
    }, 300_000);
  }

  it('uv-sliding dead-letters malformed purchases with their reasons and stays exact', async () => {
    const bad = [
      'not json',
      '[]',
      '{"spuId":"spu-1","amount":1,"ts":1699999200000}',
      '{"userId":"u1","spuId":"spu-1","amount":1}',
      '{"userId":"u1","spuId":"spu-1","amount":1,"ts":-5}',
      '{"userId":"u1","spuId":"spu-1","amount":"12","ts":1699999200000}',
      '{"userId":"","spuId":"spu-1","amount":1,"ts":1699999200000}',
      '',
    ];
    const valid = purchases.map((p) => JSON.stringify(p));
    const mixed = valid.flatMap((line, i) => (i < bad.length ? [bad[i], line] : [line]));
    const run = await replayCli('uv-sliding', { purchases: mixed.join('\n') + '\n' });
    const dead = await run.read('dead-letter');
    // Blank lines are not records (replay skips them, as in every job); every other bad line is dead-lettered with a reason.
    expect(dead.map((d) => d.record).sort()).toEqual(bad.filter((b) => b.trim() !== '').sort());
    for (const d of dead) expect(d.reason).toMatch(/\S/);
    expect((await run.read('uv-1h')).sort(byWindow)).toEqual(expectedUvSliding(purchases));
  }, 300_000);
});
