import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import job from '../../../functions/order-timeout/job.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { expectedOrderTimeout, sortRows } from '../../scenario/order-timeout/oracle.ts';
import { generateOrderStream } from '../../scenario/order-timeout/generator.ts';
import { malformedOrderLines } from '../../scenario/order-timeout/malformed.ts';

describe('order-timeout on the in-memory engine', () => {
  it('matches the independent oracle on a generated stream', async () => {
    const events = generateOrderStream({ seed: 7, orders: 60 });
    const { sinks, deadLetters } = await replayInMemory(job, { orders: events.map((e) => JSON.stringify(e)) });
    const expected = expectedOrderTimeout(events);
    expect(deadLetters).toEqual([]);
    expect(sortRows(sinks.values('paid') as object[])).toEqual(sortRows(expected.paid));
    expect(sortRows(sinks.values('timeouts') as object[])).toEqual(sortRows(expected.timeouts));
    expect(sortRows(sinks.values('late-payments') as object[])).toEqual(sortRows(expected.latePayments));
  });

  it('matches the oracle for any generated stream (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 20_000 }), async (seed, orders, maxGapMs) => {
        const events = generateOrderStream({ seed, orders, maxGapMs });
        const { sinks } = await replayInMemory(job, { orders: events.map((e) => JSON.stringify(e)) });
        const expected = expectedOrderTimeout(events);
        expect(sortRows(sinks.values('paid') as object[])).toEqual(sortRows(expected.paid));
        expect(sortRows(sinks.values('timeouts') as object[])).toEqual(sortRows(expected.timeouts));
        expect(sortRows(sinks.values('late-payments') as object[])).toEqual(sortRows(expected.latePayments));
      }),
      { numRuns: 25 },
    );
  });

  it('dead-letters malformed lines and still computes the valid ones exactly', async () => {
    const events = generateOrderStream({ seed: 11, orders: 20 });
    const lines = events.map((e) => JSON.stringify(e));
    const mixed = lines.flatMap((line, i) => (i < malformedOrderLines.length ? [line, malformedOrderLines[i].line] : [line]));
    const { sinks, deadLetters } = await replayInMemory(job, { orders: mixed });
    expect(deadLetters.map((d) => d.record).sort()).toEqual(malformedOrderLines.map((m) => m.line).sort());
    for (const d of deadLetters) expect(d.reason.length).toBeGreaterThan(0);
    const expected = expectedOrderTimeout(events);
    expect(sortRows(sinks.values('paid') as object[])).toEqual(sortRows(expected.paid));
    expect(sortRows(sinks.values('timeouts') as object[])).toEqual(sortRows(expected.timeouts));
  });
});
