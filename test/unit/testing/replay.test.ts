/**
 * `replay` of `eddy/testing`, imported as a user's test imports it: a whole job over records,
 * compared with the independent oracle of order-timeout (test/scenario/order-timeout/oracle.ts),
 * clean, under chaos with small batches, and with malformed lines among the records.
 */
import { replay } from 'eddy/testing';
import { describe, expect, it } from 'vitest';
import job from '../../../functions/order-timeout/job.ts';
import { generateOrderStream } from '../../scenario/order-timeout/generator.ts';
import { malformedOrderLines } from '../../scenario/order-timeout/malformed.ts';
import { expectedOrderTimeout, sortRows } from '../../scenario/order-timeout/oracle.ts';

describe('eddy/testing replay', () => {
  it('returns every sink of the job, as the oracle computes it', async () => {
    const events = generateOrderStream({ seed: 3, orders: 40 });
    const { sinks, deadLetters, late } = await replay(job, { orders: events });
    const expected = expectedOrderTimeout(events);
    expect(Object.keys(sinks).sort()).toEqual(['late-payments', 'paid', 'timeouts']);
    expect(sortRows(sinks.paid as object[])).toEqual(sortRows(expected.paid));
    expect(sortRows(sinks.timeouts as object[])).toEqual(sortRows(expected.timeouts));
    expect(sortRows(sinks['late-payments'] as object[])).toEqual(sortRows(expected.latePayments));
    expect(deadLetters).toEqual([]);
    expect(late).toBe(0);
  });

  it('gives the same results under chaos, crashes falling between batches of 10', async () => {
    const events = generateOrderStream({ seed: 5, orders: 30 });
    const clean = await replay(job, { orders: events });
    const chaotic = await replay(job, { orders: events }, { chaos: 0.3, seed: 9, batchSize: 10 });
    expect(clean.faults).toEqual({ crashes: 0, duplicates: 0 });
    expect(chaotic.faults.crashes).toBeGreaterThan(0);
    for (const sink of Object.keys(clean.sinks)) expect(sortRows(chaotic.sinks[sink] as object[]), sink).toEqual(sortRows(clean.sinks[sink] as object[]));
    expect(job.graph.options.batchSize).toBe(1000); // the job's own setting is back
  });

  it('takes strings as lines as they are: malformed ones are dead-lettered with a reason', async () => {
    const events = generateOrderStream({ seed: 8, orders: 12 });
    const malformed = malformedOrderLines.slice(0, 5).map((m) => m.line);
    const { sinks, deadLetters } = await replay(job, { orders: [...malformed, ...events] });
    expect(deadLetters.map((d) => d.record).sort()).toEqual([...malformed].sort());
    for (const d of deadLetters) expect(d.reason).not.toBe('');
    expect(sortRows(sinks.paid as object[])).toEqual(sortRows(expectedOrderTimeout(events).paid));
  });

  it('names an unknown source', async () => {
    await expect(replay(job, { order: [] })).rejects.toThrow(/no source "order" \(sources: orders\)/);
  });
});
