/**
 * lib/cost/steady/: what every steady-rate input promises, for each stateful scenario job —
 * exactly `rate` records a second, event time advancing with the feed and never more than 5 s
 * behind an earlier arrival of its source, the same input for the same seed, every record
 * accepted by the job's schema.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { Order as TimeoutOrder } from '../../../../functions/order-timeout/job.ts';
import { Order as JoinOrder, OrderDetail } from '../../../../functions/order-join/job.ts';
import { Request } from '../../../../functions/anti-crawler/job.ts';
import { Event } from '../../../../functions/dim-enrich/job.ts';
import { Purchase } from '../../../../functions/purchases.ts';
import { steadyInput, STEADY_INPUTS } from '../../../../lib/cost/steady/index.ts';

const SCHEMAS: Record<string, Record<string, z.ZodTypeAny | 'maxwell'>> = {
  'order-timeout': { orders: TimeoutOrder },
  'order-join': { orders: JoinOrder, 'order-details': OrderDetail },
  'hot-items': { purchases: Purchase },
  'hourly-uv': { purchases: Purchase },
  'uv-sliding': { purchases: Purchase },
  'anti-crawler': { requests: Request },
  'dim-enrich': { events: Event, 'product-cdc': 'maxwell' },
};
const MAXWELL_TYPES = ['insert', 'update', 'delete', 'bootstrap-start', 'bootstrap-insert', 'bootstrap-complete'];
/** Event time in ms of a record (Maxwell's is in seconds). */
const eventMs = (r: { ts: number }, source: string) => (source === 'product-cdc' ? r.ts * 1000 : r.ts);

describe('steadyInput', () => {
  it('covers the seven stateful scenario jobs', () => {
    expect(Object.keys(STEADY_INPUTS).sort()).toEqual(Object.keys(SCHEMAS).sort());
  });

  for (const job of Object.keys(SCHEMAS)) {
    it(`${job}: rate records a second, event time with the feed, the job's schema, the same for the same seed`, () => {
      const events = 3000;
      const rate = 50;
      const input = steadyInput(job, { events, rate, seed: 7 });
      expect(Object.keys(input.lines).sort()).toEqual(Object.keys(SCHEMAS[job]).sort());
      const all = Object.entries(input.arrivalsMs).flatMap(([source, arrivals]) => arrivals.map((a, i) => ({ source, a, r: JSON.parse(input.lines[source][i]) })));
      // per second of the feed: rate records; dim-enrich's bootstrap comes on top, a second before the start
      const upfront = all.filter((x) => x.a < 0);
      expect(upfront.every((x) => x.source === 'product-cdc' && x.a === -1000)).toBe(true);
      expect(all).toHaveLength(events + upfront.length);
      const perSecond = new Map<number, number>();
      for (const x of all) if (x.a >= 0) perSecond.set(Math.floor(x.a / 1000), (perSecond.get(Math.floor(x.a / 1000)) ?? 0) + 1);
      expect([...perSecond.values()].every((n) => n === rate)).toBe(true);
      expect(perSecond.size).toBe(events / rate);
      for (const [source, lines] of Object.entries(input.lines)) {
        const arrivals = input.arrivalsMs[source];
        expect(arrivals).toEqual([...arrivals].sort((x, y) => x - y));
        let latest = -Infinity;
        lines.forEach((line, i) => {
          const r = JSON.parse(line);
          const schema = SCHEMAS[job][source];
          if (schema === 'maxwell') expect(MAXWELL_TYPES).toContain(r.type);
          else expect(schema.safeParse(r).success).toBe(true);
          const ts = eventMs(r, source);
          // no record is more than 5 s behind one that arrived before it, nor ahead of its arrival
          expect(ts).toBeGreaterThan(latest - 5000);
          expect(ts).toBeLessThanOrEqual(input.startMs + arrivals[i]);
          expect(ts).toBeGreaterThan(input.startMs + arrivals[i] - 5000 - (source === 'product-cdc' ? 1000 : 0));
          latest = Math.max(latest, ts);
        });
      }
      expect(steadyInput(job, { events, rate, seed: 7 })).toEqual(input);
      expect(steadyInput(job, { events, rate, seed: 8 }).lines).not.toEqual(input.lines);
    });
  }

  it('refuses jobs it has no generator for, and sizes or rates that make no steady input', () => {
    expect(() => steadyInput('cdc-split', { events: 10, rate: 1, seed: 1 })).toThrow(/no steady-rate generator for cdc-split/);
    expect(() => steadyInput('hot-items', { events: 0, rate: 1, seed: 1 })).toThrow(/positive whole number/);
    expect(() => steadyInput('hot-items', { events: 10, rate: Infinity, seed: 1 })).toThrow(/finite positive rate/);
  });
});
