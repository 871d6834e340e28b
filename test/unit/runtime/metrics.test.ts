/**
 * The stage handler's metrics: CloudWatch EMF documents on stdout, with the stage as a
 * dimension and the counts of what the batches did — a container's first batch at once, then
 * at most one document a minute with every batch's values, trouble at once; nothing at all
 * outside Lambda.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import job from '../../../functions/order-timeout/job.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { toKinesisEvent } from '../../../lib/local/kinesis-event.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { createStageHandler } from '../../../lib/runtime/handler.ts';
import { metricsEnabled } from '../../../lib/runtime/metrics.ts';
import type { RuntimeServices } from '../../../lib/runtime/task.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';

const T0 = 1_700_000_000_000;
const NOW = T0 + 60_000;
const order = (orderId: string, status: string, ts: number) => Buffer.from(JSON.stringify({ orderId, userId: 'u-1', status, amount: 1, ts }));

function services(clock = { now: NOW }): RuntimeServices {
  const streams = new MemoryStreams();
  for (const s of planJob(job.graph).streams) streams.createStream(s.name, s.shards);
  return { store: new MemoryStore(), streams, sinks: new MemorySinkWriter(), processingTime: 'system', wallClock: () => clock.now };
}

/** The EMF documents the handler printed while `body` ran. */
async function emfOf(body: () => Promise<unknown>): Promise<any[]> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
  const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // the handler's error log of a failed batch
  try {
    await body();
  } finally {
    spy.mockRestore();
    errors.mockRestore();
  }
  return written.flatMap((w) => w.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
}

const defaultLevel = job.graph.options.metrics;
afterEach(() => {
  vi.unstubAllEnvs();
  job.graph.options.metrics = defaultLevel;
});

