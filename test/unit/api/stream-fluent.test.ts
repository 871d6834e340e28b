/**
 * The Flink forms of the DataStream API a user reaches for first: `flatMap` with a Collector
 * (against the iterable form and brute force) and `.uid()` in the fluent style (the stage and
 * its state take the name, as the `uid` option gives it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Job, TumblingEventTimeWindows, Time, type Collector } from '../../../lib/api/index.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { describePlan } from '../../../lib/plan/describe.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { sink, tsSource } from '../support/tiny.ts';

interface Line { text: string; ts: number }
interface Word { word: string; ts: number }

function words(form: 'iterable' | 'collector'): Job {
  const j = new Job(`words-${form}`, { parallelism: 2 });
  const lines = tsSource<Line>(j, 'lines', { outOfOrderness: 0 });
  const split = form === 'iterable'
    ? lines.flatMap((l) => l.text.split(' ').filter(Boolean).map((word) => ({ word, ts: l.ts })))
    : lines.flatMap((l: Line, out: Collector<Word>) => {
      for (const word of l.text.split(' ')) if (word) out.collect({ word, ts: l.ts });
    });
  split.sinkTo(sink<Word>('words'));
  return j;
}

describe('flatMap', () => {
  it('with a Collector emits what the iterable form returns: every word of every line, in order', async () => {
    const text = fc.array(fc.constantFrom('a', 'b', 'cc', '', ' '), { maxLength: 6 }).map((ws) => ws.join(' '));
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 20 }), async (texts) => {
        const input = texts.map((text, i) => JSON.stringify({ text, ts: 1000 + i }));
        const expected = texts.flatMap((t, i) => t.split(' ').filter(Boolean).map((word) => ({ word, ts: 1000 + i })));
        for (const form of ['iterable', 'collector'] as const) {
          const { sinks } = await replayInMemory(words(form), { lines: input });
          expect(sinks.values('words'), form).toEqual(expected);
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe('uid() in the fluent style', () => {
  const job = (named: boolean) => {
    const j = new Job('fluent-uid', { parallelism: 1 });
    const counted = tsSource<Word>(j, 'words', { outOfOrderness: 0 }).keyBy((w) => w.word)
      .window(TumblingEventTimeWindows.of(Time.seconds(10)))
      .reduce((a, b) => ({ ...a, ts: Math.max(a.ts, b.ts) }));
    (named ? counted.uid('last-seen') : counted).sinkTo(sink<Word>('out'));
    return j;
  };

  it('names the operator, hence its stage and state, as the uid option does; results unchanged', async () => {
    expect(planJob(job(true).graph).stages.map((s) => s.id)).toContain('last-seen');
    expect(planJob(job(false).graph).stages.map((s) => s.id)).not.toContain('last-seen');
    const input = [{ word: 'a', ts: 1000 }, { word: 'a', ts: 4000 }, { word: 'b', ts: 12_000 }].map((w) => JSON.stringify(w));
    const [named, unnamed] = [await replayInMemory(job(true), { words: input }), await replayInMemory(job(false), { words: input })];
    expect(named.sinks.values('out')).toEqual(unnamed.sinks.values('out'));
    expect(named.sinks.values('out')).toEqual([{ word: 'a', ts: 4000 }, { word: 'b', ts: 12_000 }]);
  });

  it('refuses a uid that is malformed or taken by another operator', () => {
    const j = new Job('fluent-bad', { parallelism: 1 });
    const keyed = tsSource<Word>(j, 'words', { outOfOrderness: 0 }).keyBy((w) => w.word);
    const first = keyed.sum('ts').uid('first');
    expect(() => keyed.max('ts').uid('first')).toThrow(/operator uid "first" is taken/);
    expect(() => first.uid('no spaces')).toThrow(/must match/);
    expect(first.uid('first')).toBe(first); // its own uid again: fine
  });
});

describe('name() in the fluent style', () => {
  it('shows the display name beside its operator in eddy plan, and changes nothing else', async () => {
    const build = (named: boolean) => {
      const j = new Job('fluent-name', { parallelism: 1 });
      const lines = tsSource<Line>(j, 'lines', { outOfOrderness: 0 });
      const upper = lines.map((l) => ({ ...l, text: l.text.toUpperCase() }));
      const keyed = (named ? upper.name('shout') : upper).keyBy((l) => l.text).reduce((a) => a, { uid: 'first-of-text' });
      (named ? keyed.name('first line per text') : keyed).sinkTo(sink<Line>('out'));
      return j;
    };
    const text = describePlan(planJob(build(true).graph), build(true).graph);
    expect(text).toMatch(/chain {3}source\(lines\) -> map "shout" -> keyBy/);
    expect(text).toMatch(/process\(first-of-text\) "first line per text"/);
    expect(describePlan(planJob(build(false).graph), build(false).graph)).not.toMatch(/"shout"/);
    const input = ['a', 'b', 'a'].map((text, i) => JSON.stringify({ text, ts: 1000 + i }));
    expect((await replayInMemory(build(true), { lines: input })).sinks.values('out')).toEqual((await replayInMemory(build(false), { lines: input })).sinks.values('out'));
    expect(() => tsSource<Line>(new Job('fluent-empty'), 'lines').name(' ')).toThrow(/must not be empty/);
  });
});
