/**
 * `eddy invoke` runs one stage on a sample event (test/events/) against the emulators of the
 * test run, reached through EDDY_DYNAMODB_ENDPOINT / EDDY_KINESIS_ENDPOINT and isolated by
 * EDDY_RESOURCE_PREFIX, as a shell would set them. Its effects are read back from DynamoDB
 * and Kinesis directly: the checkpoint, the envelopes on the next stage's stream, the state
 * and timers of the keys, the sink records.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { invokeCommand } from '../../../lib/cli/invoke-command.ts';
import { createClients, resolveAwsTarget, type AwsClients } from '../../../lib/aws/config.ts';
import { DynamoDbStore } from '../../../lib/aws/dynamodb-store.ts';
import { KinesisShardReader } from '../../../lib/aws/kinesis-shard-reader.ts';
import job from '../../../functions/order-timeout/job.ts';
import { servicesFromEnvironment } from '../../../lib/aws/services.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { stageStateView } from '../../../lib/runtime/inspect.ts';
import { readCheckpoint } from '../../../lib/runtime/checkpoint.ts';
import { decodeEnvelopes } from '../../../lib/runtime/envelope.ts';
import { EVENTS_DIR, manifest } from '../../events/regenerate.ts';
import { localEndpoints } from '../../support/stack.ts';
import { eddyWith } from './support.ts';

const plan = planJob(job.graph);

const T0 = 1_700_000_000_000;
const SOURCE_EVENT = 'test/events/order-timeout/source-orders.json';
const KEYED_EVENT = 'test/events/order-timeout/order-timeout.json';
const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));

let counter = 0;
let dir = '';
const opened: AwsClients[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eddy-invoke-'));
});
afterAll(async () => {
  for (const c of opened) (c.dynamodb.destroy(), c.kinesis.destroy());
  await rm(dir, { recursive: true, force: true });
});

/** A fresh prefix on the shared stack: the env of the CLI, and readers of what it did. */
function target() {
  const endpoints = localEndpoints();
  const prefix = `inv${process.pid}-${counter++}-`;
  const env = { EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis, EDDY_RESOURCE_PREFIX: prefix, AWS_REGION: 'us-east-1' };
  const clients = createClients(resolveAwsTarget(env));
  opened.push(clients);
  const store = new DynamoDbStore(clients.documents, { state: `${prefix}order-timeout-state`, 'dead-letter': `${prefix}order-timeout-dead-letter` });
  const reader = new KinesisShardReader(clients.kinesis, prefix);
  const invoke = (...args: string[]) => eddyWith(env, ['invoke', 'order-timeout', ...args]);
  return { env, store, reader, invoke };
}

