/**
 * `eddy dlq list` / `eddy dlq redrive` against the shared local stack, through commander as
 * the CLI parses them, with the endpoints and resource prefix in the env object the commands
 * get (as a shell would set EDDY_DYNAMODB_ENDPOINT / EDDY_KINESIS_ENDPOINT / EDDY_RESOURCE_PREFIX).
 *
 * The job under test is a small one defined here, in two versions with the same name and
 * topology: `strict` dead-letters `"ts":"123"`; `lenient` (the "fix") coerces it. A live
 * event source runner processes what is in the streams between commands.
 */
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Job, KeyedProcessFunction, KinesisSink, KinesisSource, WatermarkStrategy, type Collector, type KeyedContext } from '../../../lib/api/index.ts';
import { registerDlqCommands } from '../../../lib/cli/dlq-command.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { EventSourceRunner } from '../../../lib/local/event-source-runner.ts';
import { openLocalJob } from '../../../lib/local/local-job.ts';
import { feedSource } from '../../../lib/local/replay.ts';
import { compareSeq } from '../../../lib/runtime/envelope.ts';
import { localEndpoints } from '../../support/stack.ts';

interface Reading {
  id: string;
  ts: number;
}

class Echo extends KeyedProcessFunction<string, Reading, Reading> {
  processElement(reading: Reading, _ctx: KeyedContext<string>, out: Collector<Reading>): void {
    out.collect({ id: reading.id, ts: reading.ts });
  }
}

function demoJob(schema: z.ZodType<Reading>): Job {
  const job = new Job('dlq-demo');
  job
    .fromSource(KinesisSource.json('readings', { schema, partitionKey: (r) => r.id }), WatermarkStrategy.forBoundedOutOfOrderness<Reading>(0).withTimestampAssigner((r) => r.ts))
    .keyBy((r) => r.id)
    .process(new Echo(), { uid: 'echo' })
    .sinkTo(KinesisSink.json('out', { partitionKey: (r) => r.id }));
  return job;
}

const strict = demoJob(z.object({ id: z.string().min(1), ts: z.number().int().nonnegative() }));
const lenient = demoJob(z.object({ id: z.string().min(1), ts: z.coerce.number().int().nonnegative() }));
const SOURCE = 'source-readings';
const KEYED = 'echo';

const BAD_TS = '{"id":"r-2","ts":"123"}';
const NOT_JSON = 'r-4 at 4000';
const NOT_UTF8 = Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]); // {"id":"\xFF"}
const HUGE_KEY = JSON.stringify({ id: 'h'.repeat(400_000), ts: 5 });