describe('stage metrics (EMF)', () => {
  it('by default, publishes the metrics Lambda does not give: records in and out, dead letters, the watermark lag', async () => {
    vi.stubEnv('EDDY_METRICS', 'on');
    const svc = services();
    const source = createStageHandler(job, 'source-orders', () => svc);
    const input = [order('o-1', 'CREATED', T0), order('o-1', 'PAID', T0 + 1000), Buffer.from('not json')];
    const [doc] = await emfOf(() => source(toKinesisEvent('order-timeout-source-orders', 'shardId-000000000000', input.map((data, i) => ({ seq: String(100 + i), data, partitionKey: 'o-1', arrival: T0 })))));
    expect(doc._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name).sort()).toEqual(['DataRecordsIn', 'DeadLetters', 'RecordsOut', 'WatermarkLag']);
    expect([doc.DataRecordsIn, doc.RecordsOut, doc.DeadLetters]).toEqual([2, 2, 1]);
  });

  it('publishes nothing with metrics: none', async () => {
    vi.stubEnv('EDDY_METRICS', 'on');
    job.graph.options.metrics = 'none';
    const svc = services();
    const source = createStageHandler(job, 'source-orders', () => svc);
    const docs = await emfOf(() => source(toKinesisEvent('order-timeout-source-orders', 'shardId-000000000000', [{ seq: '1', data: order('o-1', 'CREATED', T0), partitionKey: 'o-1', arrival: T0 }])));
    expect(docs).toEqual([]);
  });

  it('detailed: publishes one document per batch with the stage dimension and what the batch did', async () => {
    vi.stubEnv('EDDY_METRICS', 'on');
    job.graph.options.metrics = 'detailed';
    const clock = { now: NOW };
    const svc = services(clock);
    const source = createStageHandler(job, 'source-orders', () => svc);
    const keyed = createStageHandler(job, 'order-timeout', () => svc);
    const arrival = T0 + 50_000;
    const input = [order('o-1', 'CREATED', T0), order('o-1', 'PAID', T0 + 1000), Buffer.from('not json')];
    const sourceEvent = toKinesisEvent('order-timeout-source-orders', 'shardId-000000000000', input.map((data, i) => ({ seq: String(100 + i), data, partitionKey: 'o-1', arrival })));

    const [doc] = await emfOf(() => source(sourceEvent));
    expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
    const definition = doc._aws.CloudWatchMetrics[0];
    expect(definition.Namespace).toBe('eddy');
    expect(definition.Dimensions).toEqual([['service', 'stage']]);
    expect(doc.service).toBe('order-timeout');
    expect(doc.stage).toBe('source-orders');
    const names = definition.Metrics.map((m: { Name: string }) => m.Name);
    for (const name of ['RecordsIn', 'RecordsOut', 'BatchLatency', 'IteratorAge', 'WatermarkLag', 'StateReads', 'StateWrites', 'DeadLetters']) expect(names).toContain(name);
    expect(doc.RecordsIn).toBe(3);
    expect(doc.DataRecordsIn).toBe(2);
    expect(doc.RecordsOut).toBe(2); // two envelopes to the keyed stage
    expect(doc.DeadLetters).toBe(1); // the line that is not JSON
    expect(doc.IteratorAge).toBe(NOW - arrival);
    expect(doc.WatermarkLag).toBeDefined();
    expect(doc.WatermarkLag).toBe(NOW - (T0 + 1000 - 5000 - 1)); // max ts - out-of-orderness - 1
    expect(doc.StateWrites).toBe(2); // the checkpoint and the dead letter

    // The keyed stage reads what the source emitted: its own document, dimension stage=order-timeout.
    const keyedShards = await svc.streams.listShards('order-timeout-order-timeout');
    const streams = svc.streams as MemoryStreams;
    const runKeyed = async () => {
      const docs: any[] = [];
      for (const shard of keyedShards) {
        const done = (await svc.store.batchGet([{ table: 'state', pk: 'c#order-timeout', sk: shard.shardId }]))[0];
        const after = done ? JSON.parse(String(done.attrs.cp)).seq : undefined;
        const records = await streams.read('order-timeout-order-timeout', shard.shardId, after, 100);
        if (records.length > 0) docs.push(...(await emfOf(() => keyed(toKinesisEvent('order-timeout-order-timeout', shard.shardId, records)))));
      }
      return docs;
    };
    // The keyed stage's shard gets o-1's two orders and the watermark.
    const first = await runKeyed();
    expect(first.map((d) => d.stage)).toEqual(keyedShards.map(() => 'order-timeout'));
    const withData = first.find((d) => d.DataRecordsIn > 0);
    expect(withData.DataRecordsIn).toBe(2);
    expect(withData.StateWrites).toBeGreaterThan(1); // state of o-1, its timer, the checkpoint

    // A duplicate PAID of o-1, a minute later (the container published a minute ago): the keyed stage reads o-1's state back.
    clock.now += 60_000;
    await emfOf(() => source(toKinesisEvent('order-timeout-source-orders', 'shardId-000000000000', [{ seq: '200', data: order('o-1', 'PAID', T0 + 1000), partitionKey: 'o-1', arrival }])));
    const second = (await runKeyed()).find((d) => d.DataRecordsIn > 0);
    expect(second.StateReads).toBeGreaterThan(0);
  });

  it('a container publishes its first batch, then gathers its batches for a minute in one document; trouble at once', async () => {
    vi.stubEnv('EDDY_METRICS', 'on');
    const clock = { now: NOW };
    const svc = services(clock);
    const source = createStageHandler(job, 'source-orders', () => svc);
    let seq = 100;
    const batch = (...lines: Buffer[]) => emfOf(() => source(toKinesisEvent('order-timeout-source-orders', 'shardId-000000000000', lines.map((data) => ({ seq: String(seq++), data, partitionKey: 'o', arrival: clock.now })))));
    expect((await batch(order('o-1', 'CREATED', T0))).map((d) => d.DataRecordsIn)).toEqual([1]); // the first: at once
    const quiet: any[] = [];
    for (let i = 0; i < 5; i++) {
      clock.now += 10_000;
      quiet.push(...(await batch(order(`o-${i + 2}`, 'CREATED', T0 + i), order(`o-${i + 2}`, 'PAID', T0 + i))));
    }
    expect(quiet).toEqual([]); // 10 to 50 s after the last document: gathered
    clock.now += 10_000;
    const [minute] = await batch(order('o-9', 'CREATED', T0 + 9));
    // One document for the six batches since: each value a sample (sum 11 data records, 6 samples).
    expect(minute.DataRecordsIn).toEqual([2, 2, 2, 2, 2, 1]);
    expect(minute.RecordsOut).toEqual([2, 2, 2, 2, 2, 1]);
    clock.now += 1_000;
    const [trouble] = await batch(Buffer.from('not json'));
    expect(trouble).toMatchObject({ DeadLetters: 1, DataRecordsIn: 0 }); // a second later, published at once
  });

  it('counts a failed batch', async () => {
    vi.stubEnv('EDDY_METRICS', 'on');
    const svc = services();
    svc.store.batchGet = async () => {
      throw new Error('DynamoDB is down');
    };
    const handler = createStageHandler(job, 'source-orders', () => svc);
    const event = toKinesisEvent('order-timeout-source-orders', 'shardId-000000000000', [{ seq: '1', data: order('o-1', 'CREATED', T0), partitionKey: 'o-1', arrival: T0 }]);
    let response: unknown;
    const docs = await emfOf(async () => (response = await handler(event)));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }] });
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ stage: 'source-orders', BatchFailures: 1 });
  });

  it('is off outside Lambda unless asked for, on inside', () => {
    expect(metricsEnabled({})).toBe(false);
    expect(metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'eddy-order-timeout-dev-sourceOrders' })).toBe(true);
    expect(metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'f', EDDY_METRICS: 'off' })).toBe(false);
    expect(metricsEnabled({ EDDY_METRICS: 'on' })).toBe(true);
  });

  it('prints nothing when off', async () => {
    vi.stubEnv('EDDY_METRICS', 'off');
    const svc = services();
    const handler = createStageHandler(job, 'source-orders', () => svc);
    const event = toKinesisEvent('order-timeout-source-orders', 'shardId-000000000000', [{ seq: '1', data: order('o-1', 'CREATED', T0), partitionKey: 'o-1', arrival: T0 }]);
    expect(await emfOf(() => handler(event))).toEqual([]);
  });
});
