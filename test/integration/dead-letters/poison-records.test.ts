/**
 * Poison records that once stalled a shard (each test's comment says how): DESIGN.md §6 asks
 * that they go to the dead-letter table and the shard moves on, nothing dropped silently.
 *
 * A shard stuck on a poison record retries forever, so these runs have a short time limit:
 * "local run did not finish within ... ms" means the shard never got past the record.
 */
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import job from '../../../functions/order-timeout/job.ts';
import { Job, KeyedProcessFunction, KinesisSink, KinesisSource, WatermarkStrategy, type Collector, type KeyedContext } from '../../../lib/api/index.ts';
import { listDeadLetters } from '../../../lib/cli/dlq-command.ts';
import { replayJob } from '../../../lib/local/replay.ts';
import { openTestJob } from '../../support/local-job.ts';
import { nestedArrays } from '../../scenario/order-timeout/malformed.ts';

const T0 = 1_700_000_000_000;
const order = (orderId: string, status: 'CREATED' | 'PAID', ts: number, userId = 'u-1') => JSON.stringify({ orderId, userId, status, amount: 10, ts });
/** Long enough to show progress, short enough that a stuck shard fails the test quickly. */
const RUN_LIMIT_MS = 20_000;

/** Writes `records` in order into the job's first (source) stream, then replays to the end. */
async function replayRecords(target: Job, records: (string | Buffer)[]) {
  const local = await openTestJob(target, 'event');
  const stream = local.plan.stages[0].input.stream;
  for (const [i, data] of records.entries()) {
    await local.services.clients.kinesis.send(new PutRecordCommand({ StreamName: local.prefix + stream, Data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data, PartitionKey: `p-${i}` }));
  }
  await replayJob({ job: target, plan: local.plan, inputs: {}, services: local.services, reader: local.reader, invoke: local.invoke, timeoutMs: RUN_LIMIT_MS });
  return { sinks: local.sinks, deadLetters: await listDeadLetters(target, {}, local.env) };
}

