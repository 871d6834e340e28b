/**
 * `eddy cost` from outside, as a user runs it: the printed tables must hold the counts that
 * follow from the input file alone, and dollars consistent with list prices.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PRICES } from '../../../lib/cost/model.ts';
import { generateOrderStream, toJsonl } from '../../scenario/order-timeout/generator.ts';

const run = promisify(execFile);
const money = (s: string) => Number(s.replace(/[$,]/g, ''));
const count = (s: string) => Number(s.replace(/,/g, ''));
/** The cells of the first table row starting with `label` after the line starting with `after`. */
function row(stdout: string, after: string, label: string): string[] {
  const lines = stdout.split('\n');
  const from = lines.findIndex((l) => l.startsWith(after));
  const line = lines.slice(from).find((l) => l.startsWith(`${label} `));
  if (from < 0 || !line) throw new Error(`no row ${label} after "${after}" in:\n${stdout}`);
  return line.trim().split(/\s{2,}/);
}

describe('eddy cost order-timeout --input orders=<file>', () => {
  it('prints $ per million events, eddy and naive, with the counts of the input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eddy-cost-'));
    const text = toJsonl(generateOrderStream({ seed: 3, orders: 300 }));
    await writeFile(join(dir, 'orders.jsonl'), text);
    const { stdout } = await run('node', ['bin/eddy.mjs', 'cost', 'order-timeout', '--input', `orders=${join(dir, 'orders.jsonl')}`], { timeout: 120_000, maxBuffer: 16 << 20 });

    const lines = text.split('\n').filter(Boolean);
    const n = lines.length;
    const seconds = Math.ceil(n / 100); // the default rate: 100 records a second, ≤ one source batch (100) each
    const kbIn = lines.reduce((sum, l) => sum + Math.ceil((Buffer.byteLength(l) + Buffer.byteLength(JSON.parse(l).orderId)) / 1024), 0);
    expect(stdout).toContain(`order-timeout, ${n.toLocaleString('en-US')} input events fed at 100 records/s`);

    const [, events, invocations, , recordsIn, kb] = row(stdout, 'eddy, per stage', 'source-orders');
    expect([count(events), count(invocations), count(recordsIn), count(kb)]).toEqual([n, seconds, n, kbIn]);
    const keyed = row(stdout, 'eddy, per stage', 'order-timeout');
    expect(count(keyed[1])).toBe(n); // every order reaches the keyed stage
    // one record a second on each of its 2 shards at most (data and watermark), and the end of input
    expect(count(keyed[2])).toBeGreaterThanOrEqual(seconds);
    expect(count(keyed[2])).toBeLessThanOrEqual(2 * (seconds + 1));
    const totalInvocations = count(row(stdout, 'eddy, per stage', 'total')[1]);
    expect(totalInvocations).toBe(seconds + count(keyed[2]));

    const headline = /\$ per million input events: eddy (\$[\d.,]+), naive per-event baseline (\$[\d.,]+)/.exec(stdout);
    expect(headline).not.toBeNull();
    const [eddy, naive] = [money(headline![1]), money(headline![2])];
    const component = (label: string) => row(stdout, '$ per million input events, by component', label).slice(-3).map((c) => (c.endsWith('x') ? c : money(c)));

    // naive: both stages invoked once per event; one state read and write per event on the keyed stage
    expect(component('Lambda requests')[1]).toBeCloseTo(2 * PRICES.lambdaRequest * 1e6, 4);
    expect(component('DynamoDB reads')[1]).toBeCloseTo(PRICES.dynamoReadUnit * 1e6, 4);
    expect(component('DynamoDB writes')[1]).toBeCloseTo(PRICES.dynamoWriteUnit * 1e6, 4);
    // eddy: one request per invocation
    expect(component('Lambda requests')[0]).toBeCloseTo((totalInvocations / n) * PRICES.lambdaRequest * 1e6, 4);
    // ingest alone (each record billed ≥ 1 KB) is a lower bound of eddy's Kinesis data in
    const ingest = ((kbIn * 1024 * PRICES.kinesisOnDemandWriteGb) / 2 ** 30 / n) * 1e6;
    expect(component('Kinesis data in')[0] as number).toBeGreaterThan(ingest);
    // totals are the sums of their components, and the headline says the same
    const parts = ['Lambda requests', 'Lambda duration', 'DynamoDB reads', 'DynamoDB writes', 'Kinesis data in', 'Kinesis retrieval'].map(component);
    expect(Math.abs(parts.reduce((s, p) => s + (p[0] as number), 0) - eddy)).toBeLessThan(0.02 * eddy);
    expect(Math.abs(parts.reduce((s, p) => s + (p[1] as number), 0) - naive)).toBeLessThan(0.02 * naive);
    expect(component('total').slice(0, 2)).toEqual([eddy, naive]);
    // plausible: naive ≥ its requests + state + two hops of ≥ 1 KB in and out; eddy within a few $ per million
    expect(naive).toBeGreaterThan(0.4 + 0.125 + 0.625 + 2 * 1.5 * ingest);
    expect(eddy).toBeGreaterThan(ingest);
    expect(eddy).toBeLessThan(20);
    expect(stdout).toMatch(/fixed, per hour: 5 on-demand streams × \$0\.0400 = \$0\.2000; sweep 60 passes × /);
  });
});