describe('eddy invoke', () => {
  it('runs the source stage on its sample event: checkpoint at the last record, envelopes on the keyed stage stream, applied once', async () => {
    const t = target();
    const event = JSON.parse(await readFile(SOURCE_EVENT, 'utf8'));
    const { stdout, stderr } = await t.invoke('source-orders', '--event', SOURCE_EVENT);
    expect(JSON.parse(stdout)).toEqual({ batchItemFailures: [] });
    expect(stderr).toMatch(/source-orders\/shardId-000000000000: records in=5 skipped=0 data=5 /);

    const checkpoint = await readCheckpoint(t.store, 'source-orders', 'shardId-000000000000');
    expect(checkpoint?.seq).toBe(event.Records.at(-1).kinesis.sequenceNumber);
    const sent = [];
    const keyedShards = plan.stages.find((s) => s.id === 'order-timeout')!.input.shards;
    expect(keyedShards).toBe(1); // the default parallelism at the default planned rate
    for (const shard of ['shardId-000000000000']) {
      for (const r of await t.reader.read('order-timeout-order-timeout', shard, undefined, 100)) sent.push(...decodeEnvelopes(r.data).envelopes);
    }
    const data = sent.flatMap((e) => (e.kind === 'data' ? [e] : []));
    expect(data.map((e) => e.payload).sort((a: any, b: any) => a.ts - b.ts)).toEqual(await lines('test/events/order-timeout/orders.jsonl'));
    expect(new Set(data.map((e) => e.key))).toEqual(new Set(['"o-1"', '"o-2"', '"o-3"', '"o-4"']));
    expect(sent.filter((e) => e.kind === 'watermark').map((e) => e.kind === 'watermark' && e.watermark)).toEqual([T0 + 11_000 - 5000 - 1]); // one per shard of the keyed stage

    // Lambda redelivering the same batch: everything is at or below the checkpoint.
    const again = await t.invoke('source-orders', '--event', SOURCE_EVENT);
    expect(JSON.parse(again.stdout)).toEqual({ batchItemFailures: [] });
    expect(again.stderr).toMatch(/records in=5 skipped=5 /);
    expect((await readCheckpoint(t.store, 'source-orders', 'shardId-000000000000'))?.version).toBe(checkpoint?.version);
  });

  it('runs the keyed stage on its sample event: state, timers, the paid sink and the checkpoint of its shard', async () => {
    const t = target();
    const event = JSON.parse(await readFile(KEYED_EVENT, 'utf8'));
    const shard = event.Records[0].eventID.split(':')[0];
    const out = join(dir, 'keyed-out');
    const { stdout, stderr } = await t.invoke('order-timeout', '--event', KEYED_EVENT, '--out', out);
    expect(JSON.parse(stdout)).toEqual({ batchItemFailures: [] });
    expect(stderr).toContain('-> paid: {"orderId":"o-1","userId":"u-1","createdTs":1700000000000,"paidTs":1700000004000}');

    // The event's watermark (T0 + 5999) passed o-1's PAID at T0 + 4000: paid, settled. o-3 waits for its deadline.
    expect(await lines(join(out, 'paid.jsonl'))).toEqual([{ orderId: 'o-1', userId: 'u-1', createdTs: T0, paidTs: T0 + 4000 }]);
    // Read the way `eddy state get` does: through the stage's state backend (log-structured: restored from the shard's checkpoint).
    const view = await stageStateView(servicesFromEnvironment(job, plan, t.env), plan, 'order-timeout');
    const state = async (key: string) => Object.fromEntries((await view.query('state', `s#order-timeout#"${key}"`)).map((i) => [i.sk, JSON.parse(String(i.attrs.v))]));
    expect(await state('o-1')).toEqual({ 'created#-': { userId: 'u-1', createdTs: T0 }, 'outcome#-': 'paid' });
    expect(await state('o-3')).toEqual({ 'created#-': { userId: 'u-1', createdTs: T0 + 10_000 } });
    expect(await state('o-4')).toEqual({ 'pending-paid#-': [[T0 + 11_000, expect.any(Number)]] }); // a PAID before its CREATED waits
    // One shard holds every key: o-2's CREATED waits for its payment deadline too.
    expect(await state('o-2')).toEqual({ 'created#-': { userId: 'u-2', createdTs: T0 + 1000 } });
    const timers = [];
    for (let p = 0; p < 4; p++) timers.push(...(await view.query('state', `t#order-timeout#${p}`)).map((i) => [i.attrs.key, i.attrs.ts]));
    expect(timers.sort()).toEqual([['"o-2"', T0 + 1000 + 180_000], ['"o-3"', T0 + 10_000 + 180_000]]);
    expect((await readCheckpoint(t.store, 'order-timeout', shard))?.seq).toBe(event.Records.at(-1).kinesis.sequenceNumber);
  });

  it('with little time left, processes what fits and reports the rest in batchItemFailures', async () => {
    const t = target();
    const event = JSON.parse(await readFile(SOURCE_EVENT, 'utf8'));
    // A 1 s function has less than its 5 s safety margin left from the start: one record, then commit.
    const { stdout, stderr } = await t.invoke('source-orders', '--event', SOURCE_EVENT, '--timeout', '1');
    expect(JSON.parse(stdout)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1].kinesis.sequenceNumber }] });
    expect(stderr).toMatch(/out of time: Lambda would deliver the records from \d+ again/);
    expect((await readCheckpoint(t.store, 'source-orders', 'shardId-000000000000'))?.seq).toBe(event.Records[0].kinesis.sequenceNumber);
  });

  it('every sample event runs through its stage without a failure or a dead letter', async () => {
    const batches: string[] = [];
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      for (const e of manifest()) {
        const { env } = target();
        for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
        const response = await invokeCommand(e.job, e.stage, { event: join(EVENTS_DIR, e.out), timeout: '60', dataDir: '-', out: join(dir, `${e.job}-${e.stage}`) }, (m) => batches.push(`${e.out}: ${m}`));
        expect(response, e.out).toEqual({ batchItemFailures: [] });
      }
    } finally {
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
    }
    const summaries = batches.filter((b) => / records in=/.test(b));
    expect(summaries).toHaveLength(manifest().length);
    expect(summaries.filter((b) => !/ dead-letters=0 /.test(b))).toEqual([]);
    expect(summaries.filter((b) => / data=0 /.test(b))).toEqual([]);
  });

  it('eddy event on the command line writes the sample event (stdout without --out)', async () => {
    const { stdout, stderr } = await eddyWith({ AWS_REGION: 'us-east-1' }, ['event', 'order-timeout', 'order-timeout', '--input', 'test/events/order-timeout/orders.jsonl']);
    expect(stdout).toBe(await readFile(KEYED_EVENT, 'utf8'));
    // One shard of the keyed stage: every line's envelopes are in the event (5 data, 1 watermark), none left out.
    expect(stderr).toMatch(/^6 records for order-timeout \/ shardId-000000000000/);
    expect(stderr).not.toMatch(/left out/);
  });

  it('refuses an event that is not one, or a stage the job does not have', async () => {
    const t = target();
    await expect(t.invoke('source-orders', '--event', 'test/events/order-timeout/orders.jsonl')).rejects.toThrow(/is not JSON/);
    await expect(t.invoke('nope', '--event', SOURCE_EVENT)).rejects.toThrow(/has no stage "nope"/);
  });
});
