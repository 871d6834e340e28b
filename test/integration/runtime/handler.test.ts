/**
 * The stage handlers on real Kinesis events against DynamoDB Local and kinesis-mock: what a
 * Lambda invocation does, and that redelivering a committed batch changes nothing.
 */
import { describe, expect, it } from 'vitest';
import job from '../../../functions/order-timeout/job.ts';
import { toKinesisEvent } from '../../../lib/local/kinesis-event.ts';
import { createStageHandler } from '../../../lib/runtime/handler.ts';
import { keyedStateItems } from '../../../lib/runtime/inspect.ts';
import { readStageCheckpoints } from '../../../lib/runtime/checkpoint.ts';
import { decodeEnvelopes } from '../../../lib/runtime/envelope.ts';
import { feedSource } from '../../../lib/local/replay.ts';
import { openTestJob } from '../../support/local-job.ts';

const T0 = 1_700_000_000_000;
const order = (orderId: string, status: 'CREATED' | 'PAID', ts: number) => JSON.stringify({ orderId, userId: 'u-1', status, amount: 10, ts });

async function readAll(local: Awaited<ReturnType<typeof openTestJob>>, stream: string) {
  const records = [];
  for (const shard of await local.services.streams.listShards(stream)) {
    records.push(...(await local.reader.read(stream, shard.shardId, undefined, 10_000)).map((r) => ({ ...r, shard: shard.shardId })));
  }
  return records;
}

/** The job's keyed state and timers, flattened as DynamoDB items are (log-structured: restored from each shard's checkpoint). */
async function stateItems(local: Awaited<ReturnType<typeof openTestJob>>) {
  const items = await keyedStateItems(local.services, local.plan);
  return items.map((i): Record<string, any> => ({ pk: i.pk, sk: i.sk, ...i.attrs })).sort((a, b) => (a.pk + a.sk < b.pk + b.sk ? -1 : 1));
}

/** What the state table holds besides checkpoints: the changelog entries of the log-structured state. */
async function storedKinds(local: Awaited<ReturnType<typeof openTestJob>>) {
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const out = await local.services.clients.documents.send(new ScanCommand({ TableName: `${local.prefix}order-timeout-state`, ConsistentRead: true }));
  return new Set((out.Items ?? []).map((i) => String(i.pk).slice(0, 2)));
}

describe('stage handlers on real Kinesis events', () => {
  it('runs both stages, keeps state and timers in DynamoDB (a changelog), and ignores a redelivered batch', async () => {
    const local = await openTestJob(job);
    const source = local.plan.stages[0];
    const keyed = local.plan.stages[1];
    await feedSource(job, local.services, 'orders', source.input.stream, [
      order('o-1', 'CREATED', T0),
      order('o-2', 'CREATED', T0 + 1000),
      order('o-1', 'PAID', T0 + 2000),
      order('o-3', 'CREATED', T0 + 3000),
      'not json',
    ]);
    const sourceHandler = createStageHandler(job, source.id, () => local.services);
    const [sourceShard] = await local.services.streams.listShards(source.input.stream);
    const sourceEvent = toKinesisEvent(source.input.stream, sourceShard.shardId, await local.reader.read(source.input.stream, sourceShard.shardId, undefined, 100));
    expect(await sourceHandler(sourceEvent)).toEqual({ batchItemFailures: [] });

    // The keyed stream now holds envelopes: every data record keyed by orderId, and a watermark for every shard.
    const internal = await readAll(local, keyed.input.stream);
    const envelopes = internal.flatMap((r) => decodeEnvelopes(r.data).envelopes);
    expect(envelopes.filter((e) => e.kind === 'data').map((e) => JSON.parse((e as { key: string }).key)).sort()).toEqual(['o-1', 'o-1', 'o-2', 'o-3']);
    expect(new Set(internal.filter((r) => decodeEnvelopes(r.data).envelopes.some((e) => e.kind === 'watermark')).map((r) => r.shard)).size).toBe(keyed.input.shards);

    const keyedHandler = createStageHandler(job, keyed.id, () => local.services);
    const events = [];
    for (const shard of await local.services.streams.listShards(keyed.input.stream)) {
      const records = await local.reader.read(keyed.input.stream, shard.shardId, undefined, 100);
      const event = toKinesisEvent(keyed.input.stream, shard.shardId, records);
      events.push(event);
      expect(await keyedHandler(event)).toEqual({ batchItemFailures: [] });
    }
    const state = await stateItems(local);
    // o-1: created + pending PAID + 2 timers (deadline, the PAID's own); o-2 and o-3: created + deadline timer.
    expect(state.filter((i) => String(i.pk).startsWith('t#')).map((i) => [JSON.parse(i.key), i.ts]).sort()).toEqual(
      [['o-1', T0 + 180_000], ['o-1', T0 + 2000], ['o-2', T0 + 181_000], ['o-3', T0 + 183_000]].sort(),
    );
    expect(state.filter((i) => String(i.sk).startsWith('created#')).map((i) => JSON.parse(i.v).createdTs).sort()).toEqual([T0, T0 + 1000, T0 + 3000]);
    expect(state.every((i) => String(i.pk).startsWith('t#') || typeof i.exp === 'number')).toBe(true);
    expect(await storedKinds(local)).toEqual(new Set(['c#', 'l#'])); // checkpoints and changelog entries: no per-key item

    const checkpoints = await readStageCheckpoints(local.services.store, keyed.id);
    expect(checkpoints).toHaveLength(keyed.input.shards); // one per shard of the keyed stage
    const dlq = await local.services.store.query('dead-letter', `${source.id}#${sourceShard.shardId}`);
    expect(dlq.map((d) => d.attrs.record)).toEqual(['not json']);

    // Redelivery of the same batches (same sequence numbers): nothing changes, nothing is emitted.
    const outputsBefore = local.sinks.records.length;
    const internalBefore = (await readAll(local, keyed.input.stream)).length;
    expect(await sourceHandler(sourceEvent)).toEqual({ batchItemFailures: [] });
    for (const event of events) expect(await keyedHandler(event)).toEqual({ batchItemFailures: [] });
    expect(await stateItems(local)).toEqual(state);
    expect(await readStageCheckpoints(local.services.store, keyed.id)).toEqual(checkpoints);
    expect(local.sinks.records.length).toBe(outputsBefore);
    expect((await readAll(local, keyed.input.stream)).length).toBe(internalBefore);
  });

  it('asks for the whole batch again when it cannot commit', async () => {
    const local = await openTestJob(job);
    const source = local.plan.stages[0];
    await feedSource(job, local.services, 'orders', source.input.stream, [order('o-9', 'CREATED', T0)]);
    const [shard] = await local.services.streams.listShards(source.input.stream);
    const records = await local.reader.read(source.input.stream, shard.shardId, undefined, 100);
    const broken = { ...local.services, streams: { ...local.services.streams, listShards: async () => Promise.reject(new Error('Kinesis is down')), putRecords: local.services.streams.putRecords.bind(local.services.streams) } };
    const handler = createStageHandler(job, source.id, () => broken);
    const response = await handler(toKinesisEvent(source.input.stream, shard.shardId, records));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0].seq }]);
    expect(await readStageCheckpoints(local.services.store, source.id)).toEqual([]);
  });
});
