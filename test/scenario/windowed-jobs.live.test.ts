/**
 * The windowed jobs live, as a user runs them: `eddy feed` into the job's streams on a
 * persistent stack (`--data-dir`), then `eddy run --until-idle --drain`; the sink files must
 * equal the oracles, as in replay.
 */
import { writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eddy, readSink } from '../integration/restart/support.ts';
import { generateRequests } from './anti-crawler/generator.ts';
import { expectedAlerts } from './anti-crawler/oracle.ts';
import { expectedHotItems } from './hot-items/oracle.ts';
import { generatePurchases } from './purchases/generator.ts';

let data: string | undefined;
afterAll(async () => {
  if (data) await eddy(['stack', 'stop', '--data-dir', data]).catch((e) => console.error(e));
}, 120_000);

describe('windowed jobs live (eddy feed + eddy run)', () => {
  it('hot-items and anti-crawler on one persistent stack equal their oracles', async () => {
    const root = await mkdtemp(join(tmpdir(), 'eddy-live-windows-'));
    data = join(root, 'data');
    const purchases = generatePurchases({ seed: 21, events: 150, users: 40, items: 12, spanMs: 3_600_000 });
    const requests = generateRequests({ seed: 4, ips: 12, requests: 400 });
    await writeFile(join(root, 'purchases.jsonl'), purchases.map((p) => JSON.stringify(p)).join('\n') + '\n');
    await writeFile(join(root, 'requests.jsonl'), requests.map((r) => JSON.stringify(r)).join('\n') + '\n');

    await eddy(['feed', 'hot-items', '--input', `purchases=${join(root, 'purchases.jsonl')}`, '--data-dir', data], 180_000);
    await eddy(['run', 'hot-items', '--data-dir', data, '--out', join(root, 'hot'), '--until-idle', '--drain'], 240_000);
    const byWindow = (a: any, b: any) => a.windowStart - b.windowStart;
    expect(((await readSink(join(root, 'hot'), 'hot-items')) as any[]).sort(byWindow)).toEqual(expectedHotItems(purchases));

    await eddy(['feed', 'anti-crawler', '--input', `requests=${join(root, 'requests.jsonl')}`, '--data-dir', data], 180_000);
    await eddy(['run', 'anti-crawler', '--data-dir', data, '--out', join(root, 'crawl'), '--until-idle', '--drain'], 240_000);
    const byIp = (a: any, b: any) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.lastTs - b.lastTs || a.firstTs - b.firstTs);
    const expected = expectedAlerts(requests);
    expect(expected.length).toBeGreaterThan(0);
    expect(((await readSink(join(root, 'crawl'), 'alerts')) as any[]).sort(byIp)).toEqual([...expected].sort(byIp));
  }, 600_000);
});
