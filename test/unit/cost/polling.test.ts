/** lib/cost/polling.ts: the simulated event source mappings, on a fake stream and a recording invoker. */
import { describe, expect, it } from 'vitest';
import type { Plan, PlanStage } from '../../../lib/plan/plan.ts';
import { SimulatedPolling, upstreamFirst } from '../../../lib/cost/polling.ts';
import type { ReadRecord, ShardReader } from '../../../lib/runtime/shard-reader.ts';

function stage(id: string, upstream: string[], batchSize = 3, windowSeconds = 0): PlanStage {
  return {
    id, kind: upstream.length ? 'keyed' : 'source', input: { stream: `s-${id}`, shards: 1 }, entryNode: 0, nodes: [], outputs: [], upstream, stateful: false, batchSize,
    eventSource: { maximumBatchingWindowInSeconds: windowSeconds, parallelizationFactor: 1, bisectBatchOnFunctionError: false, maximumRetryAttempts: -1, maximumRecordAgeInSeconds: -1, startingPosition: 'TRIM_HORIZON' },
  };
}
const plan = (stages: PlanStage[]) => ({ stages }) as unknown as Plan;

/** One shard per stream; records appended by the test. */
class FakeStreams implements ShardReader {
  readonly records = new Map<string, ReadRecord[]>();
  add(stream: string, n: number): void {
    const list = this.records.get(stream) ?? [];
    for (let i = 0; i < n; i++) list.push({ seq: String(list.length + 1), data: new Uint8Array(), partitionKey: 'k', arrival: 0 });
    this.records.set(stream, list);
  }
  async read(stream: string, _shard: string, after: string | undefined, limit: number): Promise<ReadRecord[]> {
    const list = this.records.get(stream) ?? [];
    const from = after === undefined ? 0 : Number(after);
    return list.slice(from, from + limit);
  }
}

describe('upstreamFirst', () => {
  it('orders stages so that each comes after those writing its input, whatever the plan order', () => {
    const order = upstreamFirst(plan([stage('c', ['b']), stage('b', ['a', 'x']), stage('a', []), stage('x', [])]));
    expect(order.map((s) => s.id)).toEqual(['a', 'x', 'b', 'c']);
  });
});

describe('SimulatedPolling', () => {
  it('reads what arrived in batches of the batch size, again at once while they come back full', async () => {
    const streams = new FakeStreams();
    const batches: number[] = [];
    const polling = new SimulatedPolling(plan([stage('a', [])]), streams, () => ['shard-0'], async (_s, _shard, records) => {
      batches.push(records.length);
      return {};
    });
    streams.add('s-a', 7);
    expect(await polling.pollAll(1000)).toBe(3);
    expect(batches).toEqual([3, 3, 1]);
    expect(await polling.pollAll(2000)).toBe(0);
  });

  it('lets a downstream stage read in the same second what its upstream emitted', async () => {
    const streams = new FakeStreams();
    const seen: string[] = [];
    const polling = new SimulatedPolling(plan([stage('b', ['a']), stage('a', [])]), streams, () => ['shard-0'], async (s, _shard, records) => {
      seen.push(`${s.id}:${records.length}`);
      if (s.id === 'a') streams.add('s-b', 1);
      return {};
    });
    streams.add('s-a', 2);
    await polling.pollAll(1000);
    expect(seen).toEqual(['a:2', 'b:1']);
  });

  it('holds a partial batch for the batching window, a full one not; the end of input flushes', async () => {
    const streams = new FakeStreams();
    const batches: [number, number][] = [];
    let now = 0;
    const polling = new SimulatedPolling(plan([stage('a', [], 3, 2)]), streams, () => ['shard-0'], async (_s, _shard, records) => {
      batches.push([now, records.length]);
      return {};
    });
    streams.add('s-a', 1);
    await polling.pollAll((now = 1000));
    await polling.pollAll((now = 2000));
    expect(batches).toEqual([]); // 1 s of its 2 s window
    await polling.pollAll((now = 3000));
    expect(batches).toEqual([[3000, 1]]);
    streams.add('s-a', 4);
    await polling.pollAll((now = 4000));
    expect(batches).toEqual([[3000, 1], [4000, 3]]); // full: at once; the one left waits
    await polling.pollAll((now = 4000), true);
    expect(batches).toEqual([[3000, 1], [4000, 3], [4000, 1]]);
  });

  it('delivers a failed batch again from the record the handler names, and gives up on one that keeps failing', async () => {
    const streams = new FakeStreams();
    const firsts: string[] = [];
    let failures = 1;
    const polling = new SimulatedPolling(plan([stage('a', [])]), streams, () => ['shard-0'], async (_s, _shard, records) => {
      firsts.push(records[0].seq);
      return failures-- > 0 ? { retryFrom: records[Math.min(1, records.length - 1)].seq } : {};
    });
    streams.add('s-a', 3);
    await polling.pollAll(1000);
    expect(firsts).toEqual(['1', '2']);
    failures = Infinity;
    streams.add('s-a', 1);
    await expect(polling.pollAll(2000)).rejects.toThrow(/failed 5 times/);
  });
});
