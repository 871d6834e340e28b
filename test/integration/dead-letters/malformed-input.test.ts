/**
 * Issue 3 item 6: malformed input mixed into valid order-timeout traffic, on the local stack.
 *
 * Every malformed record must be dead-lettered at its own position (stage, shard, sequence
 * number) with a reason that names the check that caught it, the valid traffic must give
 * exactly the oracle's results, and nothing else may go missing: dead letters = malformed.
 *
 * The run is in-process (openLocalJob + replayJob + a memory sink) rather than `eddy replay`
 * because replay reads its input files as UTF-8: invalid bytes would arrive as U+FFFD (and a
 * record could even pass the schema that way), empty records would be skipped as blank JSONL
 * lines, and internal streams cannot be written at all. Here every record is written with
 * PutRecord, which also tells us its sequence number, so each dead letter is matched to the
 * exact record that caused it.
 */
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import job from '../../../functions/order-timeout/job.ts';
import { listDeadLetters } from '../../../lib/cli/dlq-command.ts';
import { replayJob } from '../../../lib/local/replay.ts';
import { openTestJob } from '../../support/local-job.ts';
import { generateOrderStream } from '../../scenario/order-timeout/generator.ts';
import { malformedEnvelopeRecords, malformedOrderRecords, toleratedOrderVariants, type MalformedRecord } from '../../scenario/order-timeout/malformed.ts';
import { expectedOrderTimeout, sortRows } from '../../scenario/order-timeout/oracle.ts';

type Local = Awaited<ReturnType<typeof openTestJob>>;

/** Writes one record and returns where it landed: the dead letter's (shard, seq) must be exactly this. */
async function putRecord(local: Local, stream: string, data: string | Buffer, partitionKey: string, explicitHashKey?: string) {
  const out = await local.services.clients.kinesis.send(
    new PutRecordCommand({ StreamName: local.prefix + stream, Data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data, PartitionKey: partitionKey, ExplicitHashKey: explicitHashKey }),
  );
  return { shard: out.ShardId!, seq: out.SequenceNumber! };
}

/** What the dead letter's `record` holds: the text when the bytes are UTF-8, else base64 (see recordText). */
function storedForm(data: string | Buffer): { record: string; encoding: 'utf8' | 'base64' } {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    return { record: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf8' };
  } catch {
    return { record: bytes.toString('base64'), encoding: 'base64' };
  }
}

describe('malformed input mixed into order-timeout traffic', () => {
  it('dead-letters every malformed record at its position with its reason; the valid traffic equals the oracle', async () => {
    const local = await openTestJob(job, 'event');
    const [source, keyed] = local.plan.stages;
    const events = generateOrderStream({ seed: 606, orders: 40 });
    const malformed = malformedOrderRecords();
    expect(malformed.length).toBeGreaterThanOrEqual(30);
    expect(events.length).toBeGreaterThan(4 * toleratedOrderVariants.length); // every accepted variant is used

    // Valid events in their order (a few in an accepted variant), a malformed record after each
    // while they last. Sequence numbers are per shard; the source stream has one shard.
    const expected = new Map<string, MalformedRecord & { stage: string }>();
    for (let i = 0; i < Math.max(events.length, malformed.length); i++) {
      if (i < events.length) {
        const line = JSON.stringify(events[i]);
        const variant = i % 4 === 0 ? toleratedOrderVariants[i / 4] : undefined;
        await putRecord(local, source.input.stream, variant ? variant.encode(line) : line, events[i].orderId);
      }
      if (i < malformed.length) {
        const at = await putRecord(local, source.input.stream, malformed[i].data, `bad-${i}`);
        expected.set(`${source.id}/${at.shard}/${at.seq}`, { ...malformed[i], stage: source.id });
      }
    }
    // Broken envelopes straight into the keyed stage's stream, spread over its shards. They sit
    // before the source's envelopes, which is fine: each record is judged on its own.
    const [upstreamShard] = await local.services.streams.listShards(source.input.stream);
    const keyedShards = await local.services.streams.listShards(keyed.input.stream);
    const envelopes = malformedEnvelopeRecords({ stage: source.id, shard: upstreamShard.shardId });
    for (const [i, m] of envelopes.entries()) {
      const shard = keyedShards[i % keyedShards.length];
      const at = await putRecord(local, keyed.input.stream, m.data, shard.shardId, shard.start.toString());
      expect(at.shard).toBe(shard.shardId);
      expected.set(`${keyed.id}/${at.shard}/${at.seq}`, { ...m, stage: keyed.id });
    }

    const replayed = await replayJob({ job, plan: local.plan, inputs: {}, services: local.services, reader: local.reader, invoke: local.invoke, timeoutMs: 120_000 });
    // Read back the way an operator would (`eddy dlq list`), which also shows the `truncated` flag.
    const deadLetters = await listDeadLetters(job, {}, local.env);
    expect(deadLetters.map((d) => d.seq).sort()).toEqual(replayed.map((d) => d.seq).sort());

    // Each dead letter is one of ours, at the position we wrote it, for the reason its kind says.
    for (const d of deadLetters) {
      const m = expected.get(`${d.stage}/${d.shard}/${d.seq}`);
      expect(m, `unexpected dead letter ${d.stage}/${d.seq}: ${d.reason}`).toBeDefined();
      expect(d.reason, m!.kind).toMatch(m!.reason);
      expect(d.index, m!.kind).toBe(0);
      const stored = storedForm(m!.data);
      expect(d.encoding, m!.kind).toBe(stored.encoding);
      expect(d.truncated, m!.kind).toBe(m!.truncated === true);
      if (m!.truncated) {
        expect(d.record.length, m!.kind).toBe(300_000);
        expect(stored.record.startsWith(d.record), m!.kind).toBe(true);
      } else {
        expect(d.record, m!.kind).toBe(stored.record);
      }
    }
    // ... and nothing else is lost: every malformed record has exactly one dead letter.
    expect(deadLetters.map((d) => expected.get(`${d.stage}/${d.shard}/${d.seq}`)!.kind).sort()).toEqual([...expected.values()].map((m) => m.kind).sort());

    const oracle = expectedOrderTimeout(events);
    // The traffic exercises every output, so "equals the oracle" is not vacuous.
    for (const rows of [oracle.paid, oracle.timeouts, oracle.latePayments]) expect(rows.length).toBeGreaterThan(0);
    expect(sortRows(local.sinks.values('paid'))).toEqual(sortRows(oracle.paid));
    expect(sortRows(local.sinks.values('timeouts'))).toEqual(sortRows(oracle.timeouts));
    expect(sortRows(local.sinks.values('late-payments'))).toEqual(sortRows(oracle.latePayments));
  }, 180_000);
});
