/**
 * The order-timeout contract tested from outside, exactly as SCENARIOS.md states it: the
 * `eddy replay` command on a generated order stream, its sink files compared with the
 * independent oracle.
 */
import { describe, expect, it } from 'vitest';
import { replayCli } from '../../support/replay-cli.ts';
import { generateOrderStream, toJsonl } from './generator.ts';
import { malformedOrderLines } from './malformed.ts';
import { expectedOrderTimeout, sortRows } from './oracle.ts';

const replay = (lines: string) => replayCli('order-timeout', { orders: lines });

describe('eddy replay order-timeout', () => {
  it('matches the contract on a stream with duplicates, PAID before CREATED and late payments', async () => {
    const events = generateOrderStream({ seed: 2026, orders: 150 });
    const expected = expectedOrderTimeout(events);
    // The generator covers every case; make sure this stream really exercises them.
    expect(expected.latePayments.length).toBeGreaterThan(0);
    expect(expected.timeouts.length).toBeGreaterThan(0);
    const { read } = await replay(toJsonl(events));
    expect(sortRows(await read('paid'))).toEqual(sortRows(expected.paid));
    expect(sortRows(await read('timeouts'))).toEqual(sortRows(expected.timeouts));
    expect(sortRows(await read('late-payments'))).toEqual(sortRows(expected.latePayments));
    expect(await read('dead-letter')).toEqual([]);
  }, 300_000);

  it('dead-letters every malformed line with its reason and position, and the rest stays exact', async () => {
    const events = generateOrderStream({ seed: 99, orders: 30 });
    const valid = events.map((e) => JSON.stringify(e));
    const mixed = valid.flatMap((line, i) => (i < malformedOrderLines.length ? [malformedOrderLines[i].line, line] : [line]));
    const { read } = await replay(mixed.join('\n') + '\n');
    const dead = await read('dead-letter');
    expect(dead.map((d) => d.record).sort()).toEqual(malformedOrderLines.map((m) => m.line).sort());
    for (const d of dead) {
      expect(d.reason).toMatch(/\S/);
      expect(d.stage).toBe('source-orders');
      expect(d.sequenceNumber).toMatch(/^\d+$/);
    }
    const expected = expectedOrderTimeout(events);
    expect(sortRows(await read('paid'))).toEqual(sortRows(expected.paid));
    expect(sortRows(await read('timeouts'))).toEqual(sortRows(expected.timeouts));
    expect(sortRows(await read('late-payments'))).toEqual(sortRows(expected.latePayments));
  }, 300_000);

  it('writes an empty file for every sink when the input is empty', async () => {
    const { read } = await replay('');
    for (const sink of ['paid', 'timeouts', 'late-payments', 'dead-letter']) expect(await read(sink)).toEqual([]);
  }, 120_000);
});
