/**
 * KPL-aggregated source records (issue 13, item 6): aggregates built by awslabs' own
 * implementation of the format (`aws-kinesis-agg`'s aggregator), mixed with plain records and
 * with malformed ones, fed to a source stage; the keyed counts downstream equal brute force over
 * the user records, clean and under chaos, and what is malformed is dead-lettered: a corrupt
 * aggregate whole (bad checksum, bad protobuf), a bad user record inside a good aggregate alone,
 * by its index.
 */
import agg from 'aws-kinesis-agg';
import { describe, expect, it } from 'vitest';
import { Job, KinesisSource, WatermarkStrategy } from '../../../lib/api/index.ts';
import { isAggregated, userRecords } from '../../../lib/connectors/kpl-records.ts';
import { DecodeError } from '../../../lib/connectors/source-spec.ts';
import { taskInvoker } from '../../../lib/local/invokers.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { replayJob } from '../../../lib/local/replay.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { createChaos } from '../../../lib/runtime/chaos.ts';
import { putAll } from '../../../lib/runtime/emitter.ts';
import type { RuntimeServices } from '../../../lib/runtime/task.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { sink } from '../support/tiny.ts';

interface Click { user: string; n: number; ts: number }

/** KPL aggregates of `records` (each `{ partitionKey, data }`), as the aggregator packs them. */
async function aggregate(records: { partitionKey: string; data: Buffer }[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    agg.aggregate(records, (encoded: { data: Buffer }, done: (error?: Error) => void) => {
      out.push(Buffer.from(encoded.data));
      done();
    }, () => resolve(), (error: Error) => reject(error));
  });
  return out;
}

const line = (c: Click | string) => Buffer.from(typeof c === 'string' ? c : JSON.stringify(c));

describe('KPL aggregated records', () => {
  it('are told apart from plain records and read back in order', async () => {
    const clicks = Array.from({ length: 20 }, (_, i) => ({ user: `u${i % 3}`, n: i, ts: 1_000 + i }));
    const [aggregated] = await aggregate(clicks.map((c) => ({ partitionKey: c.user, data: line(c) })));
    expect(isAggregated(aggregated)).toBe(true);
    expect(isAggregated(line(clicks[0]))).toBe(false);
    expect(userRecords(aggregated).map((d) => JSON.parse(Buffer.from(d).toString()))).toEqual(clicks);
    const corrupt = Buffer.from(aggregated);
    corrupt[10] ^= 0xff; // the checksum no longer matches
    expect(() => userRecords(corrupt)).toThrow(DecodeError);
    expect(() => userRecords(corrupt)).toThrow(/malformed KPL aggregated record: Invalid record checksum/);
  });

  for (const chaos of [undefined, { probability: 0.25, seed: 3 }]) {
    it(`feed a source as their user records, malformed ones dead-lettered${chaos ? ', under chaos' : ''}`, async () => {
      const job = new Job('kpl');
      job.fromSource(KinesisSource.json<Click>('clicks'), WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner((c) => c.ts))
        .keyBy((c) => c.user).sum('n', { uid: 'totals' }).sinkTo(sink('totals'));
      job.graph.options.batchSize = 3; // an aggregate and its neighbours in several batches, for chaos to strike between
      const plan = planJob(job.graph);

      const clicks = Array.from({ length: 240 }, (_, i) => ({ user: `u${i % 7}`, n: (i * 13) % 11, ts: 1_000 + i }));
      const entries: { data: Buffer; partitionKey: string }[] = [];
      for (let i = 0; i < clicks.length; i += 40) {
        const chunk = clicks.slice(i, i + 40);
        if (i === 80) {
          // One bad user record inside a good aggregate: at index 5.
          const data = chunk.map((c, j) => (j === 5 ? line('{"user": ') : line(c)));
          for (const a of await aggregate(data.map((d, j) => ({ partitionKey: chunk[j].user, data: d })))) entries.push({ data: a, partitionKey: 'agg' });
        } else if (i === 160) {
          for (const c of chunk) entries.push({ data: line(c), partitionKey: c.user }); // plain records among the aggregates
        } else {
          for (const a of await aggregate(chunk.map((c) => ({ partitionKey: c.user, data: line(c) })))) entries.push({ data: a, partitionKey: 'agg' });
        }
      }
      const [good] = await aggregate([{ partitionKey: 'x', data: line({ user: 'ghost', n: 100, ts: 5 }) }]);
      const badChecksum = Buffer.from(good);
      badChecksum[badChecksum.length - 1] ^= 0xff;
      const badProtobuf = Buffer.concat([good.subarray(0, 4), Buffer.from('not a protobuf message at all'), good.subarray(good.length - 16)]);
      entries.splice(2, 0, { data: badChecksum, partitionKey: 'bad' }, { data: badProtobuf, partitionKey: 'bad' });

      const store = new MemoryStore();
      const streams = new MemoryStreams();
      for (const s of plan.streams) streams.createStream(s.name, s.shards);
      const sinks = new MemorySinkWriter();
      const services: RuntimeServices = { store, streams, sinks, processingTime: 'event', wallClock: () => Date.now() };
      const faults = chaos && createChaos(chaos);
      services.faults = faults?.inject;
      await putAll(streams, plan.stages[0].input.stream, entries);
      const deadLetters = await replayJob({
        job, plan, inputs: {}, services, reader: streams, invoke: taskInvoker(job, plan, services), pollIntervalMs: 1,
        duplicateDelivery: faults?.duplicate, retryBackoff: { baseMs: 1, maxMs: 5 },
      });
      if (chaos) expect(Object.values(faults!.counts).reduce((a, b) => a + (b ?? 0), 0)).toBeGreaterThan(0);

      // Brute force: the last running total per user is the sum of its valid clicks.
      const valid = clicks.filter((_, i) => i !== 85);
      const totals = new Map<string, number>();
      for (const c of valid) totals.set(c.user, (totals.get(c.user) ?? 0) + c.n);
      const last = new Map<string, number>();
      for (const r of sinks.values('totals') as Click[]) last.set(r.user, r.n);
      expect(last).toEqual(totals);
      expect((sinks.values('totals') as Click[]).length).toBe(valid.length); // one rolling result per valid click, none twice

      const reasons = deadLetters.map((d) => `${d.index} ${d.reason}`).sort();
      expect(reasons).toHaveLength(3);
      expect(reasons[0]).toMatch(/^0 malformed KPL aggregated record: Invalid record checksum/);
      expect(reasons[1]).toMatch(/^0 malformed KPL aggregated record: /);
      expect(reasons[2]).toMatch(/^5 invalid JSON/);
      expect(deadLetters.find((d) => d.index === 5)?.record).toBe('{"user": ');
    });
  }
});
