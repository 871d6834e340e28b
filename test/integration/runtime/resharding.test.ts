/**
 * Resharding on the emulators (issue 3 §5): while the sequence job runs through its Lambda
 * handlers, both its streams are split with SplitShard and then merged with MergeShards.
 * Every step must come out once and in order per key, every timer once — children are read
 * after their parents, start from their checkpoints and find their timers by hash range, and
 * envelopes sent on a stale shard map are sent again.
 */
import { DescribeStreamSummaryCommand, MergeShardsCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { EventSourceRunner } from '../../../lib/local/event-source-runner.ts';
import { allStagesEnded } from '../../../lib/local/idle.ts';
import { handlerInvoker } from '../../../lib/local/invokers.ts';
import { endSource, feedSource } from '../../../lib/local/replay.ts';
import type { BatchResult } from '../../../lib/runtime/batch.ts';
import type { StreamClient } from '../../../lib/runtime/stream-client.ts';
import job, { expectedSeen, generateSteps } from '../../fixtures/sequence-job.ts';
import { openTestJob } from '../../support/local-job.ts';

async function whenActive(kinesis: KinesisClient, stream: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${stream} did not become ACTIVE`);
}

async function openShardsOf(streams: StreamClient, stream: string) {
  return (await streams.listShards(stream, { fresh: true })).filter((s) => !s.closed).sort((a, b) => (a.start < b.start ? -1 : 1));
}

describe('resharding a running job on the emulators', () => {
  it('split and merge of both streams keep per-key order, exact results and every timer', async () => {
    const local = await openTestJob(job, 'event');
    const batches: BatchResult[] = [];
    const invoke = handlerInvoker(job, local.plan, local.services, (b) => batches.push(b));
    const { kinesis } = local.services.clients;
    const prefix = local.prefix;
    const streams = local.plan.stages.map((s) => s.input.stream);
    const runner = new EventSourceRunner({ plan: local.plan, streams: local.services.streams, reader: local.reader, invoke, pollIntervalMs: 50, discoveryIntervalMs: 200 });
    const steps = generateSteps(30, 12);
    const lines = steps.map((s) => JSON.stringify(s));
    const third = lines.length / 3;
    const feed = (part: number) => feedSource(job, local.services, 'steps', streams[0], lines.slice(part * third, (part + 1) * third));
    runner.start();
    try {
      await feed(0);
      await runner.waitFor(async () => batches.length >= 3, 60_000);
      for (const stream of streams) {
        for (const s of await openShardsOf(local.services.streams, stream)) {
          await kinesis.send(new SplitShardCommand({ StreamName: prefix + stream, ShardToSplit: s.shardId, NewStartingHashKey: (s.start + (s.end - s.start + 1n) / 2n).toString() }));
          await whenActive(kinesis, prefix + stream);
        }
      }
      await feed(1);
      await runner.waitFor(async () => batches.some((b) => b.stage === 'check' && b.shard !== 'shardId-000000000000' && b.shard !== 'shardId-000000000001'), 60_000);
      for (const stream of streams) {
        const [a, b] = await openShardsOf(local.services.streams, stream);
        await kinesis.send(new MergeShardsCommand({ StreamName: prefix + stream, ShardToMerge: a.shardId, AdjacentShardToMerge: b.shardId }));
        await whenActive(kinesis, prefix + stream);
      }
      await feed(2);
      await endSource(local.services, streams[0]);
      await runner.waitFor(async () => runner.caughtUp() && (await allStagesEnded(local.plan, local.services.streams, local.services.store)), 120_000);
    } finally {
      await runner.stop();
    }
    const values = local.sinks.records.map((r) => r.value as Record<string, unknown>);
    const expected = expectedSeen(steps);
    const order = (a: any, b: any) => (a.key < b.key ? -1 : a.key > b.key ? 1 : (a.n ?? a.at) - (b.n ?? b.at));
    expect(values.filter((v) => 'n' in v).sort(order)).toEqual([...expected.seen].sort(order));
    expect(values.filter((v) => 'at' in v).sort(order)).toEqual([...expected.timers].sort(order));
    // Both generations of children ran: 2 → 4 → 3 shards on the keyed stream.
    expect((await openShardsOf(local.services.streams, streams[1])).length).toBe(3);
    const keyedShards = new Set(batches.filter((b) => b.stage === 'check').map((b) => b.shard));
    expect(keyedShards.size).toBeGreaterThanOrEqual(5);
  }, 240_000);
});
