/**
 * A keyed batch encodes its state once per key at the end (lazily); a record whose function
 * throws, or whose state would be too big to store, makes the batch run again from its start,
 * encoding eagerly. The outcome must be what per-record undo gives: the failing record has no
 * effect (not even on objects it changed in place), every other record of the batch is applied
 * exactly once, and the failing record is dead-lettered with its reason.
 */
import { describe, expect, it } from 'vitest';
import { Job, KeyedProcessFunction, ValueStateDescriptor, type Collector, type KeyedContext, type RuntimeContext, type ValueState } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { MAX_STATE_VALUE_BYTES } from '../../../lib/state/item-cache.ts';
import { lines, sink, tsSource } from '../support/tiny.ts';

interface Ev { k: string; ts: number; add: number; fail?: boolean; pad?: number }
interface Acc { sum: number; seen: number[]; pad: string }

/** Sums per key in an object it changes in place; `fail` throws after the change, `pad` grows the state. */
/** Calls of processElement (a task runs its own copy of the function object). */
let calls = 0;

class InPlaceSum extends KeyedProcessFunction<string, Ev, { k: string; sum: number; seen: number[] }> {
  private acc!: ValueState<Acc>;
  override open(ctx: RuntimeContext) {
    this.acc = ctx.getState(new ValueStateDescriptor<Acc>('acc'));
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<{ k: string; sum: number; seen: number[] }>) {
    calls++;
    const acc = (await this.acc.value()) ?? { sum: 0, seen: [], pad: '' };
    acc.sum += e.add; // in place: an undo must not keep this
    acc.seen.push(e.ts);
    if (e.pad) acc.pad = 'x'.repeat(e.pad);
    if (e.fail) throw new Error(`record ${e.ts} fails`);
    await this.acc.update(acc);
    out.collect({ k: ctx.getCurrentKey(), sum: acc.sum, seen: [...acc.seen] });
  }
}

function job(fn: InPlaceSum) {
  const j = new Job('t-lazy', { parallelism: 1, functionRetries: 0 });
  tsSource<Ev>(j).keyBy((e) => e.k).process(fn, { uid: 'sum' }).sinkTo(sink('out'));
  return j;
}

/** What per-record undo gives: failing records (thrown, or state too big) leave no trace. */
function model(events: Ev[]) {
  const acc = new Map<string, { sum: number; seen: number[] }>();
  const out: { k: string; sum: number; seen: number[] }[] = [];
  const failed: number[] = [];
  for (const e of events) {
    if (e.fail || (e.pad ?? 0) > MAX_STATE_VALUE_BYTES) {
      failed.push(e.ts);
      continue;
    }
    const a = acc.get(e.k) ?? { sum: 0, seen: [] };
    acc.set(e.k, { sum: a.sum + e.add, seen: [...a.seen, e.ts] });
    out.push({ k: e.k, sum: a.sum + e.add, seen: [...a.seen, e.ts] });
  }
  return { out, failed };
}

describe('lazy state encoding, run again eagerly on failure', () => {
  const events: Ev[] = Array.from({ length: 60 }, (_, i) => ({ k: `k${i % 3}`, ts: 1000 + i, add: i + 1, ...(i === 17 && { fail: true }), ...(i === 40 && { pad: MAX_STATE_VALUE_BYTES + 10 }) }));

  it('undoes exactly the failing records, also their changes in place, and applies every other record once', async () => {
    const fn = new InPlaceSum();
    const { sinks, deadLetters } = await replayInMemory(job(fn), { in: lines(events) });
    const expected = model(events);
    expect(sinks.values('out')).toEqual(expected.out);
    expect(deadLetters.map((d) => JSON.parse(d.record).payload.ts).sort()).toEqual(expected.failed);
    expect(deadLetters.find((d) => d.reason.includes('would take'))?.reason).toMatch(/state "acc" would take \d+ bytes/);
    expect(deadLetters.find((d) => d.reason.includes('fails'))?.reason).toBe('Error: record 1017 fails');
  });

  it('a batch without failures runs once; one with a failure runs again (the cost of the fast path)', async () => {
    const clean = events.filter((e) => !e.fail && !e.pad);
    calls = 0;
    await replayInMemory(job(new InPlaceSum()), { in: lines(clean) });
    expect(calls).toBe(clean.length);
    calls = 0;
    await replayInMemory(job(new InPlaceSum()), { in: lines(events) });
    expect(calls).toBeGreaterThan(events.length);
  });
});