describe('poison records', () => {
  // lib/runtime/envelope.ts isSourceEnd() compares only the 6-character prefix "\0eddy:", so ANY
  // record starting with it is taken for the end-of-input marker: it is dropped without a dead
  // letter, and the source stage declares end of input in the middle of the stream (watermark
  // +infinity: every timer fires, later records are late). Fix: compare the whole record with
  // encodeSourceEnd() (or parse what follows the prefix), and throw DecodeError('unknown
  // control record') for anything else with the prefix, inside SourceBatch's per-record try.
  it('dead-letters a control-like record that is not the end-of-input marker, and does not end the input', async () => {
    // The duplicated CREATEDs (allowed by the contract) push the PAID into the next batch of 100:
    // the source stage sends its end of input after the data of the batch it saw the marker in.
    const duplicates = Array.from({ length: 120 }, () => order('o-1', 'CREATED', T0));
    const { sinks, deadLetters } = await replayRecords(job, [order('o-1', 'CREATED', T0), '\u0000eddy:{"kind":"pause"}', ...duplicates, order('o-1', 'PAID', T0 + 1000)]);
    // Today: o-1 times out at the false end of input, and its payment is reported late.
    expect({ paid: sinks.values('paid'), timeouts: sinks.values('timeouts'), late: sinks.values('late-payments') }).toEqual({
      paid: [{ orderId: 'o-1', userId: 'u-1', createdTs: T0, paidTs: T0 + 1000 }],
      timeouts: [],
      late: [],
    });
    expect(deadLetters.map((d) => d.record)).toEqual(['\u0000eddy:{"kind":"pause"}']);
  }, 60_000);

  // lib/runtime/dead-letters.ts deadLetterItem() cuts the record at MAX_RECORD_CHARS = 300,000
  // UTF-16 code units, but DynamoDB limits an item to 400 KB of UTF-8. 200,000 '€' are 200,000
  // code units (not cut) and 600 KB: the commit fails with "Item size has exceeded the maximum
  // allowed size" on every retry and the source shard never moves on. Fix: cut by UTF-8 bytes
  // (Buffer.byteLength; back off to a character boundary), e.g. at 300,000 bytes.
  it('dead-letters a 600 KB record of multi-byte characters (cut to fit an item) instead of blocking the shard', async () => {
    const huge = order('€'.repeat(200_000), 'CREATED', T0 + 1);
    const { sinks, deadLetters } = await replayRecords(job, [order('o-1', 'CREATED', T0), huge, order('o-1', 'PAID', T0 + 1000)]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ reason: 'key longer than 1024 characters', truncated: true });
    expect(huge.startsWith(deadLetters[0].record)).toBe(true);
    expect(sinks.values('paid')).toHaveLength(1);
  }, 60_000);

  // A record the schema accepts (order-timeout's userId is any string) but whose state does not
  // fit a DynamoDB item: OrderTimeout keeps { userId, createdTs } in ValueState, 500 KB here.
  // The commit of the keyed stage fails on every retry (ValidationException: Item size has
  // exceeded the maximum allowed size) and its shard never moves on — with it every other
  // order of that shard. Fix: check the serialized size where state is written
  // (lib/state/handles.ts / item-cache.ts put) and throw there, inside processElement's try in
  // KeyedBatch.handle, so that the record is rolled back and dead-lettered like any other
  // user-function failure (reason e.g. "state value of 500 KB exceeds the 400 KB item limit").
  it('dead-letters (or processes) a schema-valid record whose state is larger than an item, and the shard moves on', async () => {
    const huge = order('o-huge', 'CREATED', T0 + 1, 'u'.repeat(500_000));
    const { sinks, deadLetters } = await replayRecords(job, [order('o-1', 'CREATED', T0), huge, order('o-1', 'PAID', T0 + 1000)]);
    expect(sinks.values('paid')).toEqual([{ orderId: 'o-1', userId: 'u-1', createdTs: T0, paidTs: T0 + 1000 }]);
    const timedOut = sinks.values('timeouts').some((t) => (t as { orderId: string }).orderId === 'o-huge');
    // Dead-lettered where its state is written (the keyed stage), with the envelope as the record.
    expect(timedOut || deadLetters.some((d) => /state "created" would take \d+ bytes/.test(d.reason) && d.record.includes('o-huge'))).toBe(true);
  }, 60_000);

  // A job without a schema passes any JSON on. 100,000 levels of nested arrays parse
  // (JSON.parse is iterative) but do not serialize: JSON.stringify throws RangeError (maximum
  // call stack size exceeded; from ~5,000 levels on Node 20) in lib/runtime/emitter.ts chunk(),
  // i.e. in emit(), after the per-record try of SourceBatch — the whole batch fails, forever.
  // The same holds for an output over MAX_RECORD_BYTES ("exceeds the Kinesis record limit").
  // Fix: encode each record's outputs inside the per-record try (SourceBatch.process, and
  // KeyedBatch.handle for processElement), dead-lettering a record whose outputs cannot be
  // encoded or exceed the limit; emit() then only sends what is known to encode.
  it('dead-letters a record that parses but cannot be serialized again (too deep), in a job without a schema', async () => {
    const { sinks, deadLetters } = await replayRecords(lenientJob, [
      JSON.stringify({ id: 'a', ts: T0 }),
      `{"id":"b","ts":${T0 + 1},"nested":${nestedArrays(100_000)}}`,
      JSON.stringify({ id: 'c', ts: T0 + 2 }),
    ]);
    expect(deadLetters.map((d) => d.record.slice(0, 20))).toEqual([`{"id":"b","ts":${T0 + 1}`.slice(0, 20)]);
    expect(sinks.values('out').map((v) => (v as { id: string }).id).sort()).toEqual(['a', 'c']);
  }, 60_000);
});

interface Anything {
  id: string;
  ts: number;
}

class Pass extends KeyedProcessFunction<string, Anything, { id: string }> {
  processElement(value: Anything, _ctx: KeyedContext<string>, out: Collector<{ id: string }>): void {
    out.collect({ id: value.id });
  }
}

/** No schema: whatever JSON arrives is the value (KinesisSource.json without `schema`). */
const lenientJob = new Job('lenient-any');
lenientJob
  .fromSource(KinesisSource.json<Anything>('any'), WatermarkStrategy.forBoundedOutOfOrderness<Anything>(0).withTimestampAssigner((v) => v.ts))
  .keyBy((v) => v.id)
  .process(new Pass(), { uid: 'pass' })
  .sinkTo(KinesisSink.json('out', { partitionKey: (v) => v.id }));