describe('eddy cost dim-enrich --steady <events> --format json', () => {
  it('runs a steady input made for the job on the environments asked for, and reports the processing cost against Managed Flink', async () => {
    const args = ['bin/eddy.mjs', 'cost', 'dim-enrich', '--steady', '2000', '--rate', '100', '--format', 'json', '--environments', '2', '--recycle-minutes', '5', '--seed', '2'];
    const { stdout } = await run('node', args, { timeout: 120_000, maxBuffer: 64 << 20 });
    const { run: costRun, report } = JSON.parse(stdout);
    expect(costRun.recycleMinutes).toBe(5);
    expect(costRun.stages.map((s: { environments: { pool: number } }) => s.environments.pool)).toEqual(costRun.stages.map(() => 2));
    // the product table's bootstrap (start, 2,000 rows, complete) is a warm-up, on top of the 2,000 records at 100 a second
    expect(costRun.warmup.records).toBe(2002);
    expect(costRun.seconds).toBe(20);
    const p = report.processing;
    expect(p.rate).toBe(100);
    expect(p.flink.flinkPerHour).toBeCloseTo(2 * 0.11 + (50 * 0.1) / 730, 9);
    expect(p.flink.ratio).toBeCloseTo(p.perHour / p.flink.flinkPerHour, 9);
    // at the crossover rate, fixed + variable per event × events an hour = Flink's hour
    expect(p.fixedPerHour.total + p.variablePerEvent * p.flink.crossoverRate * 3600).toBeCloseTo(p.flink.flinkPerHour, 9);
    // log-structured state (the default): the product table is written as changelog entries, not per-key items
    expect(Object.keys(p.units.byKind)).toEqual(expect.arrayContaining(['checkpoint', 'log']));
    expect(Object.keys(p.units.byKind)).not.toContain('state');
  });
});

/**
 * The Nexmark cost commands of docs/benchmarks.md, as written there: the bench writes a
 * 1,000 events/s stream, and `eddy cost nexmark-q7 --input bids=… --rate 920` prices it. A q7
 * that kept every bid of its 10 s window in one key's state dead-lettered most bids here and cost
 * 11× Flink's smallest application.
 */
describe('eddy cost nexmark-q7 on a 1,000 events/s stream (docs/benchmarks.md, "Nexmark")', () => {
  it('dead-letters nothing and costs less than the smallest Managed Flink application', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eddy-nexmark-cost-'));
    await run('node', ['bin/run-ts.mjs', 'bench/nexmark-cost.ts', '--nexmark-cost-seconds=12', '--nexmark-cost-queries=q7', `--nexmark-cost-write=${dir}`], { timeout: 120_000, maxBuffer: 16 << 20 });
    const bids = join(dir, 'bids.jsonl');
    const { stdout } = await run('node', ['bin/eddy.mjs', 'cost', 'nexmark-q7', '--input', `bids=${bids}`, '--rate', '920', '--format', 'json'], { timeout: 120_000, maxBuffer: 64 << 20 });
    const { run: counts, report } = JSON.parse(stdout);
    expect(report.inputEvents).toBeGreaterThan(10_000); // 12 s of bids: more than one 10 s window's worth
    expect(counts.deadLetters).toBe(0);
    expect(report.processing.flink.ratio).toBeLessThan(1);
  }, 240_000);
});
