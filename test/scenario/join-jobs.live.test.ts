/**
 * The multi-input jobs live, as a user runs them on a persistent stack (`eddy feed` + `eddy
 * run`). dim-enrich: the events come first and the job runs until idle — they wait in state,
 * nothing is emitted; then the table's change data arrives and a second run enriches every
 * event against the whole table. order-join: both streams, then one run to the end.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eddy, readSink } from '../integration/restart/support.ts';
import { generateDimEnrich } from './dim-enrich/generator.ts';
import { checkDimEnrich } from './dim-enrich/oracle.ts';
import { generateOrderJoin } from './order-join/generator.ts';
import { compareLines, expectedOrderLines, type OrderLine } from './order-join/oracle.ts';

let data: string | undefined;
afterAll(async () => {
  if (data) await eddy(['stack', 'stop', '--data-dir', data]).catch((e) => console.error(e));
}, 120_000);

describe('dim-enrich and order-join live (eddy feed + eddy run)', () => {
  it('holds the events that come before the table across runs, then enriches them all', async () => {
    const root = await mkdtemp(join(tmpdir(), 'eddy-live-dim-'));
    data = join(root, 'data');
    const out = join(root, 'out');
    const { changes, events } = generateDimEnrich({ seed: 8, products: 25, events: 200, changesAfter: 15, noise: 5 });
    await writeFile(join(root, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    await writeFile(join(root, 'cdc.jsonl'), changes.map((c) => JSON.stringify(c)).join('\n') + '\n');

    await eddy(['feed', 'dim-enrich', '--input', `events=${join(root, 'events.jsonl')}`, '--data-dir', data], 180_000);
    const first = await eddy(['run', 'dim-enrich', '--data-dir', data, '--out', out, '--until-idle', '--status-every', '1'], 240_000);
    expect(await readSink(out, 'enriched')).toEqual([]);
    expect(await readSink(out, 'unmatched')).toEqual([]);
    expect(first.stdout + first.stderr).toMatch(new RegExp(`\\[enrich\\] .*held-for-bootstrap=${events.length}`));

    await eddy(['feed', 'dim-enrich', '--input', `product-cdc=${join(root, 'cdc.jsonl')}`, '--data-dir', data], 180_000);
    await eddy(['run', 'dim-enrich', '--data-dir', data, '--out', out, '--until-idle', '--drain'], 240_000);
    expect(await readSink(out, 'dead-letter')).toEqual([]);
    expect(checkDimEnrich(changes, events, (await readSink(out, 'enriched')) as any, (await readSink(out, 'unmatched')) as any)).toEqual([]);
  }, 600_000);

  it('order-join: every line of the interval, once, and no join state left', async () => {
    const root = await mkdtemp(join(tmpdir(), 'eddy-live-join-'));
    data ??= join(root, 'data');
    const out = join(root, 'out');
    const { orders, details } = generateOrderJoin({ seed: 5, orders: 120 });
    await writeFile(join(root, 'orders.jsonl'), orders.map((o) => JSON.stringify(o)).join('\n') + '\n');
    await writeFile(join(root, 'details.jsonl'), details.map((d) => JSON.stringify(d)).join('\n') + '\n');
    await eddy(['feed', 'order-join', '--input', `orders=${join(root, 'orders.jsonl')}`, '--input', `order-details=${join(root, 'details.jsonl')}`, '--data-dir', data], 180_000);
    await eddy(['run', 'order-join', '--data-dir', data, '--out', out, '--until-idle', '--drain'], 240_000);
    expect(await readSink(out, 'dead-letter')).toEqual([]);
    const expected = expectedOrderLines(orders, details);
    expect(expected.length).toBeGreaterThan(50);
    expect(((await readSink(out, 'order-lines')) as OrderLine[]).sort(compareLines)).toEqual(expected);
    const pending = await eddy(['timers', 'order-join', '--data-dir', data, '--format', 'json']);
    expect(pending.stdout.split('\n').filter(Boolean)).toEqual([]); // no cleanup timer left: every buffer was cleaned
  }, 600_000);
});
