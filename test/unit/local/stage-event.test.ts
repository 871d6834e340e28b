/** `eddy event`: Kinesis events of one stage shard, built offline, as Lambda would deliver them. */
import { describe, expect, it } from 'vitest';
import dimEnrich from '../../../functions/dim-enrich/job.ts';
import orderJoin from '../../../functions/order-join/job.ts';
import orderTimeout from '../../../functions/order-timeout/job.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { buildStageEvent, evenShards, parseKeyArgument, syntheticSeq } from '../../../lib/local/stage-event.ts';
import { hashKeyOf, shardForHash } from '../../../lib/plan/partitioning.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { compareSeq, decodeEnvelopes } from '../../../lib/runtime/envelope.ts';

const T0 = 1_700_000_000_000;
const orders = [
  { orderId: 'o-1', userId: 'u-1', status: 'CREATED', amount: 1, ts: T0 },
  { orderId: 'o-2', userId: 'u-2', status: 'CREATED', amount: 1, ts: T0 + 1000 },
  { orderId: 'o-1', userId: 'u-1', status: 'PAID', amount: 1, ts: T0 + 9000 },
].map((o) => JSON.stringify(o));
/** order-timeout planned on two shards (its own default is one): which shard a key goes to is what these tests check. */
const plan = (() => {
  const saved = orderTimeout.graph.options.parallelism;
  orderTimeout.graph.options.parallelism = 2;
  try {
    return planJob(orderTimeout.graph);
  } finally {
    orderTimeout.graph.options.parallelism = saved;
  }
})();
const decode = (r: { kinesis: { data: string } }) => decodeEnvelopes(Buffer.from(r.kinesis.data, 'base64'));

describe('stage events', () => {
  it('a source stage gets the lines byte for byte, keyed by the source partition key, with increasing 56-digit sequence numbers', () => {
    const { event, shard, leftOut } = buildStageEvent(orderTimeout, plan, 'source-orders', [...orders, 'not json'], { prefix: 'dev-' });
    expect(shard).toBe('shardId-000000000000');
    expect(leftOut).toEqual({});
    expect(event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString('utf8'))).toEqual([...orders, 'not json']);
    expect(event.Records.map((r) => r.kinesis.partitionKey)).toEqual(['o-1', 'o-2', 'o-1', 'line-3']);
    const seqs = event.Records.map((r) => r.kinesis.sequenceNumber);
    expect(seqs.every((s) => /^\d{56}$/.test(s))).toBe(true);
    expect([...seqs].sort(compareSeq)).toEqual(seqs);
    for (const r of event.Records) {
      expect(r.eventID).toBe(`shardId-000000000000:${r.kinesis.sequenceNumber}`);
      expect(r).toMatchObject({ eventSource: 'aws:kinesis', eventName: 'aws:kinesis:record', awsRegion: 'us-east-1', eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/dev-order-timeout-source-orders' });
    }
    expect(event.Records[1].kinesis.approximateArrivalTimestamp).toBe((T0 + 1000) / 1000);
    expect(buildStageEvent(orderTimeout, plan, 'source-orders', [...orders, 'not json'], { prefix: 'dev-' })).toEqual({ event, shard, leftOut });
  });

  it("a keyed stage gets envelopes of the lines in the shard that owns each key, then the upstream's watermark", () => {
    const shards = evenShards(2);
    const own = shardForHash(shards, hashKeyOf('"o-1"')).shardId;
    const { event, shard, leftOut } = buildStageEvent(orderTimeout, plan, 'order-timeout', orders, {});
    expect(shard).toBe(own);
    expect(leftOut).toEqual(own === shardForHash(shards, hashKeyOf('"o-2"')).shardId ? {} : { [shards.find((s) => s.shardId !== own)!.shardId]: 1 });
    const decoded = event.Records.map(decode);
    expect(decoded.every((d) => d.from.stage === 'source-orders' && d.to === own)).toBe(true);
    expect(decoded.slice(0, 2).map((d) => d.envelopes[0])).toEqual([
      { kind: 'data', key: '"o-1"', ts: T0, payload: JSON.parse(orders[0]), origin: { seq: syntheticSeq(0, 0), index: 0 } },
      { kind: 'data', key: '"o-1"', ts: T0 + 9000, payload: JSON.parse(orders[2]), origin: { seq: syntheticSeq(0, 2), index: 0 } },
    ]);
    // What the source stage sends after these records: max ts - 5 s out-of-orderness - 1.
    expect(decoded[2].envelopes).toEqual([{ kind: 'watermark', watermark: T0 + 9000 - 5000 - 1 }]);
    expect(event.Records.every((r) => r.kinesis.partitionKey === own)).toBe(true);
  });

  it('takes a key, a watermark and the end of input when asked', () => {
    const own = shardForHash(evenShards(2), hashKeyOf('"o-9"')).shardId;
    const { event, shard } = buildStageEvent(orderTimeout, plan, 'order-timeout', orders, { key: 'o-9', watermark: 'none', end: true });
    expect(shard).toBe(own);
    const decoded = event.Records.map(decode);
    expect(decoded.slice(0, 3).map((d) => d.envelopes[0].kind === 'data' && d.envelopes[0].key)).toEqual(['"o-9"', '"o-9"', '"o-9"']);
    expect(decoded.slice(3).map((d) => d.envelopes)).toEqual([[{ kind: 'end' }]]); // no watermark
    const other = own === 'shardId-000000000000' ? '1' : '0';
    expect(() => buildStageEvent(orderTimeout, plan, 'order-timeout', orders, { key: 'o-9', watermark: 'none', shard: other })).toThrow(/no line goes to shardId-00000000000[01]/);
    expect(() => buildStageEvent(orderTimeout, plan, 'order-timeout', ['{"no":"ts"}'], {})).toThrow(/line 1: no event time/);
    expect(() => buildStageEvent(orderTimeout, plan, 'order-timeout', orders, { shard: '7' })).toThrow(/no shard 7/);
  });

  it("marks a connected stream's second input and keys a forwarded stream by the upstream shard", () => {
    const detail = JSON.stringify({ detailId: 'd-1', orderId: 'o-1', spuId: 's', qty: 1, ts: T0 });
    const joined = buildStageEvent(orderJoin, planJob(orderJoin.graph), 'order-lines', [detail], { from: 'source-order-details' });
    expect(decode(joined.event.Records[0]).envelopes[0]).toMatchObject({ kind: 'data', key: '"o-1"', in: 2 });
    const forwarded = buildStageEvent(dimEnrich, planJob(dimEnrich.graph), 'enrich', [JSON.stringify({ eventId: 'e-1', productId: 'p-1', ts: T0 })], {});
    expect(decode(forwarded.event.Records[0]).envelopes[0]).toMatchObject({ kind: 'data', key: '"shardId-000000000000"' });
  });

  it('splits the hash space as Kinesis and the in-memory streams do', () => {
    const memory = new MemoryStreams();
    memory.createStream('s', 3);
    return memory.listShards('s').then((listed) => expect(listed.map(({ shardId, start, end }) => ({ shardId, start, end }))).toEqual(evenShards(3)));
  });

  it('reads keys as JSON when they are JSON strings or numbers', () => {
    expect([parseKeyArgument('o-1'), parseKeyArgument('42'), parseKeyArgument('"42"'), parseKeyArgument('{"a":1}')]).toEqual(['o-1', 42, '42', '{"a":1}']);
  });
});
