/**
 * The operating commands from outside, on a persistent data-dir stack as a user runs them
 * after `eddy feed` + `eddy run --until-idle`: `state get`, `timers` and `checkpoints` must
 * show what is known independently of the engine (the input's orders and their deadlines,
 * how many records were fed), and `eddy reset` must make the next run read again — without
 * rewinding state (the count fixture counts re-read records twice, as docs/cli.md says).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eddy, eddyDetached, sleep } from '../restart/support.ts';
import { jsonLines } from './support.ts';

const T0 = 1_700_000_000_000;
const TIMEOUT_MS = 180_000;
const COUNT_JOB = 'test/fixtures/count-job.ts';

let root = '';
let data = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eddy-cli-'));
  data = join(root, 'data');
});
afterAll(async () => {
  await eddy(['stack', 'stop', '--data-dir', data]).catch((e) => console.error(e));
  if (!process.env.EDDY_KEEP_TEST_DIRS) await rm(root, { recursive: true, force: true });
});

async function jsonl(name: string, rows: object[]): Promise<string> {
  const file = join(root, name);
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

const order = (orderId: string, status: 'CREATED' | 'PAID', ts: number) => ({ orderId, userId: `u-${orderId}`, status, amount: 10, ts });
const checkpoints = async (job: string) => jsonLines((await eddy(['checkpoints', job, '--data-dir', data, '--format', 'json'])).stdout);
const pendingOf = (rows: any[], stage: string) => rows.filter((r) => r.stage === stage).reduce((n, r) => n + r.pending, 0);

describe('order-timeout: state, timers and checkpoints', () => {
  const out = () => join(root, 'order-out');

  it('before a run, every fed record is pending in the source shard and nothing is checkpointed', async () => {
    const input = await jsonl('orders.jsonl', [order('o-1', 'CREATED', T0), order('o-2', 'CREATED', T0 + 2000), order('o-1', 'PAID', T0 + 1000), order('o-3', 'CREATED', T0 + 60_000)]);
    await eddy(['feed', 'order-timeout', '--input', `orders=${input}`, '--data-dir', data]);
    const rows = await checkpoints('order-timeout');
    expect(rows.map((r) => r.stage).sort()).toEqual(['order-timeout', 'source-orders']); // one shard each at the default planned rate
    const source = rows.find((r) => r.stage === 'source-orders');
    expect(source.pending).toBe(4);
    expect(source.seq).toBeUndefined();
    expect(pendingOf(rows, 'order-timeout')).toBe(0);
  });

  it('after eddy run --until-idle: the state of each order, the pending deadlines, and no lag', async () => {
    const started = Date.now();
    await eddy(['run', 'order-timeout', '--data-dir', data, '--out', out(), '--until-idle']);
    expect(await readFile(join(out(), 'paid.jsonl'), 'utf8')).toBe(`${JSON.stringify({ orderId: 'o-1', userId: 'u-o-1', createdTs: T0, paidTs: T0 + 1000 })}\n`);

    const paid = JSON.parse((await eddy(['state', 'get', 'order-timeout', 'order-timeout', 'o-1', '--data-dir', data, '--format', 'json'])).stdout);
    expect(paid.key).toBe('o-1');
    const byName = Object.fromEntries(paid.entries.map((e: any) => [e.state, e]));
    expect(Object.keys(byName).sort()).toEqual(['created', 'outcome']); // pending-paid cleared when it settled
    expect(byName.created).toMatchObject({ kind: 'value', namespace: '-', value: { userId: 'u-o-1', createdTs: T0 } });
    expect(byName.outcome.value).toBe('paid');
    // The job's TTL is 1 h of processing time, which is the wall clock in eddy run.
    for (const e of paid.entries) {
      expect(e.expiresAt).toBeGreaterThanOrEqual(started + 3_600_000);
      expect(e.expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
      expect(e.nativeExpiresAt).toBeUndefined(); // log-structured state: expiry is the entry's own; no per-key item for the table's TTL
    }
    const text = (await eddy(['state', 'get', 'order-timeout', 'order-timeout', 'o-2', '--data-dir', data])).stdout;
    expect(text).toMatch(/^created +value +- +\{"userId":"u-o-2","createdTs":1700000002000\} +expires \S+ \(in 59m/m);
    expect((await eddy(['state', 'get', 'order-timeout', 'order-timeout', 'o-9', '--data-dir', data])).stdout).toMatch(/0 state items/);

    // o-1 is settled; o-2 and o-3 wait for their deadlines (the watermark is T0 + 55 s).
    const timers = jsonLines((await eddy(['timers', 'order-timeout', '--data-dir', data, '--format', 'json'])).stdout);
    expect(timers).toEqual([
      { stage: 'order-timeout', key: 'o-2', domain: 'event-time', ts: T0 + 2000 + TIMEOUT_MS, time: new Date(T0 + 2000 + TIMEOUT_MS).toISOString(), namespace: '-' },
      { stage: 'order-timeout', key: 'o-3', domain: 'event-time', ts: T0 + 60_000 + TIMEOUT_MS, time: new Date(T0 + 60_000 + TIMEOUT_MS).toISOString(), namespace: '-' },
    ]);
    expect((await eddy(['timers', 'order-timeout', 'order-timeout', '--key', 'o-3', '--data-dir', data])).stdout.trim()).toMatch(/"o-3" +event-time .*\n1 pending timer$/);

    const rows = await checkpoints('order-timeout');
    expect(rows.every((r) => r.pending === 0 && r.lagMs === 0 && r.seq !== undefined)).toBe(true);
    expect((await eddy(['checkpoints', 'order-timeout', '--data-dir', data])).stdout.trim()).toMatch(/every shard is caught up$/);
  });

  it('more input shows as pending records with a lag until the next run catches up', async () => {
    const more = await jsonl('more-orders.jsonl', [order('o-4', 'CREATED', T0 + 70_000), order('o-5', 'CREATED', T0 + 71_000)]);
    await eddy(['feed', 'order-timeout', '--input', `orders=${more}`, '--data-dir', data]);
    await sleep(50);
    const behind = await checkpoints('order-timeout');
    const source = behind.find((r) => r.stage === 'source-orders');
    expect(source.pending).toBe(2);
    expect(source.lagMs).toBeGreaterThan(0);
    expect(pendingOf(behind, 'order-timeout')).toBe(0);
    expect((await eddy(['checkpoints', 'order-timeout', '--data-dir', data, '--stage', 'source-orders'])).stdout.trim()).toMatch(/1 shard behind$/);

    await eddy(['run', 'order-timeout', '--data-dir', data, '--out', out(), '--until-idle']);
    expect((await checkpoints('order-timeout')).every((r) => r.pending === 0)).toBe(true);
    expect(jsonLines((await eddy(['timers', 'order-timeout', '--data-dir', data, '--format', 'json'])).stdout).map((t) => t.key)).toEqual(['o-2', 'o-3', 'o-4', 'o-5']);
  });
});

describe('order-timeout: dead letters on the data dir', () => {
  it('eddy dlq list and redrive reach the same stack as eddy run', async () => {
    const bad = join(root, 'bad.jsonl');
    await writeFile(bad, 'not json\n');
    await eddy(['feed', 'order-timeout', '--input', `orders=${bad}`, '--data-dir', data]);
    await eddy(['run', 'order-timeout', '--data-dir', data, '--out', join(root, 'order-out'), '--until-idle']);
    const [letter, ...none] = jsonLines((await eddy(['dlq', 'list', 'order-timeout', '--data-dir', data, '--format', 'json'])).stdout);
    expect(none).toEqual([]);
    expect(letter).toMatchObject({ stage: 'source-orders', shard: 'shardId-000000000000', record: 'not json', reason: expect.stringMatching(/JSON/) });

    expect((await eddy(['dlq', 'redrive', 'order-timeout', '--data-dir', data])).stdout.trim()).toMatch(/1 redriven, 0 skipped$/);
    expect(pendingOf(await checkpoints('order-timeout'), 'source-orders')).toBe(1);
    await eddy(['run', 'order-timeout', '--data-dir', data, '--out', join(root, 'order-out'), '--until-idle']);
    const [again] = jsonLines((await eddy(['dlq', 'list', 'order-timeout', '--data-dir', data, '--format', 'json'])).stdout);
    expect(again.record).toBe('not json');
    expect(again.sequenceNumber).not.toBe(letter.sequenceNumber); // still bad: dead-lettered again at its new position
  });
});

describe('eddy reset (the count fixture)', () => {
  const out = () => join(root, 'count-out');
  const hit = (key: string, path: string, ts: number) => ({ key, path, ts });
  const counts = async () => jsonLines(await readFile(join(out(), 'counts.jsonl'), 'utf8'));
  const state = async (key: string) => {
    const { entries } = JSON.parse((await eddy(['state', 'get', COUNT_JOB, 'count', key, '--data-dir', data, '--format', 'json'])).stdout);
    return Object.fromEntries(entries.map((e: any) => [e.kind === 'map' ? `${e.state}[${JSON.stringify(e.mapKey)}]` : e.state, e.value]));
  };
  const run = () => eddy(['run', COUNT_JOB, '--data-dir', data, '--out', out(), '--until-idle']);
  const reset = async (stage: string, to: string, ...more: string[]) => (await eddy(['reset', COUNT_JOB, stage, '--to', to, '--data-dir', data, ...more])).stdout;

  it('trim-horizon on the source stage: the next run reads everything again and counts it again on top of the state', async () => {
    const input = await jsonl('hits.jsonl', [hit('a', '/x', T0), hit('a', '/x', T0 + 1000), hit('b', '/x', T0 + 1500), hit('a', '/y', T0 + 2000)]);
    await eddy(['feed', COUNT_JOB, '--input', `hits=${input}`, '--data-dir', data]);
    await run();
    expect(await counts()).toEqual([1, 2, 1, 3].map((count, i) => ({ key: ['a', 'a', 'b', 'a'][i], count })));
    expect(await state('a')).toEqual({ count: 3, 'paths["/x"]': 2, 'paths["/y"]': 1, times: [[T0, null], [T0 + 1000, null], [T0 + 2000, null]] });
    expect(jsonLines((await eddy(['timers', COUNT_JOB, '--data-dir', data, '--format', 'json'])).stdout).map((t) => [t.key, t.ts])).toEqual(
      [['a', T0 + 60_000], ['a', T0 + 61_000], ['b', T0 + 61_500], ['a', T0 + 62_000]],
    );

    const { stdout, stderr } = await eddy(['reset', COUNT_JOB, 'source-hits', '--to', 'trim-horizon', '--data-dir', data]);
    expect(stdout).toMatch(/^source-hits\/shardId-000000000000: checkpoint \d+ -> \(start of the stream\): 4 records to read again$/m);
    expect(stderr).toMatch(/NOT rewound/);
    expect(pendingOf(await checkpoints(COUNT_JOB), 'source-hits')).toBe(4);

    await run();
    // Re-read records reach the keyed stage again (it accepts them: reset lowered what it had consumed) and count on from 3.
    expect((await counts()).slice(4)).toEqual([{ key: 'a', count: 4 }, { key: 'a', count: 5 }, { key: 'b', count: 2 }, { key: 'a', count: 6 }]);
    expect((await state('a')).count).toBe(6);
  });

  it('trim-horizon on the keyed stage: state counts its input again; the run\'s --out files already hold those outputs', async () => {
    const out1 = await reset('count', 'trim-horizon');
    expect(out1.trim().split('\n')).toHaveLength(1); // the keyed stage's one shard (default parallelism)
    await run();
    // The keyed stream holds both passes of the source, the second re-sent under the same origins (the
    // source records' positions). Read from its start, the stage applies the first pass and drops the
    // second as re-sent, exactly as on first reading it without the source's reset: a +3, b +1.
    expect((await state('a')).count).toBe(9);
    expect((await state('b')).count).toBe(3);
    expect(await counts()).toHaveLength(8); // outputs keep their ids (the input position), which the file sink has
  });

  it('to a time, a sequence number, or the latest record', async () => {
    await sleep(1100);
    const at = new Date().toISOString();
    await sleep(100);
    await eddy(['feed', COUNT_JOB, '--input', `hits=${await jsonl('later.jsonl', [hit('c', '/z', T0 + 5000), hit('c', '/z', T0 + 6000)])}`, '--data-dir', data]);
    await run();
    expect((await state('c')).count).toBe(2);

    expect(await reset('source-hits', at)).toMatch(/: 2 records to read again$/m);
    await run();
    expect((await state('c')).count).toBe(4);

    const [source] = (await checkpoints(COUNT_JOB)).filter((r) => r.stage === 'source-hits');
    expect(await reset('source-hits', source.seq)).toMatch(/: 1 record to read again$/m); // the checkpointed record itself
    await run();
    expect((await state('c')).count).toBe(5);

    await eddy(['feed', COUNT_JOB, '--input', `hits=${await jsonl('skipped.jsonl', [hit('d', '/z', T0 + 7000)])}`, '--data-dir', data]);
    expect(await reset('source-hits', 'latest')).toMatch(/: 1 record skipped$/m);
    await run();
    expect(await state('d')).toEqual({});
  });

  it('refuses while eddy run runs the job on the data dir', async () => {
    const log = join(root, 'live.log');
    const live = eddyDetached(['run', COUNT_JOB, '--data-dir', data, '--out', out()], log);
    try {
      for (let i = 0; i < 200 && !/running cli-count/.test(await readFile(log, 'utf8').catch(() => '')); i++) await sleep(100);
      await expect(reset('source-hits', 'trim-horizon')).rejects.toThrow(/eddy run of cli-count \(pid \d+\) is running on .*: stop it first/);
    } finally {
      live.kill('SIGTERM');
      await new Promise((resolve) => live.once('exit', resolve));
    }
    expect(await reset('source-hits', 'latest')).toMatch(/source-hits\/shardId-000000000000/);
  });
});
