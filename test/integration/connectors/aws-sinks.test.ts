/**
 * The AWS sinks on the emulators: a Kinesis sink stream receives every output, a DynamoDB sink
 * table holds one item per deterministic key (the last output for the key), also when one
 * batch emits the same key twice.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { DynamoDbSink, Job, KeyedProcessFunction, KinesisSink, KinesisSource, ValueStateDescriptor, WatermarkStrategy, type Collector, type KeyedContext, type RuntimeContext, type ValueState } from '../../../lib/api/index.ts';
import { openLocalJob } from '../../../lib/local/local-job.ts';
import { replayJob } from '../../../lib/local/replay.ts';
import { localEndpoints } from '../../support/stack.ts';

interface Ev { user: string; amount: number; ts: number }
interface Total { user: string; total: number }

class RunningTotal extends KeyedProcessFunction<string, Ev, Total> {
  private total!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.total = ctx.getState(new ValueStateDescriptor<number>('total'));
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Total>) {
    const total = ((await this.total.value()) ?? 0) + e.amount;
    await this.total.update(total);
    out.collect({ user: ctx.getCurrentKey(), total });
  }
}

it('writes to a Kinesis sink stream and a DynamoDB sink table', async () => {
  const job = new Job('aws-sinks', { parallelism: 1 });
  const totals = job
    .fromSource(KinesisSource.json<Ev>('events'), WatermarkStrategy.forBoundedOutOfOrderness<Ev>(0).withTimestampAssigner((e) => e.ts))
    .keyBy((e) => e.user)
    .process(new RunningTotal(), { uid: 'total' });
  totals.sinkTo(KinesisSink.json('stream-totals', { partitionKey: (t) => t.user }));
  totals.sinkTo(DynamoDbSink.table('table-totals', { key: (t) => t.user }));

  const prefix = `sinks-${Date.now().toString(36)}-`;
  const local = await openLocalJob(job, { endpoints: localEndpoints(), prefix, processingTime: 'event' });
  const events: Ev[] = [
    { user: 'a', amount: 1, ts: 1 },
    { user: 'b', amount: 5, ts: 2 },
    { user: 'a', amount: 2, ts: 3 },
    { user: 'a', amount: 4, ts: 4 },
  ];
  await replayJob({ job, plan: local.plan, inputs: { events: events.map((e) => JSON.stringify(e)) }, services: local.services, reader: local.reader, invoke: local.invoke });

  const stream = local.plan.streams.find((s) => s.of === 'stream-totals')!.name;
  const [shard] = await local.services.streams.listShards(stream);
  const records = await local.reader.read(stream, shard.shardId, undefined, 100);
  expect(records.map((r) => JSON.parse(Buffer.from(r.data).toString('utf8')))).toEqual([
    { user: 'a', total: 1 },
    { user: 'b', total: 5 },
    { user: 'a', total: 3 },
    { user: 'a', total: 7 },
  ]);
  expect(records.map((r) => r.partitionKey)).toEqual(['a', 'b', 'a', 'a']);

  const table = prefix + local.plan.tables.find((t) => t.of === 'table-totals')!.name;
  const scan = await local.services.clients.documents.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  const items = (scan.Items ?? []).map((i) => [i.id, JSON.parse(i.value)]).sort();
  expect(items).toEqual([['a', { user: 'a', total: 7 }], ['b', { user: 'b', total: 5 }]]);
});
