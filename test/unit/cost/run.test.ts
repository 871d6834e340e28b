/**
 * lib/cost/run.ts + price.ts on a tiny keyed count whose batches are known in advance: the
 * counts must be those worked out from the input alone.
 */
import { describe, expect, it } from 'vitest';
import { PRICES } from '../../../lib/cost/model.ts';
import { priceRun } from '../../../lib/cost/price.ts';
import { runCost } from '../../../lib/cost/run.ts';
import { seededRandom } from '../../../lib/runtime/seeded-random.ts';
import { tinyJob as tiny } from './tiny-job.ts';

const B = 50; // records per invocation
const K = 10; // distinct keys, every one in every batch
const tinyJob = (stateBackend: 'log' | 'items' = 'log') => tiny({ batchSize: B, stateBackend });
const lines = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ key: `k${i % K}`, ts: 1_700_000_000_000 + i }));

describe('runCost', () => {
  it('fed all at once: ⌈N / B⌉ source invocations, every record read once, one Kinesis record put per input line', async () => {
    const input = lines(260);
    const run = await runCost(tinyJob(), { events: input }, { rate: Infinity });
    const source = run.counts.actors['source-events'];
    expect(source.invocations).toBe(Math.ceil(260 / B));
    expect(source.recordsRead).toBe(260);
    const bytes = input.reduce((n, l) => n + Buffer.byteLength(l) + Buffer.byteLength(JSON.parse(l).key), 0);
    expect(run.counts.streams['cost-tiny-source-events']).toEqual({ requests: 1, records: 260, bytes, billedKb: 260, payloadUnits: 260 });
    expect(source.bytesRead).toBe(bytes);
    expect(run.sinkRecords).toEqual({ counts: 260 });
    expect(run.deadLetters).toBe(0);
  });

  it('fed B records a second, in one environment per stage, per-key items: one batch per stage a second; state units follow distinct keys; sinks one record per output', async () => {
    const seconds = 6;
    const run = await runCost(tinyJob('items'), { events: lines(seconds * B) }, { rate: B, environments: 1 });
    const source = run.counts.actors['source-events'];
    const keyed = run.counts.actors['count'];
    expect(source.invocations).toBe(seconds);
    // a checkpoint read (under 4 KB, 1 unit; absent at first, still 1) and a conditional put of it (1 unit) a batch
    expect(source.dynamo).toMatchObject({ readUnits: seconds, writeUnits: seconds });
    // each second one record (B envelopes + the watermark) on the keyed stage's only shard, and the end of input
    expect(keyed.invocations).toBe(seconds + 1);
    expect(keyed.recordsRead).toBe(seconds + 1);
    expect(keyed.events).toBe(seconds * B);
    // each data batch preloads its K keys (1 unit each: absent at first, then under 4 KB) and
    // commits the cheapest way (lib/runtime/commit.ts): a transaction would cost 2 × (K + 1); the
    // checkpoint carrying the deflated redo log of the K items is still under 1 KB (1 unit), and
    // applying them costs K (1 unit each, all under 1 KB). The end-of-input batch puts its
    // checkpoint alone (1 unit); every checkpoint read is under 4 KB (1 unit).
    expect(keyed.dynamo.byKind.state).toEqual({ readUnits: seconds * K, writeUnits: seconds * K });
    expect(keyed.dynamo.byKind.checkpoint).toEqual({ readUnits: seconds + 1, writeUnits: seconds + 1 });
    // one sink record per event: {"key":"k3","count":12} with partition key k3, each under 1 KB
    expect(keyed.sinkPuts.records).toBe(seconds * B);
    expect(keyed.sinkPuts.billedKb).toBe(seconds * B);
    expect(keyed.sinkPuts.payloadUnits).toBe(seconds * B);
    expect(run.counts.streams['cost-tiny-count'].records).toBe(seconds + 1);
  });

  it('fed B records a second, in one environment per stage, log-structured: a changelog entry and the checkpoint a batch, nothing read but checkpoints', async () => {
    const seconds = 6;
    const run = await runCost(tinyJob('log'), { events: lines(seconds * B) }, { rate: B, environments: 1 });
    const keyed = run.counts.actors['count'];
    expect(keyed.invocations).toBe(seconds + 1);
    // The container's copy serves every batch after the first (which finds no state to restore).
    expect(run.stages[1].environments).toMatchObject({ batches: { hit: seconds, restore: 1, 'catch-up': 0 } });
    // Each data batch: one entry holding its K small counters (under 1 KB packed: 1 unit) and its checkpoint (under 1 KB: 1 unit).
    expect(keyed.dynamo.byKind.log).toEqual({ readUnits: 0, writeUnits: seconds });
    expect(keyed.dynamo.byKind.checkpoint).toEqual({ readUnits: seconds + 1, writeUnits: seconds + 1 });
    expect(keyed.dynamo.byKind.state).toBeUndefined(); // no per-key item
  });

  it('log-structured on random environments: every batch outside the container that ran the last one reads the log since its copy', async () => {
    const seconds = 6;
    const run = await runCost(tinyJob('log'), { events: lines(seconds * B) }, { rate: B, seed: 1 });
    const keyed = run.counts.actors['count'];
    const { batches } = run.stages[1].environments;
    expect(batches['catch-up'] + batches.restore).toBeGreaterThan(1);
    // Every one but the first (no state yet) reads the shard's log: a Query of a few hundred bytes, 1 unit.
    expect(keyed.dynamo.byKind.log).toEqual({ readUnits: batches['catch-up'] + batches.restore - 1, writeUnits: seconds });
  });

  it('lands batches on random environments, per-key items: a container that did not apply the last batch\'s redo log applies it again first', async () => {
    const seconds = 6;
    const run = await runCost(tinyJob('items'), { events: lines(seconds * B) }, { rate: B, seed: 1 });
    const keyed = run.counts.actors['count'];
    // The keyed stage (the plan's second stage) has 1 shard, so 2 environments, picked by its own seeded draws.
    const draw = seededRandom((1 + 7919 * 1) >>> 0);
    const envs = Array.from({ length: seconds + 1 }, () => Math.floor(draw() * 2)); // the data batches, then the end of input
    const moves = envs.slice(1).filter((env, i) => env !== envs[i]).length;
    expect(moves).toBeGreaterThan(0);
    // every data batch commits through a redo log inline in its checkpoint; the next batch, in
    // another environment, re-applies its K items (1 unit each) before its own
    expect(keyed.dynamo.byKind.state).toEqual({ readUnits: seconds * K, writeUnits: (seconds + moves) * K });
    expect(run.stages[1].environments).toMatchObject({ pool: 2, started: new Set(envs).size, recycled: 0, batches: { unreported: seconds + 1 } });
  });

  it('runs on simulated time: the clock starts at the first event, the sweep passes once a simulated minute', async () => {
    const seconds = 150;
    const run = await runCost(tinyJob(), { events: lines(seconds * 2) }, { rate: 2 });
    expect(run.seconds).toBe(seconds);
    expect(run.startMs).toBe(1_700_000_000_000); // the first line's ts
    expect(run.sweepPasses).toBe(2); // at 60 and 120 s
    const sweep = run.counts.actors['(sweep)'];
    // each pass reads the checkpoints of the one stateful stage: one Query under 4 KB
    expect(sweep.invocations).toBe(2);
    expect(sweep.dynamo).toMatchObject({ requests: 2, readUnits: 2, writeUnits: 0 });
    expect(run.feedCounts.actors['count'].invocations).toBe(seconds);
    expect(run.counts.actors['count'].invocations).toBe(seconds + 1); // the drain: end of input
    const undrained = await runCost(tinyJob(), { events: lines(seconds * 2) }, { rate: 2, drain: false });
    expect(undrained.drained).toBe(false);
    expect(undrained.counts.actors['count'].invocations).toBe(seconds);
  });

  it('processes records given negative arrival times before the clock starts, and counts them apart', async () => {
    const input = lines(3 * B);
    const arrivals = input.map((_, i) => (i < B ? -1000 : Math.floor((i - B) / B) * 1000)); // B warm-up records, then B a second
    const run = await runCost(tinyJob('items'), { events: input }, { rate: B, arrivalsMs: { events: arrivals }, environments: 1 });
    expect(run.warmup.records).toBe(B);
    expect(run.warmup.counts.actors['source-events'].invocations).toBe(1);
    expect(run.counts.actors['source-events'].invocations).toBe(2);
    expect(run.counts.actors['count'].events).toBe(2 * B);
    expect(run.seconds).toBe(2);
    // the warm-up's keys are already there: the first metered batch reads them (under 4 KB: 1 unit each) and overwrites them
    expect(run.feedCounts.actors['count'].dynamo.byKind.state).toEqual({ readUnits: 2 * K, writeUnits: 2 * K });
    const p = priceRun(run).processing;
    expect(p.events).toBe(2 * B);
    expect(p.rate).toBe(B);
    expect(p.warmup.records).toBe(B);
    expect(p.warmup.dollars).toBeGreaterThan(0);
  });

  it('prices the counts at list prices, and the naive baseline from the same events', async () => {
    const seconds = 4;
    const n = seconds * B;
    const run = await runCost(tinyJob(), { events: lines(n) }, { rate: B });
    const report = priceRun(run, { ioMs: 10 });
    const [source, keyed] = report.stages;
    const a = run.counts.actors['source-events'];
    expect(source.eddy.gbSeconds).toBeCloseTo(((a.billedMs + 10 * seconds) / 1000) * 0.5, 9);
    expect(source.eddy.dollars.lambdaRequests).toBeCloseTo(seconds * PRICES.lambdaRequest, 12);
    expect(source.eddy.dollars.dynamoWrites).toBeCloseTo(seconds * PRICES.dynamoWriteUnit, 12);
    expect(source.eddy.dollars.kinesisIn).toBeCloseTo((n * 1024 * PRICES.kinesisOnDemandWriteGb) / 2 ** 30, 12);
    // naive: an invocation, a state read and a state write per event on the keyed stage
    expect(keyed.naive.invocations).toBe(n);
    expect(keyed.naive.dollars.dynamoReads).toBeCloseTo(n * PRICES.dynamoReadUnit, 12);
    expect(keyed.naive.dollars.dynamoWrites).toBeCloseTo(n * PRICES.dynamoWriteUnit, 12);
    expect(source.naive.dollars.dynamoWrites).toBe(0);
    expect(report.naive.lambdaRequests).toBeCloseTo(2 * n * PRICES.lambdaRequest, 12);
    expect(report.perMillion.naive).toBeCloseTo((report.naive.total / n) * 1e6, 9);
    expect(report.eddy.total).toBeCloseTo(source.eddy.dollars.total + keyed.eddy.dollars.total, 12);
    // fixed: 3 streams (source, keyed, sink) at the stream-hour price; the sweep: its one pass (a run under a
    // minute), 60 times an hour: a request, its measured time at 512 / 1769 of a vCPU (at least the billed 1 ms)
    // + the 10 ms of I/O per invocation asked for + 10 ms (the default) for its one Query, one read unit, and
    // Lambda's 310 bytes of log lines
    expect(report.fixed.streams).toBe(3);
    const sweep = run.counts.actors['(sweep)'];
    expect(sweep.invocations).toBe(1);
    const ms = Math.max(sweep.billedMs, sweep.measuredMs * (1769 / 512) + 0.5) + 10 + 10;
    const pass = PRICES.lambdaRequest + (ms / 1000) * 0.5 * PRICES.lambdaGbSecond + PRICES.dynamoReadUnit + (310 / 2 ** 30) * 0.5;
    expect(report.fixed.sweepPerHour).toBeCloseTo(60 * pass, 12);
    expect(report.fixed.perMillionAtRate).toBeCloseTo((report.fixed.perHour / (B * 3600)) * 1e6, 9);
  });
});
