/** `stateTtl` on a window: a count window's buffer of a key that went quiet expires, as keyed state with TTL does. */
import { describe, expect, it } from 'vitest';
import { Job, ProcessWindowFunction, StateTtlConfig, type Collector, type WindowContext } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';
import { stateDump } from '../support/state-items.ts';

interface Hit { ip: string; ts: number }

class Timestamps extends ProcessWindowFunction<Hit, { ip: string; ts: number[] }, string> {
  process(ip: string, _ctx: WindowContext, hits: Hit[], out: Collector<{ ip: string; ts: number[] }>) {
    out.collect({ ip, ts: hits.map((h) => h.ts) });
  }
}

function job(ttl?: StateTtlConfig) {
  const j = new Job('count-ttl', { parallelism: 1 });
  tsSource<Hit>(j, 'hits', { outOfOrderness: 0 }).keyBy((h) => h.ip).countWindow(3, 1)
    .process(new Timestamps(), { uid: 'last-3', stateTtl: ttl }).sinkTo(sink('out'));
  return j;
}

// In replay, processing time follows event time: the 10 s gap of ip a is longer than the TTL.
const hits = [{ ip: 'a', ts: 0 }, { ip: 'a', ts: 100 }, { ip: 'a', ts: 200 }, { ip: 'b', ts: 300 }, { ip: 'a', ts: 10_300 }, { ip: 'a', ts: 10_400 }];

describe('window stateTtl', () => {
  it('without it, a count window holds a key’s last elements however old', async () => {
    const run = await replayInMemory(job(), { hits: lines(hits) });
    expect(run.sinks.values('out').filter((o: any) => o.ip === 'a').map((o: any) => o.ts)).toEqual([[0], [0, 100], [0, 100, 200], [100, 200, 10_300], [200, 10_300, 10_400]]);
  });

  it('with a TTL shorter than the gap, the key starts afresh after it', async () => {
    const run = await replayInMemory(job(StateTtlConfig.newBuilder(5_000).build()), { hits: lines(hits) });
    expect(run.deadLetters).toEqual([]);
    expect(run.sinks.values('out').filter((o: any) => o.ip === 'a').map((o: any) => o.ts)).toEqual([[0], [0, 100], [0, 100, 200], [10_300], [10_300, 10_400]]);
    const windows = (await stateDump(run)).filter((i) => i.sk === 'windows#-');
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((i) => typeof i.attrs.exp === 'number')).toBe(true);
  });
});