let counter = 0;
const running: EventSourceRunner[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

/** The job on the stack under a fresh prefix, its sinks in memory, and the env the CLI would see. */
async function open(job: Job, prefix = `dlq${process.pid}-${Date.now().toString(36)}-${counter++}-`) {
  const endpoints = localEndpoints();
  const local = await openLocalJob(job, { endpoints, prefix, processingTime: 'event' });
  const sinks = new MemorySinkWriter();
  local.services.sinks = sinks;
  const env = { EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis, EDDY_RESOURCE_PREFIX: prefix, AWS_REGION: 'us-east-1' };
  const stream = (stage: string) => local.plan.stages.find((s) => s.id === stage)!.input.stream;
  const put = async (stage: string, data: string | Buffer, partitionKey: string, explicitHashKey?: string) => {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await local.services.clients.kinesis.send(new PutRecordCommand({ StreamName: prefix + stream(stage), Data: bytes, PartitionKey: partitionKey, ExplicitHashKey: explicitHashKey }));
  };
  /** Starts the stages polling their shards, as Lambda's event source mappings would. */
  const start = () => {
    const runner = new EventSourceRunner({ plan: local.plan, streams: local.services.streams, reader: local.reader, invoke: local.invoke, pollIntervalMs: 20 });
    runner.start();
    running.push(runner);
    return runner;
  };
  return { local, sinks, env, prefix, stream, put, start };
}

/** `eddy <args>` as the CLI parses it, with the job resolved to `job` and the output captured. */
async function eddy(env: NodeJS.ProcessEnv, job: Job, ...args: string[]): Promise<string> {
  const out: string[] = [];
  const program = new Command('eddy').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerDlqCommands(program, { env, load: async (name) => (name === job.name ? job : Promise.reject(new Error(`no job ${name}`))), print: (text) => out.push(text) });
  await program.parseAsync(['node', 'eddy', ...args]);
  return out.join('\n');
}

async function listJson(env: NodeJS.ProcessEnv, job: Job, ...args: string[]): Promise<any[]> {
  return (await eddy(env, job, 'dlq', 'list', 'dlq-demo', '--format', 'json', ...args)).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const valid = (id: string, ts: number) => JSON.stringify({ id, ts });

describe('eddy dlq list', () => {
  it('lists the dead letters of every stage with stage, shard, sequence number, reason and a preview', async () => {
    const t = await open(strict);
    await feedSource(strict, t.local.services, 'readings', t.stream(SOURCE), [valid('r-1', 1000), BAD_TS, valid('r-3', 3000), NOT_JSON]);
    const [keyedShard] = await t.local.services.streams.listShards(t.stream(KEYED));
    await t.put(KEYED, '{"v":9,"from":{"stage":"source-readings","shard":"x"},"e":[]}', keyedShard.shardId, keyedShard.start.toString());
    t.start();
    await until('3 dead letters and 2 outputs', async () => (await listJson(t.env, strict)).length === 3 && t.sinks.values('out').length === 2);

    const text = (await eddy(t.env, strict, 'dlq', 'list', 'dlq-demo')).split('\n');
    expect(text).toHaveLength(5);
    expect(text[0]).toMatch(/^STAGE +SHARD +SEQUENCE#INDEX +REASON +RECORD$/);
    expect(text[4]).toBe('3 dead letters');
    text.shift();
    // Ordered by stage, shard, sequence number: the keyed stage's letter first ("echo" < "source-readings").
    expect(text[0]).toMatch(/^echo +shardId-\d+ +\d+#0 +undecodable internal record: unsupported envelope version 9 .*"\{\\"v\\":9,/);
    expect(text[1]).toMatch(/^source-readings +shardId-000000000000 +\d+#0 +schema: ts: Invalid input: expected number, received string +"\{\\"id\\":\\"r-2\\",\\"ts\\":\\"123\\"\}"$/);
    expect(text[2]).toMatch(/^source-readings +shardId-000000000000 +\d+#0 +invalid JSON: .* +"r-4 at 4000"$/);

    const json = await listJson(t.env, strict, '--stage', SOURCE);
    expect(json.map((d) => [d.stage, d.record, d.encoding, d.index, d.truncated])).toEqual([
      [SOURCE, BAD_TS, 'utf8', 0, false],
      [SOURCE, NOT_JSON, 'utf8', 0, false],
    ]);
    expect(compareSeq(json[0].sequenceNumber, json[1].sequenceNumber)).toBeLessThan(0);
    expect(json[0]).toMatchObject({ shard: 'shardId-000000000000', reason: expect.stringMatching(/^schema: ts:/), at: expect.any(Number) });

    expect((await listJson(t.env, strict, '--stage', KEYED)).map((d) => d.shard)).toEqual([keyedShard.shardId]);
    expect(await listJson(t.env, strict, '--stage', SOURCE, '--shard', 'shardId-000000000009')).toEqual([]);
    await expect(eddy(t.env, strict, 'dlq', 'list', 'dlq-demo', '--stage', 'nope')).rejects.toThrow(/has no stage "nope"/);
    await expect(eddy(t.env, strict, 'dlq', 'list', 'dlq-demo', '--format', 'xml')).rejects.toThrow(/--format takes text or json/);
    // Another prefix: no table there, and the message says what to check.
    await expect(eddy({ ...t.env, EDDY_RESOURCE_PREFIX: 'nowhere-' }, strict, 'dlq', 'list', 'dlq-demo')).rejects.toThrow(/no dead-letter table nowhere-dlq-demo-dead-letter .*EDDY_RESOURCE_PREFIX/);
  }, 90_000);
});

describe('eddy dlq redrive', () => {
  it('writes each source dead letter back and deletes it; a still-bad record is dead-lettered again under a new sequence number', async () => {
    const t = await open(strict);
    await feedSource(strict, t.local.services, 'readings', t.stream(SOURCE), [valid('r-1', 1000), BAD_TS, NOT_JSON, HUGE_KEY]);
    await t.put(SOURCE, NOT_UTF8, 'raw');
    const [keyedShard] = await t.local.services.streams.listShards(t.stream(KEYED));
    await t.put(KEYED, 'not an envelope', keyedShard.shardId, keyedShard.start.toString());
    let runner = t.start();
    await until('5 dead letters', async () => (await listJson(t.env, strict)).length === 5);
    const before = await listJson(t.env, strict, '--stage', SOURCE);
    expect(before.map((d) => [d.encoding, d.truncated])).toEqual([
      ['utf8', false],
      ['utf8', false],
      ['utf8', true], // the 400 KB record: its key is too long, and the item holds only 300,000 characters of it
      ['base64', false],
    ]);

    // Only source stages can be redriven; asked for a keyed one, the command refuses.
    await expect(eddy(t.env, strict, 'dlq', 'redrive', 'dlq-demo', '--stage', KEYED)).rejects.toThrow(/stage echo reads an internal stream; only dead letters of source stages \(source-readings\)/);
    // A shard filter that matches nothing redrives nothing.
    expect(await eddy(t.env, strict, 'dlq', 'redrive', 'dlq-demo', '--shard', 'shardId-000000000009')).toBe('0 redriven, 0 skipped');

    // Stopped, so that the table shows what redrive itself did before the stage sees the records again.
    await runner.stop();
    const out = (await eddy(t.env, strict, 'dlq', 'redrive', 'dlq-demo')).split('\n');
    expect(out.at(-1)).toBe('3 redriven, 2 skipped');
    expect(out.filter((l) => l.startsWith('redriven source-readings shardId-000000000000 '))).toHaveLength(3);
    expect(out).toContainEqual(expect.stringMatching(/^skipped {2}source-readings shardId-000000000000 \d+#0: the record was truncated/));
    expect(out).toContainEqual(expect.stringMatching(/^skipped {2}echo shardId-\d+ \d+#0: not a source stage/));
    const left = await listJson(t.env, strict);
    expect(left.map((d) => d.sequenceNumber).sort()).toEqual([before[2].sequenceNumber, (await listJson(t.env, strict, '--stage', KEYED))[0].sequenceNumber].sort());

    runner = t.start();
    await until('the 3 redriven records dead-lettered again', async () => (await listJson(t.env, strict, '--stage', SOURCE)).length === 4);
    const after = await listJson(t.env, strict, '--stage', SOURCE);
    const newSeqs = out.filter((l) => l.startsWith('redriven')).map((l) => l.split(' ').at(-1));
    for (const old of [before[0], before[1], before[3]]) {
      const again = after.filter((d) => d.record === old.record);
      expect(again, old.record).toHaveLength(1);
      // Same bytes, same reason, a new position; the old item is gone.
      expect(again[0]).toMatchObject({ encoding: old.encoding, reason: old.reason, truncated: false });
      expect(compareSeq(again[0].sequenceNumber, old.sequenceNumber)).toBeGreaterThan(0);
      expect(newSeqs).toContain(again[0].sequenceNumber);
      expect(after.map((d) => d.sequenceNumber)).not.toContain(old.sequenceNumber);
    }
    expect(t.sinks.values('out')).toEqual([{ id: 'r-1', ts: 1000 }]);
  }, 90_000);

  it('after the fix (a lenient schema is deployed), a redriven record is processed and its dead letter is gone', async () => {
    const t = await open(strict);
    await feedSource(strict, t.local.services, 'readings', t.stream(SOURCE), [valid('r-1', 1000), BAD_TS, valid('r-3', 3000), NOT_JSON]);
    const runner = t.start();
    await until('2 dead letters and 2 outputs', async () => (await listJson(t.env, strict)).length === 2 && t.sinks.values('out').length === 2);
    await runner.stop();

    // The fix: the same job with a schema that coerces "123" to 123, on the same streams and tables.
    const fixed = await open(lenient, t.prefix);
    expect(await eddy(fixed.env, lenient, 'dlq', 'redrive', 'dlq-demo', '--stage', SOURCE)).toMatch(/2 redriven, 0 skipped$/);
    fixed.start();
    await until('r-2 processed', () => fixed.sinks.values('out').length === 1);
    await until('the invalid JSON dead-lettered again', async () => (await listJson(fixed.env, lenient)).length === 1);
    expect(fixed.sinks.values('out')).toEqual([{ id: 'r-2', ts: 123 }]);
    expect((await listJson(fixed.env, lenient)).map((d) => [d.record, d.reason])).toEqual([[NOT_JSON, expect.stringMatching(/^invalid JSON/)]]);
  }, 90_000);
});
