/**
 * `eddy replay --engine memory` against the default replay on the embedded stack, from
 * outside: for every scenario job, the same inputs give byte-identical sink files and dead
 * letters (malformed lines included), and the warnings a user needs.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayCli, type ReplayRun } from '../support/replay-cli.ts';
import { generateOrderJoin } from './order-join/generator.ts';
import { BAD_LINE as BAD, scenarioInputs } from './inputs.ts';

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const { orders } = generateOrderJoin({ seed: 21, orders: 120 });
const jobs = scenarioInputs();

/** Every file a replay wrote, by name: the sinks' and the dead letters' (not the file sink's hidden ids of what it wrote, which name stream positions). */
async function files(run: ReplayRun): Promise<Record<string, string>> {
  const dir = join(run.dir, 'out');
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n), 'utf8')] as const)));
}

/**
 * Dead letters in file order without their `sequenceNumber`: the record's position in the
 * replay's own source stream, which kinesis-mock and the in-memory streams number differently.
 */
function withoutPositions(text: string): object[] {
  return text.split('\n').filter(Boolean).map((line) => {
    const { sequenceNumber, ...rest } = JSON.parse(line);
    expect(sequenceNumber).toMatch(/^\d+$/);
    return rest;
  });
}

describe('eddy replay --engine memory', () => {
  for (const [job, inputs] of Object.entries(jobs)) {
    it(`${job}: the same files as the replay on the embedded stack`, async () => {
      const stack = await replayCli(job, inputs);
      const memory = await replayCli(job, inputs, ['--engine', 'memory']);
      const [a, b] = [await files(stack), await files(memory)];
      expect(Object.keys(b)).toEqual(Object.keys(a));
      for (const name of Object.keys(a)) {
        if (name === 'dead-letter.jsonl') expect(withoutPositions(b[name])).toEqual(withoutPositions(a[name]));
        else expect(b[name], name).toBe(a[name]);
      }
      const written = Object.values(a).reduce((n, text) => n + text.split('\n').filter(Boolean).length, 0);
      expect(written).toBeGreaterThan(0); // not two empty runs
      if (Object.values(inputs).some((text) => text.includes(BAD))) expect(a['dead-letter.jsonl']).toContain('not json');
    }, 300_000);
  }

  it('warns about a source without --input, prints the late records, and refuses an unknown engine', async () => {
    const run = await replayCli('order-join', { orders: jsonl(orders.slice(0, 20)) }, ['--engine', 'memory', '--chaos', '0']);
    expect(run.stderr).toMatch(/warning: source "order-details" of order-join got no --input: it is replayed empty/);
    expect(run.stderr).toMatch(/replay of order-join done in [\d.]+ s \(memory\): order-lines=0 dead-letter=0 late=\d+/);
    await expect(replayCli('order-join', { orders: jsonl(orders.slice(0, 2)) }, ['--engine', 'lambda'])).rejects.toThrow(/--engine takes stack or memory, got "lambda"/);
  });
});
